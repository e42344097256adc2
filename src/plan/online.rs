//! `--online`: a plan rewritten so that each change to a table that
//! exists before and after takes the weakest lock that gets the same
//! result. No IO.
//!
//! - An index is built with `CREATE INDEX CONCURRENTLY` and dropped with
//!   `DROP INDEX CONCURRENTLY`, each outside a transaction; a build is
//!   preceded by `DROP INDEX CONCURRENTLY IF EXISTS`, which removes the
//!   invalid index an earlier failed build left behind.
//! - A foreign key or a check is added `NOT VALID` (a brief lock, no
//!   scan), then validated in a transaction of its own, which scans under
//!   `SHARE UPDATE EXCLUSIVE` and lets writes go on.
//! - A unique key or primary key over plain columns is a unique index
//!   built concurrently, which the key then takes over (`USING INDEX`).
//! - `SET NOT NULL` becomes a `CHECK (column IS NOT NULL) NOT VALID`,
//!   validated apart, after which `SET NOT NULL` needs no scan
//!   (PostgreSQL 12 and later), and the check is dropped.
//!
//! - An existing table attached as a partition is first given its
//!   partition constraint (`pg_get_partition_constraintdef` of TO's
//!   partition) as a `CHECK … NOT VALID`, validated in a transaction of its
//!   own, so that `ATTACH PARTITION` finds it proven and skips its scan
//!   under ACCESS EXCLUSIVE; the check is dropped after the attach. Only
//!   where the table's columns are the same before and after, since the
//!   check runs before the main transaction changes anything.
//! - A partition dropped from a parent that stays is first detached with
//!   `DETACH PARTITION … CONCURRENTLY`, outside a transaction, unless the
//!   parent has a default partition, where PostgreSQL refuses it: the
//!   plan then detaches in the main transaction and warns.
//!
//! The rewritten plan runs in phases: new enum labels (as before), index
//! drops and concurrent detaches, partition checks validated, the
//! transaction of everything else, index builds, then each validation in a
//! transaction of its own. Left as they are otherwise: changes to
//! tables the plan creates or drops (nobody uses them yet), to partitioned
//! tables, partitions and tables in an inheritance tree (where these forms
//! are not all supported), to anything another object depends on (a key a
//! new foreign key references must exist in the main transaction), and
//! changes that have no online form (a type change that rewrites the
//! table): the report's lock risks still say what those hold.

use std::collections::HashSet;

use super::{Boundary, Plan, Step};
use crate::catalog::{Catalog, ObjectId, QualName, Warning};
use crate::diff::ChangeKind;
use crate::names::{NAME_BYTES, cut_to};
use crate::sql::read::{self, ConstraintDefKind};
use crate::sql::{Ident, ServerSql, Stmt, TableAction, quote_ident, unique_index_definition};

/// What the rewriting needs to know of both catalogs and of the plan.
struct Tables<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    /// Tables the plan creates or drops (a replaced table is both).
    remade: HashSet<&'a QualName>,
    /// Tables another table inherits from, in either catalog.
    parents: HashSet<&'a QualName>,
    /// Objects something depends on, in FROM and in TO.
    depended_on_before: HashSet<&'a ObjectId>,
    depended_on_after: HashSet<&'a ObjectId>,
}

impl Tables<'_> {
    /// True for a table that exists before and after the plan, untouched
    /// by partitioning and inheritance on either side: its changes can be
    /// made online.
    fn online(&self, table: &QualName) -> bool {
        let plain = |t: &crate::catalog::Table| {
            t.partition_by.is_none() && t.partition_of.is_none() && t.inherits.is_empty()
        };
        self.from.table(table).is_some_and(plain)
            && self.to.table(table).is_some_and(plain)
            && !self.parents.contains(table)
            && !self.remade.contains(table)
    }
}

