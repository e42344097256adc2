//! Tables with their columns and constraints: three queries, one per level,
//! joined here by table OID.

use std::collections::HashMap;

use futures_util::try_join;
use tokio_postgres::Client;

use super::sequences::IdentitySequence;
use super::warnings::virtual_generated;
use crate::catalog::options;
use crate::catalog::{
    Acl, Column, ColumnExtra, ColumnSettings, Compression, Constraint, ConstraintKind, Name,
    ObjectId, PartitionOf, QualName, ReplicaIdentity, RowSecurity, Storage, StorageSetting, Table,
    Warning,
};
use crate::catalog::{ClassIds, ForeignTable, ObjectMap};
use crate::quote::quote_ident;
use crate::read::indexdef::{IndexedColumn, Support};
use crate::read::keydef::{KeyParts, Names};
use crate::read::{
    IntrospectError, Reader, query_each, query_read, server_definitions, storage_params,
    strip_not_valid,
};

pub(super) struct RawTables {
    tables: Vec<RawTable>,
    /// Each table's columns, by table OID.
    columns: HashMap<u32, TableColumns>,
    constraints: Vec<RawConstraint>,
}

struct RawTable {
    oid: u32,
    name: QualName,
    unlogged: bool,
    options: Vec<String>,
    replica_identity: ReplicaIdentity,
    of_type: Option<QualName>,
    partition_by: Option<String>,
    /// A partition's bound; a partition has one parent.
    bound: Option<String>,
    /// A partition's constraint (`pg_get_partition_constraintdef`).
    partition_constraint: Option<String>,
    /// The parents, in `INHERITS` order.
    parents: Vec<u32>,
    row_security: RowSecurity,
    /// The table's row type, and the array of it: a function taking the
    /// table's row as an argument depends on these.
    row_type: u32,
    row_array_type: Option<u32>,
    comment: Option<String>,
    owner: String,
    /// `read::acl_json!`'s text.
    acl: Option<String>,
    /// A foreign table's server and options.
    foreign: Option<Box<ForeignTable>>,
}

/// One table's columns, built as the model keeps them while the rows
/// arrive, and beside them, in the same order, what the build still needs
/// of each. On a large catalog the columns are most of the memory pgrift
/// needs; built at once, they are never held twice (as read, then as
/// built), and each table's list is trimmed to its length as soon as the
/// next table's rows begin.
#[derive(Default)]
struct TableColumns {
    columns: Vec<Column>,
    meta: Vec<ColumnMeta>,
}

struct ColumnMeta {
    number: i32,
    /// `atttypid` and `attcollation`, which index definitions built from
    /// their parts need (see [`super::indexdef`]).
    type_oid: u32,
    collation_oid: u32,
    /// `attidentity`: `a` (always), `d` (by default) or empty.
    identity: char,
    /// `attgenerated`: `s` (stored), `v` (virtual, PostgreSQL 18) or empty.
    generated: char,
    /// The `pg_attrdef` row holding the default or generation expression.
    default_oid: Option<u32>,
    /// `read::acl_json!`'s text: column-level privileges, read once the
    /// table's name is known, for the message of a bad one.
    acl: Option<Box<str>>,
}

impl TableColumns {
    fn trim(&mut self) {
        self.columns.shrink_to_fit();
        self.meta.shrink_to_fit();
    }

    /// Puts the columns in the order of their numbers. The server returns
    /// a table's rows together but in no order (a hash join's), and an
    /// insertion sort of both lists in step needs no memory of its own.
    fn sort(&mut self) {
        for i in 1..self.meta.len() {
            let mut j = i;
            while j > 0 && self.meta[j - 1].number > self.meta[j].number {
                self.meta.swap(j - 1, j);
                self.columns.swap(j - 1, j);
                j -= 1;
            }
        }
    }
}

struct RawConstraint {
    oid: u32,
    table: u32,
    name: String,
    kind: char,
    /// `pg_get_constraintdef`'s text; for a plain key it is built from
    /// `parts` instead (see [`super::keydef`]).
    definition: Option<String>,
    parts: Option<KeyParts>,
    validated: bool,
    inherited: bool,
    enforced: bool,
    /// Whether its index is the table's replica identity.
    replica_identity: bool,
    /// The storage parameters of its index, which `pg_get_constraintdef`
    /// does not print.
    options: Vec<String>,
    /// For a primary key, unique or exclusion constraint, the index that
    /// implements it.
    index: u32,
    comment: Option<String>,
}

