//! Probes: the rules' risks measured on FROM's live data. The only IO in
//! `risk/`.
//!
//! Every probe is a read-only query ([`ProbeQuery`]) run in a
//! `REPEATABLE READ READ ONLY` transaction of its own, with
//! `statement_timeout` and `lock_timeout` set locally, so none can change
//! data or wait long, and none keeps its lock after it ends (see
//! `Session`); the client gives up on a round trip the server does not
//! answer in time. A probe that times out or fails becomes a note in its
//! risk's message, not an error; a connection lost stops the probes, and
//! every risk left says so.
//!
//! What a probe finds changes its risk:
//! - a `may-fail` risk with violating rows becomes `high` and says
//!   "will fail" with the count; with none today it becomes `low`;
//! - a `data-loss` risk states how much it loses; losing nothing today
//!   makes it `low`;
//! - every risk about tables gets their size (pages, estimated rows), so a
//!   reviewer can judge how long a rewrite, scan or lock lasts.
//!
//! On a table with more estimated rows than
//! [`ProbeOptions::max_exact_rows`], probes do not count: they estimate
//! from `pg_class.reltuples` and `pg_stats.null_frac` where those answer,
//! and say so, and leave the rest unmeasured.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use thiserror::Error;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use crate::catalog::{Catalog, QualName, Table};
use crate::introspect::{describe, duration};
use crate::names::Privilege;
use crate::plan::{Plan, Step};
use crate::sql::read::{self, ConstraintDefKind};
use crate::sql::{
    CastText, Condition, GrantTarget, Ident, InputCheck, Literal, ProbeControl, ProbeQuery,
    RoleSpec, Stmt, TableAction,
};

use super::model::{Assessment, Category, Evidence, Risk, Rule, Severity};
use super::phrase;
use super::types::{self, Input, Narrowing};

/// How the probes run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOptions {
    /// The longest any one probe may run (`statement_timeout`), and wait
    /// for a lock (`lock_timeout`).
    pub timeout: Duration,
    /// Above this many estimated rows a table is not counted: probes fall
    /// back to estimates.
    pub max_exact_rows: i64,
    /// A lock, rewrite or scan on a table of at most this many pages is
    /// low: it is over in moments.
    pub small_pages: i64,
    /// One on a table of at least this many pages is high: writes (or
    /// reads) wait for as long as the work takes.
    pub large_pages: i64,
    /// How long the rows written to the tables at risk are watched
    /// (`pg_stat_user_tables`); zero watches nothing. The watch runs while
    /// the tables are measured, and takes at most this long in all.
    pub activity_window: Duration,
    /// A table written at this many rows per second or more is busy: a
    /// lock, rewrite or scan on it is high, or medium on a small table,
    /// since writers queue behind the lock however briefly the work runs.
    pub busy_writes: u64,
}

/// 128 pages of 8 kB: 1 MB.
pub const SMALL_PAGES: i64 = 128;
/// 131,072 pages of 8 kB: 1 GB.
pub const LARGE_PAGES: i64 = 131_072;
/// Rows written per second that make a table busy.
pub const BUSY_WRITES: u64 = 10;

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(5),
            max_exact_rows: 1_000_000,
            small_pages: SMALL_PAGES,
            large_pages: LARGE_PAGES,
            activity_window: Duration::from_secs(2),
            busy_writes: BUSY_WRITES,
        }
    }
}

/// Why probing stopped. A single probe that fails or times out is not an
/// error: its risk carries a note instead.
#[derive(Debug, Error)]
pub enum ProbeError {
    /// The read-only transaction could not be started or set up.
    #[error("could not start the read-only probe transaction: {0}")]
    Begin(String),
    /// The connection broke while probing.
    #[error("the connection failed while probing: {0}")]
    Connection(String),
    /// The server did not answer a probe within its timeout and a margin:
    /// the connection may still be busy with it, so no more probes can be
    /// sent on it.
    #[error("the server did not answer a probe within {}", duration(*.0))]
    Unresponsive(Duration),
}

impl ProbeError {
    /// The note of a risk left unmeasured by this error.
    fn note(&self) -> String {
        match self {
            ProbeError::Connection(cause) => format!("the probes' connection was lost: {cause}"),
            ProbeError::Begin(_) | ProbeError::Unresponsive(_) => self.to_string(),
        }
    }
}

/// Measures the risks of `assessment` on the database `client` is
/// connected to, which holds FROM's schema (`from`) and data. Only the
/// forward plan can be probed: the reverse one runs on a database that
/// does not exist yet.
///
/// Fails only when the transaction cannot start, the connection breaks or
/// the server stops answering (past the timeout and a margin); the risks
/// measured so far keep their evidence, and the others say why they were
/// not measured.
pub async fn probe(
    client: &Client,
    assessment: &mut Assessment,
    plan: &Plan,
    from: &Catalog,
    options: &ProbeOptions,
) -> Result<(), ProbeError> {
    let mut prober = Prober {
        session: Session::new(client, options),
        version: None,
        from,
        plan,
        sizes: HashMap::new(),
        writes: HashMap::new(),
        tables_by_display: OnceCell::new(),
    };
    if let Err(e) = prober.start().await {
        leave_all_unmeasured(&prober, assessment, &e);
        return Err(e);
    }
    // The sizes of the tables the risks are about, a few round trips for
    // all of them; a table whose batch fails is measured alone below.
    let mut tables = Vec::new();
    for statement in &assessment.statements {
        let Some((step, stmt)) = statement_of(plan, statement.step, statement.index) else {
            continue;
        };
        for risk in &statement.risks {
            if let Some(Measure::Size(table) | Measure::Count(table, _)) =
                prober.plan_measure(risk, step, stmt)
            {
                tables.push(table);
            }
        }
    }
    tables.sort();
    tables.dedup();
    // Once the connection is lost, or the server stops answering, nothing
    // more can be measured: each risk left says why, rather than look
    // measured-less without a reason, and no more probes are sent. The
    // writes to the tables are watched while their sizes are measured.
    let watched = async {
        let watch = prober.start_watch(&tables).await?;
        prober.prefetch_sizes(tables.clone()).await?;
        prober.finish_watch(&tables, watch).await
    };
    if let Err(e) = watched.await {
        leave_all_unmeasured(&prober, assessment, &e);
        return Err(e);
    }
    let mut failure = None;
    for statement in &mut assessment.statements {
        let Some((step, stmt)) = statement_of(plan, statement.step, statement.index) else {
            continue;
        };
        for risk in &mut statement.risks {
            if let Some(e) = &failure {
                leave_unmeasured_by(&prober, risk, step, stmt, e);
            } else if let Err(e) = prober.measure(risk, step, stmt).await {
                leave_unmeasured(risk, &e.note());
                failure = Some(e);
            }
        }
    }
    failure.map_or(Ok(()), Err)
}

