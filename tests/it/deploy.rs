//! `pgrift apply`, `verify`, `history` and `rollback` as a release manager
//! runs them, on databases of the shared test cluster. The round trip of
//! every fixture also applies and rolls back through `pgrift::deploy`
//! (`roundtrip.rs`); these tests cover what happens around it: drift, dry
//! runs, locks held by others, a second deployment, a kill, backups, the
//! risk gate and an edited plan.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{path, pgrift, stderr, stdout};
use crate::support;
use pgrift::source::Cluster;

fn fixture(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
        .join(file)
}

/// A database of the shared cluster built from `files` with psql, and its
/// URL.
async fn database(prefix: &str, files: &[&Path]) -> (std::sync::Arc<Cluster>, String, String) {
    let cluster = support::shared_cluster().await;
    let name = support::unique_name(prefix);
    cluster
        .create_database(&name)
        .await
        .expect("create database");
    for file in files {
        support::psql_file(&name, file).await;
    }
    let url = cluster.conninfo(&name).to_string();
    (cluster, name, url)
}

/// A `.sql` file in `dir`.
fn sql_file(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, sql).expect("write sql");
    file
}

async fn query_one_i64(cluster: &Cluster, db: &str, sql: &str) -> i64 {
    let client = cluster.connect(db).await.expect("connect");
    client.query_one(sql, &[]).await.expect(sql).get(0)
}

async fn fingerprint(cluster: &Cluster, db: &str) -> String {
    crate::roundtrip::catalog(cluster, db)
        .await
        .map(|catalog| pgrift::emit::fingerprint(&catalog))
        .expect("introspect")
}

async fn plan(from_url: &str, to: &Path, out: &Path) {
    let planned = pgrift(&["plan", from_url, path(to), "--out", path(out)]).await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
}

