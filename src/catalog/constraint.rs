//! Table constraints. A changed definition drops and adds the constraint;
//! a `NOT VALID` constraint that becomes valid is validated in place, and
//! the storage parameters of a key's index, and whether it is its table's
//! replica identity, alter in place.

use super::table::{
    Constraint, ConstraintKind, Table, alter_params, identity_reset, identity_using_index,
};
use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown,
};
use crate::names::QualName;
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, Keyword, ObjectName, ServerSql, Stmt, TableAction};

pub fn compare(table: &QualName, old: &Constraint, new: &Constraint) -> Delta {
    if old.kind != new.kind || old.definition != new.definition {
        return Delta::Replace;
    }
    let mut stmts = Vec::new();
    match (old.validated, new.validated) {
        (false, true) => stmts.push(Stmt::AlterTable {
            table: table.clone(),
            action: TableAction::ValidateConstraint(Ident(new.name.to_string())),
        }),
        (true, false) => return Delta::Replace,
        _ => {}
    }
    stmts.extend(alter_params(
        &index_of(table, new),
        &old.options,
        &new.options,
    ));
    // A key that stops being the identity is replaced as such by whatever
    // the table's identity becomes (see `table.rs`).
    if new.replica_identity && !old.replica_identity {
        stmts.push(identity_using_index(table, &new.name));
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// `ADD CONSTRAINT`, then the storage parameters of the key's index and
/// the replica identity when the index is it.
pub fn create(table: &QualName, constraint: &Constraint) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::AddConstraint {
            name: Ident(constraint.name.to_string()),
            definition: ServerSql(constraint.definition.clone()),
            not_valid: !constraint.validated,
        },
    }];
    stmts.extend(alter_params(
        &index_of(table, constraint),
        &[],
        &constraint.options,
    ));
    if constraint.replica_identity {
        stmts.push(identity_using_index(table, &constraint.name));
    }
    stmts
}

/// The index of a key, which has the key's name in its table's schema.
fn index_of(table: &QualName, constraint: &Constraint) -> ObjectName {
    ObjectName {
        keyword: Keyword("INDEX"),
        name: QualName::new(table.schema.clone(), constraint.name.to_string()),
    }
}

/// `DROP CONSTRAINT`, after the table gives up the key's index as its
/// replica identity.
pub fn drop(table: &QualName, constraint: &Constraint) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = constraint
        .replica_identity
        .then(|| identity_reset(table))
        .into_iter()
        .collect();
    stmts.push(Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::DropConstraint(Ident(constraint.name.to_string())),
    });
    stmts
}

/// A constraint of a table, as a kind; the model is the table's
/// [`Constraint`].
pub struct TableConstraint;

impl<'a> ObjectKind<'a> for TableConstraint {
    type Ref = (&'a Table, &'a Constraint);
    const NOUN: &'static str = "constraint";
    const SHAPE: Shape = Shape::On;
    const FOLLOWS: Follows = Follows::RebuiltWithColumn;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        for table in &catalog.tables {
            out.extend(
                table
                    .constraints
                    .iter()
                    .map(|c| Obj::Constraint((table, c))),
            );
        }
    }

    fn key((table, constraint): (&'a Table, &'a Constraint)) -> [&'a str; 3] {
        [&table.name.schema, &table.name.name, &constraint.name]
    }

    fn container((table, _): (&'a Table, &'a Constraint)) -> Holder<'a> {
        Holder::table(&table.name)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_table_of(parts)
    }

    fn table((table, _): (&'a Table, &'a Constraint)) -> Option<&'a QualName> {
        Some(&table.name)
    }

    /// A key or exclusion constraint's index takes the constraint's name.
    fn claimed_names((table, constraint): (&'a Table, &'a Constraint)) -> Vec<QualName> {
        match constraint.kind {
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
                vec![QualName::new(
                    table.name.schema.clone(),
                    constraint.name.clone(),
                )]
            }
            ConstraintKind::Check | ConstraintKind::ForeignKey => Vec::new(),
        }
    }

    /// An inherited check changes with its parent's, which PostgreSQL
    /// passes down.
    fn compare(
        (table, old): (&'a Table, &'a Constraint),
        (_, new): (&'a Table, &'a Constraint),
    ) -> Delta {
        if new.inherited {
            return Delta::Same;
        }
        compare(&table.name, old, new)
    }

    /// An inherited check comes with its parent's, or with the table's
    /// `INHERIT` (see `table::compare`).
    fn create((table, constraint): (&'a Table, &'a Constraint)) -> Vec<Stmt> {
        if constraint.inherited {
            return Vec::new();
        }
        create(&table.name, constraint)
    }

    fn drop((table, constraint): (&'a Table, &'a Constraint)) -> Vec<Stmt> {
        if constraint.inherited {
            return Vec::new();
        }
        drop(&table.name, constraint)
    }

    /// A constraint goes with its table, except a foreign key to another
    /// table, which is always dropped on its own, so that two tables
    /// referencing each other can both be dropped.
    fn dropped_with(
        (table, constraint): (&'a Table, &'a Constraint),
        objects: &Objects<'a>,
        i: Ix,
    ) -> Option<ObjectId> {
        let foreign = constraint.kind == ConstraintKind::ForeignKey
            && objects.dependencies(i).iter().any(|&d| {
                objects
                    .obj(d)
                    .table()
                    .is_some_and(|other| other != &table.name)
            });
        (!foreign).then(|| ObjectId::Table {
            name: table.name.clone(),
        })
    }

    fn created_with(_: (&'a Table, &'a Constraint)) -> Option<ObjectId> {
        None
    }

    fn comment((_, constraint): (&'a Table, &'a Constraint)) -> Option<&'a Option<String>> {
        Some(&constraint.comment)
    }

    fn comment_target((table, constraint): (&'a Table, &'a Constraint)) -> Option<CommentTarget> {
        Some(CommentTarget::Constraint(
            table.name.clone(),
            Ident(constraint.name.to_string()),
        ))
    }

    fn shown(_: (&'a Table, &'a Constraint)) -> Option<Shown> {
        None
    }

    /// The body `pg_get_constraintdef` prints, which starts with the words
    /// of its kind.
    fn deparsed((_, constraint): (&'a Table, &'a Constraint)) -> Vec<(&'a str, TextShape)> {
        let start: &'static [&'static str] = match constraint.kind {
            ConstraintKind::PrimaryKey => &["PRIMARY", "KEY"],
            ConstraintKind::Unique => &["UNIQUE"],
            ConstraintKind::Check => &["CHECK"],
            ConstraintKind::ForeignKey => &["FOREIGN", "KEY"],
            ConstraintKind::Exclusion => &["EXCLUDE"],
        };
        vec![(&constraint.definition, TextShape::FragmentStarting(start))]
    }
}