/// Notes `error` on every risk a probe would have measured.
fn leave_all_unmeasured(prober: &Prober<'_>, assessment: &mut Assessment, error: &ProbeError) {
    for statement in &mut assessment.statements {
        let Some((step, stmt)) = statement_of(prober.plan, statement.step, statement.index) else {
            continue;
        };
        for risk in &mut statement.risks {
            leave_unmeasured_by(prober, risk, step, stmt, error);
        }
    }
}

/// Notes `error` on `risk`, if a probe would have measured it.
fn leave_unmeasured_by(
    prober: &Prober<'_>,
    risk: &mut Risk,
    step: &Step,
    stmt: &Stmt,
    error: &ProbeError,
) {
    if prober.plan_measure(risk, step, stmt).is_some() {
        leave_unmeasured(risk, &error.note());
    }
}

/// The step of `plan` at `step`, and its statement at `index`, that an
/// assessment's risks are about.
fn statement_of(plan: &Plan, step: usize, index: usize) -> Option<(&Step, &Stmt)> {
    let change = plan.steps.get(step)?;
    Some((change, change.statements.get(index)?))
}

/// What a query answered.
enum Outcome<T> {
    Value(T),
    /// The query failed or timed out: a note for the risk's message.
    NotMeasured(String),
}

/// The probes' connection. Each probe runs in a read-only transaction of
/// its own, so that pgrift holds the lock a probe takes (`ACCESS SHARE` on
/// one table) only while that probe runs. One transaction for every probe
/// would keep thousands of them until the end: a migration waiting for its
/// `ACCESS EXCLUSIVE` lock on any of those tables would queue behind pgrift,
/// and everything else behind the migration; and with PostgreSQL's default
/// `max_locks_per_transaction` the lock table runs out after a few thousand
/// tables ("out of shared memory"). Probes on different tables need no
/// common snapshot: each measures the data as it is.
struct Session<'a> {
    client: &'a Client,
    options: &'a ProbeOptions,
    /// `BEGIN` and the `SET LOCAL`s, as one message.
    begin: String,
}

impl<'a> Session<'a> {
    /// Checks that the transaction of a probe can be started here.
    fn new(client: &'a Client, options: &'a ProbeOptions) -> Session<'a> {
        let millis = format!("{}ms", options.timeout.as_millis().max(1));
        let statements = [
            ProbeControl::Begin,
            ProbeControl::SetLocal {
                name: "statement_timeout",
                value: Literal(millis.clone()),
            },
            ProbeControl::SetLocal {
                name: "lock_timeout",
                value: Literal(millis),
            },
            // Expressions from the catalog were deparsed with an empty
            // search_path: they name everything outside pg_catalog in full.
            ProbeControl::SetLocal {
                name: "search_path",
                value: Literal("pg_catalog".into()),
            },
            // The probes' patterns hold backslashes, which must reach the
            // regular expressions as they are written.
            ProbeControl::SetLocal {
                name: "standard_conforming_strings",
                value: Literal("on".into()),
            },
        ];
        let begin = statements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        Session {
            client,
            options,
            begin,
        }
    }

    /// Checks that the transaction of a probe can be started here.
    async fn check(&self) -> Result<(), ProbeError> {
        let check = format!("{}; {}", self.begin, ProbeControl::Rollback);
        self.bounded(self.client.batch_execute(&check))
            .await?
            .map_err(|e| ProbeError::Begin(describe(&e)))
    }

    /// `statement_timeout` and `lock_timeout` bound what the server waits
    /// for; this bounds what the client waits for (a network that stops
    /// delivering, a server that stops answering), with a margin for the
    /// server to notice its own timeout and answer.
    async fn bounded<T>(&self, round_trip: impl Future<Output = T>) -> Result<T, ProbeError> {
        let backstop = self.options.timeout + self.options.timeout.max(Duration::from_secs(1));
        tokio::time::timeout(backstop, round_trip)
            .await
            .map_err(|_| ProbeError::Unresponsive(backstop))
    }

    /// Runs one probe in a transaction of its own, reading its one row.
    async fn run<T>(
        &self,
        query: &ProbeQuery,
        read: impl FnOnce(Option<tokio_postgres::Row>) -> Option<T>,
    ) -> Result<Outcome<T>, ProbeError> {
        self.run_rows(query, |rows| read(rows.into_iter().next()))
            .await
    }

    /// Runs one probe in a transaction of its own, reading all its rows.
    async fn run_rows<T>(
        &self,
        query: &ProbeQuery,
        read: impl FnOnce(Vec<tokio_postgres::Row>) -> Option<T>,
    ) -> Result<Outcome<T>, ProbeError> {
        let control = |sql: String| async move {
            self.client
                .batch_execute(&sql)
                .await
                .map_err(|e| ProbeError::Connection(describe(&e)))
        };
        // The transaction's start, the probe and the rollback go out
        // together, in this order, and their answers come back in one round
        // trip: a large plan probes thousands of times. The probe is not
        // prepared first (`query_typed` sends it in one message), so that
        // nothing waits between them. A probe that fails leaves the
        // transaction aborted, which the rollback ends all the same.
        let sql = query.to_string();
        let (began, probed, ended) = self
            .bounded(async {
                tokio::join!(
                    control(self.begin.clone()),
                    self.client.query_typed(&sql, &[]),
                    control(ProbeControl::Rollback.to_string()),
                )
            })
            .await?;
        // A connection the server ends (pg_terminate_backend, a shutdown)
        // fails the probe with the reason, and what follows it with a bare
        // "connection closed": the reason is the one worth keeping.
        if let Err(e) = &probed
            && e.as_db_error()
                .is_some_and(|db| matches!(db.severity(), "FATAL" | "PANIC"))
        {
            return Err(ProbeError::Connection(describe(e)));
        }
        began?;
        ended?;
        match probed {
            Ok(rows) => Ok(match read(rows) {
                Some(value) => Outcome::Value(value),
                None => Outcome::NotMeasured("the probe returned nothing".into()),
            }),
            Err(e) => match e.as_db_error() {
                Some(db) => {
                    let note = if db.code() == &SqlState::QUERY_CANCELED {
                        format!(
                            "the probe timed out after {}",
                            duration(self.options.timeout)
                        )
                    } else if db.code() == &SqlState::LOCK_NOT_AVAILABLE {
                        "the probe waited too long for a lock".to_owned()
                    } else {
                        format!("the probe failed: {}", db.message())
                    };
                    Ok(Outcome::NotMeasured(note))
                }
                None => Err(ProbeError::Connection(describe(&e))),
            },
        }
    }
}

/// A table's size as `pg_class` and the file on disk tell it.
#[derive(Debug, Clone, Copy)]
struct Size {
    /// Pages on disk now.
    pages: i64,
    /// An exact count for a small table, else `reltuples` (`None` when the
    /// table was never analysed).
    rows: Option<i64>,
    rows_estimated: bool,
    /// Above the exact-count threshold: probes estimate instead of
    /// counting.
    big: bool,
}

