//! `pgrift purge`: what `--park-drops` parked, dropped for good once it is
//! old enough. The purge is planned like any deployment, from the
//! database's catalog with what is parked to the same without what is
//! purged, assessed (each drop is a `data-loss` risk) and measured on the
//! database; [`apply`](super::apply) then runs it under the same
//! `lock_timeout`, drift guard and history as a plan, recorded as a
//! `purge`, which no rollback undoes.

use tokio_postgres::Client;

use super::{DeployError, Deployment, Side};
use crate::catalog::parked::{self, Day};
use crate::catalog::{Catalog, QualName};
use crate::introspect::{self, Limits};
use crate::plan::{Plan, Timeouts};
use crate::risk::{self, Assessment, Direction, ProbeOptions};

/// One table or column parked in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedObject {
    /// The parked table, or the table of the parked column.
    pub table: QualName,
    /// The parked column's name.
    pub column: Option<String>,
    /// The day its name carries; `None` for a name that carries none,
    /// which is never purged.
    pub day: Option<Day>,
    /// Old enough to be purged.
    pub purged: bool,
}

/// What a purge finds and would do.
#[derive(Debug)]
pub struct Purge {
    /// Every parked table and column, tables first, each by name.
    pub found: Vec<ParkedObject>,
    /// The drops of those old enough, as a deployment.
    pub deployment: Deployment,
    /// Why their sizes are not measured, if they are not.
    pub warnings: Vec<String>,
}

/// Plans the purge of what is parked in the database `client` is connected
/// to (called `label`) on a day up to `last_day`, under `timeouts`.
///
/// Fails when the catalog cannot be read; a probe that fails is a warning.
pub async fn plan_purge(
    client: &Client,
    label: &str,
    limits: &Limits,
    history_schema: &str,
    last_day: Day,
    timeouts: Timeouts,
) -> Result<Purge, DeployError> {
    let read = introspect::introspect_with(client, limits).await?;
    let mut whole = read.catalog;
    whole.leave_out_schema(history_schema);
    let found = find(&whole, last_day);
    let purged = |table: &QualName, column: Option<&str>| {
        found
            .iter()
            .any(|p| p.purged && &p.table == table && p.column.as_deref() == column)
    };
    let mut kept = whole.clone();
    kept.leave_out_tables(|table| table.schema.as_str() == parked::SCHEMA && purged(table, None));
    kept.leave_out_columns(|table, column| purged(table, Some(column)));
    let mut plan = crate::plan::plan(crate::diff::diff(&whole, &kept))
        .map_err(|e| DeployError::Plan(e.to_string()))?;
    plan.timeouts = timeouts;
    let version = Some(read.server_version_num);
    let mut risks = risk::assess(&plan, &whole, &kept, version, Direction::Forward);
    let mut warnings = Vec::new();
    if !plan.is_empty()
        && let Err(e) =
            risk::probe(client, &mut risks, &plan, &whole, &ProbeOptions::default()).await
    {
        warnings.push(format!("sizes not measured: {e}"));
    }
    // The drift guard compares the database as every comparison sees it,
    // parked objects left out, so both sides are that catalog.
    let mut seen = whole.clone();
    seen.leave_out_parked();
    let side = Side {
        label,
        catalog: &seen,
        server_version_num: version,
    };
    let nothing = Plan {
        steps: Vec::new(),
        warnings: Vec::new(),
        timeouts,
        online: false,
        parked: Vec::new(),
    };
    let deployment = Deployment::build(
        side,
        side,
        (&plan, &risks),
        (&nothing, &Assessment::default()),
    );
    Ok(Purge {
        found,
        deployment,
        warnings,
    })
}

/// Every parked table and column of `catalog`, each marked purged when its
/// day is `last_day` or earlier.
fn find(catalog: &Catalog, last_day: Day) -> Vec<ParkedObject> {
    let object = |table: &QualName, column: Option<&str>, name: &str| {
        let day = parked::parked_date(name);
        ParkedObject {
            table: table.clone(),
            column: column.map(str::to_owned),
            day,
            purged: day.is_some_and(|day| day <= last_day),
        }
    };
    let tables = catalog
        .tables
        .iter()
        .filter(|t| t.name.schema.as_str() == parked::SCHEMA)
        .map(|t| object(&t.name, None, &t.name.name));
    let columns = catalog.tables.iter().flat_map(|t| {
        t.columns
            .iter()
            .filter(|c| c.name.starts_with(parked::COLUMN_PREFIX))
            .map(move |c| object(&t.name, Some(&c.name), &c.name))
    });
    tables.chain(columns).collect()
}
