//! Deploying a plan to a live database: `apply`, `rollback`, `verify` and
//! the deployment history. With `introspect` and `source`, the only code
//! that talks to a server.
//!
//! A [`Deployment`] is what gets applied: the statements of both scripts
//! with their transactions and risks, and the catalogs both sides were
//! planned from. It comes from a plan's directory (`pgrift plan`, checked
//! against its own checksums) or from a comparison made on the spot.
//!
//! [`apply`] checks before its first statement that the database is still
//! the plan's FROM (the drift guard: the diff from FROM's catalog to the
//! database's must be empty), holds an advisory lock so that two
//! deployments never run at once on one database, records the deployment
//! in the history table (in transactions of its own, so a failure or a
//! kill leaves a row that says so), and runs the statements transaction by
//! transaction, each under a `lock_timeout`; a transaction whose statement
//! waited too long for a lock is rolled back and tried again after a pause,
//! a bounded number of times, naming the sessions that held the lock.

mod backup;
mod error;
mod history;
mod purge;
mod rehearse;
mod run;
mod secrets;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::catalog::Catalog;
use crate::diff;
use crate::emit::{
    self, FROM_SNAPSHOT, PLAN_FORMAT, PLAN_VERSION, PlanFile, PlanSide, PlanStatement, TO_SNAPSHOT,
};
use crate::introspect::{self, Limits};
use crate::plan::Plan;
use crate::risk::Assessment;
use crate::risk::Severity;
use crate::source::{self, ConnInfo, snapshot};

pub use backup::Backup;
pub use error::{Blocker, DeployError, Failure};
pub use history::{Record, Shown, list, show};
pub use purge::{ParkedObject, Purge, plan_purge};
pub use rehearse::{Rehearsal, Timing, rehearse};
pub use run::{Event, Progress};
pub use secrets::Secrets;

/// What a deployment applies: one direction of a plan.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The plan file (both directions, their statements and checksums).
    pub plan: PlanFile,
    /// The catalog the database must match before the first statement.
    pub from: Catalog,
    /// The catalog it matches after the last.
    pub to: Catalog,
    /// Both snapshots as files hold them, for the history.
    pub from_snapshot: String,
    pub to_snapshot: String,
    /// Both scripts as written.
    pub forward_sql: String,
    pub reverse_sql: String,
}

/// One side of a plan, as [`Deployment::build`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The schema argument, password-free.
    pub label: &'a str,
    pub catalog: &'a Catalog,
    pub server_version_num: Option<i32>,
}

/// A plan with its risks.
pub type Assessed<'a> = (&'a Plan, &'a Assessment);

