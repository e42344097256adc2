//! Running a deployment's statements: transaction by transaction, each
//! statement watched from a second session that asks the server, while the
//! statement waits, which sessions block it (`pg_blocking_pids`: once the
//! statement gives up, nobody blocks it any more and the answer is gone).

use std::time::{Duration, Instant};

use tokio_postgres::Client;
use tokio_postgres::error::{ErrorPosition, SqlState};

use super::backup::Backup;
use super::error::{Blocker, DeployError, Failure};
use super::{ApplyOptions, Deployment, history};
use crate::emit::PlanStatement;

/// What a deployment reports as it goes, for a progress bar, log lines or
/// JSON events.
#[derive(Debug)]
pub enum Event<'a> {
    /// The database is being compared with the plan's FROM.
    Checking,
    /// The tables at risk were dumped.
    BackedUp(&'a Backup),
    /// A statement starts; `number` counts from 1.
    Started {
        number: usize,
        total: usize,
        statement: &'a PlanStatement,
    },
    /// A statement ended.
    Finished {
        number: usize,
        total: usize,
        statement: &'a PlanStatement,
        took: Duration,
    },
    /// A transaction is tried again after its statement `number` waited
    /// too long for a lock.
    Retrying {
        number: usize,
        attempt: u32,
        wait: Duration,
        blockers: &'a [Blocker],
    },
    /// A transaction committed (counting from 1), of how many.
    Committed { transaction: usize, of: usize },
    /// A dry run did not try a statement, and why.
    NotTried {
        number: usize,
        total: usize,
        statement: &'a PlanStatement,
        why: &'static str,
    },
    /// A dry run rolled back everything it ran.
    RolledBack,
    /// A backfill (`--expand-contract`) committed a batch: `batch` batches
    /// and `rows` rows so far of `column`, named as SQL names it.
    Backfilled {
        column: &'a str,
        batch: u64,
        rows: u64,
    },
}

/// What watches the statements of a deployment's session: a second
/// session, which asks who blocks it (backend `pid`), and the session's
/// notices, which report a backfill's batches.
pub struct Watch<'a> {
    pub monitor: &'a Client,
    pub pid: i32,
    pub notices: crate::source::Notices,
}

impl Watch<'_> {
    /// Relays the notices that report progress.
    fn relay(&mut self, progress: &mut dyn Progress) {
        while let Ok(notice) = self.notices.try_recv() {
            relay(&notice, progress);
        }
    }
}

fn relay(notice: &str, progress: &mut dyn Progress) {
    if let Some((column, batch, rows)) = crate::sql::backfill_progress(notice) {
        progress.event(Event::Backfilled {
            column,
            batch,
            rows,
        });
    }
}

