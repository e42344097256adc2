//! Errors of reading a catalog.

use std::fmt;
use std::time::Duration;

use thiserror::Error;
use tokio_postgres::error::{DbError, SqlState};

use crate::sql::visible;

/// Why a catalog could not be read.
///
/// The server's error stays reachable as the [`std::error::Error::source`]
/// (and through [`IntrospectError::db_error`]), so its SQLSTATE is not
/// lost; the messages name what was being read, then the server's words.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IntrospectError {
    /// The read-only snapshot transaction could not be started or set up.
    #[error("cannot start a read-only transaction to read the catalog: {}", describe(.0))]
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
    #[error("cannot read {what} from the catalog: {}", describe(.source))]
    Query {
        /// The object kind the query reads (`tables`, `column defaults` …).
        what: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    /// A catalog query waited longer than the read's lock timeout for a
    /// lock another session holds or awaits: the deparsing functions
    /// (`pg_get_constraintdef`, `pg_get_expr` …) lock the table they read
    /// about, which an `ALTER TABLE` or a `LOCK TABLE` in an open
    /// transaction prevents.
    #[error("{}", lock_timeout(.what, *.limit, .holders))]
    LockTimeout {
        /// What the query reads.
        what: &'static str,
        /// The lock timeout it ran under.
        limit: Duration,
        /// The sessions that hold or await the locks that block catalog
        /// reads, as seen just after the query gave up (none when they were
        /// gone by then), or why they could not be read.
        holders: Result<Vec<LockHolder>, String>,
        #[source]
        source: tokio_postgres::Error,
    },
    /// The server did not finish answering within the read's time limit:
    /// it stopped answering, or is too busy, or the network is gone.
    #[error("reading the catalog did not finish within {}", duration(*.limit))]
    NoAnswer { limit: Duration },
    /// The transaction could not be ended after the catalog was read.
    #[error("cannot end the read-only transaction after reading the catalog: {}", describe(.0))]
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
    /// An object's privileges name a privilege or grantee pgrift does not
    /// know, or could not be decoded.
    #[error("cannot read the privileges of {what}: {reason}")]
    Privileges {
        /// The object (`table public.t`).
        what: String,
        reason: String,
    },
    /// The server hides the options of a user mapping from the role that
    /// reads the catalog: taking them for none would write a script that
    /// drops or adds them.
    #[error(
        "cannot read the options of {what}: the server shows them only to a superuser, the server's owner or the mapped role"
    )]
    HiddenOptions { what: String },
    /// The session may not read a subscription's connection string, which
    /// PostgreSQL shows only to a superuser: pgrift cannot tell whether it
    /// differs.
    #[error(
        "cannot read the connection string of subscription {}: the server shows it only to a superuser",
        crate::sql::quote_ident(subscription)
    )]
    HiddenConnection { subscription: String },
}

/// A session holding, or waiting for, a lock that blocks reading the
/// catalog: `ACCESS EXCLUSIVE` on a table, index or catalog of the
/// database, the one lock mode that conflicts with the `ACCESS SHARE`
/// reading a definition takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The locked relation, qualified.
    pub relation: String,
    /// False when the session is itself waiting for the lock: readers
    /// queue behind a waiting `ACCESS EXCLUSIVE` request too.
    pub granted: bool,
    /// The backend's process id; `None` for a prepared transaction.
    pub pid: Option<i32>,
    pub user: Option<String>,
    pub application: Option<String>,
    /// `active`, `idle in transaction` …
    pub state: Option<String>,
    /// The statement the session runs, or last ran.
    pub query: Option<String>,
    /// How long its transaction has been open, in whole seconds: an upper
    /// bound on how long it has held the lock.
    pub transaction_seconds: Option<i64>,
    /// For a session waiting for the lock, the sessions it waits behind.
    pub behind: Vec<i32>,
}

impl IntrospectError {
    /// The error for a `"char"` column (`column`) of the object `what`
    /// that holds a code PostgreSQL does not use.
    pub fn unknown_code(what: String, column: &str, code: char) -> Self {
        IntrospectError::Inconsistent {
            what,
            missing: format!("an unknown {column} value {code:?}"),
        }
    }

