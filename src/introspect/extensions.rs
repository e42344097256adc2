//! Extensions. All of them are read, `plpgsql` in `pg_catalog` too: an
//! extension is one object whatever schema it lives in, and the objects it
//! creates are left out of every other list.

use tokio_postgres::Client;

use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{Extension, ObjectId};

pub(super) struct RawExtension {
    oid: u32,
    name: String,
    schema: String,
    version: String,
    update_targets: Vec<String>,
}

/// Extensions, with the versions their installed scripts can update them to
/// (`pg_extension_update_paths` lists every pair of versions; only the
/// reachable targets from the installed version are kept).
const QUERY: &str = "SELECT e.oid, e.extname AS name, n.nspname AS schema, e.extversion AS version, \
    ARRAY(SELECT p.target FROM pg_catalog.pg_extension_update_paths(e.extname) p \
      WHERE p.source = e.extversion AND p.path IS NOT NULL ORDER BY p.target) AS update_targets \
    FROM pg_catalog.pg_extension e \
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace";

const WHAT: &str = "extensions";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawExtension>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        Ok(RawExtension {
            oid: row.get("oid")?,
            name: row.get("name")?,
            schema: row.get("schema")?,
            version: row.get("version")?,
            update_targets: row.get("update_targets")?,
        })
    })
}

pub(super) fn build(
    rows: Vec<RawExtension>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Vec<Extension> {
    rows.into_iter()
        .map(|row| {
            let id = ObjectId::Extension {
                name: row.name.as_str().into(),
            };
            objects.insert(classes.pg_extension, row.oid, 0, id);
            Extension {
                name: row.name,
                schema: row.schema,
                version: row.version,
                update_targets: Some(row.update_targets),
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