/// Where a deployment's events go.
pub trait Progress {
    fn event(&mut self, event: Event<'_>);
}

/// The advisory lock that keeps two deployments off one database: a pair
/// of keys, "pgrf" and 1.
const LOCK_KEYS: (i32, i32) = (0x7067_7266, 1);

/// How often the second session asks who blocks a waiting statement.
const POLL: Duration = Duration::from_millis(200);

/// The longest the second session's own questions may take.
const MONITOR_LIMIT: Duration = Duration::from_secs(5);

/// The sessions blocking a backend.
const BLOCKERS: &str = "SELECT a.pid, a.usename::pg_catalog.text, a.application_name, a.state, \
     pg_catalog.left(a.query, 200) \
     FROM pg_catalog.pg_stat_activity a \
     WHERE a.pid = ANY (pg_catalog.pg_blocking_pids($1)) ORDER BY a.pid";

/// The session holding pgrift's advisory lock on this database.
const LOCK_HOLDER: &str = "SELECT a.pid, a.usename::pg_catalog.text, a.application_name, a.state, \
     pg_catalog.left(a.query, 200) \
     FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 \
     AND l.classid = $1::pg_catalog.int8::pg_catalog.oid \
     AND l.objid = $2::pg_catalog.int8::pg_catalog.oid \
     AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d \
                       WHERE d.datname = pg_catalog.current_database())";

/// Takes the deployments' advisory lock for this session, or fails naming
/// the session that holds it. The lock goes with the session.
pub async fn lock_deployments(client: &Client) -> Result<(), DeployError> {
    let row = client
        .query_one(
            "SELECT pg_catalog.pg_try_advisory_lock($1, $2)",
            &[&LOCK_KEYS.0, &LOCK_KEYS.1],
        )
        .await
        .map_err(connection)?;
    if row.get::<_, bool>(0) {
        return Ok(());
    }
    let keys = (i64::from(LOCK_KEYS.0), i64::from(LOCK_KEYS.1));
    let holder = client
        .query(LOCK_HOLDER, &[&keys.0, &keys.1])
        .await
        .ok()
        .and_then(|rows| rows.first().map(blocker));
    Err(DeployError::Busy { holder })
}

fn blocker(row: &tokio_postgres::Row) -> Blocker {
    Blocker {
        pid: row.get(0),
        user: row.get(1),
        application: row.get(2),
        state: row.get(3),
        query: row.get(4),
    }
}

fn connection(error: tokio_postgres::Error) -> DeployError {
    DeployError::Connection(crate::read::describe(&error))
}

/// Sets the session up as the plan's scripts do, then the limits the
/// deployment was given over the plan's (a limit of the server's own is
/// reset, in case the plan's settings set one); returns the session's
/// process id.
pub async fn set_up(
    client: &Client,
    deployment: &Deployment,
    options: &ApplyOptions,
) -> Result<i32, DeployError> {
    for setting in &deployment.plan.settings {
        client.batch_execute(setting).await.map_err(connection)?;
    }
    for (name, reset, limit) in [
        (
            "lock_timeout",
            "RESET lock_timeout",
            options.lock_timeout_of(deployment),
        ),
        (
            "statement_timeout",
            "RESET statement_timeout",
            options.statement_timeout_of(deployment),
        ),
    ] {
        match limit {
            Some(limit) => {
                let value = format!("{}ms", limit.as_millis().max(1));
                client
                    .query_one(
                        "SELECT pg_catalog.set_config($1, $2, false)",
                        &[&name, &value],
                    )
                    .await
                    .map_err(connection)?;
            }
            None => client.batch_execute(reset).await.map_err(connection)?,
        }
    }
    let row = client
        .query_one("SELECT pg_catalog.pg_backend_pid()", &[])
        .await
        .map_err(connection)?;
    Ok(row.get(0))
}

/// Runs `sql` on `client`, asking the watch's monitor every [`POLL`] while
/// it runs which sessions block the session, and relaying its notices as
/// they come; returns the last blocking sessions seen.
async fn watched(
    client: &Client,
    watch: &mut Watch<'_>,
    sql: &str,
    progress: &mut dyn Progress,
) -> (Result<(), tokio_postgres::Error>, Vec<Blocker>) {
    let work = client.batch_execute(sql);
    tokio::pin!(work);
    let mut blockers = Vec::new();
    let (monitor, pid) = (watch.monitor, watch.pid);
    loop {
        tokio::select! {
            done = &mut work => {
                watch.relay(progress);
                return (done, blockers);
            }
            Some(notice) = watch.notices.recv() => relay(&notice, progress),
            () = tokio::time::sleep(POLL) => {
                let asked = tokio::time::timeout(MONITOR_LIMIT, monitor.query(BLOCKERS, &[&pid])).await;
                if let Ok(Ok(rows)) = asked
                    && !rows.is_empty()
                {
                    blockers = rows.iter().map(blocker).collect();
                }
            }
        }
    }
}

/// The statements of each transaction, in order, with their numbers in
/// the script (from 1). A statement that runs outside any transaction is
/// a group of its own, which commits by itself.
pub fn transactions(statements: &[PlanStatement]) -> Vec<Vec<(usize, &PlanStatement)>> {
    let mut groups: Vec<Vec<(usize, &PlanStatement)>> = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        match groups.last_mut() {
            Some(group)
                if statement.transaction.is_some()
                    && group[0].1.transaction == statement.transaction =>
            {
                group.push((index + 1, statement));
            }
            _ => groups.push(vec![(index + 1, statement)]),
        }
    }
    groups
}

