//! Publications (`CREATE PUBLICATION`): what logical replication sends to
//! subscribers. A publication is an object of the database, not of a
//! schema. Its tables (with a column list and a row filter, from
//! PostgreSQL 15), its schemas (`TABLES IN SCHEMA`, 15) and its options
//! (`publish`, `publish_via_partition_root`) change in place with `ALTER
//! PUBLICATION`; a table whose column list or row filter changes is
//! dropped from the publication and added again, in the same transaction.
//! Only `FOR ALL TABLES` cannot change: the publication is dropped and
//! created again.
//!
//! `pg_depend` records a publication's tables and schemas through its
//! membership rows (`pg_publication_rel`, `pg_publication_namespace`),
//! which are registered as the publication itself, so that it is created
//! after its tables and dropped before them.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, Ident, Keyword, PublicationChange, PublicationDef, PublicationOptions,
    PublishedTable, ServerSql, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub name: Name,
    /// `FOR ALL TABLES`.
    pub all_tables: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    /// `publish_via_partition_root`.
    pub via_root: bool,
    /// Its tables, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<PublicationTable>,
    /// The schemas whose tables it publishes, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<Name>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationTable {
    pub table: QualName,
    /// The columns it publishes, in the table's order; `None` for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<Name>>,
    /// The row filter as `pg_get_expr` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_filter: Option<String>,
}

const KEYWORD: Keyword = Keyword("PUBLICATION");

fn options(publication: &Publication) -> PublicationOptions {
    PublicationOptions {
        insert: publication.insert,
        update: publication.update,
        delete: publication.delete,
        truncate: publication.truncate,
        via_root: publication.via_root,
    }
}

fn published(table: &PublicationTable) -> PublishedTable {
    PublishedTable {
        table: table.table.clone(),
        columns: table
            .columns
            .as_ref()
            .map(|c| c.iter().map(|n| Ident(n.to_string())).collect()),
        row_filter: table.row_filter.clone().map(ServerSql),
    }
}

fn change(name: &Name, change: PublicationChange) -> Stmt {
    Stmt::AlterPublication {
        name: Ident(name.to_string()),
        change,
    }
}

/// The `ALTER PUBLICATION` statements that turn `old`'s tables, schemas
/// and options into `new`'s: drops first, so that a table whose list or
/// filter changes can be added again.
fn changes(old: &Publication, new: &Publication) -> Vec<Stmt> {
    let find = |tables: &[PublicationTable], name: &QualName| {
        tables.iter().find(|t| &t.table == name).cloned()
    };
    let mut stmts = Vec::new();
    let dropped: Vec<QualName> = old
        .tables
        .iter()
        .filter(|t| find(&new.tables, &t.table).as_ref() != Some(*t))
        .map(|t| t.table.clone())
        .collect();
    if !dropped.is_empty() {
        stmts.push(change(&new.name, PublicationChange::DropTables(dropped)));
    }
    let gone: Vec<Ident> = old
        .schemas
        .iter()
        .filter(|s| !new.schemas.contains(s))
        .map(|s| Ident(s.to_string()))
        .collect();
    if !gone.is_empty() {
        stmts.push(change(&new.name, PublicationChange::DropSchemas(gone)));
    }
    let added: Vec<PublishedTable> = new
        .tables
        .iter()
        .filter(|t| find(&old.tables, &t.table).as_ref() != Some(*t))
        .map(published)
        .collect();
    if !added.is_empty() {
        stmts.push(change(&new.name, PublicationChange::AddTables(added)));
    }
    let came: Vec<Ident> = new
        .schemas
        .iter()
        .filter(|s| !old.schemas.contains(s))
        .map(|s| Ident(s.to_string()))
        .collect();
    if !came.is_empty() {
        stmts.push(change(&new.name, PublicationChange::AddSchemas(came)));
    }
    if options(old) != options(new) {
        stmts.push(change(&new.name, PublicationChange::Set(options(new))));
    }
    stmts
}

pub struct Raw {
    oid: u32,
    /// The OIDs of its membership rows, which `pg_depend` names.
    members: Vec<u32>,
    members_in_schemas: Vec<u32>,
    publication: Publication,
}

