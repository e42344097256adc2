//! Sequences: standalone ones (`CREATE SEQUENCE`, `serial`) become
//! [`Sequence`]s; the sequences behind identity columns are read in the
//! same query and handed to the columns as their [`Identity`].

use std::collections::HashMap;

use tokio_postgres::Client;

use crate::catalog::{
    Acl, ColumnRef, Identity, Name, ObjectId, QualName, Sequence, SequenceOptions,
};
use crate::catalog::{Address, ClassIds, ObjectMap};
use crate::read::{IntrospectError, query, read_rows};

pub(super) struct RawSequence {
    oid: u32,
    name: QualName,
    options: SequenceOptions,
    /// The column `(table OID, column number)` this sequence generates values
    /// for, when it is an identity sequence (an internal dependency).
    identity_of: Option<(u32, i32)>,
    /// The column this sequence is `OWNED BY` (an automatic dependency).
    owned_by: Option<(u32, i32)>,
    unlogged: bool,
    comment: Option<String>,
    /// The privileges of the sequence, an identity column's too.
    acl: Acl,
    owner: Name,
}

/// The lateral subquery finds the sequence's dependencies on a column
/// through `pg_depend`'s index on the dependent object, in one probe per
/// sequence: there is at most one of each kind (internal for an identity,
/// automatic for `OWNED BY`), and the aggregates keep one row per sequence
/// whatever happens. A sequence owned by a column of an unlogged table
/// is read as logged (see `Sequence::unlogged`).
const QUERY: &str = concat!(
    "SELECT c.oid, n.nspname AS schema, c.relname AS name, \
     pg_catalog.format_type(s.seqtypid, NULL) AS data_type, \
     s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value, \
     s.seqmax AS max_value, s.seqcache AS cache, s.seqcycle AS cycle, \
     dep.identity_table, dep.identity_column, dep.owned_by_table, dep.owned_by_column, \
     c.relpersistence = 'u' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class t \
        WHERE t.oid = dep.owned_by_table AND t.relpersistence = 'u') AS unlogged, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(c.relowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "c.relacl",
        "c.relowner",
        "pg_catalog.acldefault('s', c.relowner)"
    ),
    " AS acl \
     FROM pg_catalog.pg_sequence s \
     JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     CROSS JOIN LATERAL (SELECT \
        pg_catalog.min(d.refobjid) FILTER (WHERE d.deptype = 'i') AS identity_table, \
        pg_catalog.min(d.refobjsubid) FILTER (WHERE d.deptype = 'i') AS identity_column, \
        pg_catalog.min(d.refobjid) FILTER (WHERE d.deptype = 'a') AS owned_by_table, \
        pg_catalog.min(d.refobjsubid) FILTER (WHERE d.deptype = 'a') AS owned_by_column \
        FROM pg_catalog.pg_depend d \
        WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid \
        AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
        AND d.refobjsubid > 0 AND d.deptype IN ('i', 'a')) dep",
    comment_join!("pg_class", "c.oid", "cm"),
    "WHERE c.relkind = 'S' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_class", "c.oid"),
);

const WHAT: &str = "sequences";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawSequence>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        let column = |table: &str, column: &str| -> Result<Option<(u32, i32)>, IntrospectError> {
            Ok(row
                .get::<Option<u32>>(table)?
                .zip(row.get::<Option<i32>>(column)?))
        };
        let name = QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?);
        Ok(RawSequence {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || format!("sequence {name}"))?,
            owner: row.get_name("owner")?,
            name,
            options: SequenceOptions {
                data_type: row.get("data_type")?,
                start: row.get("start")?,
                increment: row.get("increment")?,
                min_value: row.get("min_value")?,
                max_value: row.get("max_value")?,
                cache: row.get("cache")?,
                cycle: row.get("cycle")?,
            },
            identity_of: column("identity_table", "identity_column")?,
            owned_by: column("owned_by_table", "owned_by_column")?,
            unlogged: row.get("unlogged")?,
            comment: row.get("comment")?,
        })
    })
}

/// An identity column's sequence, waiting for its column.
pub(super) struct IdentitySequence {
    pub oid: u32,
    pub name: QualName,
    pub options: SequenceOptions,
    pub acl: Acl,
}

impl IdentitySequence {
    pub fn to_identity(&self, always: bool) -> Identity {
        Identity {
            always,
            sequence: self.name.clone(),
            options: self.options.clone(),
            acl: self.acl.clone(),
        }
    }
}

/// The identity sequences by their column `(table OID, column number)`.
pub(super) fn identities(rows: &[RawSequence]) -> HashMap<(u32, i32), IdentitySequence> {
    rows.iter()
        .filter_map(|row| {
            let column = row.identity_of?;
            let sequence = IdentitySequence {
                oid: row.oid,
                name: row.name.clone(),
                options: row.options.clone(),
                acl: row.acl.clone(),
            };
            Some((column, sequence))
        })
        .collect()
}

/// The addresses of the columns that own sequences, which [`build`] looks
/// up.
pub(super) fn owners<'r>(
    rows: &'r [RawSequence],
    classes: &'r ClassIds,
) -> impl Iterator<Item = Address> + 'r {
    rows.iter()
        .filter_map(|row| row.owned_by)
        .map(|(table, column)| (classes.pg_class, table, column))
}

/// Builds the standalone sequences. Runs after the tables are registered, to
/// name the column of `OWNED BY`; a sequence owned by a column of a table that
/// is not modelled (a partition) is kept, without its owner.
pub(super) fn build(
    rows: Vec<RawSequence>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Vec<Sequence> {
    rows.into_iter()
        .filter(|row| row.identity_of.is_none())
        .map(|row| {
            let owned_by = row.owned_by.and_then(|(table, column)| {
                match objects.get(classes.pg_class, table, column).as_deref() {
                    Some(ObjectId::Column { table, column }) => Some(ColumnRef {
                        table: table.clone(),
                        column: column.to_string(),
                    }),
                    _ => None,
                }
            });
            let id = ObjectId::Sequence {
                name: row.name.clone(),
            };
            objects.insert(classes.pg_class, row.oid, 0, id);
            Sequence {
                name: row.name,
                options: row.options,
                owned_by,
                unlogged: row.unlogged,
                comment: row.comment,
                acl: row.acl,
                owner: Some(row.owner),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(super::QUERY);
    }
}
