//! Parked drops (`--park-drops`) on a real server: a seeded FROM is
//! planned to a TO that drops tables and columns with hostile names, the
//! forward script parks them (the database then compares equal to TO), and
//! the reverse script brings every row back (the database compares equal
//! to FROM, and every table holds what it held).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::cli::{path, pgrift, stderr, stdout};
use crate::support;
use pgrift::catalog::QualName;
use pgrift::catalog::parked::{self, Day};
use pgrift::sql::quote_ident;

/// 2026-12-06 13:30 UTC: the day every parked name here carries.
const EPOCH: &str = "1796563800";

fn day() -> Day {
    Day::from_civil(2026, 12, 6).expect("a date")
}

/// A table name with a newline, quotes, a comment's end, a line comment
/// and non-ASCII letters.
const HOSTILE_TABLE: &str = "hostile\n\"q\" */ -- é";
/// A column name of the same kind.
const HOSTILE_COLUMN: &str = "col\n\"q\" */ -- ü";

/// A name of exactly 63 bytes.
fn long_name(start: &str) -> String {
    let mut name = start.to_owned();
    while name.len() + 2 <= 63 {
        name.push('é');
    }
    while name.len() < 63 {
        name.push('x');
    }
    name
}

fn q(name: &str) -> String {
    quote_ident(name)
}

/// FROM, TO and the seed, as SQL.
fn schemas() -> (String, String, String) {
    let hostile = format!("public.{}", q(HOSTILE_TABLE));
    let long_table = format!("app.{}", q(&long_name("t_")));
    let long_column = q(&long_name("c_"));
    let hostile_column = q(HOSTILE_COLUMN);
    let from = format!(
        "create schema app;
create table {hostile} (id integer primary key, note text not null);
create index on {hostile} (note);
create table {long_table} (id serial primary key, body text);
create table public.users (
    id integer primary key,
    email text not null,
    {hostile_column} integer not null default 7,
    {long_column} text,
    keep text
);
create index users_email_idx on public.users (email);
create table public.items (
    id integer primary key,
    hostile_id integer constraint items_hostile_fk references {hostile} (id)
);
create view public.notes as select id, note from {hostile};
"
    );
    let to = "create schema app;
create table public.users (id integer primary key, keep text);
create table public.items (id integer primary key, hostile_id integer);
"
    .to_owned();
    let seed = format!(
        "insert into {hostile} values (1, 'one'), (2, 'two');
insert into {long_table} (body) values ('a'), ('b'), ('c');
insert into public.users values (1, 'a@x', 1, 'l1', 'k1'), (2, 'b@x', 2, null, 'k2');
insert into public.items values (10, 1), (11, 2), (12, null);
"
    );
    (from, to, seed)
}

/// Every table of FROM, as SQL names.
fn from_tables() -> Vec<String> {
    vec![
        format!("public.{}", q(HOSTILE_TABLE)),
        format!("app.{}", q(&long_name("t_"))),
        "public.users".to_owned(),
        "public.items".to_owned(),
    ]
}

fn write(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, sql).expect("write sql");
    file
}

/// Runs `pgrift` with `SOURCE_DATE_EPOCH` set.
async fn pgrift_dated(args: &[&str]) -> Output {
    let shadow = support::shadow_url().await;
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .env("PGRIFT_SHADOW_URL", shadow)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .await
        .expect("pgrift runs")
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(out),
        stderr(out)
    );
}

/// Each table's rows, as one text per table.
async fn contents(client: &tokio_postgres::Client, tables: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for table in tables {
        let sql = format!(
            "SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') FROM {table} t"
        );
        out.push(client.query_one(&sql, &[]).await.expect(&sql).get(0));
    }
    out
}

