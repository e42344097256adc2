//! What a `.sql` source may do in the shadow: run as a role without
//! superuser rights in a cluster run by an account that reaches nothing
//! else, with the untrusted extensions it creates installed for it, the
//! roles it names stood in for, and the psql meta-commands of dumps
//! followed; and that no way out of pgrift, Ctrl-C included, leaves a
//! cluster behind.

use std::path::{Path, PathBuf};

use pgrift::source::{self, Shadow, SourceSpec};

use crate::source::sql_dir;
use crate::support::{explain, shared_cluster, unique_name};

/// Loads `dir/name` into a fresh database of `shadow`; the error as the
/// binary prints it, without the directory.
async fn load_error(shadow: &Shadow, dir: &Path, name: &str) -> Option<String> {
    let db = shadow.create_database().await.unwrap();
    let result = db.apply(&dir.join(name)).await;
    db.close().await.unwrap();
    let prefix = format!("{}/", dir.display());
    result.err().map(|e| explain(&e).replace(&prefix, ""))
}

const SUPERUSER_HINT: &str = "the statement needs a superuser: pgrift runs schema files as \
     a role without superuser rights, so that a file cannot run programs, read or write the \
     server's files or reach other servers; if you trust the file, pass --shadow-superuser";

#[tokio::test]
async fn a_schema_file_cannot_leave_the_shadow() {
    let cluster = shared_cluster().await;
    let shadow = Shadow::with_cluster(cluster.clone());
    // Somewhere the server's account could write, if it ran the program.
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("ran");
    std::fs::set_permissions(
        outside.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let program = format!(
        "CREATE TABLE t ();\nCOPY (SELECT 1) TO PROGRAM 'id > {}';\n",
        marker.display()
    );
    let cases: &[(&str, &str)] = &[
        (
            &program,
            // Each version words the refusal its own way ("must be
            // superuser or a member of …" on 14, "… or have privileges of
            // …" on 15, "permission denied to COPY to or from an external
            // program" from 16); the marker file below is the proof that
            // the program did not run.
            "f.sql:2: ",
        ),
        (
            "SELECT pg_read_file('/etc/passwd');",
            "f.sql:1: permission denied for function pg_read_file",
        ),
        (
            "SELECT lo_import('/etc/passwd');",
            "f.sql:1: permission denied for function lo_import",
        ),
        (
            "SELECT lo_export(0, '/tmp/pgrift_lo');",
            "f.sql:1: permission denied for function lo_export",
        ),
        ("ALTER SYSTEM SET work_mem = '1MB';", "f.sql:1: "),
        (
            "CREATE FUNCTION sh(text) RETURNS int AS 'libc.so.6', 'system' LANGUAGE c;",
            "f.sql:1: permission denied for language c",
        ),
        (
            "SET ROLE pgrift;",
            "f.sql:1: permission denied to set role \"pgrift\"",
        ),
        (
            "CREATE EXTENSION file_fdw;\nCREATE SERVER files FOREIGN DATA WRAPPER file_fdw;",
            "f.sql:2: permission denied for foreign-data wrapper file_fdw",
        ),
    ];
    for (sql, expected) in cases {
        let dir = sql_dir(&[("f.sql", sql)]);
        let error = load_error(&shadow, dir.path(), "f.sql")
            .await
            .unwrap_or_else(|| panic!("{sql} loaded"));
        assert!(error.starts_with(expected), "{sql}\n{error}");
        // After the server's own hint, if it gave one.
        assert!(error.contains("\nhint: "), "{sql}\n{error}");
        assert!(error.ends_with(SUPERUSER_HINT), "{sql}\n{error}");
    }
    assert!(!marker.exists(), "the program ran");
    // A statement about roles themselves is set aside, never run: the role
    // stands in as one without rights, whatever the file asked for.
    let role = unique_name("pgrift_it_escape");
    let dir = sql_dir(&[(
        "f.sql",
        &format!("CREATE ROLE {role} SUPERUSER LOGIN;\nALTER ROLE {role} BYPASSRLS;\n"),
    )]);
    assert_eq!(load_error(&shadow, dir.path(), "f.sql").await, None);
    let powers: bool = cluster
        .connect("postgres")
        .await
        .unwrap()
        .query_one(
            "SELECT rolsuper OR rolcanlogin OR rolbypassrls FROM pg_roles WHERE rolname = $1",
            &[&role],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!powers, "the file's role got the powers it asked for");
    let settings: i64 = cluster
        .connect("postgres")
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(settings, 0, "ALTER SYSTEM changed the server's settings");

    // dblink is installed for the file, and still cannot connect out
    // without a password.
    let dir = sql_dir(&[(
        "f.sql",
        &format!(
            "CREATE EXTENSION dblink;\nSELECT dblink_connect('host={} port={} dbname=postgres user=pgrift');\n",
            cluster.socket_dir().display(),
            cluster.port()
        ),
    )]);
    let error = load_error(&shadow, dir.path(), "f.sql").await.unwrap();
    assert!(
        error.starts_with("f.sql:2: password or GSSAPI delegated credentials required")
            || error.starts_with("f.sql:2: password is required"),
        "{error}"
    );
}

#[tokio::test]
async fn opting_in_runs_the_file_as_superuser() {
    let shadow = Shadow::with_cluster(shared_cluster().await).load_as_superuser();
    let dir = sql_dir(&[(
        "f.sql",
        "CREATE TABLE t ();\nCOPY (SELECT 1) TO PROGRAM 'cat > /dev/null';\n",
    )]);
    assert_eq!(load_error(&shadow, dir.path(), "f.sql").await, None);
}

#[tokio::test]
async fn the_server_runs_as_an_account_that_reaches_nothing() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let cluster = shared_cluster().await;
    let client = cluster.connect("postgres").await.unwrap();
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        .unwrap();
    // `nobody`, not `postgres`, who may log in to the machine's clusters.
    assert_eq!(uid, "65534", "{status}");
}

