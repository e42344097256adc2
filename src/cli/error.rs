//! Errors of the binary: the library's errors plus file output, each with a
//! hint and an exit status.

use std::path::PathBuf;

use thiserror::Error;

use pgrift::plan::{CompatError, ExtensionError, PlanError};
use pgrift::source::SourceError;

#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A script uses features the server it is for does not have.
    #[error("{script} script, for {side}'s server: {source}")]
    Compat {
        /// `forward` or `reverse`.
        script: &'static str,
        /// `FROM` or `TO`: whose server the script runs on.
        side: &'static str,
        source: CompatError,
    },
    /// A script installs extension versions the server it is for lacks.
    #[error("{script} script, for {side}'s server: {source}")]
    Extensions {
        /// `forward` or `reverse`.
        script: &'static str,
        /// `FROM` or `TO`: whose server the script runs on.
        side: &'static str,
        source: ExtensionError,
    },
    #[error("{}: could not write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl CliError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Source(e) => e.hint(),
            CliError::Plan(_) => Some(
                "this is a bug in pgrift; please report it with the two schemas (pgrift snapshot writes them)"
                    .to_owned(),
            ),
            CliError::Compat { side, source, .. } => Some(format!(
                "upgrade {side}'s server to PostgreSQL {} or later first, or change the other schema \
                 to do without these features",
                source.needs_major()
            )),
            CliError::Extensions { side, .. } => Some(format!(
                "install that version's package on {side}'s server, or give the other schema a \
                 version {side}'s server offers (ALTER EXTENSION … UPDATE TO '…' there)"
            )),
            CliError::Write { .. } => {
                Some("check that the directory exists and is writable".to_owned())
            }
        }
    }
}