/// How many tables one batch of [`Prober::prefetch_sizes`] measures: its
/// transaction holds their `ACCESS SHARE` locks until it ends, and a
/// server's lock table has room for `max_locks_per_transaction` (64 by
/// default) times the number of connections, shared by all sessions.
const SIZE_BATCH: usize = 64;

/// Scales a lock, rewrite or scan risk by the size of its table and the
/// rows written to it per second (`writes`, when watched). On a busy table
/// (at least `busy_writes` rows a second) it is high, or medium on a small
/// one: writers queue behind the lock while it waits and while it is held,
/// however briefly the work runs. Otherwise, on a table of at most
/// `small_pages` the work is over in moments, so a medium or high risk
/// becomes low; on one of at least `large_pages` a medium risk becomes
/// high. Informational risks (a lock that blocks neither reads nor writes)
/// stay as they are.
fn scale_by_size(risk: &mut Risk, pages: i64, writes: Option<f64>, options: &ProbeOptions) {
    if !matches!(
        risk.category,
        Category::Lock | Category::TableRewrite | Category::ValidationScan
    ) || risk.severity <= Severity::Low
    {
        return;
    }
    let small = pages <= options.small_pages;
    if let Some(rate) = writes.filter(|rate| *rate >= options.busy_writes as f64) {
        let (severity, word) = if small {
            (Severity::Medium, "medium")
        } else {
            (Severity::High, "high")
        };
        risk.severity = severity;
        risk.message.push_str(&format!(
            " (a busy table, {} written per second over {}: {word})",
            phrase::count(rate.round() as i64, "row", "rows"),
            duration(options.activity_window)
        ));
    } else if small {
        risk.severity = Severity::Low;
        risk.message.push_str(&format!(
            " (a small table, at most {}: low)",
            phrase::count(options.small_pages, "page", "pages")
        ));
    } else if pages >= options.large_pages && risk.severity == Severity::Medium {
        risk.severity = Severity::High;
        risk.message.push_str(&format!(
            " (a large table, at least {}: high)",
            phrase::count(options.large_pages, "page", "pages")
        ));
    }
}

/// A table's size from its pages on disk and `pg_class.reltuples` (-1 when
/// never analysed), before any count: the rows are the estimate, and a
/// table is big when the estimate or the pages pass `max_exact_rows`.
/// `reltuples` is only as fresh as the last ANALYZE (an index built on an
/// empty table leaves 0), so a table small on disk is counted; a page holds
/// at least ten rows of any realistic table.
fn size_from(pages: i64, reltuples: i64, max_exact_rows: i64) -> Size {
    let rows = (reltuples >= 0).then_some(reltuples);
    Size {
        pages,
        rows,
        rows_estimated: true,
        big: rows.is_some_and(|r| r > max_exact_rows) || pages > max_exact_rows / 10,
    }
}

/// What to count for a risk.
struct Count {
    query: ProbeQuery,
    singular: &'static str,
    plural: &'static str,
    /// How to estimate the count on a big table.
    estimate: Estimate,
    /// The query also counts, in a second column, the rows it cannot
    /// decide about on this server (see [`Condition::UndecidedNumeric`]).
    undecided: bool,
}

enum Estimate {
    /// `reltuples`.
    Rows,
    /// `reltuples × (1 - null_frac)`.
    NotNull(String),
    /// `reltuples × null_frac`.
    Null(String),
    None,
}

enum Measure {
    /// Count rows of `table`.
    Count(QualName, Box<Count>),
    /// A sequence's current value, failing the statement beyond a bound.
    SequenceValue {
        name: QualName,
        fails: Box<dyn Fn(i64) -> bool + Send>,
    },
    /// Only the size of the table.
    Size(QualName),
    /// Whether the role an object is given to is a superuser or can log
    /// in.
    Role { object: String, role: String },
    /// Whether the privileges a `REVOKE` takes away were used: the use of
    /// `table` (none for an object other than a table) since its
    /// statistics began, and the sessions of `role` connected now.
    Revoked {
        table: Option<QualName>,
        privileges: Vec<Privilege>,
        role: RoleSpec,
    },
    /// Nothing: the server cannot answer without running the statement.
    /// The text says why, after "not measured".
    Unanswerable(String),
}

struct Prober<'a> {
    session: Session<'a>,
    /// FROM's `server_version_num`, `None` when it could not be read.
    version: Option<i32>,
    from: &'a Catalog,
    plan: &'a Plan,
    sizes: HashMap<QualName, Outcome<Size>>,
    /// Rows written per second to each table at risk while it was watched.
    writes: HashMap<QualName, f64>,
    /// FROM's tables by the name risks print (`Risk::tables`), built on
    /// first use.
    tables_by_display: OnceCell<FxHashMap<String, &'a Table>>,
}

