//! What a statement does to the tables it touches: the locks it takes (from
//! the "Explicit Locking" chapter and the reference pages of `ALTER TABLE`,
//! `CREATE INDEX`, `CREATE TRIGGER`, `DROP INDEX`, `DROP TRIGGER` and
//! `DROP TABLE`), and how long it holds them doing work on the rows.
//!
//! Several rules share these answers: the lock rule reports the locks, the
//! rewrite and scan rules explain the work.

use crate::catalog::QualName;
use crate::sql::read::{self, ConstraintDefKind};
use crate::sql::{
    ColumnDef, DomainAction, Keyword, ObjectAction, ObjectName, OwnedObject, ParamNames,
    PolicyChange, PolicyDef, Stmt, StorageParams, TableAction,
};

use super::context::{Context, Site};
use super::model::LockLevel;
use super::types::{self, Conversion, Rewrite};
use super::volatility::{self, Volatility};

/// The work a statement does while it holds its locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Work {
    /// Catalog changes only: quick once the lock is granted.
    Brief,
    /// Reads every row to check a constraint.
    Scan,
    /// Builds an index.
    IndexBuild,
    /// May rewrite the table: pgrift cannot tell.
    MayRewrite,
    /// Writes a new copy of the table and rebuilds its indexes.
    Rewrite,
}

impl Work {
    /// True for work that takes time in proportion to the table.
    pub fn is_long(self) -> bool {
        self != Work::Brief
    }

    /// "while it rewrites the table", for messages.
    pub fn phrase(self) -> &'static str {
        match self {
            Work::Brief => "",
            Work::Scan => "while it scans the table",
            Work::IndexBuild => "while it builds the index",
            Work::MayRewrite => "while it may rewrite the table",
            Work::Rewrite => "while it rewrites the table",
        }
    }
}

/// The locks a statement takes on tables that exist before the script, and
/// its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub locks: Vec<(LockLevel, QualName)>,
    pub work: Work,
}

/// How a new column gets its values in existing rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    /// NULL, or a non-volatile default stored once in the catalog.
    Catalog,
    /// A volatile default, evaluated per row: rewrites the table.
    Volatile(String),
    /// A default calling a function of unknown volatility.
    Unknown(String),
    /// An identity column, numbered per row: rewrites the table.
    Identity,
    /// A stored generated column, computed per row: rewrites the table.
    Generated,
    /// Any default before PostgreSQL 11 rewrites the table.
    OldServerDefault,
}

impl Fill {
    pub fn work(&self) -> Work {
        match self {
            Fill::Catalog => Work::Brief,
            Fill::Unknown(_) => Work::MayRewrite,
            _ => Work::Rewrite,
        }
    }
}

/// How `ADD COLUMN` fills existing rows.
pub fn fill(cx: &Context<'_>, column: &ColumnDef) -> Fill {
    if column.generated.is_some() {
        return Fill::Generated;
    }
    if column.identity.is_some() {
        return Fill::Identity;
    }
    let Some(default) = &column.default else {
        return Fill::Catalog;
    };
    if cx.version < 110000 {
        return Fill::OldServerDefault;
    }
    match volatility::of_default(&default.0, cx.to) {
        Volatility::NotVolatile => Fill::Catalog,
        Volatility::Volatile(call) => Fill::Volatile(call),
        Volatility::Unknown(call) => Fill::Unknown(call),
    }
}

/// What `ALTER COLUMN … TYPE` does to one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeChange {
    pub old_type: String,
    pub new_type: String,
    /// `None` when only the collation changes.
    pub conversion: Option<Conversion>,
    pub collation_changed: bool,
    /// The retype of a column to its recreated enum type, through text.
    pub via_text: bool,
    /// Indexes over the column, which PostgreSQL rebuilds.
    pub indexes: Vec<QualName>,
}

impl TypeChange {
    pub fn work(&self) -> Work {
        if self.via_text {
            return Work::Rewrite;
        }
        match &self.conversion {
            Some(c) if c.rewrite != Rewrite::No => Work::Rewrite,
            _ if self.collation_changed && !self.indexes.is_empty() => Work::IndexBuild,
            _ => Work::Brief,
        }
    }
}

/// Reads an `ALTER COLUMN … TYPE` against FROM's column. `None` for a
/// column FROM does not have.
pub fn type_change(cx: &Context<'_>, table: &QualName, action: &TableAction) -> Option<TypeChange> {
    let TableAction::AlterColumnType {
        column,
        data_type,
        collation,
        via_text,
        ..
    } = action
    else {
        return None;
    };
    let old = cx.column_before(table, &column.0)?;
    let same_type = old.data_type == data_type.0;
    Some(TypeChange {
        old_type: old.data_type.to_string(),
        new_type: data_type.0.clone(),
        conversion: (!same_type).then(|| types::convert(&old.data_type, &data_type.0)),
        collation_changed: old.collation() != collation.as_ref(),
        via_text: *via_text,
        indexes: cx.indexes_on_column(table, &column.0),
    })
}