/// The query, given how to read a membership row's column list and row
/// filter and the schemas, which came with PostgreSQL 15. The tables come
/// as a JSON array of `[oid, schema, table, columns, filter]`.
macro_rules! publication_query {
    ($columns:literal, $filter:literal, $schemas:literal) => {
        concat!(
            "SELECT p.oid, p.pubname AS name, p.puballtables AS all_tables, \
             p.pubinsert AS insert, p.pubupdate AS update, p.pubdelete AS delete, \
             p.pubtruncate AS truncate, p.pubviaroot AS via_root, \
             (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(pr.oid::pg_catalog.int8, n.nspname, c.relname, ",
            $columns,
            ", ",
            $filter,
            "))::pg_catalog.text \
              FROM pg_catalog.pg_publication_rel pr \
              JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid \
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
              WHERE pr.prpubid = p.oid) AS tables, ",
            $schemas,
            " AS schemas, cm.description AS comment, \
             pg_catalog.pg_get_userbyid(p.pubowner)::pg_catalog.text AS owner \
             FROM pg_catalog.pg_publication p",
            comment_join!("pg_publication", "p.oid", "cm"),
        )
    };
}

const QUERY_14: &str = publication_query!("NULL", "NULL", "NULL::pg_catalog.text");
const QUERY_15: &str = publication_query!(
    "(SELECT pg_catalog.json_agg(a.attname ORDER BY a.attnum) FROM pg_catalog.pg_attribute a \
      WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs))",
    "pg_catalog.pg_get_expr(pr.prqual, pr.prrelid)",
    "(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(pn.oid::pg_catalog.int8, n.nspname))::pg_catalog.text \
      FROM pg_catalog.pg_publication_namespace pn \
      JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid WHERE pn.pnpubid = p.oid)"
);

type TableRow = (u32, String, String, Option<Vec<String>>, Option<String>);

impl ReadKind for Publication {
    type Raw = Raw;
    const WHAT: &'static str = "publications";
    const QUERY: &'static str = QUERY_15;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_publication p WHERE p.oid >= 16384");

    fn query(server_version_num: i32) -> &'static str {
        if server_version_num < 150000 {
            QUERY_14
        } else {
            QUERY_15
        }
    }

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        let name: Name = row.get_name("name")?;
        let unreadable = |what: &str, e: serde_json::Error| IntrospectError::Inconsistent {
            what: format!("publication {name}"),
            missing: format!("readable {what} ({e})"),
        };
        let tables: Vec<TableRow> = match row.get::<Option<&str>>("tables")? {
            None => Vec::new(),
            Some(json) => serde_json::from_str(json).map_err(|e| unreadable("tables", e))?,
        };
        let schemas: Vec<(u32, String)> = match row.get::<Option<&str>>("schemas")? {
            None => Vec::new(),
            Some(json) => serde_json::from_str(json).map_err(|e| unreadable("schemas", e))?,
        };
        let members = tables.iter().map(|t| t.0).collect();
        let members_in_schemas = schemas.iter().map(|s| s.0).collect();
        let mut tables: Vec<PublicationTable> = tables
            .into_iter()
            .map(|(_, schema, table, columns, row_filter)| PublicationTable {
                table: QualName::new(schema, table),
                columns: columns.map(|c| c.into_iter().map(Name::from).collect()),
                row_filter,
            })
            .collect();
        tables.sort_by(|a, b| a.table.cmp(&b.table));
        let mut schemas: Vec<Name> = schemas.into_iter().map(|(_, s)| Name::from(s)).collect();
        schemas.sort();
        Ok(Raw {
            oid: row.get("oid")?,
            members,
            members_in_schemas,
            publication: Publication {
                all_tables: row.get("all_tables")?,
                insert: row.get("insert")?,
                update: row.get("update")?,
                delete: row.get("delete")?,
                truncate: row.get("truncate")?,
                via_root: row.get("via_root")?,
                tables,
                schemas,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Publication>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = || ObjectId::Publication {
                    name: row.publication.name.clone(),
                };
                objects.insert(classes.pg_publication, row.oid, 0, id());
                for oid in &row.members {
                    objects.insert(classes.pg_publication_rel, *oid, 0, id());
                }
                for oid in &row.members_in_schemas {
                    objects.insert(classes.pg_publication_namespace, *oid, 0, id());
                }
                row.publication
            })
            .collect())
    }
}

