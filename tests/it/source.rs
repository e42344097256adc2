//! The `source` layer against a real server: the throwaway cluster, loading
//! `.sql` files into shadow databases, and connection errors.

use std::path::Path;
use std::sync::Arc;

use pgrift::source::{self, ConnInfo, Host, Loaded, Shadow, SourceError, SourceSpec};
use pgrift::sql::quote_ident;

use crate::support::{explain, shadow_url, shared_cluster, start_cluster, unique_name};

/// Writes `files` (paths relative to the directory) into a new temporary
/// directory.
pub fn sql_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The names of the shadow databases that exist on the cluster.
async fn shadow_databases(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgrift_shadow_%' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test]
async fn cluster_starts_serves_and_disappears() {
    let cluster = start_cluster().await;
    let dir = cluster.socket_dir().to_path_buf();
    assert!(dir.join(".s.PGSQL.5432").exists());
    assert!(cluster.server_version_num() >= 100000);
    assert_eq!(cluster.user(), "pgrift");

    // As root, the server must run as an unprivileged user, and owns its data.
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(dir.join("data")).unwrap().uid();
        assert_ne!(owner, 0, "the data directory must not belong to root");
    }

    // A name that needs quoting goes through quote_ident.
    let name = "Mixed Case ü";
    cluster.create_database(name).await.unwrap();
    let client = cluster.connect(name).await.unwrap();
    let row = client
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), name);
    drop(client);
    cluster.drop_database(name).await.unwrap();
    let error = cluster.connect(name).await.unwrap_err();
    assert!(
        error.to_string().contains("does not exist"),
        "{}",
        explain(&error)
    );

    let status = cluster
        .psql_command("postgres")
        .args(["-c", "SELECT 1"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());

    drop(cluster);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

#[tokio::test]
async fn sql_directory_applies_in_lexical_order() {
    // Lexical, not numeric: 10_ runs before 2_, and 2_ needs what 10_ made.
    let dir = sql_dir(&[
        ("0_schema.sql", "CREATE SCHEMA app;\n"),
        ("10_table.sql", "CREATE TABLE app.t (id int);\n"),
        (
            "2_more.sql",
            "ALTER TABLE app.t ADD COLUMN name text;\nCREATE INDEX ON app.t (name);\n",
        ),
        ("notes.txt", "not SQL"),
    ]);
    let shadow = Shadow::with_cluster(shared_cluster().await);
    let db = shadow.create_database().await.unwrap();
    db.apply(dir.path()).await.unwrap();
    let columns: Vec<String> = db
        .client()
        .query(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'app.t'::regclass AND attnum > 0 \
             ORDER BY attnum",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(columns, ["id", "name"]);
    db.close().await.unwrap();
}

/// Applies `text` as a file named `name` in a fresh shadow database and
/// returns the error, as the binary would print it, with the directory
/// removed from the path.
async fn apply_error(name: &str, text: &str) -> String {
    let dir = sql_dir(&[(name, text)]);
    let shadow = Shadow::with_cluster(shared_cluster().await);
    let db = shadow.create_database().await.unwrap();
    let error = db.apply(&dir.path().join(name)).await.unwrap_err();
    db.close().await.unwrap();
    let prefix = format!("{}/", dir.path().display());
    explain(&error).replace(&prefix, "")
}

#[tokio::test]
async fn sql_errors_point_to_file_line_and_column() {
    // Multibyte characters before the error: positions count characters.
    let text = "-- Schéma für Ünïcode 😀\nCREATE TABLE café (ü text);\n  SELEC 1;\n";
    assert_eq!(
        apply_error("bad.sql", text).await,
        "bad.sql:3:3: syntax error at or near \"SELEC\""
    );
    // A leading byte-order mark does not shift the column.
    assert_eq!(
        apply_error("bom.sql", "\u{feff}SELECT nope;").await,
        "bom.sql:1:8: column \"nope\" does not exist"
    );
    // Without a position, the line of the failing statement; the server's
    // detail and hint are kept.
    assert_eq!(
        apply_error("dup.sql", "CREATE TABLE t ();\nCREATE TABLE t ();\n").await,
        "dup.sql:2: relation \"t\" already exists"
    );
    assert_eq!(
        apply_error(
            "drop.sql",
            "CREATE TABLE a (); SELECT 1;\n-- a comment; with a semicolon\n\nDROP TABLE nope;\n"
        )
        .await,
        "drop.sql:4: table \"nope\" does not exist"
    );
    assert_eq!(
        apply_error(
            "fk.sql",
            "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p int REFERENCES p);\n\
             INSERT INTO c VALUES (1);\n"
        )
        .await,
        "fk.sql:3: insert or update on table \"c\" violates foreign key constraint \"c_p_fkey\"\n\
         detail: Key (p)=(1) is not present in table \"p\"."
    );
    assert_eq!(
        apply_error("fn.sql", "SELECT lower(1, 2);").await,
        "fn.sql:1:8: function lower(integer, integer) does not exist\n\
         hint: No function matches the given name and argument types. You might need to add \
         explicit type casts."
    );
    // Statements that refuse a transaction block get a hint.
    assert_eq!(
        apply_error(
            "conc.sql",
            "CREATE TABLE t (x int);\nCREATE INDEX CONCURRENTLY ON t (x);\n"
        )
        .await,
        "conc.sql:2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block\n\
         hint: pgrift runs each file as one transaction; put this statement in a file of its own"
    );
    // An error inside a function body is found in the file.
    assert_eq!(
        apply_error(
            "body.sql",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nAS $$\n  SELECT nope\n$$;\n"
        )
        .await,
        "body.sql:3:10: column \"nope\" does not exist"
    );
}

#[tokio::test]
async fn a_failing_file_in_a_directory_is_named() {
    let dir = sql_dir(&[
        ("a.sql", "CREATE TABLE a ();"),
        ("b.sql", "\n\nCREATE TABLE b (x nosuchtype);"),
        ("c.sql", "CREATE TABLE c ();"),
    ]);
    let shadow = Shadow::with_cluster(shared_cluster().await);
    let db = shadow.create_database().await.unwrap();
    let error = db.apply(dir.path()).await.unwrap_err();
    let SourceError::Sql(sql) = &error else {
        panic!("{}", explain(&error));
    };
    assert_eq!(sql.path, dir.path().join("b.sql"));
    assert_eq!(sql.position, Some((3, 19)));
    assert_eq!(sql.message, "type \"nosuchtype\" does not exist");
    db.close().await.unwrap();
}

#[tokio::test]
async fn load_path_builds_any_database() {
    let cluster = shared_cluster().await;
    let name = unique_name("load_path");
    cluster.create_database(&name).await.unwrap();
    let client = cluster.connect(&name).await.unwrap();
    let dir = sql_dir(&[
        ("a.sql", "CREATE TABLE a ();"),
        ("b.sql", "SELECT * FROM nope;"),
    ]);
    source::load_path(&client, &dir.path().join("a.sql"))
        .await
        .unwrap();
    let error = source::load_path(&client, dir.path()).await.unwrap_err();
    // a.sql ran again and failed first: the table exists.
    assert_eq!(
        explain(&error).replace(&format!("{}/", dir.path().display()), ""),
        "a.sql:1: relation \"a\" already exists"
    );
    let output = cluster
        .psql(&name)
        .args([
            "-At",
            "-c",
            "SELECT count(*) FROM pg_class WHERE relname = 'a'",
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1\n");
}

#[tokio::test]
async fn pg_dump_output_loads() {
    let cluster = shared_cluster().await;
    let name = unique_name("dumped");
    cluster.create_database(&name).await.unwrap();
    cluster
        .connect(&name)
        .await
        .unwrap()
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY, note text DEFAULT 'x');")
        .await
        .unwrap();
    let output = cluster
        .pg_dump_command(&name)
        .arg("--schema-only")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = sql_dir(&[("dump.sql", &String::from_utf8(output.stdout).unwrap())]);

    let shadow = Shadow::with_cluster(cluster.clone());
    let db = shadow.create_database().await.unwrap();
    db.apply(&dir.path().join("dump.sql")).await.unwrap();
    let row = db
        .client()
        .query_one("SELECT count(*) FROM pg_class WHERE relname = 't'", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    db.close().await.unwrap();
}

#[tokio::test]
async fn shadow_databases_on_a_server_are_always_dropped() {
    // A cluster of its own stands in for an existing server given by
    // --shadow-url, so that no other test's databases are counted; its
    // role may create databases, and is no superuser.
    let cluster = start_cluster().await;
    let admin = cluster.connect("postgres").await.unwrap();
    admin
        .batch_execute("CREATE ROLE shadow_admin LOGIN CREATEDB")
        .await
        .unwrap();
    let shadow = Shadow::server(ConnInfo {
        user: "shadow_admin".into(),
        ..cluster.conninfo("postgres")
    });

    // The normal path.
    let db = shadow.create_database().await.unwrap();
    assert!(
        db.name()
            .starts_with(&format!("pgrift_shadow_{}_0_", std::process::id())),
        "{}",
        db.name()
    );
    assert_eq!(shadow_databases(&admin).await, [db.name()]);
    db.close().await.unwrap();
    assert_eq!(shadow_databases(&admin).await, Vec::<String>::new());

    // A failing load.
    let dir = sql_dir(&[("bad.sql", "CREATE TABLE t (x nosuchtype);")]);
    let spec = SourceSpec::Sql(dir.path().join("bad.sql"));
    let error = source::load(&spec, &shadow).await.unwrap_err();
    assert!(matches!(error, SourceError::Sql(_)), "{}", explain(&error));
    assert_eq!(shadow_databases(&admin).await, Vec::<String>::new());

    // A ShadowDb dropped without closing, as after a panic.
    let db = shadow.create_database().await.unwrap();
    db.client()
        .batch_execute("CREATE TABLE t ();")
        .await
        .unwrap();
    drop(db);
    assert_eq!(shadow_databases(&admin).await, Vec::<String>::new());
}

#[tokio::test]
async fn load_reads_sql_url_and_empty_sources() {
    let cluster = shared_cluster().await;
    let shadow = Shadow::with_cluster(cluster.clone());
    let dir = sql_dir(&[("s.sql", "CREATE TABLE t ();")]);

    let loaded = source::load(&SourceSpec::Sql(dir.path().join("s.sql")), &shadow)
        .await
        .unwrap();
    assert_eq!(
        loaded.server_version_num,
        Some(cluster.server_version_num())
    );
    assert_eq!(loaded.label, dir.path().join("s.sql").display().to_string());

    let name = unique_name("url");
    cluster.create_database(&name).await.unwrap();
    let spec = SourceSpec::Url(cluster.conninfo(&name));
    let loaded = source::load(&spec, &shadow).await.unwrap();
    assert_eq!(
        loaded.server_version_num,
        Some(cluster.server_version_num())
    );
    assert!(
        loaded.label.starts_with("postgres://pgrift@/url_"),
        "{}",
        loaded.label
    );
}

/// The owners of what `loaded` holds: each schema and table with its owner.
fn owners(loaded: &Loaded) -> Vec<String> {
    let schemas = loaded
        .catalog
        .schemas
        .iter()
        .map(|s| (s.name.clone(), s.owner.clone()));
    let tables = loaded
        .catalog
        .tables
        .iter()
        .map(|t| (t.name.to_string(), t.owner.clone()));
    schemas
        .chain(tables)
        .map(|(name, owner)| format!("{name}: {owner:?}"))
        .collect()
}

/// What a `.sql` source creates belongs to whoever runs the script, whatever
/// the role that loads it; an owner the source names is its own. Before
/// PostgreSQL 15 a new database's `public` schema belongs to the bootstrap
/// superuser, from 15 to `pg_database_owner`: either way it is the owner
/// the server gave it, in a shadow and in a live database alike.
#[tokio::test]
async fn a_sql_source_owns_what_it_names_and_the_loader_nothing() {
    let cluster = shared_cluster().await;
    // A role that may create databases and is no superuser.
    let url = ConnInfo::parse(&shadow_url().await).unwrap();
    let loader = Shadow::with_cluster(cluster.clone());
    let url_role = Shadow::server(url.clone());
    let superuser = Shadow::with_cluster(cluster.clone()).load_as_superuser();
    let load = |dir: &tempfile::TempDir, shadow| {
        let spec = SourceSpec::Sql(dir.path().join("s.sql"));
        async move { source::load(&spec, shadow).await.map_err(|e| explain(&e)) }
    };

    let plain = sql_dir(&[("s.sql", "CREATE TABLE t (id int);\n")]);
    for (who, shadow) in [
        ("loader", &loader),
        ("URL role", &url_role),
        ("superuser", &superuser),
    ] {
        let loaded = load(&plain, shadow).await.unwrap();
        assert!(
            loaded.catalog.warnings.is_empty(),
            "{who}: {:?}",
            loaded.catalog.warnings
        );
        assert_eq!(owners(&loaded), ["public: None", "public.t: None"], "{who}");
    }

    // A schema the source gives to another role is the source's doing.
    // Only the throwaway cluster creates the role for it.
    let given = sql_dir(&[(
        "s.sql",
        "CREATE SCHEMA app AUTHORIZATION pgrift_it_schema_owner;\n",
    )]);
    for (who, shadow) in [("loader", &loader), ("superuser", &superuser)] {
        let loaded = load(&given, shadow).await.unwrap();
        assert_eq!(
            owners(&loaded),
            ["app: Some(\"pgrift_it_schema_owner\")", "public: None"],
            "{who}"
        );
    }

    // A live database the URL role created and owns.
    let name = unique_name("owned_by_url_role");
    source::connect(&url)
        .await
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
        .await
        .unwrap();
    let live = source::load(&SourceSpec::Url(url.with_dbname(&name)), &loader)
        .await
        .unwrap();
    assert_eq!(owners(&live), ["public: None"]);
    cluster.drop_database(&name).await.unwrap();
}

#[tokio::test]
async fn connection_errors_name_the_source_and_hide_the_password() {
    let nowhere = tempfile::tempdir().unwrap();
    let info = ConnInfo {
        password: Some("hunter2".into()),
        ..ConnInfo::parse_with(
            &format!(
                "host={} port=6000 user=alice dbname=app",
                nowhere.path().display()
            ),
            &source::Env::default(),
        )
        .unwrap()
    };
    let error = source::connect(&info).await.unwrap_err();
    let text = explain(&error);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.starts_with(&format!(
            "could not connect to postgres://alice@/app?host={}&port=6000: ",
            nowhere.path().display()
        )),
        "{text}"
    );
    assert!(text.contains("hint: is a server running locally"), "{text}");

    let cluster = shared_cluster().await;
    let error = cluster.connect("no_such_database").await.unwrap_err();
    assert_eq!(
        explain(&error),
        format!(
            "could not connect to {}: database \"no_such_database\" does not exist\n\
             hint: create the database first, or name another one in the connection string",
            cluster.conninfo("no_such_database")
        )
    );
    assert!(matches!(cluster.conninfo("x").host, Host::Socket(_)));
}

#[tokio::test]
async fn a_missing_bin_dir_fails_with_the_install_hint() {
    let shadow = Shadow::local_with_bin_dir(Path::new("/nonexistent/bin").to_path_buf());
    let error = shadow.create_database().await.unwrap_err();
    let text = explain(&error);
    assert!(
        text.starts_with(
            "could not start a throwaway PostgreSQL cluster: could not run /nonexistent/bin/initdb"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_shared_cluster_serves_several_runtimes() {
    // Tests run on separate runtimes; the shared cluster must serve each.
    let cluster: Arc<_> = shared_cluster().await;
    let client = cluster.connect("postgres").await.unwrap();
    let row = client.query_one("SELECT 1", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 1);
}

/// What the child process of the cleanup tests does, chosen by
/// `PGRIFT_TEST_CHILD`. Run normally, without the variable, it does nothing.
///
/// - `signal`: starts a cluster, installs the signal cleanup, prints the
///   socket directory and waits to be interrupted.
/// - `forget`: starts a cluster, prints its directory and leaks it, leaving
///   the exit hook to stop it.
#[tokio::test]
async fn cleanup_child() {
    let Ok(mode) = std::env::var("PGRIFT_TEST_CHILD") else {
        return;
    };
    let cluster = start_cluster().await;
    match mode.as_str() {
        "signal" => {
            source::install_signal_cleanup();
            println!("socket_dir={}", cluster.socket_dir().display());
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            panic!("no signal arrived");
        }
        "forget" => {
            println!("socket_dir={}", cluster.socket_dir().display());
            std::mem::forget(cluster);
        }
        other => panic!("unknown PGRIFT_TEST_CHILD {other}"),
    }
}

/// Runs `cleanup_child` in a new process of this test binary, and returns
/// the child and the cluster directory it printed.
fn spawn_child(mode: &str) -> (std::process::Child, std::path::PathBuf) {
    use std::io::BufRead;

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "source::cleanup_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PGRIFT_TEST_CHILD", mode)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next() {
        let line = line.unwrap();
        // libtest may print `test … ... ` in front on the same line.
        if let Some((_, dir)) = line.split_once("socket_dir=") {
            // Keep reading, or the child fails writing its test summary.
            std::thread::spawn(move || lines.for_each(drop));
            return (child, dir.into());
        }
    }
    panic!("the child printed no socket_dir ({:?})", child.wait());
}

/// True while a process whose command line mentions `dir` is running.
fn server_running_in(dir: &Path) -> bool {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc").unwrap().any(|entry| {
        let cmdline = entry.unwrap().path().join("cmdline");
        std::fs::read(cmdline)
            .map(|bytes| String::from_utf8_lossy(&bytes).contains(&needle))
            .unwrap_or(false)
    })
}

#[test]
fn ctrl_c_stops_the_cluster_and_exits_130() {
    let (mut child, dir) = spawn_child("signal");
    assert!(dir.exists());
    assert!(server_running_in(&dir));
    // SAFETY: a plain signal to our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(!server_running_in(&dir), "the server still runs");
}

#[test]
fn a_leaked_cluster_is_stopped_at_exit() {
    let (mut child, dir) = spawn_child("forget");
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(!server_running_in(&dir), "the server still runs");
}
