//! A throwaway PostgreSQL cluster: the shadow database of the product, and
//! the server of the test suite.
//!
//! [`Cluster::start`] runs `initdb` in a fresh temporary directory and starts
//! `postgres` on a Unix-domain socket in that directory, with durability
//! turned off. No TCP port is opened, so clusters never collide and need no
//! free port. The server runs in its own process group, so that Ctrl-C in a
//! terminal reaches pgrift only, and pgrift stops the server itself.
//!
//! Stopping happens on every path out:
//! - dropping the [`Cluster`] stops the server and removes the directory;
//! - a cluster that is never dropped (one kept in a `static`, or a process
//!   ending through `std::process::exit`) is stopped by an `atexit` hook;
//! - SIGINT, SIGTERM and SIGHUP are covered by
//!   [`super::install_signal_cleanup`], which the binary calls at start-up.
//!
//! The directory is registered for these hooks as soon as it exists, and
//! `initdb` as soon as it runs (in a process group of its own too), so that
//! an interrupt while the cluster is being created kills `initdb` and
//! removes the directory; once the hooks have run, a server that starts
//! anyway is stopped at once.
//!
//! As root, `initdb` and `postgres` refuse to run, so they run as `nobody`,
//! and the directory is handed to that user. Not as `postgres`: that account
//! can log in to the machine's own clusters by peer authentication, and the
//! shadow runs SQL from schema files, so its server must run as an account
//! that can reach nothing but the shadow's own directory. `postgres` is the
//! fallback on a system without a `nobody` account.

use std::ffi::{CString, OsString};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use super::conninfo::{self, ChannelBinding, ConnInfo, Host};
use super::error::{SourceError, describe_pg_error};
use super::tls::SslMode;
use crate::sql::quote_ident;

/// The superuser that `initdb` creates.
const USER: &str = "pgrift";

/// Without TCP, the port is only part of the socket's file name, so the
/// standard one does.
const DEFAULT_PORT: u16 = 5432;

/// How long a starting server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a stopping server may take before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Finds the directory holding `initdb` and `postgres`: `PGRIFT_PG_BIN`,
/// then `pg_config --bindir`, then the newest `/usr/lib/postgresql/*/bin`
/// (Debian and Ubuntu), then `initdb` on `PATH`.
pub fn find_bin_dir() -> Result<PathBuf, SourceError> {
    find_bin_dir_in(&BinSearch {
        pgrift_pg_bin: std::env::var_os("PGRIFT_PG_BIN"),
        pg_config: Some(PathBuf::from("pg_config")),
        versions_root: PathBuf::from("/usr/lib/postgresql"),
        path: std::env::var_os("PATH"),
    })
}

/// Where [`find_bin_dir`] looks, so tests can point it elsewhere.
struct BinSearch {
    pgrift_pg_bin: Option<OsString>,
    /// The `pg_config` program to ask, if any.
    pg_config: Option<PathBuf>,
    /// A directory of versioned installations, each with a `bin`.
    versions_root: PathBuf,
    path: Option<OsString>,
}

fn find_bin_dir_in(search: &BinSearch) -> Result<PathBuf, SourceError> {
    if let Some(dir) = search.pgrift_pg_bin.as_ref().filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(SourceError::PgBinInvalid { dir })
        };
    }
    if let Some(dir) = search.pg_config.as_deref().and_then(pg_config_bindir)
        && has_server(&dir)
    {
        return Ok(dir);
    }
    if let Some(dir) = newest_versioned(&search.versions_root) {
        return Ok(dir);
    }
    if let Some(dir) = search.path.as_deref().and_then(on_path) {
        return Ok(dir);
    }
    Err(SourceError::PgBinMissing)
}

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

fn pg_config_bindir(pg_config: &Path) -> Option<PathBuf> {
    let output = Command::new(pg_config)
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let dir = String::from_utf8(output.stdout).ok()?;
    Some(PathBuf::from(dir.trim()))
}