impl<'a> ObjectKind<'a> for Publication {
    type Ref = &'a Publication;
    const NOUN: &'static str = "publication";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["publication"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.publications.iter().map(Obj::Publication));
    }

    fn key(publication: &'a Publication) -> [&'a str; 3] {
        [&publication.name, "", ""]
    }

    in_no_schema!(Publication);

    fn compare(old: &'a Publication, new: &'a Publication) -> Delta {
        if old.all_tables != new.all_tables {
            return Delta::Replace;
        }
        let stmts = changes(old, new);
        let delta = if stmts.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(stmts)
        };
        delta.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            crate::sql::OwnedObject::Global(KEYWORD, Ident(new.name.to_string()))
        }))
    }

    fn create(publication: &'a Publication) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreatePublication(PublicationDef {
            name: Ident(publication.name.to_string()),
            all_tables: publication.all_tables,
            tables: publication.tables.iter().map(published).collect(),
            schemas: publication
                .schemas
                .iter()
                .map(|s| Ident(s.to_string()))
                .collect(),
            options: options(publication),
        })];
        stmts.extend(owner::on_create(publication.owner.as_ref(), || {
            crate::sql::OwnedObject::Global(KEYWORD, Ident(publication.name.to_string()))
        }));
        stmts
    }

    fn drop(publication: &'a Publication) -> Vec<Stmt> {
        vec![Stmt::DropGlobal(
            KEYWORD,
            Ident(publication.name.to_string()),
        )]
    }

    fn comment(publication: &'a Publication) -> Option<&'a Option<String>> {
        Some(&publication.comment)
    }

    fn comment_target(publication: &'a Publication) -> Option<CommentTarget> {
        Some(CommentTarget::Global(
            KEYWORD,
            Ident(publication.name.to_string()),
        ))
    }

    fn shown(publication: &'a Publication) -> Option<Shown> {
        Some(Shown {
            kind: "publication",
            statements: Self::create(publication),
        })
    }

    /// Row filters are expressions the server printed.
    fn deparsed(publication: &'a Publication) -> Vec<(&'a str, TextShape)> {
        publication
            .tables
            .iter()
            .filter_map(|t| t.row_filter.as_deref())
            .map(|filter| (filter, TextShape::Fragment))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY_14);
        crate::read::filter::tests::assert_qualified(QUERY_15);
    }

    fn table(name: &str, columns: Option<&[&str]>, filter: Option<&str>) -> PublicationTable {
        PublicationTable {
            table: QualName::new("public", name),
            columns: columns.map(|c| c.iter().map(|n| Name::from(*n)).collect()),
            row_filter: filter.map(str::to_owned),
        }
    }

    fn publication(tables: Vec<PublicationTable>, schemas: &[&str]) -> Publication {
        Publication {
            name: "pub\n*/".into(),
            all_tables: false,
            insert: true,
            update: true,
            delete: true,
            truncate: true,
            via_root: false,
            tables,
            schemas: schemas.iter().map(|s| Name::from(*s)).collect(),
            comment: None,
            owner: None,
        }
    }

    #[test]
    fn membership_and_options_change_in_place() {
        let old = publication(
            vec![
                table("a", None, None),
                table("b", None, None),
                table("c", None, None),
            ],
            &["s1"],
        );
        let mut new = publication(
            vec![
                table("a", None, None),
                table("b", Some(&["id", "Note"]), Some("(id > 0)")),
                table("d", None, None),
            ],
            &["s2"],
        );
        new.truncate = false;
        new.via_root = true;
        let sql: Vec<String> = changes(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            sql,
            [
                "ALTER PUBLICATION \"pub\n*/\" DROP TABLE public.b, public.c",
                "ALTER PUBLICATION \"pub\n*/\" DROP TABLES IN SCHEMA s1",
                "ALTER PUBLICATION \"pub\n*/\" ADD TABLE public.b (id, \"Note\") WHERE ((id > 0)), TABLE public.d",
                "ALTER PUBLICATION \"pub\n*/\" ADD TABLES IN SCHEMA s2",
                "ALTER PUBLICATION \"pub\n*/\" SET (publish = 'insert, update, delete', publish_via_partition_root = true)",
            ]
        );
        let mut all = old.clone();
        all.all_tables = true;
        assert!(matches!(Publication::compare(&old, &all), Delta::Replace));
    }
}
