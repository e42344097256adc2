//! Indexes on tables and materialized views, other than those that
//! implement a constraint: `pg_get_constraintdef` already covers those, and
//! they are created and dropped with their constraint.

use futures_util::try_join;
use tokio_postgres::Client;

use super::tables::RawTables;
use crate::catalog::{ClassIds, ObjectMap};
use crate::catalog::{Index, ObjectId, QualName};
use crate::read::indexdef::{IndexParts, OpClass, Support, TypeInfo};
use crate::read::{
    IntrospectError, Reader, query, query_oids, query_read, server_definitions, storage_params,
};

pub(super) struct RawIndex {
    oid: u32,
    table: u32,
    name: QualName,
    /// `pg_get_indexdef`'s text; for a plain B-tree index it is built from
    /// `parts` instead (see [`super::indexdef`]).
    definition: Option<String>,
    parts: Option<IndexParts>,
    options: Vec<String>,
    replica_identity: bool,
    comment: Option<String>,
}

/// The indexes query, with `$nulls_not_distinct` standing for
/// `indnullsnotdistinct` (PostgreSQL 15).
///
/// The index of a partition that is attached to its parent's index
/// (`relispartition`) is left out: it comes and goes with the parent's.
///
/// An index lives in its table's schema, so the one namespace join names
/// both. The indexes of constraints are left out with `NOT IN`, which hashes
/// them once, rather than a lookup in `pg_constraint` per index
/// (`conindid` is never `NULL`, so `NOT IN` means what it says).
///
/// A plain index (B-tree, on a table, without expressions or storage
/// parameters) comes as its parts, a partial one's predicate as
/// `pg_get_expr`'s text; every other one as `pg_get_indexdef`'s text.
macro_rules! indexes_query {
    ($nulls_not_distinct:literal) => {
        concat!(
            "SELECT i.indexrelid AS oid, i.indrelid AS table_oid, n.nspname AS schema, \
             ic.relname AS name, \
             CASE WHEN NOT s.plain THEN pg_catalog.pg_get_indexdef(i.indexrelid) END AS definition, \
             s.plain, c.relname AS table_name, i.indisunique AS is_unique, ",
            $nulls_not_distinct,
            " AS nulls_not_distinct, i.indnkeyatts::pg_catalog.int4 AS key_count, \
             CASE WHEN s.plain THEN i.indkey::pg_catalog.int2[] END AS columns, \
             CASE WHEN s.plain THEN i.indclass::pg_catalog.oid[] END AS opclasses, \
             CASE WHEN s.plain THEN i.indcollation::pg_catalog.oid[] END AS collations, \
             CASE WHEN s.plain THEN i.indoption::pg_catalog.int2[] END AS options, \
             CASE WHEN s.plain THEN pg_catalog.pg_get_expr(i.indpred, i.indrelid) END AS predicate, \
             ic.reloptions AS params, i.indisreplident AS replica_identity, \
             cm.description AS comment \
             FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             CROSS JOIN LATERAL (SELECT i.indexprs IS NULL \
                 AND c.relkind = 'r' AND ic.reloptions IS NULL \
                 AND ic.relam = (SELECT am.oid FROM pg_catalog.pg_am am WHERE am.amname = 'btree') \
                 AS plain) s",
            comment_join!("pg_class", "i.indexrelid", "cm"),
            "WHERE ",
            user_schema!("n"),
            " AND (",
            modelled_table!("c"),
            " OR (c.relkind = 'm' AND ",
            modelled_view!("c"),
            ")) AND NOT ic.relispartition AND i.indexrelid NOT IN (SELECT k.conindid FROM pg_catalog.pg_constraint k \
                WHERE k.contype IN ('p', 'u', 'x'))",
        )
    };
}

const QUERY_15: &str = indexes_query!("i.indnullsnotdistinct");
const QUERY: &str = indexes_query!("false");

/// The keywords `quote_identifier` quotes: all but the unreserved ones.
const KEYWORDS: &str = "SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'";

/// The B-tree operator classes, with what the default lookup needs of their
/// input types.
const OPCLASSES: &str = "SELECT oc.oid, n.nspname = 'pg_catalog' AS in_pg_catalog, \
     oc.opcname AS name, oc.opcdefault AS is_default, oc.opcintype AS input_type, \
     t.typcategory AS input_category, t.typispreferred AS input_preferred \
     FROM pg_catalog.pg_opclass oc \
     JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace \
     JOIN pg_catalog.pg_type t ON t.oid = oc.opcintype \
     WHERE oc.opcmethod = (SELECT am.oid FROM pg_catalog.pg_am am WHERE am.amname = 'btree')";

/// The casts `IsBinaryCoercible` accepts: binary and implicit.
const CASTS: &str = "SELECT k.castsource AS source, k.casttarget AS target \
     FROM pg_catalog.pg_cast k WHERE k.castmethod = 'b' AND k.castcontext = 'i'";

/// The types of the key columns of plain indexes. An array is recognised the
/// way PostgreSQL does (`IsTrueArrayType`).
const TYPES: &str = "SELECT t.oid, t.typtype AS kind, t.typcategory AS category, \
     t.typelem <> 0 AND t.typsubscript = \
         'pg_catalog.array_subscript_handler'::pg_catalog.regproc AS is_array \
     FROM pg_catalog.pg_type t WHERE t.oid = ANY($1::pg_catalog.oid[])";

