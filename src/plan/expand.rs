//! `--expand-contract`: a column renamed (by a declared `--rename`) or
//! retyped in a way that rewrites the table or may fail, moved in two
//! phases instead of one statement under `ACCESS EXCLUSIVE`. No IO.
//!
//! - Expand (`--expand-contract`, the plan from FROM to TO): the new column
//!   is added (under its TO name for a rename, under a temporary name for a
//!   retype), a trigger keeps the two columns in step both ways, and a
//!   backfill fills the new column in batches that each commit, outside
//!   any transaction. Every other change of the plan is made as usual; the
//!   moved column's own changes wait for the contract.
//! - Contract (`--expand-contract=contract`, planned from the expanded
//!   database to the same TO once the application uses the new column):
//!   the trigger, its function and the old column are dropped, a retyped
//!   column's new column takes the old one's name, and the rest of the
//!   diff (its default, NOT NULL) follows.
//!
//! Each phase has its own reverse: expand's drops what expand added;
//! contract's brings the old column back, with the trigger, and fills it
//! from the new one. A contract finds what to finish in the expanded
//! catalog itself: a trigger named as [`sync_name`] names a pair of columns.
//!
//! A column something depends on (an index, a constraint, a view) is not
//! moved: dropping the old column would take it along. Neither is a column
//! of a partitioned, partition or inheriting table, nor an identity or
//! generated column; the error says which and why.

use sha2::{Digest, Sha256};
use thiserror::Error;

use super::{Boundary, Plan, Step};
use crate::catalog::{Catalog, Column, ObjectId, QualName, Table, conversion};
use crate::diff::ChangeKind;
use crate::names::{FunctionKind, with_suffix};
use crate::sql::{
    Backfill, ColumnDef, Conversion, Ident, RenameStmt, ServerSql, Stmt, SyncFunction, SyncTrigger,
    TableAction, quote_ident,
};

/// The rows a backfill batch fills when `--batch-size` is not given.
pub const DEFAULT_BATCH_SIZE: u64 = 10_000;

/// What the trigger and its function are called, before their digest.
const SYNC_PREFIX: &str = "pgrift_sync_";

/// Which phase of `--expand-contract` a plan makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Expand,
    Contract,
}

/// One column on the move: from `old` (FROM's column) to `new` (TO's),
/// through a column named `during` that the expand adds.
#[derive(Debug, Clone)]
pub struct Move {
    pub table: QualName,
    pub old: Column,
    pub new: Column,
    /// The new column's name between the phases: TO's name for a rename,
    /// a temporary one for a retype.
    pub during: String,
}

impl Move {
    /// True for a retype: the new column takes the old one's name at the
    /// contract.
    pub fn swaps(&self) -> bool {
        self.old.name == self.new.name
    }

    fn sync_name(&self) -> String {
        sync_name(&self.table, &self.old.name, &self.during)
    }

    fn function(&self) -> QualName {
        QualName::new(self.table.schema.clone(), self.sync_name())
    }

    fn alter(&self, action: TableAction) -> Stmt {
        Stmt::AlterTable {
            table: self.table.clone(),
            action,
        }
    }

    /// The new column as the expand adds it: TO's type and collation,
    /// nullable and without a default, so that adding it is brief; the
    /// trigger and the backfill fill it.
    fn add_new(&self) -> Stmt {
        self.alter(TableAction::AddColumn(bare(&self.during, &self.new)))
    }

    fn sync_function(&self) -> Stmt {
        let (old, new) = (self.old.data_type.as_str(), self.new.data_type.as_str());
        let convert = |from: &str, to: &str| {
            let (explicit, via_text) = conversion(from, to);
            Conversion {
                data_type: ServerSql(to.to_owned()),
                explicit,
                via_text,
            }
        };
        Stmt::CreateSyncFunction(SyncFunction {
            name: self.function(),
            old: Ident(self.old.name.to_string()),
            new: Ident(self.during.clone()),
            to_new: convert(old, new),
            to_old: convert(new, old),
        })
    }

    fn sync_trigger(&self) -> Stmt {
        Stmt::CreateSyncTrigger(SyncTrigger {
            table: self.table.clone(),
            name: Ident(self.sync_name()),
            function: self.function(),
        })
    }