#[tokio::test]
async fn parked_drops_keep_the_rows_and_the_reverse_brings_them_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (from_sql, to_sql, seed_sql) = schemas();
    let from = write(dir.path(), "from.sql", &from_sql);
    let to = write(dir.path(), "to.sql", &to_sql);
    let seed = write(dir.path(), "seed.sql", &seed_sql);
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("park");
    cluster.create_database(&db).await.expect("create database");
    support::psql_file(&db, &from).await;
    support::psql_file(&db, &seed).await;
    let url = cluster.conninfo(&db).to_string();
    let client = cluster.connect(&db).await.expect("connect");
    let before = contents(&client, &from_tables()).await;

    let release = dir.path().join("release");
    ok(&pgrift_dated(&[
        "plan",
        &url,
        path(&to),
        "--park-drops",
        "--out",
        path(&release),
    ])
    .await);
    let forward = std::fs::read_to_string(release.join("forward.sql")).expect("forward.sql");
    assert!(!forward.contains("DROP TABLE"), "{forward}");
    assert!(!forward.contains("DROP COLUMN"), "{forward}");
    assert!(
        forward.contains("CREATE SCHEMA IF NOT EXISTS pgrift_parked"),
        "{forward}"
    );
    assert!(forward.contains("DROP VIEW public.notes"), "{forward}");
    assert!(
        forward.contains("DROP CONSTRAINT items_hostile_fk"),
        "{forward}"
    );
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(release.join("plan.json")).expect("plan.json"))
            .expect("json");
    let recorded = plan["parked"].as_array().expect("parked is recorded");
    assert_eq!(recorded.len(), 5, "{recorded:?}");
    assert!(recorded.iter().all(|p| p["day"] == day().0), "{recorded:?}");
    let report = std::fs::read_to_string(release.join("report.json")).expect("report.json");
    assert!(report.contains("parked-drop"), "{report}");
    assert!(!report.contains("\"drop-table\""), "{report}");
    assert!(!report.contains("\"drop-column\""), "{report}");

    // The same plan again, on the same day, is the same script.
    let again = dir.path().join("again");
    ok(&pgrift_dated(&[
        "plan",
        &url,
        path(&to),
        "--park-drops",
        "--out",
        path(&again),
    ])
    .await);
    assert_eq!(
        std::fs::read_to_string(again.join("forward.sql")).expect("forward.sql"),
        forward
    );

    ok(&pgrift(&["apply", path(&release), "--db", &url]).await);
    ok(&pgrift(&["verify", path(&release), "--db", &url]).await);
    let diff = pgrift(&["diff", &url, path(&to), "--exit-code"]).await;
    ok(&diff);
    assert!(
        stderr(&diff).contains("5 parked objects are left out of the diff"),
        "{}",
        stderr(&diff)
    );

    // The parked table holds its rows, and the parked columns their values.
    let hostile = QualName::new("public", HOSTILE_TABLE);
    let parked_table = format!(
        "{}.{}",
        parked::SCHEMA,
        q(&parked::table_name(&hostile, day()))
    );
    let rows: i64 = client
        .query_one(&format!("SELECT count(*) FROM {parked_table}"), &[])
        .await
        .expect("the parked table")
        .get(0);
    assert_eq!(rows, 2);
    let parked_column = q(&parked::column_name(HOSTILE_COLUMN, day()));
    let sum: i64 = client
        .query_one(
            &format!("SELECT sum({parked_column})::bigint FROM public.users"),
            &[],
        )
        .await
        .expect("the parked column")
        .get(0);
    assert_eq!(sum, 3);
    // Inserts that leave the parked columns out keep working.
    client
        .batch_execute(
            "INSERT INTO public.users (id, keep) VALUES (3, 'k3');
             DELETE FROM public.users WHERE id = 3;",
        )
        .await
        .expect("an insert without the parked columns");

    ok(&pgrift(&["rollback", &url]).await);
    ok(&pgrift(&["diff", &url, path(&from), "--exit-code"]).await);
    assert_eq!(contents(&client, &from_tables()).await, before);

    // The same both ways on a seeded copy: every table of FROM, the parked
    // ones too, has its rows after both scripts.
    let rehearsed = pgrift_dated(&[
        "rehearse",
        path(&from),
        path(&to),
        "--seed",
        path(&seed),
        "--park-drops",
    ])
    .await;
    ok(&rehearsed);
    assert!(
        stdout(&rehearsed).contains("rows in 4 tables seeded and checked"),
        "{}",
        stdout(&rehearsed)
    );
}

/// Plans FROM (the database) to `to` with parked drops on the day of
/// `epoch`, and applies it.
async fn park_on(url: &str, to: &Path, out: &Path, epoch: &str) {
    let shadow = support::shadow_url().await;
    let planned = tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(["plan", url, path(to), "--park-drops", "--out", path(out)])
        .env("PGRIFT_SHADOW_URL", shadow)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .await
        .expect("pgrift runs");
    ok(&planned);
    ok(&pgrift(&["apply", path(out), "--db", url]).await);
}

