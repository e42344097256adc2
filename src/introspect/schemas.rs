//! Schemas.

use tokio_postgres::Client;

use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{ObjectId, Schema};

pub(super) struct RawSchema {
    oid: u32,
    name: String,
    comment: Option<String>,
}

const QUERY: &str = concat!(
    "SELECT n.oid, n.nspname AS name, cm.description AS comment \
     FROM pg_catalog.pg_namespace n",
    comment_join!("pg_namespace", "n.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
);

const WHAT: &str = "schemas";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawSchema>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        Ok(RawSchema {
            oid: row.get("oid")?,
            name: row.get("name")?,
            comment: row.get("comment")?,
        })
    })
}

pub(super) fn build(
    rows: Vec<RawSchema>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Vec<Schema> {
    rows.into_iter()
        .map(|row| {
            let id = ObjectId::Schema {
                name: row.name.as_str().into(),
            };
            objects.insert(classes.pg_namespace, row.oid, 0, id);
            Schema {
                name: row.name,
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
