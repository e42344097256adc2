//! The risk classifier on real databases: every `fixtures/risk_*` case and
//! every `fixtures-risk/` case is loaded (FROM with its seed), both scripts
//! are assessed, the forward one is probed on the seeded FROM, and the
//! result is an insta snapshot under `snapshots/risk__<case>.snap`. The
//! evidence that matters is also asserted outright, so a snapshot accepted
//! in a hurry cannot hide a wrong count. Then the probes' own edges
//! (timeouts, estimates on big tables) and the command line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, stream};
use pgrift::catalog::Catalog;
use pgrift::plan::Plan;
use pgrift::risk::{self, Assessment, Category, Direction, ProbeOptions, Severity};
use pgrift::source::{Cluster, ClusterOptions, Shadow};
use pgrift::{diff, emit, introspect, plan};

use crate::support;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cases: `fixtures/risk_*` (which also run through the round trip)
/// and everything under `fixtures-risk/`.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for (dir, prefix) in [("fixtures", "risk_"), ("fixtures-risk", "")] {
        let entries = std::fs::read_dir(root().join(dir)).expect("fixture directory is readable");
        for entry in entries.filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) && entry.path().join("to.sql").is_file() {
                cases.push((name, entry.path()));
            }
        }
    }
    cases.sort();
    cases
}

/// The cases whose probes differ by server version: a conversion's probe
/// asks `pg_input_is_valid` from PostgreSQL 16 and reads the syntax before,
/// so their snapshots are one per group of versions
/// (`risk__<case>@before16.snap`, `@from16.snap`).
const BY_VERSION: &[&str] = &["cast_text_to_integer"];

/// One case, assessed and probed.
struct Assessed {
    version: i32,
    forward_plan: Plan,
    reverse_plan: Plan,
    forward: Assessment,
    reverse: Assessment,
}

/// A fresh database of the shared cluster with the files applied, as the
/// round trip loads them: what they create belongs to the superuser.
async fn database(cluster: &Arc<Cluster>, files: &[PathBuf]) -> Result<String, String> {
    let shadow = Shadow::with_cluster(cluster.clone());
    let files: Vec<&Path> = files
        .iter()
        .filter(|f| f.is_file())
        .map(PathBuf::as_path)
        .collect();
    let db = crate::roundtrip::load(&shadow, &files, None).await?;
    let name = db.name().to_owned();
    // A throwaway cluster keeps its databases after the handle closes.
    db.close().await.map_err(|e| support::explain(&e))?;
    Ok(name)
}

/// The catalog of `db`, what the superuser owns read as owned by whoever
/// runs the script, as the round trip reads it.
async fn catalog(cluster: &Cluster, db: &str) -> Result<(Catalog, i32), String> {
    let client = cluster
        .connect(db)
        .await
        .map_err(|e| support::explain(&e))?;
    introspect::introspect(&client)
        .await
        .map(|i| {
            let mut catalog = i.catalog;
            pgrift::catalog::owner::forget(&mut catalog, cluster.user());
            (catalog, i.server_version_num)
        })
        .map_err(|e| format!("introspect {db}: {e}"))
}

/// Loads FROM (seeded) and TO, assesses both scripts and probes the
/// forward one on FROM.
async fn assess_case(
    cluster: &Arc<Cluster>,
    dir: &Path,
    options: &ProbeOptions,
) -> Result<Assessed, String> {
    let from_db = database(cluster, &[dir.join("from.sql"), dir.join("seed.sql")]).await?;
    let to_db = database(cluster, &[dir.join("to.sql")]).await?;
    let (from, version) = catalog(cluster, &from_db).await?;
    let (to, _) = catalog(cluster, &to_db).await?;
    let forward_plan = plan::plan(diff::diff(&from, &to)).map_err(|e| e.to_string())?;
    let reverse_plan = plan::plan(diff::diff(&to, &from)).map_err(|e| e.to_string())?;
    let mut forward = risk::assess(&forward_plan, &from, &to, Some(version), Direction::Forward);
    let reverse = risk::assess(&reverse_plan, &to, &from, Some(version), Direction::Reverse);
    let client = cluster
        .connect(&from_db)
        .await
        .map_err(|e| support::explain(&e))?;
    risk::probe(&client, &mut forward, &forward_plan, &from, options)
        .await
        .map_err(|e| format!("probe: {e}"))?;
    drop(client);
    for db in [from_db, to_db] {
        let _ = cluster.drop_database(&db).await;
    }
    Ok(Assessed {
        version,
        forward_plan,
        reverse_plan,
        forward,
        reverse,
    })
}

/// The snapshot text: each statement with risks, and each risk in full.
fn render(assessed: &Assessed) -> String {
    let mut out = String::new();
    for (title, plan, assessment) in [
        ("forward", &assessed.forward_plan, &assessed.forward),
        ("reverse", &assessed.reverse_plan, &assessed.reverse),
    ] {
        let _ = writeln!(out, "=== {title} ===");
        for statement in &assessment.statements {
            let step = &plan.steps[statement.step];
            let _ = writeln!(out, "\n-- {}", emit::describe(step));
            let _ = writeln!(out, "{};", step.statements[statement.index]);
            for risk in &statement.risks {
                let _ = writeln!(
                    out,
                    "  {} {} [{}]: {}",
                    risk.severity.as_str(),
                    risk.category.as_str(),
                    risk.rule.id(),
                    risk.message
                );
                let _ = writeln!(out, "    mitigation: {}", risk.mitigation);
                if let Some(lock) = risk.lock {
                    let _ = writeln!(out, "    lock: {}", lock.as_str());
                }
                if !risk.tables.is_empty() {
                    let _ = writeln!(out, "    tables: {}", risk.tables.join(", "));
                }
                if let Some(e) = &risk.evidence {
                    let estimated = if e.estimated { ", estimated" } else { "" };
                    let _ = write!(out, "    evidence: {}: {}{estimated}", e.measure, e.count);
                    if let Some(pages) = e.table_pages {
                        let _ = write!(out, "; table pages: {pages}");
                    }
                    if let Some(rows) = e.table_rows_estimate {
                        let _ = write!(out, "; table rows: {rows}");
                    }
                    let _ = writeln!(out, "\n    query: {}", e.query);
                }
            }
        }
        out.push('\n');
    }
    out
}

