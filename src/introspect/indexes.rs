//! Indexes on tables and materialized views, other than those that
//! implement a constraint: `pg_get_constraintdef` already covers those, and
//! they are created and dropped with their constraint.

use tokio_postgres::Client;

use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{Index, ObjectId, QualName};

pub(super) struct RawIndex {
    oid: u32,
    table: u32,
    name: QualName,
    definition: String,
    comment: Option<String>,
}

/// An index lives in its table's schema, so the one namespace join names
/// both. The indexes of constraints are left out with `NOT IN`, which hashes
/// them once, rather than a lookup in `pg_constraint` per index
/// (`conindid` is never `NULL`, so `NOT IN` means what it says).
const QUERY: &str = concat!(
    "SELECT i.indexrelid AS oid, i.indrelid AS table_oid, n.nspname AS schema, \
     ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, \
     cm.description AS comment \
     FROM pg_catalog.pg_index i \
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
     JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
    comment_join!("pg_class", "i.indexrelid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND (",
    modelled_table!("c"),
    " OR (c.relkind = 'm' AND ",
    modelled_view!("c"),
    ")) AND i.indexrelid NOT IN (SELECT k.conindid FROM pg_catalog.pg_constraint k \
        WHERE k.contype IN ('p', 'u', 'x'))",
);

const WHAT: &str = "indexes";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawIndex>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        Ok(RawIndex {
            oid: row.get("oid")?,
            table: row.get("table_oid")?,
            name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
            definition: row.get("definition")?,
            comment: row.get("comment")?,
        })
    })
}

/// Builds the indexes. Runs after tables and views are registered, to name
/// the relation each index is on.
pub(super) fn build(
    rows: Vec<RawIndex>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Result<Vec<Index>, IntrospectError> {
    rows.into_iter()
        .map(|row| {
            let table = match objects.get(classes.pg_class, row.table, 0) {
                Some(ObjectId::Table { name } | ObjectId::View { name }) => name.clone(),
                _ => {
                    return Err(IntrospectError::Inconsistent {
                        what: format!("index {}", row.name),
                        missing: format!("table oid {}", row.table),
                    });
                }
            };
            let id = ObjectId::Index {
                name: row.name.clone(),
            };
            objects.insert(classes.pg_class, row.oid, 0, id);
            Ok(Index {
                name: row.name,
                table,
                definition: row.definition,
                comment: row.comment,
            })
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
