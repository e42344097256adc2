//! Loading `.sql` files into a shadow database, to read their schema back.
//!
//! A [`Shadow`] hands out empty databases, either in a throwaway [`Cluster`]
//! started on first use and shared by every `.sql` source of a run, or as
//! uniquely named temporary databases on an existing server
//! (`--shadow-url`). A temporary database on an existing server is always
//! dropped: by [`ShadowDb::close`] on the normal path and on errors, by
//! `Drop` when a panic or a cancelled future skips that, and by
//! [`super::install_signal_cleanup`] on Ctrl-C.
//!
//! Files run through the simple query protocol, one file per round trip,
//! all in one session: several statements per file work, and session
//! settings (`SET search_path`) carry over to the next file, as with
//! `psql -f a.sql -f b.sql`. psql is never used. Because PostgreSQL runs a
//! multi-statement string as one transaction, statements that refuse to run
//! in a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`) fail.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio_postgres::error::ErrorPosition;

use super::cluster::Cluster;
use super::conninfo::{self, ConnInfo};
use super::error::{SourceError, SqlError, describe_pg_error};
use crate::sql::quote_ident;

/// Where shadow databases are created.
#[derive(Debug)]
pub struct Shadow {
    kind: Kind,
    counter: AtomicU32,
}

#[derive(Debug)]
enum Kind {
    /// A throwaway cluster, started on first use.
    Local {
        bin_dir: Option<PathBuf>,
        cluster: tokio::sync::OnceCell<Arc<Cluster>>,
    },
    /// An existing server, reached as this role and database, which creates
    /// and drops the temporary databases.
    Server(ConnInfo),
}

impl Shadow {
    /// The shadow the command line asks for: `--shadow-url` if given, else
    /// a throwaway cluster.
    ///
    /// Fails when the URL is not a valid connection string.
    pub fn new(shadow_url: Option<&str>) -> Result<Shadow, SourceError> {
        Ok(match shadow_url {
            Some(url) => Shadow::server(ConnInfo::parse(url)?),
            None => Shadow::local(),
        })
    }

    /// A throwaway cluster with the server programs
    /// [`super::find_bin_dir`] finds, started when first needed.
    pub fn local() -> Shadow {
        Shadow::from_kind(Kind::Local {
            bin_dir: None,
            cluster: tokio::sync::OnceCell::new(),
        })
    }

    /// A throwaway cluster with the server programs in `bin_dir`, started
    /// when first needed.
    pub fn local_with_bin_dir(bin_dir: PathBuf) -> Shadow {
        Shadow::from_kind(Kind::Local {
            bin_dir: Some(bin_dir),
            cluster: tokio::sync::OnceCell::new(),
        })
    }

    /// A cluster that is already running, such as one shared by tests.
    pub fn with_cluster(cluster: Arc<Cluster>) -> Shadow {
        Shadow::from_kind(Kind::Local {
            bin_dir: None,
            cluster: tokio::sync::OnceCell::new_with(Some(cluster)),
        })
    }

    /// An existing server (`--shadow-url`). The role needs `CREATEDB`.
    pub fn server(admin: ConnInfo) -> Shadow {
        Shadow::from_kind(Kind::Server(admin))
    }

    /// Stops the throwaway cluster, if this shadow started one and nobody
    /// else holds it, and removes its directory. Dropping the shadow does
    /// the same; this does it off the async threads, since stopping a
    /// server waits for it.
    pub async fn close(self) {
        // A failed join means the drop panicked; there is nothing to add.
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }

    fn from_kind(kind: Kind) -> Shadow {
        Shadow {
            kind,
            counter: AtomicU32::new(0),
        }
    }

