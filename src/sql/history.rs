//! The statements of the deployment history: the table `pgrift apply`
//! records each deployment in, in a schema the user may name. The schema
//! is the only name in them, so it goes through [`Ident`]; every value is
//! a query parameter.

use std::fmt;

use super::stmt::Ident;

/// The history table's name in its schema.
pub const HISTORY_TABLE: &str = "deployments";

/// A deployment's status as listed: a `running` row whose session is gone
/// reads as `interrupted` (a session another role runs shows no
/// `backend_start` to a role without `pg_read_all_stats`; its process id
/// still tells).
macro_rules! status {
    () => {
        "CASE WHEN d.status = 'running' AND NOT EXISTS (\
         SELECT 1 FROM pg_catalog.pg_stat_activity a \
         WHERE a.pid = d.backend_pid \
         AND (a.backend_start IS NULL OR a.backend_start = d.backend_start)) \
         THEN 'interrupted' ELSE d.status END"
    };
}

/// The columns a listing reads for one deployment, in this order.
const LISTED: &str = concat!(
    "d.id, d.action, d.rollback_of, ",
    status!(),
    ", pg_catalog.to_char(d.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
     pg_catalog.to_char(d.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
     d.db_role, d.os_user, d.client_host, d.pgrift_version, d.from_fingerprint, \
     d.to_fingerprint, d.plan_sha256, d.risk_summary, d.backup_file, d.backup_sha256, \
     d.transactions_committed, d.transactions, d.error"
);

/// What a rollback reads of a deployment.
const FOR_ROLLBACK: &str = concat!(
    "d.plan, d.to_snapshot, d.from_snapshot, ",
    status!(),
    ", d.action, d.forward_sql, d.reverse_sql"
);

/// A statement on the history table in `schema`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryStmt {
    /// `CREATE SCHEMA IF NOT EXISTS schema`.
    CreateSchema,
    /// `CREATE TABLE IF NOT EXISTS schema.deployments (…)`.
    CreateTable,
    /// Lets the action of a table made before `pgrift purge` existed be
    /// `purge` too.
    AllowPurge,
    /// Records a deployment that starts, as `running`, by this session,
    /// and returns its id. Parameters: action, rollback_of, os_user,
    /// client_host, pgrift_version, from_fingerprint, to_fingerprint,
    /// plan_sha256, forward_sql, reverse_sql, plan, from_snapshot,
    /// to_snapshot, risk_summary, transactions.
    Start,
    /// Records the backup taken: id, file, sha256.
    Backup,
    /// Records how many transactions committed: id, count.
    Progress,
    /// Records how a deployment ended: id, status, error.
    Finish,
    /// Records that deployment `id` was rolled back: id.
    RolledBack,
    /// Every deployment, oldest first, as [`LISTED`].
    List,
    /// One deployment as [`LISTED`], then its forward and reverse scripts:
    /// id.
    Show,
    /// What a rollback of deployment `id` needs: its plan, its TO and FROM
    /// snapshots, its status as listed, its action and its scripts.
    ForRollback,
    /// The last deployment that applied a plan and succeeded: its id.
    LastApplied,
}

impl HistoryStmt {
    /// The statement for the history in `schema`.
    pub fn render(&self, schema: &str) -> String {
        Rendered {
            stmt: self,
            table: Ident(schema.to_owned()),
        }
        .to_string()
    }
}