impl Prober<'_> {
    async fn measure(
        &mut self,
        risk: &mut Risk,
        step: &Step,
        stmt: &Stmt,
    ) -> Result<(), ProbeError> {
        let Some(measure) = self.plan_measure(risk, step, stmt) else {
            return Ok(());
        };
        match measure {
            Measure::Role { object, role } => {
                let query = ProbeQuery::RoleAttributes {
                    role: Literal(role.clone()),
                };
                let read = |row: Option<tokio_postgres::Row>| match row {
                    None => Some(None),
                    Some(row) => Some(Some((row.try_get(0).ok()?, row.try_get(1).ok()?))),
                };
                let attributes = match self.session.run(&query, read).await? {
                    Outcome::Value(attributes) => attributes,
                    Outcome::NotMeasured(note) => return not_measured(risk, &note),
                };
                let role = Ident(role);
                let (severity, verdict) = match attributes {
                    Some((true, _)) => (
                        Severity::High,
                        format!(
                            "{role} is a superuser on FROM's server: the object, and whatever \
                             runs with its owner's rights, get every right there is"
                        ),
                    ),
                    Some((false, true)) => (
                        Severity::Medium,
                        format!(
                            "{role} can log in on FROM's server: whoever logs in as it may \
                             alter or drop the object"
                        ),
                    ),
                    Some((false, false)) => (
                        Severity::Low,
                        format!("{role} is no superuser and cannot log in on FROM's server"),
                    ),
                    None => (
                        Severity::Low,
                        format!("FROM's server has no role {role} (yet)"),
                    ),
                };
                risk.severity = severity;
                risk.message = format!("{object} is given to {role}; {verdict}");
            }
            Measure::Revoked {
                table,
                privileges,
                role,
            } => {
                self.measure_revoked(risk, table, &privileges, &role)
                    .await?
            }
            Measure::Unanswerable(why) => {
                risk.message.push_str(&format!(" (not measured {why})"));
            }
            Measure::Size(table) => {
                let size = match self.size(&table).await? {
                    Outcome::Value(size) => size,
                    Outcome::NotMeasured(note) => return not_measured(risk, &note),
                };
                let pages = phrase::count(size.pages, "page", "pages");
                match size.rows {
                    Some(rows) => risk.message.push_str(&format!(
                        "; {table} holds {} in {pages}",
                        about(rows, size.rows_estimated)
                    )),
                    None => risk
                        .message
                        .push_str(&format!("; {table} fills {pages} and was never analysed")),
                }
                scale_by_size(
                    risk,
                    size.pages,
                    self.writes.get(&table).copied(),
                    self.session.options,
                );
                risk.evidence = Some(Evidence {
                    measure: if size.rows == Some(1) {
                        "row in the table"
                    } else {
                        "rows in the table"
                    }
                    .into(),
                    count: size.rows.unwrap_or(0),
                    estimated: size.rows_estimated,
                    table_pages: Some(size.pages),
                    table_rows_estimate: size.rows,
                    query: ProbeQuery::TableSize { table }.to_string(),
                });
            }
            Measure::SequenceValue { name, fails } => {
                let query = ProbeQuery::SequenceLastValue { name };
                let value = match self
                    .session
                    .run(&query, |row| row?.try_get::<_, i64>(0).ok())
                    .await?
                {
                    Outcome::Value(v) => v,
                    Outcome::NotMeasured(note) => return not_measured(risk, &note),
                };
                let evidence = Evidence {
                    measure: "current value".into(),
                    count: value,
                    estimated: false,
                    table_pages: None,
                    table_rows_estimate: None,
                    query: query.to_string(),
                };
                if risk.category == Category::BreaksClients {
                    if fails(value) {
                        risk.severity = Severity::High;
                        risk.message = format!(
                            "{} leaves it nothing to hand out: its current value is {}, and every insert that draws from it will fail",
                            phrase::action(step, stmt),
                            phrase::thousands(value)
                        );
                    } else {
                        risk.severity = Severity::Low;
                        risk.message.push_str(&format!(
                            "; its current value, {}, fits",
                            phrase::thousands(value)
                        ));
                    }
                } else {
                    risk.message.push_str(&format!(
                        "; its current value is {}",
                        phrase::thousands(value)
                    ));
                }
                risk.evidence = Some(evidence);
            }
            Measure::Count(table, count) => {
                let size = match self.size(&table).await? {
                    Outcome::Value(size) => size,
                    Outcome::NotMeasured(note) => return not_measured(risk, &note),
                };
                // Rows the count could not decide about, with a count of
                // those that fail.
                let mut unmeasured = None;
                let (n, estimated, query) = if size.big {
                    match self.estimate(&table, &count.estimate, size).await? {
                        Some(found) => found,
                        None => {
                            let size_note = match size.rows {
                                Some(rows) => {
                                    format!("about {}", phrase::count(rows, "row", "rows"))
                                }
                                None => phrase::count(size.pages, "page", "pages"),
                            };
                            return not_measured(
                                risk,
                                &format!(
                                    "{table} has {size_note}, more than the probes count (--probe-max-rows {})",
                                    self.session.options.max_exact_rows
                                ),
                            );
                        }
                    }
                } else {
                    let read = |row: Option<tokio_postgres::Row>| {
                        let row = row?;
                        let undecided = if count.undecided {
                            row.try_get::<_, i64>(1).ok()?
                        } else {
                            0
                        };
                        Some((row.try_get::<_, i64>(0).ok()?, undecided))
                    };
                    match self.session.run(&count.query, read).await? {
                        Outcome::Value((n, undecided)) => {
                            if undecided > 0 {
                                let note = format!(
                                    "on PostgreSQL {}: {} too long, or with too large an exponent, to check without casting",
                                    self.major(),
                                    phrase::count(undecided, "value", "values")
                                );
                                // Values that fail prove the failure;
                                // without them nothing is proven.
                                if n == 0 {
                                    risk.message.push_str(&format!(" (not measured {note})"));
                                    return Ok(());
                                }
                                unmeasured = Some(note);
                            }
                            (n, false, count.query.to_string())
                        }
                        Outcome::NotMeasured(note) => return not_measured(risk, &note),
                    }
                };
                apply(risk, step, stmt, &count, n, estimated);
                if let Some(note) = unmeasured {
                    risk.message
                        .push_str(&format!("; more not measured {note}"));
                }
                risk.evidence = Some(Evidence {
                    measure: if n == 1 { count.singular } else { count.plural }.to_owned(),
                    count: n,
                    estimated,
                    table_pages: Some(size.pages),
                    table_rows_estimate: size.rows,
                    query,
                });
            }
        }
        Ok(())
    }

    /// The size of a table, probed once per table.
    async fn size(&mut self, table: &QualName) -> Result<Outcome<Size>, ProbeError> {
        if let Some(found) = self.sizes.get(table) {
            return Ok(match found {
                Outcome::Value(size) => Outcome::Value(*size),
                Outcome::NotMeasured(note) => Outcome::NotMeasured(note.clone()),
            });
        }
        let found = self.read_size(table).await?;
        let copy = match &found {
            Outcome::Value(size) => Outcome::Value(*size),
            Outcome::NotMeasured(note) => Outcome::NotMeasured(note.clone()),
        };
        self.sizes.insert(table.clone(), copy);
        Ok(found)
    }

    /// Reads how many rows have been written to each of `tables`, and
    /// when: the start of watching them. `None` when nothing is watched (no
    /// window, no tables) or the statistics could not be read.
    async fn start_watch(
        &self,
        tables: &[QualName],
    ) -> Result<Option<(Instant, Vec<i64>)>, ProbeError> {
        if tables.is_empty() || self.session.options.activity_window.is_zero() {
            return Ok(None);
        }
        let start = Instant::now();
        Ok(self
            .read_writes(tables)
            .await?
            .map(|counts| (start, counts)))
    }

    /// Waits for what is left of the window started by `watch`, reads the
    /// writes again, and keeps each table's rows written per second.
    async fn finish_watch(
        &mut self,
        tables: &[QualName],
        watch: Option<(Instant, Vec<i64>)>,
    ) -> Result<(), ProbeError> {
        let Some((start, before)) = watch else {
            return Ok(());
        };
        let window = self.session.options.activity_window;
        if let Some(left) = window.checked_sub(start.elapsed()) {
            tokio::time::sleep(left).await;
        }
        let seconds = start.elapsed().as_secs_f64();
        let Some(after) = self.read_writes(tables).await? else {
            return Ok(());
        };
        for ((table, before), after) in tables.iter().zip(before).zip(after) {
            // A reset of the statistics in between reads as no writes.
            let written = (after - before).max(0) as f64;
            self.writes.insert(table.clone(), written / seconds);
        }
        Ok(())
    }

    async fn read_writes(&self, tables: &[QualName]) -> Result<Option<Vec<i64>>, ProbeError> {
        let query = ProbeQuery::TableWrites {
            tables: tables.to_vec(),
        };
        let count = tables.len();
        let read = |rows: Vec<tokio_postgres::Row>| {
            (rows.len() == count)
                .then(|| {
                    rows.iter()
                        .map(|row| row.try_get::<_, i64>(0).ok())
                        .collect::<Option<Vec<_>>>()
                })
                .flatten()
        };
        Ok(match self.session.run_rows(&query, read).await? {
            Outcome::Value(counts) => Some(counts),
            Outcome::NotMeasured(_) => None,
        })
    }

    /// Measures the sizes of `tables` in batches, into the cache that
    /// [`Prober::size`] reads. A batch is one probe transaction, so it holds
    /// the locks of at most [`SIZE_BATCH`] tables; a batch that fails (a
    /// table locked past the timeout) leaves its tables to be measured one by
    /// one, each with its own note.
    async fn prefetch_sizes(&mut self, mut tables: Vec<QualName>) -> Result<(), ProbeError> {
        tables.sort();
        tables.dedup();
        let max = self.session.options.max_exact_rows;
        for batch in tables.chunks(SIZE_BATCH) {
            let query = ProbeQuery::TableSizes {
                tables: batch.to_vec(),
            };
            let read = |rows: Vec<tokio_postgres::Row>| {
                (rows.len() == batch.len())
                    .then(|| {
                        rows.iter()
                            .map(|row| {
                                Some((
                                    row.try_get::<_, i64>(0).ok()?,
                                    row.try_get::<_, i64>(1).ok()?,
                                ))
                            })
                            .collect::<Option<Vec<_>>>()
                    })
                    .flatten()
            };
            let Outcome::Value(found) = self.session.run_rows(&query, read).await? else {
                continue;
            };
            let mut sizes: Vec<(&QualName, Size)> = batch
                .iter()
                .zip(found)
                .map(|(table, (pages, reltuples))| (table, size_from(pages, reltuples, max)))
                .collect();
            // Small tables are counted exactly, as `read_size` does, all in
            // one more query.
            let small: Vec<QualName> = sizes
                .iter()
                .filter(|(_, size)| !size.big)
                .map(|(table, _)| (*table).clone())
                .collect();
            if !small.is_empty() {
                let count = small.len();
                let query = ProbeQuery::CountRowsEach { tables: small };
                let read = |rows: Vec<tokio_postgres::Row>| {
                    let row = rows.into_iter().next()?;
                    (0..count)
                        .map(|i| row.try_get::<_, i64>(i).ok())
                        .collect::<Option<Vec<_>>>()
                };
                let Outcome::Value(counts) = self.session.run_rows(&query, read).await? else {
                    continue;
                };
                let mut counts = counts.into_iter();
                for (_, size) in sizes.iter_mut().filter(|(_, size)| !size.big) {
                    size.rows = counts.next();
                    size.rows_estimated = false;
                }
            }
            for (table, size) in sizes {
                self.sizes.insert(table.clone(), Outcome::Value(size));
            }
        }
        Ok(())
    }

    async fn read_size(&self, table: &QualName) -> Result<Outcome<Size>, ProbeError> {
        let query = ProbeQuery::TableSize {
            table: table.clone(),
        };
        let (pages, reltuples) = match self
            .session
            .run(&query, |row| {
                let row = row?;
                Some((
                    row.try_get::<_, i64>(0).ok()?,
                    row.try_get::<_, i64>(1).ok()?,
                ))
            })
            .await?
        {
            Outcome::Value(v) => v,
            Outcome::NotMeasured(note) => return Ok(Outcome::NotMeasured(note)),
        };
        let size = size_from(pages, reltuples, self.session.options.max_exact_rows);
        if size.big {
            return Ok(Outcome::Value(size));
        }
        let count = ProbeQuery::CountRows {
            table: table.clone(),
        };
        Ok(
            match self
                .session
                .run(&count, |row| row?.try_get::<_, i64>(0).ok())
                .await?
            {
                Outcome::Value(rows) => Outcome::Value(Size {
                    rows: Some(rows),
                    rows_estimated: false,
                    ..size
                }),
                Outcome::NotMeasured(note) => Outcome::NotMeasured(note),
            },
        )
    }

    /// An estimate from statistics for a big table; `None` where there is
    /// none to be had.
    async fn estimate(
        &self,
        table: &QualName,
        estimate: &Estimate,
        size: Size,
    ) -> Result<Option<(i64, bool, String)>, ProbeError> {
        let Some(rows) = size.rows else {
            return Ok(None);
        };
        let column = match estimate {
            Estimate::Rows => {
                let query = ProbeQuery::TableSize {
                    table: table.clone(),
                };
                return Ok(Some((rows, true, query.to_string())));
            }
            Estimate::NotNull(column) | Estimate::Null(column) => column,
            Estimate::None => return Ok(None),
        };
        let query = ProbeQuery::NullFraction {
            table: table.clone(),
            column: column.clone(),
        };
        let fraction = match self
            .session
            .run(&query, |row| {
                Some(row.and_then(|r| r.try_get::<_, f32>(0).ok()))
            })
            .await?
        {
            Outcome::Value(Some(f)) => f64::from(f),
            _ => return Ok(None),
        };
        let share = match estimate {
            Estimate::NotNull(_) => 1.0 - fraction,
            _ => fraction,
        };
        Ok(Some((
            (rows as f64 * share).round() as i64,
            true,
            query.to_string(),
        )))
    }

    /// Measures a revoked privilege: how the table was used that way since
    /// its statistics began, and who of the role is connected now. Unused
    /// (every privilege measured, none used) is low; used, with the role
    /// connected, high; anything else stays medium.
    async fn measure_revoked(
        &mut self,
        risk: &mut Risk,
        table: Option<QualName>,
        privileges: &[Privilege],
        role: &RoleSpec,
    ) -> Result<(), ProbeError> {
        let mut notes = Vec::new();
        let mut used = None;
        if let Some(table) = table {
            let query = ProbeQuery::TableUse {
                table: table.clone(),
            };
            let read = |row: Option<tokio_postgres::Row>| match row {
                None => Some(None),
                Some(row) => {
                    let count = |i| row.try_get::<_, i64>(i).ok();
                    Some(Some([count(0)?, count(1)?, count(2)?, count(3)?]))
                }
            };
            match self.session.run(&query, read).await? {
                Outcome::Value(Some([scans, inserted, updated, deleted])) => {
                    let mut uses = Vec::new();
                    let mut unmeasured = false;
                    for privilege in privileges {
                        match privilege {
                            Privilege::Select => {
                                uses.push(phrase::count(scans, "scan", "scans"));
                                used = Some(used.unwrap_or(false) || scans > 0);
                            }
                            Privilege::Insert | Privilege::Update | Privilege::Delete => {
                                let (n, verb) = match privilege {
                                    Privilege::Insert => (inserted, "inserted"),
                                    Privilege::Update => (updated, "updated"),
                                    _ => (deleted, "deleted"),
                                };
                                uses.push(format!("{} {verb}", phrase::count(n, "row", "rows")));
                                used = Some(used.unwrap_or(false) || n > 0);
                            }
                            _ => unmeasured = true,
                        }
                    }
                    if unmeasured && used == Some(false) {
                        used = None;
                    }
                    if !uses.is_empty() {
                        notes.push(format!(
                            "since its statistics began {table} had {} (by roles PostgreSQL \
                             does not record)",
                            phrase::list(&uses)
                        ));
                    }
                }
                Outcome::Value(None) => {}
                Outcome::NotMeasured(note) => return not_measured(risk, &note),
            }
        }
        let sessions_of = match role {
            RoleSpec::Public => Some(None),
            RoleSpec::Role(name) => Some(Some(Literal(name.0.clone()))),
            RoleSpec::CurrentUser => None,
        };
        let mut connected = None;
        if let Some(sessions_of) = sessions_of {
            let query = ProbeQuery::RoleSessions { role: sessions_of };
            let read = |row: Option<tokio_postgres::Row>| row?.try_get::<_, i64>(0).ok();
            match self.session.run(&query, read).await? {
                Outcome::Value(sessions) => {
                    let who = match role {
                        RoleSpec::Public => "of any role".to_owned(),
                        role => format!("of {role} or its members"),
                    };
                    notes.push(format!(
                        "{} {who} connected now",
                        phrase::count(sessions, "session", "sessions")
                    ));
                    connected = Some(sessions > 0);
                }
                Outcome::NotMeasured(note) => return not_measured(risk, &note),
            }
        }
        risk.severity = match (used, connected) {
            (Some(false), _) => Severity::Low,
            (Some(true), Some(true)) => Severity::High,
            _ => Severity::Medium,
        };
        for note in notes {
            risk.message.push_str("; ");
            risk.message.push_str(&note);
        }
        Ok(())
    }

    /// Decides what to measure for a risk of a statement.
    fn plan_measure(&self, risk: &Risk, step: &Step, stmt: &Stmt) -> Option<Measure> {
        let count = |table: &QualName, query, singular, plural, estimate| {
            Some(Measure::Count(
                table.clone(),
                Box::new(Count {
                    query,
                    singular,
                    plural,
                    estimate,
                    undecided: false,
                }),
            ))
        };
        let specific = match (risk.category, stmt) {
            (Category::Security, Stmt::Revoke(revoke))
                if risk.rule == Rule::RevokedPrivilege && !revoke.grant_option =>
            {
                Some(Measure::Revoked {
                    table: match &revoke.target {
                        GrantTarget::Table(table) if revoke.column.is_none() => Some(table.clone()),
                        _ => None,
                    },
                    privileges: revoke.privileges.clone(),
                    role: revoke.role.clone(),
                })
            }
            (Category::Security, Stmt::AlterOwner { object, owner })
                if risk.rule == Rule::OwnerChange =>
            {
                Some(Measure::Role {
                    object: object.to_string(),
                    role: owner.0.clone(),
                })
            }
            (Category::DataLoss, Stmt::DropTable(table)) => count(
                table,
                ProbeQuery::CountRows {
                    table: table.clone(),
                },
                "row",
                "rows",
                Estimate::Rows,
            ),
            (Category::DataLoss, Stmt::DropSequence(name)) => Some(Measure::SequenceValue {
                name: name.clone(),
                fails: Box::new(|_| false),
            }),
            (Category::BreaksClients, Stmt::SequenceAtMost { name, value }) => {
                let max = *value;
                Some(Measure::SequenceValue {
                    name: name.clone(),
                    fails: Box::new(move |v| v > max),
                })
            }
            (Category::BreaksClients, Stmt::SequenceAtLeast { name, value }) => {
                let min = *value;
                Some(Measure::SequenceValue {
                    name: name.clone(),
                    fails: Box::new(move |v| v < min),
                })
            }
            (category, Stmt::AlterTable { table, action }) if self.has_table(table) => self
                .conversion_measure(category, table, action)
                .or_else(|| {
                    self.table_measure(category, table, action).and_then(
                        |(query, singular, plural, estimate)| {
                            count(table, query, singular, plural, estimate)
                        },
                    )
                }),
            (
                Category::MayFail,
                Stmt::CreateIndex(definition) | Stmt::CreateIndexConcurrently(definition),
            ) => {
                let def = read::index(&definition.0)?;
                let table = match &step.id {
                    crate::catalog::ObjectId::Index { .. }
                    | crate::catalog::ObjectId::Constraint { .. } => def.table.clone(),
                    _ => return None,
                };
                let columns = self.existing_columns(&table, def.columns.as_deref()?)?;
                count(
                    &table,
                    ProbeQuery::DuplicateGroups {
                        table: table.clone(),
                        columns,
                        nulls_distinct: def.nulls_distinct,
                        predicate: def.predicate,
                    },
                    "duplicate group",
                    "duplicate groups",
                    Estimate::None,
                )
            }
            _ => None,
        };
        specific.or_else(|| {
            // Any other risk about a table gets the table's size.
            let from = self.from;
            let tables = self.tables_by_display.get_or_init(|| {
                from.tables
                    .iter()
                    .map(|t| (t.name.to_string(), t))
                    .collect()
            });
            let table = risk.tables.first().and_then(|t| tables.get(t))?;
            Some(Measure::Size(table.name.clone()))
        })
    }

    /// What to count for a risk of `ALTER TABLE`: the query, the nouns
    /// for its count, and how to estimate it.
    fn table_measure(
        &self,
        category: Category,
        table: &QualName,
        action: &TableAction,
    ) -> Option<(ProbeQuery, &'static str, &'static str, Estimate)> {
        let count_where = |condition| ProbeQuery::CountWhere {
            table: table.clone(),
            condition,
        };
        match (category, action) {
            (
                Category::DataLoss,
                TableAction::DropColumn(column) | TableAction::DropColumnIfExists(column),
            ) => {
                self.column(table, &column.0)?;
                Some((
                    count_where(Condition::IsNotNull(column.clone())),
                    "non-null value",
                    "non-null values",
                    Estimate::NotNull(column.0.clone()),
                ))
            }
            (
                Category::DataLoss,
                TableAction::AlterColumnType {
                    column, data_type, ..
                },
            ) => {
                let old = self.column(table, &column.0)?;
                let conversion = types::convert(&old.data_type, &data_type.0);
                let Some(types::Loss::Rounds(scale)) = conversion.loss else {
                    return None;
                };
                if types::SqlType::parse(&old.data_type).array {
                    return None;
                }
                Some((
                    count_where(Condition::Rounded {
                        column: column.clone(),
                        scale,
                    }),
                    "value that would be rounded",
                    "values that would be rounded",
                    Estimate::None,
                ))
            }
            (Category::MayFail, TableAction::SetNotNull(column)) => {
                self.column(table, &column.0)?;
                Some((
                    count_where(Condition::IsNull(column.clone())),
                    "row with NULL",
                    "rows with NULL",
                    Estimate::Null(column.0.clone()),
                ))
            }
            (Category::MayFail, TableAction::AddColumn(_)) => Some((
                ProbeQuery::CountRows {
                    table: table.clone(),
                },
                "existing row",
                "existing rows",
                Estimate::Rows,
            )),
            (Category::MayFail, TableAction::AddConstraint { definition, .. }) => {
                self.constraint_measure(table, &definition.0)
            }
            (Category::MayFail, TableAction::ValidateConstraint(name)) => {
                let constraint = self
                    .from
                    .tables
                    .iter()
                    .find(|t| &t.name == table)?
                    .constraints
                    .iter()
                    .find(|c| c.name == name.0)?;
                self.constraint_measure(table, &constraint.definition)
            }
            (
                Category::MayFail,
                TableAction::AlterColumnType {
                    column,
                    data_type,
                    via_text,
                    ..
                },
            ) => {
                let old = self.column(table, &column.0)?;
                if *via_text {
                    let labels: Vec<Literal> = self
                        .removed_labels(&old.data_type, &data_type.0)?
                        .into_iter()
                        .map(Literal)
                        .collect();
                    let condition = if types::SqlType::parse(&old.data_type).array {
                        Condition::AnyInLabels(column.clone(), labels)
                    } else {
                        Condition::InLabels(column.clone(), labels)
                    };
                    return Some((
                        count_where(condition),
                        "row holding a removed label",
                        "rows holding removed labels",
                        Estimate::None,
                    ));
                }
                if types::SqlType::parse(&old.data_type).array {
                    return None;
                }
                let condition = match types::convert(&old.data_type, &data_type.0).narrowing? {
                    Narrowing::Length(n) => Condition::LongerThan(column.clone(), n),
                    Narrowing::Range { min, max, round } => Condition::OutsideRange {
                        column: column.clone(),
                        min,
                        max,
                        round,
                    },
                    Narrowing::Digits { digits, scale } => Condition::TooManyDigits {
                        column: column.clone(),
                        digits,
                        scale,
                    },
                    Narrowing::Input { .. } | Narrowing::Conversion => return None,
                };
                Some((
                    count_where(condition),
                    "value that does not fit",
                    "values that do not fit",
                    Estimate::None,
                ))
            }
            _ => None,
        }
    }

    /// Checks that probes can run, and reads the server's version, on which
    /// what a conversion's probe may ask depends.
    async fn start(&mut self) -> Result<(), ProbeError> {
        self.session.check().await?;
        let query = ProbeQuery::ServerVersion;
        if let Outcome::Value(version) = self
            .session
            .run(&query, |row| row?.try_get::<_, i32>(0).ok())
            .await?
        {
            self.version = Some(version);
        }
        Ok(())
    }

    /// What to count for a conversion from a string type that the new
    /// type's input function may refuse: the rows whose text it refuses.
    /// From PostgreSQL 16, `pg_input_is_valid` asks the input function
    /// itself; up to 15 only the types whose syntax a pattern decides
    /// exactly are checked, and the others are left unmeasured.
    fn conversion_measure(
        &self,
        category: Category,
        table: &QualName,
        action: &TableAction,
    ) -> Option<Measure> {
        let (
            Category::MayFail,
            TableAction::AlterColumnType {
                column,
                data_type,
                via_text: false,
                ..
            },
        ) = (category, action)
        else {
            return None;
        };
        let old = self.column(table, &column.0)?;
        if types::SqlType::parse(&old.data_type).array {
            return None;
        }
        let Some(Narrowing::Input { target, padded }) =
            types::convert(&old.data_type, &data_type.0).narrowing
        else {
            return None;
        };
        let Some(version) = self.version else {
            return Some(Measure::Unanswerable(
                ": the probes could not read the server's version".to_owned(),
            ));
        };
        let check = if version >= 160000 {
            InputCheck::Valid(Literal(data_type.0.clone()))
        } else {
            match target {
                Input::Int(bytes) => {
                    let (min, max) = types::int_range(bytes);
                    InputCheck::Integer { min, max }
                }
                Input::Numeric(typmod) => InputCheck::Numeric(typmod),
                Input::Boolean => InputCheck::Boolean,
                Input::Uuid => InputCheck::Uuid,
                Input::DateTime | Input::Json => {
                    return Some(Measure::Unanswerable(format!(
                        "on PostgreSQL {}: only from 16 can a read-only query test a value as {} without casting it",
                        self.major(),
                        data_type.0
                    )));
                }
            }
        };
        let value = CastText {
            column: column.clone(),
            padded,
        };
        let undecided = matches!(check, InputCheck::Numeric(_));
        let failing = Condition::InvalidInput {
            value: value.clone(),
            check,
        };
        let query = if undecided {
            ProbeQuery::CountWhereEach {
                table: table.clone(),
                conditions: vec![failing, Condition::UndecidedNumeric(value)],
            }
        } else {
            ProbeQuery::CountWhere {
                table: table.clone(),
                condition: failing,
            }
        };
        Some(Measure::Count(
            table.clone(),
            Box::new(Count {
                query,
                singular: "value that does not convert",
                plural: "values that do not convert",
                estimate: Estimate::None,
                undecided,
            }),
        ))
    }

    /// The major version of FROM's server, for notes.
    fn major(&self) -> i32 {
        self.version.unwrap_or_default() / 10000
    }

    /// What to count for a new or validated constraint.
    fn constraint_measure(
        &self,
        table: &QualName,
        definition: &str,
    ) -> Option<(ProbeQuery, &'static str, &'static str, Estimate)> {
        match ConstraintDefKind::of(definition)? {
            ConstraintDefKind::Check => Some((
                ProbeQuery::CountWhere {
                    table: table.clone(),
                    condition: Condition::Violates(read::check_expression(definition)?),
                },
                "row that violates it",
                "rows that violate it",
                Estimate::None,
            )),
            ConstraintDefKind::Unique | ConstraintDefKind::PrimaryKey => {
                let key = read::key(definition)?;
                Some((
                    ProbeQuery::DuplicateGroups {
                        table: table.clone(),
                        columns: self.existing_columns(table, &key.columns)?,
                        nulls_distinct: key.nulls_distinct,
                        predicate: None,
                    },
                    "duplicate group",
                    "duplicate groups",
                    Estimate::None,
                ))
            }
            ConstraintDefKind::ForeignKey => {
                let fk = read::foreign_key(definition)?;
                Some((
                    ProbeQuery::Orphans {
                        table: table.clone(),
                        columns: self.existing_columns(table, &fk.columns)?,
                        referenced_columns: self
                            .existing_columns(&fk.referenced, &fk.referenced_columns)?,
                        referenced: fk.referenced,
                        match_full: fk.match_full,
                    },
                    "orphan row",
                    "orphan rows",
                    Estimate::None,
                ))
            }
            ConstraintDefKind::Exclusion => None,
        }
    }

    fn has_table(&self, table: &QualName) -> bool {
        self.from.table(table).is_some()
    }

    fn column(&self, table: &QualName, column: &str) -> Option<&crate::catalog::Column> {
        self.from
            .table(table)?
            .columns
            .iter()
            .find(|c| c.name == column)
    }

    /// The columns as identifiers, if FROM's table has every one of them:
    /// a probe cannot count what does not exist yet.
    fn existing_columns(&self, table: &QualName, columns: &[String]) -> Option<Vec<Ident>> {
        columns
            .iter()
            .map(|c| self.column(table, c).map(|_| Ident(c.clone())))
            .collect()
    }

    /// The labels FROM's enum `type_name` has that the plan's new copy of
    /// it does not.
    /// The labels of the enum type `old_type` (a column's type in FROM)
    /// that the enum type `new_type` will not have once the plan has run:
    /// those of a recreated type that its new list leaves out, or of one
    /// type that another lacks. `None` when neither is an enum type or no
    /// label goes.
    fn removed_labels(&self, old_type: &str, new_type: &str) -> Option<Vec<String>> {
        let (old_name, new_name) = (
            old_type.trim_end_matches("[]"),
            new_type.trim_end_matches("[]"),
        );
        let in_from = |name: &str| {
            self.from
                .enums
                .iter()
                .find(|e| e.name.to_string() == name)
                .map(|e| e.labels.clone())
        };
        let statements = || self.plan.steps.iter().flat_map(|s| &s.statements);
        let created = statements().find_map(|s| match s {
            Stmt::CreateEnum { name, labels } if name.to_string() == new_name => {
                Some(labels.iter().map(|l| l.0.clone()).collect::<Vec<_>>())
            }
            _ => None,
        });
        let old = in_from(old_name)?;
        let mut new = match created {
            Some(labels) => labels,
            None if old_name == new_name => return None,
            None => in_from(new_name)?,
        };
        new.extend(statements().filter_map(|s| match s {
            Stmt::AlterEnumAddValue { name, label, .. } if name.to_string() == new_name => {
                Some(label.0.clone())
            }
            _ => None,
        }));
        let removed: Vec<String> = old.into_iter().filter(|l| !new.contains(l)).collect();
        (!removed.is_empty()).then_some(removed)
    }
}