    /// Creates an empty database and connects to it.
    ///
    /// Fails when the throwaway cluster cannot start, or the server refuses
    /// to create the database.
    pub async fn create_database(&self) -> Result<ShadowDb, SourceError> {
        let name = format!(
            "pgrift_shadow_{}_{}_{:08x}",
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            random_u32()
        );
        let (admin, remote) = match &self.kind {
            Kind::Local { bin_dir, cluster } => {
                let cluster = cluster
                    .get_or_try_init(|| async {
                        let started = match bin_dir {
                            Some(dir) => Cluster::start_with_bin_dir(dir.clone()).await?,
                            None => Cluster::start().await?,
                        };
                        Ok::<_, SourceError>(Arc::new(started))
                    })
                    .await?;
                (cluster.conninfo("postgres"), false)
            }
            Kind::Server(admin) => (admin.clone(), true),
        };

        let client = conninfo::connect(&admin).await?;
        let label = admin.to_string();
        let database_error = |action: String, e: &tokio_postgres::Error| SourceError::Database {
            action,
            label: label.clone(),
            cause: describe_pg_error(e),
            hint: e
                .as_db_error()
                .filter(|db| db.code().code() == "42501")
                .map(|_| "the --shadow-url role needs the CREATEDB privilege".to_owned()),
        };
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .map_err(|e| database_error("could not read the server version".into(), &e))?
            .get(0);
        // Registered before creating, so that an interrupt between the two
        // still drops it.
        if remote {
            super::cleanup::register_database(&admin, &name, version);
        }
        let created = client
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE template0",
                quote_ident(&name)
            ))
            .await;
        if let Err(e) = created {
            if remote {
                super::cleanup::unregister_database(&name);
            }
            return Err(database_error(
                format!("could not create shadow database {}", quote_ident(&name)),
                &e,
            ));
        }
        drop(client);

        let info = admin.with_dbname(&name);
        let mut db = ShadowDb {
            client: None,
            admin,
            name,
            server_version_num: version,
            remote,
            closed: false,
            position_in_bytes: false,
        };
        // On an error from here on, dropping `db` drops the database.
        db.client = Some(conninfo::connect(&info).await?);
        let encoding: String = db
            .client()
            .query_one("SELECT current_setting('server_encoding')", &[])
            .await
            .map_err(|e| database_error("could not read the server encoding".into(), &e))?
            .get(0);
        db.position_in_bytes = encoding == "SQL_ASCII";
        Ok(db)
    }
}

/// A random number for database names, so that two pgrift runs on one
/// server, even in two containers with the same pid, do not collide.
fn random_u32() -> u32 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish() as u32
}

/// An empty temporary database and a connection to it.
#[derive(Debug)]
pub struct ShadowDb {
    /// `None` only while the database is being set up or after `close`.
    client: Option<tokio_postgres::Client>,
    admin: ConnInfo,
    name: String,
    server_version_num: i32,
    /// True on an existing server, where the database must be dropped; a
    /// throwaway cluster takes its databases with it.
    remote: bool,
    closed: bool,
    /// PostgreSQL counts error positions in characters of the server
    /// encoding; with `SQL_ASCII` that means bytes.
    position_in_bytes: bool,
}

impl ShadowDb {
    /// The connection to the shadow database.
    ///
    /// # Panics
    ///
    /// Never after [`Shadow::create_database`] returned it: the client is
    /// only absent during set-up and after `close`, which consumes `self`.
    pub fn client(&self) -> &tokio_postgres::Client {
        self.client
            .as_ref()
            .expect("a ShadowDb has a client until it is closed")
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn server_version_num(&self) -> i32 {
        self.server_version_num
    }

    /// The connection parameters of the shadow database.
    pub fn conninfo(&self) -> ConnInfo {
        self.admin.with_dbname(&self.name)
    }

    /// Runs a `.sql` file, or every `*.sql` file directly inside a directory
    /// in lexical order of their names (subdirectories are not entered).
    ///
    /// Fails at the first failing file, with the file, line and column the
    /// server's error position points to.
    pub async fn apply(&self, path: &Path) -> Result<(), SourceError> {
        apply_path(
            self.client(),
            path,
            self.position_in_bytes,
            self.server_version_num,
            &self.conninfo().to_string(),
        )
        .await
    }

    /// Closes the connection and, on an existing server, drops the database.
    pub async fn close(mut self) -> Result<(), SourceError> {
        self.closed = true;
        self.client = None;
        if !self.remote {
            return Ok(());
        }
        let result = drop_database(&self.admin, &self.name, self.server_version_num).await;
        super::cleanup::unregister_database(&self.name);
        result
    }
}

impl Drop for ShadowDb {
    /// Drops the database of a `ShadowDb` that was not closed, because of a
    /// panic or a cancelled future. `Drop` cannot wait for async code, so a
    /// helper thread with its own runtime does it.
    fn drop(&mut self) {
        if self.closed || !self.remote {
            return;
        }
        self.client = None;
        let admin = self.admin.clone();
        let name = self.name.clone();
        let version = self.server_version_num;
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                let _ = runtime.block_on(drop_database(&admin, &name, version));
            }
        });
        let _ = dropper.join();
        super::cleanup::unregister_database(&self.name);
    }
}

