//! Extensions: version and schema change in place.

use super::Delta;
use crate::catalog::Extension;
use crate::sql::{Ident, Literal, Stmt};

pub fn compare(old: &Extension, new: &Extension) -> Delta {
    // Without an update path to the wanted version (most extensions ship no
    // downgrade scripts), the extension is dropped and created again. If a
    // column uses one of its types, PostgreSQL refuses the drop rather than
    // lose the column. An unknown set of targets (a snapshot from elsewhere)
    // assumes the update works.
    if old.version != new.version
        && old
            .update_targets
            .as_ref()
            .is_some_and(|targets| !targets.contains(&new.version))
    {
        return Delta::Replace;
    }
    let mut stmts = Vec::new();
    if old.schema != new.schema {
        stmts.push(Stmt::AlterExtensionSetSchema {
            name: Ident(new.name.clone()),
            schema: Ident(new.schema.clone()),
        });
    }
    if old.version != new.version {
        stmts.push(Stmt::AlterExtensionUpdate {
            name: Ident(new.name.clone()),
            version: Literal(new.version.clone()),
        });
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

pub fn create(extension: &Extension) -> Vec<Stmt> {
    vec![Stmt::CreateExtension {
        name: Ident(extension.name.clone()),
        schema: Ident(extension.schema.clone()),
        version: Literal(extension.version.clone()),
    }]
}

pub fn drop(extension: &Extension) -> Vec<Stmt> {
    vec![Stmt::DropExtension(Ident(extension.name.clone()))]
}
