//! The deployment history: one row per `apply` or `rollback` in
//! `<schema>.deployments` of the target, each write in a transaction of
//! its own (the session is outside the deployment's transactions when it
//! writes), so that what happened is recorded even when the deployment
//! fails or is killed.

use serde::Serialize;
use tokio_postgres::Client;

use super::Deployment;
use super::backup::Backup;
use super::error::DeployError;
use crate::emit::PlanFile;
use crate::source::snapshot;
use crate::sql::HistoryStmt;

/// One deployment as `pgrift history` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub id: i64,
    /// `apply`, `rollback` or `purge`.
    pub action: String,
    pub rollback_of: Option<i64>,
    /// `running`, `succeeded`, `failed`, `rolled back`, or `interrupted`
    /// for a row left running by a session that is gone.
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub db_role: String,
    pub os_user: Option<String>,
    pub client_host: Option<String>,
    pub pgrift_version: String,
    pub from_fingerprint: String,
    pub to_fingerprint: String,
    pub plan_sha256: String,
    pub risk_summary: String,
    pub backup_file: Option<String>,
    pub backup_sha256: Option<String>,
    pub transactions_committed: i32,
    pub transactions: i32,
    pub error: Option<String>,
}

/// One deployment with the scripts it ran and would undo it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    #[serde(flatten)]
    pub record: Record,
    pub forward_sql: String,
    pub reverse_sql: String,
}

fn history_error(schema: &str) -> impl Fn(tokio_postgres::Error) -> DeployError + '_ {
    move |e| DeployError::History {
        schema: schema.to_owned(),
        message: crate::read::describe(&e),
    }
}

/// Creates the history's schema and table unless they exist.
pub async fn ensure(client: &Client, schema: &str, purge: bool) -> Result<(), DeployError> {
    // A table made before purges were recorded refuses the action until
    // its check is widened; the other deployments leave it as it is.
    let widen = purge.then_some(HistoryStmt::AllowPurge);
    for stmt in [HistoryStmt::CreateSchema, HistoryStmt::CreateTable]
        .into_iter()
        .chain(widen)
    {
        client
            .batch_execute(&stmt.render(schema))
            .await
            .map_err(history_error(schema))?;
    }
    Ok(())
}

/// Records a deployment that starts; returns its id.
pub async fn start(
    client: &Client,
    schema: &str,
    deployment: &Deployment,
    rollback_of: Option<i64>,
    purge: bool,
) -> Result<i64, DeployError> {
    let action = match (rollback_of, purge) {
        (Some(_), _) => "rollback",
        (None, true) => "purge",
        (None, false) => "apply",
    };
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok();
    let host = hostname();
    // A rollback records the plan as it was planned (FROM to TO), so that
    // the row reads the same as the deployment it undoes.
    let plan = serde_json::to_string(&deployment.plan).map_err(|e| DeployError::History {
        schema: schema.to_owned(),
        message: e.to_string(),
    })?;
    let transactions = i32::try_from(deployment.transactions()).unwrap_or(i32::MAX);
    let row = client
        .query_one(
            &HistoryStmt::Start.render(schema),
            &[
                &action,
                &rollback_of,
                &os_user,
                &host,
                &env!("CARGO_PKG_VERSION"),
                &deployment.plan.from.fingerprint,
                &deployment.plan.to.fingerprint,
                &deployment.plan.forward_sha256,
                &deployment.forward_sql,
                &deployment.reverse_sql,
                &plan,
                &deployment.from_snapshot,
                &deployment.to_snapshot,
                &deployment.risk_summary(),
                &transactions,
            ],
        )
        .await
        .map_err(history_error(schema))?;
    Ok(row.get(0))
}

/// The machine's name, for `applied by`.
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
}

pub async fn backup(
    client: &Client,
    schema: &str,
    id: i64,
    backup: &Backup,
) -> Result<(), DeployError> {
    let file = backup.file.display().to_string();
    client
        .execute(
            &HistoryStmt::Backup.render(schema),
            &[&id, &file, &backup.sha256],
        )
        .await
        .map_err(history_error(schema))?;
    Ok(())
}

pub async fn progress(
    client: &Client,
    schema: &str,
    id: i64,
    committed: usize,
) -> Result<(), DeployError> {
    let committed = i32::try_from(committed).unwrap_or(i32::MAX);
    client
        .execute(&HistoryStmt::Progress.render(schema), &[&id, &committed])
        .await
        .map_err(history_error(schema))?;
    Ok(())
}

pub async fn finish(
    client: &Client,
    schema: &str,
    id: i64,
    status: &str,
    error: Option<&str>,
) -> Result<(), DeployError> {
    client
        .execute(&HistoryStmt::Finish.render(schema), &[&id, &status, &error])
        .await
        .map_err(history_error(schema))?;
    Ok(())
}