/// Rewrites `plan`, made from `from` to `to`, for `--online`; see the
/// module comment.
pub fn online(plan: Plan, from: &Catalog, to: &Catalog) -> Plan {
    let Plan {
        steps,
        mut warnings,
        timeouts,
        parked,
        ..
    } = plan;
    let tables = Tables {
        from,
        to,
        remade: steps
            .iter()
            .filter(|s| matches!(s.kind, ChangeKind::Create | ChangeKind::Drop))
            .filter_map(|s| match &s.id {
                ObjectId::Table { name } => Some(name),
                _ => None,
            })
            .collect(),
        parents: from
            .tables
            .iter()
            .chain(&to.tables)
            .flat_map(|t| &t.inherits)
            .collect(),
        depended_on_before: from.dependencies.iter().map(|d| &d.referenced).collect(),
        depended_on_after: to.dependencies.iter().map(|d| &d.referenced).collect(),
    };
    // The rewritten steps hold the borrowed sets' objects only while this
    // runs; what they keep is cloned.
    let prelude = steps.iter().take_while(|s| s.adds_enum_labels()).count();
    let mut phases = Phases::default();
    let mut built: HashSet<ObjectId> = HashSet::new();
    for (i, step) in steps.iter().enumerate() {
        if i < prelude {
            phases.labels.push(step.clone());
        } else if let Some(build) = build_index(&tables, step) {
            built.insert(step.id.clone());
            phases.builds.push(build);
        } else if let Some(drop) = drop_index(&tables, step) {
            phases.drops.push(drop);
        } else if let Some((detach, rest)) = detach_concurrently(&tables, step, &mut warnings) {
            phases.drops.push(detach);
            phases.main.push(rest);
        } else if built.contains(&step.id) {
            // A comment on an index or key made later goes after it.
            phases.validations.push(Step {
                boundary: Boundary::Own,
                ..step.clone()
            });
        } else {
            let main = rewrite(&tables, step, &mut phases, &mut built);
            if !main.statements.is_empty() {
                phases.main.push(main);
            }
        }
    }
    let Phases {
        labels,
        drops,
        checks,
        main,
        builds,
        validations,
    } = phases;
    let mut steps = labels;
    steps.extend(drops);
    // The main transaction starts anew after the last check's validation.
    let mut main = main;
    if let (false, Some(first)) = (checks.is_empty(), main.first_mut()) {
        first.boundary = Boundary::Own;
    }
    steps.extend(checks);
    steps.extend(main);
    steps.extend(builds);
    steps.extend(validations);
    Plan {
        steps,
        warnings,
        timeouts,
        online: true,
        parked,
    }
}

/// The steps of an online plan, by phase.
#[derive(Default)]
struct Phases {
    labels: Vec<Step>,
    drops: Vec<Step>,
    /// Partition constraints added and validated before an attach.
    checks: Vec<Step>,
    main: Vec<Step>,
    builds: Vec<Step>,
    validations: Vec<Step>,
}

/// A new index on a table that stays, built concurrently.
fn build_index(tables: &Tables<'_>, step: &Step) -> Option<Step> {
    let (ChangeKind::Create, ObjectId::Index { name }, [Stmt::CreateIndex(definition)]) =
        (step.kind, &step.id, step.statements.as_slice())
    else {
        return None;
    };
    let table = read::index(&definition.0)?.table;
    if !tables.online(&table) || tables.depended_on_after.contains(&step.id) {
        return None;
    }
    Some(Step {
        statements: concurrent_build(name, definition.clone()),
        boundary: Boundary::Alone,
        ..step.clone()
    })
}

/// Drops what a failed build left of index `name`, then builds it.
fn concurrent_build(name: &QualName, definition: ServerSql) -> Vec<Stmt> {
    vec![
        Stmt::DropIndexConcurrently {
            name: name.clone(),
            if_exists: true,
        },
        Stmt::CreateIndexConcurrently(definition),
    ]
}

/// An index dropped on its own from a table that stays, dropped
/// concurrently, before the main transaction.
fn drop_index(tables: &Tables<'_>, step: &Step) -> Option<Step> {
    let (ChangeKind::Drop, ObjectId::Index { name }, [Stmt::DropIndex(dropped)]) =
        (step.kind, &step.id, step.statements.as_slice())
    else {
        return None;
    };
    let index = tables.from.index(name)?;
    if !tables.online(&index.table)
        || tables.depended_on_before.contains(&step.id)
        || !step.includes.is_empty()
    {
        return None;
    }
    Some(Step {
        statements: vec![Stmt::DropIndexConcurrently {
            name: dropped.clone(),
            if_exists: false,
        }],
        boundary: Boundary::Alone,
        ..step.clone()
    })
}

