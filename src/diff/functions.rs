//! Functions and procedures, one object per overload. A new body is
//! `CREATE OR REPLACE`d in place; a change PostgreSQL will not replace (result
//! type, argument names or defaults, function versus procedure) drops and
//! creates the function and everything that depends on it.

use super::Delta;
use crate::catalog::Function;
use crate::sql::{ServerSql, Stmt};

pub fn compare(old: &Function, new: &Function) -> Delta {
    if old.definition == new.definition {
        Delta::Same
    } else if old.kind != new.kind || old.result != new.result || old.arguments != new.arguments {
        Delta::Replace
    } else {
        Delta::Alter(create(new))
    }
}

pub fn create(function: &Function) -> Vec<Stmt> {
    vec![Stmt::CreateFunction(ServerSql(function.definition.clone()))]
}

pub fn drop(function: &Function) -> Vec<Stmt> {
    vec![Stmt::DropFunction {
        kind: function.kind,
        name: function.name.clone(),
        args: ServerSql(function.identity_args.clone()),
    }]
}
