//! Event triggers (`CREATE EVENT TRIGGER`): database objects in no schema,
//! named alone like extensions. The enabled state (`ENABLE`, `ENABLE
//! REPLICA`, `ENABLE ALWAYS`, `DISABLE`) and the owner alter in place; a new
//! event, list of tags or function has no `ALTER`, so it drops and creates
//! the trigger. The trigger depends on its function (`pg_depend`), so the
//! function is created first and the trigger dropped before it.
//!
//! Only a superuser can create an event trigger, and its owner must stay
//! one: a script that holds one must be run by a superuser.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName, TriggerEnabled};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, EventTriggerDef, Ident, Keyword, Literal, OwnedObject, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTrigger {
    pub name: String,
    /// `ddl_command_start`, `ddl_command_end`, `sql_drop`,
    /// `table_rewrite` (and `login` from PostgreSQL 17).
    pub event: String,
    /// The command tags of `WHEN TAG IN (…)`, upper-cased and in the
    /// order they were written in, as the server keeps them; empty when it
    /// fires for every command.
    pub tags: Vec<String>,
    pub function: QualName,
    pub enabled: TriggerEnabled,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("EVENT TRIGGER");

fn definition(trigger: &EventTrigger) -> EventTriggerDef {
    EventTriggerDef {
        name: Ident(trigger.name.clone()),
        event: Ident(trigger.event.clone()),
        tags: trigger.tags.iter().cloned().map(Literal).collect(),
        function: trigger.function.clone(),
    }
}

fn enable(trigger: &EventTrigger) -> Stmt {
    Stmt::AlterEventTriggerEnable {
        name: Ident(trigger.name.clone()),
        mode: trigger.enabled,
    }
}

fn owned(trigger: &EventTrigger) -> OwnedObject {
    OwnedObject::Global(KEYWORD, Ident(trigger.name.clone()))
}

/// The tags are kept in the server's order rather than sorted, so that a
/// script writes them as `pg_dump` does: a new order is a difference,
/// which creates the trigger again.
const QUERY: &str = concat!(
    "SELECT e.oid, e.evtname AS name, e.evtevent AS event, \
     COALESCE(e.evttags, '{}') AS tags, \
     pn.nspname AS function_schema, p.proname AS function_name, \
     e.evtenabled AS enabled, cm.description AS comment, \
     pg_catalog.pg_get_userbyid(e.evtowner)::pg_catalog.text AS owner \
     FROM pg_catalog.pg_event_trigger e \
     JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid \
     JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace",
    comment_join!("pg_event_trigger", "e.oid", "cm"),
    "WHERE ",
    not_extension_member!("pg_event_trigger", "e.oid"),
);

impl ReadKind for EventTrigger {
    type Raw = (u32, EventTrigger);
    const WHAT: &'static str = "event triggers";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_event_trigger e WHERE e.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, EventTrigger), IntrospectError> {
        let name: String = row.get("name")?;
        let code = row.get_char("enabled")?;
        let enabled = TriggerEnabled::from_code(code).ok_or_else(|| {
            IntrospectError::unknown_code(
                format!("event trigger {}", crate::sql::quote_ident(&name)),
                "evtenabled",
                code,
            )
        })?;
        Ok((
            row.get("oid")?,
            EventTrigger {
                event: row.get("event")?,
                tags: row.get("tags")?,
                function: QualName::new(
                    row.get::<&str>("function_schema")?,
                    row.get::<&str>("function_name")?,
                ),
                enabled,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, EventTrigger)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<EventTrigger>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_event_trigger, rows, |x| ObjectId::EventTrigger {
                name: x.name.as_str().into(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for EventTrigger {
    type Ref = &'a EventTrigger;
    const NOUN: &'static str = "event trigger";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["event trigger"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.event_triggers.iter().map(Obj::EventTrigger));
    }

    fn key(trigger: &'a EventTrigger) -> [&'a str; 3] {
        [&trigger.name, "", ""]
    }

    in_no_schema!(EventTrigger);

    fn compare(old: &'a EventTrigger, new: &'a EventTrigger) -> Delta {
        let delta = if definition(old) != definition(new) {
            Delta::Replace
        } else if old.enabled != new.enabled {
            Delta::Alter(vec![enable(new)])
        } else {
            Delta::Same
        };
        delta.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            owned(new)
        }))
    }

    /// A new event trigger is enabled; another state is set after it.
    fn create(trigger: &'a EventTrigger) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateEventTrigger(definition(trigger))];
        if trigger.enabled != TriggerEnabled::Origin {
            stmts.push(enable(trigger));
        }
        stmts.extend(owner::on_create(trigger.owner.as_ref(), || owned(trigger)));
        stmts
    }

    fn drop(trigger: &'a EventTrigger) -> Vec<Stmt> {
        vec![Stmt::DropGlobal(KEYWORD, Ident(trigger.name.clone()))]
    }

    fn comment(trigger: &'a EventTrigger) -> Option<&'a Option<String>> {
        Some(&trigger.comment)
    }

    fn comment_target(trigger: &'a EventTrigger) -> Option<CommentTarget> {
        Some(CommentTarget::Global(KEYWORD, Ident(trigger.name.clone())))
    }

    fn shown(trigger: &'a EventTrigger) -> Option<Shown> {
        Some(Shown {
            kind: "event trigger",
            statements: Self::create(trigger),
        })
    }

    /// Its event, tags and function are names and literals, which scripts
    /// quote.
    fn deparsed(_: &'a EventTrigger) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn an_event_trigger_is_written_with_its_tags_state_and_owner() {
        let trigger = EventTrigger {
            name: "audit\n*/ --ö".into(),
            event: "ddl_command_end".into(),
            tags: vec!["CREATE TABLE".into(), "DROP TABLE".into()],
            function: QualName::new("public", "log ddl"),
            enabled: TriggerEnabled::Replica,
            comment: None,
            owner: Some("postgres".into()),
        };
        let sql: Vec<String> = EventTrigger::create(&trigger)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            sql,
            [
                "CREATE EVENT TRIGGER \"audit\n*/ --ö\" ON ddl_command_end \
                 WHEN TAG IN ('CREATE TABLE', 'DROP TABLE') EXECUTE FUNCTION public.\"log ddl\"()",
                "ALTER EVENT TRIGGER \"audit\n*/ --ö\" ENABLE REPLICA",
                "ALTER EVENT TRIGGER \"audit\n*/ --ö\" OWNER TO postgres",
            ]
        );
        let disabled = EventTrigger {
            enabled: TriggerEnabled::Disabled,
            ..trigger.clone()
        };
        let Delta::Alter(stmts) = EventTrigger::compare(&trigger, &disabled) else {
            panic!("a new state alters the event trigger");
        };
        assert_eq!(
            stmts[0].to_string(),
            "ALTER EVENT TRIGGER \"audit\n*/ --ö\" DISABLE"
        );
        let retagged = EventTrigger {
            tags: Vec::new(),
            ..trigger.clone()
        };
        assert!(matches!(
            EventTrigger::compare(&trigger, &retagged),
            Delta::Replace
        ));
        assert_eq!(
            EventTrigger::drop(&trigger)[0].to_string(),
            "DROP EVENT TRIGGER \"audit\n*/ --ö\""
        );
    }
}
