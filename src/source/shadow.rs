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
//! `psql -f a.sql -f b.sql`. psql is never used, but the meta-commands that
//! dumps and migration folders hold are followed ([`super::script`]): a
//! file is cut at `\i`, `\ir` and at each statement the superuser runs, and
//! each piece is one round trip. Because PostgreSQL runs a multi-statement
//! string as one transaction, statements that refuse to run in a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`) fail.
//!
//! Schema files come from pull requests and run in CI, so in a throwaway
//! cluster they run as a role of their own without superuser rights (the
//! *loader*), logged in on a connection of its own, which owns the
//! database: the files can create what a schema holds, and cannot run
//! programs, read or write the server's files, change its settings or load
//! untrusted languages. What only a superuser may do for a schema is done
//! by pgrift's superuser on the side: creating the untrusted extensions the
//! files create, at the point they create them, and the NOLOGIN stand-ins
//! for the roles the files name, granted to the loader. On an existing
//! server (`--shadow-url`), the files run as the URL's role, which must not
//! be a superuser. `--shadow-superuser` runs the files as the superuser, for
//! the rare schema that needs it.

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::TryStreamExt;
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::error::ErrorPosition;

use super::cluster::Cluster;
use super::conninfo::{self, ConnInfo};
use super::error::{SourceError, SqlError, describe_pg_error};
use super::script::{self, Context, Script, Step};
use crate::sql::{Ident, ShadowStmt, quote_ident};

/// How deep `\i` may nest: deeper is a file that includes itself.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Where shadow databases are created.
#[derive(Debug)]
pub struct Shadow {
    kind: Kind,
    counter: AtomicU32,
    /// `--shadow-superuser`: run the files as the superuser.
    superuser: bool,
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

    /// An existing server (`--shadow-url`). The role needs `CREATEDB`, and
    /// must not be a superuser unless [`Shadow::load_as_superuser`] allows
    /// it.
    pub fn server(admin: ConnInfo) -> Shadow {
        Shadow::from_kind(Kind::Server(admin))
    }

