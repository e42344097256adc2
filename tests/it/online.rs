//! `--online` against a table in use: a writer inserts and updates rows
//! while the script runs. Each of its writes waits at most 100 ms for a
//! lock and is tried three times; a write that fails all three was
//! blocked. The online script blocks none (a try may time out at one of
//! its brief ACCESS EXCLUSIVE moments); the default one, whose index
//! builds, checks and NOT NULL scan hold the table in one transaction,
//! makes the writer's tries time out more.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cli::{path, pgrift, stderr};
use crate::support;

const FROM: &str = "CREATE TABLE busy (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
     a integer, b text, c bigint);\n\
     CREATE TABLE parent (id bigint PRIMARY KEY);\n\
     INSERT INTO parent SELECT g FROM generate_series(0, 9) g;\n\
     INSERT INTO busy (a, b, c) SELECT g % 1000, md5(g::text), g % 10 \
     FROM generate_series(1, 400000) g;\n";

const TO: &str = "CREATE TABLE parent (id bigint PRIMARY KEY);\n\
     CREATE TABLE busy (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
     a integer CONSTRAINT busy_a_positive CHECK (a >= 0), b text NOT NULL, \
     c bigint CONSTRAINT busy_c_fkey REFERENCES parent (id), \
     CONSTRAINT busy_b_key UNIQUE (b));\n\
     CREATE INDEX busy_a_idx ON busy (a);\n";

/// What the writer saw.
#[derive(Debug, Default)]
struct Writes {
    /// Writes that failed all their tries: blocked.
    failed: u32,
    /// Tries that waited 100 ms for a lock and gave up.
    timed_out: u32,
    done: u32,
    /// The longest a write took, tries and pauses included.
    longest: Duration,
}

