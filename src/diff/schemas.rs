//! Schemas: created and dropped; nothing to alter but the comment.

use crate::catalog::Schema;
use crate::sql::{Ident, Stmt};

pub fn create(schema: &Schema) -> Vec<Stmt> {
    vec![Stmt::CreateSchema(Ident(schema.name.clone()))]
}

pub fn drop(schema: &Schema) -> Vec<Stmt> {
    vec![Stmt::DropSchema(Ident(schema.name.clone()))]
}