/// Runs a `.sql` file, or the `*.sql` files directly inside a directory in
/// lexical order, on any connection, as [`ShadowDb::apply`] does. Tests use
/// it to build databases.
///
/// Fails at the first failing file, with its line and column.
pub async fn load_path(client: &tokio_postgres::Client, path: &Path) -> Result<(), SourceError> {
    let row = client
        .query_one(
            "SELECT current_setting('server_encoding'), \
             current_setting('server_version_num')::int",
            &[],
        )
        .await
        .map_err(|e| SourceError::Database {
            action: "could not read the server encoding".into(),
            label: "the database".into(),
            cause: describe_pg_error(&e),
            hint: None,
        })?;
    let encoding: String = row.get(0);
    apply_path(
        client,
        path,
        encoding == "SQL_ASCII",
        row.get(1),
        "the database",
    )
    .await
}

/// Runs the files `path` stands for; `label` names the database in errors
/// that are not about the SQL.
async fn apply_path(
    client: &tokio_postgres::Client,
    path: &Path,
    in_bytes: bool,
    server_version_num: i32,
    label: &str,
) -> Result<(), SourceError> {
    for file in sql_files(path)? {
        let bytes = tokio::fs::read(&file)
            .await
            .map_err(|cause| SourceError::Io {
                action: "read",
                path: file.clone(),
                cause,
            })?;
        let text = decode(&file, bytes)?;
        let text = blank_restrict_lines(&text);
        let text = blank_unknown_settings(&text, server_version_num);
        client
            .batch_execute(&text)
            .await
            .map_err(|e| sql_error(&file, &text, &e, in_bytes, label))?;
    }
    Ok(())
}

/// Maps a failed file to its error, pointing into the file where the
/// server gave a position.
fn sql_error(
    file: &Path,
    text: &str,
    error: &tokio_postgres::Error,
    in_bytes: bool,
    label: &str,
) -> SourceError {
    let Some(db) = error.as_db_error() else {
        return SourceError::Database {
            action: format!("could not apply {}", file.display()),
            label: label.to_owned(),
            cause: describe_pg_error(error),
            hint: None,
        };
    };
    let mut context = db.where_().map(str::to_owned);
    let position = match db.position() {
        Some(ErrorPosition::Original(position)) => {
            Some(line_column(text, *position as usize, in_bytes))
        }
        // An error inside a query PostgreSQL ran for the statement (a
        // function body being validated, say): if that query appears once
        // in the file, point into it there.
        Some(ErrorPosition::Internal { position, query }) => {
            match (
                text.find(query.as_str()),
                text.matches(query.as_str()).count(),
            ) {
                (Some(start), 1) => {
                    let start = if in_bytes {
                        start
                    } else {
                        text[..start].chars().count()
                    };
                    Some(line_column(text, start + *position as usize, in_bytes))
                }
                _ => {
                    let internal = format!("in the internal query: {query}");
                    context = Some(match context {
                        Some(c) => format!("{c}\n{internal}"),
                        None => internal,
                    });
                    None
                }
            }
        }
        None => None,
    };
    SourceError::Sql(Box::new(SqlError {
        path: file.to_path_buf(),
        position,
        message: db.message().to_owned(),
        detail: db.detail().map(str::to_owned),
        context,
        hint: sql_hint(db),
    }))
}