    /// Drops the trigger and its function.
    fn drop_sync(&self) -> [Stmt; 2] {
        [
            Stmt::DropTrigger {
                table: self.table.clone(),
                name: Ident(self.sync_name()),
            },
            Stmt::DropFunction {
                kind: FunctionKind::Function,
                name: self.function(),
                args: ServerSql(String::new()),
            },
        ]
    }

    fn backfill(&self, source: &str, target: &str, batch_size: u64) -> Stmt {
        Stmt::Backfill(Backfill {
            table: self.table.clone(),
            source: Ident(source.to_owned()),
            target: Ident(target.to_owned()),
            batch_size,
        })
    }

    fn step(&self, column: &str, kind: ChangeKind, reason: String, statements: Vec<Stmt>) -> Step {
        Step {
            id: ObjectId::Column {
                table: self.table.clone(),
                column: column.into(),
            },
            kind,
            reason: Some(reason),
            statements,
            includes: Vec::new(),
            boundary: Boundary::Own,
        }
    }
}

/// A column as `ADD COLUMN` writes it with `column`'s type and collation
/// only.
fn bare(name: &str, column: &Column) -> ColumnDef {
    ColumnDef {
        name: Ident(name.to_owned()),
        data_type: ServerSql(column.data_type.to_string()),
        collation: column.collation().cloned(),
        not_null: false,
        not_null_name: None,
        default: None,
        identity: None,
        generated: None,
    }
}

/// The name of the trigger (on `table`) and of its function (in the
/// table's schema) that keep columns `old` and `new` in step: a digest of
/// all four names, so that it is the same in both phases, fits in 63 bytes
/// whatever the names, and tells pairs apart.
pub fn sync_name(table: &QualName, old: &str, new: &str) -> String {
    let mut digest = Sha256::new();
    for part in [table.schema.as_str(), table.name.as_str(), old, new] {
        digest.update(part.len().to_le_bytes());
        digest.update(part.as_bytes());
    }
    format!("{SYNC_PREFIX}{}", hex::encode(&digest.finalize()[..8]))
}

/// The temporary name of a retyped column's new column: `<column>__pgrift_new`,
/// the column's part cut (at a character boundary, with a digest of the
/// whole name) to fit in 63 bytes.
pub fn temporary_name(column: &str) -> String {
    with_suffix(column, "__pgrift_new")
}

/// Why a column cannot be moved in two phases.
#[derive(Debug, Error)]
pub enum ExpandError {
    #[error(
        "column {} of table {table} cannot be expanded and contracted: {why}",
        quote_ident(.column)
    )]
    Unsupported {
        table: QualName,
        column: String,
        why: String,
    },
}

impl ExpandError {
    pub fn hint(&self) -> String {
        "plan this change without --expand-contract, or move what stands in the way apart \
         (drop what depends on the column first, and create it again after the contract)"
            .to_owned()
    }
}

/// True for a table whose columns can be moved: one that exists on both
/// sides and takes no part in partitioning or inheritance.
fn plain(from: &Catalog, to: &Catalog, table: &QualName) -> bool {
    let plain =
        |t: &Table| t.partition_by.is_none() && t.partition_of.is_none() && t.inherits.is_empty();
    let parent = |c: &Catalog| c.tables.iter().any(|t| t.inherits.contains(table));
    from.table(table).is_some_and(plain)
        && to.table(table).is_some_and(plain)
        && !parent(from)
        && !parent(to)
}

fn column<'a>(catalog: &'a Catalog, table: &QualName, name: &str) -> Option<&'a Column> {
    catalog
        .table(table)?
        .columns
        .iter()
        .find(|c| c.name == name)
}