#[tokio::test]
async fn extensions_load_whether_trusted_or_not() {
    let shadow = Shadow::with_cluster(shared_cluster().await);
    let dir = sql_dir(&[(
        "f.sql",
        "CREATE SCHEMA ext;\n\
         CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA ext;\n\
         CREATE EXTENSION citext;\n\
         SET search_path = ext, public;\n\
         CREATE EXTENSION dblink;\n\
         COMMENT ON EXTENSION dblink IS 'connect out';\n\
         CREATE TABLE public.t (h ext.hstore, c citext);\n",
    )]);
    let db = shadow.create_database().await.unwrap();
    db.apply(&dir.path().join("f.sql")).await.unwrap();
    let rows = db
        .client()
        .query(
            "SELECT e.extname::text, n.nspname::text, obj_description(e.oid, 'pg_extension') \
             FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname <> 'plpgsql' ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let found: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        found,
        [
            (
                "citext".into(),
                "public".into(),
                Some("data type for case-insensitive character strings".into())
            ),
            ("dblink".into(), "ext".into(), Some("connect out".into())),
            (
                "hstore".into(),
                "ext".into(),
                Some("data type for storing sets of (key, value) pairs".into())
            ),
        ]
    );
    db.close().await.unwrap();
}

/// The catalog a database reads as, and the catalog the `pg_dump` output
/// of it loads as: the same, with the dump plain, without owners, and
/// with `CREATE DATABASE`.
#[tokio::test]
async fn pg_dump_output_diffs_as_equal_to_its_database() {
    let cluster = shared_cluster().await;
    let name = unique_name("dump_source");
    cluster.create_database(&name).await.unwrap();
    let client = cluster.connect(&name).await.unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/empty_to_full/to.sql");
    source::load_path(&client, &fixture).await.unwrap();
    // pg_dump does not record extension versions: the fixture's go to the
    // server's default, which a dump loads with.
    client
        .batch_execute(
            "ALTER EXTENSION citext UPDATE; ALTER EXTENSION btree_gist UPDATE;\n\
             DO $$ BEGIN CREATE ROLE pgrift_it_reporting NOLOGIN; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
             GRANT USAGE ON SCHEMA crm TO pgrift_it_reporting;\n\
             GRANT SELECT ON ALL TABLES IN SCHEMA crm TO pgrift_it_reporting;",
        )
        .await
        .unwrap();
    let live = source::load(&SourceSpec::Url(cluster.conninfo(&name)), &Shadow::local())
        .await
        .unwrap()
        .catalog;

    // A shadow of its own, which lacks the roles the dump names.
    let shadow = Shadow::local_with_bin_dir(cluster.bin_dir().to_path_buf());
    for options in [&[][..], &["--no-owner"], &["-C"]] {
        let output = cluster
            .pg_dump_command(&name)
            .arg("--schema-only")
            .args(options)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let dir = sql_dir(&[("dump.sql", &String::from_utf8(output.stdout).unwrap())]);
        let loaded = source::load(&SourceSpec::Sql(dir.path().join("dump.sql")), &shadow)
            .await
            .unwrap_or_else(|e| panic!("pg_dump {options:?}: {}", explain(&e)));
        let script = crate::roundtrip::script(&live, &loaded.catalog, "dump").unwrap();
        assert_eq!(script, "", "pg_dump {options:?}");
        if options.is_empty() {
            assert_eq!(
                loaded.warnings,
                [
                    "the shadow database lacked roles the source names; created NOLOGIN stand-ins \
                  for them: pgrift_it_reporting"
                ]
            );
        }
    }
    shadow.close().await;
    drop(client);
    cluster.drop_database(&name).await.unwrap();
}

