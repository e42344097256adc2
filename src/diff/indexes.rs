//! Indexes. Any change of definition drops and creates the index.

use super::Delta;
use crate::catalog::Index;
use crate::sql::{ServerSql, Stmt};

pub fn compare(old: &Index, new: &Index) -> Delta {
    if old.definition == new.definition {
        Delta::Same
    } else {
        Delta::Replace
    }
}

pub fn create(index: &Index) -> Vec<Stmt> {
    vec![Stmt::CreateIndex(ServerSql(index.definition.clone()))]
}

pub fn drop(index: &Index) -> Vec<Stmt> {
    vec![Stmt::DropIndex(index.name.clone())]
}
