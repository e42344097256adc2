//! Waits on a server are bounded and say what they waited for: a server
//! that never answers, one that answers in another protocol, a table
//! another session has locked while pgrift reads the catalog, and a
//! session ended under pgrift's feet. Each test bounds the binary's run
//! itself, so that a wait that never ends fails the test instead of
//! hanging the suite.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pgrift::source::{self, Cluster, ConnInfo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support;

/// Starts `pgrift` with `args` and the environment variables `vars`; it is
/// killed if the test drops it still running.
fn spawn_pgrift(args: &[&str], vars: &[(&str, &str)]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .env_remove("PGCONNECT_TIMEOUT")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("pgrift starts")
}

/// Waits for `pgrift` to exit, and fails the test if it still runs after
/// `limit` (from `started`).
async fn finish_within(
    limit: Duration,
    started: Instant,
    child: tokio::process::Child,
) -> (Output, Duration) {
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(output) => (output.expect("pgrift runs"), started.elapsed()),
        Err(_) => panic!("pgrift was still running after {limit:?}"),
    }
}

/// Runs `pgrift` with `args` and the environment variables `vars`, and
/// kills it when it is still running after `limit`.
async fn pgrift_within(
    limit: Duration,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (Output, Duration) {
    let started = Instant::now();
    finish_within(limit, started, spawn_pgrift(args, vars)).await
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a [`Listener`] does with each connection it accepts.
enum Answer {
    /// Keeps the connection open and never sends a byte.
    Nothing,
    /// Reads what the client sends first, answers like a web server and
    /// ends the connection.
    Http,
    /// Passes the connection on to the server socket at this path until the
    /// login is done, then stops passing the server's answers on, as a
    /// server that froze or a network that lost its packets would.
    FrozenAfterLogin(PathBuf),
}

/// A TCP listener on 127.0.0.1 that is not a PostgreSQL server, or not
/// quite. It stops when dropped, and after a minute in any case.
struct Listener {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    async fn start(answer: Answer) -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let port = socket.local_addr().expect("local address").port();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            let serve = async {
                while let Ok((stream, _)) = socket.accept().await {
                    match &answer {
                        Answer::Nothing => held.push(stream),
                        Answer::Http => answer_http(stream).await,
                        Answer::FrozenAfterLogin(server) => {
                            freeze_after_login(stream, server).await
                        }
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(60), serve).await;
        });
        Listener { port, task }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer_http(mut stream: TcpStream) {
    let mut request = [0u8; 1024];
    let _ = stream.read(&mut request).await;
    let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    // Closing with unread bytes would reset the connection before the
    // client reads the answer: end the writing side, then read until the
    // client gives up.
    let _ = stream.shutdown().await;
    while matches!(stream.read(&mut request).await, Ok(n) if n > 0) {}
}

async fn freeze_after_login(client: TcpStream, server: &Path) {
    let Ok(server) = tokio::net::UnixStream::connect(server).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let frozen = AtomicBool::new(false);
    // The client's first write is its startup message, which the server
    // answers with the whole login (trust authentication); from its second
    // write on, the server's answers are dropped. The flag is set before
    // that write reaches the server, so no answer to it can slip through.
    let upstream = async {
        let mut buffer = [0u8; 8192];
        let mut writes = 0;
        while let Ok(n @ 1..) = from_client.read(&mut buffer).await {
            writes += 1;
            if writes == 2 {
                frozen.store(true, Ordering::SeqCst);
            }
            if to_server.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
    };
    let downstream = async {
        let mut buffer = [0u8; 8192];
        while let Ok(n @ 1..) = from_server.read(&mut buffer).await {
            if !frozen.load(Ordering::SeqCst) && to_client.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
    };
    tokio::join!(upstream, downstream);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_per_connect_timeout() {
    let listener = Listener::start(Answer::Nothing).await;
    let port = listener.port;
    let url = format!("postgres://u@127.0.0.1:{port}/x?connect_timeout=2");
    let from_env = format!("postgres://u@127.0.0.1:{port}/x");
    for (url, vars) in [
        (url.as_str(), &[][..]),
        (from_env.as_str(), &[("PGCONNECT_TIMEOUT", "2")][..]),
    ] {
        let (out, took) =
            pgrift_within(Duration::from_secs(20), &["diff", url, "empty"], vars).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: could not connect to postgres://u@127.0.0.1:{port}/x: timed out after 2s \
                 waiting for the server at 127.0.0.1:{port} to answer the login\nhint: "
            )),
            "{err}"
        );
        assert!(took >= Duration::from_secs(2), "gave up early: {took:?}");
        assert!(took < Duration::from_secs(10), "took {took:?}");
    }
}

#[tokio::test]
async fn a_server_speaking_another_protocol_is_named_as_such() {
    let listener = Listener::start(Answer::Http).await;
    let port = listener.port;
    for sslmode in ["disable", "prefer"] {
        let url = format!("postgres://u@127.0.0.1:{port}/x?sslmode={sslmode}");
        let (out, _) = pgrift_within(Duration::from_secs(20), &["diff", &url, "empty"], &[]).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "error: could not connect to postgres://u@127.0.0.1:{port}/x: the server at \
                 127.0.0.1:{port} did not answer in PostgreSQL's protocol\n\
                 hint: check the host and port: something else (a web server, a proxy, another \
                 service) listens there\n"
            )
        );
    }
}

/// A session on database `db` of `cluster`.
async fn connect(cluster: &Cluster, db: &str) -> tokio_postgres::Client {
    cluster
        .connect(db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)))
}

