//! The errors of the `source` layer.
//!
//! Every message starts with its context (the source label, the file and
//! line), is lowercase and has no trailing period. The cause is part of the
//! message, so printing an error once says everything; [`SourceError::hint`]
//! says what to do about it. No message ever holds a password: sources are
//! named by [`super::ConnInfo`]'s `Display`, never by the raw argument.

use std::path::PathBuf;

use crate::introspect::IntrospectError;
pub(crate) use crate::introspect::describe as describe_pg_error;

/// Why a schema source could not be parsed, reached or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A schema argument that is none of the accepted forms. `shown` is the
    /// argument itself unless it might hold a password.
    #[error("{}", unknown_source(.shown.as_deref()))]
    UnknownSource { shown: Option<String> },

    /// A file or directory named on the command line does not exist.
    #[error("{what} {} does not exist", .path.display())]
    NotFound { what: &'static str, path: PathBuf },

    /// A connection string that libpq would not accept either, or that uses
    /// a parameter pgrift does not support.
    #[error("invalid connection string: {message}")]
    InvalidConnInfo {
        message: String,
        hint: Option<String>,
    },

    /// The server could not be reached, refused the login, or TLS failed.
    #[error("could not connect to {label}: {cause}")]
    Connect {
        label: String,
        cause: String,
        hint: Option<String>,
    },

    /// A statement pgrift itself runs (creating or dropping a database,
    /// asking for the server version) failed.
    #[error("{action} on {label}: {cause}")]
    Database {
        action: String,
        label: String,
        cause: String,
        hint: Option<String>,
    },

    /// The `--shadow-url` role is a superuser, which would run the files
    /// with every right on that server.
    #[error(
        "the --shadow-url role of {label} is a superuser, and pgrift runs schema files as a role without superuser rights"
    )]
    ShadowSuperuser { label: String },

    /// The introspector could not read the schema.
    #[error("could not read the schema of {label}: {cause}")]
    Introspect {
        label: String,
        cause: IntrospectError,
    },

    /// A statement in a user's `.sql` file failed. Boxed, as it is by far
    /// the largest variant.
    #[error(transparent)]
    Sql(Box<SqlError>),

    /// A `.sql` file that is not UTF-8, at the first invalid byte.
    #[error("{}:{line}:{column}: the file is not valid UTF-8", .path.display())]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },

    /// A psql meta-command, or a file it names, that pgrift does not follow
    /// in a `.sql` source.
    #[error("{}:{line}: {message}", .path.display())]
    Meta {
        path: PathBuf,
        line: usize,
        message: String,
        hint: String,
    },

    /// A directory given as a schema holds no `.sql` file.
    #[error("directory {} holds no .sql file", .dir.display())]
    NoSqlFiles { dir: PathBuf },

    /// Reading or writing a file failed.
    #[error("could not {action} {}: {cause}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        cause: std::io::Error,
    },

    /// No PostgreSQL server programs were found for the shadow cluster.
    #[error("could not find the PostgreSQL server programs initdb and postgres")]
    PgBinMissing,

    /// `PGRIFT_PG_BIN` names a directory without `initdb` and `postgres`.
    #[error("PGRIFT_PG_BIN={} does not hold initdb and postgres", .dir.display())]
    PgBinInvalid { dir: PathBuf },

    /// The throwaway cluster could not be created or started. `log` is the
    /// tail of the output of initdb or of the server log.
    #[error("{}", cluster_error(.message, .log))]
    Cluster { message: String, log: String },

    /// A snapshot file that is not valid JSON or does not match the model.
    #[error("{}:{line}:{column}: invalid snapshot: {message}", .path.display())]
    SnapshotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// A JSON file that is not a pgrift snapshot.
    #[error("{} is not a pgrift snapshot: it lacks \"format\": \"pgrift-snapshot\"", .path.display())]
    SnapshotFormat { path: PathBuf },

    /// Loading a `.sql` source into the shadow took longer than its limit.
    #[error("{}: loading did not finish within {}", .path.display(), crate::introspect::duration(*.limit))]
    LoadTimeout {
        path: PathBuf,
        limit: std::time::Duration,
    },

    /// A snapshot whose definition of an object is not what a server
    /// prints: it would carry more than the object's own statement into a
    /// script.
    #[error("{}: invalid snapshot: the definition of {} is refused: {}", .path.display(), .object, .reason)]
    SnapshotDefinition {
        path: PathBuf,
        object: String,
        reason: String,
    },

    /// A snapshot written by another version of pgrift, in a format this
    /// one does not read.
    #[error("{}", snapshot_version(.path, *.found, *.supported))]
    SnapshotVersion {
        path: PathBuf,
        /// `None` when the file has no `version`.
        found: Option<u64>,
        supported: u64,
    },
}