const TABLES: &str = concat!(
    "SELECT c.oid, n.nspname AS schema, c.relname AS name, \
     c.relpersistence = 'u' AS unlogged, c.relrowsecurity AS row_security, \
     c.reloptions AS options, tc.reloptions AS toast_options, \
     c.relreplident AS replica_identity, \
     CASE WHEN c.relreplident = 'i' THEN EXISTS (SELECT 1 FROM pg_catalog.pg_index ri \
          WHERE ri.indrelid = c.oid AND ri.indisreplident) END AS identity_index, \
     ofn.nspname AS of_schema, oft.typname AS of_name, \
     c.relforcerowsecurity AS force_row_security, c.reltype AS row_type, \
     t.typarray AS row_array_type, cm.description AS comment, \
     CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by, \
     CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS bound, \
     CASE WHEN c.relispartition THEN pg_catalog.pg_get_partition_constraintdef(c.oid) END \
          AS partition_constraint, \
     ARRAY(SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid \
           ORDER BY i.inhseqno) AS parents, \
     pg_catalog.pg_get_userbyid(c.relowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "c.relacl",
        "c.relowner",
        "pg_catalog.acldefault('r', c.relowner)"
    ),
    " AS acl, fs.srvname AS server, ",
    options_json!("ft.ftoptions"),
    " AS foreign_options \
     FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid \
     LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver \
     LEFT JOIN pg_catalog.pg_type t ON t.oid = c.reltype \
     LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid \
     LEFT JOIN pg_catalog.pg_type oft ON oft.oid = c.reloftype \
     LEFT JOIN pg_catalog.pg_namespace ofn ON ofn.oid = oft.typnamespace",
    comment_join!("pg_class", "c.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    modelled_table!("c"),
);

/// The collation is read only when it differs from the default of the
/// column's type, which is what `COLLATE` in a column definition says.
///
/// The rows are put in physical order here rather than by the server: on a
/// large catalog an `ORDER BY` makes the server sort on disk and costs a
/// third of the query's time.
///
/// A default is deparsed against its table only when it refers to a column
/// (a generated column's expression does; `now()` or `nextval(…)` do not).
/// Given a table, `pg_get_expr` opens it to learn its column names, and on a
/// fresh connection that builds the table's cache entry: about 20 µs a table,
/// a third of this query on a catalog of 10,000 tables. Without columns to
/// name, both calls print the same text. In a stored expression a column is
/// a `{VAR` node, and a literal's value is stored as bytes, never as text,
/// so matching the text cannot miss one.
///
/// A column's privileges are its own grants (`attacl`, no default); the
/// table's apply to every column besides.
///
/// The storage is read only when it differs from the type's, with the
/// type's. `attstattarget` is -1 by default before PostgreSQL 17 and
/// `NULL` from 17 on; `>= 0` is false for both.
///
/// The tables are picked first, in a materialized list: joined directly,
/// the planner looks each column's table up one at a time (a memoized
/// nested loop), which on a catalog of 10,000 tables and 450,000
/// attributes costs a seventh of the query; from the list it hashes them.
const COLUMNS: &str = concat!(
    "WITH tables AS MATERIALIZED (SELECT c.oid, c.relowner FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ",
    user_schema!("n"),
    " AND ",
    modelled_table!("c"),
    ") SELECT a.attrelid AS table_oid, a.attnum::pg_catalog.int4 AS number, a.attname AS name, \
     pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type, \
     a.atttypid AS type_oid, a.attcollation AS collation_oid, \
     CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation \
          THEN con.nspname END AS collation_schema, \
     CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation \
          THEN co.collname END AS collation_name, \
     a.attnotnull AS not_null, a.attinhcount > 0 AS inherited, a.attidentity AS identity, a.attgenerated AS generated, \
     ad.oid AS default_oid, pg_catalog.pg_get_expr(ad.adbin, \
          CASE WHEN ad.adbin::pg_catalog.text LIKE '%{VAR %' THEN ad.adrelid ELSE 0 END) AS expression, \
     cm.description AS comment, \
     CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage, \
     t.typstorage AS type_storage, a.attcompression AS compression, \
     CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::pg_catalog.int4 END AS statistics_target, ",
    acl_json!("a.attacl", "c.relowner", "'{}'::pg_catalog.aclitem[]"),
    " AS acl, ",
    options_json!("a.attfdwoptions"),
    " AS options \
     FROM pg_catalog.pg_attribute a \
     JOIN tables c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
     LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
     LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace \
     LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum",
    comment_join!("pg_class", "a.attrelid", "a.attnum", "cm"),
    "WHERE a.attnum > 0 AND NOT a.attisdropped",
);