struct Rendered<'a> {
    stmt: &'a HistoryStmt,
    table: Ident,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let schema = &self.table;
        let table = Ident(HISTORY_TABLE.to_owned());
        match self.stmt {
            HistoryStmt::CreateSchema => write!(f, "CREATE SCHEMA IF NOT EXISTS {schema}"),
            HistoryStmt::CreateTable => write!(
                f,
                "CREATE TABLE IF NOT EXISTS {schema}.{table} (\
                 id bigint PRIMARY KEY, \
                 action text NOT NULL CONSTRAINT deployments_action_check \
                 CHECK (action IN ('apply', 'rollback', 'purge')), \
                 rollback_of bigint, \
                 status text NOT NULL \
                 CHECK (status IN ('running', 'succeeded', 'failed', 'rolled back')), \
                 started_at timestamptz NOT NULL, \
                 finished_at timestamptz, \
                 db_role text NOT NULL, \
                 os_user text, \
                 client_host text, \
                 backend_pid integer NOT NULL, \
                 backend_start timestamptz, \
                 pgrift_version text NOT NULL, \
                 from_fingerprint text NOT NULL, \
                 to_fingerprint text NOT NULL, \
                 plan_sha256 text NOT NULL, \
                 forward_sql text NOT NULL, \
                 reverse_sql text NOT NULL, \
                 plan text NOT NULL, \
                 from_snapshot text NOT NULL, \
                 to_snapshot text NOT NULL, \
                 risk_summary text NOT NULL, \
                 backup_file text, \
                 backup_sha256 text, \
                 transactions integer NOT NULL, \
                 transactions_committed integer NOT NULL DEFAULT 0, \
                 error text)"
            ),
            HistoryStmt::AllowPurge => write!(
                f,
                "ALTER TABLE {schema}.{table} \
                 DROP CONSTRAINT IF EXISTS deployments_action_check, \
                 ADD CONSTRAINT deployments_action_check \
                 CHECK (action IN ('apply', 'rollback', 'purge'))"
            ),
            HistoryStmt::Start => write!(
                f,
                "INSERT INTO {schema}.{table} (id, action, rollback_of, status, started_at, \
                 db_role, os_user, client_host, backend_pid, backend_start, pgrift_version, \
                 from_fingerprint, to_fingerprint, plan_sha256, forward_sql, reverse_sql, plan, \
                 from_snapshot, to_snapshot, risk_summary, transactions) \
                 SELECT coalesce(max(id), 0) + 1, $1, $2, 'running', pg_catalog.clock_timestamp(), \
                 current_user, $3, $4, pg_catalog.pg_backend_pid(), \
                 (SELECT backend_start FROM pg_catalog.pg_stat_activity \
                 WHERE pid = pg_catalog.pg_backend_pid()), \
                 $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 \
                 FROM {schema}.{table} RETURNING id"
            ),
            HistoryStmt::Backup => write!(
                f,
                "UPDATE {schema}.{table} SET backup_file = $2, backup_sha256 = $3 WHERE id = $1"
            ),
            HistoryStmt::Progress => write!(
                f,
                "UPDATE {schema}.{table} SET transactions_committed = $2 WHERE id = $1"
            ),
            HistoryStmt::Finish => write!(
                f,
                "UPDATE {schema}.{table} SET status = $2, error = $3, \
                 finished_at = pg_catalog.clock_timestamp() WHERE id = $1"
            ),
            HistoryStmt::RolledBack => write!(
                f,
                "UPDATE {schema}.{table} SET status = 'rolled back' WHERE id = $1"
            ),
            HistoryStmt::List => {
                write!(f, "SELECT {LISTED} FROM {schema}.{table} d ORDER BY d.id")
            }
            HistoryStmt::Show => write!(
                f,
                "SELECT {LISTED}, d.forward_sql, d.reverse_sql FROM {schema}.{table} d \
                 WHERE d.id = $1"
            ),
            HistoryStmt::ForRollback => write!(
                f,
                "SELECT {FOR_ROLLBACK} FROM {schema}.{table} d WHERE d.id = $1"
            ),
            HistoryStmt::LastApplied => write!(
                f,
                "SELECT max(id) FROM {schema}.{table} \
                 WHERE action = 'apply' AND status = 'succeeded'"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_quoted_everywhere() {
        let hostile = "deploy\"; DROP TABLE users; --";
        for stmt in [
            HistoryStmt::CreateSchema,
            HistoryStmt::CreateTable,
            HistoryStmt::Start,
            HistoryStmt::List,
            HistoryStmt::Show,
        ] {
            let sql = stmt.render(hostile);
            assert!(
                sql.contains("\"deploy\"\"; DROP TABLE users; --\""),
                "{sql}"
            );
        }
    }
}