/// The server's hint, and for the errors that come from running a whole
/// file as one transaction, what to do about that.
fn sql_hint(db: &tokio_postgres::error::DbError) -> Option<String> {
    let ours = match db.code().code() {
        // active_sql_transaction: CREATE INDEX CONCURRENTLY, VACUUM and the
        // like.
        "25001" => {
            "pgrift runs each file as one transaction; put this statement in a file of \
                    its own"
        }
        // unsafe_new_enum_value_usage: a value added and used in one file.
        "55P04" => "pgrift runs each file as one transaction; use the new value in a later file",
        _ => return db.hint().map(str::to_owned),
    };
    Some(match db.hint() {
        Some(theirs) => format!("{theirs} {ours}"),
        None => ours.to_owned(),
    })
}

/// Drops a shadow database on an existing server. `WITH (FORCE)` (13 and
/// later) ends the connection to it that may still be closing; before 13,
/// that connection is waited for.
pub(crate) async fn drop_database(
    admin: &ConnInfo,
    name: &str,
    server_version_num: i32,
) -> Result<(), SourceError> {
    let client = conninfo::connect(admin).await?;
    let statement = if server_version_num >= 130000 {
        format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
    } else {
        format!("DROP DATABASE IF EXISTS {}", quote_ident(name))
    };
    let mut attempts = 0;
    loop {
        match client.batch_execute(&statement).await {
            Ok(()) => return Ok(()),
            // 55006: the database is still being accessed by our own
            // closing connection.
            Err(e)
                if attempts < 50
                    && e.as_db_error()
                        .is_some_and(|db| db.code().code() == "55006") =>
            {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => {
                return Err(SourceError::Database {
                    action: format!("could not drop shadow database {}", quote_ident(name)),
                    label: admin.to_string(),
                    cause: describe_pg_error(&e),
                    hint: Some(format!(
                        "drop it by hand: DROP DATABASE {};",
                        quote_ident(name)
                    )),
                });
            }
        }
    }
}

/// The files a `.sql` source stands for: the file itself, or the `*.sql`
/// files directly inside a directory, sorted by name.
pub fn sql_files(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let io_error = |cause| SourceError::Io {
        action: "read directory",
        path: path.to_path_buf(),
        cause,
    };
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io_error)? {
        let file = entry.map_err(io_error)?.path();
        if file.extension().is_some_and(|e| e == "sql") && file.is_file() {
            files.push(file);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(SourceError::NoSqlFiles {
            dir: path.to_path_buf(),
        });
    }
    Ok(files)
}

/// The text of a file pgrift reads (a `.sql` file, a snapshot) without a
/// leading byte-order mark, or where it stops being UTF-8.
pub(crate) fn decode(file: &Path, bytes: Vec<u8>) -> Result<String, SourceError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]);
            let (line, column) = line_column(&prefix, prefix.chars().count() + 1, false);
            Err(SourceError::NotUtf8 {
                path: file.to_path_buf(),
                line,
                column,
            })
        }
    }
}

/// Replaces the `\restrict KEY` and `\unrestrict KEY` lines that recent
/// `pg_dump` versions write for psql with spaces, so a plain dump loads.
/// Blanking rather than removing keeps error positions right.
fn blank_restrict_lines(text: &str) -> std::borrow::Cow<'_, str> {
    let is_restrict = |line: &str| {
        let line = line.trim_end();
        let Some((command, key)) = line.split_once(' ') else {
            return false;
        };
        matches!(command, "\\restrict" | "\\unrestrict")
            && !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric())
    };
    blank_lines(text, is_restrict)
}

/// `pg_dump` 17 and later start every dump with `SET transaction_timeout =
/// 0;`, a setting servers before 17 do not have; whatever the version of
/// the server dumped, the dump of a newer `pg_dump` would not load into an
/// older shadow. On such servers the line is blanked, which keeps error
/// positions right; the setting it would have reset does not exist there.
fn blank_unknown_settings(text: &str, server_version_num: i32) -> std::borrow::Cow<'_, str> {
    const TRANSACTION_TIMEOUT: i32 = 170000;
    let is_unknown = |line: &str| {
        server_version_num < TRANSACTION_TIMEOUT
            && line.trim_end() == "SET transaction_timeout = 0;"
    };
    blank_lines(text, is_unknown)
}