/// The constraints query, with `$enforced` standing for whether the
/// constraint is enforced. Only primary key, unique, foreign key, check and
/// exclusion constraints are read: constraint triggers (`t`) are read as
/// triggers, and PostgreSQL 18's not-null constraints (`n`) are the
/// columns' `not_null`. Nor are the constraints that PostgreSQL clones
/// from a partitioned table onto its partitions (`conparentid`): they come
/// and go with their parent's. A check a table inherits is read, marked
/// inherited (`coninhcount`), since a table that starts to inherit must
/// have it first.
///
/// A plain key (see [`super::keydef`]) comes as its parts, every other
/// constraint as `pg_get_constraintdef`'s text. What makes a key plain is
/// read from catalog columns that not every version has: `$period`
/// (`WITHOUT OVERLAPS`, `PERIOD`: 18), `$no_set_columns` (`ON DELETE SET
/// NULL (…)`: 15) and `$nulls_not_distinct` (15).
macro_rules! constraints_query {
    ($enforced:literal, $period:literal, $no_set_columns:literal, $nulls_not_distinct:literal) => {
        concat!(
            "SELECT k.oid, k.conrelid AS table_oid, k.conname AS name, k.contype AS kind, \
             CASE WHEN NOT s.plain THEN pg_catalog.pg_get_constraintdef(k.oid) END AS definition, \
             s.plain, k.convalidated AS validated, k.coninhcount > 0 AS inherited, ",
            $enforced,
            " AS enforced, k.conindid AS index_oid, cm.description AS comment, \
             CASE WHEN s.plain THEN k.conkey END AS columns, \
             CASE WHEN s.plain AND k.contype = 'f' THEN k.confrelid END AS referenced_table, \
             CASE WHEN s.plain AND k.contype = 'f' THEN k.confkey END AS referenced_columns, \
             k.confmatchtype AS match_type, k.confupdtype AS on_update, \
             k.confdeltype AS on_delete, k.condeferrable AS deferrable, \
             k.condeferred AS deferred, \
             COALESCE(ci.indisreplident, false) AS replica_identity, \
             cic.reloptions AS index_options \
             FROM pg_catalog.pg_constraint k \
             JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_index ci ON ci.indexrelid = k.conindid \
             LEFT JOIN pg_catalog.pg_class cic ON cic.oid = k.conindid \
             CROSS JOIN LATERAL (SELECT k.contype IN ('p', 'u', 'f') AND k.convalidated AND ",
            $enforced,
            " AND NOT ",
            $period,
            " AND ",
            $no_set_columns,
            " AND (k.contype = 'f' OR (ci.indnatts = pg_catalog.cardinality(k.conkey) \
             AND NOT ",
            $nulls_not_distinct,
            ")) AS plain) s",
            comment_join!("pg_constraint", "k.oid", "cm"),
            "WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND k.conparentid = 0 AND ",
            user_schema!("n"),
            " AND ",
            modelled_table!("c"),
        )
    };
}

/// `pg_constraint.conenforced` exists from PostgreSQL 18 (`NOT ENFORCED`
/// constraints); before, every constraint is enforced.
const CONSTRAINTS_18: &str = constraints_query!(
    "k.conenforced",
    "k.conperiod",
    "k.confdelsetcols IS NULL",
    "ci.indnullsnotdistinct"
);
const CONSTRAINTS_15: &str = constraints_query!(
    "true",
    "false",
    "k.confdelsetcols IS NULL",
    "ci.indnullsnotdistinct"
);
const CONSTRAINTS_14: &str = constraints_query!("true", "false", "true", "false");

fn constraints_query(server_version_num: i32) -> &'static str {
    if server_version_num >= 180000 {
        CONSTRAINTS_18
    } else if server_version_num >= 150000 {
        CONSTRAINTS_15
    } else {
        CONSTRAINTS_14
    }
}

/// The definitions the server is left to print.
const CONSTRAINT_DEFINITIONS: &str = "SELECT k.oid, \
     pg_catalog.pg_get_constraintdef(k.oid) AS definition \
     FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS k(oid)";