/// Runs what cleans up after `statement` failed (the invalid index a
/// concurrent build leaves). A clean-up that fails leaves what the next
/// try's `DROP INDEX CONCURRENTLY IF EXISTS` removes all the same.
async fn clean_up(client: &Client, statement: &PlanStatement) {
    if let Some(sql) = &statement.clean_up {
        let _ = client.batch_execute(sql).await;
    }
}

/// What went wrong with one statement.
fn failure(
    error: &tokio_postgres::Error,
    number: usize,
    statement: &PlanStatement,
    total: usize,
    committed: usize,
    transactions: usize,
) -> Failure {
    let db = error.as_db_error();
    let position = db
        .and_then(|db| match db.position() {
            Some(ErrorPosition::Original(at)) => Some(*at as usize),
            _ => None,
        })
        .map(|at| line_and_column(&statement.sql, at));
    Failure {
        number,
        total,
        sql: statement.sql.clone(),
        code: db.map(|db| db.code().code().to_owned()),
        message: db.map_or_else(
            || crate::read::describe(error),
            |db| db.message().to_owned(),
        ),
        position,
        detail: db.and_then(|db| db.detail().map(str::to_owned)),
        committed,
        transactions,
    }
}

/// The 1-based line and column of the 1-based character position `at`.
fn line_and_column(sql: &str, at: usize) -> (usize, usize) {
    let before: String = sql.chars().take(at.saturating_sub(1)).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Runs every transaction of `deployment`, records each commit in the
/// history row `id`, and tries a transaction again when a statement of it
/// waited too long for a lock. `sql` is each statement as it runs, its
/// secrets filled in (`secrets::statements`).
pub async fn run(
    client: &Client,
    watch: &mut Watch<'_>,
    deployment: &Deployment,
    sql: &[String],
    options: &ApplyOptions,
    id: i64,
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let statements = deployment.statements();
    let total = statements.len();
    let groups = transactions(statements);
    for (done, group) in groups.iter().enumerate() {
        let mut attempt = 0;
        loop {
            match run_group(client, watch, group, sql, total, progress).await {
                Ok(()) => break,
                Err((number, error, blockers)) => {
                    let _ = client.batch_execute("ROLLBACK").await;
                    clean_up(client, &statements[number - 1]).await;
                    let timed_out = error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE);
                    if timed_out && attempt < options.retries {
                        attempt += 1;
                        let wait = options.retry_delay * 2u32.saturating_pow(attempt - 1);
                        progress.event(Event::Retrying {
                            number,
                            attempt,
                            wait,
                            blockers: &blockers,
                        });
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    if timed_out {
                        return Err(DeployError::LockTimeout {
                            number,
                            lock_timeout: options.lock_timeout_of(deployment).unwrap_or_default(),
                            attempts: attempt + 1,
                            blockers,
                            committed: done,
                            transactions: groups.len(),
                        });
                    }
                    let statement = &statements[number - 1];
                    return Err(DeployError::Statement(Box::new(failure(
                        &error,
                        number,
                        statement,
                        total,
                        done,
                        groups.len(),
                    ))));
                }
            }
        }
        history::progress(client, &options.history_schema, id, done + 1).await?;
        progress.event(Event::Committed {
            transaction: done + 1,
            of: groups.len(),
        });
    }
    Ok(())
}

/// One transaction: `BEGIN`, its statements, `COMMIT`. A failure gives
/// the statement's number, the error and who blocked it.
async fn run_group(
    client: &Client,
    watch: &mut Watch<'_>,
    group: &[(usize, &PlanStatement)],
    sql: &[String],
    total: usize,
    progress: &mut dyn Progress,
) -> Result<(), (usize, tokio_postgres::Error, Vec<Blocker>)> {
    let first = group.first().map_or(0, |(number, _)| *number);
    if group.first().is_some_and(|(_, s)| s.transaction.is_none()) {
        return run_statements(client, watch, group, sql, total, progress).await;
    }
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|e| (first, e, Vec::new()))?;
    run_statements(client, watch, group, sql, total, progress).await?;
    let last = group.last().map_or(0, |(number, _)| *number);
    client
        .batch_execute("COMMIT")
        .await
        .map_err(|e| (last, e, Vec::new()))
}