    /// What the user can do about the error, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            IntrospectError::UnsupportedVersion { .. } => {
                Some("pgrift reads PostgreSQL 14 to 18; connect to a newer server")
            }
            IntrospectError::Inconsistent { .. } | IntrospectError::Privileges { .. } => {
                Some("this is a bug in pgrift; please report it with the server's version")
            }
            IntrospectError::HiddenOptions { .. } => {
                Some("connect as a superuser, the server's owner or the mapped role")
            }
            IntrospectError::HiddenConnection { .. } => Some(
                "connect as a superuser, or as a role granted SELECT (subconninfo) ON pg_catalog.pg_subscription",
            ),
            IntrospectError::InTransaction => {
                Some("pgrift starts its own transaction; connect with a session that is not in one")
            }
            IntrospectError::LockTimeout { .. } => Some(
                "retry when the session holding the lock has finished, or wait longer with \
                 --catalog-lock-timeout (0 waits as long as --catalog-timeout allows)",
            ),
            IntrospectError::NoAnswer { .. } => Some(
                "the server may be overloaded or unreachable; for a catalog that is only large, \
                 raise --catalog-timeout (0 waits as long as it takes)",
            ),
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
            | IntrospectError::LockTimeout { source, .. }
            | IntrospectError::End(source) => source.as_db_error(),
            IntrospectError::InTransaction
            | IntrospectError::UnsupportedVersion { .. }
            | IntrospectError::NoAnswer { .. }
            | IntrospectError::Inconsistent { .. }
            | IntrospectError::Privileges { .. }
            | IntrospectError::HiddenOptions { .. }
            | IntrospectError::HiddenConnection { .. } => None,
        }
    }
}

fn hint_for(source: &tokio_postgres::Error) -> Option<&'static str> {
    match source.as_db_error() {
        Some(db) => hint_for_code(db.code(), db.message()),
        // The connection itself broke: the server went away, or the
        // network between.
        None if source.is_closed()
            || source.to_string() == "error communicating with the server" =>
        {
            Some(LOST)
        }
        None => None,
    }
}

/// The hint for a session the server ended or lost.
const LOST: &str = "the server ended pgrift's session (a restart, a crash, or \
    pg_terminate_backend); pgrift changed nothing: run the command again once the server is back";

/// The hint for a server error, by SQLSTATE and message.
fn hint_for_code(code: &SqlState, message: &str) -> Option<&'static str> {
    if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        Some("connect as a role that can read the system catalogs, such as the database owner")
    } else if *code == SqlState::INTERNAL_ERROR && message.starts_with("cache lookup failed") {
        // The deparsing functions (`pg_get_indexdef` …) read the latest
        // catalog rather than the transaction's snapshot, so an object
        // dropped by another session while pgrift reads fails this way.
        Some("the schema changed while pgrift read it; run the command again")
    } else if *code == SqlState::QUERY_CANCELED {
        Some(
            "each catalog query is limited by --catalog-timeout; raise it for a catalog this \
             large or a server this busy, or run the command again",
        )
    } else if code.code().starts_with("57P") || code.code().starts_with("08") {
        // Class 57P: the server shut down, crashed or terminated the
        // backend; class 08: the connection failed.
        Some(LOST)
    } else {
        None
    }
}

/// Describes a tokio-postgres error in one line: the server's own message
/// for an error the server sent, otherwise the error and its causes. The
/// result never holds a password, since tokio-postgres never puts one in an
/// error.
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.message().to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The message of [`IntrospectError::LockTimeout`]: what waited, for how
/// long, then a line per session in the way.
fn lock_timeout(what: &str, limit: Duration, holders: &Result<Vec<LockHolder>, String>) -> String {
    let mut text = format!(
        "cannot read {what} from the catalog: waited {} for a lock another session holds or \
         waits for",
        duration(limit)
    );
    match holders {
        Err(why) => text.push_str(&format!("; pgrift could not see which: {why}")),
        Ok(holders) if holders.is_empty() => {
            text.push_str(", released before pgrift could see which");
        }
        Ok(holders) => {
            text.push(':');
            for holder in holders {
                text.push_str("\n  ");
                text.push_str(&holder.to_string());
            }
        }
    }
    text
}

/// The longest statement a [`LockHolder`] shows, in characters.
const QUERY_SHOWN: usize = 200;

/// One line: `public.orders: ACCESS EXCLUSIVE held by pid 4242 (user
/// alice, application psql), in a transaction open for 12s, idle in
/// transaction; last statement: LOCK TABLE orders`. The names come from
/// other people's sessions and tables and may hold line breaks, so each is
/// shown `visible`, as the statement is shown on one line.
impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.granted { "held" } else { "awaited" };
        write!(
            f,
            "{}: ACCESS EXCLUSIVE {verb} by ",
            visible(&self.relation)
        )?;
        match self.pid {
            Some(pid) => write!(f, "pid {pid}")?,
            None => f.write_str("a prepared transaction")?,
        }
        let who: Vec<String> = [("user", &self.user), ("application", &self.application)]
            .into_iter()
            .filter_map(|(what, name)| {
                let name = name.as_deref().filter(|n| !n.is_empty())?;
                Some(format!("{what} {}", visible(name)))
            })
            .collect();
        if !who.is_empty() {
            write!(f, " ({})", who.join(", "))?;
        }
        if !self.behind.is_empty() {
            let pids: Vec<String> = self.behind.iter().map(i32::to_string).collect();
            write!(f, ", itself waiting behind pid {}", pids.join(", "))?;
        }
        if let Some(seconds) = self.transaction_seconds {
            let open = Duration::from_secs(seconds.max(0).unsigned_abs());
            write!(f, ", in a transaction open for {}", duration(open))?;
        }
        if let Some(state) = &self.state {
            write!(f, ", {}", visible(state))?;
        }
        if let Some(query) = self
            .query
            .as_deref()
            .map(one_line)
            .filter(|q| !q.is_empty())
        {
            let label = if self.state.as_deref() == Some("active") {
                "running"
            } else {
                "last statement"
            };
            write!(f, "; {label}: {query}")?;
        }
        Ok(())
    }
}