#[tokio::test]
async fn includes_resolve_below_the_source_and_other_meta_commands_are_refused() {
    let shadow = Shadow::with_cluster(shared_cluster().await);
    let dir = sql_dir(&[
        (
            "main.sql",
            "\\set ON_ERROR_STOP on\nCREATE TABLE a ();\n\\ir parts/b.sql\nCREATE TABLE c ();\n",
        ),
        ("parts/b.sql", "\\i 'c d.sql'\nCREATE TABLE b ();\n"),
        ("parts/c d.sql", "CREATE TABLE cd ();\n"),
        ("missing.sql", "SELECT 1;\n\\i nowhere.sql\n"),
        ("outside.sql", "\\ir ../../../../../../../etc/passwd\n"),
        ("self.sql", "\\i self.sql\n"),
        ("gset.sql", "SELECT 1 AS one\n\\gset\n"),
        ("late.sql", "CREATE TABLE z ();\n\n\nSELECT * FROM nope;\n"),
    ]);
    let db = shadow.create_database().await.unwrap();
    db.apply(&dir.path().join("main.sql")).await.unwrap();
    let tables: Vec<String> = db
        .client()
        .query("SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["a", "b", "c", "cd"]);
    db.close().await.unwrap();

    let error = load_error(&shadow, dir.path(), "missing.sql")
        .await
        .unwrap();
    assert!(
        error.starts_with("missing.sql:2: \\i nowhere.sql: could not read "),
        "{error}"
    );
    let error = load_error(&shadow, dir.path(), "outside.sql")
        .await
        .unwrap();
    assert!(error.starts_with("outside.sql:1: \\i ../../../../../../../etc/passwd: /etc/passwd is not a file inside the source's directory"), "{error}");
    let error = load_error(&shadow, dir.path(), "self.sql").await.unwrap();
    assert!(
        error.starts_with("self.sql:1: \\i self.sql: includes nest more than 16 deep"),
        "{error}"
    );
    let error = load_error(&shadow, dir.path(), "gset.sql").await.unwrap();
    assert!(
        error.starts_with("gset.sql:2: psql meta-command \\gset is not supported\nhint: "),
        "{error}"
    );
    let error = load_error(&shadow, dir.path(), "late.sql").await.unwrap();
    assert_eq!(error, "late.sql:4:15: relation \"nope\" does not exist");
}

/// Every process whose command line mentions `dir`.
fn processes_in(dir: &Path) -> Vec<String> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let cmdline = std::fs::read(entry.ok()?.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(&needle).then_some(cmdline)
        })
        .collect()
}

/// Ctrl-C at any moment of the shadow's start (while `initdb` runs, while
/// the server starts, while the files load) leaves no process and no
/// directory behind.
#[test]
fn ctrl_c_during_start_up_leaves_nothing_behind() {
    let sources = sql_dir(&[("s.sql", "CREATE TABLE t (id int);\n")]);
    let source = sources.path().join("s.sql");
    for delay_ms in [100, 250, 400, 550, 700, 1000] {
        // A temporary directory of its own, which the server's account may
        // enter, so that what pgrift leaves in it can be counted.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            tmp.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
            .args(["diff", "empty"])
            .arg(&source)
            .env("TMPDIR", tmp.path())
            .env_remove("PGRIFT_SHADOW_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SAFETY: a plain signal to our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
        let status = child.wait().unwrap();
        assert!(
            matches!(status.code(), Some(0 | 130)) || status.code().is_none(),
            "after {delay_ms} ms: {status}"
        );
        let left: Vec<PathBuf> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(
            left,
            Vec::<PathBuf>::new(),
            "after {delay_ms} ms ({status})"
        );
        assert_eq!(
            processes_in(tmp.path()),
            Vec::<String>::new(),
            "after {delay_ms} ms"
        );
    }
}
