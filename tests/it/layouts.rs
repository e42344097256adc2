//! `pgrift plan --layout`: migrations written for the tool a team runs.
//!
//! dbmate is run for real (from `scripts/dbmate-bin`, which fetches it from
//! npm): it applies the migration pgrift wrote to a copy of FROM, which must
//! then be TO, records it, and rolls it back to FROM, with the seeded rows
//! kept both ways. Flyway and golang-migrate cannot be installed from the
//! registries here, so their files are checked against each tool's
//! documented naming and, applied in the tool's order with psql, must do
//! the same round trip.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{path, pgrift, stderr};
use crate::support;

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo")
        .join(file)
}

/// The dbmate binary: `PGRIFT_DBMATE`, or what `scripts/dbmate-bin` finds
/// or fetches. Not finding one fails the test, saying how to get it.
fn dbmate() -> PathBuf {
    if let Some(path) = std::env::var_os("PGRIFT_DBMATE") {
        return path.into();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dbmate-bin");
    let out = Command::new(&script)
        .output()
        .expect("scripts/dbmate-bin runs");
    assert!(
        out.status.success(),
        "dbmate is needed for the layout tests: {}\nhint: install Node.js and npm \
         (Debian: apt-get install -y nodejs npm), put dbmate on PATH, or set PGRIFT_DBMATE",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A database of the shared cluster holding FROM and its rows.
async fn seeded_from(prefix: &str) -> (String, String) {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name(prefix);
    cluster
        .create_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    for file in ["from.sql", "seed.sql"] {
        support::psql_file(&db, &fixture(file)).await;
    }
    let url = cluster.conninfo(&db).to_string();
    (db, url)
}

/// The number of rows of every table of `db` with rows in the seed.
async fn rows(db: &str) -> Vec<(String, i64)> {
    let client = support::shared_cluster()
        .await
        .connect(db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let mut counts = Vec::new();
    for table in ["public.users", "public.orders", "public.products"] {
        let row = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .expect("count");
        counts.push((table.to_owned(), row.get(0)));
    }
    counts
}

/// Whether `url` holds the schema of `schema` apart from `layout`'s record
/// of applied migrations: `pgrift plan` for that tool writes no migration.
async fn same_for_tool(url: &str, schema: &Path, layout: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = pgrift(&[
        "plan",
        url,
        path(schema),
        "--out",
        path(dir.path()),
        "--layout",
        layout,
        "--name",
        "check",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the schemas do not differ"),
        "{} differs: {}",
        schema.display(),
        stderr(&out)
    );
    let written = files(dir.path());
    assert!(written.is_empty(), "{written:?}");
}

async fn plan(url: &str, dir: &Path, layout: &str) {
    let out = pgrift(&[
        "plan",
        url,
        path(&fixture("to.sql")),
        "--out",
        path(dir),
        "--layout",
        layout,
        "--name",
        "add_addresses",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn dbmate_applies_and_rolls_back_a_pgrift_migration() {
    let dbmate = dbmate();
    let (db, url) = seeded_from("layout_dbmate").await;
    let seeded = rows(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("db/migrations");
    std::fs::create_dir_all(&migrations).expect("mkdir");
    // A migration of the team's own, already applied, numbers the next one.
    std::fs::write(
        migrations.join("20261201120000_baseline.sql"),
        "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
    )
    .expect("write");
    let run = |args: &[&str]| {
        let out = Command::new(&dbmate)
            .args(["--url", &dbmate_url(&url), "--migrations-dir"])
            .arg(&migrations)
            .args(["--no-dump-schema"])
            .args(args)
            .output()
            .expect("dbmate runs");
        assert!(
            out.status.success(),
            "dbmate {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["up"]);

    plan(&url, &migrations, "dbmate").await;
    assert_eq!(
        files(&migrations),
        [
            "20261201120000_baseline.sql",
            "20261201120001_add_addresses.sql"
        ]
    );
    run(&["up"]);
    same_for_tool(&url, &fixture("to.sql"), "dbmate").await;
    // dbmate recorded the migration on the session that ran the script,
    // after the script's RESETs gave it back its settings.
    let status = run(&["status"]);
    assert!(
        status.contains("[X] 20261201120001_add_addresses.sql"),
        "dbmate records the migration: {status}"
    );
    run(&["rollback"]);
    same_for_tool(&url, &fixture("from.sql"), "dbmate").await;
    assert_eq!(rows(&db).await, seeded, "the seeded rows are kept");
    let status = run(&["status"]);
    assert!(
        status.contains("[ ] 20261201120001_add_addresses.sql"),
        "{status}"
    );
    drop_database(&db).await;
}

/// dbmate's URL for a database of the test cluster: its driver reads the
/// socket directory from `socket`, not libpq's `host`.
fn dbmate_url(url: &str) -> String {
    let info = pgrift::source::ConnInfo::parse(url).expect("the cluster's URL parses");
    let pgrift::source::Host::Socket(socket) = &info.host else {
        panic!("the test cluster listens on a Unix socket only");
    };
    format!(
        "postgres://{}@/{}?socket={}&port={}&sslmode=disable",
        info.user,
        info.dbname,
        socket.display(),
        info.port
    )
}

async fn drop_database(db: &str) {
    support::shared_cluster()
        .await
        .drop_database(db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

/// Flyway's versioned and undo migrations (`V<n>__<name>.sql`,
/// `U<n>__<name>.sql`), each with the script configuration file that keeps
/// Flyway from wrapping it in a transaction; golang-migrate's
/// `<n>_<name>.up.sql` and `.down.sql`. Applied as the tool would (the up
/// file, then the down file) they round-trip the database.
#[tokio::test]
async fn flyway_and_golang_migrate_files_round_trip() {
    for (layout, history, existing, expected) in [
        (
            "flyway",
            // Flyway's history table as Flyway 10 creates it, index and all.
            "CREATE TABLE public.flyway_schema_history (installed_rank integer NOT NULL \
             CONSTRAINT flyway_schema_history_pk PRIMARY KEY, version varchar(50), \
             success boolean NOT NULL); \
             CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history (success);",
            "V7__init.sql",
            [
                "U8__add_addresses.sql",
                "U8__add_addresses.sql.conf",
                "V7__init.sql",
                "V8__add_addresses.sql",
                "V8__add_addresses.sql.conf",
            ]
            .as_slice(),
        ),
        (
            "golang-migrate",
            "CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, \
             dirty boolean NOT NULL);",
            "000007_init.up.sql",
            [
                "000007_init.up.sql",
                "000008_add_addresses.down.sql",
                "000008_add_addresses.up.sql",
            ]
            .as_slice(),
        ),
    ] {
        let (db, url) = seeded_from("layout_files").await;
        let seeded = rows(&db).await;
        support::shared_cluster()
            .await
            .connect(&db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)))
            .batch_execute(history)
            .await
            .expect("the tool's history table");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(existing), "SELECT 1;\n").expect("write");
        plan(&url, dir.path(), layout).await;
        assert_eq!(files(dir.path()), expected, "{layout}");
        let (up, down) = if layout == "flyway" {
            for conf in ["V8__add_addresses.sql.conf", "U8__add_addresses.sql.conf"] {
                assert_eq!(
                    std::fs::read_to_string(dir.path().join(conf)).expect("conf"),
                    "executeInTransaction=false\n"
                );
            }
            ("V8__add_addresses.sql", "U8__add_addresses.sql")
        } else {
            (
                "000008_add_addresses.up.sql",
                "000008_add_addresses.down.sql",
            )
        };
        let up_sql = std::fs::read_to_string(dir.path().join(up)).expect("up");
        assert!(
            !up_sql.contains("schema_migrations") && !up_sql.contains("flyway_schema_history"),
            "the tool's history table is left alone:\n{up_sql}"
        );
        support::psql_file(&db, &dir.path().join(up)).await;
        same_for_tool(&url, &fixture("to.sql"), layout).await;
        support::psql_file(&db, &dir.path().join(down)).await;
        same_for_tool(&url, &fixture("from.sql"), layout).await;
        assert_eq!(
            rows(&db).await,
            seeded,
            "{layout}: the seeded rows are kept"
        );
        drop_database(&db).await;
    }
}

/// Nothing is written when the schemas do not differ, and a name that is
/// not a plain word never reaches a file name.
#[tokio::test]
async fn no_migration_for_no_difference_and_no_hostile_name() {
    let to = fixture("to.sql");
    same_for_tool(path(&to), &to, "dbmate").await;

    let dir = tempfile::tempdir().expect("temp dir");
    let flyway = [
        "plan",
        "empty",
        "empty",
        "--out",
        path(dir.path()),
        "--layout",
        "flyway",
    ];
    for name in ["../up", "a\nb", "x*/"] {
        let out = pgrift(&[&flyway[..], &["--name", name]].concat()).await;
        assert_eq!(out.status.code(), Some(2), "{name:?}");
        assert!(stderr(&out).contains("--name"), "{}", stderr(&out));
    }
    let out = pgrift(&flyway).await;
    assert_eq!(out.status.code(), Some(2), "a layout needs a name");
    assert!(files(dir.path()).is_empty());
}

/// Runs sqitch (Debian's package) in the project `dir` against `db` of
/// the shared cluster.
async fn sqitch(dir: &Path, db: &str, args: &[&str]) -> std::process::Output {
    let cluster = support::shared_cluster().await;
    tokio::process::Command::new("sqitch")
        .current_dir(dir)
        .args(args)
        .arg(format!("db:pg:{db}"))
        .env("PGHOST", cluster.socket_dir())
        .env("PGPORT", cluster.port().to_string())
        .env("PGUSER", cluster.user())
        .env("SQITCH_FULLNAME", "Test Planner")
        .env("SQITCH_EMAIL", "planner@example.com")
        .output()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "sqitch: {e}\nhint: the test runs sqitch for real: apt-get install -y sqitch libdbd-pg-perl"
            )
        })
}

#[tokio::test]
async fn sqitch_deploys_verifies_and_reverts_a_pgrift_change() {
    let (db, url) = seeded_from("layout_sqitch").await;
    let before = rows(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    plan(&url, dir.path(), "sqitch").await;
    let plan_file = std::fs::read_to_string(dir.path().join("sqitch.plan")).expect("sqitch.plan");
    assert!(
        plan_file.starts_with("%syntax-version=1.0.0\n%project="),
        "{plan_file}"
    );
    assert!(plan_file.contains("\nadd_addresses 20"), "{plan_file}");

    let out = sqitch(dir.path(), &db, &["deploy"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sqitch(dir.path(), &db, &["verify"]).await;
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    same_for_tool(&url, &fixture("to.sql"), "sqitch").await;
    assert_eq!(rows(&db).await, before, "rows kept on deploy");

    // A second change goes after the first in the same plan.
    let again = pgrift(&[
        "plan",
        &url,
        path(&fixture("from.sql")),
        "--out",
        path(dir.path()),
        "--layout",
        "sqitch",
        "--name",
        "add_addresses",
    ])
    .await;
    assert_eq!(
        again.status.code(),
        Some(2),
        "a name the plan has is refused"
    );
    assert!(
        stderr(&again).contains("already has a change named"),
        "{}",
        stderr(&again)
    );

    let out = sqitch(dir.path(), &db, &["revert", "-y"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    same_for_tool(&url, &fixture("from.sql"), "sqitch").await;
    assert_eq!(rows(&db).await, before, "rows kept on revert");
    // The verify script fails where the change is not there.
    let verify =
        std::fs::read_to_string(dir.path().join("verify/add_addresses.sql")).expect("verify");
    let cluster = support::shared_cluster().await;
    let failed = cluster
        .psql(&db)
        .arg("-c")
        .arg(verify)
        .output()
        .await
        .expect("psql runs");
    assert!(!failed.status.success(), "the verify script fails on FROM");
}