pub(super) async fn fetch(
    client: &Client,
    server_version_num: i32,
) -> Result<RawTables, IntrospectError> {
    let mut columns: HashMap<u32, TableColumns> = HashMap::new();
    let mut last = None;
    let read_column = |row: &Reader<'_>| {
        let table: u32 = row.get("table_oid")?;
        if last != Some(table) {
            if let Some(done) = last.and_then(|oid| columns.get_mut(&oid)) {
                done.trim();
            }
            last = Some(table);
        }
        let (meta, column) = column(row)?;
        let group = columns.entry(table).or_default();
        group.meta.push(meta);
        group.columns.push(column);
        Ok(())
    };
    let (mut tables, (), constraints) = try_join!(
        query_read(client, "tables", TABLES, table),
        query_each(client, "columns", COLUMNS, read_column),
        query_read(
            client,
            "constraints",
            constraints_query(server_version_num),
            constraint
        ),
    )?;
    tables.sort_unstable_by_key(|table| table.oid);
    for group in columns.values_mut() {
        group.sort();
        group.trim();
    }
    Ok(RawTables {
        tables,
        columns,
        constraints,
    })
}

fn table(row: &Reader<'_>) -> Result<RawTable, IntrospectError> {
    Ok(RawTable {
        oid: row.get("oid")?,
        name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
        unlogged: row.get("unlogged")?,
        options: storage_params(row.get("options")?, row.get("toast_options")?),
        replica_identity: replica_identity(row)?,
        of_type: row.get_qual_name("of_schema", "of_name")?,
        partition_by: row.get("partition_by")?,
        bound: row.get("bound")?,
        partition_constraint: row.get("partition_constraint")?,
        parents: row.get("parents")?,
        row_security: RowSecurity {
            enabled: row.get("row_security")?,
            forced: row.get("force_row_security")?,
        },
        row_type: row.get("row_type")?,
        row_array_type: row.get("row_array_type")?,
        comment: row.get("comment")?,
        owner: row.get("owner")?,
        acl: row.get("acl")?,
        foreign: foreign(row)?,
    })
}

/// A column as the model keeps it, but for its identity and privileges,
/// which the build adds, and what the build needs to do so.
fn column(row: &Reader<'_>) -> Result<(ColumnMeta, Column), IntrospectError> {
    let name: Name = row.get_name("name")?;
    let options = options::read(row.get("options")?, || {
        format!("the options of column {}", quote_ident(&name))
    })?;
    let generated = row.get_char("generated")?;
    let expression: Option<String> = row.get("expression")?;
    // The expression of a stored generated column is part of the column;
    // any other is its default.
    let (default, expression) = if generated == 's' {
        (None, expression)
    } else {
        (expression, None)
    };
    let meta = ColumnMeta {
        number: row.get("number")?,
        type_oid: row.get("type_oid")?,
        collation_oid: row.get("collation_oid")?,
        identity: row.get_char("identity")?,
        generated,
        default_oid: row.get("default_oid")?,
        acl: row.get::<Option<&str>>("acl")?.map(Into::into),
    };
    let mut column = Column::new(name, row.get_name("data_type")?);
    column.not_null = row.get("not_null")?;
    column.inherited = row.get("inherited")?;
    column.default = default.map(String::into_boxed_str);
    column.set_extra(ColumnExtra {
        comment: row.get("comment")?,
        collation: row.get_qual_name("collation_schema", "collation_name")?,
        identity: None,
        generated: expression,
        acl: None,
        settings: column_settings(row)?,
        options,
    });
    Ok((meta, column))
}

fn constraint(row: &Reader<'_>) -> Result<RawConstraint, IntrospectError> {
    let plain: bool = row.get("plain")?;
    Ok(RawConstraint {
        oid: row.get("oid")?,
        table: row.get("table_oid")?,
        name: row.get("name")?,
        kind: row.get_char("kind")?,
        definition: row.get("definition")?,
        parts: if plain { Some(key_parts(row)?) } else { None },
        validated: row.get("validated")?,
        inherited: row.get("inherited")?,
        enforced: row.get("enforced")?,
        replica_identity: row.get("replica_identity")?,
        options: storage_params(row.get("index_options")?, None),
        index: row.get("index_oid")?,
        comment: row.get("comment")?,
    })
}

