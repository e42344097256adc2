//! The words risks are written in, shared by the rules and the probes so
//! that a probe can restate a rule's message with what it measured
//! ("Adding unique constraint k on public.t will fail: 2 duplicate groups").

use crate::catalog::{ObjectId, QualName};
use crate::plan::Step;
use crate::sql::read::{self, ConstraintDefKind};
use crate::sql::{DomainAction, Ident, ObjectAction, Stmt, TableAction};

/// A column as a message names it: `public.users.email`.
pub fn column(table: &QualName, column: &Ident) -> String {
    format!("{table}.{column}")
}

/// What a statement does, as the subject of a sentence: "Setting
/// public.contacts.name NOT NULL", "Adding unique constraint k on public.t".
pub fn action(step: &Step, stmt: &Stmt) -> String {
    match stmt {
        Stmt::AlterTable { table, action } => match action {
            TableAction::AddColumn(def) => {
                format!("Adding column {}", column(table, &def.name))
            }
            TableAction::DropColumn(name) | TableAction::DropColumnIfExists(name) => {
                format!("Dropping column {}", column(table, name))
            }
            TableAction::AlterColumnType {
                column: name,
                data_type,
                ..
            } => format!("Changing column {} to {data_type}", column(table, name)),
            TableAction::SetNotNull(name) => format!("Setting {} NOT NULL", column(table, name)),
            TableAction::AddConstraint {
                name, definition, ..
            } => format!(
                "Adding {} {name} on {table}",
                ConstraintDefKind::of(&definition.0).map_or("constraint", |k| k.noun())
            ),
            TableAction::ValidateConstraint(name) => {
                format!("Validating constraint {name} on {table}")
            }
            TableAction::DropConstraint(name) => format!("Dropping constraint {name} on {table}"),
            TableAction::SetLogged(true) => format!("Setting {table} LOGGED"),
            TableAction::SetLogged(false) => format!("Setting {table} UNLOGGED"),
            TableAction::SetDefault(name, _) => {
                format!("Setting the default of {}", column(table, name))
            }
            TableAction::DropDefault(name) => {
                format!("Dropping the default of {}", column(table, name))
            }
            TableAction::DropNotNull(name) => {
                format!("Dropping NOT NULL from {}", column(table, name))
            }
            TableAction::EnableTrigger(name, _) => {
                format!("Changing whether trigger {name} on {table} fires")
            }
            TableAction::EnableRule(name, _) => {
                format!("Changing whether rule {name} on {table} applies")
            }
            TableAction::AttachPartition { partition, .. } => {
                format!("Attaching partition {partition} to {table}")
            }
            TableAction::DetachPartition(partition)
            | TableAction::DetachPartitionConcurrently(partition) => {
                format!("Detaching partition {partition} from {table}")
            }
            TableAction::RowSecurity(true) => format!("Enabling row-level security on {table}"),
            TableAction::RowSecurity(false) => format!("Disabling row-level security on {table}"),
            TableAction::ForceRowSecurity(true) => {
                format!("Forcing row-level security on {table}")
            }
            TableAction::ForceRowSecurity(false) => {
                format!("Ending forced row-level security on {table}")
            }
            TableAction::SetParams(_) => format!("Setting storage parameters of {table}"),
            TableAction::ResetParams(_) => format!("Resetting storage parameters of {table}"),
            TableAction::ReplicaIdentity(_) => format!("Setting the replica identity of {table}"),
            TableAction::Of(of_type) => format!("Making {table} a typed table of {of_type}"),
            TableAction::NotOf => format!("Making {table} no longer a typed table"),
            TableAction::RenameTo(name) => format!("Renaming {table} to {name}"),
            TableAction::SetStorage(name, _) => {
                format!("Setting the storage of {}", column(table, name))
            }
            TableAction::SetCompression(name, _) => {
                format!("Setting the compression of {}", column(table, name))
            }
            TableAction::SetStatistics(name, _) => {
                format!("Setting the statistics target of {}", column(table, name))
            }
            _ => format!("Altering {table}"),
        },
        Stmt::AlterObject {
            action: ObjectAction::SetParams(_),
            ..
        } => format!(
            "Setting storage parameters of {} {}",
            step.id.kind_name(),
            step.id
        ),
        Stmt::AlterObject {
            action: ObjectAction::ResetParams(_),
            ..
        } => format!(
            "Resetting storage parameters of {} {}",
            step.id.kind_name(),
            step.id
        ),
        Stmt::DropTable(name) => format!("Dropping table {name}"),
        Stmt::LockTable(name) => format!("Locking table {name} to copy its rows"),
        Stmt::CopyRows { from, .. } => format!("Copying the rows of {from}"),
        Stmt::AlterOwner { owner, .. } => format!(
            "Changing the owner of {} {} to {owner}",
            step.id.kind_name(),
            step.id
        ),
        Stmt::CreateIndex(definition) | Stmt::CreateIndexConcurrently(definition) => {
            let unique = read::index(&definition.0).is_some_and(|d| d.unique);
            let unique = if unique { "unique " } else { "" };
            match &step.id {
                ObjectId::Index { name } => format!("Creating {unique}index {name}"),
                id => format!("Creating {unique}index for {id}"),
            }
        }
        Stmt::DropIndex(name) | Stmt::DropIndexConcurrently { name, .. } => {
            format!("Dropping index {name}")
        }
        Stmt::CreateTrigger(_) => format!("Creating trigger {}", step.id),
        Stmt::CreateSyncTrigger(trigger) => {
            format!(
                "Creating sync trigger {} on {}",
                trigger.name, trigger.table
            )
        }
        Stmt::DropTrigger { table, name } => format!("Dropping trigger {name} on {table}"),
        Stmt::Deparsed(_) | Stmt::CreatePolicy(_) => {
            format!("Creating {} {}", step.id.kind_name(), step.id)
        }
        Stmt::DropOn(_) | Stmt::DropObject(_) => {
            format!("Dropping {} {}", step.id.kind_name(), step.id)
        }
        Stmt::CreateDomain(domain) => format!("Creating domain {}", domain.name),
        Stmt::AlterDomain { name, action } => match action {
            DomainAction::SetNotNull => format!("Setting domain {name} NOT NULL"),
            DomainAction::AddConstraint { name: check, .. } => {
                format!("Adding check constraint {check} to domain {name}")
            }
            DomainAction::ValidateConstraint(check) => {
                format!("Validating constraint {check} of domain {name}")
            }
            DomainAction::DropConstraint(check) => {
                format!("Dropping constraint {check} of domain {name}")
            }
            _ => format!("Altering domain {name}"),
        },
        Stmt::AlterSequence { name, .. } => format!("Changing sequence {name}"),
        Stmt::SequenceAtMost { name, value } => {
            format!("Lowering the MAXVALUE of sequence {name} to {value}")
        }
        Stmt::SequenceAtLeast { name, value } => {
            format!("Raising the MINVALUE of sequence {name} to {value}")
        }
        Stmt::DropSequence(name) => format!("Dropping sequence {name}"),
        Stmt::CreateTable {
            name,
            partition_of: Some((parent, _)),
            ..
        } => format!("Creating partition {name} of {parent}"),
        Stmt::CreateTable { name, .. } => format!("Creating table {name}"),
        _ => format!("Changing {} {}", step.id.kind_name(), step.id),
    }
}

/// "1 row", "2 rows"; thousands separated for reading.
pub fn count(n: i64, singular: &str, plural: &str) -> String {
    let noun = if n == 1 { singular } else { plural };
    format!("{} {noun}", thousands(n))
}

/// "a", "a and b", "a, b and c".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_read_as_sentences() {
        let items = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(super::list(&items(&[])), "");
        assert_eq!(super::list(&items(&["a"])), "a");
        assert_eq!(super::list(&items(&["a", "b"])), "a and b");
        assert_eq!(super::list(&items(&["a", "b", "c"])), "a, b and c");
    }

    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count(1, "row", "rows"), "1 row");
        assert_eq!(count(0, "row", "rows"), "0 rows");
        assert_eq!(count(1234567, "row", "rows"), "1,234,567 rows");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(999), "999");
    }
}
