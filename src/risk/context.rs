//! What every rule looks at: the plan, both catalogs, the server version and
//! the direction, with the lookups rules share.

use std::cell::OnceCell;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::catalog::{
    Catalog, Column, Constraint, ConstraintKind, Dependency, Index, ObjectId, Objects, QualName,
    Table,
};
use crate::diff::ChangeKind;
use crate::plan::{Plan, Step};
use crate::sql::{Condition, Ident, Stmt, TableAction, read};

/// Which of the two scripts a plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// FROM → TO: the migration.
    Forward,
    /// TO → FROM: the rollback. Its `from` catalog is TO and its `to`
    /// catalog is FROM.
    Reverse,
}

/// The recorded dependencies that [`Context::indexes_on_column`] reads of
/// the schema `plan` produces, taken from its index: what depends on each
/// column that the plan retypes and is an index or a constraint. For a
/// catalog handed back without its list (`Options::without_dependencies`),
/// so that the risks read off it are the same.
pub fn column_dependents(plan: &Plan, objects: &Objects<'_>) -> Vec<Dependency> {
    let mut kept = Vec::new();
    for statement in plan.steps.iter().flat_map(|step| &step.statements) {
        let Stmt::AlterTable {
            table,
            action: TableAction::AlterColumnType { column, .. },
        } = statement
        else {
            continue;
        };
        let referenced = ObjectId::Column {
            table: table.clone(),
            column: column.0.as_str().into(),
        };
        let Some(i) = objects.index_of(&referenced) else {
            continue;
        };
        // The index also holds the edges the model implies (an object on
        // its container, a child on its parent's columns); none of them
        // leads from an index or a constraint to a column.
        for &d in objects.dependents(i) {
            let dependent = objects.id(d);
            if matches!(
                dependent,
                ObjectId::Index { .. } | ObjectId::Constraint { .. }
            ) {
                kept.push(Dependency {
                    dependent,
                    referenced: referenced.clone(),
                });
            }
        }
    }
    kept.sort();
    kept.dedup();
    kept
}

/// The server version rules assume when the source does not say (an
/// `empty` FROM, a snapshot without it): the oldest version pgrift supports.
pub const ASSUMED_VERSION: i32 = 140000;

/// The plan under assessment and what surrounds it.
pub struct Context<'a> {
    pub plan: &'a Plan,
    /// The schema the script runs on.
    pub from: &'a Catalog,
    /// The schema the script produces.
    pub to: &'a Catalog,
    /// `server_version_num` of the server the script runs on.
    pub version: i32,
    pub direction: Direction,
    /// For each step, the transaction it runs in ([`Plan::transactions`]).
    pub(super) transaction: Vec<usize>,
    /// For each transaction, the last statement that does long work;
    /// computed on first use by `long_work_after`, which `effect.rs`
    /// defines because it needs the effects of statements.
    pub(super) last_long_work: OnceCell<Vec<Option<(usize, usize)>>>,
    /// Every change the plan carries out, for [`Context::plans`]; computed
    /// on first use.
    planned: OnceCell<FxHashSet<(&'a ObjectId, ChangeKind)>>,
    /// TO's recorded dependents of each column, for
    /// [`Context::indexes_on_column`]; computed on first use.
    column_dependents: OnceCell<FxHashMap<&'a ObjectId, Vec<&'a ObjectId>>>,
    /// TO's default partition of each partitioned table that has one, for
    /// [`Context::default_partition`]; computed on first use.
    default_partitions: OnceCell<FxHashMap<&'a QualName, &'a QualName>>,
}

/// One statement of the plan.
#[derive(Clone, Copy)]
pub struct Site<'a> {
    /// The index of the step in the plan.
    pub step: usize,
    /// The index of the statement in the step.
    pub index: usize,
    pub change: &'a Step,
    pub stmt: &'a Stmt,
}