/// The `bin` of the highest version under `root` (`15` before `9.6` before
/// `10` would be wrong, so versions compare as numbers).
fn newest_versioned(root: &Path) -> Option<PathBuf> {
    let mut versions: Vec<(Vec<u64>, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(|part| part.parse::<u64>().ok())
                .collect::<Option<Vec<_>>>()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The directory of `initdb` on `PATH`. A symbolic link is followed to the
/// installation it points into, where `psql` and `pg_dump` usually are too.
fn on_path(path: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path).find_map(|dir| {
        let initdb = dir.join("initdb");
        if !initdb.is_file() {
            return None;
        }
        let real_dir = std::fs::canonicalize(&initdb)
            .ok()
            .and_then(|real| real.parent().map(Path::to_path_buf));
        match real_dir {
            Some(real) if has_server(&real) => Some(real),
            _ => has_server(&dir).then_some(dir),
        }
    })
}

/// How to start a [`Cluster`]; the default suits the shadow database.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// The directory of `initdb` and `postgres`; [`find_bin_dir`] when
    /// `None`.
    pub bin_dir: Option<PathBuf>,
    /// Also listen on 127.0.0.1 at this TCP port, for tests of TCP and TLS.
    /// The socket then carries this port number too.
    pub tcp_port: Option<u16>,
    /// More `name=value` server settings, applied after pgrift's own.
    pub settings: Vec<(String, String)>,
}

/// A running throwaway cluster. Dropping it stops the server and removes
/// its directory.
#[derive(Debug)]
pub struct Cluster {
    /// Holds `data/`, the socket and `server.log`. `None` once removed.
    dir: Option<tempfile::TempDir>,
    bin_dir: PathBuf,
    port: u16,
    /// The postmaster. `None` once stopped.
    server: Option<Child>,
    server_version_num: i32,
}

impl Cluster {
    /// Starts a cluster with the server programs [`find_bin_dir`] finds.
    pub async fn start() -> Result<Cluster, SourceError> {
        Cluster::start_with(ClusterOptions::default()).await
    }

    /// Starts a cluster with the `initdb` and `postgres` in `bin_dir`.
    pub async fn start_with_bin_dir(bin_dir: PathBuf) -> Result<Cluster, SourceError> {
        Cluster::start_with(ClusterOptions {
            bin_dir: Some(bin_dir),
            ..ClusterOptions::default()
        })
        .await
    }

    /// Starts a cluster as `options` say.
    ///
    /// Fails when no server programs are found, `initdb` fails, or the
    /// server exits or does not accept connections within 30 seconds; the
    /// error then holds the end of their output.
    pub async fn start_with(options: ClusterOptions) -> Result<Cluster, SourceError> {
        let bin_dir = match &options.bin_dir {
            Some(dir) => dir.clone(),
            None => find_bin_dir()?,
        };
        let port = options.tcp_port.unwrap_or(DEFAULT_PORT);
        let bin = bin_dir.clone();
        let (dir, server) = tokio::task::spawn_blocking(move || init_and_spawn(&bin, &options))
            .await
            .map_err(|e| SourceError::Cluster {
                message: format!("the start-up task failed: {e}"),
                log: String::new(),
            })??;
        let mut cluster = Cluster {
            dir: Some(dir),
            bin_dir,
            port,
            server: Some(server),
            server_version_num: 0,
        };
        // On an error, dropping `cluster` stops the server and removes the
        // directory.
        cluster.server_version_num = cluster.wait_until_ready().await?;
        Ok(cluster)
    }