/// A foreign table's server and options; `None` for any other table.
fn foreign(row: &Reader<'_>) -> Result<Option<Box<ForeignTable>>, IntrospectError> {
    let Some(server) = row.get::<Option<String>>("server")? else {
        return Ok(None);
    };
    let options = options::read(row.get("foreign_options")?, || {
        format!(
            "the options of a foreign table of server {}",
            quote_ident(&server)
        )
    })?;
    Ok(Some(Box::new(ForeignTable {
        server: server.into(),
        options,
    })))
}

/// `relreplident`, read as [`ReplicaIdentity::from_code`] says.
fn replica_identity(row: &Reader<'_>) -> Result<ReplicaIdentity, IntrospectError> {
    let code = row.get_char("replica_identity")?;
    let has_index = row.get::<Option<bool>>("identity_index")?.unwrap_or(false);
    ReplicaIdentity::from_code(code, has_index).ok_or_else(|| IntrospectError::Inconsistent {
        what: "a table's replica identity".to_owned(),
        missing: format!("the meaning of relreplident {code:?}"),
    })
}

fn key_parts(row: &Reader<'_>) -> Result<KeyParts, IntrospectError> {
    Ok(KeyParts {
        columns: row.get("columns")?,
        referenced_table: row.get::<Option<u32>>("referenced_table")?.unwrap_or(0),
        referenced_columns: row
            .get::<Option<Vec<i16>>>("referenced_columns")?
            .unwrap_or_default(),
        match_type: row.get_char("match_type")?,
        on_update: row.get_char("on_update")?,
        on_delete: row.get_char("on_delete")?,
        deferrable: row.get("deferrable")?,
        deferred: row.get("deferred")?,
    })
}

/// Gives every plain key its definition: built here when it is certain to
/// read as the server would print it, else printed by the server in one
/// more query (none, usually).
pub(super) async fn complete(
    client: &Client,
    raw: &mut RawTables,
    support: &Support,
) -> Result<(), IntrospectError> {
    let mut constraints = std::mem::take(&mut raw.constraints);
    let mut left: Vec<u32> = Vec::new();
    for constraint in &mut constraints {
        let Some(parts) = constraint.parts.take() else {
            continue;
        };
        constraint.definition =
            support.key_definition(constraint.kind, constraint.table, &parts, &*raw);
        if constraint.definition.is_none() {
            left.push(constraint.oid);
        }
    }
    raw.constraints = constraints;
    let mut printed =
        server_definitions(client, "constraints", CONSTRAINT_DEFINITIONS, &left).await?;
    for constraint in raw
        .constraints
        .iter_mut()
        .filter(|c| c.definition.is_none())
    {
        constraint.definition = printed.remove(&constraint.oid);
    }
    Ok(())
}

impl Names for RawTables {
    fn column(&self, table: u32, number: i16) -> Option<&str> {
        RawTables::column(self, table, number).map(|column| column.name)
    }

    fn table(&self, table: u32) -> Option<&QualName> {
        let at = self.tables.binary_search_by_key(&table, |t| t.oid).ok()?;
        Some(&self.tables[at].name)
    }
}

impl RawTables {
    /// The column numbered `number` of the table `table`, by bisection: a
    /// table's columns are sorted by number.
    pub(super) fn column(&self, table: u32, number: i16) -> Option<IndexedColumn<'_>> {
        let group = self.columns.get(&table)?;
        let at = group
            .meta
            .binary_search_by_key(&i32::from(number), |m| m.number)
            .ok()?;
        let meta = &group.meta[at];
        Some(IndexedColumn {
            name: &group.columns[at].name,
            type_oid: meta.type_oid,
            collation_oid: meta.collation_oid,
        })
    }
}

/// Reads a column's storage, compression and statistics target; `None`
/// for nearly every column, which has none of them.
fn column_settings(row: &Reader<'_>) -> Result<Option<ColumnSettings>, IntrospectError> {
    let unknown = |code: char| IntrospectError::Inconsistent {
        what: "a column's storage".to_owned(),
        missing: format!("the meaning of storage {code:?}"),
    };
    let storage = match row.get::<Option<i8>>("storage")? {
        None => None,
        Some(byte) => {
            let code = char::from(byte as u8);
            let type_code = row.get_char("type_storage")?;
            Some(StorageSetting {
                storage: Storage::from_code(code).ok_or_else(|| unknown(code))?,
                type_default: Storage::from_code(type_code).ok_or_else(|| unknown(type_code))?,
            })
        }
    };
    let settings = ColumnSettings {
        storage,
        compression: Compression::from_code(row.get_char("compression")?),
        statistics: row.get("statistics_target")?,
    };
    Ok((settings != ColumnSettings::default()).then_some(settings))
}

