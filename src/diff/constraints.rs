//! Table constraints. A changed definition drops and adds the constraint;
//! a `NOT VALID` constraint that becomes valid is validated in place.

use super::Delta;
use crate::catalog::{Constraint, QualName};
use crate::sql::{Ident, ServerSql, Stmt, TableAction};

pub fn compare(table: &QualName, old: &Constraint, new: &Constraint) -> Delta {
    if old.kind != new.kind || old.definition != new.definition {
        return Delta::Replace;
    }
    match (old.validated, new.validated) {
        (false, true) => Delta::Alter(vec![Stmt::AlterTable {
            table: table.clone(),
            action: TableAction::ValidateConstraint(Ident(new.name.to_string())),
        }]),
        (true, false) => Delta::Replace,
        _ => Delta::Same,
    }
}

pub fn create(table: &QualName, constraint: &Constraint) -> Vec<Stmt> {
    vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::AddConstraint {
            name: Ident(constraint.name.to_string()),
            definition: ServerSql(constraint.definition.clone()),
            not_valid: !constraint.validated,
        },
    }]
}

pub fn drop(table: &QualName, constraint: &Constraint) -> Vec<Stmt> {
    vec![Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::DropConstraint(Ident(constraint.name.to_string())),
    }]
}
