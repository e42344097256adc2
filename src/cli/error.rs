//! Errors of the binary: the library's errors plus file output, each with a
//! hint and an exit status.

use std::path::PathBuf;

use thiserror::Error;

use pgrift::CompareError;
use pgrift::deploy::DeployError;
use pgrift::emit::layout::LayoutError;
use pgrift::source::SourceError;

#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Compare(#[from] CompareError),
    #[error("{}: could not write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", dir.display())]
    Layout { dir: PathBuf, source: LayoutError },
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// Arguments of `command` that do not go together.
    #[error("{message}")]
    Usage {
        command: &'static str,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error("env.{env}: the environment variable {variable} is not set")]
    Environment { env: String, variable: String },
    #[error("no environment {name:?} in {}", path.display())]
    UnknownEnv {
        name: String,
        path: PathBuf,
        known: Vec<String>,
    },
    #[error(
        "apply FROM TO asks before it changes the database, and there is no terminal to ask on"
    )]
    Unconfirmed,
}

impl CliError {
    /// The exit status: 3 for a risk gate, else 2.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Deploy(DeployError::Gate { .. }) => super::EXIT_RISK,
            _ => super::EXIT_ERROR,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Source(e) => e.hint(),
            CliError::Compare(e) => e.hint(),
            CliError::Write { source, .. }
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Some("pgrift never overwrites a migration; move the file away or choose another --name".to_owned())
            }
            CliError::Write { .. } => {
                Some("check that the directory exists and is writable".to_owned())
            }
            CliError::Deploy(e) => e.hint(),
            CliError::Usage { command, .. } => {
                Some(format!("`pgrift help {command}` shows what it takes"))
            }
            CliError::Config { .. } => Some(
                "fix the file, or point PGRIFT_CONFIG at another; `pgrift config` prints what is read".to_owned(),
            ),
            CliError::Environment { variable, .. } => Some(format!("export {variable}=…")),
            CliError::UnknownEnv { known, .. } => Some(if known.is_empty() {
                "the project file names no environments; add [env.NAME] with url, sql or snapshot".to_owned()
            } else {
                format!("the environments are: {}", known.join(", "))
            }),
            CliError::Unconfirmed => Some(
                "pass --yes to apply without asking, or write a plan with `pgrift plan` and apply its directory".to_owned(),
            ),
            CliError::Layout { .. } => Some(
                "name the migration with letters, digits, '_' and '-', e.g. --name add_refunds"
                    .to_owned(),
            ),
        }
    }
}