#[tokio::test]
async fn plan_apply_verify_history_rollback_keep_the_rows() {
    let from = fixture("demo", "from.sql");
    let (cluster, db, url) = database("deploy_cycle", &[&from, &fixture("demo", "seed.sql")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let release = dir.path().join("release");
    plan(&url, &fixture("demo", "to.sql"), &release).await;
    let users = "SELECT count(*) FROM public.users";
    let rows = query_one_i64(&cluster, &db, users).await;
    assert!(rows > 0, "the demo seeds users");

    let before = fingerprint(&cluster, &db).await;
    let dry = pgrift(&["apply", path(&release), "--db", &url, "--dry-run"]).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(
        stderr(&dry).contains("rolled back; nothing changed"),
        "{}",
        stderr(&dry)
    );
    assert_eq!(
        fingerprint(&cluster, &db).await,
        before,
        "a dry run changed the schema"
    );
    assert_eq!(
        query_one_i64(
            &cluster,
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgrift'"
        )
        .await,
        0,
        "a dry run records nothing"
    );

    let applied = pgrift(&["apply", path(&release), "--db", &url]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    assert!(
        stderr(&applied).contains("[21/21]"),
        "a line per statement in a pipe: {}",
        stderr(&applied)
    );
    let verified = pgrift(&["verify", path(&release), "--db", &url]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
    let diff = pgrift(&[
        "diff",
        &url,
        path(&fixture("demo", "to.sql")),
        "--exit-code",
    ])
    .await;
    assert_eq!(
        diff.status.code(),
        Some(0),
        "the history schema is never part of a diff: {}",
        stdout(&diff)
    );

    let again = pgrift(&["apply", path(&release), "--db", &url]).await;
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already what the plan makes it"),
        "{}",
        stderr(&again)
    );

    let history = pgrift(&["history", &url, "--format", "json"]).await;
    assert_eq!(history.status.code(), Some(0), "{}", stderr(&history));
    let records: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{records}");
    assert_eq!(records[0]["status"], "succeeded");
    assert_eq!(records[0]["transactions_committed"], 1);
    let plan_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(release.join("plan.json")).expect("plan.json"))
            .expect("json");
    assert_eq!(records[0]["plan_sha256"], plan_file["forward_sha256"]);
    let shown = pgrift(&["history", &url, "1"]).await;
    assert!(
        stdout(&shown).contains("-- reverse script --"),
        "{}",
        stdout(&shown)
    );
    assert!(
        stdout(&shown).contains("DROP TABLE public.addresses"),
        "{}",
        stdout(&shown)
    );

    let rolled_back = pgrift(&["rollback", &url]).await;
    assert_eq!(
        rolled_back.status.code(),
        Some(0),
        "{}",
        stderr(&rolled_back)
    );
    let back = pgrift(&["diff", &url, path(&from), "--exit-code"]).await;
    assert_eq!(
        back.status.code(),
        Some(0),
        "after rollback FROM again: {}",
        stdout(&back)
    );
    let verified = pgrift(&["verify", path(&release), "--db", &url]).await;
    assert_eq!(verified.status.code(), Some(1), "{}", stderr(&verified));
    assert_eq!(
        query_one_i64(&cluster, &db, users).await,
        rows,
        "rows survive both ways"
    );
    let history = pgrift(&["history", &url]).await;
    let table = stdout(&history);
    assert!(
        table.contains("rolled back") && table.contains("rollback of 1"),
        "{table}"
    );
    let twice = pgrift(&["rollback", &url]).await;
    assert_eq!(twice.status.code(), Some(2), "nothing left to roll back");
    assert!(
        stderr(&twice).contains("no apply has succeeded"),
        "{}",
        stderr(&twice)
    );
}

#[tokio::test]
async fn a_database_that_drifted_is_refused() {
    let (cluster, db, url) = database("deploy_drift", &[&fixture("demo", "from.sql")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    plan(&url, &fixture("demo", "to.sql"), dir.path()).await;
    let client = cluster.connect(&db).await.expect("connect");
    client
        .batch_execute("ALTER TABLE public.users ADD COLUMN \"added\nby hand\" int")
        .await
        .expect("alter");
    let before = fingerprint(&cluster, &db).await;
    let refused = pgrift(&["apply", path(dir.path()), "--db", &url]).await;
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("drift") && message.contains("add column public.users.\"added"),
        "{message}"
    );
    assert!(message.contains("hint: plan again"), "{message}");
    assert_eq!(fingerprint(&cluster, &db).await, before);
}

#[tokio::test]
async fn an_edited_plan_is_refused() {
    let (_cluster, _db, url) = database("deploy_edited", &[&fixture("demo", "from.sql")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    plan(&url, &fixture("demo", "to.sql"), dir.path()).await;
    let forward = dir.path().join("forward.sql");
    let text = std::fs::read_to_string(&forward).expect("forward.sql");
    std::fs::write(
        &forward,
        text.replace("COMMIT;", "DROP TABLE public.users;\nCOMMIT;"),
    )
    .expect("edit");
    let refused = pgrift(&["apply", path(dir.path()), "--db", &url]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("changed since the plan was written"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn a_statement_blocked_by_a_lock_is_retried_then_fails_naming_the_blocker() {
    let (cluster, db, url) = database("deploy_locked", &[&fixture("demo", "from.sql")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // The plan's lock_timeout is the one its reviewer read: apply keeps it
    // unless it is given another.
    let planned = pgrift(&[
        "plan",
        &url,
        path(&fixture("demo", "to.sql")),
        "--out",
        path(dir.path()),
        "--lock-timeout",
        "300ms",
    ])
    .await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let blocker = cluster.connect(&db).await.expect("connect");
    let pid: i32 = blocker
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    blocker
        .batch_execute("BEGIN; LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let before = fingerprint(&cluster, &db).await;
    let given = pgrift(&[
        "apply",
        path(dir.path()),
        "--db",
        &url,
        "--lock-timeout",
        "200ms",
        "--retries",
        "0",
    ])
    .await;
    assert_eq!(given.status.code(), Some(2));
    assert!(
        stderr(&given).contains("waited longer than lock_timeout (0.2s)"),
        "{}",
        stderr(&given)
    );
    let failed = pgrift(&["apply", path(dir.path()), "--db", &url, "--retries", "1"]).await;
    blocker.batch_execute("ROLLBACK").await.expect("release");
    assert_eq!(failed.status.code(), Some(2));
    let message = stderr(&failed);
    assert!(message.contains("retry 1"), "{message}");
    assert!(
        message.contains("waited longer than lock_timeout (0.3s)"),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {pid}")),
        "the blocker is named: {message}"
    );
    assert!(
        message.contains("LOCK TABLE public.users"),
        "with its query: {message}"
    );
    assert!(
        message.contains("0 of 1 transactions committed"),
        "{message}"
    );
    assert_eq!(fingerprint(&cluster, &db).await, before, "nothing applied");
    let history = pgrift(&["history", &url, "--format", "json"]).await;
    let records: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
    assert_eq!(records[0]["status"], "failed");
    assert!(
        records[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("lock_timeout")),
        "{records}"
    );
}

#[tokio::test]
async fn a_second_deployment_is_refused_while_one_runs() {
    let (cluster, db, url) = database("deploy_busy", &[&fixture("demo", "from.sql")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    plan(&url, &fixture("demo", "to.sql"), dir.path()).await;
    // The first deployment waits for a lock on users, holding its own.
    let blocker = cluster.connect(&db).await.expect("connect");
    blocker
        .batch_execute("BEGIN; LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let first = tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args([
            "apply",
            path(dir.path()),
            "--db",
            &url,
            "--lock-timeout",
            "60s",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pgrift starts");
    let watcher = cluster.connect(&db).await.expect("connect");
    let mut running = false;
    for _ in 0..200 {
        if let Ok(row) = watcher
            .query_one(
                "SELECT count(*) FROM pgrift.deployments WHERE status = 'running'",
                &[],
            )
            .await
        {
            running = row.get::<_, i64>(0) == 1;
            if running {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(running, "the first deployment started");
    let second = pgrift(&["apply", path(dir.path()), "--db", &url]).await;
    assert_eq!(second.status.code(), Some(2));
    let message = stderr(&second);
    assert!(
        message.contains("another deployment is running"),
        "{message}"
    );
    assert!(
        message.contains("[pgrift]"),
        "the holder is named: {message}"
    );
    blocker.batch_execute("ROLLBACK").await.expect("release");
    let first = first.wait_with_output().await.expect("pgrift ends");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
}

#[tokio::test]
async fn a_deployment_killed_between_transactions_reads_as_interrupted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = sql_file(
        dir.path(),
        "from.sql",
        "CREATE TYPE mood AS ENUM ('calm');\nCREATE TABLE t (m mood);\n",
    );
    let to = sql_file(
        dir.path(),
        "to.sql",
        "CREATE TYPE mood AS ENUM ('calm', 'busy');\nCREATE TABLE t (m mood DEFAULT 'busy');\n",
    );
    let (cluster, db, url) = database("deploy_killed", &[&from]).await;
    let blocker = cluster.connect(&db).await.expect("connect");
    blocker
        .batch_execute("BEGIN; LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(["apply", &url, path(&to), "--yes", "--lock-timeout", "60s"])
        .env("PGRIFT_SHADOW_URL", support::shadow_url().await)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("pgrift starts");
    // The labels commit in the first transaction; the default waits for
    // the lock in the second.
    let watcher = cluster.connect(&db).await.expect("connect");
    let mut committed = 0;
    for _ in 0..200 {
        if let Ok(row) = watcher
            .query_one("SELECT transactions_committed FROM pgrift.deployments", &[])
            .await
        {
            committed = row.get::<_, i32>(0);
            if committed == 1 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(committed, 1, "the first transaction committed");
    child.kill().await.expect("kill pgrift");
    blocker.batch_execute("ROLLBACK").await.expect("release");
    let mut status = String::new();
    for _ in 0..100 {
        let history = pgrift(&["history", &url, "--format", "json"]).await;
        let records: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
        status = records[0]["status"].as_str().unwrap_or_default().to_owned();
        if status == "interrupted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "interrupted");
    // What is left to do is exactly the second transaction.
    let left = pgrift(&["diff", &url, path(&to)]).await;
    let script = stdout(&left);
    assert!(script.contains("SET DEFAULT 'busy'"), "{script}");
    assert!(
        !script.contains("ADD VALUE"),
        "the labels committed: {script}"
    );
}

#[tokio::test]
async fn a_backup_holds_the_rows_of_a_dropped_table_and_the_gate_asks_for_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = sql_file(
        dir.path(),
        "from.sql",
        "CREATE TABLE keep (id int);\nCREATE TABLE \"gone \"\"*/ --\" (id int PRIMARY KEY, v text);\n\
         INSERT INTO \"gone \"\"*/ --\" SELECT g, 'v' || g FROM generate_series(1, 3) g;\n",
    );
    let to = sql_file(dir.path(), "to.sql", "CREATE TABLE keep (id int);\n");
    let (cluster, db, url) = database("deploy_backup", &[&from]).await;
    let release = dir.path().join("release");
    plan(&url, &to, &release).await;
    let gated = pgrift(&["apply", path(&release), "--db", &url, "--fail-on", "high"]).await;
    assert_eq!(gated.status.code(), Some(3), "{}", stderr(&gated));
    assert!(stderr(&gated).contains("drop-table"), "{}", stderr(&gated));
    let backups = dir.path().join("backups");
    let applied = pgrift(&[
        "apply",
        path(&release),
        "--db",
        &url,
        "--fail-on",
        "high",
        "--allow",
        "drop-table:public.\"gone \"\"*/ --\"",
        "--backup",
        path(&backups),
    ])
    .await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let file = backups.join("deployment-1.dump");
    assert!(file.is_file(), "{}", stderr(&applied));
    assert!(
        stderr(&applied).contains("pg_restore"),
        "{}",
        stderr(&applied)
    );
    let restored = support::unique_name("deploy_restored");
    cluster
        .create_database(&restored)
        .await
        .expect("create database");
    let pg_restore = cluster.bin_dir().join("pg_restore");
    let pg_restore = if pg_restore.is_file() {
        pg_restore
    } else {
        "pg_restore".into()
    };
    let out = tokio::process::Command::new(pg_restore)
        .args(["--no-owner", "-h"])
        .arg(cluster.socket_dir())
        .args([
            "-p",
            &cluster.port().to_string(),
            "-U",
            cluster.user(),
            "-d",
            &restored,
        ])
        .arg(&file)
        .output()
        .await
        .expect("pg_restore runs");
    // A pg_restore newer than the server sets what the server does not
    // know (`transaction_timeout` before 17), which it reports and skips.
    let errors = String::from_utf8_lossy(&out.stderr);
    let only_newer_settings = errors
        .lines()
        .filter(|line| line.contains("error:"))
        .all(|line| line.contains("unrecognized configuration parameter"));
    assert!(out.status.success() || only_newer_settings, "{errors}");
    assert_eq!(
        query_one_i64(
            &cluster,
            &restored,
            "SELECT count(*) FROM \"gone \"\"*/ --\""
        )
        .await,
        3
    );
    assert_eq!(
        query_one_i64(
            &cluster,
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 'gone \"*/ --'"
        )
        .await,
        0,
        "the table was dropped"
    );
    let history = pgrift(&["history", &url, "--format", "json"]).await;
    let records: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
    assert_eq!(records[0]["backup_file"], file.display().to_string());
    assert_eq!(records[0]["backup_sha256"].as_str().map(str::len), Some(64));
}

#[tokio::test]
async fn a_rehearsal_runs_both_ways_on_a_seeded_copy_and_catches_what_fails_on_its_rows() {
    let passed = pgrift(&[
        "rehearse",
        path(&fixture("demo", "from.sql")),
        path(&fixture("demo", "to.sql")),
        "--seed",
        path(&fixture("demo", "seed.sql")),
    ])
    .await;
    assert_eq!(passed.status.code(), Some(0), "{}", stderr(&passed));
    let report = stdout(&passed);
    assert!(
        report.contains("forward script:") && report.contains("reverse script:"),
        "{report}"
    );
    assert!(report.contains("create table public.addresses"), "{report}");
    assert!(
        report.contains("rows in 4 tables seeded and checked"),
        "{report}"
    );
    assert!(
        stderr(&passed).contains("rehearsal passed"),
        "{}",
        stderr(&passed)
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let from = sql_file(dir.path(), "from.sql", "CREATE TABLE \"t\n*/\" (a int);\n");
    let to = sql_file(
        dir.path(),
        "to.sql",
        "CREATE TABLE \"t\n*/\" (a int NOT NULL);\n",
    );
    let seed = sql_file(
        dir.path(),
        "seed.sql",
        "INSERT INTO \"t\n*/\" VALUES (1), (NULL);\n",
    );
    let failed = pgrift(&["rehearse", path(&from), path(&to), "--seed", path(&seed)]).await;
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    let message = stderr(&failed);
    assert!(message.contains("statement 1 of 1 failed"), "{message}");
    assert!(message.contains("contains null values"), "{message}");
}

#[tokio::test]
async fn a_plan_made_with_filters_applies_them_to_the_database_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = sql_file(
        dir.path(),
        "from.sql",
        "CREATE SCHEMA audit;\nCREATE TABLE audit.log (id int);\nCREATE TABLE public.users (id int);\n",
    );
    let to = sql_file(
        dir.path(),
        "to.sql",
        "CREATE TABLE public.users (id int, email text);\n",
    );
    let (cluster, db, url) = database("deploy_filtered", &[&from]).await;
    let release = dir.path().join("release");
    let planned = pgrift(&[
        "plan",
        &url,
        path(&to),
        "--out",
        path(&release),
        "-N",
        "audit",
    ])
    .await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let forward = std::fs::read_to_string(release.join("forward.sql")).expect("forward.sql");
    assert!(!forward.contains("audit"), "{forward}");
    // A change in the schema the plan leaves out is no drift.
    let client = cluster.connect(&db).await.expect("connect");
    client
        .batch_execute("ALTER TABLE audit.log ADD COLUMN at timestamptz")
        .await
        .expect("alter");
    let applied = pgrift(&["apply", path(&release), "--db", &url]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let verified = pgrift(&["verify", path(&release), "--db", &url]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
}

#[tokio::test]
async fn drift_checks_a_fleet_against_one_reference() {
    let to = fixture("demo", "to.sql");
    let mut urls = Vec::new();
    let mut dbs = Vec::new();
    for n in 0..4 {
        let (cluster, db, url) = database(&format!("fleet{n}"), &[&to]).await;
        if n == 2 {
            let client = cluster.connect(&db).await.expect("connect");
            client
                .batch_execute("ALTER TABLE public.users ADD COLUMN \"tenant\nnote\" text")
                .await
                .expect("alter");
        }
        urls.push(url);
        dbs.push(db);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, format!("# the fleet\n{}\n\n{}\n", urls[2], urls[3])).expect("write");
    let out = dir.path().join("drift");
    let mut args = vec![
        "drift",
        "--reference",
        path(&to),
        &urls[0],
        &urls[1],
        "--targets",
        path(&list),
        "--jobs",
        "3",
        "--out",
        path(&out),
    ];
    let drifted = pgrift(&args).await;
    assert_eq!(drifted.status.code(), Some(1), "{}", stderr(&drifted));
    let table = stdout(&drifted);
    assert_eq!(table.matches("in sync").count(), 3, "{table}");
    assert!(
        table.contains("differs") && table.contains("+0 ~0 ±0 -1"),
        "{table}"
    );
    assert!(
        stderr(&drifted).contains("3 of 4 in sync, 1 differ"),
        "{}",
        stderr(&drifted)
    );
    let dirs: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dirs.len(), 4, "{dirs:?}");
    let third = dirs
        .iter()
        .find(|d| d.starts_with("003-"))
        .expect("the third target");
    let script = std::fs::read_to_string(out.join(third).join("forward.sql")).expect("forward.sql");
    assert!(script.contains("DROP COLUMN \"tenant\nnote\""), "{script}");

    args.extend(["--format", "json"]);
    // A positional target goes before those of the file.
    let missing = urls[0].replace(&format!("/{}?", dbs[0]), "/fleet_missing?");
    args.push(&missing);
    let json = pgrift(&args).await;
    assert_eq!(json.status.code(), Some(2), "a target that cannot be read");
    let rows: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[3]["in_sync"], false);
    assert_eq!(rows[3]["worst_risk"], "high", "{rows:?}");
    assert!(
        rows[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("does not exist")),
        "{rows:?}"
    );
}

/// Default privileges a schema file gives without `FOR ROLE` are applied
/// as the role that runs the deployment: `verify` finds the database as
/// the plan's TO, and the rollback's drift guard finds it as the TO it
/// rolls back from.
#[tokio::test]
async fn default_privileges_without_a_role_are_the_deployers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = sql_file(dir.path(), "from.sql", "CREATE SCHEMA app;\n");
    let to = sql_file(
        dir.path(),
        "to.sql",
        "CREATE SCHEMA app;\n\
         ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;\n\
         ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n",
    );
    let (cluster, db, url) = database("deploy_defaults", &[&from]).await;
    let release = dir.path().join("release");
    plan(&url, &to, &release).await;
    let forward = std::fs::read_to_string(release.join("forward.sql")).expect("forward.sql");
    assert!(
        forward.contains(
            "\nALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;\n"
        ),
        "{forward}"
    );
    let applied = pgrift(&["apply", path(&release), "--db", &url]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    assert_eq!(
        query_one_i64(&cluster, &db, "SELECT count(*) FROM pg_default_acl").await,
        2
    );
    let verified = pgrift(&["verify", path(&release), "--db", &url]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
    let rolled_back = pgrift(&["rollback", &url]).await;
    assert_eq!(
        rolled_back.status.code(),
        Some(0),
        "{}",
        stderr(&rolled_back)
    );
    assert_eq!(
        query_one_i64(&cluster, &db, "SELECT count(*) FROM pg_default_acl").await,
        0
    );
}