/// The table a foreign key constraint refers to, from its definition.
pub fn referenced_table(definition: &str) -> Option<QualName> {
    read::foreign_key(definition).map(|fk| fk.referenced)
}

/// The lock `SET (…)` or `RESET (…)` of these storage parameters takes:
/// the strongest any of them needs. The reference page of `ALTER TABLE`
/// names SHARE UPDATE EXCLUSIVE for `fillfactor`, the toast and autovacuum
/// parameters and `parallel_workers`; the server's list of parameters
/// (`reloptions.c`) gives it also to the other vacuum and index parameters
/// below, which only change how later work is done. Any other parameter
/// (`user_catalog_table`, a view's options, `fastupdate`, `buffering`,
/// `pages_per_range` …) takes ACCESS EXCLUSIVE.
pub fn params_lock(params: &[String]) -> LockLevel {
    const LIGHT: &[&str] = &[
        "fillfactor",
        "toast_tuple_target",
        "parallel_workers",
        "log_autovacuum_min_duration",
        "vacuum_index_cleanup",
        "vacuum_truncate",
        "vacuum_max_eager_freeze_failure_rate",
        "deduplicate_items",
        "gin_pending_list_limit",
        "autosummarize",
    ];
    let light = |param: &String| {
        let name = param.split_once('=').map_or(param.as_str(), |(n, _)| n);
        let name = name.strip_prefix("toast.").unwrap_or(name);
        name.starts_with("autovacuum_") || LIGHT.contains(&name)
    };
    if params.iter().all(light) {
        LockLevel::ShareUpdateExclusive
    } else {
        LockLevel::AccessExclusive
    }
}

/// Whether an earlier step of the plan validated the check that proves
/// `partition`'s constraint (`--online`), so that attaching it skips the
/// scan.
pub fn bound_proven(cx: &Context<'_>, site: &Site<'_>, partition: &QualName) -> bool {
    cx.plan.steps[..site.step]
        .iter()
        .flat_map(|step| &step.statements)
        .any(|stmt| {
            matches!(stmt, Stmt::AlterTable {
                table,
                action: TableAction::ValidateConstraint(name),
            } if table == partition && name.0 == crate::plan::PARTITION_CHECK)
        })
}