/// Marks deployment `id` as rolled back.
pub async fn rolled_back(client: &Client, schema: &str, id: i64) -> Result<(), DeployError> {
    client
        .execute(&HistoryStmt::RolledBack.render(schema), &[&id])
        .await
        .map_err(history_error(schema))?;
    Ok(())
}

fn record(row: &tokio_postgres::Row) -> Record {
    Record {
        id: row.get(0),
        action: row.get(1),
        rollback_of: row.get(2),
        status: row.get(3),
        started_at: row.get(4),
        finished_at: row.get(5),
        db_role: row.get(6),
        os_user: row.get(7),
        client_host: row.get(8),
        pgrift_version: row.get(9),
        from_fingerprint: row.get(10),
        to_fingerprint: row.get(11),
        plan_sha256: row.get(12),
        risk_summary: row.get(13),
        backup_file: row.get(14),
        backup_sha256: row.get(15),
        transactions_committed: row.get(16),
        transactions: row.get(17),
        error: row.get(18),
    }
}

/// True when the history table exists.
async fn exists(client: &Client, schema: &str) -> Result<bool, DeployError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2)",
            &[&schema, &crate::sql::HISTORY_TABLE],
        )
        .await
        .map_err(history_error(schema))?;
    Ok(row.get(0))
}

/// Every deployment, oldest first; none where nothing was ever deployed.
pub async fn list(client: &Client, schema: &str) -> Result<Vec<Record>, DeployError> {
    if !exists(client, schema).await? {
        return Ok(Vec::new());
    }
    let rows = client
        .query(&HistoryStmt::List.render(schema), &[])
        .await
        .map_err(history_error(schema))?;
    Ok(rows.iter().map(record).collect())
}

/// Deployment `id` with its scripts.
pub async fn show(client: &Client, schema: &str, id: i64) -> Result<Shown, DeployError> {
    let missing = || DeployError::NoDeployment {
        what: format!("no deployment {id} in the history"),
    };
    if !exists(client, schema).await? {
        return Err(missing());
    }
    let row = client
        .query_opt(&HistoryStmt::Show.render(schema), &[&id])
        .await
        .map_err(history_error(schema))?
        .ok_or_else(missing)?;
    Ok(Shown {
        record: record(&row),
        forward_sql: row.get(19),
        reverse_sql: row.get(20),
    })
}

/// The deployment to roll back (`id`, or the last apply that succeeded),
/// as the deployment that undoes it.
pub async fn for_rollback(
    client: &Client,
    schema: &str,
    id: Option<i64>,
) -> Result<(i64, Deployment), DeployError> {
    let none = |why: &str| DeployError::NoDeployment {
        what: match id {
            Some(id) => format!("deployment {id} cannot be rolled back: {why}"),
            None => format!("nothing to roll back: {why}"),
        },
    };
    if !exists(client, schema).await? {
        return Err(none("nothing was deployed to this database"));
    }
    let id = match id {
        Some(id) => id,
        None => client
            .query_one(&HistoryStmt::LastApplied.render(schema), &[])
            .await
            .map_err(history_error(schema))?
            .get::<_, Option<i64>>(0)
            .ok_or_else(|| none("no apply has succeeded"))?,
    };
    let row = client
        .query_opt(&HistoryStmt::ForRollback.render(schema), &[&id])
        .await
        .map_err(history_error(schema))?
        .ok_or_else(|| none("there is no such deployment"))?;
    let (status, action): (String, String) = (row.get(3), row.get(4));
    if action != "apply" || status != "succeeded" {
        return Err(none(&format!(
            "it is a{} {action} that {}; only an apply that succeeded is rolled back",
            if action == "apply" { "n" } else { "" },
            match status.as_str() {
                "running" => "is still running".to_owned(),
                "interrupted" => "was interrupted".to_owned(),
                "rolled back" => "was rolled back".to_owned(),
                other => other.to_owned(),
            }
        )));
    }
    let plan: String = row.get(0);
    let plan: PlanFile = serde_json::from_str(&plan).map_err(|e| DeployError::History {
        schema: schema.to_owned(),
        message: format!("deployment {id}'s plan does not read: {e}"),
    })?;
    let place = std::path::PathBuf::from(format!("deployment {id}"));
    let (to_snapshot, from_snapshot): (String, String) = (row.get(1), row.get(2));
    let to = snapshot::parse(&to_snapshot, &place)?.catalog;
    let from = snapshot::parse(&from_snapshot, &place)?.catalog;
    let deployment = Deployment {
        plan,
        from,
        to,
        from_snapshot,
        to_snapshot,
        forward_sql: row.get(5),
        reverse_sql: row.get(6),
    };
    Ok((id, deployment.reversed()))
}
