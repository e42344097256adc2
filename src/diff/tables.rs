//! Tables. A table is never replaced: its columns, constraints, indexes and
//! triggers are objects of their own, so only persistence alters here.

use super::Delta;
use super::columns::column_def;
use crate::catalog::Table;
use crate::sql::{Stmt, TableAction};

pub fn compare(old: &Table, new: &Table) -> Delta {
    if old.unlogged == new.unlogged {
        return Delta::Same;
    }
    Delta::Alter(vec![Stmt::AlterTable {
        table: new.name.clone(),
        action: TableAction::SetLogged(!new.unlogged),
    }])
}

/// `CREATE TABLE` with every column, its default and identity inline.
/// Constraints are added separately, so that tables that reference each
/// other can be created in any order.
pub fn create(table: &Table) -> Vec<Stmt> {
    vec![Stmt::CreateTable {
        name: table.name.clone(),
        unlogged: table.unlogged,
        columns: table.columns.iter().map(column_def).collect(),
    }]
}

pub fn drop(table: &Table) -> Vec<Stmt> {
    vec![Stmt::DropTable(table.name.clone())]
}
