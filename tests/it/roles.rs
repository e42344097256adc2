//! `--roles` end to end, as a user runs it: the roles a live database's
//! objects use, compared with snapshots taken with `--roles` at two states
//! of the cluster, are brought back and forth by the scripts pgrift
//! writes, through `diff` and psql and through `plan`, `apply` and
//! `verify`; the table's rows stay. Role names are hostile (a newline, a
//! quote, `*/`, `--`, non-ASCII, 63 bytes). Roles are the cluster's: no
//! other test uses these names, and the test drops them at the end. Both
//! scripts are kept under `snapshots/` (`roles__forward`, `roles__reverse`)
//! without their first line, which names the temporary files.

use crate::cli::{live_database, path, pgrift, stderr, stdout};
use crate::support;

/// The role names of the test, which no other test uses.
struct Names {
    owner: String,
    reader: String,
    login: String,
    gone: String,
    writer: String,
}

impl Names {
    fn new() -> Names {
        let writer = "pgrift_it_writer_";
        // 63 bytes, the longest name PostgreSQL keeps.
        let writer = format!("{writer}{}", "w".repeat(63 - writer.len()));
        Names {
            owner: "pgrift_it_owner".to_owned(),
            reader: "pgrift_it_reader".to_owned(),
            login: "pgrift_it_login".to_owned(),
            gone: "pgrift_it gone \"o'k\"\n*/ --ö".to_owned(),
            writer,
        }
    }

    fn all(&self) -> [&str; 5] {
        [
            &self.login,
            &self.writer,
            &self.reader,
            &self.gone,
            &self.owner,
        ]
    }
}

/// Keeps `script` under `snapshots/` without its first line.
fn snapshot(name: &str, script: &str) {
    let body = script.split_once('\n').map_or("", |(_, rest)| rest);
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.bind(|| insta::assert_snapshot!(name, body));
}

fn q(name: &str) -> String {
    pgrift::sql::quote_ident(name)
}