    /// The directory holding the server's socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// The port: part of the socket's name, and the TCP port if
    /// [`ClusterOptions::tcp_port`] asked for one.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's name, `pgrift`. It logs in without a password.
    pub fn user(&self) -> &str {
        USER
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The server's `server_version_num`, such as `150018`.
    pub fn server_version_num(&self) -> i32 {
        self.server_version_num
    }

    /// The connection parameters for database `dbname` of this cluster.
    pub fn conninfo(&self, dbname: &str) -> ConnInfo {
        ConnInfo {
            host: Host::Socket(self.socket_dir().to_path_buf()),
            port: self.port,
            user: USER.to_owned(),
            password: None,
            dbname: dbname.to_owned(),
            sslmode: SslMode::Disable,
            sslrootcert: None,
            channel_binding: ChannelBinding::Disable,
            application_name: Some("pgrift".to_owned()),
            // The cluster is local, but a server that is stuck starting or
            // stopping must not hold pgrift forever.
            connect_timeout: Some(conninfo::DEFAULT_CONNECT_TIMEOUT),
            options: None,
            warnings: Vec::new(),
        }
    }

    /// Connects to database `dbname` as the superuser.
    pub async fn connect(&self, dbname: &str) -> Result<tokio_postgres::Client, SourceError> {
        conninfo::connect(&self.conninfo(dbname)).await
    }

    /// Creates an empty database from `template0`.
    pub async fn create_database(&self, name: &str) -> Result<(), SourceError> {
        self.admin(
            format!("could not create database {}", quote_ident(name)),
            format!("CREATE DATABASE {} TEMPLATE template0", quote_ident(name)),
        )
        .await
    }

    /// Drops a database, disconnecting anyone still connected to it.
    pub async fn drop_database(&self, name: &str) -> Result<(), SourceError> {
        self.admin(
            format!("could not drop database {}", quote_ident(name)),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name)),
        )
        .await
    }

    async fn admin(&self, action: String, statement: String) -> Result<(), SourceError> {
        let client = self.connect("postgres").await?;
        client
            .batch_execute(&statement)
            .await
            .map_err(|e| SourceError::Database {
                action,
                label: self.conninfo("postgres").to_string(),
                cause: describe_pg_error(&e),
                hint: None,
            })
    }

    /// A `psql` command for database `dbname`, set up to stop at the first
    /// error and to ignore `~/.psqlrc`. The cluster's own `psql` is used if
    /// its bin directory has one, else the one on `PATH`.
    pub fn psql_command(&self, dbname: &str) -> Command {
        let mut command = Command::new(self.tool("psql"));
        self.client_args(&mut command, dbname);
        command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
        command
    }

    /// A `pg_dump` command for database `dbname`, found like `psql`.
    pub fn pg_dump_command(&self, dbname: &str) -> Command {
        let mut command = Command::new(self.tool("pg_dump"));
        self.client_args(&mut command, dbname);
        command
    }

    /// [`Cluster::psql_command`] for async code.
    pub fn psql(&self, dbname: &str) -> tokio::process::Command {
        self.psql_command(dbname).into()
    }

    /// [`Cluster::pg_dump_command`] for async code.
    pub fn pg_dump(&self, dbname: &str) -> tokio::process::Command {
        self.pg_dump_command(dbname).into()
    }

    fn tool(&self, name: &str) -> PathBuf {
        let own = self.bin_dir.join(name);
        if own.is_file() {
            own
        } else {
            PathBuf::from(name)
        }
    }

    fn client_args(&self, command: &mut Command, dbname: &str) {
        command
            .arg("-h")
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", USER, "-d", dbname])
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE")
            .env_remove("PGOPTIONS");
    }

    /// The last lines of the server log, for error messages.
    fn log_tail(&self) -> String {
        self.dir
            .as_ref()
            .and_then(|d| std::fs::read(d.path().join("server.log")).ok())
            .map(|bytes| tail(&String::from_utf8_lossy(&bytes), 20))
            .unwrap_or_default()
    }

    /// Polls until the server accepts connections and returns its version.
    async fn wait_until_ready(&mut self) -> Result<i32, SourceError> {
        let deadline = Instant::now() + START_TIMEOUT;
        let info = self.conninfo("postgres");
        let socket = conninfo::socket_path(self.socket_dir(), self.port);
        loop {
            if let Some(server) = self.server.as_mut()
                && let Ok(Some(status)) = server.try_wait()
            {
                // The server is gone; keep Drop from signalling its pid.
                unregister(server.id());
                self.server = None;
                return Err(SourceError::Cluster {
                    message: format!("the server exited while starting ({status})"),
                    log: self.log_tail(),
                });
            }
            if socket.exists()
                && let Ok(client) = conninfo::connect(&info).await
            {
                let row = client
                    .query_one("SELECT current_setting('server_version_num')::int", &[])
                    .await
                    .map_err(|e| SourceError::Cluster {
                        message: format!(
                            "could not ask the server for its version: {}",
                            describe_pg_error(&e)
                        ),
                        log: self.log_tail(),
                    })?;
                return Ok(row.get(0));
            }
            if Instant::now() > deadline {
                return Err(SourceError::Cluster {
                    message: format!(
                        "the server did not accept connections within {} seconds",
                        START_TIMEOUT.as_secs()
                    ),
                    log: self.log_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let pid = server.id();
            // A cluster the signal or exit hook already stopped is not
            // registered any more, and its pid may belong to another
            // process by now.
            if unregister(pid) {
                stop_server(pid);
            }
        }
        if let Some(dir) = self.dir.take() {
            // Nothing can be done about a directory that will not go.
            let _ = dir.close();
        }
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// An unprivileged account to run the server as.
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

/// `None` unless running as root; then `nobody`, else `postgres`.
fn run_as() -> Result<Option<RunAs>, SourceError> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    ["nobody", "postgres"]
        .into_iter()
        .find_map(lookup_user)
        .map(Some)
        .ok_or_else(|| SourceError::Cluster {
            message: "PostgreSQL refuses to run as root, and there is neither a nobody nor a \
                      postgres user to run it as"
                .into(),
            log: String::new(),
        })
}

fn lookup_user(name: &str) -> Option<RunAs> {
    let c_name = CString::new(name).ok()?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut pwd = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut result = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the sizes passed; only the numeric
    // ids are read from the result.
    unsafe {
        let rc = libc::getpwnam_r(
            c_name.as_ptr(),
            pwd.as_mut_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() {
            return None;
        }
        let pwd = pwd.assume_init();
        Some(RunAs {
            name: name.to_owned(),
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
        })
    }
}

fn chown_recursive(path: &Path, user: &RunAs) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(user.uid), Some(user.gid))?;
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path)? {
            chown_recursive(&entry?.path(), user)?;
        }
    }
    Ok(())
}

