//! Declared renames (`--rename`): the scripts rename objects instead of
//! dropping and creating them, and a rehearsal on a seeded copy of FROM
//! proves both scripts: after the forward one pgrift finds no difference
//! to TO, after the reverse one none to FROM, and every seeded row is
//! still there, in the renamed tables too.

use std::path::{Path, PathBuf};

use crate::cli::{path, pgrift, pgrift_in, stderr, stdout};
use crate::support;

/// The three files of a case, written to `dir`.
fn case(dir: &Path, from: &str, to: &str, seed: &str) -> [PathBuf; 3] {
    ["from.sql", "to.sql", "seed.sql"].map(|name| {
        let file = dir.join(name);
        let text = match name {
            "from.sql" => from,
            "to.sql" => to,
            _ => seed,
        };
        std::fs::write(&file, text).expect("write sql");
        file
    })
}

/// `--rename` for each of `renames`.
fn rename_args<'a>(renames: &[&'a str]) -> Vec<&'a str> {
    renames.iter().flat_map(|r| ["--rename", *r]).collect()
}

/// Rehearses FROM → TO with `renames` (and `options`) on FROM seeded, and
/// returns the forward script and what `diff` said on stderr.
async fn rehearse_with(
    files: &[PathBuf; 3],
    renames: &[&str],
    tables: usize,
    options: &[&str],
) -> (String, String) {
    let [from, to, seed] = files;
    let mut args = vec!["rehearse", path(from), path(to), "--seed", path(seed)];
    args.extend(rename_args(renames));
    args.extend(options);
    let out = pgrift(&args).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let report = stdout(&out);
    assert!(
        report.contains(&format!("rows in {tables} tables seeded and checked")),
        "{report}"
    );
    let mut args = vec!["diff", path(from), path(to)];
    args.extend(rename_args(renames));
    args.extend(options);
    let out = pgrift(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// [`rehearse_with`] the default options, for the forward script.
async fn rehearse(files: &[PathBuf; 3], renames: &[&str], tables: usize) -> String {
    rehearse_with(files, renames, tables, &[]).await.0
}

const FROM: &str = r#"
create schema app;
create type app.mood as enum ('ok', 'bad');
create table app.users (
    id integer primary key,
    fullname text not null constraint users_fullname_check check (fullname <> ''),
    mood app.mood default 'ok'
);
comment on column app.users.fullname is 'what the user is called';
create index users_fullname_idx on app.users (fullname);
create table app.orders (
    id integer constraint orders_pkey primary key,
    user_id integer not null constraint orders_user_fk references app.users (id),
    total numeric
);
create view app.order_totals as
    select user_id, sum(total) as total from app.orders group by user_id;
create function app.double_it(x integer) returns integer
    language sql immutable as $$ select x * 2 $$;
"#;

const TO: &str = r#"
create schema billing;
create type billing.feeling as enum ('ok', 'bad');
create table billing.users (
    id integer primary key,
    name text not null constraint users_name_check check (name <> ''),
    mood billing.feeling default 'ok'
);
comment on column billing.users.name is 'what the user is called';
create index users_name_idx on billing.users (name);
create table billing.purchases (
    id integer constraint purchases_pkey primary key,
    user_id integer not null constraint orders_user_fk references billing.users (id),
    total numeric
);
create view billing.purchase_totals as
    select user_id, sum(total) as total from billing.purchases group by user_id;
create function billing.twice(x integer) returns integer
    language sql immutable as $$ select x * 2 $$;
"#;

const SEED: &str = r#"
insert into app.users values (1, 'Ada', 'ok'), (2, 'Grace', 'bad');
insert into app.orders values (10, 1, 5), (11, 1, 7), (12, 2, 1);
"#;

/// Every kind a rename covers, renamed in one script.
const RENAMES: &[&str] = &[
    "app=billing",
    "app.mood=feeling",
    "app.orders=purchases",
    "app.order_totals=purchase_totals",
    "app.users_fullname_idx=users_name_idx",
    "app.double_it=twice",
    "app.users.fullname=name",
    "app.users.users_fullname_check=users_name_check",
    "app.orders.orders_pkey=purchases_pkey",
];

#[tokio::test]
async fn declared_renames_keep_every_row_both_ways() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = case(dir.path(), FROM, TO, SEED);
    let script = rehearse(&files, RENAMES, 2).await;
    for expected in [
        "ALTER SCHEMA app RENAME TO billing;",
        "ALTER TYPE billing.mood RENAME TO feeling;",
        "ALTER TABLE billing.orders RENAME TO purchases;",
        "ALTER VIEW billing.order_totals RENAME TO purchase_totals;",
        "ALTER INDEX billing.users_fullname_idx RENAME TO users_name_idx;",
        "ALTER FUNCTION billing.double_it(x integer) RENAME TO twice;",
        "ALTER TABLE billing.users RENAME COLUMN fullname TO name;",
        "ALTER TABLE billing.users RENAME CONSTRAINT users_fullname_check TO users_name_check;",
        "ALTER TABLE billing.purchases RENAME CONSTRAINT orders_pkey TO purchases_pkey;",
    ] {
        assert!(script.contains(expected), "{expected}\n{script}");
    }
    for unexpected in [
        "DROP TABLE",
        "DROP COLUMN",
        "DROP SCHEMA",
        "DROP TYPE",
        "DROP INDEX",
    ] {
        assert!(!script.contains(unexpected), "{unexpected}\n{script}");
    }
    assert!(
        script.contains(
            "--   risk medium breaks-clients: Renaming table billing.orders to purchases"
        ),
        "{script}"
    );
}

#[tokio::test]
async fn hostile_names_are_renamed_both_ways() {
    let q = |name: &str| pgrift::sql::quote_ident(name);
    let schema = "s\n*/ --é";
    let new_schema = "é\n--new */";
    let table = "t;--\n*/\"q\"";
    // 63 bytes, the longest name PostgreSQL keeps.
    let new_table = format!("T{}", "ü".repeat(31));
    assert_eq!(new_table.len(), 63);
    let column = "full\nname \"q\"";
    let new_column = "näme\n*/";
    let ty = "mood \"x\"";
    let new_ty = "feeling;--";
    let check = "ck */";
    let new_check = "ck\n-- new";
    let index = "ix\n";
    let new_index = "ix2 */--";
    let make = |schema: &str, table: &str, column: &str, ty: &str, check: &str, index: &str| {
        let t = format!("{}.{}", q(schema), q(table));
        format!(
            "create schema {s};\n\
             create type {s}.{ty} as enum ('a', 'b');\n\
             create table {t} (id integer primary key, {c} text not null constraint {ck} \
             check ({c} <> ''), m {s}.{ty} default 'a');\n\
             comment on column {t}.{c} is 'kept';\n\
             create index {ix} on {t} ({c});\n\
             create table {s}.child (id integer, t_id integer constraint child_fk references {t} (id));\n",
            s = q(schema),
            ty = q(ty),
            c = q(column),
            ck = q(check),
            ix = q(index),
        )
    };
    let from = make(schema, table, column, ty, check, index);
    let to = make(
        new_schema, &new_table, new_column, new_ty, new_check, new_index,
    );
    let seed = format!(
        "insert into {s}.{t} values (1, 'a', 'a'), (2, 'b', 'b'), (3, 'c', 'a');\n\
         insert into {s}.child values (1, 1), (2, 3);\n",
        s = q(schema),
        t = q(table)
    );
    let rename = |path: &[&str], to: &str| {
        pgrift::catalog::Rename {
            path: path.iter().map(|p| (*p).to_owned()).collect(),
            to: to.to_owned(),
        }
        .to_string()
    };
    let renames = [
        rename(&[schema], new_schema),
        rename(&[schema, table], &new_table),
        rename(&[schema, ty], new_ty),
        rename(&[schema, index], new_index),
        rename(&[schema, table, column], new_column),
        rename(&[schema, table, check], new_check),
    ];
    let renames: Vec<&str> = renames.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let files = case(dir.path(), &from, &to, &seed);
    let script = rehearse(&files, &renames, 2).await;
    let renamed_table = format!("{}.{}", q(new_schema), q(table));
    for expected in [
        format!("ALTER SCHEMA {} RENAME TO {};", q(schema), q(new_schema)),
        format!("ALTER TABLE {renamed_table} RENAME TO {};", q(&new_table)),
        format!(
            "ALTER TABLE {}.{} RENAME COLUMN {} TO {};",
            q(new_schema),
            q(&new_table),
            q(column),
            q(new_column)
        ),
    ] {
        assert!(script.contains(&expected), "{expected}\n{script}");
    }
    for unexpected in [
        "DROP TABLE",
        "DROP COLUMN",
        "DROP SCHEMA",
        "DROP TYPE",
        "DROP INDEX",
    ] {
        assert!(!script.contains(unexpected), "{unexpected}\n{script}");
    }
}

/// The project file's renames reach `plan`, whose plan file records them;
/// `apply`, `verify` and `rollback` then run the plan on a live, seeded
/// FROM, and every row follows its table there and back.
#[tokio::test]
async fn a_project_files_renames_are_planned_applied_and_rolled_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let [from, to, seed] = case(dir.path(), FROM, TO, SEED);
    let renames: Vec<String> = RENAMES.iter().map(|r| format!("{r:?}")).collect();
    std::fs::write(
        dir.path().join("pgrift.toml"),
        format!("renames = [{}]\n", renames.join(", ")),
    )
    .expect("write the project file");
    let shown = pgrift_in(dir.path(), &["config"]).await;
    assert!(
        stdout(&shown).contains("script --rename app.users.fullname=name\n"),
        "{}",
        stdout(&shown)
    );

    let cluster = support::shared_cluster().await;
    let db = support::unique_name("renames");
    cluster.create_database(&db).await.expect("create database");
    support::psql_file(&db, &from).await;
    support::psql_file(&db, &seed).await;
    let url = cluster.conninfo(&db).to_string();
    let release = dir.path().join("release");
    let planned = pgrift_in(
        dir.path(),
        &["plan", &url, path(&to), "--out", path(&release)],
    )
    .await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(release.join("plan.json")).expect("plan.json"),
    )
    .expect("plan.json is JSON");
    assert_eq!(
        plan["renames"].as_array().map(Vec::len),
        Some(RENAMES.len())
    );
    assert!(
        stderr(&planned)
            .contains("the risks are not measured on FROM's data when renames are declared"),
        "{}",
        stderr(&planned)
    );

    let count = |table: &'static str| {
        let (cluster, db) = (cluster.clone(), db.clone());
        async move {
            let client = cluster.connect(&db).await.expect("connect");
            let sql = format!("SELECT count(*) FROM {table}");
            client
                .query_one(&sql, &[])
                .await
                .expect("count")
                .get::<_, i64>(0)
        }
    };
    let applied = pgrift_in(dir.path(), &["apply", path(&release), "--db", &url]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let verified = pgrift_in(dir.path(), &["verify", path(&release), "--db", &url]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
    assert_eq!(count("billing.purchases").await, 3);
    assert_eq!(count("billing.users WHERE name = 'Ada'").await, 1);

    let rolled_back = pgrift_in(dir.path(), &["rollback", &url]).await;
    assert_eq!(
        rolled_back.status.code(),
        Some(0),
        "{}",
        stderr(&rolled_back)
    );
    assert_eq!(count("app.orders").await, 3);
    assert_eq!(count("app.users WHERE fullname = 'Grace'").await, 1);
    // Outside the project, whose renames would not fit FROM against itself.
    let diff = pgrift(&["diff", &url, path(&from), "--exit-code"]).await;
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    let _ = cluster.drop_database(&db).await;
}

/// A rename that does not fit the two schemas stops before any script,
/// naming the rename and saying what to do; one that looks like a rename
/// and is not declared is only a note.
#[tokio::test]
async fn a_rename_that_does_not_fit_is_an_error_and_an_undeclared_one_a_note() {
    let dir = tempfile::tempdir().expect("temp dir");
    let [from, to, _] = case(dir.path(), FROM, TO, SEED);
    for (rename, message) in [
        (
            "app.nothing=purchases",
            "rename app.nothing=purchases: FROM has no table, view, index, sequence, type or function app.nothing",
        ),
        (
            "app.orders=users",
            "rename app.orders=users: FROM already has a table app.users",
        ),
        (
            "app.orders=gone",
            "rename app.orders=gone: TO has no table app.gone to rename it to",
        ),
        (
            "app.users.nothing=x",
            "rename app.users.nothing=x: FROM has no column or constraint app.users.nothing",
        ),
        ("app.\"users", "a double quote is not closed"),
    ] {
        let out = pgrift(&["diff", path(&from), path(&to), "--rename", rename]).await;
        assert_eq!(out.status.code(), Some(2), "{rename}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{rename}: {}", stderr(&out));
        if !rename.contains('"') {
            assert!(
                stderr(&out).contains("hint: "),
                "{rename}: {}",
                stderr(&out)
            );
        }
        assert_eq!(stdout(&out), "", "{rename}: no script");
    }

    let to_orders = TO.replace("billing.purchases", "billing.orders_v2");
    let to_orders = to_orders
        .replace("schema billing", "schema app")
        .replace("billing.", "app.");
    let to = dir.path().join("to_orders.sql");
    std::fs::write(&to, to_orders).expect("write");
    let out = pgrift(&["diff", path(&from), path(&to)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: table app.orders dropped and table app.orders_v2 added have the same \
             columns: if it is a rename, declare --rename app.orders=orders_v2"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("declare --rename app.users.fullname=name"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("DROP TABLE app.orders;"),
        "{}",
        stdout(&out)
    );
    let report = pgrift(&["report", path(&from), path(&to), "--format", "json"]).await;
    assert!(
        stdout(&report).contains("declare --rename app.orders=orders_v2"),
        "{}",
        stdout(&report)
    );
}

/// A renamed enum type that gains a label (which must commit before the
/// default that uses it), a view over a renamed column (replaced, as
/// PostgreSQL prints it anew), a sequence owned by a renamed table's
/// column, and the same plan `--online`.
#[tokio::test]
async fn renames_go_with_new_labels_replaced_views_owned_sequences_and_online_plans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = case(
        dir.path(),
        "create type mood as enum ('ok', 'bad');\n\
         create table users (id integer primary key, fullname text not null, mood mood default 'ok', email text);\n\
         create view names as select id, fullname from users;\n\
         create sequence extra_seq owned by users.email;\n",
        "create type feeling as enum ('ok', 'bad', 'meh');\n\
         create table people (id integer primary key, name text not null, mood feeling default 'meh', email text);\n\
         create index people_email on people (email);\n\
         create view names as select id, name from people;\n\
         create sequence extra_seq owned by people.email;\n",
        "insert into users values (1, 'Ada', 'ok', 'a@x'), (2, 'Bo', 'bad', null);\n",
    );
    let renames = [
        "public.mood=feeling",
        "public.users=people",
        "public.users.fullname=name",
    ];
    let script = rehearse(&files, &renames, 1).await;
    let labels = script.find("ADD VALUE 'meh'").expect("a new label");
    let first_commit = script.find("COMMIT;").expect("a commit");
    assert!(
        script.find("ALTER TYPE public.mood RENAME TO feeling;") < Some(labels)
            && labels < first_commit,
        "{script}"
    );
    assert!(script.contains("DROP VIEW public.names;"), "{script}");
    assert!(!script.contains("DROP TABLE"), "{script}");
    let (_, said) = rehearse_with(&files, &renames, 1, &["--online"]).await;
    assert!(
        said.contains("declare --rename public.users.users_pkey=people_pkey"),
        "{said}"
    );
}
