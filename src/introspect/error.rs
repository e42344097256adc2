//! Errors of reading a catalog.

use std::time::Duration;

use thiserror::Error;
use tokio_postgres::error::{DbError, SqlState};

/// Why a catalog could not be read.
///
/// The server's error stays reachable as the [`std::error::Error::source`]
/// (and through [`IntrospectError::db_error`]), so its SQLSTATE and message
/// are not lost; the messages here name what was being read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IntrospectError {
    /// The read-only snapshot transaction could not be started or set up.
    #[error("cannot start a read-only transaction to read the catalog")]
    Begin(#[source] tokio_postgres::Error),
    /// The session was already in a transaction, so the catalog could not be
    /// read in a snapshot of its own. That transaction is left as it was.
    #[error("cannot read the catalog inside a transaction that is already open")]
    InTransaction,
    /// The server is older than PostgreSQL 14, the oldest version pgrift
    /// reads.
    #[error("server version {version} is not supported")]
    UnsupportedVersion {
        /// The server's `server_version` (`13.11`).
        version: String,
    },
    /// A catalog query failed, or one of its values could not be decoded.
    #[error("cannot read {what} from the catalog")]
    Query {
        /// The object kind the query reads (`tables`, `column defaults` …).
        what: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    /// The transaction could not be ended after the catalog was read.
    #[error("cannot end the read-only transaction after reading the catalog")]
    End(#[source] tokio_postgres::Error),
    /// A row of one query names an object that the query of its kind did not
    /// return, or a query returned something else than it asks for. All
    /// queries read the same snapshot with the same filters, so this is a
    /// bug in pgrift or a server that does not behave like PostgreSQL.
    #[error("{what} refers to {missing}, which was not read")]
    Inconsistent {
        /// The object holding the reference (`column public.t.c`).
        what: String,
        /// What it refers to (`table oid 16402`).
        missing: String,
    },
}

impl IntrospectError {
    /// What the user can do about the error, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            IntrospectError::UnsupportedVersion { .. } => {
                Some("pgrift reads PostgreSQL 14 to 18; connect to a newer server")
            }
            IntrospectError::Inconsistent { .. } => {
                Some("this is a bug in pgrift; please report it with the server's version")
            }
            IntrospectError::InTransaction => {
                Some("pgrift starts its own transaction; connect with a session that is not in one")
            }
            IntrospectError::Begin(source)
            | IntrospectError::Query { source, .. }
            | IntrospectError::End(source) => hint_for(source),
        }
    }

    /// The server's error, when the server reported one.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            IntrospectError::Begin(source)
            | IntrospectError::Query { source, .. }
            | IntrospectError::End(source) => source.as_db_error(),
            IntrospectError::InTransaction
            | IntrospectError::UnsupportedVersion { .. }
            | IntrospectError::Inconsistent { .. } => None,
        }
    }
}

fn hint_for(source: &tokio_postgres::Error) -> Option<&'static str> {
    let db = source.as_db_error()?;
    hint_for_code(db.code(), db.message())
}

/// The hint for a server error, by SQLSTATE and message.
fn hint_for_code(code: &SqlState, message: &str) -> Option<&'static str> {
    if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        Some("connect as a role that can read the system catalogs, such as the database owner")
    } else if *code == SqlState::INTERNAL_ERROR && message.starts_with("cache lookup failed") {
        // The deparsing functions (`pg_get_indexdef` …) read the latest
        // catalog rather than the transaction's snapshot, so an object
        // dropped by another session while pgrift reads fails this way.
        Some("the schema changed while pgrift read it; run the command again")
    } else {
        None
    }
}

/// A limit as the options that set it are written: `10s`, `500ms`, `5min`,
/// `1min 30s`.
pub(crate) fn duration(limit: Duration) -> String {
    let seconds = limit.as_secs();
    if limit.subsec_millis() != 0 {
        format!("{}ms", limit.as_millis())
    } else if seconds < 60 {
        format!("{seconds}s")
    } else if seconds.is_multiple_of(60) {
        format!("{}min", seconds / 60)
    } else {
        format!("{}min {}s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints() {
        let cases = [
            (
                SqlState::INSUFFICIENT_PRIVILEGE,
                "permission denied for table pg_authid",
                true,
            ),
            (
                SqlState::INTERNAL_ERROR,
                "cache lookup failed for relation 16402",
                true,
            ),
            (SqlState::INTERNAL_ERROR, "unexpected chunk number", false),
            (
                SqlState::SYNTAX_ERROR,
                "syntax error at or near \"x\"",
                false,
            ),
        ];
        for (code, message, has_hint) in cases {
            assert_eq!(
                hint_for_code(&code, message).is_some(),
                has_hint,
                "{message}"
            );
        }
    }

    #[test]
    fn limits_read_as_they_are_written() {
        let cases = [
            (Duration::from_secs(10), "10s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_secs(300), "5min"),
            (Duration::from_secs(90), "1min 30s"),
        ];
        for (limit, text) in cases {
            assert_eq!(duration(limit), text);
        }
    }

    #[test]
    fn messages_are_lowercase_with_context() {
        let error = IntrospectError::Inconsistent {
            what: "column c".to_owned(),
            missing: "table oid 16402".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "column c refers to table oid 16402, which was not read"
        );
        let error = IntrospectError::UnsupportedVersion {
            version: "13.11".to_owned(),
        };
        assert_eq!(error.to_string(), "server version 13.11 is not supported");
        assert!(error.hint().is_some());
    }
}