/// The columns the expand moves: each column a declared rename renames
/// (`renames`, as `RenameMap::steps` gives them), and each column `plan`
/// retypes where `slow` (old type, new type) says the change rewrites the
/// table or may fail. `from` is FROM with the renames applied, as the plan
/// was made from it.
pub fn moves(
    renames: &[(ObjectId, ObjectId, Stmt)],
    plan: &Plan,
    from: &Catalog,
    to: &Catalog,
    slow: &dyn Fn(&str, &str) -> bool,
) -> Result<Vec<Move>, ExpandError> {
    let mut moves = Vec::new();
    for (id, was, _) in renames {
        let (
            ObjectId::Column {
                table,
                column: renamed,
            },
            ObjectId::Column {
                table: was_table,
                column: was_column,
            },
        ) = (id, was)
        else {
            continue;
        };
        let unsupported = |why: &str| ExpandError::Unsupported {
            table: was_table.clone(),
            column: was_column.to_string(),
            why: why.to_owned(),
        };
        if table != was_table {
            return Err(unsupported(
                "its table is renamed too; rename the table in a plan of its own first",
            ));
        }
        let (Some(old), Some(new)) = (column(from, table, renamed), column(to, table, renamed))
        else {
            continue;
        };
        let mut old = old.clone();
        old.name = was_column.clone();
        moves.push(Move {
            table: table.clone(),
            old,
            new: new.clone(),
            during: renamed.to_string(),
        });
    }
    for step in &plan.steps {
        let ObjectId::Column {
            table,
            column: name,
        } = &step.id
        else {
            continue;
        };
        if step.kind != ChangeKind::Alter
            || !step.statements.iter().any(crate::catalog::is_type_change)
            || moves
                .iter()
                .any(|m| &m.table == table && m.new.name == *name)
        {
            continue;
        }
        let (Some(old), Some(new)) = (column(from, table, name), column(to, table, name)) else {
            continue;
        };
        // A foreign table's column holds no values here: its type changes
        // in place, with nothing to copy.
        let foreign = from.table(table).is_some_and(|t| t.foreign.is_some());
        if foreign || old.data_type == new.data_type || !slow(&old.data_type, &new.data_type) {
            continue;
        }
        moves.push(Move {
            table: table.clone(),
            old: old.clone(),
            new: new.clone(),
            during: temporary_name(name),
        });
    }
    for m in &moves {
        check(m, from, to)?;
    }
    Ok(moves)
}

/// Refuses a move the two phases cannot make safely.
fn check(m: &Move, from: &Catalog, to: &Catalog) -> Result<(), ExpandError> {
    let unsupported = |why: String| ExpandError::Unsupported {
        table: m.table.clone(),
        column: m.old.name.to_string(),
        why,
    };
    if !plain(from, to, &m.table) {
        return Err(unsupported(
            "its table is partitioned, a partition, or in an inheritance tree".to_owned(),
        ));
    }
    if from.table(&m.table).is_some_and(|t| t.foreign.is_some()) {
        return Err(unsupported(
            "its table is a foreign table, whose rows the trigger cannot copy; rename it in a \
             plan without --expand-contract"
                .to_owned(),
        ));
    }
    if [&m.old, &m.new]
        .iter()
        .any(|c| c.identity().is_some() || c.generated().is_some())
    {
        return Err(unsupported(
            "it is an identity or generated column, whose values the trigger cannot copy"
                .to_owned(),
        ));
    }
    // In `from` the column is already under its new name (the plan's
    // source has the renames applied).
    let renamed = ObjectId::Column {
        table: m.table.clone(),
        column: m.new.name.clone(),
    };
    let dependent = |catalog: &Catalog| {
        catalog
            .dependencies
            .iter()
            .find(|d| d.referenced == renamed)
            .map(|d| d.dependent.clone())
    };
    if let Some(dependent) = dependent(from) {
        return Err(unsupported(format!(
            "{} {dependent} depends on it, and the contract's drop of the old column would \
             take it along",
            dependent.kind_name()
        )));
    }
    if m.swaps()
        && let Some(dependent) = dependent(to)
    {
        return Err(unsupported(format!(
            "{} {dependent} depends on it in TO, and would be built on the old column",
            dependent.kind_name()
        )));
    }
    if m.swaps()
        && [from, to]
            .iter()
            .any(|c| column(c, &m.table, &m.during).is_some())
    {
        return Err(unsupported(format!(
            "its temporary name {:?} is taken",
            m.during
        )));
    }
    Ok(())
}

/// The declared renames (or their inverses, for the reverse script) that
/// the expand does not make, being moves.
pub fn without_moved(
    renames: Vec<(ObjectId, ObjectId, Stmt)>,
    moves: &[Move],
) -> Vec<(ObjectId, ObjectId, Stmt)> {
    renames
        .into_iter()
        .filter(|(_, _, stmt)| {
            !matches!(stmt, Stmt::Rename(RenameStmt::Column { table, column, new_name })
                if moves.iter().any(|m| &m.table == table
                    && (m.during == column.0 || m.during == new_name.0)))
        })
        .collect()
}