/// `step` with its statements rewritten for the main transaction; what
/// they leave to later (builds, validations) goes into `phases`.
fn rewrite(
    tables: &Tables<'_>,
    step: &Step,
    phases: &mut Phases,
    built: &mut HashSet<ObjectId>,
) -> Step {
    let mut statements = Vec::with_capacity(step.statements.len());
    let later = |statements: Vec<Stmt>, reason: &str| Step {
        statements,
        reason: Some(reason.to_owned()),
        boundary: Boundary::Own,
        includes: Vec::new(),
        ..step.clone()
    };
    // A key added over an index built online exists only in its later
    // step, so what follows it in its change (its index's storage
    // parameters, the replica identity it becomes) goes there too.
    let mut after_key: Option<usize> = None;
    for stmt in &step.statements {
        if let Some(at) = after_key {
            phases.validations[at].statements.push(stmt.clone());
            continue;
        }
        let Stmt::AlterTable { table, action } = stmt else {
            statements.push(stmt.clone());
            continue;
        };
        if let TableAction::AttachPartition { partition, .. } = action
            && let Some(check) = partition_check(tables, partition)
        {
            let on_partition = |action| Stmt::AlterTable {
                table: partition.clone(),
                action,
            };
            let name = Ident(PARTITION_CHECK.to_owned());
            phases.checks.push(later(
                vec![on_partition(TableAction::AddPartitionCheck {
                    name: name.clone(),
                    constraint: check,
                })],
                "its partition constraint, checked before the attach",
            ));
            phases.checks.push(later(
                vec![on_partition(TableAction::ValidateConstraint(name.clone()))],
                "the partition constraint validated online, so that the attach skips its scan",
            ));
            statements.push(stmt.clone());
            statements.push(on_partition(TableAction::DropConstraint(name)));
            continue;
        }
        if !tables.online(table) {
            statements.push(stmt.clone());
            continue;
        }
        let alter = |action| Stmt::AlterTable {
            table: table.clone(),
            action,
        };
        match action {
            TableAction::AddConstraint {
                name,
                definition,
                not_valid: false,
            } => match ConstraintDefKind::of(&definition.0) {
                Some(ConstraintDefKind::ForeignKey | ConstraintDefKind::Check) => {
                    statements.push(alter(TableAction::AddConstraint {
                        name: name.clone(),
                        definition: definition.clone(),
                        not_valid: true,
                    }));
                    phases.validations.push(later(
                        vec![alter(TableAction::ValidateConstraint(name.clone()))],
                        "validated apart, online",
                    ));
                }
                Some(ConstraintDefKind::Unique | ConstraintDefKind::PrimaryKey)
                    if !depended_on(tables, table, &name.0) =>
                {
                    match plain_key(table, &name.0, &definition.0) {
                        Some((index, primary)) => {
                            built.insert(step.id.clone());
                            let index_name = QualName::new(table.schema.clone(), name.0.as_str());
                            phases.builds.push(Step {
                                statements: concurrent_build(&index_name, index),
                                reason: Some("its unique index, built online".to_owned()),
                                boundary: Boundary::Alone,
                                includes: Vec::new(),
                                ..step.clone()
                            });
                            phases.validations.push(later(
                                vec![alter(TableAction::AddConstraintUsingIndex {
                                    name: name.clone(),
                                    primary,
                                })],
                                "over the index built online",
                            ));
                            after_key = Some(phases.validations.len() - 1);
                        }
                        None => statements.push(stmt.clone()),
                    }
                }
                _ => statements.push(stmt.clone()),
            },
            TableAction::SetNotNull(column) => {
                let check = Ident(not_null_check_name(&column.0));
                statements.push(alter(TableAction::AddNotNullCheck {
                    name: check.clone(),
                    column: column.clone(),
                }));
                phases.validations.push(later(
                    vec![alter(TableAction::ValidateConstraint(check.clone()))],
                    "the check that proves NOT NULL, validated online",
                ));
                phases.validations.push(later(
                    vec![
                        alter(TableAction::SetNotNull(column.clone())),
                        alter(TableAction::DropConstraint(check)),
                    ],
                    "NOT NULL without a scan, proven by the check",
                ));
            }
            _ => statements.push(stmt.clone()),
        }
    }
    Step {
        statements,
        ..step.clone()
    }
}

/// The name of the check that proves a partition's constraint before its
/// attach; a constraint's name only needs to be free on its table.
pub const PARTITION_CHECK: &str = "partition_bound_pgrift";

/// TO's constraint of `partition`, an existing table that is attached,
/// when it can be checked before the main transaction: the table keeps
/// its columns (names and types), and the server printed a constraint.
fn partition_check(tables: &Tables<'_>, partition: &QualName) -> Option<ServerSql> {
    let before = tables.from.table(partition)?;
    let after = tables.to.table(partition)?;
    let columns = |t: &crate::catalog::Table| -> Vec<(String, String)> {
        let mut columns: Vec<(String, String)> = t
            .columns
            .iter()
            .map(|c| (c.name.to_string(), c.data_type.to_string()))
            .collect();
        columns.sort();
        columns
    };
    if tables.remade.contains(partition) || columns(before) != columns(after) {
        return None;
    }
    let constraint = after.partition_of.as_deref()?.constraint.clone()?;
    Some(ServerSql(constraint))
}