impl Deployment {
    /// The deployment of planned scripts: what `pgrift plan` writes into
    /// its directory, and what a one-step `apply` runs.
    pub fn build(
        from: Side<'_>,
        to: Side<'_>,
        forward: Assessed<'_>,
        reverse: Assessed<'_>,
    ) -> Deployment {
        let render = |(plan, risks): Assessed<'_>, direction| {
            let mut out = Vec::new();
            let title = emit::script_title(direction, from.label, to.label);
            // Writing to memory cannot fail.
            let _ = emit::write_script(plan, &title, Some(risks), &mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        let forward_sql = render(forward, emit::Direction::Forward);
        let reverse_sql = render(reverse, emit::Direction::Reverse);
        let snapshot = |side: Side<'_>| {
            let mut out = Vec::new();
            let _ = snapshot::write(
                &mut out,
                &snapshot::Snapshot {
                    server_version_num: side.server_version_num,
                    roles: false,
                    catalog: side.catalog.clone(),
                },
            );
            String::from_utf8_lossy(&out).into_owned()
        };
        let plan_side = |side: Side<'_>, file: &str| PlanSide {
            source: side.label.to_owned(),
            fingerprint: emit::fingerprint(side.catalog),
            snapshot: file.to_owned(),
        };
        let plan = PlanFile {
            format: PLAN_FORMAT.to_owned(),
            version: PLAN_VERSION,
            from: plan_side(from, FROM_SNAPSHOT),
            to: plan_side(to, TO_SNAPSHOT),
            settings: emit::settings(forward.0),
            timeouts: forward.0.timeouts,
            forward_sha256: emit::sha256(forward_sql.as_bytes()),
            reverse_sha256: emit::sha256(reverse_sql.as_bytes()),
            at_risk: emit::at_risk(forward.0, forward.1),
            forward: emit::plan_statements(forward.0, forward.1),
            reverse: emit::plan_statements(reverse.0, reverse.1),
            warnings: forward.0.warnings.clone(),
            filter: crate::catalog::Filter::default(),
            role_map: crate::catalog::role_map::RoleMap::default(),
            roles: None,
            renames: Vec::new(),
            parked: forward.0.parked.clone(),
        };
        Deployment {
            plan,
            from: from.catalog.clone(),
            to: to.catalog.clone(),
            from_snapshot: snapshot(from),
            to_snapshot: snapshot(to),
            forward_sql,
            reverse_sql,
        }
    }

    /// Reads the plan that `pgrift plan` wrote into `dir`, and checks that
    /// nothing in it changed since: the scripts match the checksums the
    /// plan file recorded, every statement the plan file lists stands in
    /// the script in the same order (so what runs is what was reviewed),
    /// and each snapshot is the catalog its fingerprint names.
    pub fn read(dir: &Path) -> Result<Deployment, DeployError> {
        let read = |name: &str| -> Result<String, DeployError> {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|cause| DeployError::PlanFile {
                path,
                message: cause.to_string(),
            })
        };
        let plan_path = dir.join("plan.json");
        let bad = |message: String| DeployError::PlanFile {
            path: plan_path.clone(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(&read("plan.json")?).map_err(|e| bad(e.to_string()))?;
        // What the file is, before what it holds: an older plan file lacks
        // fields, and saying which would hide that it is older.
        let (format, version) = (&value["format"], &value["version"]);
        if format.as_str() != Some(PLAN_FORMAT) || version.as_u64() != Some(u64::from(PLAN_VERSION))
        {
            return Err(bad(format!(
                "not a plan file of this pgrift (format {format}, version {version}; \
                 version {PLAN_VERSION} of {PLAN_FORMAT} is expected)"
            )));
        }
        let plan: PlanFile = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        let forward_sql = read("forward.sql")?;
        let reverse_sql = read("reverse.sql")?;
        for (name, text, sum, statements) in [
            (
                "forward.sql",
                &forward_sql,
                &plan.forward_sha256,
                &plan.forward,
            ),
            (
                "reverse.sql",
                &reverse_sql,
                &plan.reverse_sha256,
                &plan.reverse,
            ),
        ] {
            if emit::sha256(text.as_bytes()) != *sum {
                return Err(DeployError::Edited {
                    path: dir.join(name),
                    what: "its sha256 is not the one plan.json recorded".to_owned(),
                });
            }
            if let Some(missing) = not_in_script(statements, &plan.settings, text) {
                return Err(DeployError::Edited {
                    path: plan_path,
                    what: format!("its statement {missing:?} is not in {name}"),
                });
            }
        }
        let from_snapshot = read(&plan.from.snapshot)?;
        let to_snapshot = read(&plan.to.snapshot)?;
        let from = snapshot::parse(&from_snapshot, &dir.join(&plan.from.snapshot))?.catalog;
        let to = snapshot::parse(&to_snapshot, &dir.join(&plan.to.snapshot))?.catalog;
        for (catalog, side) in [(&from, &plan.from), (&to, &plan.to)] {
            if emit::fingerprint(catalog) != side.fingerprint {
                return Err(DeployError::Edited {
                    path: dir.join(&side.snapshot),
                    what: "its catalog is not the one plan.json's fingerprint names".to_owned(),
                });
            }
        }
        Ok(Deployment {
            plan,
            from,
            to,
            from_snapshot,
            to_snapshot,
            forward_sql,
            reverse_sql,
        })
    }

    /// The same plan the other way: TO back to FROM, its reverse script.
    pub fn reversed(&self) -> Deployment {
        let mut plan = self.plan.clone();
        std::mem::swap(&mut plan.from, &mut plan.to);
        std::mem::swap(&mut plan.forward, &mut plan.reverse);
        std::mem::swap(&mut plan.forward_sha256, &mut plan.reverse_sha256);
        plan.at_risk = Vec::new();
        Deployment {
            plan,
            from: self.to.clone(),
            to: self.from.clone(),
            from_snapshot: self.to_snapshot.clone(),
            to_snapshot: self.from_snapshot.clone(),
            forward_sql: self.reverse_sql.clone(),
            reverse_sql: self.forward_sql.clone(),
        }
    }

    /// The statements this deployment runs, in order.
    pub fn statements(&self) -> &[PlanStatement] {
        &self.plan.forward
    }

    /// How many transactions its statements run in, counting each
    /// statement that runs outside a transaction as one.
    pub fn transactions(&self) -> usize {
        run::transactions(self.statements()).len()
    }

    /// One line that sums up its risks (`2 high, 1 medium`), or `none`.
    pub fn risk_summary(&self) -> String {
        let mut counts = std::collections::BTreeMap::new();
        for risk in self.plan.forward.iter().flat_map(|s| &s.risks) {
            *counts.entry(std::cmp::Reverse(risk.severity)).or_insert(0) += 1;
        }
        if counts.is_empty() {
            return "none".to_owned();
        }
        counts
            .iter()
            .map(|(severity, n)| format!("{n} {}", severity.0.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The first statement (or session setting) of a plan file that does not
/// stand, on lines of its own and in order, in `script`.
fn not_in_script(
    statements: &[PlanStatement],
    settings: &[String],
    script: &str,
) -> Option<String> {
    if statements.is_empty() {
        return None;
    }
    let mut rest = script;
    for sql in settings.iter().chain(statements.iter().map(|s| &s.sql)) {
        let line = format!("\n{sql}\n");
        match rest.find(&line) {
            Some(at) => rest = &rest[at + line.len() - 1..],
            None => return Some(sql.clone()),
        }
    }
    None
}

/// A limit on a deployment's statements, over the one its plan's scripts
/// set: the plan's is what its reviewer read, so it holds unless the
/// deployment is given another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Limit {
    /// As the plan's scripts set it.
    #[default]
    Planned,
    /// The server's own setting.
    Server,
    Set(Duration),
}

impl Limit {
    /// The limit in force, given the plan's; `None` is the server's.
    pub fn over(self, planned: Option<Duration>) -> Option<Duration> {
        match self {
            Limit::Planned => planned,
            Limit::Server => None,
            Limit::Set(limit) => Some(limit),
        }
    }
}

/// How a deployment runs.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The schema of the history table.
    pub history_schema: String,
    /// How long each statement may wait for a lock.
    pub lock_timeout: Limit,
    /// How long each statement may run.
    pub statement_timeout: Limit,
    /// How many times a transaction whose statement ran out of
    /// `lock_timeout` is tried again.
    pub retries: u32,
    /// The pause before the first retry; it doubles with each.
    pub retry_delay: Duration,
    /// Run every transaction and roll it back: nothing changes and nothing
    /// is recorded.
    pub dry_run: bool,
    /// Dump the tables whose data the plan can destroy into this directory
    /// first, with this `pg_dump`.
    pub backup: Option<(PathBuf, PathBuf)>,
    /// How long reading the catalog for the drift guard may wait.
    pub limits: Limits,
    /// Refuse to run when a statement has a risk at or above this severity,
    /// unless `allow` accepts it.
    pub fail_on: Option<Severity>,
    /// Accepted risks: a rule id, or `rule:object`.
    pub allow: Vec<String>,
    /// Record the deployment as a purge (`pgrift purge`), which no
    /// rollback undoes.
    pub purge: bool,
    /// The values of the secrets the statements name by psql variable.
    pub secrets: Secrets,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            history_schema: "pgrift".to_owned(),
            lock_timeout: Limit::Planned,
            statement_timeout: Limit::Planned,
            retries: 3,
            retry_delay: Duration::from_secs(1),
            dry_run: false,
            backup: None,
            limits: Limits::default(),
            fail_on: None,
            allow: Vec::new(),
            purge: false,
            secrets: Secrets::default(),
        }
    }
}