impl SourceError {
    /// What the user can do about the error, for the binary to print after
    /// the message.
    pub fn hint(&self) -> Option<String> {
        let fixed = match self {
            SourceError::UnknownSource { .. } => Some(
                "a schema is one of: a connection string (postgres://user@host/db or \
                 'host=… dbname=…'), a .sql file or a directory of .sql files, a .json \
                 snapshot written by `pgrift snapshot`, or the word `empty`",
            ),
            SourceError::NotFound { .. } => {
                Some("check the path; a relative path starts from the current directory")
            }
            SourceError::InvalidConnInfo { hint: None, .. } => Some(
                "write it as postgres://user@host:port/dbname, or as key=value pairs: \
                 'host=… port=… dbname=…'",
            ),
            SourceError::InvalidConnInfo { hint, .. }
            | SourceError::Connect { hint, .. }
            | SourceError::Database { hint, .. } => return hint.clone(),
            SourceError::Introspect { cause, .. } => cause.hint(),
            SourceError::ShadowSuperuser { .. } => Some(
                "connect --shadow-url as a role with CREATEDB and without SUPERUSER; or, if \
                 you trust the files, pass --shadow-superuser",
            ),
            // The file, line and column the message starts with say what to
            // fix; a hint is the server's own, when it gave one.
            SourceError::Sql(error) => return error.hint.clone(),
            SourceError::Meta { hint, .. } => return Some(hint.clone()),
            SourceError::Io { .. } => Some("check that the path exists and is readable"),
            SourceError::NoSqlFiles { .. } => Some(
                "only files ending in .sql directly inside the directory are applied; \
                 use `empty` for an empty schema",
            ),
            SourceError::PgBinMissing => Some(
                "install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql), or set \
                 PGRIFT_PG_BIN to a directory holding initdb and postgres; or pass \
                 --shadow-url to use an existing server",
            ),
            SourceError::PgBinInvalid { .. } => {
                Some("point PGRIFT_PG_BIN at the bin directory of a PostgreSQL installation")
            }
            SourceError::SnapshotVersion { .. } => {
                Some("regenerate the snapshot with this pgrift: pgrift snapshot <schema> -o <file>")
            }
            SourceError::SnapshotFormat { .. } => {
                Some("snapshots are written by `pgrift snapshot <schema> -o <file>`")
            }
            SourceError::SnapshotJson { .. } => Some(
                "snapshots are written by `pgrift snapshot <schema> -o <file>`; one edited by \
                 hand must stay valid JSON of the same shape",
            ),
            SourceError::SnapshotDefinition { .. } => Some(
                "a snapshot holds definitions as the server printed them, one statement each; \
                 write the snapshot again with `pgrift snapshot <schema> -o <file>` instead of \
                 editing it",
            ),
            SourceError::NotUtf8 { .. } => Some("convert the file to UTF-8"),
            SourceError::LoadTimeout { .. } => Some(
                "a statement in it waits or runs long (pg_sleep, a lock, a large INSERT); \
                 raise --load-timeout, or give 0 for no limit",
            ),
            _ => None,
        };
        fixed.map(str::to_owned)
    }
}

/// A failed statement in a `.sql` file, as the server described it.
#[derive(Debug, thiserror::Error)]
#[error("{}", sql_error(.path, *.position, *.line, .message, .detail.as_deref(), .context.as_deref()))]
pub struct SqlError {
    pub path: PathBuf,
    /// The 1-based line and column, in characters, when the server
    /// reported a position.
    pub position: Option<(usize, usize)>,
    /// The line the failing statement starts on, for an error the server
    /// gave no position for.
    pub line: Option<usize>,
    pub message: String,
    pub detail: Option<String>,
    /// PostgreSQL's `CONTEXT`, such as the line of a PL/pgSQL function.
    pub context: Option<String>,
    pub hint: Option<String>,
}

fn unknown_source(shown: Option<&str>) -> String {
    match shown {
        Some(arg) => format!("cannot tell what kind of schema {arg:?} is"),
        None => "cannot tell what kind of schema the argument is".to_owned(),
    }
}

fn sql_error(
    path: &std::path::Path,
    position: Option<(usize, usize)>,
    line: Option<usize>,
    message: &str,
    detail: Option<&str>,
    context: Option<&str>,
) -> String {
    let mut text = match (position, line) {
        (Some((line, column)), _) => format!("{}:{line}:{column}: {message}", path.display()),
        (None, Some(line)) => format!("{}:{line}: {message}", path.display()),
        (None, None) => format!("{}: {message}", path.display()),
    };
    if let Some(detail) = detail {
        text.push_str("\ndetail: ");
        text.push_str(detail);
    }
    if let Some(context) = context {
        text.push_str("\ncontext: ");
        text.push_str(context);
    }
    text
}

fn snapshot_version(path: &std::path::Path, found: Option<u64>, supported: u64) -> String {
    match found {
        Some(found) if supported == 1 => format!(
            "{} is a version {found} snapshot, but this pgrift reads version 1 only",
            path.display()
        ),
        Some(found) => format!(
            "{} is a version {found} snapshot, but this pgrift reads versions 1 to {supported} only",
            path.display()
        ),
        None => format!(
            "{} has no snapshot version; this pgrift reads version {supported}",
            path.display()
        ),
    }
}

fn cluster_error(message: &str, log: &str) -> String {
    let mut text = format!("could not start a throwaway PostgreSQL cluster: {message}");
    let log = log.trim_end();
    if !log.is_empty() {
        text.push_str("\nits last output was:\n");
        text.push_str(log);
    }
    text
}