    /// Runs the files as a superuser (`--shadow-superuser`): they may then
    /// do anything the server's operating-system account can, such as run
    /// programs. Only for files one trusts.
    pub fn load_as_superuser(mut self) -> Shadow {
        self.superuser = true;
        self
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
            superuser: false,
        }
    }

    /// Creates an empty database and connects to it.
    ///
    /// Fails when the throwaway cluster cannot start, or the server refuses
    /// to create the database.
    pub async fn create_database(&self) -> Result<ShadowDb, SourceError> {
        let suffix = format!(
            "{}_{}_{:08x}",
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            random_u32()
        );
        let name = format!("pgrift_shadow_{suffix}");
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
        // In a throwaway cluster the files run as a role of their own; on
        // an existing server, as the URL's role.
        let loader = (!remote && !self.superuser).then(|| format!("pgrift_loader_{suffix}"));

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
        let row = client
            .query_one(
                "SELECT current_setting('server_version_num')::int, \
                 (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)",
                &[],
            )
            .await
            .map_err(|e| database_error("could not read the server version".into(), &e))?;
        let version: i32 = row.get(0);
        if remote && !self.superuser && row.get::<_, Option<bool>>(1) == Some(true) {
            return Err(SourceError::ShadowSuperuser { label });
        }
        if let Some(loader) = &loader {
            let create = ShadowStmt::CreateRole {
                name: Ident(loader.clone()),
                login: true,
            };
            client
                .batch_execute(&create.to_string())
                .await
                .map_err(|e| {
                    database_error(format!("could not create role {}", quote_ident(loader)), &e)
                })?;
        }
        // Registered before creating, so that an interrupt between the two
        // still drops it.
        if remote {
            register_database(&admin, &name, version);
        }
        let owner = loader.clone().unwrap_or_else(|| admin.user.clone());
        let create = ShadowStmt::CreateDatabase {
            name: Ident(name.clone()),
            owner: Ident(owner),
        };
        let created = client.batch_execute(&create.to_string()).await;
        if let Err(e) = created {
            if remote {
                unregister_database(&name);
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
            session: None,
            loader,
            untrusted: BTreeSet::new(),
            stand_ins: !remote,
            notes: Mutex::new(Vec::new()),
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
        if let Some(loader) = &db.loader {
            db.untrusted = untrusted_extensions(db.client()).await.map_err(|e| {
                database_error("could not list the available extensions".into(), &e)
            })?;
            let mut session = info.clone();
            session.user = loader.clone();
            db.session = Some(conninfo::connect(&session).await?);
        }
        Ok(db)
    }
}

/// The extensions of the server that only a superuser may create: those
/// with a version that is not marked trusted.
async fn untrusted_extensions(
    client: &tokio_postgres::Client,
) -> Result<BTreeSet<String>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT name::text FROM pg_catalog.pg_available_extension_versions \
             GROUP BY name HAVING NOT bool_and(trusted)",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
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
    /// The connection of the role that created the database. `None` only
    /// while the database is being set up or after `close`.
    client: Option<tokio_postgres::Client>,
    /// The loader's connection, which runs the files; `None` where the
    /// files run on `client`.
    session: Option<tokio_postgres::Client>,
    /// The role the files run as, when it is not the one of `client`.
    loader: Option<String>,
    /// The extensions the superuser creates for the loader.
    untrusted: BTreeSet<String>,
    /// Whether roles the files name are created as stand-ins: in a
    /// throwaway cluster, never on a server pgrift does not own.
    stand_ins: bool,
    /// What loading had to say, for the user.
    notes: Mutex<Vec<String>>,
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
    /// The connection to the shadow database, as the role that created it
    /// (in a throwaway cluster, the superuser).
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

    /// The role the files run as.
    pub fn loader(&self) -> &str {
        self.loader.as_deref().unwrap_or(&self.admin.user)
    }

    /// What loading had to say: the stand-in roles it created.
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// Runs a `.sql` file, or every `*.sql` file directly inside a directory
    /// in lexical order of their names (subdirectories are not entered).
    ///
    /// Fails at the first failing file, with the file, line and column the
    /// server's error position points to, or the line of the failing
    /// statement.
    pub async fn apply(&self, path: &Path) -> Result<(), SourceError> {
        let loader = Loader {
            session: self.session.as_ref().unwrap_or(self.client()),
            admin: self.client(),
            loader: self.loader.as_deref(),
            untrusted: &self.untrusted,
            stand_ins: self.stand_ins,
            restricted: self.loader.is_some() || self.remote,
            in_bytes: self.position_in_bytes,
            server_version_num: self.server_version_num,
            label: self.conninfo().to_string(),
            notes: &self.notes,
        };
        loader.apply_path(path).await
    }

    /// Ends the sessions that load files into the database, so that a
    /// statement of a user's file that pgrift stopped waiting for stops
    /// running too. It connects anew: on an existing server the files may
    /// run on the very connection that is still busy with the statement.
    /// A failure is left alone: the database is dropped next, which ends
    /// the sessions as well.
    pub async fn stop_loading(&self) {
        let Ok(client) = super::conninfo::connect(&self.conninfo()).await else {
            return;
        };
        let _ = client
            .execute(
                "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity \
                 WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid()",
                &[],
            )
            .await;
    }

    /// Closes the connection and, on an existing server, drops the database.
    /// A subscription the files created keeps its database from being
    /// dropped: each is dropped first, disabled and parted from its slot so
    /// that no publisher is reached. A failure is left alone: the drop of
    /// the database then says what is wrong.
    pub async fn close(mut self) -> Result<(), SourceError> {
        if let Some(client) = &self.client {
            let _ = client.batch_execute(DROP_SUBSCRIPTIONS).await;
        }
        self.closed = true;
        self.session = None;
        self.client = None;
        if !self.remote {
            return Ok(());
        }
        let result = drop_database(&self.admin, &self.name, self.server_version_num).await;
        unregister_database(&self.name);
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
        self.session = None;
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
        unregister_database(&self.name);
    }
}

