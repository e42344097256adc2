//! Triggers. A changed definition drops and creates the trigger; its enabled
//! state (`ENABLE`, `DISABLE`, `ENABLE REPLICA`, `ENABLE ALWAYS`) alters in
//! place.
//!
//! Constraint triggers (`CREATE CONSTRAINT TRIGGER`) are triggers too;
//! internal triggers (those implementing foreign keys) are part of their
//! constraint and are left out.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, compare_firing, create_firing,
};
use crate::names::{QualName, TriggerEnabled};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::{self, Shape as TextShape};
use crate::sql::{CommentTarget, Ident, ServerSql, Stmt, TableAction};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub table: QualName,
    pub name: String,
    /// The complete `CREATE [CONSTRAINT] TRIGGER` statement as
    /// `pg_get_triggerdef` prints it.
    pub definition: String,
    pub enabled: TriggerEnabled,
    pub comment: Option<String>,
}

fn enable(trigger: &Trigger) -> Stmt {
    Stmt::AlterTable {
        table: trigger.table.clone(),
        action: TableAction::EnableTrigger(Ident(trigger.name.clone()), trigger.enabled),
    }
}

pub fn drop(trigger: &Trigger) -> Vec<Stmt> {
    vec![Stmt::DropTrigger {
        table: trigger.table.clone(),
        name: Ident(trigger.name.clone()),
    }]
}

pub struct Raw {
    oid: u32,
    table: u32,
    name: String,
    definition: String,
    enabled: char,
    comment: Option<String>,
}

/// A trigger that PostgreSQL cloned onto a partition from its partitioned
/// table (`tgparentid`) is left out: it comes and goes with the parent's.
const QUERY: &str = concat!(
    "SELECT g.oid, g.tgrelid AS table_oid, g.tgname AS name, \
     pg_catalog.pg_get_triggerdef(g.oid) AS definition, g.tgenabled AS enabled, \
     cm.description AS comment \
     FROM pg_catalog.pg_trigger g \
     JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
    comment_join!("pg_trigger", "g.oid", "cm"),
    "WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND ",
    user_schema!("n"),
    " AND (",
    modelled_table!("c"),
    " OR ",
    modelled_view!("c"),
    ")",
);

const WHAT: &str = "triggers";

impl<'a> ObjectKind<'a> for Trigger {
    type Ref = &'a Trigger;
    const NOUN: &'static str = "trigger";
    const SHAPE: Shape = Shape::On;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.triggers.iter().map(Obj::Trigger));
    }

    fn key(trigger: &'a Trigger) -> [&'a str; 3] {
        [&trigger.table.schema, &trigger.table.name, &trigger.name]
    }

    fn container(trigger: &'a Trigger) -> Holder<'a> {
        Holder::Relation(&trigger.table)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_relation_of(parts)
    }

    fn table(trigger: &'a Trigger) -> Option<&'a QualName> {
        Some(&trigger.table)
    }

    fn claimed_names(_: &'a Trigger) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a Trigger, new: &'a Trigger) -> Delta {
        compare_firing(
            (&old.definition, old.enabled),
            (&new.definition, new.enabled),
            || enable(new),
        )
    }

    fn create(trigger: &'a Trigger) -> Vec<Stmt> {
        create_firing(
            Stmt::CreateTrigger(ServerSql(trigger.definition.clone())),
            trigger.enabled,
            || enable(trigger),
        )
    }

    fn drop(trigger: &'a Trigger) -> Vec<Stmt> {
        drop(trigger)
    }

    fn dropped_with(trigger: &'a Trigger, objects: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        Some(objects.relation_id(&trigger.table))
    }

    fn created_with(_: &'a Trigger) -> Option<ObjectId> {
        None
    }

    fn comment(trigger: &'a Trigger) -> Option<&'a Option<String>> {
        Some(&trigger.comment)
    }

    fn comment_target(trigger: &'a Trigger) -> Option<CommentTarget> {
        Some(CommentTarget::Trigger(
            trigger.table.clone(),
            Ident(trigger.name.clone()),
        ))
    }

    fn shown(trigger: &'a Trigger) -> Option<Shown> {
        Some(Shown {
            kind: "trigger",
            statements: Self::create(trigger),
        })
    }

    fn deparsed(trigger: &'a Trigger) -> Vec<(&'a str, TextShape)> {
        vec![(&trigger.definition, verify::TRIGGER)]
    }
}

impl ReadKind for Trigger {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_trigger g WHERE g.oid >= 16384 AND NOT g.tgisinternal");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            table: row.get("table_oid")?,
            name: row.get("name")?,
            definition: row.get("definition")?,
            enabled: row.get_char("enabled")?,
            comment: row.get("comment")?,
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Trigger>, IntrospectError> {
        rows.into_iter()
            .map(|row| {
                let table =
                    objects.relation(classes, row.table, || format!("trigger {}", row.name))?;
                let enabled = TriggerEnabled::from_code(row.enabled).ok_or_else(|| {
                    IntrospectError::unknown_code(
                        format!("trigger {} on {table}", row.name),
                        "tgenabled",
                        row.enabled,
                    )
                })?;
                let id = ObjectId::Trigger {
                    table: table.clone(),
                    name: row.name.as_str().into(),
                };
                objects.insert(classes.pg_trigger, row.oid, 0, id);
                Ok(Trigger {
                    table,
                    name: row.name,
                    definition: row.definition,
                    enabled,
                    comment: row.comment,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }
}