/// Writes for as long as `stop` is false.
async fn writer(url: String, stop: Arc<AtomicBool>) -> Writes {
    let info = pgrift::source::ConnInfo::parse(&url).expect("url");
    let client = pgrift::source::connect(&info).await.expect("connect");
    client
        .batch_execute("SET lock_timeout = '100ms'")
        .await
        .expect("set");
    let mut writes = Writes::default();
    let mut n: i64 = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let write = if n % 2 == 0 {
            "INSERT INTO public.busy (a, b, c) VALUES (7, 'w' || $1::bigint, 3)"
        } else {
            "UPDATE public.busy SET a = a WHERE id = $1::bigint % 1000 + 1"
        };
        let mut ok = false;
        let started = std::time::Instant::now();
        for _ in 0..3 {
            match client.execute(write, &[&n]).await {
                Ok(_) => {
                    ok = true;
                    break;
                }
                Err(e)
                    if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) =>
                {
                    writes.timed_out += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(e) => panic!("the writer failed otherwise: {e}"),
            }
        }
        writes.longest = writes.longest.max(started.elapsed());
        if ok {
            writes.done += 1;
        } else {
            writes.failed += 1;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    writes
}

/// Migrates a fresh copy of FROM to TO with `pgrift apply`, `extra`
/// arguments added, while the writer runs; returns its counts.
async fn migrate_under_load(dir: &Path, extra: &[&str]) -> Writes {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("online");
    cluster.create_database(&db).await.expect("create database");
    let from = dir.join(format!("{db}_from.sql"));
    std::fs::write(&from, FROM).expect("write");
    support::psql_file(&db, &from).await;
    let to = dir.join("to.sql");
    std::fs::write(&to, TO).expect("write");
    let url = cluster.conninfo(&db).to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let writing = tokio::spawn(writer(url.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut args = vec!["apply", &url, path(&to), "--yes", "--lock-timeout", "10s"];
    args.extend_from_slice(extra);
    let applied = pgrift(&args).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let counts = writing.await.expect("writer");
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let left = pgrift(&["diff", &url, path(&to), "--exit-code"]).await;
    assert_eq!(left.status.code(), Some(0), "the database is TO");
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_script_keeps_writes_going_where_the_default_one_blocks_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let online = migrate_under_load(dir.path(), &["--online"]).await;
    assert!(online.done > 0, "the writer wrote");
    assert_eq!(online.failed, 0, "online: {online:?}");
    let default = migrate_under_load(dir.path(), &[]).await;
    assert!(
        default.timed_out > online.timed_out,
        "the default script blocks writes longer: default {default:?}, online {online:?}"
    );
    support::note(&format!(
        "writer during the online script: {online:?}; during the default one: {default:?}"
    ));
}

#[tokio::test]
async fn a_dry_run_of_an_online_plan_names_what_it_cannot_try() {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("online_dry");
    cluster.create_database(&db).await.expect("create database");
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    std::fs::write(
        &from,
        "CREATE TABLE \"t\"\"*/\" (a int, b text);\nINSERT INTO \"t\"\"*/\" VALUES (1, 'x');\n",
    )
    .expect("write");
    support::psql_file(&db, &from).await;
    let to = dir.path().join("to.sql");
    std::fs::write(
        &to,
        "CREATE TABLE \"t\"\"*/\" (a int CHECK (a > 0), b text NOT NULL);\n\
         CREATE INDEX \"t_a\nidx\" ON \"t\"\"*/\" (a);\n",
    )
    .expect("write");
    let url = cluster.conninfo(&db).to_string();
    let release = dir.path().join("release");
    let planned = pgrift(&["plan", &url, path(&to), "--out", path(&release), "--online"]).await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let forward = std::fs::read_to_string(release.join("forward.sql")).expect("forward.sql");
    assert!(
        forward.contains("CREATE INDEX CONCURRENTLY \"t_a\nidx\" ON public.\"t\"\"*/\""),
        "{forward}"
    );
    assert!(forward.contains("NOT VALID;"), "{forward}");
    let dry = pgrift(&["apply", path(&release), "--db", &url, "--dry-run"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(
        stderr(&dry).contains(
            "not tried: create index public.\"t_a\\nidx\": it runs outside a transaction"
        ),
        "{}",
        stderr(&dry)
    );
    let applied = pgrift(&["apply", path(&release), "--db", &url]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let verified = pgrift(&["verify", path(&release), "--db", &url]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
}

#[tokio::test]
async fn a_concurrent_build_that_fails_leaves_no_invalid_index() {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("online_invalid");
    cluster.create_database(&db).await.expect("create database");
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    std::fs::write(
        &from,
        "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1), (1);\n",
    )
    .expect("write");
    support::psql_file(&db, &from).await;
    let to = dir.path().join("to.sql");
    std::fs::write(
        &to,
        "CREATE TABLE t (a int);\nCREATE UNIQUE INDEX t_a_key ON t (a);\n",
    )
    .expect("write");
    let url = cluster.conninfo(&db).to_string();
    let failed = pgrift(&["apply", &url, path(&to), "--yes", "--online"]).await;
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("could not create unique index"),
        "{}",
        stderr(&failed)
    );
    let client = cluster.connect(&db).await.expect("connect");
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 't_a_key'",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(left, 0, "the failed build's invalid index was dropped");
}

/// The online script of the case `partition_online`: the table attached
/// has its bound proven by a check validated before the main transaction,
/// the partition dropped from a parent without a default partition is
/// detached concurrently, and the one beside a default partition is
/// detached in the main transaction, with a warning. The script, without
/// its first line (which names the files), is the snapshot
/// `online__partition_online`.
#[tokio::test]
async fn partitions_are_attached_proven_and_detached_concurrently() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/partition_online");
    let (from, to) = (case.join("from.sql"), case.join("to.sql"));
    let diffed = pgrift(&["diff", path(&from), path(&to), "--online"]).await;
    assert_eq!(diffed.status.code(), Some(0), "{}", stderr(&diffed));
    assert!(
        stderr(&diffed).contains(
            "partition public.jobs_slow is detached from public.jobs in the main transaction"
        ),
        "{}",
        stderr(&diffed)
    );
    let script = String::from_utf8_lossy(&diffed.stdout);
    let script: String = script.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert!(
        script.contains(
            "ALTER TABLE public.measurements DETACH PARTITION public.measurements_2023 CONCURRENTLY;"
        ),
        "{script}"
    );
    assert!(
        script.contains("VALIDATE CONSTRAINT partition_bound_pgrift;\n\nCOMMIT;"),
        "{script}"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("online__partition_online", script));
}