/// Runs a `.sql` file, or the `*.sql` files directly inside a directory in
/// lexical order, on any connection, as [`ShadowDb::apply`] does with
/// `--shadow-superuser`: the connection's role runs everything, and creates
/// the roles the files name. Tests use it to build databases.
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
    let notes = Mutex::new(Vec::new());
    let untrusted = BTreeSet::new();
    Loader {
        session: client,
        admin: client,
        loader: None,
        untrusted: &untrusted,
        stand_ins: true,
        restricted: false,
        in_bytes: encoding == "SQL_ASCII",
        server_version_num: row.get(1),
        label: "the database".to_owned(),
        notes: &notes,
    }
    .apply_path(path)
    .await
}

/// Runs files on a shadow database.
struct Loader<'a> {
    /// Runs the files.
    session: &'a tokio_postgres::Client,
    /// The superuser (in a throwaway cluster) or the role that created the
    /// database: creates stand-in roles and untrusted extensions.
    admin: &'a tokio_postgres::Client,
    /// The role of `session` when it is not the one of `admin`.
    loader: Option<&'a str>,
    untrusted: &'a BTreeSet<String>,
    stand_ins: bool,
    /// True when the files run without superuser rights, so that a refusal
    /// says how to opt in.
    restricted: bool,
    in_bytes: bool,
    server_version_num: i32,
    /// Names the database in errors that are not about the SQL.
    label: String,
    notes: &'a Mutex<Vec<String>>,
}