impl<'a> Context<'a> {
    pub fn new(
        plan: &'a Plan,
        from: &'a Catalog,
        to: &'a Catalog,
        server_version_num: Option<i32>,
        direction: Direction,
    ) -> Self {
        let transaction = plan.transactions();
        Context {
            plan,
            from,
            to,
            version: server_version_num.unwrap_or(ASSUMED_VERSION),
            direction,
            transaction,
            last_long_work: OnceCell::new(),
            planned: OnceCell::new(),
            column_dependents: OnceCell::new(),
            default_partitions: OnceCell::new(),
        }
    }

    /// Every statement of the plan, in script order.
    pub fn sites(&self) -> impl Iterator<Item = Site<'a>> + 'a {
        self.plan
            .steps
            .iter()
            .enumerate()
            .flat_map(|(step, change)| {
                change
                    .statements
                    .iter()
                    .enumerate()
                    .map(move |(index, stmt)| Site {
                        step,
                        index,
                        change,
                        stmt,
                    })
            })
    }

    pub fn table_before(&self, name: &QualName) -> Option<&'a Table> {
        self.from.table(name)
    }

    pub fn table_after(&self, name: &QualName) -> Option<&'a Table> {
        self.to.table(name)
    }

    /// True for a table that exists before the script runs: statements on a
    /// table the script creates touch no rows and block nobody.
    pub fn existing(&self, name: &QualName) -> bool {
        self.table_before(name).is_some()
    }

    /// The tables, before the script, with a column whose values a
    /// constraint of `domain` checks: a column of the domain, of an array of
    /// it, or of a domain built on it. Each table once, in name order.
    pub fn tables_using_domain(&self, domain: &QualName) -> Vec<QualName> {
        // Each domain's name as a column's type names it, and its base type.
        let named: Vec<(String, &str)> = self
            .from
            .domains
            .iter()
            .map(|d| (d.name.to_string(), d.base_type.as_str()))
            .collect();
        let mut domains = vec![domain.to_string()];
        let mut i = 0;
        while i < domains.len() {
            for (name, base_type) in &named {
                if *base_type == domains[i] && !domains.contains(name) {
                    domains.push(name.clone());
                }
            }
            i += 1;
        }
        let mut tables: Vec<QualName> = self
            .from
            .tables
            .iter()
            .filter(|t| {
                t.columns.iter().any(|c| {
                    let element = c.data_type.strip_suffix("[]").unwrap_or(&c.data_type);
                    domains.iter().any(|d| d == element)
                })
            })
            .map(|t| t.name.clone())
            .collect();
        tables.sort();
        tables
    }

    pub fn column_before(&self, table: &QualName, column: &str) -> Option<&'a Column> {
        self.table_before(table)?
            .columns
            .iter()
            .find(|c| c.name == column)
    }

    pub fn column_after(&self, table: &QualName, column: &str) -> Option<&'a Column> {
        self.table_after(table)?
            .columns
            .iter()
            .find(|c| c.name == column)
    }

    pub fn constraint_before(&self, table: &QualName, name: &str) -> Option<&'a Constraint> {
        self.table_before(table)?
            .constraints
            .iter()
            .find(|c| c.name == name)
    }

    pub fn constraint_after(&self, table: &QualName, name: &str) -> Option<&'a Constraint> {
        self.table_after(table)?
            .constraints
            .iter()
            .find(|c| c.name == name)
    }

    pub fn index_before(&self, name: &QualName) -> Option<&'a Index> {
        self.from.index(name)
    }

    pub fn index_after(&self, name: &QualName) -> Option<&'a Index> {
        self.to.index(name)
    }

    /// The default partition `parent` has in TO. Looked up in a map built
    /// once: a script that creates a large schema asks for every partition
    /// it creates.
    pub fn default_partition(&self, parent: &QualName) -> Option<&'a QualName> {
        let to = self.to;
        self.default_partitions
            .get_or_init(|| {
                let mut map = FxHashMap::default();
                for t in &to.tables {
                    if let Some(p) = t.partition_of.as_deref().filter(|p| p.bound == "DEFAULT") {
                        map.entry(&p.parent).or_insert(&t.name);
                    }
                }
                map
            })
            .get(parent)
            .copied()
    }

    /// Whether the plan carries out this change, in a statement of its own
    /// or as part of another.
    pub fn plans(&self, id: &ObjectId, kind: ChangeKind) -> bool {
        let plan = self.plan;
        self.planned
            .get_or_init(|| {
                plan.steps
                    .iter()
                    .flat_map(|s| {
                        std::iter::once((&s.id, s.kind))
                            .chain(s.includes.iter().map(|(i, k)| (i, *k)))
                    })
                    .collect()
            })
            .contains(&(id, kind))
    }

    /// The indexes of TO over a column (as recorded dependencies), which
    /// PostgreSQL rebuilds when the column's type or collation changes.
    /// A catalog handed back without its list (`pgrift diff`) holds only
    /// the edges of the columns a plan retypes ([`column_dependents`]): a
    /// rule that asks about another column must widen that function too.
    pub fn indexes_on_column(&self, table: &QualName, column: &str) -> Vec<QualName> {
        let column_id = ObjectId::Column {
            table: table.clone(),
            column: column.into(),
        };
        let to = self.to;
        let dependents = self.column_dependents.get_or_init(|| {
            let mut map: FxHashMap<&ObjectId, Vec<&ObjectId>> = FxHashMap::default();
            for d in &to.dependencies {
                if matches!(d.referenced, ObjectId::Column { .. }) {
                    map.entry(&d.referenced).or_default().push(&d.dependent);
                }
            }
            map
        });
        let mut names: Vec<QualName> = dependents
            .get(&column_id)
            .into_iter()
            .flatten()
            .filter_map(|dependent| match dependent {
                ObjectId::Index { name } => Some(name.clone()),
                ObjectId::Constraint { table, name } => self
                    .constraint_after(table, name)
                    .filter(|c| {
                        matches!(
                            c.kind,
                            ConstraintKind::PrimaryKey
                                | ConstraintKind::Unique
                                | ConstraintKind::Exclusion
                        )
                    })
                    .map(|c| QualName::new(table.schema.clone(), c.name.clone())),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Whether existing rows are known to satisfy a key the script adds:
    /// FROM has a validated unique, primary or foreign key of that name on
    /// the table over the same columns (and referenced columns), which the
    /// script drops and adds again for a new `ON DELETE` action or
    /// `DEFERRABLE`. A check never qualifies: when one is added again with
    /// the same text, it is because a function or type under it changed,
    /// and so may its verdict.
    pub fn rows_satisfy(&self, table: &QualName, name: &str, definition: &str) -> bool {
        let Some(old) = self.constraint_before(table, name) else {
            return false;
        };
        if !old.validated {
            return false;
        }
        let same_key = |d: &str| {
            read::foreign_key(d).map(|fk| {
                (
                    fk.columns,
                    fk.referenced,
                    fk.referenced_columns,
                    fk.match_full,
                )
            })
        };
        if let (Some(a), Some(b)) = (same_key(&old.definition), same_key(definition)) {
            return a == b;
        }
        matches!(
            (read::key(&old.definition), read::key(definition)),
            (Some(a), Some(b)) if a == b
        )
    }

    /// Whether a valid `CHECK (column IS NOT NULL)` that the script keeps
    /// proves a column holds no NULL, so that `SET NOT NULL` skips its scan
    /// (PostgreSQL 12 and later).
    pub fn not_null_proven(&self, table: &QualName, column: &str) -> bool {
        if self.version < 120000 {
            return false;
        }
        // The server prints the expression of such a check in parentheses.
        let proof = format!("({})", Condition::IsNotNull(Ident(column.to_owned())));
        self.table_before(table).is_some_and(|t| {
            t.constraints.iter().any(|c| {
                c.kind == ConstraintKind::Check
                    && c.validated
                    && read::check_expression(&c.definition).is_some_and(|e| e.0 == proof)
                    && self.constraint_after(table, &c.name) == Some(c)
            })
        })
    }
}