/// Prepares a command for `initdb` or `postgres`: as the unprivileged user
/// when running as root, in the cluster directory, and without the `PG*`
/// variables, which could point the server at another data directory.
fn server_command(program: PathBuf, dir: &Path, run_as: Option<&RunAs>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            command.env_remove(key);
        }
    }
    command.env("LC_ALL", "C");
    if let Some(user) = run_as {
        // std drops supplementary groups when root changes the uid.
        command.uid(user.uid).gid(user.gid);
    }
    command
}

/// Runs `initdb` and spawns the server. Blocking; run off the async threads.
fn init_and_spawn(
    bin_dir: &Path,
    options: &ClusterOptions,
) -> Result<(tempfile::TempDir, Child), SourceError> {
    let cluster_error = |message: String| SourceError::Cluster {
        message,
        log: String::new(),
    };
    let (dir, registration) = Registration::create()?;
    let run_as = run_as()?;
    if let Some(user) = &run_as {
        chown_recursive(dir.path(), user).map_err(|e| {
            cluster_error(format!(
                "could not hand {} to user {}: {e}",
                dir.path().display(),
                user.name
            ))
        })?;
    }
    let data = dir.path().join("data");

    let mut initdb = server_command(bin_dir.join("initdb"), dir.path(), run_as.as_ref());
    initdb
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "-N",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that stopping it reaches the
        // bootstrap server it runs too.
        .process_group(0);
    let initdb = registration
        .spawn(&mut initdb, Process::Initdb)
        .map_err(|e| {
            cluster_error(format!(
                "could not run {}: {e}",
                bin_dir.join("initdb").display()
            ))
        })?;
    let output = initdb
        .wait_with_output()
        .map_err(|e| cluster_error(format!("could not wait for initdb: {e}")))?;
    registration.running_nothing();
    if !output.status.success() {
        let mut log = String::from_utf8_lossy(&output.stdout).into_owned();
        log.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(SourceError::Cluster {
            message: format!("initdb failed ({})", output.status),
            log: tail(&log, 20),
        });
    }

    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path)
        .and_then(|file| Ok((file.try_clone()?, file)))
        .map_err(|e| cluster_error(format!("could not create {}: {e}", log_path.display())))?;
    let mut settings: Vec<String> = [
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_connections=100",
        "shared_buffers=32MB",
        "autovacuum=off",
    ]
    .map(String::from)
    .to_vec();
    settings.push(match options.tcp_port {
        Some(_) => "listen_addresses=127.0.0.1".to_owned(),
        None => "listen_addresses=".to_owned(),
    });
    settings.extend(
        options
            .settings
            .iter()
            .map(|(name, value)| format!("{name}={value}")),
    );
    let mut command = server_command(bin_dir.join("postgres"), dir.path(), run_as.as_ref());
    command
        .arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(dir.path())
        .args(["-p", &options.tcp_port.unwrap_or(DEFAULT_PORT).to_string()]);
    for setting in &settings {
        command.args(["-c", setting]);
    }
    command
        .stdout(log.0)
        .stderr(log.1)
        // Its own process group keeps the terminal's Ctrl-C from reaching
        // the server; pgrift stops it.
        .process_group(0);
    let server = registration
        .spawn(&mut command, Process::Server)
        .map_err(|e| {
            cluster_error(format!(
                "could not run {}: {e}",
                bin_dir.join("postgres").display()
            ))
        })?;
    registration.keep();
    Ok((dir, server))
}