/// What `--expand-contract` asks of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpandContract {
    pub phase: Phase,
    /// The rows each backfill batch fills.
    pub batch_size: u64,
}

/// True for a change of column `name` of `table` or of its default.
fn on_column(id: &ObjectId, table: &QualName, name: &str) -> bool {
    match id {
        ObjectId::Column { table: t, column } | ObjectId::Default { table: t, column } => {
            t == table && column == name
        }
        _ => false,
    }
}

/// `plan` without the changes of the moved columns, each named as `name`
/// gives it.
fn without_columns(mut plan: Plan, moves: &[Move], name: impl Fn(&Move) -> &str) -> Plan {
    plan.steps
        .retain(|step| !moves.iter().any(|m| on_column(&step.id, &m.table, name(m))));
    plan
}

/// Where steps go that must come before the plan's others but after its
/// new enum labels, which commit first.
fn after_labels(plan: &Plan) -> usize {
    plan.steps
        .iter()
        .take_while(|s| s.adds_enum_labels())
        .count()
}

/// The expand: `plan` (from FROM with the renames applied) without the
/// moved columns' changes, then for each move the new column, the trigger
/// and its function in a transaction of their own, then its backfill.
pub fn expand(plan: Plan, moves: &[Move], batch_size: u64) -> Plan {
    let mut plan = without_columns(plan, moves, |m| m.new.name.as_str());
    for m in moves {
        plan.steps.push(m.step(
            &m.during,
            ChangeKind::Create,
            format!(
                "expand: kept in step with {} by a trigger",
                quote_ident(&m.old.name)
            ),
            vec![m.add_new(), m.sync_function(), m.sync_trigger()],
        ));
    }
    for m in moves {
        plan.steps.push(Step {
            boundary: Boundary::Alone,
            ..m.step(
                &m.during,
                ChangeKind::Alter,
                format!(
                    "expand: filled from {} in batches",
                    quote_ident(&m.old.name)
                ),
                vec![m.backfill(&m.old.name, &m.during, batch_size)],
            )
        });
    }
    plan
}

/// The expand's reverse: the trigger, its function and the new column
/// dropped, then `reverse` (from TO with the inverse renames applied)
/// without the moved columns' changes.
pub fn expand_reverse(reverse: Plan, moves: &[Move]) -> Plan {
    let mut plan = without_columns(reverse, moves, |m| m.old.name.as_str());
    let at = after_labels(&plan);
    let drops = moves.iter().map(|m| {
        let mut statements = m.drop_sync().to_vec();
        statements.push(m.alter(TableAction::DropColumn(Ident(m.during.clone()))));
        Step {
            boundary: Boundary::Joined,
            ..m.step(
                &m.during,
                ChangeKind::Drop,
                "undoes the expand".to_owned(),
                statements,
            )
        }
    });
    plan.steps.splice(at..at, drops);
    plan
}

/// The moves an expanded database holds that TO finishes: each trigger
/// named as [`sync_name`] names two of its table's columns, of which TO
/// keeps the new one (a rename) or gives the new one's type to the old
/// one's name (a retype).
pub fn expanded(from: &Catalog, to: &Catalog) -> Vec<Move> {
    let mut moves = Vec::new();
    for trigger in &from.triggers {
        if !trigger.name.starts_with(SYNC_PREFIX) || !plain(from, to, &trigger.table) {
            continue;
        }
        let (Some(table), Some(target)) = (from.table(&trigger.table), to.table(&trigger.table))
        else {
            continue;
        };
        let has = |t: &Table, name: &str| t.columns.iter().any(|c| c.name == name);
        for old in &table.columns {
            for during in &table.columns {
                if old.name == during.name
                    || sync_name(&trigger.table, &old.name, &during.name) != trigger.name
                {
                    continue;
                }
                let new = if has(target, &during.name) && !has(target, &old.name) {
                    column(to, &trigger.table, &during.name)
                } else if during.name == temporary_name(&old.name)
                    && has(target, &old.name)
                    && !has(target, &during.name)
                {
                    column(to, &trigger.table, &old.name)
                } else {
                    None
                };
                if let Some(new) = new {
                    let mut new = new.clone();
                    new.data_type = during.data_type.clone();
                    let collation = during.collation().cloned();
                    new.update_extra(|extra| extra.collation = collation);
                    moves.push(Move {
                        table: trigger.table.clone(),
                        old: old.clone(),
                        new,
                        during: during.name.to_string(),
                    });
                }
            }
        }
    }
    moves
}