/// The locks and work of one statement. `None` for statements that lock
/// no table that exists before the script.
pub fn of(cx: &Context<'_>, site: &Site<'_>) -> Option<Effect> {
    use LockLevel::*;
    let (locks, work): (Vec<(LockLevel, QualName)>, Work) = match site.stmt {
        Stmt::AlterTable { table, action } => {
            let own = |level| vec![(level, table.clone())];
            match action {
                TableAction::AddConstraint {
                    definition,
                    not_valid,
                    ..
                } => {
                    let scan = if *not_valid { Work::Brief } else { Work::Scan };
                    match ConstraintDefKind::of(&definition.0) {
                        Some(ConstraintDefKind::ForeignKey) => {
                            let mut locks = own(ShareRowExclusive);
                            if let Some(referenced) = referenced_table(&definition.0)
                                && &referenced != table
                            {
                                locks.push((ShareRowExclusive, referenced));
                            }
                            (locks, scan)
                        }
                        Some(
                            ConstraintDefKind::Unique
                            | ConstraintDefKind::PrimaryKey
                            | ConstraintDefKind::Exclusion,
                        ) => (own(AccessExclusive), Work::IndexBuild),
                        _ => (own(AccessExclusive), scan),
                    }
                }
                TableAction::ValidateConstraint(name) => {
                    let mut locks = own(ShareUpdateExclusive);
                    if let Some(c) = cx.constraint_before(table, &name.0)
                        && let Some(referenced) = referenced_table(&c.definition)
                        && &referenced != table
                    {
                        locks.push((RowShare, referenced));
                    }
                    (locks, Work::Scan)
                }
                TableAction::DropConstraint(name) => {
                    // Dropping a foreign key removes its triggers from the
                    // referenced table too.
                    let mut locks = own(AccessExclusive);
                    if let Some(c) = cx.constraint_before(table, &name.0)
                        && let Some(referenced) = referenced_table(&c.definition)
                        && &referenced != table
                    {
                        locks.push((AccessExclusive, referenced));
                    }
                    (locks, Work::Brief)
                }
                TableAction::AddColumn(column) => (own(AccessExclusive), fill(cx, column).work()),
                TableAction::AlterColumnType { .. } => (
                    own(AccessExclusive),
                    type_change(cx, table, action).map_or(Work::Rewrite, |c| c.work()),
                ),
                TableAction::SetNotNull(column) => {
                    let work = if cx.not_null_proven(table, &column.0) {
                        Work::Brief
                    } else {
                        Work::Scan
                    };
                    (own(AccessExclusive), work)
                }
                TableAction::SetLogged(_) => (own(AccessExclusive), Work::Rewrite),
                // The statistics target only changes what the next ANALYZE
                // gathers; the storage and compression only how new values
                // are stored: neither rewrites the table.
                TableAction::SetStatistics(..) => (own(ShareUpdateExclusive), Work::Brief),
                TableAction::SetStorage(..) | TableAction::SetCompression(..) => {
                    (own(AccessExclusive), Work::Brief)
                }
                TableAction::SetParams(StorageParams(params))
                | TableAction::ResetParams(ParamNames(params)) => {
                    (own(params_lock(params)), Work::Brief)
                }
                TableAction::EnableTrigger(..) => (own(ShareRowExclusive), Work::Brief),
                // Attaching holds the parent lightly and the partition
                // fully while the partition is checked against its bound
                // (see the rule `partition-bound`).
                TableAction::AttachPartition { partition, .. } => (
                    vec![
                        (ShareUpdateExclusive, table.clone()),
                        (AccessExclusive, partition.clone()),
                    ],
                    if bound_proven(cx, site, partition) {
                        Work::Brief
                    } else {
                        Work::Scan
                    },
                ),
                TableAction::DetachPartition(partition) => (
                    vec![
                        (AccessExclusive, table.clone()),
                        (AccessExclusive, partition.clone()),
                    ],
                    Work::Brief,
                ),
                // Concurrently, the first of its two transactions holds both
                // SHARE UPDATE EXCLUSIVE and waits for every query on the
                // parent; the second holds the parent SHARE UPDATE
                // EXCLUSIVE and the partition ACCESS EXCLUSIVE ("ALTER
                // TABLE", DETACH PARTITION … CONCURRENTLY).
                TableAction::DetachPartitionConcurrently(partition) => (
                    vec![
                        (ShareUpdateExclusive, table.clone()),
                        (AccessExclusive, partition.clone()),
                    ],
                    Work::Brief,
                ),
                _ => (own(AccessExclusive), Work::Brief),
            }
        }
        Stmt::DropTable(table) | Stmt::LockTable(table) => {
            (vec![(AccessExclusive, table.clone())], Work::Brief)
        }
        // Moving a table aside or back, or renaming a column, changes only
        // the catalog, under the strongest lock.
        Stmt::Park(park) => match park.table() {
            Some(table) if cx.existing(table) => {
                (vec![(AccessExclusive, table.clone())], Work::Brief)
            }
            _ => return None,
        },
        // Reading every row to write it into a new table (see the rule
        // `partition-conversion`), from the table set aside under another
        // name, which the step names as it was; the `LOCK TABLE` before it
        // holds the table.
        Stmt::CopyRows { .. } => match &site.change.id {
            crate::catalog::ObjectId::Table { name } => {
                (vec![(AccessShare, name.clone())], Work::Rewrite)
            }
            _ => return None,
        },
        // Giving a table to another role changes only the catalog, under
        // the strongest lock.
        Stmt::AlterOwner {
            object:
                OwnedObject::Named(ObjectName {
                    keyword: Keyword("TABLE"),
                    name,
                }),
            ..
        } => (vec![(AccessExclusive, name.clone())], Work::Brief),
        // An index's lock holds up its table's queries as much as a lock on
        // the table would: planning a query opens every index of the table.
        Stmt::AlterObject {
            object,
            action:
                ObjectAction::SetParams(StorageParams(params))
                | ObjectAction::ResetParams(ParamNames(params)),
        } => {
            // A key's index is changed as the key.
            let table = match &site.change.id {
                crate::catalog::ObjectId::Constraint { table, .. } => table.clone(),
                _ => cx.index_before(&object.name)?.table.clone(),
            };
            (vec![(params_lock(params), table)], Work::Brief)
        }
        // A new partition locks its parent out entirely, unlike an attach.
        Stmt::CreateTable {
            partition_of: Some((parent, _)),
            ..
        } => (vec![(AccessExclusive, parent.clone())], Work::Brief),
        Stmt::CreateIndex(definition) => {
            let table = match &site.change.id {
                crate::catalog::ObjectId::Index { name } => {
                    cx.index_after(name).map(|i| i.table.clone())
                }
                _ => None,
            }
            .or_else(|| read::index(&definition.0).map(|d| d.table))?;
            (vec![(Share, table)], Work::IndexBuild)
        }
        Stmt::DropIndex(name) => {
            let table = cx.index_before(name)?.table.clone();
            (vec![(AccessExclusive, table)], Work::Brief)
        }
        // Built and dropped concurrently, an index lets reads and writes
        // go on: SHARE UPDATE EXCLUSIVE only keeps other schema changes
        // and vacuums out.
        Stmt::CreateIndexConcurrently(definition) => {
            let table = read::index(&definition.0)?.table;
            (vec![(ShareUpdateExclusive, table)], Work::IndexBuild)
        }
        Stmt::DropIndexConcurrently { name, .. } => {
            let table = cx.index_before(name)?.table.clone();
            (vec![(ShareUpdateExclusive, table)], Work::Brief)
        }
        Stmt::CreateTrigger(_) => match &site.change.id {
            crate::catalog::ObjectId::Trigger { table, .. } => {
                (vec![(ShareRowExclusive, table.clone())], Work::Brief)
            }
            _ => return None,
        },
        Stmt::DropTrigger { table, .. } => (vec![(AccessExclusive, table.clone())], Work::Brief),
        Stmt::CreateSyncTrigger(trigger) => (
            vec![(ShareRowExclusive, trigger.table.clone())],
            Work::Brief,
        ),
        // Creating or dropping a rule or a policy changes how its table is
        // queried.
        Stmt::Deparsed(_) | Stmt::DropOn(_) => match &site.change.id {
            crate::catalog::ObjectId::Rule { table, .. }
            | crate::catalog::ObjectId::Policy { table, .. } => {
                (vec![(AccessExclusive, table.clone())], Work::Brief)
            }
            _ => return None,
        },
        Stmt::CreatePolicy(PolicyDef { table, .. })
        | Stmt::AlterPolicy(PolicyChange { table, .. }) => {
            (vec![(AccessExclusive, table.clone())], Work::Brief)
        }
        // A domain's new constraint is checked against every value of the
        // domain, under SHARE on each table that holds one (which blocks
        // writes and lets reads through).
        Stmt::AlterDomain {
            name,
            action:
                DomainAction::AddConstraint {
                    not_valid: false, ..
                }
                | DomainAction::SetNotNull
                | DomainAction::ValidateConstraint(_),
        } => (
            cx.tables_using_domain(name)
                .into_iter()
                .map(|table| (Share, table))
                .collect(),
            Work::Scan,
        ),
        Stmt::SyncSequenceToColumn { table, .. } => {
            (vec![(AccessShare, table.clone())], Work::Scan)
        }
        _ => return None,
    };
    // A brief statement after the step's `LOCK TABLE` (the set-aside,
    // the new partitions of a table partitioned anew, which takes its
    // name) takes nothing that the step does not hold already.
    let held = |table: &QualName| {
        !work.is_long()
            && site.change.statements[..site.index]
                .iter()
                .any(|s| matches!(s, Stmt::LockTable(locked) if locked == table))
    };
    let locks: Vec<(LockLevel, QualName)> = locks
        .into_iter()
        .filter(|(_, table)| cx.existing(table) && !held(table))
        .collect();
    if locks.is_empty() {
        return None;
    }
    // Work on a table the script creates is no work at all; what remains
    // is the lock on the existing table (a foreign key to it, say).
    let work = match site.stmt {
        Stmt::AlterTable { table, .. } if !cx.existing(table) => Work::Brief,
        _ => work,
    };
    Some(Effect { locks, work })
}

// Defined here rather than in `context.rs`, next to the effects it reads,
// so that `context` needs nothing from this module and the two do not
// import each other.
impl Context<'_> {
    /// Whether a statement after `site` in the same transaction does long
    /// work (a rewrite, a scan, an index build), which keeps the locks
    /// `site` took held for as long.
    pub fn long_work_after(&self, site: &Site<'_>) -> bool {
        let last = self.last_long_work.get_or_init(|| {
            let count = self.transaction.last().map_or(0, |t| t + 1);
            let mut last = vec![None; count];
            for s in self.sites() {
                if of(self, &s).is_some_and(|e| e.work.is_long())
                    && let Some(&t) = self.transaction.get(s.step)
                {
                    last[t] = Some((s.step, s.index));
                }
            }
            last
        });
        self.transaction
            .get(site.step)
            .and_then(|&t| last.get(t).copied().flatten())
            .is_some_and(|position| position > (site.step, site.index))
    }
}