/// What a case must show, beyond its snapshot: a risk of `category` on
/// `object` with this severity, measured `count`, whose message contains
/// `says`.
struct Expect {
    case: &'static str,
    object: &'static str,
    category: Category,
    severity: Severity,
    count: Option<i64>,
    says: &'static str,
}

const EXPECTED: &[Expect] = &[
    Expect {
        case: "risk_data_loss",
        object: "public.users.legacy_email",
        category: Category::DataLoss,
        severity: Severity::High,
        count: Some(3),
        says: "deletes its data: 3 non-null values",
    },
    Expect {
        case: "risk_data_loss",
        object: "public.audit_log",
        category: Category::DataLoss,
        severity: Severity::High,
        count: Some(4),
        says: "deletes its rows: 4 rows",
    },
    Expect {
        case: "risk_data_loss",
        object: "public.invoice_no",
        category: Category::DataLoss,
        severity: Severity::High,
        count: Some(42),
        says: "its current value is 42",
    },
    Expect {
        case: "risk_rewrites_and_scans",
        object: "public.accounts.balance",
        category: Category::DataLoss,
        severity: Severity::High,
        count: Some(2),
        says: "2 values that would be rounded",
    },
    Expect {
        case: "risk_rewrites_and_scans",
        object: "public.accounts.username",
        category: Category::MayFail,
        severity: Severity::Low,
        count: Some(0),
        says: "0 values that do not fit today",
    },
    Expect {
        case: "risk_rewrites_and_scans",
        object: "public.accounts.email",
        category: Category::MayFail,
        severity: Severity::Low,
        count: Some(0),
        says: "0 rows with NULL today",
    },
    Expect {
        case: "risk_rewrites_and_scans",
        object: "public.accounts.id",
        category: Category::TableRewrite,
        severity: Severity::Low,
        count: Some(3),
        says: "public.accounts holds 3 rows in 1 page (a small table, at most 128 pages: low)",
    },
    Expect {
        case: "risk_partition_conversion",
        object: "public.events",
        category: Category::TableRewrite,
        severity: Severity::Low,
        count: Some(3),
        says: "public.events holds 3 rows in 1 page (a small table, at most 128 pages: low)",
    },
    Expect {
        case: "unique_duplicates",
        object: "users_email_key on public.users",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "Adding unique constraint users_email_key on public.users will fail: 2 duplicate groups",
    },
    Expect {
        case: "unique_duplicates",
        object: "public.users_tenant_code_idx",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(1),
        says: "will fail: 1 duplicate group",
    },
    Expect {
        case: "fk_orphans",
        object: "orders_customer_id_fkey on public.orders",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "will fail: 2 orphan rows",
    },
    Expect {
        case: "not_null_violations",
        object: "public.contacts.name",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "Setting public.contacts.name NOT NULL will fail: 2 rows with NULL",
    },
    Expect {
        case: "not_null_violations",
        object: "public.contacts.email",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(3),
        says: "will fail: 3 existing rows",
    },
    Expect {
        case: "narrowing_too_long",
        object: "public.accounts.username",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "to character varying(20) will fail: 2 values that do not fit",
    },
    Expect {
        case: "narrowing_too_long",
        object: "public.accounts.points",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(1),
        says: "will fail: 1 value that does not fit",
    },
    Expect {
        case: "narrowing_too_long",
        object: "public.accounts.ratio",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "will fail: 2 values that do not fit",
    },
    Expect {
        case: "narrowing_too_long",
        object: "public.accounts.ratio",
        category: Category::DataLoss,
        severity: Severity::High,
        count: Some(3),
        says: "3 values that would be rounded",
    },
    Expect {
        case: "check_violations",
        object: "products_price_check on public.products",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "will fail: 2 rows that violate it",
    },
    Expect {
        case: "check_violations",
        object: "products_stock_check on public.products",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "Validating constraint products_stock_check on public.products will fail: 2 rows that violate it",
    },
    Expect {
        case: "enum_label_in_use",
        object: "public.orders.status",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "will fail: 2 rows holding removed labels",
    },
    Expect {
        case: "enum_to_other_enum",
        object: "public.orders.status",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(2),
        says: "will fail: 2 rows holding removed labels",
    },
    Expect {
        case: "enum_to_other_enum",
        object: "public.orders.history",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(1),
        says: "will fail: 1 row holding a removed label",
    },
    Expect {
        case: "cast_text_to_integer",
        object: "public.items.code",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(3),
        says: "Changing column public.items.code to integer will fail: 3 values that do not convert",
    },
    Expect {
        case: "cast_text_to_integer",
        object: "public.items.active",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(1),
        says: "will fail: 1 value that does not convert",
    },
    Expect {
        case: "cast_text_to_integer",
        object: "public.items.ref",
        category: Category::MayFail,
        severity: Severity::High,
        count: Some(1),
        says: "will fail: 1 value that does not convert",
    },
    Expect {
        case: "risk_sequence_maxvalue",
        object: "public.ticket_no",
        category: Category::BreaksClients,
        severity: Severity::High,
        count: Some(500),
        says: "its current value is 500, and every insert that draws from it will fail",
    },
];

