//! Declared renames (`--rename`): the scripts rename objects instead of
//! dropping and creating them, and a rehearsal on a seeded copy of FROM
//! proves both scripts: after the forward one pgrift finds no difference
//! to TO, after the reverse one none to FROM, and every seeded row is
//! still there, in the renamed tables too.

use std::path::{Path, PathBuf};

use crate::cli::{path, pgrift, stderr, stdout};

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

/// Rehearses FROM → TO with `renames` on FROM seeded, and returns the
/// forward script.
async fn rehearse(files: &[PathBuf; 3], renames: &[&str], tables: usize) -> String {
    let [from, to, seed] = files;
    let mut args = vec!["rehearse", path(from), path(to), "--seed", path(seed)];
    args.extend(rename_args(renames));
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
    let out = pgrift(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
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