/// What runs in a registered directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Process {
    Initdb,
    Server,
}

/// A cluster directory and what runs in it, for the exit and signal hooks.
struct Registered {
    dir: PathBuf,
    process: Option<(u32, Process)>,
}

/// The registered directories; `stopped` once the hooks have run, after
/// which nothing may start.
struct Registry {
    list: Vec<Registered>,
    stopped: bool,
}

static RUNNING: Mutex<Registry> = Mutex::new(Registry {
    list: Vec::new(),
    stopped: false,
});

fn running() -> std::sync::MutexGuard<'static, Registry> {
    // A panic while holding the lock leaves the list intact.
    RUNNING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A directory registered while its cluster is created. Dropped before
/// [`Registration::keep`], on an error, it leaves the registry.
struct Registration {
    dir: PathBuf,
    kept: bool,
}

impl Registration {
    /// Creates a temporary directory for a cluster and registers it. The
    /// registry stays locked meanwhile, so that the hooks either run first
    /// (and nothing is created) or find the directory.
    ///
    /// Fails when the directory cannot be created, or the hooks have
    /// already run: pgrift is exiting.
    fn create() -> Result<(tempfile::TempDir, Registration), SourceError> {
        static AT_EXIT: Once = Once::new();
        AT_EXIT.call_once(|| {
            // SAFETY: the hook is an `extern "C"` function that never
            // unwinds.
            unsafe {
                libc::atexit(stop_all_at_exit);
            }
        });
        let mut registry = running();
        if registry.stopped {
            return Err(interrupted());
        }
        let dir = tempfile::Builder::new()
            .prefix("pgrift-")
            .tempdir()
            .map_err(|e| SourceError::Cluster {
                message: format!("could not create a temporary directory: {e}"),
                log: String::new(),
            })?;
        registry.list.push(Registered {
            dir: dir.path().to_path_buf(),
            process: None,
        });
        let registration = Registration {
            dir: dir.path().to_path_buf(),
            kept: false,
        };
        Ok((dir, registration))
    }

    /// Starts `command` in the directory and records it, with the registry
    /// locked, so that the hooks either run first (and it does not start)
    /// or find it.
    ///
    /// Fails when it cannot start, or the hooks have already run.
    fn spawn(&self, command: &mut Command, process: Process) -> std::io::Result<Child> {
        let mut registry = running();
        let Some(entry) = registry.list.iter_mut().find(|r| r.dir == self.dir) else {
            return Err(std::io::Error::other("pgrift is exiting"));
        };
        let child = command.spawn()?;
        entry.process = Some((child.id(), process));
        Ok(child)
    }

    /// Records that what ran in the directory has exited.
    fn running_nothing(&self) {
        if let Some(entry) = running().list.iter_mut().find(|r| r.dir == self.dir) {
            entry.process = None;
        }
    }

    /// Keeps the directory registered until its server is unregistered.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if !self.kept {
            running().list.retain(|r| r.dir != self.dir);
        }
    }
}

fn interrupted() -> SourceError {
    SourceError::Cluster {
        message: "pgrift is exiting".into(),
        log: String::new(),
    }
}

/// Removes the server `pid` from the registry; false if it was not there.
fn unregister(pid: u32) -> bool {
    let mut registry = running();
    let before = registry.list.len();
    registry
        .list
        .retain(|r| r.process != Some((pid, Process::Server)));
    registry.list.len() != before
}

extern "C" fn stop_all_at_exit() {
    // A panic must not unwind into C.
    let _ = std::panic::catch_unwind(stop_all);
}