/// Runs the statements of `group`, each as `sql` holds it (numbered from
/// 1); events and errors name the statement as the plan holds it.
async fn run_statements(
    client: &Client,
    watch: &mut Watch<'_>,
    group: &[(usize, &PlanStatement)],
    sql: &[String],
    total: usize,
    progress: &mut dyn Progress,
) -> Result<(), (usize, tokio_postgres::Error, Vec<Blocker>)> {
    for &(number, statement) in group {
        progress.event(Event::Started {
            number,
            total,
            statement,
        });
        let started = Instant::now();
        let (done, blockers) = watched(client, watch, &sql[number - 1], progress).await;
        done.map_err(|e| (number, e, blockers))?;
        progress.event(Event::Finished {
            number,
            total,
            statement,
            took: started.elapsed(),
        });
    }
    Ok(())
}

/// Runs every statement in one transaction and rolls it back. A statement
/// that runs outside any transaction (a concurrent index build) cannot be
/// rolled back, so it is not tried, nor is anything that needs what it
/// makes (a key over the index); each is reported as not tried, with why.
/// New enum labels cannot be used before they commit, so a plan that
/// commits them first fails in a dry run where they are used; the failure
/// says so.
pub async fn dry_run(
    client: &Client,
    watch: &mut Watch<'_>,
    deployment: &Deployment,
    sql: &[String],
    options: &ApplyOptions,
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let statements = deployment.statements();
    let total = statements.len();
    let outside: Vec<&crate::catalog::ObjectId> = statements
        .iter()
        .filter(|s| s.transaction.is_none())
        .map(|s| &s.id)
        .collect();
    let mut tried = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        let why = if statement.transaction.is_none() {
            Some("it runs outside a transaction, which a dry run cannot roll back")
        } else if outside.contains(&&statement.id) {
            Some("it needs what a statement outside a transaction makes")
        } else {
            None
        };
        match why {
            Some(why) => progress.event(Event::NotTried {
                number: i + 1,
                total,
                statement,
                why,
            }),
            None => tried.push((i + 1, statement)),
        }
    }
    client.batch_execute("BEGIN").await.map_err(connection)?;
    let ran = run_statements(client, watch, &tried, sql, total, progress).await;
    let rolled_back = client.batch_execute("ROLLBACK").await;
    if let Err((number, error, blockers)) = ran {
        if error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
            return Err(DeployError::LockTimeout {
                number,
                lock_timeout: options.lock_timeout_of(deployment).unwrap_or_default(),
                attempts: 1,
                blockers,
                committed: 0,
                transactions: 0,
            });
        }
        let mut failed = failure(&error, number, &statements[number - 1], total, 0, 0);
        if error.code() == Some(&SqlState::UNSAFE_NEW_ENUM_VALUE_USAGE) {
            failed.detail = Some(
                "a dry run cannot use an enum label the plan adds: the real run commits it first"
                    .to_owned(),
            );
        }
        return Err(DeployError::Statement(Box::new(failed)));
    }
    rolled_back.map_err(connection)?;
    progress.event(Event::RolledBack);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_by_line() {
        let sql = "ALTER TABLE t\n  ADD COLUMN é int NOT NULL;";
        assert_eq!(line_and_column(sql, 1), (1, 1));
        assert_eq!(line_and_column(sql, 15), (2, 1));
        assert_eq!(line_and_column(sql, 28), (2, 14));
    }
}