/// `text` with every line for which `blank` holds replaced by as many
/// spaces as it has characters, its line break kept, so that line numbers
/// and columns in error positions stay right. Borrowed when no line
/// matches.
fn blank_lines(text: &str, blank: impl Fn(&str) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.lines().any(&blank) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if blank(line) {
            let body = line.trim_end_matches(['\n', '\r']);
            out.extend(std::iter::repeat_n(' ', body.chars().count()));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The 1-based line and column of PostgreSQL's 1-based error `position` in
/// `text`. Positions count characters (bytes when `in_bytes`), and so do
/// columns. A position past the end points just after the last character.
pub(crate) fn line_column(text: &str, position: usize, in_bytes: bool) -> (usize, usize) {
    let offset = position.saturating_sub(1);
    let prefix = if in_bytes {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    } else {
        let end = text
            .char_indices()
            .nth(offset)
            .map_or(text.len(), |(i, _)| i);
        &text[..end]
    };
    let line = prefix.matches('\n').count() + 1;
    let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
    let column = prefix[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_to_lines_and_columns() {
        let text = "select 1;\nselect émoji😀, x\n  from t;\n";
        let cases = [
            (1, (1, 1)),
            (9, (1, 9)),
            (10, (1, 10)),
            (11, (2, 1)),
            // `x` after two multibyte characters, counted as characters.
            (26, (2, 16)),
            (30, (3, 3)),
            // Past the end: after the last newline.
            (100, (4, 1)),
            (0, (1, 1)),
        ];
        for (position, expected) in cases {
            assert_eq!(
                line_column(text, position, false),
                expected,
                "position {position}"
            );
            let (line, column) = expected;
            if position > 0 && position < 40 {
                let line_text = text.lines().nth(line - 1).unwrap_or("");
                if let Some(c) = line_text.chars().nth(column - 1) {
                    assert_eq!(text.chars().nth(position - 1), Some(c));
                }
            }
        }
        // Counted in bytes, `x` is further along; a position inside a
        // character snaps back to its start.
        assert_eq!(line_column(text, 30, true), (2, 16));
        assert_eq!(line_column("é", 2, true), (1, 1));
    }

    #[test]
    fn sql_files_in_lexical_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["10_b.sql", "02_a.sql", "readme.md", "01_z.SQL"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("00_sub.sql")).unwrap();
        let names: Vec<_> = sql_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["02_a.sql", "10_b.sql"]);

        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            sql_files(empty.path()),
            Err(SourceError::NoSqlFiles { .. })
        ));
    }

    #[test]
    fn not_utf8_points_at_the_first_bad_byte() {
        let error = decode(Path::new("s.sql"), b"select 1;\nselect '\xff';".to_vec()).unwrap_err();
        assert_eq!(error.to_string(), "s.sql:2:9: the file is not valid UTF-8");
        assert_eq!(
            decode(Path::new("s.sql"), "\u{feff}select 1;".as_bytes().to_vec()).unwrap(),
            "select 1;"
        );
    }

    #[test]
    fn transaction_timeout_is_blanked_before_17() {
        let dump = "SET lock_timeout = 0;\nSET transaction_timeout = 0;\r\nCREATE TABLE t ();\n";
        let blanked = blank_unknown_settings(dump, 160004);
        assert_eq!(
            blanked,
            "SET lock_timeout = 0;\n                            \r\nCREATE TABLE t ();\n"
        );
        assert_eq!(blanked.len(), dump.len());
        assert_eq!(blank_unknown_settings(dump, 170000), dump);
        let mine = "SET transaction_timeout = '5s';\n";
        assert_eq!(blank_unknown_settings(mine, 140000), mine);
    }

    #[test]
    fn restrict_lines_are_blanked_in_place() {
        let text = "\\restrict abc123\r\nCREATE TABLE t ();\n\\unrestrict abc123\n";
        let blanked = blank_restrict_lines(text);
        assert_eq!(
            blanked,
            "                \r\nCREATE TABLE t ();\n                  \n"
        );
        assert_eq!(blanked.chars().count(), text.chars().count());
        let untouched = "select '\\restrict x';\n\\restrict bad-key\n";
        assert_eq!(blank_restrict_lines(untouched), untouched);
    }
}