/// The expanded catalog as the contract leaves it before the rest of the
/// diff: without the triggers, their functions and the old columns, and
/// each retyped column's new column under the old one's name.
pub fn contracted(from: &Catalog, moves: &[Move]) -> Catalog {
    let mut catalog = from.clone();
    let mut gone = Vec::new();
    for m in moves {
        let name = m.sync_name();
        gone.push(ObjectId::Trigger {
            table: m.table.clone(),
            name: name.as_str().into(),
        });
        gone.push(ObjectId::Function {
            name: m.function(),
            args: "".into(),
        });
        gone.push(ObjectId::Column {
            table: m.table.clone(),
            column: m.old.name.clone(),
        });
        gone.push(ObjectId::Column {
            table: m.table.clone(),
            column: m.during.as_str().into(),
        });
        catalog
            .triggers
            .retain(|t| !(t.table == m.table && t.name == name));
        catalog
            .functions
            .retain(|f| !(f.name == m.function() && f.identity_args.is_empty()));
        if let Some(table) = catalog.tables.iter_mut().find(|t| t.name == m.table) {
            table.columns.retain(|c| c.name != m.old.name);
            if let Some(during) = table.columns.iter_mut().find(|c| c.name == m.during) {
                during.name = m.new.name.clone();
            }
        }
    }
    catalog
        .dependencies
        .retain(|d| !gone.contains(&d.dependent) && !gone.contains(&d.referenced));
    catalog
}

/// The contract: for each move the trigger, its function and the old
/// column dropped and a retyped column's new column renamed to the old
/// one's name, then `plan` (from the [`contracted`] catalog to TO).
pub fn contract(mut plan: Plan, moves: &[Move]) -> Plan {
    let at = after_labels(&plan);
    let steps = moves.iter().map(|m| {
        let mut statements = m.drop_sync().to_vec();
        statements.push(m.alter(TableAction::DropColumn(Ident(m.old.name.to_string()))));
        if m.swaps() {
            statements.push(Stmt::Rename(RenameStmt::Column {
                table: m.table.clone(),
                column: Ident(m.during.clone()),
                new_name: Ident(m.new.name.to_string()),
            }));
        }
        Step {
            boundary: Boundary::Joined,
            ..m.step(
                &m.old.name,
                ChangeKind::Drop,
                format!("contract: {} replaces it", quote_ident(&m.during)),
                statements,
            )
        }
    });
    plan.steps.splice(at..at, steps);
    plan
}

