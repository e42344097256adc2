//! Who is in the way when a catalog query times out waiting for a lock.
//!
//! Reading a definition (`pg_get_constraintdef`, `pg_get_expr` …) takes
//! `ACCESS SHARE` on the table it is about, and only `ACCESS EXCLUSIVE`
//! conflicts with that: a session that holds it (an `ALTER TABLE`, a `LOCK
//! TABLE`, a `VACUUM FULL` in an open transaction) blocks the read, and so
//! does one waiting for it, since later requests queue behind a waiting
//! one. Once the query has given up, `pg_blocking_pids` of pgrift's own
//! backend has nothing left to say, so the sessions are found through the
//! locks they hold or await on the relations of this database.

use tokio_postgres::Client;

use super::Limits;
use crate::read::{IntrospectError, Reader, query, read_rows};
use crate::read::{LockHolder, describe};

const WHAT: &str = "locks held by other sessions";

/// The sessions holding or awaiting `ACCESS EXCLUSIVE` on a relation of
/// the current database (or on a shared catalog), other than this one, by
/// relation and pid. `transaction_seconds` measures from the start of the
/// transaction to the clock now, not to the start of this one.
const HOLDERS: &str = "SELECT n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text AS relation, \
    l.granted, l.pid, a.usename::pg_catalog.text AS usename, a.application_name, a.state, a.query, \
    pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - a.xact_start))::pg_catalog.int8 \
        AS transaction_seconds, \
    CASE WHEN NOT l.granted THEN pg_catalog.pg_blocking_pids(l.pid) END AS behind \
    FROM pg_catalog.pg_locks l \
    JOIN pg_catalog.pg_class c ON c.oid = l.relation \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' \
      AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid() \
      AND l.database IN (0, (SELECT d.oid FROM pg_catalog.pg_database d \
                             WHERE d.datname = pg_catalog.current_database())) \
    ORDER BY 1, l.granted DESC, l.pid";

/// Reads the sessions in the way, in a read-only transaction of its own
/// under the same limits as the read, so that looking does not wait longer
/// than reading did. `client` must be outside a transaction.
///
/// Fails with the reason, in words, when they cannot be read.
pub(super) async fn holders(client: &Client, limits: &Limits) -> Result<Vec<LockHolder>, String> {
    client
        .batch_execute("BEGIN READ ONLY")
        .await
        .map_err(|e| describe(&e))?;
    let read = async {
        let (lock, statement) = limits.settings();
        client
            .query(
                "SELECT pg_catalog.set_config('lock_timeout', $1, true), \
                 pg_catalog.set_config('statement_timeout', $2, true)",
                &[&lock, &statement],
            )
            .await
            .map_err(|e| describe(&e))?;
        let rows = query(client, WHAT, HOLDERS)
            .await
            .map_err(|e| e.to_string())?;
        read_rows(&rows, WHAT, read_holder).map_err(|e| e.to_string())
    }
    .await;
    let end = client.batch_execute("ROLLBACK").await;
    let holders = read?;
    end.map_err(|e| describe(&e))?;
    Ok(holders)
}

fn read_holder(row: &Reader<'_>) -> Result<LockHolder, IntrospectError> {
    Ok(LockHolder {
        relation: row.get("relation")?,
        granted: row.get("granted")?,
        pid: row.get("pid")?,
        user: row.get("usename")?,
        application: row.get("application_name")?,
        state: row.get("state")?,
        query: row.get("query")?,
        transaction_seconds: row.get("transaction_seconds")?,
        behind: row.get::<Option<Vec<i32>>>("behind")?.unwrap_or_default(),
    })
}
