//! The binary as a user runs it: arguments, output, exit statuses and error
//! messages. Sources are loaded into the shared test cluster through
//! `--shadow-url`, so these tests start no cluster of their own.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::support;

fn fixture(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
        .join(file)
}

/// Runs `pgrift` with `args`, loading `.sql` sources into the shared cluster.
pub async fn pgrift(args: &[&str]) -> Output {
    let shadow = support::shadow_url().await;
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .env("PGRIFT_SHADOW_URL", shadow)
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("pgrift runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("fixture paths are UTF-8")
}

#[tokio::test]
async fn diff_prints_the_forward_script_and_exit_code_reports_differences() {
    let from = fixture("demo", "from.sql");
    let to = fixture("demo", "to.sql");
    let out = pgrift(&["diff", path(&from), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let script = stdout(&out);
    assert!(script.contains("CREATE TABLE public.addresses"), "{script}");
    assert!(script.trim_end().ends_with("COMMIT;"), "{script}");

    let out = pgrift(&["diff", path(&from), path(&to), "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));

    let out = pgrift(&["diff", path(&from), path(&from), "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "", "no differences print nothing");

    let reverse = pgrift(&["diff", path(&from), path(&to), "--reverse"]).await;
    assert_eq!(reverse.status.code(), Some(0));
    assert!(stdout(&reverse).contains("DROP TABLE public.addresses"));
}

#[tokio::test]
async fn empty_is_a_fresh_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nothing = dir.path().join("nothing.sql");
    std::fs::write(&nothing, "-- nothing\n").expect("write");
    for (from, to) in [("empty", path(&nothing)), (path(&nothing), "empty")] {
        let out = pgrift(&["diff", from, to, "--exit-code"]).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

#[tokio::test]
async fn the_same_inputs_give_byte_identical_scripts() {
    let from = fixture("empty_to_full", "from.sql");
    let to = fixture("empty_to_full", "to.sql");
    let first = pgrift(&["diff", path(&from), path(&to)]).await;
    let second = pgrift(&["diff", path(&from), path(&to)]).await;
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);
}

#[tokio::test]
async fn plan_writes_both_scripts_and_a_plan_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("release");
    let from = fixture("enum_add_value", "from.sql");
    let to = fixture("enum_add_value", "to.sql");
    let out = pgrift(&["plan", path(&from), path(&to), "--out", path(&out_dir)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let forward = std::fs::read_to_string(out_dir.join("forward.sql")).expect("forward.sql");
    let reverse = std::fs::read_to_string(out_dir.join("reverse.sql")).expect("reverse.sql");
    assert!(forward.contains("ADD VALUE"), "{forward}");
    assert!(reverse.contains("RENAME TO"), "{reverse}");
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("plan.json")).expect("plan.json"))
            .expect("plan.json is JSON");
    assert_eq!(plan["format"], "pgrift-plan");
    assert_eq!(plan["from"]["fingerprint"].as_str().map(str::len), Some(64));
    assert_ne!(plan["from"]["fingerprint"], plan["to"]["fingerprint"]);
    assert_eq!(
        plan["settings"],
        serde_json::json!([
            "SET check_function_bodies = off;",
            "SET standard_conforming_strings = on;",
            "SET search_path = pg_catalog;",
            "SET lock_timeout = '5s';"
        ]),
        "both scripts' settings, as their headers have them"
    );
    assert!(
        forward.contains("\nSET lock_timeout = '5s';\n"),
        "{forward}"
    );
    assert!(
        reverse.contains("\nSET lock_timeout = '5s';\n"),
        "{reverse}"
    );
    let first = &plan["forward"][0];
    assert_eq!(first["change"], "alter");
    assert_eq!(first["object_kind"], "type");
    assert!(
        first["sql"]
            .as_str()
            .is_some_and(|s| s.starts_with("ALTER TYPE"))
    );
}

#[tokio::test]
async fn a_snapshot_diffs_like_its_source() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = dir.path().join("from.json");
    let from = fixture("demo", "from.sql");
    let to = fixture("demo", "to.sql");
    let out = pgrift(&["snapshot", path(&from), "-o", path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let direct = pgrift(&["diff", path(&from), path(&to)]).await;
    let via_snapshot = pgrift(&["diff", path(&snapshot), path(&to)]).await;
    assert_eq!(
        via_snapshot.status.code(),
        Some(0),
        "stderr: {}",
        stderr(&via_snapshot)
    );
    // Only the title line names the sources.
    let body = |o: &Output| stdout(o).lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&direct), body(&via_snapshot));

    let out = pgrift(&["diff", path(&snapshot), path(&snapshot), "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(0));
    let out = pgrift(&["diff", "empty", path(&snapshot)]).await;
    assert!(stdout(&out).contains("CREATE TABLE public.users"));
}

#[tokio::test]
async fn bad_inputs_fail_with_status_2_and_say_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad_sql = dir.path().join("bad.sql");
    std::fs::write(
        &bad_sql,
        "create table ok (id int);\n\ncreate tabel broken (id int);\n",
    )
    .expect("write");
    let out = pgrift(&["diff", "empty", path(&bad_sql)]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:3:8:", bad_sql.display())),
        "{err}"
    );
    assert!(err.starts_with("error: "), "{err}");

    // Every other input a user can get wrong gets a hint after the error.
    let not_json = dir.path().join("notes.json");
    std::fs::write(&not_json, "not json").expect("write");
    let missing = dir.path().join("missing.sql");
    for source in [
        path(&not_json),
        path(&missing),
        "postgres://someone@localhost:99999/db",
    ] {
        let out = pgrift(&["diff", source, "empty"]).await;
        assert_eq!(out.status.code(), Some(2), "{source}");
        let err = stderr(&out);
        assert!(
            err.starts_with("error: ") && err.contains("\nhint: "),
            "{source}: {err}"
        );
    }

    let bad_snapshot = dir.path().join("bad.json");
    std::fs::write(
        &bad_snapshot,
        r#"{"format": "pgrift-snapshot", "version": 99}"#,
    )
    .expect("write");
    let out = pgrift(&["diff", path(&bad_snapshot), "empty"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("99"), "{}", stderr(&out));

    let out = pgrift(&[
        "diff",
        "postgres://someone:s3cret@127.0.0.1:1/nowhere?connect_timeout=2",
        "empty",
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(!err.contains("s3cret"), "the password leaked: {err}");
    assert!(err.contains("127.0.0.1"), "{err}");

    let out = pgrift(&["diff", "no-such-thing", "empty"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));

    let out = pgrift(&["diff", "empty"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing argument is a usage error"
    );
}

#[tokio::test]
async fn every_command_explains_its_arguments() {
    for command in ["diff", "plan", "report", "snapshot"] {
        let out = pgrift(&[command, "--help"]).await;
        assert_eq!(out.status.code(), Some(0));
        let help = stdout(&out);
        assert!(
            help.contains("Example"),
            "{command} --help has no example:\n{help}"
        );
        assert!(help.contains("--shadow-url"), "{help}");
    }
}

/// The completion scripts and the manual page come from the command line's
/// own definition: every command and option is in them.
#[tokio::test]
async fn completions_and_the_manual_cover_every_command() {
    const COMMANDS: [&str; 6] = ["diff", "plan", "report", "snapshot", "completions", "man"];
    let out = pgrift(&["completions", "bash"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out);
    for word in COMMANDS.iter().chain(&["--lock-timeout", "--shadow-url"]) {
        assert!(script.contains(word), "bash completions lack {word}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("pgrift.bash");
    std::fs::write(&file, &script).expect("write");
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash runs");
    assert!(
        checked.status.success(),
        "bash rejects the completions: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = pgrift(&["completions", shell]).await;
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("lock-timeout"), "{shell}");
    }
    let out = pgrift(&["completions", "tcsh"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let out = pgrift(&["man"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH pgrift 1"), "{page}");
    for command in COMMANDS {
        assert!(
            page.contains(&format!(".TH pgrift-{command} 1")),
            "the manual has no page for {command}"
        );
    }
    assert!(
        page.contains("lock_timeout"),
        "option help is in the manual"
    );
}

/// `diff --stat` prints what the script does per kind instead of the
/// script, and the JSON report carries the same counts for both scripts.
#[tokio::test]
async fn diff_stat_counts_what_the_script_does() {
    let from = fixture("demo", "from.sql");
    let to = fixture("demo", "to.sql");
    let out = pgrift(&["diff", path(&from), path(&to), "--stat", "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stat = stdout(&out);
    let first = stat.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Plan: ") && first.ends_with(" to drop."),
        "{stat}"
    );
    assert!(stat.contains("\n  table "), "{stat}");
    assert!(!stat.contains("CREATE"), "no SQL: {stat}");

    let out = pgrift(&["report", path(&from), path(&to), "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        report["changes"]["line"].as_str(),
        Some(first),
        "{report:#}"
    );
    let kinds = report["changes"]["kinds"].as_array().expect("kinds");
    assert_eq!(kinds.len(), stat.lines().count() - 1, "{stat}");
    let reverse = pgrift(&["diff", path(&from), path(&to), "--stat", "--reverse"]).await;
    assert_eq!(
        report["reverse_changes"]["line"].as_str(),
        stdout(&reverse).lines().next(),
        "{report:#}"
    );

    let out = pgrift(&["diff", path(&to), path(&to), "--stat", "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "No changes.\n");
}

/// In a pipe the terminal report's tables keep within 80 columns.
#[tokio::test]
async fn the_terminal_report_fits_80_columns_in_a_pipe() {
    let from = fixture("demo", "from.sql");
    let to = fixture("demo", "to.sql");
    let out = pgrift(&["report", path(&from), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("╭"), "{text}");
    for line in text.lines().filter(|l| l.starts_with(['│', '╭', '├', '╰'])) {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
}

/// `diff -o FILE` writes what stdout would show, and an empty file when the
/// schemas do not differ, so that a stale file never stands for this run.
#[tokio::test]
async fn diff_writes_its_script_to_a_file() {
    let from = fixture("demo", "from.sql");
    let to = fixture("demo", "to.sql");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("migrate.sql");
    let shown = pgrift(&["diff", path(&from), path(&to)]).await;
    let out = pgrift(&[
        "diff",
        path(&from),
        path(&to),
        "-o",
        path(&file),
        "--exit-code",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "nothing on stdout");
    let written = std::fs::read(&file).expect("the script is written");
    assert_eq!(written, shown.stdout, "the file holds what stdout shows");

    let out = pgrift(&["diff", path(&to), path(&to), "--output", path(&file)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&file).expect("read"),
        b"",
        "no differences: empty"
    );

    let out = pgrift(&[
        "diff",
        path(&from),
        path(&to),
        "-o",
        path(&dir.path().join("missing/dir/x.sql")),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing/dir/x.sql"),
        "{}",
        stderr(&out)
    );
}

/// The keyword list pgrift quotes by must cover every keyword the server
/// cannot take bare, and quoting must agree with the server's own.
#[tokio::test]
async fn quoting_agrees_with_the_server() {
    let cluster = support::shared_cluster().await;
    let client = cluster
        .connect("postgres")
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let rows = client
        .query(
            "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'",
            &[],
        )
        .await
        .expect("keywords");
    let ours = pgrift::sql::keywords();
    let missing: Vec<String> = rows
        .iter()
        .map(|r| r.get::<_, String>(0))
        .filter(|w| !ours.contains(&w.as_str()))
        .collect();
    assert!(missing.is_empty(), "keywords not quoted: {missing:?}");

    let names = [
        "users", "Users", "user", "order", "select", "a b", "a\"b", "café", "日本", "_x$1", "1abc",
        "name", "text", "offset", "json",
    ];
    for name in names {
        let row = client
            .query_one("SELECT quote_ident($1)", &[&name])
            .await
            .expect("quote_ident");
        let server: String = row.get(0);
        let ours_quoted = pgrift::sql::quote_ident(name);
        let superset = ours.contains(&name) && server == name;
        assert!(
            ours_quoted == server || superset,
            "{name}: pgrift {ours_quoted}, server {server}"
        );
    }
}

/// A new database of the shared cluster that psql loaded `file` into.
pub async fn live_database(cluster: &pgrift::source::Cluster, prefix: &str, file: &Path) -> String {
    let db = support::unique_name(prefix);
    cluster
        .create_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let load = cluster
        .psql(&db)
        .arg("-f")
        .arg(file)
        .output()
        .await
        .expect("psql runs");
    assert!(
        load.status.success(),
        "{}",
        String::from_utf8_lossy(&load.stderr)
    );
    db
}

#[tokio::test]
async fn a_live_database_diffs_against_sql() {
    let cluster = support::shared_cluster().await;
    let from = fixture("demo", "from.sql");
    let to = fixture("demo", "to.sql");
    let db = live_database(&cluster, "cli_live", &from).await;

    let url = cluster.conninfo(&db).to_string();
    let out = pgrift(&["diff", &url, path(&from), "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    let out = pgrift(&["diff", &url, path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(script.path(), &out.stdout).expect("write");
    let applied = cluster
        .psql(&db)
        .arg("-f")
        .arg(script.path())
        .output()
        .await
        .expect("psql runs");
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let out = pgrift(&["diff", &url, path(&to), "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    cluster
        .drop_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

#[tokio::test]
async fn a_script_for_an_older_server_is_refused() {
    let cluster = support::shared_cluster().await;
    if let Some(reason) = support::skip_reason(Some(15), cluster.server_version_num()) {
        support::note(&format!(
            "skipped a_script_for_an_older_server_is_refused: {reason}"
        ));
        return;
    }
    // FROM as read from a PostgreSQL 14 server, TO with NULLS NOT DISTINCT.
    let dir = tempfile::tempdir().expect("temp dir");
    let from = fixture("unique_nulls_not_distinct", "from.sql");
    let to = fixture("unique_nulls_not_distinct", "to.sql");
    let snapshot = dir.path().join("from.json");
    let out = pgrift(&["snapshot", path(&from), "-o", path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let at_version = |version: i32| {
        let text = std::fs::read_to_string(&snapshot).expect("read snapshot");
        let mut json: serde_json::Value = serde_json::from_str(&text).expect("snapshot is JSON");
        json["server_version_num"] = version.into();
        let file = dir.path().join(format!("from-{version}.json"));
        std::fs::write(&file, json.to_string()).expect("write snapshot");
        file
    };
    let pg14 = at_version(140011);

    let out = pgrift(&["diff", path(&pg14), path(&to)]).await;
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    assert_eq!(stdout(&out), "", "no script is printed");
    let err = stderr(&out);
    for line in [
        "error: forward script, for FROM's server: the script uses features PostgreSQL 14 does not support:",
        "  constraint devices_serial_no_key on public.devices uses NULLS NOT DISTINCT, which PostgreSQL 14 does not support (needs 15)",
        "  index public.devices_vendor_model_idx uses NULLS NOT DISTINCT, which PostgreSQL 14 does not support (needs 15)",
        "hint: upgrade FROM's server to PostgreSQL 15 or later first, or change the other schema to do without these features",
    ] {
        assert!(
            err.lines().any(|l| l == line),
            "missing line:\n{line}\n\nstderr:\n{err}"
        );
    }

    // The reverse script runs on TO's server.
    let out = pgrift(&["diff", path(&to), path(&pg14), "--reverse"]).await;
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    assert!(
        stderr(&out).contains("error: reverse script, for TO's server"),
        "{}",
        stderr(&out)
    );

    let out_dir = dir.path().join("plan");
    let out = pgrift(&["plan", path(&pg14), path(&to), "--out", path(&out_dir)]).await;
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(!out_dir.join("forward.sql").exists(), "nothing is written");

    // A PostgreSQL 15 server runs it; so does a server of unknown version.
    let pg15 = at_version(150000);
    let out = pgrift(&["diff", path(&pg15), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(stdout(&out).contains("NULLS NOT DISTINCT"));
    let out = pgrift(&["diff", "empty", path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
}

/// A script for a live server is refused before it is written when it
/// installs an extension version that server does not offer: the statement
/// would fail half-way through the script.
#[tokio::test]
async fn an_extension_version_the_server_lacks_is_refused() {
    let cluster = support::shared_cluster().await;
    let database = support::unique_name("cli_extensions");
    cluster
        .create_database(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let url = cluster.conninfo(&database).to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let to_sql = dir.path().join("to.sql");
    std::fs::write(&to_sql, "CREATE EXTENSION citext;\n").expect("write");

    let offered = pgrift(&["diff", &url, path(&to_sql)]).await;
    let snapshot = dir.path().join("to.json");
    let written = pgrift(&["snapshot", path(&to_sql), "-o", path(&snapshot)]).await;
    let refused = if written.status.success() {
        let text = std::fs::read_to_string(&snapshot).expect("read snapshot");
        let mut json: serde_json::Value = serde_json::from_str(&text).expect("snapshot JSON");
        let extensions = json["catalog"]["extensions"]
            .as_array_mut()
            .expect("extensions");
        for extension in extensions.iter_mut() {
            if extension["name"] == "citext" {
                extension["version"] = "99.0".into();
            }
        }
        std::fs::write(&snapshot, json.to_string()).expect("write snapshot");
        Some(pgrift(&["diff", &url, path(&snapshot)]).await)
    } else {
        None
    };
    cluster
        .drop_database(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));

    assert_eq!(offered.status.code(), Some(0), "{}", stderr(&offered));
    assert!(
        stdout(&offered).contains("CREATE EXTENSION citext"),
        "{}",
        stdout(&offered)
    );
    assert!(written.status.success(), "{}", stderr(&written));
    let refused = refused.expect("the snapshot was written");
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let err = stderr(&refused);
    assert!(
        err.contains("extension citext version 99.0 (the server offers "),
        "{err}"
    );
    assert!(
        err.contains("\nhint: install that version's package on FROM's server"),
        "{err}"
    );
    assert!(stdout(&refused).is_empty(), "{}", stdout(&refused));
}

/// A script sets the lock_timeout it is given. Applied while another
/// session holds a lock on the table it alters, it gives up with the
/// server's lock timeout instead of waiting, and changes nothing.
#[tokio::test]
async fn a_script_gives_up_on_a_held_lock_after_its_lock_timeout() {
    const FROM: &str = "CREATE TABLE public.\"held\nby */ others\" (id integer);";
    const TO: &str = "CREATE TABLE public.\"held\nby */ others\" (id integer, note text);";
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("cli_lock_timeout");
    cluster
        .create_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let dir = tempfile::tempdir().expect("temp dir");
    let (from, to) = (dir.path().join("from.sql"), dir.path().join("to.sql"));
    std::fs::write(&from, FROM).expect("write from.sql");
    std::fs::write(&to, TO).expect("write to.sql");
    let connect = async || {
        cluster
            .connect(&db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)))
    };
    let (holder, applier) = (connect().await, connect().await);
    holder.batch_execute(FROM).await.expect("FROM loads");
    let url = cluster.conninfo(&db).to_string();

    let out = pgrift(&["diff", &url, path(&to), "--lock-timeout", "300ms"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(
        script.contains("\nSET lock_timeout = '300ms';\n"),
        "{script}"
    );
    assert!(!script.contains("statement_timeout"), "{script}");
    // The report advises setting lock_timeout only to scripts that do not.
    for (lock_timeout, advised) in [("5s", false), ("0", true)] {
        let out = pgrift(&[
            "report",
            &url,
            path(&to),
            "--format",
            "json",
            "--lock-timeout",
            lock_timeout,
        ])
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report = stdout(&out);
        assert!(report.contains("ACCESS EXCLUSIVE"), "{report}");
        assert_eq!(
            report.contains("set lock_timeout (e.g."),
            advised,
            "--lock-timeout {lock_timeout}: {report}"
        );
    }

    holder
        .batch_execute("BEGIN; SELECT count(*) FROM public.\"held\nby */ others\"")
        .await
        .expect("the holder locks the table");
    let applied = tokio::time::timeout(Duration::from_secs(60), applier.batch_execute(&script))
        .await
        .expect("the script gives up on the lock rather than wait for it");
    let error = applied.expect_err("the script gives up on the lock");
    assert_eq!(
        error.code(),
        Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE),
        "{error:?}"
    );
    applier.batch_execute("ROLLBACK").await.expect("rollback");
    holder.batch_execute("ROLLBACK").await.expect("rollback");
    let out = pgrift(&["diff", &url, path(&from), "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "FROM is unchanged: {}",
        stdout(&out)
    );

    // `0` leaves the server's lock_timeout; a statement limit is set when
    // given.
    let out = pgrift(&[
        "diff",
        &url,
        path(&to),
        "--lock-timeout",
        "0",
        "--statement-timeout",
        "90s",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(!script.contains("SET lock_timeout"), "{script}");
    assert!(
        script.contains("\nSET statement_timeout = '90s';\n"),
        "{script}"
    );
    applier
        .batch_execute(&script)
        .await
        .expect("the script applies");
    let out = pgrift(&["diff", &url, path(&to), "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "TO is reached: {}",
        stdout(&out)
    );

    drop((holder, applier));
    cluster
        .drop_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

#[tokio::test]
async fn filters_leave_schemas_and_objects_out_of_both_sides_and_say_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, sql: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, sql).expect("write");
        file
    };
    let from = write(
        "from.sql",
        "CREATE SCHEMA audit;\nCREATE SCHEMA \"Tenant 1\";\n\
         CREATE TABLE public.users (id int);\nCREATE TABLE public.legacy_a (id int);\n\
         CREATE TABLE audit.log (id int);\nCREATE TABLE \"Tenant 1\".t (id int);\n",
    );
    let to = write(
        "to.sql",
        "CREATE SCHEMA audit;\nCREATE SCHEMA \"Tenant 1\";\n\
         CREATE TABLE public.users (id int, email text);\nCREATE TABLE public.legacy_a (id int, x int);\n\
         CREATE TABLE audit.log (id int, at timestamptz);\nCREATE TABLE \"Tenant 1\".t (id int, y int);\n",
    );
    let all = pgrift(&["diff", path(&from), path(&to)]).await;
    for column in ["email", "x int", "at timestamp", "y int"] {
        assert!(stdout(&all).contains(column), "{}", stdout(&all));
    }
    let filtered = pgrift(&[
        "diff",
        path(&from),
        path(&to),
        "-N",
        "audit",
        "--exclude",
        "public.legacy_*",
        "-N",
        "\"Tenant 1\"",
    ])
    .await;
    assert_eq!(filtered.status.code(), Some(0), "{}", stderr(&filtered));
    let script = stdout(&filtered);
    assert!(script.contains("ADD COLUMN email"), "{script}");
    for left_out in ["x int", "at timestamp", "y int"] {
        assert!(!script.contains(left_out), "{script}");
    }
    let notes = stderr(&filtered);
    assert!(
        notes.contains("--schema/--exclude-schema left out schemas \"Tenant 1\", audit"),
        "{notes}"
    );
    assert!(
        notes.contains("--exclude left out table public.legacy_a"),
        "{notes}"
    );
    let only = pgrift(&["diff", path(&from), path(&to), "--schema", "tenant*"]).await;
    assert!(
        stdout(&only).is_empty(),
        "unquoted patterns fold to lower case: {}",
        stdout(&only)
    );
    let bad = pgrift(&["diff", path(&from), path(&to), "--exclude", "a.b.c"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("at most one dot"), "{}", stderr(&bad));
}

/// Runs `pgrift` in `dir`, where a project file may be.
pub async fn pgrift_in(dir: &Path, args: &[&str]) -> Output {
    let shadow = support::shadow_url().await;
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .current_dir(dir)
        .env("PGRIFT_SHADOW_URL", shadow)
        .env("NO_COLOR", "1")
        .env_remove("PGRIFT_CONFIG")
        .output()
        .await
        .expect("pgrift runs")
}

#[tokio::test]
async fn a_project_file_names_environments_filters_and_accepted_risks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path();
    for file in ["from.sql", "to.sql"] {
        std::fs::copy(fixture("demo", file), project.join(file)).expect("copy");
    }
    let nested = project.join("db/migrations");
    std::fs::create_dir_all(&nested).expect("mkdir");
    let write = |text: &str| std::fs::write(project.join("pgrift.toml"), text).expect("write");
    write(
        "[env.old]\nsql = \"from.sql\"\n[env.new]\nsql = \"to.sql\"\n\
         [env.prod]\nurl = \"postgres://app:s3cret@db.invalid/prod\"\n\
         [risk]\nfail_on = \"medium\"\n[filter]\nignore = [\"comments\"]\n\
         [script]\nlock_timeout = \"2s\"\n[output]\nformat = \"json\"\n",
    );
    // Found from a subdirectory, as cargo finds Cargo.toml.
    let gated = pgrift_in(&nested, &["diff", "old", "new"]).await;
    assert_eq!(gated.status.code(), Some(3), "{}", stderr(&gated));
    assert!(stdout(&gated).contains("CREATE TABLE public.addresses"));
    let flag_wins = pgrift_in(&nested, &["diff", "old", "new", "--fail-on", "high"]).await;
    assert_eq!(flag_wins.status.code(), Some(0), "{}", stderr(&flag_wins));

    let unknown = pgrift_in(&nested, &["diff", "old", "staging"]).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("no environment \"staging\"")
            && stderr(&unknown).contains("the environments are: new, old, prod"),
        "{}",
        stderr(&unknown)
    );

    let config = pgrift_in(&nested, &["config"]).await;
    let shown = stdout(&config);
    assert!(
        shown.contains("env.prod: postgres://app@db.invalid"),
        "{shown}"
    );
    assert!(!shown.contains("s3cret"), "the password is hidden: {shown}");
    assert!(shown.contains("filter --ignore comments"), "{shown}");
    assert!(shown.contains("script --lock-timeout 2s"), "{shown}");
    assert!(shown.contains("report --format json"), "{shown}");
    let script = stdout(&gated);
    assert!(script.contains("SET lock_timeout = '2s';"), "{script}");
    let flag_wins = pgrift_in(&nested, &["diff", "old", "new", "--lock-timeout", "3s"]).await;
    assert!(
        stdout(&flag_wins).contains("SET lock_timeout = '3s';"),
        "{}",
        stdout(&flag_wins)
    );
    let json = pgrift_in(&nested, &["report", "old", "new", "--fail-on", "high"]).await;
    assert!(
        stdout(&json).starts_with("{\n  \"format\": \"pgrift-report\""),
        "{}",
        stdout(&json)
    );

    // Every medium risk of the demo accepted, one acceptance expired.
    let risks = pgrift_in(&nested, &["report", "old", "new", "--format", "json"]).await;
    let report: serde_json::Value = serde_json::from_str(&stdout(&risks)).expect("json");
    let mut accepts = String::new();
    let mut rules: Vec<String> = report["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .filter(|r| r["severity"] == "medium")
        .map(|r| r["rule"].as_str().expect("rule").to_owned())
        .collect();
    rules.sort();
    rules.dedup();
    for rule in &rules {
        accepts.push_str(&format!(
            "[[accept]]\nrule = \"{rule}\"\nreason = \"reviewed\"\nexpires = \"2999-12-31\"\n"
        ));
    }
    write(&format!(
        "[env.old]\nsql = \"from.sql\"\n[env.new]\nsql = \"to.sql\"\n[risk]\nfail_on = \"medium\"\n{accepts}"
    ));
    let accepted = pgrift_in(&nested, &["diff", "old", "new"]).await;
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    write(&format!(
        "[env.old]\nsql = \"from.sql\"\n[env.new]\nsql = \"to.sql\"\n[risk]\nfail_on = \"medium\"\n{}",
        accepts.replace("2999-12-31", "2001-01-01")
    ));
    let expired = pgrift_in(&nested, &["diff", "old", "new"]).await;
    assert_eq!(
        expired.status.code(),
        Some(3),
        "an expired acceptance no longer counts"
    );

    write("[env.old]\nsql = \"from.sql\"\nurl = \"postgres://x\"\n");
    let both = pgrift_in(&nested, &["config"]).await;
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("env.old: give exactly one of url, sql and snapshot"));
    write("[env.old]\nsql = \"from.sql\"\n[risk]\nfail_on = \"sometimes\"\n");
    let malformed = pgrift_in(&nested, &["config"]).await;
    assert_eq!(malformed.status.code(), Some(2));
    assert!(
        stderr(&malformed).contains("pgrift.toml: 4:11: unknown variant `sometimes`"),
        "{}",
        stderr(&malformed)
    );
}

#[tokio::test]
async fn a_column_order_difference_is_a_note_and_no_statement() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    let to = dir.path().join("to.sql");
    std::fs::write(&from, "CREATE TABLE t (a int, \"B\nx\" text, c int);\n").expect("write");
    std::fs::write(
        &to,
        "CREATE TABLE t (a int, c int, \"B\nx\" text, d int);\n",
    )
    .expect("write");
    let out = pgrift(&["diff", path(&from), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(script.contains("ADD COLUMN d integer"), "{script}");
    assert_eq!(script.matches("ALTER TABLE").count(), 1, "{script}");
    assert!(
        stderr(&out).contains(
            "note: the columns of table public.t stand in another order: FROM (a, \"B\\nx\", c), TO (a, c, \"B\\nx\")"
        ),
        "{}",
        stderr(&out)
    );
    let report = pgrift(&["report", path(&from), path(&to), "--format", "json"]).await;
    assert!(
        stdout(&report).contains("\"column order\""),
        "{}",
        stdout(&report)
    );
    let silenced = pgrift(&["diff", path(&from), path(&to), "--ignore", "column-order"]).await;
    assert!(
        !stderr(&silenced).contains("note:"),
        "{}",
        stderr(&silenced)
    );
}

#[tokio::test]
async fn ignore_privileges_leaves_grants_out_of_both_sides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    let to = dir.path().join("to.sql");
    std::fs::write(&from, "CREATE TABLE t (id integer);\n").expect("write");
    std::fs::write(
        &to,
        "CREATE TABLE t (id integer);\nGRANT SELECT ON t TO PUBLIC;\n",
    )
    .expect("write");
    let out = pgrift(&["diff", path(&from), path(&to), "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).contains("GRANT SELECT ON TABLE public.t TO PUBLIC;"),
        "{}",
        stdout(&out)
    );
    for ignore in [&["--ignore", "privileges"][..], &["--ignore=privileges"]] {
        let mut args = vec!["diff", path(&from), path(&to), "--exit-code"];
        args.extend(ignore);
        let out = pgrift(&args).await;
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
    let out = pgrift(&["diff", path(&from), path(&to), "--ignore", "grants"]).await;
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
}

#[tokio::test]
async fn ignore_comments_policies_and_extension_versions() {
    let cluster = support::shared_cluster().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    let to = dir.path().join("to.sql");
    let table = "\"t\n*/ --'x\"";
    std::fs::write(
        &from,
        format!(
            "CREATE EXTENSION citext VERSION '1.5';\nCREATE TABLE {table} (id integer);\n\
             COMMENT ON TABLE {table} IS 'old */ --';\n"
        ),
    )
    .expect("write");
    std::fs::write(
        &to,
        format!(
            "CREATE EXTENSION citext VERSION '1.6';\nCREATE EXTENSION hstore VERSION '1.7';\n\
             CREATE TABLE {table} (id integer);\nCOMMENT ON COLUMN {table}.id IS 'new';\n\
             CREATE POLICY \"p\n1\" ON {table} USING (id > 0);\n"
        ),
    )
    .expect("write");
    let out = pgrift(&["diff", path(&from), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let script = stdout(&out);
    for expected in [
        "ALTER EXTENSION citext UPDATE TO '1.6';",
        "CREATE EXTENSION hstore WITH SCHEMA public VERSION '1.7';",
        "COMMENT ON TABLE",
        "COMMENT ON COLUMN",
        "CREATE POLICY",
    ] {
        assert!(script.contains(expected), "{expected} in {script}");
    }

    let ignore = "comments,policies,extension-versions";
    let out = pgrift(&["diff", path(&from), path(&to), "--ignore", ignore]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let script = stdout(&out);
    assert!(
        script.contains("CREATE EXTENSION hstore WITH SCHEMA public;"),
        "{script}"
    );
    for absent in ["citext", "COMMENT ON", "POLICY", "VERSION"] {
        assert!(!script.contains(absent), "{absent} in {script}");
    }
    let notes = stderr(&out);
    // The public schema's comment and plpgsql count too.
    for note in [
        "from.sql: --ignore comments left out 2 comments",
        "to.sql: --ignore policies left out 1 policy",
        "from.sql: --ignore extension-versions left out 2 extensions' versions",
    ] {
        assert!(notes.contains(note), "{note} in {notes}");
    }

    // A plan records what it ignored, so that `apply` ignores it in the
    // database too: FROM's comment differs from TO's and is no drift.
    let db = live_database(&cluster, "cli_ignore", &from).await;
    let url = cluster.conninfo(&db).to_string();
    let release = dir.path().join("release");
    let out = pgrift(&[
        "plan",
        &url,
        path(&to),
        "--out",
        path(&release),
        "--ignore",
        ignore,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let plan = std::fs::read_to_string(release.join("plan.json")).expect("plan.json");
    assert!(
        plan.contains(r#""ignore": ["#) && plan.contains(r#""extension-versions""#),
        "{plan}"
    );
    let out = pgrift(&["apply", path(&release), "--db", &url]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let out = pgrift(&["verify", path(&release), "--db", &url]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    cluster
        .drop_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

#[tokio::test]
async fn a_script_naming_a_role_the_live_server_lacks_is_refused() {
    let cluster = support::shared_cluster().await;
    let admin = cluster.connect("postgres").await.expect("connect");
    let role = "pgrift_it \"gone\"\n*/ rôle";
    let quoted = pgrift::sql::quote_ident(role);
    admin
        .batch_execute(&format!("CREATE ROLE {quoted} NOLOGIN"))
        .await
        .expect("create role");
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    let to = dir.path().join("to.sql");
    let snapshot = dir.path().join("to.json");
    std::fs::write(&from, "CREATE TABLE t (id integer);\n").expect("write");
    std::fs::write(
        &to,
        format!("CREATE TABLE t (id integer);\nGRANT SELECT ON t TO {quoted};\n"),
    )
    .expect("write");
    let out = pgrift(&["snapshot", path(&to), "-o", path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    admin
        .batch_execute(&format!("DROP ROLE {quoted}"))
        .await
        .expect("drop role");

    let db = live_database(&cluster, "cli_roles", &from).await;
    let url = cluster.conninfo(&db).to_string();
    let out = pgrift(&["diff", &url, path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(stdout(&out), "", "no script is written");
    let error = stderr(&out);
    assert!(
        error.contains(&format!(
            "error: forward script, for FROM's server: the script names roles the server \
             does not have: {quoted}"
        )),
        "{error}"
    );
    assert!(error.contains("--ignore privileges"), "{error}");
    let out = pgrift(&[
        "diff",
        &url,
        path(&snapshot),
        "--ignore",
        "privileges",
        "--exit-code",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    cluster
        .drop_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

/// A live database's owners are compared by name with another's; a script
/// that gives an object to a role the target lacks is refused like a grant
/// to one, and `--ignore owners` leaves owners out of both sides. A `.sql`
/// source names no owner, so it changes none.
#[tokio::test]
async fn owners_are_compared_checked_and_ignored() {
    let cluster = support::shared_cluster().await;
    let admin = cluster.connect("postgres").await.expect("connect");
    let kept = "pgrift_it_owner \"kept\"\n*/ rôle";
    let gone = "pgrift_it_owner_gone";
    let (kept_q, gone_q) = (
        pgrift::sql::quote_ident(kept),
        pgrift::sql::quote_ident(gone),
    );
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {kept_q}; CREATE ROLE {kept_q} NOLOGIN; \
             DROP ROLE IF EXISTS {gone_q}; CREATE ROLE {gone_q} NOLOGIN"
        ))
        .await
        .expect("create roles");
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = dir.path().join("schema.sql");
    std::fs::write(&schema, "CREATE TABLE t (id integer);\n").expect("write");
    let from = live_database(&cluster, "cli_owners_from", &schema).await;
    let to = live_database(&cluster, "cli_owners_to", &schema).await;
    let from_url = cluster.conninfo(&from).to_string();
    let to_url = cluster.conninfo(&to).to_string();
    cluster
        .connect(&to)
        .await
        .expect("connect")
        .batch_execute(&format!("ALTER TABLE t OWNER TO {kept_q}"))
        .await
        .expect("owner");

    let out = pgrift(&["diff", &from_url, &to_url]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("ALTER TABLE public.t OWNER TO {kept_q};")),
        "{}",
        stdout(&out)
    );
    let out = pgrift(&[
        "diff",
        &from_url,
        &to_url,
        "--ignore",
        "owners",
        "--exit-code",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let out = pgrift(&["diff", &to_url, path(&schema), "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");

    // TO's owner is a role FROM's server no longer has.
    let snapshot = dir.path().join("to.json");
    cluster
        .connect(&to)
        .await
        .expect("connect")
        .batch_execute(&format!("ALTER TABLE t OWNER TO {gone_q}"))
        .await
        .expect("owner");
    let out = pgrift(&["snapshot", &to_url, "-o", path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    for db in [&from, &to] {
        cluster
            .drop_database(db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    }
    admin
        .batch_execute(&format!("DROP ROLE {gone_q}; DROP ROLE {kept_q}"))
        .await
        .expect("drop roles");
    let from = live_database(&cluster, "cli_owners_gone", &schema).await;
    let from_url = cluster.conninfo(&from).to_string();
    let out = pgrift(&["diff", &from_url, path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(stdout(&out), "", "no script is written");
    let error = stderr(&out);
    assert!(
        error.contains(&format!(
            "the script names roles the server does not have: {gone_q}"
        )),
        "{error}"
    );
    assert!(error.contains("--ignore owners"), "{error}");
    let out = pgrift(&[
        "diff",
        &from_url,
        path(&snapshot),
        "--ignore",
        "owners",
        "--exit-code",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    cluster
        .drop_database(&from)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
}

/// `--map-role` (or the project file's `[roles] map`) reads the roles of
/// one environment as another's on both sides: owners, grantees and policy
/// roles compare as equal, scripts name the mapped role, and a plan carries
/// the map, so that `apply`'s drift guard and `verify` read the database
/// through it too.
#[tokio::test]
async fn a_role_map_reads_one_environments_roles_as_anothers() {
    let cluster = support::shared_cluster().await;
    let admin = cluster.connect("postgres").await.expect("connect");
    let dev = "pgrift_it_dev \"owner\"\n*/ rôle";
    let (prod, dev_reader, prod_reader) = (
        "pgrift_it_prod_owner",
        "pgrift_it_dev_reader",
        "pgrift_it_prod_reader",
    );
    let q = pgrift::sql::quote_ident;
    let roles = [dev, prod, dev_reader, prod_reader].map(|role| (role, "NOLOGIN"));
    create_roles(&admin, &roles).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = |owner: &str, reader: &str, extra: &str| {
        format!(
            "CREATE TABLE t (id integer);\nALTER TABLE t OWNER TO {owner};\n\
             GRANT SELECT ON t TO {reader};\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY readers ON t FOR SELECT TO {reader} USING (id > 0);\n\
             CREATE TABLE v (id integer);\nALTER TABLE v OWNER TO {0};\n{extra}",
            q(dev)
        )
    };
    let from_sql = dir.path().join("from.sql");
    let to_sql = dir.path().join("to.sql");
    std::fs::write(&from_sql, schema(&q(prod), &q(prod_reader), "")).expect("write");
    std::fs::write(
        &to_sql,
        schema(
            &q(dev),
            &q(dev_reader),
            &format!(
                "CREATE TABLE u (id integer);\nALTER TABLE u OWNER TO {};\n",
                q(dev)
            ),
        ),
    )
    .expect("write");
    let from = live_database(&cluster, "cli_map_from", &from_sql).await;
    let to = live_database(&cluster, "cli_map_to", &to_sql).await;
    let (from_url, to_url) = (
        cluster.conninfo(&from).to_string(),
        cluster.conninfo(&to).to_string(),
    );
    let dev_map = format!("{dev}={prod}");
    let reader_map = format!("{dev_reader}={prod_reader}");
    let mapped = [
        "--map-role",
        dev_map.as_str(),
        "--map-role",
        reader_map.as_str(),
    ];

    let out = pgrift(&["diff", &from_url, &to_url]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("ALTER TABLE public.t OWNER TO {};", q(dev))),
        "{}",
        stdout(&out)
    );
    let mut args = vec!["diff", from_url.as_str(), to_url.as_str()];
    args.extend(mapped);
    let out = pgrift(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(
        script.contains("CREATE TABLE public.u")
            && script.contains(&format!("ALTER TABLE public.u OWNER TO {prod};")),
        "{script}"
    );
    assert!(
        !script.contains("pgrift_it_dev")
            && !script.contains("public.t")
            && !script.contains("public.v"),
        "{script}"
    );
    let bad = pgrift(&["diff", &from_url, &to_url, "--map-role", "nobody"]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("FROM_ROLE=TO_ROLE"),
        "{}",
        stderr(&bad)
    );

    // The same map from the project file.
    let toml_string = |s: &str| format!("{:?}", s);
    std::fs::write(
        dir.path().join("pgrift.toml"),
        format!(
            "[roles]\nmap = {{ {} = {}, {} = {} }}\n",
            toml_string(dev),
            toml_string(prod),
            toml_string(dev_reader),
            toml_string(prod_reader)
        ),
    )
    .expect("write");
    let shown = pgrift_in(dir.path(), &["config"]).await;
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    assert!(
        stdout(&shown).contains(&format!("roles --map-role {dev_reader}={prod_reader}\n")),
        "{}",
        stdout(&shown)
    );
    let out = pgrift_in(dir.path(), &["diff", &from_url, &to_url]).await;
    assert_eq!(stdout(&out), script, "{}", stderr(&out));
    std::fs::remove_file(dir.path().join("pgrift.toml")).expect("remove");

    // A plan made through the map applies through it: FROM's table v
    // belongs to the dev role, which the plan reads as the prod one.
    let release = dir.path().join("release");
    let mut args = vec![
        "plan",
        from_url.as_str(),
        to_url.as_str(),
        "--out",
        path(&release),
    ];
    args.extend(mapped);
    let planned = pgrift(&args).await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let plan_file = std::fs::read_to_string(release.join("plan.json")).expect("plan.json");
    assert!(plan_file.contains("\"role_map\""), "{plan_file}");
    let applied = pgrift(&["apply", path(&release), "--db", &from_url, "--yes"]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let verified = pgrift(&["verify", path(&release), "--db", &from_url]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));

    drop_databases_and_roles(&cluster, &admin, &[&from, &to], &roles).await;
}

/// The owner-change risk asks FROM's live server about the new owner: a
/// superuser is high, a role that can log in medium, any other role low;
/// from a snapshot, which has no server, it stays low and says so.
#[tokio::test]
async fn an_owner_change_is_judged_by_the_role_on_the_live_server() {
    let cluster = support::shared_cluster().await;
    let admin = cluster.connect("postgres").await.expect("connect");
    let roles = [
        ("pgrift_it_owner_super", "SUPERUSER NOLOGIN"),
        ("pgrift_it_owner \"login\"", "LOGIN"),
        ("pgrift_it_owner_nologin", "NOLOGIN"),
    ];
    let q = pgrift::sql::quote_ident;
    create_roles(&admin, &roles).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE a (id integer);\nCREATE TABLE b (id integer);\nCREATE TABLE c (id integer);\n",
    )
    .expect("write");
    let from = live_database(&cluster, "cli_owner_risk_from", &schema).await;
    let to = live_database(&cluster, "cli_owner_risk_to", &schema).await;
    let (from_url, to_url) = (
        cluster.conninfo(&from).to_string(),
        cluster.conninfo(&to).to_string(),
    );
    let to_client = cluster.connect(&to).await.expect("connect");
    for ((role, _), table) in roles.iter().zip(["a", "b", "c"]) {
        to_client
            .batch_execute(&format!("ALTER TABLE {table} OWNER TO {}", q(role)))
            .await
            .expect("owner");
    }
    let out = pgrift(&["report", &from_url, &to_url, "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = report.to_string();
    for expected in [
        "is a superuser on FROM's server",
        "can log in on FROM's server",
        "is no superuser and cannot log in on FROM's server",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let mut severities: Vec<String> = Vec::new();
    collect_owner_change_severities(&report, &mut severities);
    severities.sort();
    assert_eq!(severities, ["high", "low", "medium"], "{text}");

    let snapshot = dir.path().join("from.json");
    let out = pgrift(&["snapshot", &from_url, "-o", path(&snapshot)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = pgrift(&["report", path(&snapshot), &to_url, "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut severities: Vec<String> = Vec::new();
    collect_owner_change_severities(&report, &mut severities);
    assert_eq!(severities, ["low", "low", "low"], "{report}");
    assert!(
        report
            .to_string()
            .contains("could not be checked without a live database"),
        "{report}"
    );

    drop(to_client);
    drop_databases_and_roles(&cluster, &admin, &[&from, &to], &roles).await;
}

/// Creates each role with its attributes (`LOGIN`, `SUPERUSER NOLOGIN`),
/// dropping one a failed run left behind first.
async fn create_roles(admin: &tokio_postgres::Client, roles: &[(&str, &str)]) {
    for (role, attributes) in roles {
        admin
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS {0}; CREATE ROLE {0} {attributes}",
                pgrift::sql::quote_ident(role)
            ))
            .await
            .expect("create role");
    }
}

/// Drops the databases a test made, then the roles that owned things in
/// them.
async fn drop_databases_and_roles(
    cluster: &pgrift::source::Cluster,
    admin: &tokio_postgres::Client,
    databases: &[&str],
    roles: &[(&str, &str)],
) {
    for db in databases {
        cluster
            .drop_database(db)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    }
    for (role, _) in roles {
        admin
            .batch_execute(&format!("DROP ROLE {}", pgrift::sql::quote_ident(role)))
            .await
            .expect("drop role");
    }
}

/// The severity of every risk of rule `owner-change` in a JSON report's
/// forward plan, wherever the report nests it.
fn collect_owner_change_severities(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("rule").and_then(|r| r.as_str()) == Some("owner-change")
                && let Some(severity) = map.get("severity").and_then(|s| s.as_str())
            {
                out.push(severity.to_owned());
                return;
            }
            for (key, child) in map {
                if key != "reverse_risks" {
                    collect_owner_change_severities(child, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_owner_change_severities(item, out);
            }
        }
        _ => {}
    }
}

/// The security-definer rule reads the definitions the server prints: an
/// unpinned `SECURITY DEFINER` function is high, a pinned one only
/// becomes a definer, and text in a body is not an option.
#[tokio::test]
async fn security_definer_functions_are_read_as_the_server_prints_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join("to.sql");
    std::fs::write(
        &to,
        "CREATE FUNCTION \"unpinned\"\"fn\"() RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
         CREATE FUNCTION pinned() RETURNS integer LANGUAGE sql SECURITY DEFINER \
         SET search_path = pg_catalog, pg_temp AS 'SELECT 1';\n\
         CREATE FUNCTION plain() RETURNS text LANGUAGE sql AS $$SELECT 'SECURITY DEFINER'$$;\n",
    )
    .expect("write");
    let out = pgrift(&["report", "empty", path(&to), "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut found: Vec<(String, String)> = report["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .filter(|r| r["rule"] == "security-definer")
        .map(|r| {
            (
                r["object"].as_str().unwrap_or_default().to_owned(),
                r["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("public.\"unpinned\"\"fn\"()".to_owned(), "high".to_owned()),
            ("public.pinned()".to_owned(), "medium".to_owned()),
        ],
        "{report}"
    );
}

/// A schema file's `ALTER DEFAULT PRIVILEGES` without `FOR ROLE` is the
/// loading role's in the shadow database, and so the role's that runs the
/// script: written without `FOR ROLE`, while one that names its role keeps
/// it. A grant to `PUBLIC` is a security risk in the report.
#[tokio::test]
async fn default_privileges_of_a_schema_file_are_the_script_runners() {
    let cluster = support::shared_cluster().await;
    let admin = cluster.connect("postgres").await.expect("connect");
    let roles = [("pgrift_it_defaults \"owner\"", "NOLOGIN")];
    create_roles(&admin, &roles).await;
    // The shadow database's role may act as the role it names.
    support::shadow_url().await;
    admin
        .batch_execute("GRANT \"pgrift_it_defaults \"\"owner\"\"\" TO pgrift_cli")
        .await
        .expect("grant the role");
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join("to.sql");
    std::fs::write(
        &to,
        "CREATE SCHEMA app;\n\
         ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;\n\
         ALTER DEFAULT PRIVILEGES FOR ROLE \"pgrift_it_defaults \"\"owner\"\"\" \
         GRANT UPDATE ON TABLES TO PUBLIC;\n",
    )
    .expect("write");
    let out = pgrift(&["diff", "empty", path(&to)]).await;
    let report = pgrift(&["report", "empty", path(&to), "--format", "json"]).await;
    drop_databases_and_roles(&cluster, &admin, &[], &roles).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(
        script.contains(
            "\nALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;\n"
        ),
        "{script}"
    );
    assert!(
        script.contains(
            "\nALTER DEFAULT PRIVILEGES FOR ROLE \"pgrift_it_defaults \"\"owner\"\"\" \
             GRANT UPDATE ON TABLES TO PUBLIC;\n"
        ),
        "{script}"
    );
    assert!(!script.contains("pgrift_cli"), "{script}");
    let schema = script
        .find("CREATE SCHEMA app;")
        .expect("the schema is created");
    let defaults = script.find("IN SCHEMA app").expect("its defaults are set");
    assert!(schema < defaults, "the schema comes first: {script}");
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).expect("JSON report");
    let mut wide: Vec<(String, String)> = report["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .filter(|r| r["rule"] == "wide-grant")
        .map(|r| {
            (
                r["object"].as_str().unwrap_or_default().to_owned(),
                r["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    wide.sort();
    assert_eq!(
        wide,
        [
            (
                "on tables of \"pgrift_it_defaults \"\"owner\"\"\"".to_owned(),
                "high".to_owned()
            ),
            (
                "on tables of the role that runs the script in schema app".to_owned(),
                "medium".to_owned()
            ),
        ],
        "{report}"
    );
}
