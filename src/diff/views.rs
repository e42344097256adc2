//! Views and materialized views. A changed view is dropped and created again
//! (with everything that depends on it): `CREATE OR REPLACE VIEW` only
//! accepts appended columns, and a materialized view has no replace at all.

use super::Delta;
use crate::catalog::View;
use crate::sql::{ServerSql, Stmt};

pub fn compare(old: &View, new: &View) -> Delta {
    if old == new
        || (old.definition == new.definition
            && old.options == new.options
            && old.materialized == new.materialized)
    {
        Delta::Same
    } else {
        Delta::Replace
    }
}

pub fn create(view: &View) -> Vec<Stmt> {
    vec![Stmt::CreateView {
        name: view.name.clone(),
        materialized: view.materialized,
        options: view.options.clone(),
        query: ServerSql(view.definition.clone()),
    }]
}

pub fn drop(view: &View) -> Vec<Stmt> {
    vec![Stmt::DropView {
        name: view.name.clone(),
        materialized: view.materialized,
    }]
}
