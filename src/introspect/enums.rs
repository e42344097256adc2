//! Enum types.

use tokio_postgres::Client;

use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{EnumType, ObjectId, QualName};

pub(super) struct RawEnum {
    oid: u32,
    /// The array type PostgreSQL creates with every enum (`_mood`); a column
    /// of type `mood[]` depends on it.
    array_oid: u32,
    name: QualName,
    labels: Vec<String>,
    comment: Option<String>,
}

/// The labels come from an `ARRAY(...)` subquery rather than `array_agg`, so
/// an enum without labels reads as an empty list and not as `NULL`.
const QUERY: &str = concat!(
    "SELECT t.oid, t.typarray AS array_oid, n.nspname AS schema, t.typname AS name, \
     ARRAY(SELECT e.enumlabel::pg_catalog.text FROM pg_catalog.pg_enum e \
           WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels, \
     cm.description AS comment \
     FROM pg_catalog.pg_type t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
    comment_join!("pg_type", "t.oid", "cm"),
    "WHERE t.typtype = 'e' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

const WHAT: &str = "enum types";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawEnum>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        Ok(RawEnum {
            oid: row.get("oid")?,
            array_oid: row.get("array_oid")?,
            name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
            labels: row.get("labels")?,
            comment: row.get("comment")?,
        })
    })
}

pub(super) fn build(
    rows: Vec<RawEnum>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Vec<EnumType> {
    rows.into_iter()
        .map(|row| {
            let id = ObjectId::Type {
                name: row.name.clone(),
            };
            if row.array_oid != 0 {
                objects.insert(classes.pg_type, row.array_oid, 0, id.clone());
            }
            objects.insert(classes.pg_type, row.oid, 0, id);
            EnumType {
                name: row.name,
                labels: row.labels,
                comment: row.comment,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_is_qualified() {
        crate::introspect::filter::tests::assert_qualified(super::QUERY);
    }
}