/// Checks one expectation against a case's forward risks.
fn check_expectation(expect: &Expect, forward: &Assessment) -> Result<(), String> {
    let found = forward
        .risks()
        .find(|r| r.object == expect.object && r.category == expect.category)
        .ok_or_else(|| {
            format!(
                "{}: no {} risk on {}",
                expect.case,
                expect.category.as_str(),
                expect.object
            )
        })?;
    let count = found.evidence.as_ref().map(|e| e.count);
    if found.severity != expect.severity
        || count != expect.count
        || !found.message.contains(expect.says)
    {
        return Err(format!(
            "{} {}: expected {} with count {:?} saying {:?}, found {} with count {:?}: {}",
            expect.case,
            expect.object,
            expect.severity.as_str(),
            expect.count,
            expect.says,
            found.severity.as_str(),
            count,
            found.message
        ));
    }
    Ok(())
}

#[test]
fn risk_fixtures() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cluster = runtime.block_on(support::shared_cluster());
    let cases = cases();
    assert!(cases.len() >= 9, "expected the risk cases, found {cases:?}");
    let options = ProbeOptions::default();
    let results: BTreeMap<String, Result<Assessed, String>> = runtime.block_on(
        stream::iter(cases.iter())
            .map(|(name, dir)| {
                let cluster = cluster.clone();
                let options = options.clone();
                async move { (name.clone(), assess_case(&cluster, dir, &options).await) }
            })
            .buffer_unordered(3)
            .collect(),
    );

    let mut failures = Vec::new();
    for (name, dir) in &cases {
        let assessed = match &results[name] {
            Ok(assessed) => assessed,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        for expect in EXPECTED.iter().filter(|e| e.case == name) {
            if let Err(e) = check_expectation(expect, &assessed.forward) {
                failures.push(e);
            }
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(dir.join("to.sql"));
        if BY_VERSION.contains(&name.as_str()) {
            let group = if assessed.version >= 160000 {
                "from16"
            } else {
                "before16"
            };
            settings.set_snapshot_suffix(group);
        }
        let rendered = render(assessed);
        let checked = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(format!("risk__{name}"), rendered))
        }));
        if checked.is_err() {
            failures.push(format!(
                "{name}: snapshot differs (run `cargo insta review`)"
            ));
        }
    }
    for expect in EXPECTED {
        if !cases.iter().any(|(name, _)| name == expect.case) {
            failures.push(format!("{}: no such case", expect.case));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Builds a FROM and a TO database from SQL text, for the probe tests that
/// need no fixture.
async fn pair(from_sql: &str, to_sql: &str) -> (Arc<Cluster>, String, Catalog, Catalog, Plan) {
    let cluster = support::shared_cluster().await;
    let mut names = Vec::new();
    for sql in [from_sql, to_sql] {
        let name = support::unique_name("risk_probe");
        cluster
            .create_database(&name)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
        let client = cluster
            .connect(&name)
            .await
            .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
        client.batch_execute(sql).await.expect("schema loads");
        names.push(name);
    }
    let (from, _) = catalog(&cluster, &names[0]).await.expect("from catalog");
    let (to, _) = catalog(&cluster, &names[1]).await.expect("to catalog");
    let plan = plan::plan(diff::diff(&from, &to)).expect("plan");
    let _ = cluster.drop_database(&names[1]).await;
    (cluster, names.remove(0), from, to, plan)
}

/// A probe that runs past the timeout leaves its risk unmeasured, with a
/// note, and the other probes still run.
#[tokio::test]
async fn a_slow_probe_times_out_into_a_note() {
    let slow = "create function slow_positive(n integer) returns boolean language sql immutable \
                as $$ select pg_sleep(0.2) is not null and n > 0 $$;";
    let from = format!(
        "{slow} create table items (id integer primary key, n integer, legacy text); \
         insert into items values (1, 1, 'a'), (2, 2, null);"
    );
    let to = format!(
        "{slow} create table items (id integer primary key, n integer check (public.slow_positive(n)));"
    );
    let (cluster, db, from, to, plan) = pair(&from, &to).await;
    let mut assessment = risk::assess(&plan, &from, &to, None, Direction::Forward);
    probe_with_timeout(&cluster, &db, &mut assessment, &plan, &from, 100).await;
    let check = assessment
        .risks()
        .find(|r| r.category == Category::MayFail && r.object.starts_with("items_n_check"))
        .expect("the check's may-fail risk");
    assert_eq!(check.evidence, None);
    assert!(
        check
            .message
            .ends_with("(not measured: the probe timed out after 100ms)"),
        "{}",
        check.message
    );
    assert_eq!(check.severity, Severity::Medium);
    let dropped = assessment
        .risks()
        .find(|r| r.category == Category::DataLoss)
        .expect("the dropped column's data loss");
    assert_eq!(dropped.evidence.as_ref().map(|e| e.count), Some(1));
    let _ = cluster.drop_database(&db).await;
}

/// A table locked by someone else fails its batch of size probes; its
/// risk gets a note, and the other tables of the batch are still measured,
/// one by one.
#[tokio::test]
async fn a_locked_table_is_left_with_a_note() {
    let (cluster, db, from, plan, mut assessment, locker) = three_tables_b_locked().await;
    probe_with_timeout(&cluster, &db, &mut assessment, &plan, &from, 200).await;
    locker.batch_execute("rollback").await.expect("unlock");
    let lost = |table: &str| {
        assessment
            .risks()
            .find(|r| r.category == Category::DataLoss && r.object == format!("public.{table}.x"))
            .unwrap_or_else(|| panic!("the data loss of {table}.x"))
    };
    assert_eq!(lost("a").evidence.as_ref().map(|e| e.count), Some(1));
    assert_eq!(lost("c").evidence.as_ref().map(|e| e.count), Some(1));
    // `lock_timeout` and `statement_timeout` are the same, and either may
    // fire first.
    let note = &lost("b").message;
    assert!(
        note.ends_with("(not measured: the probe waited too long for a lock)")
            || note.ends_with("(not measured: the probe timed out after 200ms)"),
        "{note}"
    );
    assert_eq!(lost("b").evidence, None);
    drop(locker);
    let _ = cluster.drop_database(&db).await;
}

/// Three tables losing a column each, and a plan for it; the middle one
/// is the one tests lock.
const THREE_TABLES: (&str, &str) = (
    "create table a (id integer, x integer); create table b (id integer, x integer); \
     create table c (id integer, x integer); insert into a values (1, 1); \
     insert into c values (1, 1), (2, null);",
    "create table a (id integer); create table b (id integer); create table c (id integer);",
);

/// [`THREE_TABLES`] loaded and assessed, with `b` locked by the connection
/// returned last until it rolls back.
async fn three_tables_b_locked() -> (
    Arc<Cluster>,
    String,
    Catalog,
    Plan,
    Assessment,
    tokio_postgres::Client,
) {
    let (cluster, db, from, to, plan) = pair(THREE_TABLES.0, THREE_TABLES.1).await;
    let assessment = risk::assess(&plan, &from, &to, None, Direction::Forward);
    let locker = cluster.connect(&db).await.expect("connect");
    locker
        .batch_execute("begin; lock table public.b in access exclusive mode")
        .await
        .expect("lock");
    (cluster, db, from, plan, assessment, locker)
}

/// Checks that every data-loss risk of [`THREE_TABLES`] was left
/// unmeasured with `note`.
fn assert_all_unmeasured(assessment: &Assessment, note: &str) {
    let lost: Vec<_> = assessment
        .risks()
        .filter(|r| r.category == Category::DataLoss)
        .collect();
    assert_eq!(lost.len(), 3);
    for risk in lost {
        assert_eq!(risk.evidence, None, "{}", risk.message);
        assert!(
            risk.message.ends_with(&format!("(not measured: {note})")),
            "{}",
            risk.message
        );
    }
}

/// A probe's connection ended by the server (here `pg_terminate_backend`
/// while the probe waits for a lock) stops the probes with the server's
/// reason, and every risk left says it was not measured and why.
#[tokio::test]
async fn a_terminated_connection_leaves_the_rest_unmeasured() {
    let (cluster, db, from, plan, mut assessment, locker) = three_tables_b_locked().await;
    let client = cluster.connect(&db).await.expect("connect");
    client
        .batch_execute("set application_name = 'pgrift_terminated_probe'")
        .await
        .expect("name the connection");
    let terminator = async {
        let watcher = cluster.connect(&db).await.expect("connect");
        // Waits until the probe waits for the lock, then ends its backend.
        loop {
            let ended = watcher
                .query(
                    "select pg_terminate_backend(pid) from pg_stat_activity \
                     where application_name = 'pgrift_terminated_probe' and wait_event_type = 'Lock'",
                    &[],
                )
                .await
                .expect("terminate");
            if !ended.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let options = ProbeOptions {
        timeout: Duration::from_secs(60),
        ..ProbeOptions::default()
    };
    let (result, ()) = tokio::join!(
        risk::probe(&client, &mut assessment, &plan, &from, &options),
        terminator
    );
    let error = result.expect_err("a lost connection stops the probes");
    let reason = "terminating connection due to administrator command";
    assert_eq!(
        error.to_string(),
        format!("the connection failed while probing: {reason}")
    );
    assert_all_unmeasured(
        &assessment,
        &format!("the probes' connection was lost: {reason}"),
    );
    locker.batch_execute("rollback").await.expect("unlock");
    drop(locker);
    let _ = cluster.drop_database(&db).await;
}

/// A server that stops answering altogether, which no server-side timeout
/// covers (here a proxy between pgrift and the server that stops passing
/// bytes on), stops the probes after the timeout and a margin.
#[tokio::test]
async fn a_server_that_stops_answering_stops_the_probes() {
    let (cluster, db, from, to, plan) = pair(THREE_TABLES.0, THREE_TABLES.1).await;
    let mut assessment = risk::assess(&plan, &from, &to, None, Direction::Forward);
    let frozen = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let port = freezing_proxy(
        cluster
            .socket_dir()
            .join(format!(".s.PGSQL.{}", cluster.port())),
        frozen.clone(),
    )
    .await;
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(cluster.user())
        .dbname(&db)
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect through the proxy");
    tokio::spawn(connection);
    frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    let options = ProbeOptions {
        timeout: Duration::from_millis(200),
        ..ProbeOptions::default()
    };
    // Bounded here too, so that a regression fails rather than hangs.
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        risk::probe(&client, &mut assessment, &plan, &from, &options),
    )
    .await
    .expect("the probes give up in time")
    .expect_err("an unanswered probe stops the probes");
    assert_eq!(
        error.to_string(),
        "the server did not answer a probe within 1200ms"
    );
    assert_all_unmeasured(
        &assessment,
        "the server did not answer a probe within 1200ms",
    );
    let _ = cluster.drop_database(&db).await;
}

/// A TCP proxy to the server's socket at `socket` that passes bytes on in
/// both directions until `frozen` is set, and then holds them forever. Its
/// port.
async fn freezing_proxy(socket: PathBuf, frozen: Arc<std::sync::atomic::AtomicBool>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let unix = tokio::net::UnixStream::connect(&socket)
            .await
            .expect("reach the server");
        let (tcp_read, tcp_write) = tcp.into_split();
        let (unix_read, unix_write) = unix.into_split();
        let pass = |mut from: Box<dyn tokio::io::AsyncRead + Unpin + Send>,
                    mut to: Box<dyn tokio::io::AsyncWrite + Unpin + Send>| {
            let frozen = frozen.clone();
            async move {
                let mut buffer = [0u8; 8192];
                while let Ok(n) = from.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    if frozen.load(std::sync::atomic::Ordering::SeqCst) {
                        std::future::pending::<()>().await;
                    }
                    if to.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
            }
        };
        tokio::join!(
            pass(Box::new(tcp_read), Box::new(unix_write)),
            pass(Box::new(unix_read), Box::new(tcp_write)),
        );
    });
    port
}

/// Probes `assessment` on `db` with a probe timeout of `millis`, on a
/// connection of its own that is closed at the end.
async fn probe_with_timeout(
    cluster: &Cluster,
    db: &str,
    assessment: &mut Assessment,
    plan: &Plan,
    from: &Catalog,
    millis: u64,
) {
    let client = cluster.connect(db).await.expect("connect");
    let options = ProbeOptions {
        timeout: Duration::from_millis(millis),
        ..ProbeOptions::default()
    };
    risk::probe(&client, assessment, plan, from, &options)
        .await
        .expect("a timeout is not an error");
}

/// Probes on many tables do not pile up their locks: each probe's
/// transaction ends with it. On this server, whose lock table is small, a
/// transaction that held the locks of every probe would run out ("out of
/// shared memory") after about 400 tables, as one with PostgreSQL's
/// defaults does after a few thousand.
#[tokio::test]
async fn probes_on_many_tables_keep_no_locks() {
    const TABLES: usize = 600;
    const BATCH: usize = 50;
    let settings = [
        ("max_locks_per_transaction", "10"),
        ("max_connections", "5"),
        ("max_wal_senders", "0"),
        ("max_worker_processes", "1"),
        ("autovacuum_max_workers", "1"),
        ("max_parallel_workers", "0"),
    ];
    let cluster = Cluster::start_with(ClusterOptions {
        settings: settings
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect(),
        ..ClusterOptions::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    // FROM's tables have a column that TO's do not: every table gets a
    // data-loss risk and its probes. Created in batches, since creating a
    // table takes locks too.
    for (db, columns) in [
        ("many_from", "id integer, x integer"),
        ("many_to", "id integer"),
    ] {
        cluster.create_database(db).await.expect("create database");
        let client = cluster.connect(db).await.expect("connect");
        for first in (1..=TABLES).step_by(BATCH) {
            let last = first + BATCH - 1;
            client
                .batch_execute(&format!(
                    "do $$ begin for i in {first}..{last} loop \
                     execute format('create table t%s ({columns})', i); end loop; end $$"
                ))
                .await
                .expect("tables");
        }
    }
    let (from, _) = catalog(&cluster, "many_from").await.expect("from catalog");
    let (to, _) = catalog(&cluster, "many_to").await.expect("to catalog");
    let plan = plan::plan(diff::diff(&from, &to)).expect("plan");
    let mut assessment = risk::assess(&plan, &from, &to, None, Direction::Forward);
    let client = cluster.connect("many_from").await.expect("connect");
    risk::probe(
        &client,
        &mut assessment,
        &plan,
        &from,
        &ProbeOptions::default(),
    )
    .await
    .expect("probes run");
    let lost: Vec<_> = assessment
        .risks()
        .filter(|r| r.category == Category::DataLoss)
        .collect();
    assert_eq!(lost.len(), TABLES);
    for risk in lost {
        assert!(
            risk.evidence.is_some() && !risk.message.contains("not measured"),
            "{}",
            risk.message
        );
    }
}

/// Above the row threshold probes estimate from statistics and say so, or
/// leave a risk unmeasured when statistics cannot tell.
#[tokio::test]
async fn big_tables_are_estimated() {
    let from = "create table events (id integer primary key, note text, code text); \
                insert into events select i, case when i % 4 = 0 then null else 'x' end, 'c' \
                from generate_series(1, 400) i; \
                analyze events;";
    let to = "create table events (id integer primary key, code text not null unique);";
    let (cluster, db, from, to, plan) = pair(from, to).await;
    let mut assessment = risk::assess(&plan, &from, &to, None, Direction::Forward);
    let client = cluster.connect(&db).await.expect("connect");
    let options = ProbeOptions {
        max_exact_rows: 100,
        ..ProbeOptions::default()
    };
    risk::probe(&client, &mut assessment, &plan, &from, &options)
        .await
        .expect("probes run");
    let lost = assessment
        .risks()
        .find(|r| r.category == Category::DataLoss)
        .expect("the dropped column");
    let evidence = lost.evidence.as_ref().expect("an estimate");
    assert!(evidence.estimated);
    assert_eq!(evidence.count, 300, "{}", lost.message);
    assert!(
        lost.message
            .ends_with("about 300 non-null values (estimated)"),
        "{}",
        lost.message
    );
    let unique = assessment
        .risks()
        .find(|r| r.category == Category::MayFail && r.object.starts_with("events_code_key"))
        .expect("the unique constraint");
    assert_eq!(unique.evidence, None);
    assert!(
        unique.message.contains(
            "(not measured: public.events has about 400 rows, more than the probes count (--probe-max-rows 100))"
        ),
        "{}",
        unique.message
    );
    drop(client);
    let _ = cluster.drop_database(&db).await;
}

/// Runs `pgrift` with `args`, loading `.sql` sources into the shared
/// cluster.
async fn pgrift(args: &[&str]) -> Output {
    let shadow = support::shadow_url().await;
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pgrift"))
        .args(args)
        .env("PGRIFT_SHADOW_URL", shadow)
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("pgrift runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A case's FROM, seeded, in a database of the shared cluster: its name and
/// URL, and the path of its TO.
async fn seeded(cluster: &Arc<Cluster>, dir: &Path) -> (String, String, String) {
    let from_db = database(cluster, &[dir.join("from.sql"), dir.join("seed.sql")])
        .await
        .expect("from database");
    let url = cluster.conninfo(&from_db).to_string();
    let to = dir.join("to.sql").to_str().expect("UTF-8 path").to_owned();
    (from_db, url, to)
}

/// The command line on a live FROM: probes run by default, their evidence
/// lands in the script's comments and the report, `--fail-on` gates on it,
/// and `--no-probe` turns them off.
#[tokio::test]
async fn the_command_line_probes_a_live_from_and_gates_on_risks() {
    let cluster = support::shared_cluster().await;
    let (from_db, url, to) =
        seeded(&cluster, &root().join("fixtures").join("risk_data_loss")).await;
    let to = to.as_str();

    let out = pgrift(&["diff", &url, to, "-q"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(
        script.contains("-- drop column public.users.legacy_email\n--   risk high data-loss: Dropping column public.users.legacy_email deletes its data: 3 non-null values\n"),
        "{script}"
    );

    let out = pgrift(&["diff", &url, to, "-q", "--fail-on", "high"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let out = pgrift(&["diff", &url, to, "-q", "--no-probe"]).await;
    assert!(
        text(&out.stdout).contains("-- drop column public.users.legacy_email\n--   risk high data-loss: Dropping column public.users.legacy_email deletes its data\n"),
        "{}",
        text(&out.stdout)
    );

    let out = pgrift(&["report", &url, to, "-q", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
    assert_eq!(report["format"], "pgrift-report");
    assert_eq!(report["summary"]["high"], 3);
    let risks = report["risks"].as_array().cloned().expect("risks");
    assert!(
        risks.iter().any(|r| r["category"] == "data-loss"
            && r["object"] == "public.users.legacy_email"
            && r["evidence"]["count"] == 3
            && r["evidence"]["estimated"] == false),
        "{risks:?}"
    );
    let reverse = serde_json::to_string(&report["reverse_risks"]).expect("JSON");
    assert!(reverse.contains("\"irreversible\""), "{reverse}");

    let out_dir = tempfile::tempdir().expect("temp dir");
    let release = out_dir.path().join("release");
    let release_arg = release.to_str().expect("UTF-8 path");
    let out = pgrift(&[
        "plan",
        &url,
        to,
        "--out",
        release_arg,
        "-q",
        "--fail-on",
        "medium",
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let forward = std::fs::read_to_string(release.join("forward.sql")).expect("forward.sql");
    assert!(
        forward.contains(
            "--   risk high data-loss: Dropping table public.audit_log deletes its rows: 4 rows"
        ),
        "{forward}"
    );
    let reverse = std::fs::read_to_string(release.join("reverse.sql")).expect("reverse.sql");
    assert!(
        reverse.contains("--   risk high irreversible: Re-creating table public.audit_log"),
        "{reverse}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(release.join("report.json")).expect("report.json"))
            .expect("report.json is JSON");
    assert_eq!(report["summary"]["high"], 3);
    let markdown = std::fs::read_to_string(release.join("report.md")).expect("report.md");
    assert!(markdown.contains("public.users.legacy_email"), "{markdown}");

    for format in ["terminal", "markdown", "html"] {
        let out = pgrift(&["report", &url, to, "-q", "--format", format]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("legacy_email"),
            "{format}: {}",
            text(&out.stdout)
        );
    }

    let _ = cluster.drop_database(&from_db).await;
}

/// A conversion the probes prove will fail trips `--fail-on high`, and
/// stderr says how many risks of which severity did.
#[tokio::test]
async fn a_failing_conversion_trips_fail_on_high() {
    let cluster = support::shared_cluster().await;
    let (from_db, url, to) = seeded(
        &cluster,
        &root().join("fixtures-risk").join("cast_text_to_integer"),
    )
    .await;
    let to = to.as_str();
    let out = pgrift(&["diff", &url, to, "-q", "--fail-on", "high"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error: the forward script has 3 risks at or above high (3 high)\nhint: run `pgrift report` with the same FROM and TO to see them"),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains(
            "--   risk high may-fail: Changing column public.items.code to integer will fail: 3 values that do not convert\n"
        ),
        "{}",
        text(&out.stdout)
    );
    let _ = cluster.drop_database(&from_db).await;
}

/// `--probe` on a source without data warns and measures nothing;
/// `--fail-on` below every risk passes.
#[tokio::test]
async fn the_command_line_without_a_live_from() {
    let from = root().join("fixtures").join("demo").join("from.sql");
    let to = root().join("fixtures").join("demo").join("to.sql");
    let (from, to) = (from.to_str().expect("UTF-8"), to.to_str().expect("UTF-8"));
    let out = pgrift(&["diff", from, to, "-q", "--probe", "--fail-on", "high"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("warning: --probe measures risks on a live FROM database"),
        "{}",
        text(&out.stderr)
    );
    let out = pgrift(&["diff", from, to, "-q", "--fail-on", "medium"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let out = pgrift(&["diff", from, to, "--probe-timeout", "soon"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not a duration"),
        "{}",
        text(&out.stderr)
    );
    let out = pgrift(&["report", "--help"]).await;
    let help = text(&out.stdout);
    for flag in [
        "--fail-on",
        "--probe",
        "--no-probe",
        "--probe-timeout",
        "Example",
    ] {
        assert!(help.contains(flag), "{help}");
    }
}

/// Texts that test the edges of the input functions a conversion's probe
/// checks: whitespace, signs, digits past a range, the syntax PostgreSQL 16
/// added (hexadecimal, underscores), numbers with exponents, `NaN` and the
/// infinities, prefixes of the boolean words, the forms of a uuid, dates
/// and JSON.
const TRICKY: &[&str] = &[
    "12",
    " 12 ",
    "+12",
    "-12",
    "-0",
    "+-1",
    "12abc",
    "",
    " ",
    "\t7\n",
    "\u{b}7\u{c}",
    "7\r",
    "4.5",
    "99999999999",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "32768",
    "-32768",
    "9223372036854775808",
    "0012",
    "00000000000000000000000000001",
    "0x1F",
    "1_000",
    "0o17",
    "１２",
    "1e3",
    "1E+3",
    "1e 3",
    "1e",
    ".5",
    "5.",
    ".",
    "-.5e-2",
    "1.2.3",
    "1e99999",
    "NaN",
    "nan",
    "+NaN",
    "inf",
    "-Infinity",
    "infinit",
    "123.456",
    "999.995",
    "99.994",
    "t",
    "TRUE",
    "tr",
    " yes ",
    "of",
    "o",
    "off",
    "ofF",
    "on",
    "1",
    "0",
    "2",
    "ye",
    "yess",
    "ſ",
    "yeſ",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
    "A0EEBC999C0B4EF8BB6D6BB9BD380A11",
    "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
    " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
    "2024-02-29",
    "2024-02-30",
    " 2024-02-29 ",
    "epoch",
    "infinity",
    "2024-02-29 25:00",
    "2024-02-29T12:00:00+01",
    "{\"a\": 1}",
    "{a: 1}",
    "[1, 2",
    "null",
    "\"x\"",
];

/// The texts PostgreSQL 14 and 15 cannot check as `numeric` without
/// casting them: the probe leaves their conversion unmeasured.
const UNDECIDED_BEFORE_16: &[&str] = &["1e99999"];

/// A conversion's probe agrees with the cast, value by value: each tricky
/// text is a column of its own, converted by the forward script, so each
/// probe counts one value, which must fail exactly when casting it fails.
/// Where the server cannot tell without casting, the risk must say so.
#[tokio::test]
async fn conversions_are_measured_as_the_cast_decides() {
    let targets = [
        ("text", "smallint"),
        ("text", "integer"),
        ("text", "bigint"),
        ("text", "numeric"),
        ("text", "numeric(5,2)"),
        ("character varying(60)", "boolean"),
        ("text", "uuid"),
        ("character(40)", "uuid"),
        ("character(40)", "integer"),
        ("text", "date"),
        ("text", "timestamp with time zone"),
        ("text", "jsonb"),
        ("text", "json"),
    ];
    let column = |i: usize| format!("v{i}");
    let table = |t: usize| format!("t{t}");
    let (mut from_sql, mut to_sql, mut seed) = (String::new(), String::new(), String::new());
    for (t, (source, target)) in targets.iter().enumerate() {
        let columns = |data_type: &str| {
            (0..TRICKY.len())
                .map(|i| format!("{} {data_type}", column(i)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        from_sql.push_str(&format!(
            "create table {} ({});\n",
            table(t),
            columns(source)
        ));
        to_sql.push_str(&format!(
            "create table {} ({});\n",
            table(t),
            columns(target)
        ));
        let values: Vec<String> = TRICKY
            .iter()
            .map(|v| pgrift::sql::quote_literal(v))
            .collect();
        seed.push_str(&format!(
            "insert into {} values ({});\n",
            table(t),
            values.join(", ")
        ));
    }
    let (cluster, db, from, to, plan) = pair(&format!("{from_sql}{seed}"), &to_sql).await;
    let client = cluster.connect(&db).await.expect("connect");
    let version: i32 = client
        .query_one("select current_setting('server_version_num')::integer", &[])
        .await
        .expect("version")
        .get(0);
    let mut assessment = risk::assess(&plan, &from, &to, Some(version), Direction::Forward);
    risk::probe(
        &client,
        &mut assessment,
        &plan,
        &from,
        &ProbeOptions::default(),
    )
    .await
    .expect("probes run");
    let mut failures = Vec::new();
    for (t, (source, target)) in targets.iter().enumerate() {
        for (i, value) in TRICKY.iter().enumerate() {
            let object = format!("public.{}.{}", table(t), column(i));
            let Some(risk) = assessment
                .risks()
                .find(|r| r.category == Category::MayFail && r.object == object)
            else {
                failures.push(format!("{object}: no may-fail risk"));
                continue;
            };
            // Trying the cast, as the script's `USING column::type` does.
            let cast = format!("select cast(cast($1::text as {source}) as {target})");
            let fails = client.query(&cast, &[value]).await.is_err();
            let unmeasured = version < 160000
                && (matches!(
                    *target,
                    "date" | "timestamp with time zone" | "json" | "jsonb"
                ) || (target.starts_with("numeric") && UNDECIDED_BEFORE_16.contains(value)));
            let found = risk.evidence.as_ref().map(|e| e.count);
            let says_why = risk.message.contains(&format!(
                "(not measured on PostgreSQL {}: ",
                version / 10000
            ));
            let agrees = if unmeasured {
                found.is_none() && says_why
            } else {
                found == Some(i64::from(fails))
            };
            if !agrees {
                failures.push(format!(
                    "{source} {value:?} to {target}: the cast {}, the probe says: {}",
                    if fails { "fails" } else { "succeeds" },
                    risk.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    drop(client);
    let _ = cluster.drop_database(&db).await;
}

/// A lock on a table that is being written to matters however small the
/// table: the probes watch the rows written while they run, and a small
/// table under writes is medium where an idle one is low.
#[tokio::test]
async fn a_busy_table_keeps_its_lock_risk() {
    let table = "public.\"busy\n*/ --'x\"";
    let (cluster, db, from, to, plan) = pair(
        &format!("create table {table} (id serial primary key, body text);"),
        &format!(
            "create table {table} (id serial primary key, body text); \
             create index \"by body\" on {table} (body);"
        ),
    )
    .await;
    let client = cluster.connect(&db).await.expect("connect");
    let options = ProbeOptions {
        activity_window: Duration::from_secs(3),
        ..ProbeOptions::default()
    };
    let lock_risk = |assessment: &Assessment| {
        assessment
            .risks()
            .find(|r| r.category == Category::Lock)
            .cloned()
            .expect("creating the index is a lock risk")
    };

    let mut idle = risk::assess(&plan, &from, &to, None, Direction::Forward);
    risk::probe(&client, &mut idle, &plan, &from, &options)
        .await
        .expect("probes run");
    let risk = lock_risk(&idle);
    assert_eq!(risk.severity, Severity::Low, "{}", risk.message);
    assert!(risk.message.contains("(a small table"), "{}", risk.message);

    let writer = cluster.connect(&db).await.expect("connect");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writing = {
        let stop = Arc::clone(&stop);
        let insert = format!("insert into {table} (body) values ('x')");
        tokio::spawn(async move {
            let mut written = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                writer.batch_execute(&insert).await.expect("insert");
                written += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            written
        })
    };
    // The writer's first rows are published before the watch starts.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut busy = risk::assess(&plan, &from, &to, None, Direction::Forward);
    risk::probe(&client, &mut busy, &plan, &from, &options)
        .await
        .expect("probes run");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writing.await.expect("the writer ends");
    assert!(written > 100, "the writer wrote {written} rows");
    let risk = lock_risk(&busy);
    assert_eq!(risk.severity, Severity::Medium, "{}", risk.message);
    assert!(
        risk.message.contains("(a busy table, ") && risk.message.contains(" over 3s: medium)"),
        "{}",
        risk.message
    );
    drop(client);
    let _ = cluster.drop_database(&db).await;
}

/// A privilege revoked from a role is measured on FROM: the table the role
/// could write to, which was written and whose role is connected, is high;
/// the one it could update, never updated, is low.
#[tokio::test]
async fn a_revoked_privilege_is_measured_by_use_and_sessions() {
    let cluster = support::shared_cluster().await;
    let role = support::unique_name("revoked \"re'ader\"\n*/ --");
    let quoted = pgrift::sql::quote_ident(&role);
    let admin = cluster.connect("postgres").await.expect("connect");
    admin
        .batch_execute(&format!("create role {quoted} login"))
        .await
        .expect("create role");
    let from = format!(
        "create table used (id integer); insert into used values (1), (2), (3); \
         grant select, insert on used to {quoted}; \
         create table unused (id integer); grant update on unused to {quoted};"
    );
    let to = "create table used (id integer); create table unused (id integer);";
    let (cluster, db, from, to, plan) = pair(&from, to).await;
    let mut as_role = cluster.conninfo(&db);
    as_role.user = role.clone();
    let session = pgrift::source::connect(&as_role)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    // Statistics reach other sessions a moment after the writes that make
    // them (at once from PostgreSQL 15, through the collector before).
    let client = cluster.connect(&db).await.expect("connect");
    let mut inserted = 0;
    for _ in 0..100 {
        let row = client
            .query_one(
                "select coalesce((select n_tup_ins from pg_stat_user_tables where relname = 'used'), 0)",
                &[],
            )
            .await
            .expect("statistics");
        inserted = row.get::<_, i64>(0);
        if inserted >= 3 {
            break;
        }
        client
            .batch_execute("select pg_stat_clear_snapshot()")
            .await
            .expect("clear the statistics snapshot");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(inserted, 3, "the seed's inserts reach the statistics");
    drop(client);
    let mut assessment = risk::assess(&plan, &from, &to, None, Direction::Forward);
    probe_with_timeout(&cluster, &db, &mut assessment, &plan, &from, 5000).await;
    let revoked = |table: &str| {
        assessment
            .risks()
            .find(|r| {
                r.rule == risk::Rule::RevokedPrivilege && r.object == format!("public.{table}")
            })
            .unwrap_or_else(|| panic!("the revoked privilege on {table}"))
    };
    let used = revoked("used");
    assert_eq!(used.severity, Severity::High, "{}", used.message);
    assert!(
        used.message.contains("3 rows inserted")
            && used.message.contains(&format!(
                "1 session of {quoted} or its members connected now"
            )),
        "{}",
        used.message
    );
    let unused = revoked("unused");
    assert_eq!(unused.severity, Severity::Low, "{}", unused.message);
    assert!(
        unused.message.contains("0 rows updated"),
        "{}",
        unused.message
    );
    drop(session);
    let _ = cluster.drop_database(&db).await;
    admin
        .batch_execute(&format!("drop role {quoted}"))
        .await
        .expect("drop role");
}
