//! `--park-drops`: a plan rewritten so that a table or column TO no longer
//! has is moved aside with its rows instead of dropped, and the reverse
//! plan rewritten to move it back. No IO.
//!
//! - A dropped table is moved into the schema `pgrift_parked` (created if
//!   missing) under a dated name (`catalog::parked::table_name`). `SET
//!   SCHEMA` takes its indexes, constraints, owned sequences and triggers
//!   along; what the plan drops apart from it (views on it, foreign keys
//!   of other tables, its own foreign keys to other tables) is still
//!   dropped.
//! - A dropped column is renamed to a dated name
//!   (`catalog::parked::column_name`) and its `NOT NULL` dropped, so that
//!   inserts that leave it out keep working; the plan still drops the
//!   indexes and constraints on it, as TO has none.
//! - The reverse plan moves each parked object back where the plan made
//!   it anew, and leaves out the creates of what came back with it.
//!
//! Parked are only the drops whose move keeps the same meaning: a table
//! outside any partitioning or inheritance tree, a column that is no
//! identity, not generated and not inherited, and whose drop takes
//! nothing along but its default. Anything else is dropped as before.

use std::collections::HashSet;

use super::{Plan, Step};
use crate::catalog::parked::{self, Day, Parked};
use crate::catalog::{Catalog, Column, ObjectId, QualName};
use crate::diff::ChangeKind;
use crate::sql::{Ident, ParkStmt, Stmt, TableAction};

/// Rewrites `plan`, made from `from` to `to`, so that it parks the tables
/// and columns it drops, dated `day`; the plan records what it parks.
/// `renamed` says which tables a declared rename names otherwise on the
/// way back: their drops are left as they are, since the reverse plan
/// would not find them under the names they were parked by.
pub fn park(
    mut plan: Plan,
    from: &Catalog,
    to: &Catalog,
    day: Day,
    renamed: impl Fn(&QualName) -> bool,
) -> Plan {
    let parents: HashSet<&QualName> = from.tables.iter().flat_map(|t| &t.inherits).collect();
    let mut schema_made = false;
    for step in &mut plan.steps {
        if step.kind != ChangeKind::Drop {
            continue;
        }
        let parked = match &step.id {
            ObjectId::Table { name } | ObjectId::Column { table: name, .. } if renamed(name) => {
                continue;
            }
            ObjectId::Table { name } if parks_table(from, to, &parents, name, step) => {
                let parked = Parked::table(name, day);
                let mut statements = Vec::with_capacity(3);
                if !schema_made {
                    statements.push(Stmt::Park(ParkStmt::Schema(ident(parked::SCHEMA))));
                    schema_made = true;
                }
                statements.push(Stmt::Park(ParkStmt::SetSchema {
                    table: name.clone(),
                    schema: ident(parked::SCHEMA),
                }));
                statements.push(Stmt::Park(ParkStmt::RenameTable {
                    table: QualName::new(parked::SCHEMA, name.name.as_str()),
                    new_name: ident(&parked.parked_as),
                }));
                step.statements = statements;
                step.reason = Some(format!(
                    "as {}",
                    QualName::new(parked::SCHEMA, parked.parked_as.as_str())
                ));
                parked
            }
            ObjectId::Column { table, column } => {
                let Some(old) = parkable_column(from, to, table, column, step) else {
                    continue;
                };
                let parked = Parked::column(table, column, day);
                let new_name = ident(&parked.parked_as);
                let mut statements = vec![Stmt::Park(ParkStmt::RenameColumn {
                    table: table.clone(),
                    column: ident(column),
                    new_name: new_name.clone(),
                })];
                if old.not_null {
                    statements.push(Stmt::AlterTable {
                        table: table.clone(),
                        action: TableAction::DropNotNull(new_name),
                    });
                }
                step.statements = statements;
                step.reason = Some(format!("as {}", crate::sql::quote_ident(&parked.parked_as)));
                parked
            }
            _ => continue,
        };
        // What the drop would have taken along moves with the table
        // instead: the step no longer drops it.
        let includes = std::mem::take(&mut step.includes);
        plan.parked.push(Parked {
            moves: std::iter::once(step.id.clone())
                .chain(includes.into_iter().map(|(id, _)| id))
                .collect(),
            ..parked
        });
    }
    plan
}

/// Rewrites `reverse`, the plan from TO back to `from`, so that it moves
/// back what `parked` (the forward plan's record) parked instead of
/// creating it empty, and leaves out the creates of what came back with it.
pub fn unpark(mut reverse: Plan, parked: &[Parked], from: &Catalog) -> Plan {
    if parked.is_empty() {
        return reverse;
    }
    let moved: HashSet<&ObjectId> = parked.iter().flat_map(|p| &p.moves).collect();
    let mut steps = Vec::with_capacity(reverse.steps.len());
    for mut step in std::mem::take(&mut reverse.steps) {
        let back = parked
            .iter()
            .find(|p| step.kind == ChangeKind::Create && p.original() == step.id);
        match back {
            Some(back) => {
                step.statements = move_back(back, from);
                step.reason = Some(format!("parked as {}", parked_name(back)));
                step.includes.clear();
                steps.push(step);
            }
            None if moved.contains(&step.id) => {}
            None => steps.push(step),
        }
    }
    reverse.steps = steps;
    reverse
}

