//! Names and file names written by someone else: whatever they hold, the
//! scripts and reports pgrift prints keep them inside quoted identifiers,
//! literals or one comment line. The round trip of
//! `fixtures/identifiers_hostile` applies such scripts; these tests look at
//! the text around them.

use std::path::Path;

use crate::cli::{path, pgrift, stderr, stdout};

/// A table and a column whose names hold a line break followed by SQL, and
/// an escape sequence that would clear a terminal.
const FROM: &str = "CREATE TABLE victim (id int);\nCREATE TABLE t (id int);\n";
const TO: &str = "CREATE TABLE victim (id int);\n\
    CREATE TABLE t (id int, \"x\nDROP TABLE public.victim; --\" int);\n\
    CREATE TABLE \"esc\x1b[2J\r\" (id int);\n";

/// Writes FROM and TO under file names that hold a line break too.
fn sources(dir: &Path) -> (String, String) {
    let from = dir.join("from\nDROP TABLE public.victim;.sql");
    let to = dir.join("to\r\n\\! false.sql");
    std::fs::write(&from, FROM).expect("write FROM");
    std::fs::write(&to, TO).expect("write TO");
    (path(&from).to_owned(), path(&to).to_owned())
}

/// Comments are one line each: the line after a comment is another comment,
/// a blank line or the start of a statement pgrift wrote (SET, BEGIN,
/// COMMIT or the statement the comment describes), never the rest of a name.
fn assert_comments_are_whole_lines(script: &str) {
    assert!(!script.is_empty());
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("--") {
            assert!(
                !line.contains('\r'),
                "a comment holds a carriage return: {line:?}"
            );
            if let Some(next) = lines.clone().next() {
                assert!(
                    next.is_empty()
                        || next.starts_with("--")
                        || [
                            "SET ", "BEGIN", "COMMIT", "ALTER ", "CREATE ", "DROP ", "COMMENT "
                        ]
                        .iter()
                        .any(|start| next.starts_with(start)),
                    "a comment is followed by a line pgrift did not write: {next:?}\n{script}"
                );
            }
        }
    }
}

#[tokio::test]
async fn diff_keeps_names_and_file_names_out_of_comment_line_breaks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (from, to) = sources(dir.path());
    for extra in [None, Some("--reverse")] {
        let mut args = vec!["diff", from.as_str(), to.as_str()];
        args.extend(extra);
        let out = pgrift(&args).await;
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        let script = stdout(&out);
        assert_comments_are_whole_lines(&script);
        assert!(script.starts_with("-- pgrift "), "{script}");
        assert!(
            script.contains("-- add column public.t.\"x\\nDROP TABLE public.victim; --\"")
                || script.contains("-- drop column public.t.\"x\\nDROP TABLE public.victim; --\""),
            "{script}"
        );
    }
}

#[tokio::test]
async fn plan_scripts_name_their_sides_in_the_order_they_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("before.sql");
    let to = dir.path().join("after.sql");
    std::fs::write(&from, FROM).expect("write FROM");
    std::fs::write(&to, TO).expect("write TO");
    let out_dir = dir.path().join("plan");
    let out = pgrift(&["plan", path(&from), path(&to), "--out", path(&out_dir)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let first_line = |file: &str| {
        std::fs::read_to_string(out_dir.join(file))
            .expect("script written")
            .lines()
            .next()
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let (from, to) = (path(&from), path(&to));
    assert_eq!(
        first_line("forward.sql"),
        format!("-- pgrift forward script: FROM -> TO ({from} -> {to})")
    );
    assert_eq!(
        first_line("reverse.sql"),
        format!("-- pgrift reverse script: TO -> FROM ({to} -> {from})")
    );
    let diffed = pgrift(&["diff", from, to, "--reverse"]).await;
    assert_eq!(
        stdout(&diffed)
            .lines()
            .next()
            .map(str::to_owned)
            .unwrap_or_default(),
        first_line("reverse.sql")
    );
}

#[tokio::test]
async fn plan_and_report_keep_control_characters_off_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (from, to) = sources(dir.path());
    let out_dir = dir.path().join("plan");
    let out = pgrift(&["plan", &from, &to, "--out", path(&out_dir)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    for file in ["forward.sql", "reverse.sql"] {
        let script = std::fs::read_to_string(out_dir.join(file)).expect("script written");
        assert_comments_are_whole_lines(&script);
    }
    let report = pgrift(&["report", &from, &to]).await;
    assert_eq!(report.status.code(), Some(0), "stderr: {}", stderr(&report));
    let text = stdout(&report);
    assert!(text.contains("esc\\u{1b}[2J\\r"), "{text}");
    assert!(!text.contains(['\x1b', '\r']), "{text:?}");
    assert!(!stderr(&report).contains(['\x1b', '\r']));
}

/// A policy whose name, role and expression hold line breaks and SQL:
/// every name stays quoted in the script and out of the risk comments'
/// line breaks. The role is a cluster's, so the test creates it (a shadow
/// given by URL makes no stand-ins).
#[tokio::test]
async fn policies_keep_hostile_names_and_roles_quoted() {
    const ROLE: &str = "r\nDROP TABLE public.victim; --*/";
    let admin = crate::support::shared_cluster()
        .await
        .connect("postgres")
        .await
        .expect("connect as the cluster's superuser");
    let created = admin
        .batch_execute(&format!(
            "CREATE ROLE {} NOLOGIN",
            pgrift::sql::quote_ident(ROLE)
        ))
        .await;
    if let Err(e) = created {
        assert_eq!(
            e.code(),
            Some(&tokio_postgres::error::SqlState::DUPLICATE_OBJECT),
            "{e}"
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let from = dir.path().join("from.sql");
    let to = dir.path().join("to.sql");
    let table = "CREATE TABLE victim (id int);\nCREATE TABLE t (id int, note text);\n\
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n";
    std::fs::write(
        &from,
        format!("{table}CREATE POLICY \"p\nDROP TABLE public.victim; --\" ON t USING (true);\n"),
    )
    .expect("write FROM");
    std::fs::write(
        &to,
        format!(
            "{table}CREATE POLICY \"p\nDROP TABLE public.victim; --\" ON t \
             TO \"r\nDROP TABLE public.victim; --*/\" USING (note <> E'*/\\n--');\n"
        ),
    )
    .expect("write TO");
    let out = pgrift(&["diff", path(&from), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let script = stdout(&out);
    assert_comments_are_whole_lines(&script);
    assert!(
        script.contains(
            "ALTER POLICY \"p\nDROP TABLE public.victim; --\" ON public.t \
             TO \"r\nDROP TABLE public.victim; --*/\" USING ((note <> '*/\n--'::text));"
        ),
        "{script}"
    );
    assert!(
        script.contains(
            "--   risk medium security: Changing the roles and USING of policy \
             \"p\\nDROP TABLE public.victim; --\" on public.t"
        ),
        "{script}"
    );
}