/// Builds the tables and registers them, their columns, defaults,
/// constraints, the indexes behind constraints and the identity sequences.
/// Warnings about what the columns have but the model does not go to
/// `warnings`.
pub(super) fn build(
    raw: RawTables,
    identities: &HashMap<(u32, i32), IdentitySequence>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Table>, IntrospectError> {
    let names: HashMap<u32, QualName> =
        raw.tables.iter().map(|t| (t.oid, t.name.clone())).collect();
    let mut tables: HashMap<u32, Table> = HashMap::with_capacity(raw.tables.len());
    for table in raw.tables {
        // A parent that is not modelled (a member of an extension) is left
        // out; the table is then compared as if it had no such parent.
        let mut parents: Vec<QualName> = table
            .parents
            .iter()
            .filter_map(|oid| names.get(oid).cloned())
            .collect();
        let partition_of = match table.bound {
            Some(bound) if !parents.is_empty() => Some(Box::new(PartitionOf {
                parent: parents.remove(0),
                bound,
                // A hash partition's constraint names its parent by OID,
                // which a catalog never holds.
                constraint: table
                    .partition_constraint
                    .filter(|c| !c.contains("satisfies_hash_partition")),
            })),
            _ => None,
        };
        let id_name = table.name.clone();
        let id = ObjectId::Table {
            name: table.name.clone(),
        };
        objects.insert(classes.pg_type, table.row_type, 0, id.clone());
        if let Some(array) = table.row_array_type.filter(|oid| *oid != 0) {
            objects.insert(classes.pg_type, array, 0, id.clone());
        }
        objects.insert(classes.pg_class, table.oid, 0, id);
        tables.insert(
            table.oid,
            Table {
                name: table.name,
                unlogged: table.unlogged,
                options: table.options,
                // A foreign table's `relreplident` is `n`, which no
                // statement sets: it has no replica identity to compare.
                replica_identity: if table.foreign.is_some() {
                    ReplicaIdentity::Default
                } else {
                    table.replica_identity
                },
                of_type: table.of_type,
                partition_by: table.partition_by,
                partition_of,
                inherits: parents,
                row_security: table.row_security,
                columns: Vec::new(),
                constraints: Vec::new(),
                comment: table.comment,
                acl: Acl::read(table.acl.as_deref(), || format!("table {id_name}"))?,
                owner: Some(table.owner.into()),
                foreign: table.foreign,
            },
        );
    }

    for (oid, mut group) in raw.columns {
        let table = tables
            .get_mut(&oid)
            .ok_or_else(|| IntrospectError::Inconsistent {
                what: format!("the columns of table oid {oid}"),
                missing: format!("table oid {oid}"),
            })?;
        objects.columns_of(classes.pg_class, oid);
        for (column, meta) in group.columns.iter_mut().zip(&group.meta) {
            // A virtual generated column (PostgreSQL 18) is not modelled; it
            // is reported as a warning and left out, its dependencies with
            // it.
            if meta.generated == 'v' {
                warnings.push(virtual_generated(&table.name, &column.name));
                continue;
            }
            let id = ObjectId::Column {
                table: table.name.clone(),
                column: column.name.as_str().into(),
            };
            if let Some(default_oid) = meta.default_oid {
                // The expression of a generated column is part of the
                // column; an ordinary default is an object of its own.
                let default_id = if meta.generated == 's' {
                    id.clone()
                } else {
                    ObjectId::Default {
                        table: table.name.clone(),
                        column: column.name.as_str().into(),
                    }
                };
                objects.insert(classes.pg_attrdef, default_oid, 0, default_id);
            }
            // An inherited identity column (a partition's, PostgreSQL 17)
            // draws from its parent's sequence, which is the parent's
            // identity.
            let attidentity = if column.inherited {
                '\0'
            } else {
                meta.identity
            };
            if let Some(always) = identity_always(attidentity) {
                let sequence = identities.get(&(oid, meta.number)).ok_or_else(|| {
                    IntrospectError::Inconsistent {
                        what: format!("identity column {id}"),
                        missing: "its sequence".to_owned(),
                    }
                })?;
                objects.insert(classes.pg_class, sequence.oid, 0, id.clone());
                column.update_extra(|extra| extra.identity = Some(sequence.to_identity(always)));
            }
            objects.insert(classes.pg_class, oid, meta.number, id);
            if let Some(text) = meta.acl.as_deref() {
                let acl = Acl::read(Some(text), || {
                    format!("column {}.{}", table.name, quote_ident(&column.name))
                })?;
                column.update_extra(|extra| extra.acl = Some(acl).filter(|acl| !acl.is_default()));
            }
        }
        // Only now are the virtual generated columns left out: the loop
        // above needs each column beside its meta. Where there are none,
        // `retain` moves nothing.
        let mut metas = group.meta.iter();
        group
            .columns
            .retain(|_| metas.next().is_some_and(|meta| meta.generated != 'v'));
        table.columns = group.columns;
    }

    for constraint in raw.constraints {
        let table =
            tables
                .get_mut(&constraint.table)
                .ok_or_else(|| IntrospectError::Inconsistent {
                    what: format!("constraint {}", constraint.name),
                    missing: format!("table oid {}", constraint.table),
                })?;
        let Some(kind) = constraint_kind(constraint.kind) else {
            continue;
        };
        let id = ObjectId::Constraint {
            table: table.name.clone(),
            name: constraint.name.as_str().into(),
        };
        // The index behind a primary key, unique or exclusion constraint is
        // the constraint as far as dependencies go: a foreign key depends on
        // the referenced key's index.
        let has_index = matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        );
        if has_index && constraint.index != 0 {
            objects.insert(classes.pg_class, constraint.index, 0, id.clone());
        }
        objects.insert(classes.pg_constraint, constraint.oid, 0, id);
        let definition = constraint
            .definition
            .ok_or_else(|| IntrospectError::Inconsistent {
                what: format!("constraint {}", constraint.name),
                missing: "its definition".to_owned(),
            })?;
        table.constraints.push(Constraint {
            name: constraint.name.into(),
            kind,
            definition: strip_not_valid(&definition).to_owned(),
            // A `NOT ENFORCED` constraint (PostgreSQL 18) is never validated,
            // and its definition says so; it was not added `NOT VALID`.
            validated: constraint.validated || !constraint.enforced,
            inherited: constraint.inherited,
            replica_identity: constraint.replica_identity,
            options: constraint.options,
            comment: constraint.comment,
        });
    }

    // The constraints grew by doubling, and a table would keep room for
    // twice as many as it has. The columns were trimmed as they were read.
    Ok(tables
        .into_values()
        .map(|mut table| {
            table.constraints.shrink_to_fit();
            table
        })
        .collect())
}

