//! `--expand-contract` on a live table with hostile names: a column
//! renamed by `--rename` and one retyped from text to integer move in two
//! phases while a writer keeps writing through the old columns; the
//! expand's backfill fills the new columns, the contract leaves TO, and
//! both reverses lead back to FROM with every row. A backfill stopped
//! half-way continues where it stopped when it runs again.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pgrift::catalog::QualName;
use pgrift::sql::{
    Backfill, ColumnDef, Conversion, Ident, ServerSql, Stmt, SyncFunction, SyncTrigger, TableAction,
};

use crate::cli::{path, pgrift, stderr};
use crate::support;

const FROM: &str = "CREATE TABLE \"acc\"\"ount */\" (id integer PRIMARY KEY, \
     \"full name\" text NOT NULL DEFAULT 'x', \"amo'unt%\" text, note text);\n\
     INSERT INTO \"acc\"\"ount */\" SELECT g, 'n' || g, (g * 10)::text, 'keep' \
     FROM generate_series(1, 20000) g;\n";

const TO: &str = "CREATE TABLE \"acc\"\"ount */\" (id integer PRIMARY KEY, \
     \"naam --\n*/\" text NOT NULL DEFAULT 'x', \"amo'unt%\" integer, note text);\n";

const TABLE: &str = "public.\"acc\"\"ount */\"";
const RENAME: &str = "public.\"acc\"\"ount */\".\"full name\"=\"naam --\n*/\"";