impl ApplyOptions {
    /// The lock_timeout a deployment's statements run under.
    pub fn lock_timeout_of(&self, deployment: &Deployment) -> Option<Duration> {
        self.lock_timeout.over(deployment.plan.timeouts.lock)
    }

    /// The statement_timeout a deployment's statements run under.
    pub fn statement_timeout_of(&self, deployment: &Deployment) -> Option<Duration> {
        self.statement_timeout
            .over(deployment.plan.timeouts.statement)
    }
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The history row, `None` for a dry run.
    pub id: Option<i64>,
    pub statements: usize,
    pub backup: Option<Backup>,
}

/// True when one of `allow` (`rule`, or `rule:object`) accepts a risk of
/// `rule` on `object`.
pub fn allows(allow: &[String], rule: &str, object: &str) -> bool {
    allow.iter().any(|allowed| match allowed.split_once(':') {
        Some((r, o)) => r == rule && o == object,
        None => allowed == rule,
    })
}

/// The risks at or above `fail_on` that `allow` does not accept, as
/// `rule object: message` lines.
pub fn gate(deployment: &Deployment, fail_on: Option<Severity>, allow: &[String]) -> Vec<String> {
    let Some(fail_on) = fail_on else {
        return Vec::new();
    };
    deployment
        .statements()
        .iter()
        .flat_map(|s| &s.risks)
        .filter(|risk| risk.severity >= fail_on)
        .filter(|risk| !allows(allow, &risk.rule, &risk.object))
        .map(|risk| {
            format!(
                "{} {} {}: {}",
                risk.severity.as_str(),
                risk.rule,
                risk.object,
                risk.message
            )
        })
        .collect()
}

