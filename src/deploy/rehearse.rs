//! `pgrift rehearse`: a deployment tried out on a copy of FROM's schema in
//! a shadow database, with seed rows, both ways: apply, check it is TO,
//! roll back, check it is FROM again, and check that the rows are all
//! still there. The same code as a real deployment runs it, drift guard
//! and history included.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::run::{Event, Progress};
use super::{ApplyOptions, DeployError, Deployment, changes, live_catalog};
use crate::catalog::rename::{RenameMap, Sides};
use crate::emit;
use crate::names::QualName;
use crate::source::{Shadow, ShadowDb, SourceSpec, empty_catalog};
use crate::sql::{Ident, ProbeQuery, ShadowStmt};

/// How long one statement of a rehearsal took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timing {
    pub number: usize,
    pub change: String,
    pub object_kind: String,
    pub object: String,
    #[serde(serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: serde::Serializer>(took: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(took.as_secs_f64() * 1000.0)
}

/// What a rehearsal found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rehearsal {
    pub forward: Vec<Timing>,
    pub reverse: Vec<Timing>,
    /// The rows of each table both sides have, before the forward script.
    pub rows: Vec<(String, i64)>,
    /// What went wrong, in words; empty when the rehearsal passed.
    pub problems: Vec<String>,
}

/// Passes events on and keeps each statement's time.
struct Timed<'a> {
    inner: &'a mut dyn Progress,
    timings: Vec<Timing>,
}

impl Progress for Timed<'_> {
    fn event(&mut self, event: Event<'_>) {
        if let Event::Finished {
            number,
            statement,
            took,
            ..
        } = &event
        {
            self.timings.push(Timing {
                number: *number,
                change: statement.change.clone(),
                object_kind: statement.object_kind.clone(),
                object: statement.object.clone(),
                took: *took,
            });
        }
        self.inner.event(event);
    }
}

/// Rehearses `deployment` on a new database of `shadow`, built from
/// `from` (its `.sql` files as they are, any other source through the
/// script from an empty database to FROM's catalog) with the rows of
/// `seed`, run as the shadow runs a user's files. The database is
/// dropped at the end.
pub async fn rehearse(
    shadow: &Shadow,
    from: &SourceSpec,
    seed: Option<&Path>,
    deployment: &Deployment,
    options: &ApplyOptions,
    progress: &mut dyn Progress,
) -> Result<Rehearsal, DeployError> {
    let db = shadow.create_database().await?;
    let rehearsed = rehearse_in(&db, from, seed, deployment, options, progress).await;
    let name = db.name().to_owned();
    let closed = db.close().await;
    if let Err(e) = closed {
        // The rehearsal's own result matters more than a database left to
        // the cluster's cleanup.
        return rehearsed.and(Err(DeployError::Connection(format!(
            "dropping {name}: {e}"
        ))));
    }
    rehearsed
}

async fn rehearse_in(
    db: &ShadowDb,
    from: &SourceSpec,
    seed: Option<&Path>,
    deployment: &Deployment,
    options: &ApplyOptions,
    progress: &mut dyn Progress,
) -> Result<Rehearsal, DeployError> {
    match from {
        SourceSpec::Sql(path) => db.apply(path).await?,
        // Any other FROM is built by the script from an empty database to
        // its catalog, loaded like a schema file, so that what it creates
        // belongs to the role the seed runs as.
        _ => {
            let empty = empty_catalog();
            let plan = crate::plan::plan(crate::diff::diff(&empty, &deployment.from))
                .map_err(|e| DeployError::Plan(e.to_string()))?;
            let mut script = Vec::new();
            // The script resets its session settings at its end, so that the
            // seed finds its tables on the usual search_path.
            let _ = emit::write_migration_script(&plan, "FROM for a rehearsal", None, &mut script);
            let file = tempfile::Builder::new()
                .prefix("pgrift-rehearsal-from-")
                .suffix(".sql")
                .tempfile()
                .and_then(|mut file| {
                    std::io::Write::write_all(&mut file, &script)?;
                    Ok(file)
                })
                .map_err(|e| DeployError::Connection(format!("a temporary file: {e}")))?;
            db.apply(file.path()).await?;
        }
    }
    if let Some(seed) = seed {
        db.apply(seed).await?;
    }
    let target = db.conninfo();
    if db.loader() != target.user {
        let reassign = ShadowStmt::ReassignOwned {
            from: Ident(db.loader().to_owned()),
            to: Ident(target.user.clone()),
        };
        db.client()
            .batch_execute(&reassign.to_string())
            .await
            .map_err(|e| DeployError::Connection(crate::read::describe(&e)))?;
    }
    // The rows of a renamed table are counted too, by its name in FROM,
    // which both counts read, and so are a parked table's, which the
    // reverse script brings back.
    let renames = RenameMap::resolve(
        &deployment.plan.renames,
        &Sides {
            source: &deployment.from,
            source_name: "FROM",
            target: &deployment.to,
            target_name: "TO",
        },
    )
    .map_err(|e| DeployError::PlanFile {
        path: "plan.json".into(),
        message: e.to_string(),
    })?;
    let tables: Vec<QualName> = deployment
        .from
        .tables
        .iter()
        .filter(|t| {
            deployment.to.table(&renames.renamed(&t.name)).is_some()
                || deployment
                    .plan
                    .parked
                    .iter()
                    .any(|p| p.column.is_none() && p.table == t.name)
        })
        .map(|t| t.name.clone())
        .collect();
    let before = count_rows(db, &tables).await?;
    let mut problems = Vec::new();

    let mut timed = Timed {
        inner: progress,
        timings: Vec::new(),
    };
    super::apply(&target, deployment, None, options, &mut timed).await?;
    let forward = std::mem::take(&mut timed.timings);
    let client = super::connect(&target).await?;
    let reached = |expected, side| {
        let client = &client;
        async move {
            let live = live_catalog(
                client,
                &options.limits,
                &options.history_schema,
                &deployment.plan,
            )
            .await?;
            let left = changes(&live, expected)?;
            Ok::<_, DeployError>((!left.is_empty()).then(|| {
                format!(
                    "after the {side} script the database is not {}: {}",
                    if side == "forward" { "TO" } else { "FROM" },
                    left.join("; ")
                )
            }))
        }
    };
    problems.extend(reached(&deployment.to, "forward").await?);
    super::rollback(&target, None, options, &mut timed).await?;
    let reverse = timed.timings;
    problems.extend(reached(&deployment.from, "reverse").await?);
    let after = count_rows(db, &tables).await?;
    let rows: Vec<(String, i64)> = tables
        .iter()
        .map(ToString::to_string)
        .zip(before.iter().copied())
        .collect();
    for ((table, before), after) in rows.iter().zip(&after) {
        if before != after {
            problems.push(format!(
                "{table} had {before} rows and has {after} after both scripts"
            ));
        }
    }
    Ok(Rehearsal {
        forward,
        reverse,
        rows,
        problems,
    })
}

/// The rows of each table, its children's included, in one query.
async fn count_rows(db: &ShadowDb, tables: &[QualName]) -> Result<Vec<i64>, DeployError> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let query = ProbeQuery::CountRowsEach {
        tables: tables.to_vec(),
    };
    let row = db
        .client()
        .query_one(&query.to_string(), &[])
        .await
        .map_err(|e| DeployError::Connection(crate::read::describe(&e)))?;
    Ok((0..tables.len()).map(|i| row.get::<_, i64>(i)).collect())
}