/// The definitions the server is left to print.
const DEFINITIONS: &str = "SELECT i.oid, pg_catalog.pg_get_indexdef(i.oid) AS definition \
     FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS i(oid)";

const WHAT: &str = "indexes";

pub(super) async fn fetch(
    client: &Client,
    server_version_num: i32,
) -> Result<(Vec<RawIndex>, Support), IntrospectError> {
    let sql = if server_version_num >= 150000 {
        QUERY_15
    } else {
        QUERY
    };
    let (indexes, keywords, opclasses, casts) = try_join!(
        query_read(client, WHAT, sql, |row| {
            let plain: bool = row.get("plain")?;
            Ok(RawIndex {
                oid: row.get("oid")?,
                table: row.get("table_oid")?,
                name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
                definition: row.get("definition")?,
                parts: if plain { Some(parts(row)?) } else { None },
                options: storage_params(row.get("params")?, None),
                replica_identity: row.get("replica_identity")?,
                comment: row.get("comment")?,
            })
        }),
        query(client, WHAT, KEYWORDS),
        query(client, WHAT, OPCLASSES),
        query(client, WHAT, CASTS),
    )?;
    let mut support = Support::default();
    for row in &keywords {
        support.keywords.insert(Reader::new(row, WHAT).get("word")?);
    }
    for row in &opclasses {
        let row = Reader::new(row, WHAT);
        let class = OpClass {
            in_pg_catalog: row.get("in_pg_catalog")?,
            name: row.get("name")?,
            is_default: row.get("is_default")?,
            input_type: row.get("input_type")?,
            input_category: row.get_char("input_category")?,
            input_preferred: row.get("input_preferred")?,
        };
        support.opclasses.insert(row.get("oid")?, class);
    }
    for row in &casts {
        let row = Reader::new(row, WHAT);
        support
            .casts
            .insert((row.get("source")?, row.get("target")?));
    }
    Ok((indexes, support))
}

fn parts(row: &Reader<'_>) -> Result<IndexParts, IntrospectError> {
    let key_count: i32 = row.get("key_count")?;
    Ok(IndexParts {
        table_name: row.get("table_name")?,
        unique: row.get("is_unique")?,
        nulls_not_distinct: row.get("nulls_not_distinct")?,
        key_count: usize::try_from(key_count).unwrap_or(0),
        columns: row.get("columns")?,
        opclasses: row.get("opclasses")?,
        collations: row.get("collations")?,
        options: row.get("options")?,
        predicate: row.get("predicate")?,
    })
}

/// Gives every plain index its definition: built here when it is certain to
/// read as the server would print it, else printed by the server. Two more
/// queries at most: the key columns' types, and the definitions left to the
/// server (none, usually).
pub(super) async fn complete(
    client: &Client,
    indexes: &mut [RawIndex],
    support: &mut Support,
    tables: &RawTables,
) -> Result<(), IntrospectError> {
    let mut types: Vec<u32> = indexes
        .iter()
        .filter_map(|index| Some((index.table, index.parts.as_ref()?)))
        .flat_map(|(table, parts)| {
            parts.columns[..parts.key_count.min(parts.columns.len())]
                .iter()
                .filter_map(move |&number| tables.column(table, number))
                .map(|column| column.type_oid)
        })
        .collect();
    types.sort_unstable();
    types.dedup();
    if !types.is_empty() {
        for row in &query_oids(client, WHAT, TYPES, &types).await? {
            let row = Reader::new(row, WHAT);
            let info = TypeInfo {
                kind: row.get_char("kind")?,
                category: row.get_char("category")?,
                is_array: row.get("is_array")?,
            };
            support.types.insert(row.get("oid")?, info);
        }
    }
    support.resolve_defaults();
    let mut left: Vec<u32> = Vec::new();
    for index in indexes.iter_mut() {
        let Some(parts) = index.parts.take() else {
            continue;
        };
        let table = index.table;
        index.definition = support.definition(&index.name.schema, &index.name.name, &parts, |n| {
            tables.column(table, n)
        });
        if index.definition.is_none() {
            left.push(index.oid);
        }
    }
    let mut printed = server_definitions(client, WHAT, DEFINITIONS, &left).await?;
    for index in indexes
        .iter_mut()
        .filter(|index| index.definition.is_none())
    {
        index.definition = printed.remove(&index.oid);
    }
    Ok(())
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
            let table = objects.relation(classes, row.table, || format!("index {}", row.name))?;
            let id = ObjectId::Index {
                name: row.name.clone(),
            };
            objects.insert(classes.pg_class, row.oid, 0, id);
            let definition = row
                .definition
                .ok_or_else(|| IntrospectError::Inconsistent {
                    what: format!("index {}", row.name),
                    missing: "its definition".to_owned(),
                })?;
            // Only the index of a partitioned table is printed `ON ONLY`.
            let definition = if definition.contains(" ON ONLY ") {
                crate::sql::read::index_on_partitions(&definition)
            } else {
                definition
            };
            Ok(Index {
                name: row.name,
                table,
                definition,
                options: row.options,
                replica_identity: row.replica_identity,
                comment: row.comment,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_are_qualified() {
        for sql in [
            super::QUERY,
            super::QUERY_15,
            super::KEYWORDS,
            super::OPCLASSES,
            super::CASTS,
            super::TYPES,
            super::DEFINITIONS,
        ] {
            crate::read::filter::tests::assert_qualified(sql);
        }
    }
}