async fn exists(client: &tokio_postgres::Client, sql: &str) -> bool {
    client.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test]
async fn purge_drops_what_was_parked_long_enough_ago_and_keeps_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = format!("public.{}", q(HOSTILE_TABLE));
    let hostile_column = q(HOSTILE_COLUMN);
    let from = write(
        dir.path(),
        "from.sql",
        &format!(
            "create table {hostile} (id integer primary key);
create table public.recent (id integer primary key);
create table public.users (id integer primary key, {hostile_column} text not null, b text);
insert into {hostile} values (1);
insert into public.recent values (1);
insert into public.users values (1, 'a', 'b');
"
        ),
    );
    let first = write(
        dir.path(),
        "first.sql",
        "create table public.recent (id integer primary key);
create table public.users (id integer primary key, b text);
",
    );
    let second = write(
        dir.path(),
        "second.sql",
        "create table public.users (id integer primary key);\n",
    );
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("purge");
    cluster.create_database(&db).await.expect("create database");
    support::psql_file(&db, &from).await;
    let url = cluster.conninfo(&db).to_string();
    let client = cluster.connect(&db).await.expect("connect");
    // 2026-11-01 and 2026-12-06, 13:30 UTC.
    park_on(&url, &first, &dir.path().join("first"), "1793539800").await;
    park_on(&url, &second, &dir.path().join("second"), EPOCH).await;

    let old = Day::from_civil(2026, 11, 1).expect("a date");
    let old_table = format!(
        "{}.{}",
        parked::SCHEMA,
        q(&parked::table_name(
            &QualName::new("public", HOSTILE_TABLE),
            old
        ))
    );
    let old_column = parked::column_name(HOSTILE_COLUMN, old);
    let recent_table = format!(
        "{}.{}",
        parked::SCHEMA,
        q(&parked::table_name(
            &QualName::new("public", "recent"),
            day()
        ))
    );
    let recent_column = parked::column_name("b", day());
    let table_there = |table: &str| {
        format!(
            "SELECT to_regclass({}) IS NOT NULL",
            pgrift::sql::quote_literal(table)
        )
    };
    let column_there = |column: &str| {
        format!(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'public.users'::regclass \
             AND attname = {} AND NOT attisdropped)",
            pgrift::sql::quote_literal(column)
        )
    };
    let everything_there = async || {
        exists(&client, &table_there(&old_table)).await
            && exists(&client, &table_there(&recent_table)).await
            && exists(&client, &column_there(&old_column)).await
            && exists(&client, &column_there(&recent_column)).await
    };
    assert!(everything_there().await);

    // Without --execute the purge is only shown.
    let shown = pgrift_dated(&["purge", &url]).await;
    ok(&shown);
    let listing = stdout(&shown);
    assert!(listing.contains("DROP TABLE pgrift_parked."), "{listing}");
    assert!(listing.contains("data-loss"), "{listing}");
    assert_eq!(listing.matches("purge\t").count(), 2, "{listing}");
    assert_eq!(listing.matches("keep\t").count(), 2, "{listing}");
    assert!(stderr(&shown).contains("not purged"), "{}", stderr(&shown));
    ok(&pgrift_dated(&["purge", &url, "--dry-run"]).await);
    assert!(everything_there().await, "shown and dry runs drop nothing");

    ok(&pgrift_dated(&["purge", &url, "--older-than", "7d", "--execute"]).await);
    assert!(!exists(&client, &table_there(&old_table)).await);
    assert!(!exists(&client, &column_there(&old_column)).await);
    assert!(exists(&client, &table_there(&recent_table)).await);
    assert!(exists(&client, &column_there(&recent_column)).await);
    ok(&pgrift(&["diff", &url, path(&second), "--exit-code"]).await);

    let history = pgrift(&["history", &url, "--format", "json"]).await;
    ok(&history);
    let records: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
    assert_eq!(records[2]["action"], "purge", "{records}");
    assert_eq!(records[2]["status"], "succeeded", "{records}");
    let undo = pgrift(&["rollback", &url, "3"]).await;
    assert_eq!(undo.status.code(), Some(2), "{}", stderr(&undo));
    assert!(stderr(&undo).contains("purge"), "{}", stderr(&undo));

    // The last deployment still rolls back, its parked objects with it.
    ok(&pgrift(&["rollback", &url]).await);
    ok(&pgrift(&["diff", &url, path(&first), "--exit-code"]).await);
}