/// A partition dropped from a parent that stays: detached concurrently
/// outside a transaction first, then dropped in the main transaction.
/// `None` for anything else, and, with a warning, where the parent has a
/// default partition.
fn detach_concurrently(
    tables: &Tables<'_>,
    step: &Step,
    warnings: &mut Vec<Warning>,
) -> Option<(Step, Step)> {
    let (
        ChangeKind::Drop,
        [
            Stmt::AlterTable {
                table: parent,
                action: TableAction::DetachPartition(partition),
            },
            rest @ ..,
        ],
    ) = (step.kind, step.statements.as_slice())
    else {
        return None;
    };
    if tables.remade.contains(parent) || tables.to.table(parent).is_none() {
        return None;
    }
    let has_default = tables.from.tables.iter().any(|t| {
        t.partition_of
            .as_deref()
            .is_some_and(|p| p.parent == *parent && p.bound == "DEFAULT")
    });
    if has_default {
        warnings.push(Warning {
            kind: "online".to_owned(),
            object: partition.to_string(),
            message: format!(
                "partition {partition} is detached from {parent} in the main transaction, \
                 under ACCESS EXCLUSIVE on {parent}: PostgreSQL refuses DETACH PARTITION … \
                 CONCURRENTLY where the parent has a default partition"
            ),
        });
        return None;
    }
    let detach = Step {
        statements: vec![Stmt::AlterTable {
            table: parent.clone(),
            action: TableAction::DetachPartitionConcurrently(partition.clone()),
        }],
        reason: Some("detached online".to_owned()),
        boundary: Boundary::Alone,
        includes: Vec::new(),
        ..step.clone()
    };
    let rest = Step {
        statements: rest.to_vec(),
        ..step.clone()
    };
    Some((detach, rest))
}

/// True when something in TO depends on constraint `name` of `table` (a
/// foreign key that references the key): it must then exist within the
/// main transaction.
fn depended_on(tables: &Tables<'_>, table: &QualName, name: &str) -> bool {
    tables.depended_on_after.contains(&ObjectId::Constraint {
        table: table.clone(),
        name: name.into(),
    })
}

/// The unique index of a key over plain columns, and whether it is the
/// primary key; `None` for a key with anything more (`INCLUDE`,
/// `DEFERRABLE`, an index method or storage parameters), which is left as
/// it is.
fn plain_key(table: &QualName, name: &str, definition: &str) -> Option<(ServerSql, bool)> {
    let key = read::key(definition)?;
    let columns: Vec<String> = key.columns.iter().map(|c| quote_ident(c)).collect();
    let head = match (key.primary, key.nulls_distinct) {
        (true, _) => "PRIMARY KEY",
        (false, true) => "UNIQUE",
        (false, false) => "UNIQUE NULLS NOT DISTINCT",
    };
    (definition == format!("{head} ({})", columns.join(", "))).then(|| {
        (
            unique_index_definition(name, table, &key.columns, key.nulls_distinct),
            key.primary,
        )
    })
}

/// The name of the temporary check that proves `column` NOT NULL:
/// `<column>_not_null_pgrift`, the column's part shortened (at a character
/// boundary) to fit PostgreSQL's 63 bytes.
fn not_null_check_name(column: &str) -> String {
    const SUFFIX: &str = "_not_null_pgrift";
    format!("{}{SUFFIX}", cut_to(column, NAME_BYTES - SUFFIX.len()))
}

/// The statement that cleans up after `stmt` fails, when its failure
/// leaves something behind: an index build that fails leaves an invalid
/// index, which this drops.
pub fn clean_up_after(step: &Step, stmt: &Stmt) -> Option<Stmt> {
    let Stmt::CreateIndexConcurrently(_) = stmt else {
        return None;
    };
    let name = match &step.id {
        ObjectId::Index { name } => name.clone(),
        ObjectId::Constraint { table, name } => QualName::new(table.schema.clone(), name.clone()),
        _ => return None,
    };
    Some(Stmt::DropIndexConcurrently {
        name,
        if_exists: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_name_fits_in_63_bytes_at_a_character_boundary() {
        assert_eq!(not_null_check_name("email"), "email_not_null_pgrift");
        let long = "é".repeat(31);
        let name = not_null_check_name(&long);
        assert!(name.len() <= NAME_BYTES, "{name}");
        assert!(name.ends_with("_not_null_pgrift"));
        assert!(name.starts_with("éé"));
    }

    #[test]
    fn only_plain_keys_become_indexes() {
        let t = QualName::new("public", "Users");
        let (index, primary) = plain_key(&t, "users_pkey", "PRIMARY KEY (id)").expect("plain");
        assert!(primary);
        assert_eq!(
            index.0,
            "CREATE UNIQUE INDEX users_pkey ON public.\"Users\" USING btree (id)"
        );
        let (index, _) =
            plain_key(&t, "k", "UNIQUE NULLS NOT DISTINCT (\"E-mail\", b)").expect("plain");
        assert_eq!(
            index.0,
            "CREATE UNIQUE INDEX k ON public.\"Users\" USING btree (\"E-mail\", b) NULLS NOT DISTINCT"
        );
        assert_eq!(plain_key(&t, "k", "UNIQUE (a) INCLUDE (b)"), None);
        assert_eq!(plain_key(&t, "k", "UNIQUE (a) DEFERRABLE"), None);
    }
}