/// The schema of the database `client` is connected to, the history schema
/// left out, as the plan read its sides: through its filter and role map.
pub async fn live_catalog(
    client: &tokio_postgres::Client,
    limits: &Limits,
    history_schema: &str,
    plan: &emit::PlanFile,
) -> Result<Catalog, DeployError> {
    let introspected = introspect::introspect_with(client, limits).await?;
    let mut live = introspected.catalog;
    live.leave_out_schema(history_schema);
    // What `--park-drops` parked is no part of the schema, as in `compare`.
    live.leave_out_parked();
    plan.role_map.apply(&mut live);
    if let Some(compared) = &plan.roles {
        crate::catalog::settle_live_roles(
            &mut live,
            introspected.cluster_roles,
            compared,
            &plan.role_map,
        );
    }
    let filter = &plan.filter;
    filter
        .apply(&mut live)
        .map_err(|message| DeployError::PlanFile {
            path: "plan.json".into(),
            message,
        })?;
    Ok(live)
}

/// Reads the default privileges of the role `client` runs as in `live` as
/// `expected` has them (see `owner::runner_defaults_as_in`).
pub async fn runner_as_in(
    client: &tokio_postgres::Client,
    live: &mut Catalog,
    expected: &Catalog,
) -> Result<(), DeployError> {
    if expected.default_acls.iter().all(|x| x.role.is_some()) {
        return Ok(());
    }
    let runner: String = client
        .query_one("SELECT current_user::pg_catalog.text", &[])
        .await
        .map_err(|e| DeployError::Connection(crate::read::describe(&e)))?
        .get(0);
    crate::catalog::owner::runner_defaults_as_in(live, expected, &runner);
    Ok(())
}

/// The changes that turn `from` into `to`, one line each as a script's
/// comments name them; empty when the two are the same schema.
pub fn changes(from: &Catalog, to: &Catalog) -> Result<Vec<String>, DeployError> {
    let plan =
        crate::plan::plan(diff::diff(from, to)).map_err(|e| DeployError::Plan(e.to_string()))?;
    Ok(plan.steps.iter().map(emit::describe).collect())
}

/// Connects to the target as `pgrift`, so that other sessions see who
/// holds their locks.
pub async fn connect(target: &ConnInfo) -> Result<tokio_postgres::Client, DeployError> {
    Ok(source::connect(&as_pgrift(target)).await?)
}

/// `target` with `pgrift` as its application's name, unless it names one.
fn as_pgrift(target: &ConnInfo) -> ConnInfo {
    let mut info = target.clone();
    info.application_name
        .get_or_insert_with(|| "pgrift".to_owned());
    info
}

/// Connects as [`connect`] does, keeping the session's notices, which
/// report a backfill's progress.
async fn connect_with_notices(
    target: &ConnInfo,
) -> Result<(tokio_postgres::Client, source::Notices), DeployError> {
    Ok(source::connect_with_notices(&as_pgrift(target)).await?)
}

