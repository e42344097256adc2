//! Triggers. A changed definition drops and creates the trigger; its enabled
//! state (`ENABLE`, `DISABLE`, `ENABLE REPLICA`, `ENABLE ALWAYS`) alters in
//! place.

use super::Delta;
use crate::catalog::{Trigger, TriggerEnabled};
use crate::sql::{Ident, ServerSql, Stmt, TableAction};

pub fn compare(old: &Trigger, new: &Trigger) -> Delta {
    if old.definition != new.definition {
        Delta::Replace
    } else if old.enabled != new.enabled {
        Delta::Alter(vec![enable(new)])
    } else {
        Delta::Same
    }
}

fn enable(trigger: &Trigger) -> Stmt {
    Stmt::AlterTable {
        table: trigger.table.clone(),
        action: TableAction::EnableTrigger(Ident(trigger.name.clone()), trigger.enabled),
    }
}

pub fn create(trigger: &Trigger) -> Vec<Stmt> {
    vec![Stmt::CreateTrigger(ServerSql(trigger.definition.clone()))]
}

/// A new trigger fires in origin mode; any other state is set after it.
pub fn enable_if_needed(trigger: &Trigger) -> Option<Stmt> {
    (trigger.enabled != TriggerEnabled::Origin).then(|| enable(trigger))
}

pub fn drop(trigger: &Trigger) -> Vec<Stmt> {
    vec![Stmt::DropTrigger {
        table: trigger.table.clone(),
        name: Ident(trigger.name.clone()),
    }]
}