/// The statements that move `back` where FROM has it.
fn move_back(back: &Parked, from: &Catalog) -> Vec<Stmt> {
    let table = &back.table;
    match &back.column {
        None => vec![
            Stmt::Park(ParkStmt::RenameTable {
                table: QualName::new(parked::SCHEMA, back.parked_as.as_str()),
                new_name: ident(&table.name),
            }),
            Stmt::Park(ParkStmt::SetSchema {
                table: QualName::new(parked::SCHEMA, table.name.as_str()),
                schema: ident(&table.schema),
            }),
        ],
        Some(column) => {
            let mut statements = vec![Stmt::Park(ParkStmt::RenameColumn {
                table: table.clone(),
                column: ident(&back.parked_as),
                new_name: ident(column),
            })];
            let not_null = from
                .table(table)
                .and_then(|t| t.columns.iter().find(|c| c.name == column.as_str()))
                .is_some_and(|c| c.not_null);
            if not_null {
                statements.push(Stmt::AlterTable {
                    table: table.clone(),
                    action: TableAction::SetNotNull(ident(column)),
                });
            }
            statements
        }
    }
}

/// Where a parked object is, as a script comment names it.
fn parked_name(back: &Parked) -> String {
    match back.column {
        None => QualName::new(parked::SCHEMA, back.parked_as.as_str()).to_string(),
        Some(_) => format!(
            "{}.{}",
            back.table,
            crate::sql::quote_ident(&back.parked_as)
        ),
    }
}

/// True for a dropped table that can be parked: TO has no table of its
/// name, it is outside any partitioning or inheritance tree, and the step
/// only drops it.
fn parks_table(
    from: &Catalog,
    to: &Catalog,
    parents: &HashSet<&QualName>,
    name: &QualName,
    step: &Step,
) -> bool {
    let plain = from.table(name).is_some_and(|t| {
        t.partition_by.is_none() && t.partition_of.is_none() && t.inherits.is_empty()
    });
    plain
        && to.table(name).is_none()
        && !parents.contains(name)
        && name.schema.as_str() != parked::SCHEMA
        && matches!(step.statements.as_slice(), [Stmt::DropTable(dropped)] if dropped == name)
}

/// FROM's column, when its drop can be parked: its table stays, it is no
/// identity, not generated and not inherited, and the step drops nothing
/// with it but its default.
fn parkable_column<'a>(
    from: &'a Catalog,
    to: &Catalog,
    table: &QualName,
    column: &str,
    step: &Step,
) -> Option<&'a Column> {
    let old = from
        .table(table)?
        .columns
        .iter()
        .find(|c| c.name == column)?;
    let kept = to.table(table).is_some();
    let plain = old.identity().is_none() && old.generated().is_none() && !old.inherited;
    let alone = step
        .includes
        .iter()
        .all(|(id, _)| matches!(id, ObjectId::Default { .. }));
    let drops = matches!(
        step.statements.as_slice(),
        [Stmt::AlterTable { action: TableAction::DropColumn(dropped), .. }] if dropped.0 == column
    );
    (kept && plain && alone && drops).then_some(old)
}

fn ident(name: &str) -> Ident {
    Ident(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Schema, Table};

    fn day() -> Day {
        Day::from_civil(2026, 12, 6).expect("a date")
    }

    fn catalog(tables: Vec<Table>) -> Catalog {
        let mut catalog = Catalog {
            schemas: vec![Schema {
                acl: Default::default(),
                owner: Default::default(),
                name: "public".into(),
                comment: None,
            }],
            tables,
            ..Catalog::default()
        };
        catalog.normalize();
        catalog
    }

    fn table(name: &str, columns: &[(&str, bool)]) -> Table {
        let columns = columns
            .iter()
            .map(|&(column, not_null)| {
                let mut column = Column::new(column, "integer");
                column.not_null = not_null;
                column
            })
            .collect();
        Table::new(QualName::new("public", name), columns)
    }

    fn plan(from: &Catalog, to: &Catalog) -> Plan {
        super::super::plan(crate::diff::diff(from, to)).expect("a plan")
    }

    fn script(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .flat_map(|s| &s.statements)
            .map(|stmt| format!("{stmt};"))
            .collect()
    }

    #[test]
    fn a_dropped_table_and_column_are_parked_and_moved_back() {
        let from = catalog(vec![
            table("users", &[("id", true), ("email", true)]),
            table("logs", &[("id", false)]),
        ]);
        let to = catalog(vec![table("users", &[("id", true)])]);
        let forward = park(plan(&from, &to), &from, &to, day(), |_| false);
        assert_eq!(
            script(&forward),
            [
                "ALTER TABLE public.users RENAME COLUMN email TO pgrift_parked_20261206_email;",
                "ALTER TABLE public.users ALTER COLUMN pgrift_parked_20261206_email DROP NOT NULL;",
                "CREATE SCHEMA IF NOT EXISTS pgrift_parked;",
                "ALTER TABLE public.logs SET SCHEMA pgrift_parked;",
                "ALTER TABLE pgrift_parked.logs RENAME TO logs_20261206;",
            ]
        );
        assert_eq!(forward.parked.len(), 2);
        let reverse = unpark(plan(&to, &from), &forward.parked, &from);
        assert_eq!(
            script(&reverse),
            [
                "ALTER TABLE pgrift_parked.logs_20261206 RENAME TO logs;",
                "ALTER TABLE pgrift_parked.logs SET SCHEMA public;",
                "ALTER TABLE public.users RENAME COLUMN pgrift_parked_20261206_email TO email;",
                "ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;",
            ]
        );
    }
}