impl Loader<'_> {
    async fn apply_path(&self, path: &Path) -> Result<(), SourceError> {
        let files = sql_files(path)?;
        // Includes may reach anywhere below the directory of the source.
        let root = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent().map_or_else(PathBuf::new, Path::to_path_buf)
        };
        let root = std::fs::canonicalize(if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &root
        })
        .map_err(|cause| SourceError::Io {
            action: "read directory",
            path: root.clone(),
            cause,
        })?;
        let mut cx = Context {
            untrusted: self.untrusted,
            database: None,
        };
        for file in files {
            self.apply_file(&file, &root, &mut cx, 0).await?;
        }
        Ok(())
    }

    /// Runs one file, and the files it includes.
    async fn apply_file(
        &self,
        file: &Path,
        root: &Path,
        cx: &mut Context<'_>,
        depth: usize,
    ) -> Result<(), SourceError> {
        let bytes = tokio::fs::read(&file)
            .await
            .map_err(|cause| SourceError::Io {
                action: "read",
                path: file.to_path_buf(),
                cause,
            })?;
        let text = decode(file, bytes)?;
        let text = blank_unknown_settings(&text, self.server_version_num);
        let script = script::prepare(file, &text, cx)?;
        if let Ok(mut notes) = self.notes.lock() {
            notes.extend(script.notes.iter().cloned());
        }
        self.create_stand_ins(&script.roles).await?;
        for step in &script.steps {
            match step {
                Step::Sql(range) => self.run(file, &script, range).await?,
                Step::Include { target, line } => {
                    let included = self.include(file, root, target, *line, depth)?;
                    Box::pin(self.apply_file(&included, root, cx, depth + 1)).await?;
                }
                Step::Superuser { stmt, range } => {
                    self.run_as_superuser(file, &script, stmt, range).await?;
                }
            }
        }
        Ok(())
    }

    /// The file a `\i` or `\ir` on `line` of `file` names: relative to
    /// `file`, and inside the source's directory `root`.
    fn include(
        &self,
        file: &Path,
        root: &Path,
        target: &str,
        line: usize,
        depth: usize,
    ) -> Result<PathBuf, SourceError> {
        let error = |message: String, hint: &str| SourceError::Meta {
            path: file.to_path_buf(),
            line,
            message,
            hint: hint.to_owned(),
        };
        if depth + 1 >= MAX_INCLUDE_DEPTH {
            return Err(error(
                format!("\\i {target}: includes nest more than {MAX_INCLUDE_DEPTH} deep"),
                "a file probably includes itself",
            ));
        }
        let path = script::include_path(file, target);
        let real = std::fs::canonicalize(&path).map_err(|e| {
            error(
                format!("\\i {target}: could not read {}: {e}", path.display()),
                "pgrift resolves \\i and \\ir relative to the file that holds them",
            )
        })?;
        if !real.starts_with(root) || !real.is_file() {
            return Err(error(
                format!(
                    "\\i {target}: {} is not a file inside the source's directory {}",
                    real.display(),
                    root.display()
                ),
                "a schema may include only files below its own directory",
            ));
        }
        Ok(path)
    }

    /// Creates NOLOGIN stand-ins for the roles in `roles` the server lacks,
    /// and lets the loader act as each stand-in (as `GRANT … TO` and
    /// `CREATE SCHEMA … AUTHORIZATION` need).
    async fn create_stand_ins(&self, roles: &BTreeSet<String>) -> Result<(), SourceError> {
        if !self.stand_ins || roles.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = roles.iter().map(String::as_str).collect();
        let error = |action: String, e: &tokio_postgres::Error| SourceError::Database {
            action,
            label: self.label.clone(),
            cause: describe_pg_error(e),
            hint: None,
        };
        // Reserved names are left to the server, which refuses them.
        let missing = self
            .admin
            .query(
                "SELECT r FROM unnest($1::text[]) r WHERE r NOT LIKE 'pg\\_%' \
                 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) ORDER BY r",
                &[&names],
            )
            .await
            .map_err(|e| error("could not look up roles".into(), &e))?;
        let mut created = Vec::new();
        for row in missing {
            let name: String = row.get(0);
            let create = ShadowStmt::CreateRole {
                name: Ident(name.clone()),
                login: false,
            };
            match self.admin.batch_execute(&create.to_string()).await {
                Ok(()) => created.push(name),
                // The other source, loading at the same time, made it.
                Err(e)
                    if e.as_db_error()
                        .is_some_and(|db| matches!(db.code().code(), "42710" | "23505")) => {}
                Err(e) => {
                    return Err(error(
                        format!("could not create stand-in role {}", quote_ident(&name)),
                        &e,
                    ));
                }
            }
        }
        if let Some(loader) = self.loader {
            // Only roles without any right of their own: stand-ins, never a
            // built-in role or a loader.
            let grantable = self
                .admin
                .query(
                    "SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY($1) \
                     AND oid >= 16384 AND NOT (rolsuper OR rolcanlogin OR rolcreaterole \
                     OR rolcreatedb OR rolreplication OR rolbypassrls) ORDER BY 1",
                    &[&names],
                )
                .await
                .map_err(|e| error("could not look up roles".into(), &e))?;
            for row in grantable {
                let role: String = row.get(0);
                let grant = ShadowStmt::GrantRole {
                    role: Ident(role.clone()),
                    member: Ident(loader.to_owned()),
                };
                self.admin
                    .batch_execute(&grant.to_string())
                    .await
                    .map_err(|e| {
                        error(format!("could not grant role {}", quote_ident(&role)), &e)
                    })?;
            }
        }
        if !created.is_empty() {
            let names: Vec<String> = created.iter().map(|n| quote_ident(n)).collect();
            if let Ok(mut notes) = self.notes.lock() {
                notes.push(format!(
                    "the shadow database lacked roles the source names; created NOLOGIN \
                     stand-ins for them: {}",
                    names.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Runs the statements at `range` of the script as the loader.
    async fn run(
        &self,
        file: &Path,
        script: &Script,
        range: &Range<usize>,
    ) -> Result<(), SourceError> {
        let sent = script::keep_only(&script.text, range);
        // Counting the statements that completed tells which one failed,
        // for an error without a position.
        let mut completed = 0;
        let result = async {
            let stream = self.session.simple_query_raw(&sent).await?;
            futures_util::pin_mut!(stream);
            while let Some(message) = stream.try_next().await? {
                if let SimpleQueryMessage::CommandComplete(_) = message {
                    completed += 1;
                }
            }
            Ok::<_, tokio_postgres::Error>(())
        }
        .await;
        result.map_err(|e| {
            let failed = script
                .statements
                .iter()
                .filter(|s| s.start >= range.start && s.end <= range.end)
                .nth(completed);
            let line = failed.map(|s| line_of(&sent, s.start));
            sql_error(
                file,
                &sent,
                &e,
                self.in_bytes,
                &self.label,
                line,
                self.restricted,
            )
        })
    }

    /// Runs a statement only a superuser may run, in the loader's
    /// `search_path`, which says where an extension without `SCHEMA` goes.
    async fn run_as_superuser(
        &self,
        file: &Path,
        script: &Script,
        stmt: &ShadowStmt,
        range: &Range<usize>,
    ) -> Result<(), SourceError> {
        let line = line_of(&script.text, range.start);
        let result = async {
            let path: String = self
                .session
                .query_one("SELECT current_setting('search_path')", &[])
                .await?
                .get(0);
            self.admin
                .query_one("SELECT set_config('search_path', $1, false)", &[&path])
                .await?;
            let ran = self.admin.batch_execute(&stmt.to_string()).await;
            self.admin.batch_execute("RESET search_path").await?;
            ran
        }
        .await;
        result.map_err(|e| {
            sql_error(
                file,
                &script.text,
                &e,
                self.in_bytes,
                &self.label,
                Some(line),
                false,
            )
        })
    }
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Maps a failed file to its error, pointing into the file where the
/// server gave a position.
fn sql_error(
    file: &Path,
    text: &str,
    error: &tokio_postgres::Error,
    in_bytes: bool,
    label: &str,
    line: Option<usize>,
    restricted: bool,
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
        line,
        message: db.message().to_owned(),
        detail: db.detail().map(str::to_owned),
        context,
        hint: sql_hint(db, restricted),
    }))
}

/// The server's hint, and for the errors that come from running a whole
/// file as one transaction, or from running it without superuser rights,
/// what to do about that.
fn sql_hint(db: &tokio_postgres::error::DbError, restricted: bool) -> Option<String> {
    let ours = match db.code().code() {
        // insufficient_privilege: COPY … TO PROGRAM, pg_read_file, an
        // untrusted language, ALTER SYSTEM …
        "42501" if restricted => {
            "the statement needs a superuser: pgrift runs schema files as a role without \
             superuser rights, so that a file cannot run programs, read or write the server's \
             files or reach other servers; if you trust the file, pass --shadow-superuser"
        }
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

/// Drops the subscriptions of the current database without reaching their
/// publishers: each is disabled and parted from its slot first.
const DROP_SUBSCRIPTIONS: &str = "DO $pgrift$ DECLARE s pg_catalog.name; BEGIN \
    FOR s IN SELECT subname FROM pg_catalog.pg_subscription WHERE subdbid = \
      (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) LOOP \
    EXECUTE pg_catalog.format('ALTER SUBSCRIPTION %I DISABLE', s); \
    EXECUTE pg_catalog.format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', s); \
    EXECUTE pg_catalog.format('DROP SUBSCRIPTION %I', s); \
    END LOOP; END $pgrift$";

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

// The shadow databases on existing servers that are not dropped yet, for
// `cleanup` to drop on a signal. They are kept here, beside the code that
// creates and drops them (as `cluster` keeps its running servers), so that
// this module needs nothing from `cleanup`.

/// A shadow database on an existing server, until it is dropped.
struct RemoteDatabase {
    admin: ConnInfo,
    name: String,
    server_version_num: i32,
}

static DATABASES: Mutex<Vec<RemoteDatabase>> = Mutex::new(Vec::new());

fn databases() -> MutexGuard<'static, Vec<RemoteDatabase>> {
    // A panic while holding the lock leaves the list intact.
    DATABASES.lock().unwrap_or_else(|e| e.into_inner())
}

fn register_database(admin: &ConnInfo, name: &str, server_version_num: i32) {
    databases().push(RemoteDatabase {
        admin: admin.clone(),
        name: name.to_owned(),
        server_version_num,
    });
}

fn unregister_database(name: &str) {
    databases().retain(|d| d.name != name);
}

/// Drops every registered shadow database, giving each a few seconds, for
/// the clean-up on a signal. Failures are reported on stderr: pgrift is
/// exiting anyway.
pub(super) async fn drop_registered_databases() {
    let remote = std::mem::take(&mut *databases());
    for db in remote {
        let dropped = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            drop_database(&db.admin, &db.name, db.server_version_num),
        )
        .await;
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("pgrift: {error}"),
            Err(_) => eprintln!(
                "pgrift: gave up dropping shadow database {} on {} after 5 seconds",
                quote_ident(&db.name),
                db.admin
            ),
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
}
