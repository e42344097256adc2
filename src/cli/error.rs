//! Errors of the binary: the library's errors plus file output, each with a
//! hint and an exit status.

use std::path::PathBuf;

use thiserror::Error;

use pgrift::CompareError;
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
}

impl CliError {
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
            CliError::Layout { .. } => Some(
                "name the migration with letters, digits, '_' and '-', e.g. --name add_refunds"
                    .to_owned(),
            ),
        }
    }
}