/// Inserts and updates rows through the old columns until `stop`; returns
/// the ids it inserted.
async fn writer(url: String, stop: Arc<AtomicBool>) -> Vec<i32> {
    let info = pgrift::source::ConnInfo::parse(&url).expect("url");
    let client = pgrift::source::connect(&info).await.expect("connect");
    let mut inserted = Vec::new();
    let mut id = 1_000_000;
    while !stop.load(Ordering::Relaxed) {
        id += 1;
        client
            .execute(
                "INSERT INTO public.\"acc\"\"ount */\" (id, \"full name\", \"amo'unt%\") \
                 VALUES ($1::integer, 'w' || $1::integer::text, ($1::integer % 1000)::text)",
                &[&id],
            )
            .await
            .expect("insert through the old columns");
        inserted.push(id);
        client
            .execute(
                "UPDATE public.\"acc\"\"ount */\" SET \"full name\" = 'u' || id::text, \
                 \"amo'unt%\" = (id + 1)::text WHERE id = $1::integer % 20000 + 1",
                &[&id],
            )
            .await
            .expect("update through the old columns");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    inserted
}

async fn count(client: &tokio_postgres::Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

async fn psql(db: &str, file: &Path) {
    let cluster = support::shared_cluster().await;
    let out = cluster
        .psql(db)
        .args(["-v", "ON_ERROR_STOP=1", "-f"])
        .arg(file)
        .output()
        .await
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expand_then_contract_moves_columns_under_writes_and_both_reverses_undo_them() {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("expand");
    cluster.create_database(&db).await.expect("create database");
    let dir = tempfile::tempdir().expect("temp dir");
    let (from, to) = (dir.path().join("from.sql"), dir.path().join("to.sql"));
    std::fs::write(&from, FROM).expect("write");
    std::fs::write(&to, TO).expect("write");
    support::psql_file(&db, &from).await;
    let url = cluster.conninfo(&db).to_string();
    let client = cluster.connect(&db).await.expect("connect");

    // The expand, planned and applied while the writer writes.
    let expand = dir.path().join("expand");
    let planned = pgrift(&[
        "plan",
        &url,
        path(&to),
        "--rename",
        RENAME,
        "--expand-contract",
        "--batch-size",
        "500",
        "--out",
        path(&expand),
    ])
    .await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let forward = std::fs::read_to_string(expand.join("forward.sql")).expect("forward.sql");
    for part in [
        "ADD COLUMN \"naam --\n*/\" text;",
        "ADD COLUMN \"amo'unt%__pgrift_new\" integer;",
        "BEFORE INSERT OR UPDATE ON public.\"acc\"\"ount */\" FOR EACH ROW",
        "DO LANGUAGE plpgsql",
        "LIMIT 500",
    ] {
        assert!(forward.contains(part), "{part:?} in\n{forward}");
    }
    assert!(!forward.contains("RENAME COLUMN"), "{forward}");
    assert!(!forward.contains("TYPE integer"), "{forward}");
    let stop = Arc::new(AtomicBool::new(false));
    let writing = tokio::spawn(writer(url.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let applied = pgrift(&["apply", path(&expand), "--db", &url]).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    let inserted = writing.await.expect("writer");
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    assert!(
        stderr(&applied).contains("backfill"),
        "apply reports the backfill's batches: {}",
        stderr(&applied)
    );
    assert!(!inserted.is_empty(), "the writer wrote");

    // Every row, old, written during the backfill or after, has both.
    let out_of_step = format!(
        "SELECT count(*) FROM {TABLE} WHERE \"naam --\n*/\" IS DISTINCT FROM \"full name\" \
         OR \"amo'unt%__pgrift_new\" IS DISTINCT FROM \"amo'unt%\"::integer \
         OR \"naam --\n*/\" IS NULL"
    );
    assert_eq!(count(&client, &out_of_step).await, 0);
    let total = count(&client, &format!("SELECT count(*) FROM {TABLE}")).await;
    assert_eq!(total, 20000 + inserted.len() as i64);
    // Writes through the old columns and through the new ones stay in step.
    client
        .batch_execute(&format!(
            "INSERT INTO {TABLE} (id, \"full name\", \"amo'unt%\") VALUES (-1, 'old', '5');\n\
             UPDATE {TABLE} SET \"amo'unt%\" = '6' WHERE id = 1;\n\
             UPDATE {TABLE} SET \"naam --\n*/\" = 'n2', \"amo'unt%__pgrift_new\" = 7 \
             WHERE id = 2;"
        ))
        .await
        .expect("writes");
    assert_eq!(count(&client, &out_of_step).await, 0);

    // The contract, planned from the expanded database.
    let contract = dir.path().join("contract");
    let planned = pgrift(&[
        "plan",
        &url,
        path(&to),
        "--expand-contract=contract",
        "--out",
        path(&contract),
    ])
    .await;
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    let applied = pgrift(&["apply", path(&contract), "--db", &url]).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let left = pgrift(&["diff", &url, path(&to), "--exit-code"]).await;
    assert_eq!(left.status.code(), Some(0), "the database is TO");
    let value = |sql: String| {
        let client = &client;
        async move { count(client, &sql).await }
    };
    assert_eq!(
        value(format!(
            "SELECT \"amo'unt%\"::bigint FROM {TABLE} WHERE id = 1"
        ))
        .await,
        6
    );
    assert_eq!(
        value(format!(
            "SELECT count(*) FROM {TABLE} WHERE id = 2 AND \"naam --\n*/\" = 'n2' \
             AND \"amo'unt%\" = 7"
        ))
        .await,
        1
    );

    // The contract's reverse brings the old columns back, filled.
    let rolled_back = pgrift(&["rollback", &url]).await;
    assert_eq!(
        rolled_back.status.code(),
        Some(0),
        "{}",
        stderr(&rolled_back)
    );
    assert_eq!(count(&client, &out_of_step).await, 0);
    assert_eq!(
        count(&client, &format!("SELECT count(*) FROM {TABLE}")).await,
        total + 1
    );
    // The expand's reverse leads back to FROM, with every row.
    psql(&db, &expand.join("reverse.sql")).await;
    let back = pgrift(&["diff", &url, path(&from), "--exit-code"]).await;
    assert_eq!(back.status.code(), Some(0), "the database is FROM again");
    assert_eq!(
        value(format!(
            "SELECT count(*) FROM {TABLE} WHERE id = 2 AND \"full name\" = 'n2' \
             AND \"amo'unt%\" = '7'"
        ))
        .await,
        1
    );
    assert_eq!(
        value(format!(
            "SELECT count(*) FROM {TABLE} WHERE id > 2 AND id <= 20000 \
             AND \"full name\" NOT IN ('n' || id, 'u' || id)"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_backfill_stopped_half_way_continues_where_it_stopped() {
    let cluster = support::shared_cluster().await;
    let db = support::unique_name("backfill");
    cluster.create_database(&db).await.expect("create database");
    let client = cluster.connect(&db).await.expect("connect");
    client
        .batch_execute(
            "CREATE TABLE \"b%ig\" (id integer, \"v'al\" text);\n\
             INSERT INTO \"b%ig\" SELECT g, g::text FROM generate_series(1, 300000) g;",
        )
        .await
        .expect("seed");
    let table = QualName::new("public", "b%ig");
    let (old, new) = ("v'al", "v'al %new");
    let function = QualName::new("public", "sync");
    let statements = [
        Stmt::AlterTable {
            table: table.clone(),
            action: TableAction::AddColumn(ColumnDef {
                name: Ident(new.to_owned()),
                data_type: ServerSql("integer".to_owned()),
                collation: None,
                not_null: false,
                not_null_name: None,
                default: None,
                identity: None,
                generated: None,
            }),
        },
        Stmt::CreateSyncFunction(SyncFunction {
            name: function.clone(),
            old: Ident(old.to_owned()),
            new: Ident(new.to_owned()),
            to_new: Conversion {
                data_type: ServerSql("integer".to_owned()),
                explicit: true,
                via_text: false,
            },
            to_old: Conversion {
                data_type: ServerSql("text".to_owned()),
                explicit: false,
                via_text: false,
            },
        }),
        Stmt::CreateSyncTrigger(SyncTrigger {
            table: table.clone(),
            name: Ident("sync".to_owned()),
            function,
        }),
    ];
    for statement in &statements {
        client
            .batch_execute(&statement.to_string())
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let backfill = Stmt::Backfill(Backfill {
        table,
        source: Ident(old.to_owned()),
        target: Ident(new.to_owned()),
        batch_size: 1000,
    })
    .to_string();
    // Stopped by a statement timeout after some batches committed.
    client
        .batch_execute("SET statement_timeout = '400ms'")
        .await
        .expect("set");
    let stopped = client.batch_execute(&backfill).await;
    assert!(stopped.is_err(), "the backfill ran out of time");
    let filled = "SELECT count(*) FROM \"b%ig\" WHERE \"v'al %new\" IS NOT NULL";
    let first = count(&client, filled).await;
    assert!(
        first > 0 && first < 300000,
        "some batches committed: {first}"
    );
    // The rows filled first are not touched again: their row version
    // stays.
    client
        .batch_execute(
            "SET statement_timeout = 0;\n\
             CREATE TABLE seen AS SELECT id, xmin::text AS version FROM \"b%ig\" \
             WHERE \"v'al %new\" IS NOT NULL",
        )
        .await
        .expect("remember");
    client.batch_execute(&backfill).await.expect("rerun");
    assert_eq!(count(&client, filled).await, 300000);
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM seen JOIN \"b%ig\" b USING (id) \
             WHERE b.xmin::text <> seen.version"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM \"b%ig\" WHERE \"v'al %new\" <> \"v'al\"::integer"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_column_an_index_uses_is_not_moved_and_nothing_to_move_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("write");
        file
    };
    let from = write(
        "from.sql",
        "CREATE TABLE t (id integer, \"c\"\"*/\" text);\nCREATE INDEX t_c ON t (\"c\"\"*/\");\n",
    );
    let to = write(
        "to.sql",
        "CREATE TABLE t (id integer, \"c\"\"*/\" integer);\nCREATE INDEX t_c ON t (\"c\"\"*/\");\n",
    );
    let refused = pgrift(&["diff", path(&from), path(&to), "--expand-contract"]).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(
            "column \"c\"\"*/\" of table public.t cannot be expanded and contracted: index public.t_c \
             depends on it"
        ),
        "{}",
        stderr(&refused)
    );
    let same = write(
        "same.sql",
        "CREATE TABLE t (id integer, \"c\"\"*/\" text);\n",
    );
    let wider = write(
        "wider.sql",
        "CREATE TABLE t (id integer, \"c\"\"*/\" text, d int);\n",
    );
    let plain = pgrift(&["diff", path(&same), path(&wider), "--expand-contract"]).await;
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert!(
        stderr(&plain).contains("--expand-contract found no column to move"),
        "{}",
        stderr(&plain)
    );
}
