//! Helpers shared by the integration tests.

use std::path::Path;
use std::sync::Arc;

use pgrift::source::{Cluster, SourceError};

/// The error and its hint, as the binary would print them.
pub fn explain(error: &SourceError) -> String {
    match error.hint() {
        Some(hint) => format!("{error}\nhint: {hint}"),
        None => error.to_string(),
    }
}

/// Starts a cluster of its own for a test. Missing PostgreSQL programs fail
/// the test with the install hint: the suite needs a server.
pub async fn start_cluster() -> Cluster {
    match Cluster::start().await {
        Ok(cluster) => cluster,
        Err(error) => panic!("{}", explain(&error)),
    }
}

/// One cluster shared by every test of the binary, started by the first
/// test that asks. Each test works in databases of its own. The cluster is
/// never dropped; the exit hook of `pgrift::source` stops it when the test
/// binary exits.
/// A turn at creating and dropping subscriptions in the shared cluster.
/// Both take an exclusive lock on the cluster-wide `pg_replication_origin`,
/// and two sessions doing so at once can deadlock each other (seen on
/// PostgreSQL 18), so the tests that create subscriptions take turns.
pub async fn subscriptions_turn() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// Whether any of `files`, or the `.owners.sql` file beside one, creates
/// or drops a subscription (see [`subscriptions_turn`]).
pub fn touches_subscriptions(files: &[&Path]) -> bool {
    files
        .iter()
        .flat_map(|file| [file.to_path_buf(), file.with_extension("owners.sql")])
        .any(|file| {
            std::fs::read_to_string(file)
                .is_ok_and(|text| text.to_ascii_lowercase().contains("subscription"))
        })
}

pub async fn shared_cluster() -> Arc<Cluster> {
    static CLUSTER: tokio::sync::OnceCell<Arc<Cluster>> = tokio::sync::OnceCell::const_new();
    CLUSTER
        .get_or_init(|| async { Arc::new(start_cluster().await) })
        .await
        .clone()
}

/// A `--shadow-url` for the binary: the shared cluster, as a role that may
/// create databases and is no superuser, as `--shadow-url` needs.
pub async fn shadow_url() -> String {
    static ROLE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let cluster = shared_cluster().await;
    ROLE.get_or_init(|| async {
        let admin = cluster.connect("postgres").await.unwrap();
        admin
            .batch_execute("CREATE ROLE pgrift_cli LOGIN CREATEDB")
            .await
            .unwrap();
    })
    .await;
    pgrift::source::ConnInfo {
        user: "pgrift_cli".into(),
        ..cluster.conninfo("postgres")
    }
    .to_string()
}

/// A database name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The major version of a `server_version_num` (`150004` is 15).
pub fn major(server_version_num: i32) -> i32 {
    server_version_num / 10000
}

/// The PostgreSQL major version a fixture file needs, from a first line
/// `-- requires: 15`; `None` when it has none.
pub fn required_major(sql: &str) -> Option<i32> {
    let first = sql.lines().next()?;
    let version = first.strip_prefix("--")?.trim().strip_prefix("requires:")?;
    Some(version.trim().parse().unwrap_or_else(|_| {
        panic!("`{first}` should name a major version, like `-- requires: 15`")
    }))
}

/// Why a case whose files need `required` (from [`required_major`]) cannot
/// run on a server of `server_version_num`, if it cannot.
pub fn skip_reason(required: Option<i32>, server_version_num: i32) -> Option<String> {
    let required = required?;
    let server = major(server_version_num);
    (server < required).then(|| format!("requires PostgreSQL {required}, server is {server}"))
}

/// Prints a line past the test harness's capture, so that it shows in a
/// passing run too (a skipped case, a missing second version).
pub fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[test]
fn requires_lines() {
    assert_eq!(
        required_major("-- requires: 15\n-- what it tests\n"),
        Some(15)
    );
    assert_eq!(required_major("--requires:18"), Some(18));
    assert_eq!(required_major("-- what it tests\n-- requires: 15\n"), None);
    assert_eq!(required_major(""), None);
    assert_eq!(
        skip_reason(Some(15), 140011).as_deref(),
        Some("requires PostgreSQL 15, server is 14")
    );
    assert_eq!(skip_reason(Some(15), 150000), None);
    assert_eq!(skip_reason(None, 140000), None);
}

/// Runs `file` with psql on database `db` of the shared cluster, failing
/// the test with psql's message.
pub async fn psql_file(db: &str, file: &std::path::Path) {
    let cluster = shared_cluster().await;
    let out = cluster
        .psql(db)
        .arg("-f")
        .arg(file)
        .output()
        .await
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