/// Checks that pgrift left no session named `application` behind, ends
/// the transaction of the session holding a lock, if any (pgrift left it
/// alone, so it is still open), and drops `db`.
async fn check_nothing_left(
    cluster: &Cluster,
    db: &str,
    application: &str,
    holder: Option<tokio_postgres::Client>,
) {
    let admin = connect(cluster, "postgres").await;
    let left = sessions(&admin, application, Until::Gone).await;
    assert_eq!(left, Vec::<i32>::new(), "pgrift left sessions behind");
    if let Some(holder) = holder {
        holder
            .batch_execute("ROLLBACK")
            .await
            .expect("the holder ends its transaction");
    }
    cluster
        .drop_database(db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

/// A database holding `public.orders`, a table with a primary key and a
/// check: reading their definitions takes a lock on the table.
async fn orders_database(cluster: &Cluster, prefix: &str) -> String {
    let db = support::unique_name(prefix);
    cluster
        .create_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let client = connect(cluster, &db).await;
    client
        .batch_execute("CREATE TABLE orders (id int PRIMARY KEY, qty int CHECK (qty > 0))")
        .await
        .expect("create orders");
    db
}

/// A session of its own, named `application`, that locks `orders` in a
/// transaction it leaves open; its backend's pid.
async fn lock_orders(
    cluster: &Cluster,
    db: &str,
    application: &str,
) -> (tokio_postgres::Client, i32) {
    let info = ConnInfo {
        application_name: Some(application.to_owned()),
        ..cluster.conninfo(db)
    };
    let holder = source::connect(&info)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    holder
        .batch_execute("BEGIN; LOCK TABLE orders")
        .await
        .expect("lock orders");
    (holder, pid)
}

/// What [`sessions`] waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Until {
    /// Some session waiting for a lock (for up to 20 seconds).
    Waiting,
    /// No session left (for up to 5 seconds: a backend ends shortly after
    /// its client).
    Gone,
}

/// The pids of the sessions named `application` (only those waiting for a
/// lock, with [`Until::Waiting`]), polled until there are what `until`
/// asks for, or its time is up.
async fn sessions(admin: &tokio_postgres::Client, application: &str, until: Until) -> Vec<i32> {
    let waiting = until == Until::Waiting;
    let limit = Duration::from_secs(if waiting { 20 } else { 5 });
    let started = Instant::now();
    loop {
        let pids: Vec<i32> = admin
            .query(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1 \
                 AND (NOT $2 OR wait_event_type = 'Lock') ORDER BY pid",
                &[&application, &waiting],
            )
            .await
            .expect("pg_stat_activity")
            .iter()
            .map(|row| row.get(0))
            .collect();
        if pids.is_empty() != waiting || started.elapsed() > limit {
            return pids;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A table locked by another session: the read gives up after
/// `--catalog-lock-timeout` (10s by default) and names the table, the
/// session holding it and its statement, for `diff` and for `report` with
/// its probes; pgrift leaves no session behind.
#[tokio::test]
async fn a_locked_table_fails_the_read_and_names_the_session_holding_it() {
    let cluster = support::shared_cluster().await;
    let db = orders_database(&cluster, "timeouts_locked").await;
    let (holder, holder_pid) = lock_orders(&cluster, &db, "orders_holder").await;
    let url = format!("{}&application_name=timeouts_locked", cluster.conninfo(&db));

    let diff_args = ["diff", &url, "empty", "--no-probe"];
    let diff = pgrift_within(Duration::from_secs(40), &diff_args, &[]);
    let report_args = [
        "report",
        &url,
        "empty",
        "--probe-timeout",
        "1s",
        "--catalog-lock-timeout",
        "1s",
    ];
    let report = pgrift_within(Duration::from_secs(20), &report_args, &[]);
    let ((diff, diff_took), (report, report_took)) = tokio::join!(diff, report);

    let holding = format!(
        "  public.orders: ACCESS EXCLUSIVE held by pid {holder_pid} (user pgrift, application \
         orders_holder), in a transaction open for "
    );
    for (out, waited, took) in [(&diff, "10s", diff_took), (&report, "1s", report_took)] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
        let err = stderr(out);
        assert!(
            err.starts_with(&format!(
                "error: could not read the schema of {}: cannot read ",
                cluster.conninfo(&db)
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                " from the catalog: waited {waited} for a lock another session holds or waits \
                 for:\n{holding}"
            )),
            "{err}"
        );
        assert!(
            err.contains(", idle in transaction; last statement: BEGIN; LOCK TABLE orders\n"),
            "{err}"
        );
        assert!(
            err.contains("\nhint: retry when the session holding the lock has finished"),
            "{err}"
        );
        assert!(took < Duration::from_secs(30), "took {took:?}");
    }
    assert!(
        diff_took >= Duration::from_secs(10),
        "gave up early: {diff_took:?}"
    );
    assert!(
        report_took < Duration::from_secs(10),
        "took {report_took:?}"
    );

    check_nothing_left(&cluster, &db, "timeouts_locked", Some(holder)).await;
}

/// The server ends pgrift's session while it reads the catalog (it waits
/// for a lock, so the moment is certain): the read fails with the server's
/// reason and a hint, exit status 2, and nothing is left behind.
#[tokio::test]
async fn a_session_ended_during_the_read_fails_with_the_reason() {
    let cluster = support::shared_cluster().await;
    let db = orders_database(&cluster, "timeouts_ended").await;
    let (holder, _) = lock_orders(&cluster, &db, "orders_holder").await;
    let url = format!("{}&application_name=timeouts_ended", cluster.conninfo(&db));
    let admin = connect(&cluster, "postgres").await;

    let started = Instant::now();
    let child = spawn_pgrift(
        &[
            "diff",
            &url,
            "empty",
            "--no-probe",
            "--catalog-lock-timeout",
            "0",
        ],
        &[],
    );
    let waiting = sessions(&admin, "timeouts_ended", Until::Waiting).await;
    let terminated = match waiting.as_slice() {
        [pid] => admin
            .query_one("SELECT pg_terminate_backend($1)", &[pid])
            .await
            .expect("pg_terminate_backend")
            .get::<_, bool>(0),
        _ => false,
    };
    let (out, _) = finish_within(Duration::from_secs(20), started, child).await;
    assert!(
        terminated,
        "pgrift never waited for the lock: {}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: could not read the schema of {}: cannot read constraints from the catalog: \
             terminating connection due to administrator command\n\
             hint: the server ended pgrift's session (a restart, a crash, or \
             pg_terminate_backend); pgrift changed nothing: run the command again once the \
             server is back\n",
            cluster.conninfo(&db)
        )
    );
    check_nothing_left(&cluster, &db, "timeouts_ended", Some(holder)).await;
}

/// A server that stops answering after the login: the server cannot bound
/// that wait, so pgrift does, shortly after `--catalog-timeout`, and says
/// so.
#[tokio::test]
async fn a_server_that_stops_answering_is_given_up_on() {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("timeouts_frozen");
    cluster
        .create_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let socket = cluster
        .socket_dir()
        .join(format!(".s.PGSQL.{}", cluster.port()));
    let freezer = Listener::start(Answer::FrozenAfterLogin(socket)).await;
    let url = format!(
        "postgres://pgrift@127.0.0.1:{}/{db}?sslmode=disable&application_name=timeouts_frozen",
        freezer.port
    );
    let (out, took) = pgrift_within(
        Duration::from_secs(30),
        &["snapshot", &url, "--catalog-timeout", "1s"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: could not read the schema of postgres://pgrift@127.0.0.1:{}/{db}: reading \
             the catalog did not finish within 1s\n\
             hint: the server may be overloaded or unreachable; for a catalog that is only \
             large, raise --catalog-timeout (0 waits as long as it takes)\n",
            freezer.port
        )
    );
    assert!(took >= Duration::from_secs(1), "gave up early: {took:?}");
    drop(freezer);
    check_nothing_left(&cluster, &db, "timeouts_frozen", None).await;
}

#[tokio::test]
async fn a_schema_file_that_never_finishes_loading_is_stopped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sleepy.sql");
    // The file lifts the timeout a session would set for it: only a limit
    // pgrift keeps itself bounds it.
    std::fs::write(
        &file,
        "create table t (id integer);\nset statement_timeout = 0;\nselect pg_sleep(600);\n",
    )
    .expect("write");
    let shadow = support::shadow_url().await;
    let file = file.to_str().expect("UTF-8 path");
    let (out, took) = pgrift_within(
        Duration::from_secs(30),
        &["diff", "empty", file, "--load-timeout", "1s"],
        &[("PGRIFT_SHADOW_URL", shadow.as_str())],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert_eq!(
        stderr(&out),
        format!(
            "error: {file}: loading did not finish within 1s\nhint: a statement in it waits or \
             runs long (pg_sleep, a lock, a large INSERT); raise --load-timeout, or give 0 for \
             no limit\n"
        )
    );
}

/// The server shuts down while pgrift reads its catalog (a restart, as a
/// maintenance window would do it): a cluster of the test's own, stopped
/// while pgrift waits for a lock, so the moment is certain. The read fails
/// with the server's reason and status 2.
#[tokio::test]
async fn a_server_shut_down_during_the_read_fails_with_the_reason() {
    let cluster = support::start_cluster().await;
    let db = orders_database(&cluster, "timeouts_restart").await;
    let (_holder, _) = lock_orders(&cluster, &db, "restart_holder").await;
    let url = format!(
        "{}&application_name=timeouts_restart",
        cluster.conninfo(&db)
    );
    let admin = connect(&cluster, "postgres").await;

    let started = Instant::now();
    let child = spawn_pgrift(
        &[
            "diff",
            &url,
            "empty",
            "--no-probe",
            "--catalog-lock-timeout",
            "0",
        ],
        &[],
    );
    let waiting = sessions(&admin, "timeouts_restart", Until::Waiting).await;
    assert_eq!(waiting.len(), 1, "pgrift never waited for the lock");
    // Dropping the cluster shuts its server down (fast: sessions are ended)
    // and removes it.
    drop(admin);
    drop(cluster);
    let (out, _) = finish_within(Duration::from_secs(20), started, child).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.starts_with("error: could not read the schema of ")
            && text.contains("cannot read constraints from the catalog: ")
            && text.contains(
                "\nhint: the server ended pgrift's session (a restart, a crash, or \
                 pg_terminate_backend); pgrift changed nothing"
            ),
        "{text}"
    );
}