/// Stops every cluster still running or being created in this process and
/// removes their directories; from then on, none may start. The exit and
/// signal hooks call it; a [`Cluster`] dropped afterwards finds nothing
/// left to do.
pub fn stop_all() {
    let list = {
        let mut registry = running();
        registry.stopped = true;
        std::mem::take(&mut registry.list)
    };
    for registered in list {
        if let Some((pid, process)) = registered.process {
            stop(pid, process);
        }
        let _ = std::fs::remove_dir_all(&registered.dir);
    }
}

/// Stops what runs in a cluster directory: `initdb` and the bootstrap
/// server it runs are killed, as their work is about to be deleted.
fn stop(pid: u32, process: Process) {
    match process {
        Process::Server => stop_server(pid),
        Process::Initdb => {
            let Ok(pid) = libc::pid_t::try_from(pid) else {
                return;
            };
            // SAFETY: plain system calls on a child of this process and its
            // process group.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// Stops a postmaster with an immediate shutdown, which is safe for a
/// cluster about to be deleted, and reaps it. If it has not exited after
/// a few seconds, its whole process group is killed.
fn stop_server(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: plain system calls on a child of this process.
    unsafe {
        libc::kill(pid, libc::SIGQUIT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            let rc = libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG);
            // The child has been reaped, or is not ours to wait for.
            if rc == pid || rc == -1 {
                return;
            }
            if Instant::now() > deadline {
                libc::kill(-pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_install(dir: &Path, programs: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        for program in programs {
            std::fs::write(dir.join(program), "").unwrap();
        }
    }

    fn search(root: &Path) -> BinSearch {
        BinSearch {
            pgrift_pg_bin: None,
            pg_config: None,
            versions_root: root.join("usr/lib/postgresql"),
            path: None,
        }
    }

    #[test]
    fn newest_version_wins_numerically() {
        let root = tempfile::tempdir().unwrap();
        let versions = root.path().join("usr/lib/postgresql");
        fake_install(&versions.join("9.6/bin"), &["initdb", "postgres"]);
        fake_install(&versions.join("10/bin"), &["initdb", "postgres"]);
        fake_install(&versions.join("15/bin"), &["initdb", "postgres"]);
        // A client-only installation does not count.
        fake_install(&versions.join("16/bin"), &["psql"]);
        fake_install(&versions.join("notes/bin"), &["initdb", "postgres"]);
        assert_eq!(
            find_bin_dir_in(&search(root.path())).unwrap(),
            versions.join("15/bin")
        );
    }

    #[test]
    fn explicit_directory_comes_first_and_must_be_complete() {
        let root = tempfile::tempdir().unwrap();
        fake_install(
            &root.path().join("usr/lib/postgresql/15/bin"),
            &["initdb", "postgres"],
        );
        let custom = root.path().join("custom");
        fake_install(&custom, &["initdb", "postgres"]);
        let mut s = search(root.path());
        s.pgrift_pg_bin = Some(custom.clone().into());
        assert_eq!(find_bin_dir_in(&s).unwrap(), custom);

        let partial = root.path().join("partial");
        fake_install(&partial, &["initdb"]);
        s.pgrift_pg_bin = Some(partial.clone().into());
        let error = find_bin_dir_in(&s).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "PGRIFT_PG_BIN={} does not hold initdb and postgres",
                partial.display()
            )
        );
    }

    #[test]
    fn path_lookup_follows_symbolic_links() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("opt/pg/bin");
        fake_install(&real, &["initdb", "postgres", "psql"]);
        let links = root.path().join("links");
        std::fs::create_dir_all(&links).unwrap();
        std::os::unix::fs::symlink(real.join("initdb"), links.join("initdb")).unwrap();
        let mut s = search(root.path());
        s.path = Some(std::env::join_paths([root.path().join("nothing"), links]).unwrap());
        assert_eq!(
            find_bin_dir_in(&s).unwrap(),
            std::fs::canonicalize(&real).unwrap()
        );
    }

    #[test]
    fn nothing_found_says_how_to_install() {
        let root = tempfile::tempdir().unwrap();
        let error = find_bin_dir_in(&search(root.path())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "could not find the PostgreSQL server programs initdb and postgres"
        );
        let hint = error.hint().unwrap();
        assert!(hint.contains("apt-get install -y postgresql"), "{hint}");
        assert!(hint.contains("PGRIFT_PG_BIN"), "{hint}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
