//! Triggers on tables and views, including constraint triggers (`CREATE
//! CONSTRAINT TRIGGER`). Internal triggers (those implementing foreign keys)
//! are part of their constraint and are left out.

use tokio_postgres::Client;

use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{ObjectId, Trigger, TriggerEnabled};

pub(super) struct RawTrigger {
    oid: u32,
    table: u32,
    name: String,
    definition: String,
    enabled: char,
    comment: Option<String>,
}

const QUERY: &str = concat!(
    "SELECT g.oid, g.tgrelid AS table_oid, g.tgname AS name, \
     pg_catalog.pg_get_triggerdef(g.oid) AS definition, g.tgenabled AS enabled, \
     cm.description AS comment \
     FROM pg_catalog.pg_trigger g \
     JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
    comment_join!("pg_trigger", "g.oid", "cm"),
    "WHERE NOT g.tgisinternal AND ",
    user_schema!("n"),
    " AND (",
    modelled_table!("c"),
    " OR ",
    modelled_view!("c"),
    ")",
);

const WHAT: &str = "triggers";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawTrigger>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        Ok(RawTrigger {
            oid: row.get("oid")?,
            table: row.get("table_oid")?,
            name: row.get("name")?,
            definition: row.get("definition")?,
            enabled: row.get_char("enabled")?,
            comment: row.get("comment")?,
        })
    })
}

/// Builds the triggers. Runs after tables and views are registered, to name
/// the relation each trigger is on.
pub(super) fn build(
    rows: Vec<RawTrigger>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Result<Vec<Trigger>, IntrospectError> {
    rows.into_iter()
        .map(|row| {
            let table = match objects.get(classes.pg_class, row.table, 0) {
                Some(ObjectId::Table { name } | ObjectId::View { name }) => name.clone(),
                _ => {
                    return Err(IntrospectError::Inconsistent {
                        what: format!("trigger {}", row.name),
                        missing: format!("table oid {}", row.table),
                    });
                }
            };
            let enabled =
                trigger_enabled(row.enabled).ok_or_else(|| IntrospectError::Inconsistent {
                    what: format!("trigger {} on {table}", row.name),
                    missing: format!("an unknown tgenabled value {:?}", row.enabled),
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

/// `tgenabled`, as `ALTER TABLE … ENABLE/DISABLE TRIGGER` sets it.
fn trigger_enabled(tgenabled: char) -> Option<TriggerEnabled> {
    match tgenabled {
        'O' => Some(TriggerEnabled::Origin),
        'D' => Some(TriggerEnabled::Disabled),
        'R' => Some(TriggerEnabled::Replica),
        'A' => Some(TriggerEnabled::Always),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::introspect::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn enabled_codes() {
        let cases = [
            ('O', Some(TriggerEnabled::Origin)),
            ('D', Some(TriggerEnabled::Disabled)),
            ('R', Some(TriggerEnabled::Replica)),
            ('A', Some(TriggerEnabled::Always)),
            ('x', None),
        ];
        for (code, expected) in cases {
            assert_eq!(trigger_enabled(code), expected, "{code}");
        }
    }
}