/// Applies `deployment` to the database `target` names; see the module
/// comment. `action` is `apply`, or `rollback` of the deployment whose id
/// it carries.
pub async fn apply(
    target: &ConnInfo,
    deployment: &Deployment,
    rollback_of: Option<i64>,
    options: &ApplyOptions,
    progress: &mut dyn Progress,
) -> Result<Applied, DeployError> {
    let refused = gate(deployment, options.fail_on, &options.allow);
    if !refused.is_empty() {
        return Err(DeployError::Gate { risks: refused });
    }
    let sql = secrets::statements(deployment, &options.secrets)?;
    let (client, notices) = connect_with_notices(target).await?;
    let monitor = connect(target).await?;
    run::lock_deployments(&client).await?;
    progress.event(Event::Checking);
    let mut live = live_catalog(
        &client,
        &options.limits,
        &options.history_schema,
        &deployment.plan,
    )
    .await?;
    // An owner the plan's FROM does not know (its objects came from `.sql`
    // files) is no drift, whoever it is, and default privileges it gives
    // no role are this session's.
    crate::catalog::owner::unknown_as_in(&mut live, &deployment.from);
    runner_as_in(&client, &mut live, &deployment.from).await?;
    let drift = changes(&deployment.from, &live)?;
    if !drift.is_empty() {
        if changes(&live, &deployment.to)?.is_empty() {
            return Err(DeployError::AlreadyApplied);
        }
        return Err(DeployError::Drift {
            expected: if rollback_of.is_some() {
                "the TO of the deployment to roll back"
            } else {
                "the plan's FROM"
            },
            differences: drift,
        });
    }
    // The session's settings, its lock_timeout among them, bound the
    // history's statements as much as the plan's.
    let pid = run::set_up(&client, deployment, options).await?;
    let mut watch = run::Watch {
        monitor: &monitor,
        pid,
        notices,
    };
    if options.dry_run {
        run::dry_run(&client, &mut watch, deployment, &sql, options, progress).await?;
        return Ok(Applied {
            id: None,
            statements: deployment.statements().len(),
            backup: None,
        });
    }
    history::ensure(&client, &options.history_schema, options.purge).await?;
    let id = history::start(
        &client,
        &options.history_schema,
        deployment,
        rollback_of,
        options.purge,
    )
    .await?;
    let outcome = async {
        let backup = match &options.backup {
            Some((dir, pg_dump)) if !deployment.plan.at_risk.is_empty() => {
                let backup =
                    backup::dump(target, pg_dump, dir, id, &deployment.plan.at_risk).await?;
                history::backup(&client, &options.history_schema, id, &backup).await?;
                progress.event(Event::BackedUp(&backup));
                Some(backup)
            }
            _ => None,
        };
        run::run(&client, &mut watch, deployment, &sql, options, id, progress).await?;
        Ok::<_, DeployError>(backup)
    }
    .await;
    match outcome {
        Ok(backup) => {
            history::finish(&client, &options.history_schema, id, "succeeded", None).await?;
            if let Some(original) = rollback_of {
                history::rolled_back(&client, &options.history_schema, original).await?;
            }
            Ok(Applied {
                id: Some(id),
                statements: deployment.statements().len(),
                backup,
            })
        }
        Err(error) => {
            // The error is what the user needs; a history that cannot be
            // written now (the connection is gone) leaves the row running,
            // which reads as interrupted.
            let _ = history::finish(
                &client,
                &options.history_schema,
                id,
                "failed",
                Some(&error.to_string()),
            )
            .await;
            Err(error)
        }
    }
}

/// Rolls back deployment `id` (or the last one that succeeded): its
/// reverse script, behind the same drift guard (the database must be that
/// deployment's TO), timeouts and history.
pub async fn rollback(
    target: &ConnInfo,
    id: Option<i64>,
    options: &ApplyOptions,
    progress: &mut dyn Progress,
) -> Result<(i64, Applied), DeployError> {
    let client = connect(target).await?;
    let (id, deployment) = history::for_rollback(&client, &options.history_schema, id).await?;
    drop(client);
    let applied = apply(target, &deployment, Some(id), options, progress).await?;
    Ok((id, applied))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str) -> PlanStatement {
        PlanStatement {
            change: "create".to_owned(),
            object_kind: "table".to_owned(),
            object: "public.t".to_owned(),
            id: crate::catalog::ObjectId::Schema {
                name: "public".into(),
            },
            reason: None,
            transaction: Some(0),
            clean_up: None,
            sql: sql.to_owned(),
            risks: Vec::new(),
        }
    }

    #[test]
    fn a_plan_file_runs_only_what_its_script_says_in_its_order() {
        let script = "-- pgrift forward script\n\nSET a = b;\n\nBEGIN;\n\n-- create\nCREATE TABLE t ();\nDROP TABLE u;\n\nCOMMIT;\n";
        let settings = ["SET a = b;".to_owned()];
        let ok = [statement("CREATE TABLE t ();"), statement("DROP TABLE u;")];
        assert_eq!(not_in_script(&ok, &settings, script), None);
        let swapped = [statement("DROP TABLE u;"), statement("CREATE TABLE t ();")];
        assert_eq!(
            not_in_script(&swapped, &settings, script).as_deref(),
            Some("CREATE TABLE t ();")
        );
        let smuggled = [statement("DROP TABLE t;")];
        assert!(not_in_script(&smuggled, &settings, script).is_some());
        // Text inside a comment line is not a statement of the script.
        let commented = [statement("create")];
        assert!(not_in_script(&commented, &settings, script).is_some());
    }
}