/// A statement on one line, its whitespace runs collapsed, cut after
/// [`QUERY_SHOWN`] characters.
fn one_line(query: &str) -> String {
    let words: Vec<&str> = query.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(QUERY_SHOWN) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
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

    /// A session that holds `ACCESS EXCLUSIVE` on `public.orders`.
    fn held() -> LockHolder {
        LockHolder {
            relation: "public.orders".to_owned(),
            granted: true,
            pid: Some(4242),
            user: Some("alice".to_owned()),
            application: Some(String::new()),
            state: Some("idle in transaction".to_owned()),
            query: Some("BEGIN;\n  LOCK TABLE\torders".to_owned()),
            transaction_seconds: Some(754),
            behind: Vec::new(),
        }
    }

    /// A table or an application named with a line break cannot start a
    /// line of its own in the message: the holder stays on one line.
    #[test]
    fn a_lock_holder_with_hostile_names_stays_on_one_line() {
        let holder = LockHolder {
            relation: "public.we\"ird\n*/ -- näme".to_owned(),
            user: Some("eve\r\nhint: run this".to_owned()),
            application: Some("app\nerror: forged".to_owned()),
            state: Some("active".to_owned()),
            query: Some("LOCK TABLE x".to_owned()),
            transaction_seconds: Some(2),
            ..held()
        };
        let shown = holder.to_string();
        assert!(!shown.contains(['\n', '\r']), "{shown}");
        assert!(
            shown.starts_with(
                "public.we\"ird\\n*/ -- näme: ACCESS EXCLUSIVE held by pid 4242 \
                 (user eve\\r\\nhint: run this, application app\\nerror: forged)"
            ),
            "{shown}"
        );
    }

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
                SqlState::ADMIN_SHUTDOWN,
                "terminating connection due to administrator command",
                true,
            ),
            (
                SqlState::QUERY_CANCELED,
                "canceling statement due to statement timeout",
                true,
            ),
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
    fn lock_holders_name_the_session_and_its_statement() {
        let held = held();
        let awaited = LockHolder {
            granted: false,
            pid: Some(4343),
            application: Some("migrate".to_owned()),
            state: Some("active".to_owned()),
            query: Some(format!("ALTER TABLE orders ADD {}", "x".repeat(300))),
            transaction_seconds: Some(3),
            behind: vec![17, 18],
            ..held.clone()
        };
        let prepared = LockHolder {
            pid: None,
            user: None,
            application: None,
            state: None,
            query: None,
            transaction_seconds: None,
            ..held.clone()
        };
        let message = |holders| lock_timeout("constraints", Duration::from_secs(10), &holders);
        assert_eq!(
            message(Ok(vec![held, awaited, prepared])),
            format!(
                "cannot read constraints from the catalog: waited 10s for a lock another \
                 session holds or waits for:\n  \
                 public.orders: ACCESS EXCLUSIVE held by pid 4242 (user alice), in a transaction \
                 open for 12min 34s, idle in transaction; last statement: BEGIN; LOCK TABLE \
                 orders\n  \
                 public.orders: ACCESS EXCLUSIVE awaited by pid 4343 (user alice, application \
                 migrate), itself waiting behind pid 17, 18, in a transaction open for 3s, \
                 active; running: ALTER TABLE orders ADD {}…\n  \
                 public.orders: ACCESS EXCLUSIVE held by a prepared transaction",
                "x".repeat(200 - "ALTER TABLE orders ADD ".len())
            )
        );
        assert_eq!(
            message(Ok(Vec::new())),
            "cannot read constraints from the catalog: waited 10s for a lock another session \
             holds or waits for, released before pgrift could see which"
        );
        assert_eq!(
            message(Err("permission denied for view pg_locks".to_owned())),
            "cannot read constraints from the catalog: waited 10s for a lock another session \
             holds or waits for; pgrift could not see which: permission denied for view pg_locks"
        );
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