/// Restates a risk with what a count found.
fn apply(risk: &mut Risk, step: &Step, stmt: &Stmt, count: &Count, n: i64, estimated: bool) {
    let found = if estimated {
        format!(
            "about {} (estimated)",
            phrase::count(n, count.singular, count.plural)
        )
    } else {
        phrase::count(n, count.singular, count.plural)
    };
    match risk.category {
        Category::MayFail if n > 0 && !estimated => {
            risk.severity = Severity::High;
            risk.message = format!("{} will fail: {found}", phrase::action(step, stmt));
        }
        Category::MayFail if n > 0 => {
            risk.message.push_str(&format!("; likely: {found}"));
        }
        Category::MayFail if !estimated => {
            risk.severity = Severity::Low;
            risk.message.push_str(&format!("; {found} today"));
        }
        Category::DataLoss if n == 0 && !estimated => {
            risk.severity = Severity::Low;
            risk.message.push_str(&format!(": {found} today"));
        }
        _ => risk.message.push_str(&format!(": {found}")),
    }
}

/// Leaves a risk without evidence, saying why.
fn leave_unmeasured(risk: &mut Risk, note: &str) {
    risk.message.push_str(&format!(" (not measured: {note})"));
}

/// [`leave_unmeasured`], for a probe that returns with it.
fn not_measured(risk: &mut Risk, note: &str) -> Result<(), ProbeError> {
    leave_unmeasured(risk, note);
    Ok(())
}