#[tokio::test]
async fn roles_are_compared_created_altered_and_dropped_both_ways() {
    let cluster = support::shared_cluster().await;
    let admin = cluster.connect("postgres").await.expect("connect");
    let names = Names::new();
    for name in names.all() {
        admin
            .batch_execute(&format!("DROP ROLE IF EXISTS {}", q(name)))
            .await
            .expect("drop a role a failed run left");
    }
    let (owner, reader, login, gone, writer) = (
        q(&names.owner),
        q(&names.reader),
        q(&names.login),
        q(&names.gone),
        q(&names.writer),
    );
    admin
        .batch_execute(&format!(
            "CREATE ROLE {owner} NOLOGIN; CREATE ROLE {reader} NOLOGIN; \
             CREATE ROLE {gone} NOLOGIN; \
             CREATE ROLE {login} LOGIN CONNECTION LIMIT 10 IN ROLE {reader}; \
             ALTER ROLE {login} SET search_path = app, \"My \"\"S\"\"\", public; \
             ALTER ROLE {login} SET statement_timeout = '5s'; \
             COMMENT ON ROLE {reader} IS 'reads */ -- everything'"
        ))
        .await
        .expect("create roles");
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE t (id integer);\nINSERT INTO t VALUES (1), (2);\n",
    )
    .expect("write");
    let db = live_database(&cluster, "roles", &schema).await;
    let url = cluster.conninfo(&db).to_string();
    let client = cluster.connect(&db).await.expect("connect");
    client
        .batch_execute(&format!(
            "ALTER TABLE t OWNER TO {owner}; GRANT SELECT ON t TO {reader}, {gone}"
        ))
        .await
        .expect("FROM's grants");
    let (from_json, to_json) = (dir.path().join("from.json"), dir.path().join("to.json"));
    let out = pgrift(&["snapshot", &url, "--roles", "-o", path(&from_json)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    admin
        .batch_execute(&format!(
            "CREATE ROLE {writer} NOLOGIN VALID UNTIL '2031-05-01 12:00:00+02'; \
             GRANT {reader} TO {writer} WITH ADMIN OPTION; GRANT {writer} TO {login}; \
             ALTER ROLE {login} CONNECTION LIMIT 20 CREATEDB; \
             ALTER ROLE {login} RESET statement_timeout; \
             ALTER ROLE {login} SET work_mem = '64MB'; \
             COMMENT ON ROLE {reader} IS 'reads'"
        ))
        .await
        .expect("TO's roles");
    client
        .batch_execute(&format!(
            "REVOKE ALL ON t FROM {gone}; GRANT INSERT ON t TO {writer}"
        ))
        .await
        .expect("TO's grants");
    admin
        .batch_execute(&format!("DROP ROLE {gone}"))
        .await
        .expect("drop role");
    let out = pgrift(&["snapshot", &url, "--roles", "-o", path(&to_json)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Back to FROM with the script `diff` writes, run by psql.
    let out = pgrift(&["diff", &url, path(&from_json), "--roles", "--no-probe"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reverse = stdout(&out);
    for expected in [
        format!("ALTER ROLE {login} WITH NOCREATEDB CONNECTION LIMIT 10;"),
        format!("ALTER ROLE {login} SET statement_timeout TO '5s';"),
        format!("CREATE ROLE {gone};"),
        format!("DROP ROLE {writer};"),
    ] {
        assert!(reverse.contains(&expected), "{expected}\n\n{reverse}");
    }
    snapshot("roles__reverse", &reverse);
    let script = dir.path().join("reverse.sql");
    std::fs::write(&script, &reverse).expect("write");
    support::psql_file(&db, &script).await;
    let out = pgrift(&["diff", &url, path(&from_json), "--roles", "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "FROM again: {}{}",
        stdout(&out),
        stderr(&out)
    );

    // Forward to TO through a plan, applied behind the drift guard.
    let plan_dir = dir.path().join("plan");
    let out = pgrift(&[
        "plan",
        &url,
        path(&to_json),
        "--roles",
        "--no-probe",
        "-o",
        path(&plan_dir),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let forward = std::fs::read_to_string(plan_dir.join("forward.sql")).expect("forward.sql");
    snapshot("roles__forward", &forward);
    let create = forward
        .find(&format!("CREATE ROLE {writer}"))
        .expect("the writer is created");
    let grant = forward
        .find(&format!("GRANT INSERT ON TABLE public.t TO {writer}"))
        .expect("and granted INSERT");
    let dropped = forward
        .find(&format!("DROP ROLE {gone}"))
        .expect("the role TO lacks is dropped");
    let revoke = forward
        .find(&format!("REVOKE SELECT ON TABLE public.t FROM {gone}"))
        .expect("once its privileges are revoked");
    assert!(create < grant && revoke < dropped, "{forward}");
    assert!(!forward.to_lowercase().contains("password"), "{forward}");
    let report = std::fs::read_to_string(plan_dir.join("plan.json")).expect("plan.json");
    assert!(report.contains("role-change"), "{report}");
    for command in ["apply", "verify"] {
        let out = pgrift(&[command, path(&plan_dir), "--db", &url]).await;
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
    }
    let out = pgrift(&["diff", &url, path(&to_json), "--roles", "--exit-code"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "TO: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let rows: i64 = client
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(rows, 2, "the rows stay");

    // A schema file's roles are stand-ins: --roles refuses it.
    let out = pgrift(&["diff", path(&schema), path(&to_json), "--roles"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("its roles are not known, so --roles cannot compare them"),
        "{}",
        stderr(&out)
    );

    drop(client);
    cluster
        .drop_database(&db)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    for name in names.all() {
        admin
            .batch_execute(&format!("DROP ROLE IF EXISTS {}", q(name)))
            .await
            .expect("drop role");
    }
}