/// The contract's reverse: `reverse` (from TO to the [`contracted`]
/// catalog), then for each move the new column back under its name
/// between the phases and the old column added again with the trigger,
/// its backfill from the new column right after (which the rule
/// `irreversible-recreate` looks for), and last the old columns' defaults
/// and NOT NULL.
pub fn contract_reverse(mut reverse: Plan, moves: &[Move], batch_size: u64) -> Plan {
    for m in moves {
        let mut statements = Vec::new();
        if m.swaps() {
            statements.push(Stmt::Rename(RenameStmt::Column {
                table: m.table.clone(),
                column: Ident(m.new.name.to_string()),
                new_name: Ident(m.during.clone()),
            }));
        }
        statements.push(m.alter(TableAction::AddColumn(bare(&m.old.name, &m.old))));
        statements.push(m.sync_function());
        statements.push(m.sync_trigger());
        reverse.steps.push(m.step(
            &m.old.name,
            ChangeKind::Create,
            format!(
                "undoes the contract: kept in step with {} by a trigger",
                quote_ident(&m.during)
            ),
            statements,
        ));
        reverse.steps.push(Step {
            boundary: Boundary::Alone,
            ..m.step(
                &m.old.name,
                ChangeKind::Alter,
                format!(
                    "undoes the contract: filled from {} in batches",
                    quote_ident(&m.during)
                ),
                vec![m.backfill(&m.during, &m.old.name, batch_size)],
            )
        });
    }
    for m in moves {
        let name = || Ident(m.old.name.to_string());
        let mut statements = Vec::new();
        if let Some(default) = &m.old.default {
            statements.push(m.alter(TableAction::SetDefault(
                name(),
                ServerSql(default.to_string()),
            )));
        }
        if m.old.not_null {
            statements.push(m.alter(TableAction::SetNotNull(name())));
        }
        if !statements.is_empty() {
            reverse.steps.push(m.step(
                &m.old.name,
                ChangeKind::Finish,
                "undoes the contract: as the column was".to_owned(),
                statements,
            ));
        }
    }
    reverse
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::NAME_BYTES;

    #[test]
    fn names_fit_in_63_bytes_and_depend_on_every_part() {
        let t = QualName::new("public", "t");
        let name = sync_name(&t, "a", "b");
        assert_eq!(name.len(), SYNC_PREFIX.len() + 16);
        assert_eq!(name, sync_name(&t, "a", "b"));
        assert_ne!(name, sync_name(&t, "b", "a"));
        assert_ne!(name, sync_name(&t, "ab", ""));
        let long = "é".repeat(31);
        let during = temporary_name(&long);
        assert!(during.len() <= NAME_BYTES, "{during}");
        assert!(during.starts_with("éé") && during.ends_with("__pgrift_new"));
        assert_ne!(during, temporary_name(&format!("{long}x")));
        assert_eq!(temporary_name("price"), "price__pgrift_new");
    }

    fn catalog(table: &QualName, columns: &[(&str, &str)]) -> Catalog {
        let mut catalog = Catalog {
            tables: vec![Table::new(
                table.clone(),
                columns.iter().map(|&(n, t)| Column::new(n, t)).collect(),
            )],
            ..Catalog::default()
        };
        catalog.normalize();
        catalog
    }

    #[test]
    fn a_contract_finds_the_move_an_expand_made_and_leaves_nothing_else() {
        let t = QualName::new("public", "t\"*/");
        let from = catalog(&t, &[("id", "integer"), ("n'", "text")]);
        let to = catalog(&t, &[("id", "integer"), ("n'", "integer")]);
        let plan = crate::plan::plan(crate::diff::diff(&from, &to)).expect("plans");
        let moves = moves(&[], &plan, &from, &to, &|_, _| true).expect("moves");
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].during, "n'__pgrift_new");
        let expanded_plan = expand(plan, &moves, 10);
        let kinds: Vec<(Boundary, usize)> = expanded_plan
            .steps
            .iter()
            .map(|s| (s.boundary, s.statements.len()))
            .collect();
        assert_eq!(kinds, [(Boundary::Own, 3), (Boundary::Alone, 1)]);

        let mut after_expand = catalog(
            &t,
            &[
                ("id", "integer"),
                ("n'", "text"),
                ("n'__pgrift_new", "integer"),
            ],
        );
        after_expand.triggers.push(crate::catalog::Trigger {
            table: t.clone(),
            name: sync_name(&t, "n'", "n'__pgrift_new"),
            definition: String::new(),
            enabled: crate::names::TriggerEnabled::Origin,
            comment: None,
        });
        let found = expanded(&after_expand, &to);
        assert_eq!(found.len(), 1);
        assert!(found[0].swaps());
        let left = crate::plan::plan(crate::diff::diff(&contracted(&after_expand, &found), &to))
            .expect("plans");
        assert!(left.is_empty(), "{:?}", left.steps);
        // A trigger of the same prefix that names no pair is left alone.
        after_expand.triggers[0].name = sync_name(&t, "id", "n'");
        assert!(expanded(&after_expand, &to).is_empty());
    }

    #[test]
    fn a_foreign_tables_column_is_retyped_in_place() {
        let t = QualName::new("public", "remote");
        let foreign = |mut catalog: Catalog| {
            catalog.tables[0].foreign = Some(Box::new(crate::catalog::ForeignTable {
                server: "s".into(),
                options: Vec::new(),
            }));
            catalog
        };
        let from = foreign(catalog(&t, &[("n", "text")]));
        let to = foreign(catalog(&t, &[("n", "integer")]));
        let plan = crate::plan::plan(crate::diff::diff(&from, &to)).expect("plans");
        assert!(!plan.is_empty());
        let moves = moves(&[], &plan, &from, &to, &|_, _| true).expect("moves");
        assert!(moves.is_empty());
    }
}
