//! Helpers for the rules' tests: small catalogs built in code, planned by
//! the real diff, and one `check` that compares a rule's risks with the
//! expected lines.

use crate::catalog::{
    Acl, AclEntry, AclGrantee, Catalog, Column, Constraint, ConstraintKind, Dependency, Index,
    ObjectId, QualName, Schema, SequenceOptions, Table,
};
use crate::names::Privilege;
use crate::risk::{Direction, Risk};
use crate::{diff, plan};

use super::Rule;
use crate::risk::context::Context;

pub fn name(name: &str) -> QualName {
    QualName::new("public", name)
}

pub fn col(name: &str, data_type: &str) -> Column {
    Column::new(name, data_type)
}

/// The options `CREATE SEQUENCE` gives a `bigint` sequence.
pub fn bigint_sequence() -> SequenceOptions {
    SequenceOptions::bigint()
}

pub fn not_null(mut column: Column) -> Column {
    column.not_null = true;
    column
}

pub fn with_default(mut column: Column, default: &str) -> Column {
    column.default = Some(default.into());
    column
}

pub fn table(table_name: &str, columns: Vec<Column>) -> Table {
    Table::new(name(table_name), columns)
}

pub fn constraint(name: &str, kind: ConstraintKind, definition: &str) -> Constraint {
    Constraint {
        name: name.into(),
        kind,
        definition: definition.to_owned(),
        validated: true,
        inherited: false,
        replica_identity: false,
        options: Vec::new(),
        comment: None,
    }
}

pub fn with_constraints(table: Table, constraints: Vec<Constraint>) -> Table {
    Table {
        constraints,
        ..table
    }
}

/// An index over plain columns of a table, with its recorded dependencies.
pub fn index(catalog: &mut Catalog, index_name: &str, table: &str, columns: &[&str], unique: bool) {
    let unique_word = if unique { "UNIQUE " } else { "" };
    catalog.indexes.push(Index {
        name: name(index_name),
        table: name(table),
        definition: format!(
            "CREATE {unique_word}INDEX {index_name} ON public.{table} USING btree ({})",
            columns.join(", ")
        ),
        options: Vec::new(),
        replica_identity: false,
        comment: None,
    });
    for column in columns {
        catalog.dependencies.push(Dependency {
            dependent: ObjectId::Index {
                name: name(index_name),
            },
            referenced: ObjectId::Column {
                table: name(table),
                column: (*column).into(),
            },
        });
    }
    catalog.normalize();
}

pub fn catalog(tables: Vec<Table>) -> Catalog {
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

/// A catalog of one table, `public.users`, whose ACL grants `granted`.
pub fn users_granting(granted: Vec<AclEntry>) -> Catalog {
    let mut users = table("users", vec![col("id", "integer")]);
    users.acl = Acl {
        granted,
        revoked: Vec::new(),
    };
    catalog(vec![users])
}

pub fn acl_entry(grantee: AclGrantee, privilege: Privilege, grant_option: bool) -> AclEntry {
    AclEntry {
        grantee,
        privilege,
        grant_option,
    }
}

/// A risk as the tests expect it:
/// `severity category object: message [LOCK tables]`.
pub fn render(risk: &Risk) -> String {
    let mut line = format!(
        "{} {} {}: {}",
        risk.severity.as_str(),
        risk.category.as_str(),
        risk.object,
        risk.message
    );
    if let Some(lock) = risk.lock {
        line.push_str(&format!(" [{} {}]", lock.as_str(), risk.tables.join(", ")));
    }
    line
}

/// Plans FROM → TO with the real diff and runs one rule over every
/// statement, comparing the risks it finds with `expected`.
pub fn check_with(
    rule: Rule,
    from: &Catalog,
    to: &Catalog,
    version: Option<i32>,
    direction: Direction,
    expected: &[&str],
) {
    let plan = plan::plan(diff::diff(from, to)).expect("the test schemas plan");
    check_plan(rule, &plan, from, to, version, direction, expected);
}

/// [`check`] for a plan with declared renames, made as `compare` makes
/// it: FROM renamed, diffed, and the renames put first.
pub fn check_renamed(
    rule: Rule,
    from: &Catalog,
    to: &Catalog,
    renames: &[crate::catalog::Rename],
    expected: &[&str],
) {
    let map = crate::catalog::RenameMap::resolve(
        renames,
        &crate::catalog::rename::Sides {
            source: from,
            source_name: "FROM",
            target: to,
            target_name: "TO",
        },
    )
    .expect("the renames fit the test schemas");
    let mut renamed = from.clone();
    map.apply(&mut renamed);
    let plan = plan::plan(diff::diff(&renamed, to)).expect("the test schemas plan");
    let plan = plan::with_renames(plan, map.steps());
    let version = Some(150000);
    check_plan(
        rule,
        &plan,
        &renamed,
        to,
        version,
        Direction::Forward,
        expected,
    );
}

/// [`check`] for a plan that parks its drops (`--park-drops`).
pub fn check_parked(rule: Rule, from: &Catalog, to: &Catalog, expected: &[&str]) {
    let plan = plan::plan(diff::diff(from, to)).expect("the test schemas plan");
    let day = crate::catalog::parked::Day::from_civil(2026, 12, 6).expect("a date");
    let plan = plan::park(plan, from, to, day, |_| false);
    check_plan(
        rule,
        &plan,
        from,
        to,
        Some(150000),
        Direction::Forward,
        expected,
    );
}

/// [`check`] for the expand of `--expand-contract`, with backfills of 100
/// rows, made as `compare` makes it.
pub fn check_expanded(rule: Rule, from: &Catalog, to: &Catalog, expected: &[&str]) {
    let plan = plan::plan(diff::diff(from, to)).expect("the test schemas plan");
    let moves = plan::expand::moves(&[], &plan, from, to, &crate::risk::retype_is_slow)
        .expect("the columns move");
    let plan = plan::expand::expand(plan, &moves, 100);
    let version = Some(150000);
    check_plan(rule, &plan, from, to, version, Direction::Forward, expected);
}

/// Runs one rule over every statement of `plan`, comparing the risks it
/// finds with `expected`.
fn check_plan(
    rule: Rule,
    plan: &plan::Plan,
    from: &Catalog,
    to: &Catalog,
    version: Option<i32>,
    direction: Direction,
    expected: &[&str],
) {
    let cx = Context::new(plan, from, to, version, direction);
    let found: Vec<String> = cx
        .sites()
        .flat_map(|site| rule.check(&cx, &site))
        .map(|r| render(&r))
        .collect();
    assert_eq!(
        found,
        expected,
        "\nrule {} found:\n{}\n",
        rule.id(),
        found.join("\n")
    );
}

/// [`check_with`] for the forward script on PostgreSQL 15.
pub fn check(rule: Rule, from: &Catalog, to: &Catalog, expected: &[&str]) {
    check_with(rule, from, to, Some(150000), Direction::Forward, expected);
}