/// "3 rows" or "about 3,000 rows".
fn about(n: i64, estimated: bool) -> String {
    let rows = phrase::count(n, "row", "rows");
    if estimated {
        format!("about {rows}")
    } else {
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::Rule;

    fn risk(category: Category, severity: Severity) -> Risk {
        Risk {
            rule: Rule::Lock,
            category,
            severity,
            object: "public.t".into(),
            statement: "CREATE INDEX i ON public.t (a);".into(),
            message: "Creating index i takes SHARE on public.t".into(),
            mitigation: String::new(),
            lock: None,
            tables: vec!["public.t".into()],
            evidence: None,
        }
    }

    #[test]
    fn locks_and_rewrites_scale_with_the_table_they_hold() {
        let options = ProbeOptions::default();
        let scaled = |category, severity, pages| {
            let mut r = risk(category, severity);
            scale_by_size(&mut r, pages, None, &options);
            r.severity
        };
        assert_eq!(scaled(Category::Lock, Severity::Medium, 1), Severity::Low);
        assert_eq!(
            scaled(Category::Lock, Severity::Medium, SMALL_PAGES),
            Severity::Low
        );
        assert_eq!(
            scaled(Category::Lock, Severity::Medium, SMALL_PAGES + 1),
            Severity::Medium
        );
        assert_eq!(
            scaled(Category::TableRewrite, Severity::Medium, LARGE_PAGES),
            Severity::High
        );
        assert_eq!(
            scaled(Category::ValidationScan, Severity::High, 3),
            Severity::Low
        );
        // What blocks nobody stays informational; what a size does not
        // change (a failure on bad rows) is left to its own probe.
        assert_eq!(
            scaled(Category::Lock, Severity::Info, LARGE_PAGES),
            Severity::Info
        );
        assert_eq!(
            scaled(Category::MayFail, Severity::Medium, 1),
            Severity::Medium
        );
    }

    #[test]
    fn a_busy_table_keeps_a_lock_risk_up() {
        let options = ProbeOptions::default();
        let scaled = |severity, pages, writes| {
            let mut r = risk(Category::Lock, severity);
            scale_by_size(&mut r, pages, Some(writes), &options);
            (r.severity, r.message)
        };
        let busy = BUSY_WRITES as f64;
        let (severity, message) = scaled(Severity::Medium, 1, busy);
        assert_eq!(severity, Severity::Medium);
        assert!(
            message.ends_with("(a busy table, 10 rows written per second over 2s: medium)"),
            "{message}"
        );
        assert_eq!(
            scaled(Severity::Medium, SMALL_PAGES + 1, 250.4).0,
            Severity::High
        );
        assert_eq!(scaled(Severity::Medium, 1, busy - 0.5).0, Severity::Low);
        assert_eq!(scaled(Severity::Info, LARGE_PAGES, 1e6).0, Severity::Info);
    }
}