/// `attidentity`: `Some(true)` for `ALWAYS`, `Some(false)` for `BY DEFAULT`,
/// `None` for a column that is not an identity column.
fn identity_always(attidentity: char) -> Option<bool> {
    match attidentity {
        'a' => Some(true),
        'd' => Some(false),
        _ => None,
    }
}

fn constraint_kind(contype: char) -> Option<ConstraintKind> {
    match contype {
        'p' => Some(ConstraintKind::PrimaryKey),
        'u' => Some(ConstraintKind::Unique),
        'c' => Some(ConstraintKind::Check),
        'f' => Some(ConstraintKind::ForeignKey),
        'x' => Some(ConstraintKind::Exclusion),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_qualified() {
        for sql in [
            TABLES,
            COLUMNS,
            CONSTRAINTS_14,
            CONSTRAINTS_15,
            CONSTRAINTS_18,
            CONSTRAINT_DEFINITIONS,
        ] {
            crate::read::filter::tests::assert_qualified(sql);
        }
    }

    #[test]
    fn conenforced_is_read_from_postgresql_18() {
        for (version, reads_conenforced) in [(140000, false), (170005, false), (180000, true)] {
            assert_eq!(
                constraints_query(version).contains("k.conenforced"),
                reads_conenforced,
                "{version}"
            );
        }
    }

    #[test]
    fn identity_and_constraint_codes() {
        assert_eq!(identity_always('a'), Some(true));
        assert_eq!(identity_always('d'), Some(false));
        assert_eq!(identity_always('\0'), None);
        assert_eq!(constraint_kind('f'), Some(ConstraintKind::ForeignKey));
        assert_eq!(constraint_kind('x'), Some(ConstraintKind::Exclusion));
        assert_eq!(constraint_kind('n'), None);
        assert_eq!(constraint_kind('t'), None);
    }
}
