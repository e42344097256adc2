//! Composite types of their own (`CREATE TYPE … AS (…)`; a table's row
//! type belongs to its table). Attributes alter in place where PostgreSQL
//! allows it: added at the end, dropped, retyped, each with `ALTER TYPE`.
//! It refuses to retype an attribute while a table column holds values of
//! the type, and `ADD ATTRIBUTE` only appends, so otherwise the type is
//! recreated:
//! - when the attributes keep their names and order (only types or
//!   collations change), as an enum is: the old type is renamed aside, the
//!   new one created, its columns retyped through `text` (a composite's
//!   text form lists its attributes in order), and the old one dropped;
//! - when the order changes and no column holds the type, it is dropped and
//!   created again, with what uses it (functions, views);
//! - when the order changes and a column holds the type, the same drop is
//!   written and PostgreSQL refuses it, inside the script's transaction:
//!   moving the values would need a conversion per attribute that pgrift
//!   does not write (see "Limitations" in the README).
//!
//! Attribute comments are `COMMENT ON COLUMN type.attribute`.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, comment, rename_aside,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    AttributeDef, CommentTarget, Ident, Keyword, ObjectName, ServerSql, Stmt, TypeAction,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub name: QualName,
    /// In their order.
    pub attributes: Vec<Attribute>,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`): by default `PUBLIC` may use it.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
    /// Whether a column of a table or materialized view (or an attribute of
    /// another type) holds this type or an array of it. Not part of the
    /// schema: it tells the diff whether PostgreSQL lets an attribute be
    /// retyped in place.
    #[serde(default)]
    pub stored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    /// As `format_type` prints it, with its modifiers.
    pub data_type: String,
    /// The collation, when it differs from the type's default.
    pub collation: Option<QualName>,
    pub comment: Option<String>,
}

const KEYWORD: Keyword = Keyword("TYPE");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

fn definition(attribute: &Attribute) -> AttributeDef {
    AttributeDef {
        name: Ident(attribute.name.clone()),
        data_type: ServerSql(attribute.data_type.clone()),
        collation: attribute.collation.clone(),
    }
}

fn alter(ty: &QualName, action: TypeAction) -> Stmt {
    Stmt::AlterType {
        name: ty.clone(),
        action,
    }
}

fn attribute_comment(ty: &QualName, attribute: &Attribute) -> Stmt {
    comment(
        CommentTarget::Column(ty.clone(), Ident(attribute.name.clone())),
        &attribute.comment,
    )
}

/// The shape of the attributes, without comments.
fn shape(ty: &CompositeType) -> Vec<(&str, &str, Option<&QualName>)> {
    ty.attributes
        .iter()
        .map(|a| (a.name.as_str(), a.data_type.as_str(), a.collation.as_ref()))
        .collect()
}

fn names(ty: &CompositeType) -> Vec<&str> {
    ty.attributes.iter().map(|a| a.name.as_str()).collect()
}

/// How `old` becomes `new`.
enum Change {
    /// Nothing but comments.
    Same,
    /// `ALTER TYPE` statements.
    InPlace,
    /// Renamed aside, created anew, columns retyped through `text`.
    SetAside,
    /// Dropped and created again.
    Replace,
}

fn change(old: &CompositeType, new: &CompositeType) -> Change {
    if shape(old) == shape(new) {
        return Change::Same;
    }
    let kept: Vec<&str> = names(old)
        .into_iter()
        .filter(|n| names(new).contains(n))
        .collect();
    let appended_in_order = names(new).starts_with(&kept);
    let retyped = new.attributes.iter().any(|a| {
        old.attributes
            .iter()
            .any(|o| o.name == a.name && (o.data_type != a.data_type || o.collation != a.collation))
    });
    if appended_in_order && !(retyped && old.stored) {
        Change::InPlace
    } else if names(old) == names(new) {
        Change::SetAside
    } else {
        Change::Replace
    }
}

pub fn compare(old: &CompositeType, new: &CompositeType) -> Delta {
    let name = &new.name;
    let mut stmts = Vec::new();
    match change(old, new) {
        Change::Replace => return Delta::Replace,
        Change::SetAside => {
            stmts.push(rename_aside("TYPE", &old.name));
            stmts.extend(create(new));
            return Delta::Alter(stmts);
        }
        Change::InPlace => {
            for attribute in &old.attributes {
                if !new.attributes.iter().any(|a| a.name == attribute.name) {
                    stmts.push(alter(
                        name,
                        TypeAction::DropAttribute(Ident(attribute.name.clone())),
                    ));
                }
            }
            for attribute in &new.attributes {
                match old.attributes.iter().find(|a| a.name == attribute.name) {
                    Some(before)
                        if before.data_type != attribute.data_type
                            || before.collation != attribute.collation =>
                    {
                        stmts.push(alter(
                            name,
                            TypeAction::AlterAttributeType(definition(attribute)),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        stmts.push(alter(name, TypeAction::AddAttribute(definition(attribute))));
                    }
                }
            }
        }
        Change::Same => {}
    }
    for attribute in &new.attributes {
        let before = old.attributes.iter().find(|a| a.name == attribute.name);
        let had = before.and_then(|a| a.comment.as_ref());
        if had != attribute.comment.as_ref() {
            stmts.push(attribute_comment(name, attribute));
        }
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

pub fn create(ty: &CompositeType) -> Vec<Stmt> {
    vec![Stmt::CreateCompositeType {
        name: ty.name.clone(),
        attributes: ty.attributes.iter().map(definition).collect(),
    }]
}

fn comments_on_create(ty: &CompositeType) -> Vec<Stmt> {
    let mut stmts = Vec::new();
    if ty.comment.is_some() {
        stmts.push(comment(
            CommentTarget::Object(object(&ty.name)),
            &ty.comment,
        ));
    }
    stmts.extend(
        ty.attributes
            .iter()
            .filter(|a| a.comment.is_some())
            .map(|a| attribute_comment(&ty.name, a)),
    );
    stmts
}

pub struct Raw {
    oid: u32,
    array_oid: u32,
    relation_oid: u32,
    name: QualName,
    attribute_names: Vec<String>,
    attribute_types: Vec<String>,
    collation_schemas: Vec<Option<String>>,
    collation_names: Vec<Option<String>>,
    attribute_comments: Vec<Option<String>>,
    comment: Option<String>,
    acl: Acl,
    owner: Option<Name>,
    stored: bool,
}

/// The attributes come as parallel arrays in `attnum` order. A type is
/// stored when a relation other than its own has a column of it or of its
/// array, as `pg_depend` records (whose index answers this; `pg_attribute`
/// has none on the type).
const QUERY: &str = concat!(
    "SELECT t.oid, t.typarray AS array_oid, t.typrelid AS relation_oid, \
     n.nspname AS schema, t.typname AS name, \
     ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a \
           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
           ORDER BY a.attnum) AS attribute_names, \
     ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a \
           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
           ORDER BY a.attnum) AS attribute_types, \
     ARRAY(SELECT CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation \
                  THEN con.nspname::pg_catalog.text END \
           FROM pg_catalog.pg_attribute a \
           JOIN pg_catalog.pg_type at ON at.oid = a.atttypid \
           LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
           LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace \
           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
           ORDER BY a.attnum) AS collation_schemas, \
     ARRAY(SELECT CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation \
                  THEN co.collname::pg_catalog.text END \
           FROM pg_catalog.pg_attribute a \
           JOIN pg_catalog.pg_type at ON at.oid = a.atttypid \
           LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
           ORDER BY a.attnum) AS collation_names, \
     ARRAY(SELECT ad.description FROM pg_catalog.pg_attribute a \
           LEFT JOIN pg_catalog.pg_description ad ON ad.objoid = a.attrelid \
           AND ad.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ad.objsubid = a.attnum \
           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
           ORDER BY a.attnum) AS attribute_comments, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(t.typowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "t.typacl",
        "t.typowner",
        "pg_catalog.acldefault('T', t.typowner)"
    ),
    " AS acl, \
     EXISTS (SELECT 1 FROM pg_catalog.pg_depend u \
             WHERE u.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass \
             AND u.refobjid IN (t.oid, t.typarray) \
             AND u.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
             AND u.objid <> t.typrelid AND u.objsubid > 0) AS stored \
     FROM pg_catalog.pg_type t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_catalog.pg_class c ON c.oid = t.typrelid",
    comment_join!("pg_type", "t.oid", "cm"),
    "WHERE t.typtype = 'c' AND c.relkind = 'c' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

const WHAT: &str = "composite types";

impl<'a> ObjectKind<'a> for CompositeType {
    type Ref = &'a CompositeType;
    const NOUN: &'static str = "composite type";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["composite type"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.composites.iter().map(Obj::Composite));
    }

    fn key(ty: &'a CompositeType) -> [&'a str; 3] {
        [&ty.name.schema, &ty.name.name, ""]
    }

    fn container(ty: &'a CompositeType) -> Holder<'a> {
        Holder::schema(&ty.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(_: &'a CompositeType) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(ty: &'a CompositeType) -> Vec<QualName> {
        vec![ty.name.clone()]
    }

    /// A type set aside and created again gets its privileges and owner
    /// as a new one; otherwise they alter in place.
    fn created_acl(x: &'a CompositeType) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: crate::sql::GrantTarget::Type(x.name.clone()),
            objects: crate::names::DefaultObjects::Types,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a CompositeType, new: &'a CompositeType) -> Delta {
        let set_aside = Self::sets_aside(old, new);
        let privileges = acl::of_type(&old.acl, old.owner.as_ref(), &new.acl, &new.name, set_aside);
        let owner = owner::of_type(old.owner.as_ref(), new.owner.as_ref(), set_aside, || {
            owner::named("TYPE", &new.name)
        });
        compare(old, new).and(privileges).and(owner)
    }

    fn create(ty: &'a CompositeType) -> Vec<Stmt> {
        let mut stmts = acl::create_type(create(ty), &ty.acl, &ty.name);
        stmts.extend(owner::on_create(ty.owner.as_ref(), || {
            owner::named("TYPE", &ty.name)
        }));
        stmts
    }

    fn drop(ty: &'a CompositeType) -> Vec<Stmt> {
        vec![Stmt::DropObject(object(&ty.name))]
    }

    fn dropped_with(_: &'a CompositeType, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a CompositeType) -> Option<ObjectId> {
        None
    }

    fn comment(ty: &'a CompositeType) -> Option<&'a Option<String>> {
        Some(&ty.comment)
    }

    fn comment_target(ty: &'a CompositeType) -> Option<CommentTarget> {
        Some(CommentTarget::Object(object(&ty.name)))
    }

    /// The type's comment and its attributes'.
    fn comments_on_create(ty: &'a CompositeType) -> Vec<Stmt> {
        comments_on_create(ty)
    }

    fn shown(ty: &'a CompositeType) -> Option<Shown> {
        Some(Shown {
            kind: "composite type",
            statements: create(ty),
        })
    }

    fn finish_alter(old: &'a CompositeType, new: &'a CompositeType) -> Vec<Stmt> {
        match change(old, new) {
            Change::SetAside => vec![Stmt::DropObject(object(&old.name.set_aside()))],
            _ => Vec::new(),
        }
    }

    /// A type set aside retypes its columns and replaces everything else
    /// that uses it.
    fn sets_aside(old: &'a CompositeType, new: &'a CompositeType) -> bool {
        matches!(change(old, new), Change::SetAside)
    }

    fn deparsed(ty: &'a CompositeType) -> Vec<(&'a str, TextShape)> {
        ty.attributes
            .iter()
            .map(|a| (a.data_type.as_str(), TextShape::Fragment))
            .collect()
    }
}

impl ReadKind for CompositeType {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    // Composite types share `pg_class` with every table, index and
    // sequence: telling whether there is one took about as long as reading
    // them.
    const FOUND_IN: Option<&'static str> = None;

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || {
                format!(
                    "composite type {}",
                    row.get::<&str>("name").unwrap_or_default()
                )
            })?,
            owner: Some(row.get_name("owner")?),
            array_oid: row.get("array_oid")?,
            relation_oid: row.get("relation_oid")?,
            name: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?),
            attribute_names: row.get("attribute_names")?,
            attribute_types: row.get("attribute_types")?,
            collation_schemas: row.get("collation_schemas")?,
            collation_names: row.get("collation_names")?,
            attribute_comments: row.get("attribute_comments")?,
            comment: row.get("comment")?,
            stored: row.get("stored")?,
        })
    }

    /// Registers the type, its array type and its relation as one object,
    /// so that a column of the type or its array depends on it, and it on
    /// the types of its attributes.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<CompositeType>, IntrospectError> {
        rows.into_iter()
            .map(|row| {
                let n = row.attribute_names.len();
                if [
                    row.attribute_types.len(),
                    row.collation_schemas.len(),
                    row.collation_names.len(),
                    row.attribute_comments.len(),
                ]
                .iter()
                .any(|&len| len != n)
                {
                    return Err(IntrospectError::Inconsistent {
                        what: format!("composite type {}", row.name),
                        missing: "as many types, collations and comments as attributes".into(),
                    });
                }
                let id = ObjectId::Composite {
                    name: row.name.clone(),
                };
                if row.array_oid != 0 {
                    objects.insert(classes.pg_type, row.array_oid, 0, id.clone());
                }
                objects.insert(classes.pg_class, row.relation_oid, 0, id.clone());
                objects.insert(classes.pg_type, row.oid, 0, id);
                let attributes = row
                    .attribute_names
                    .into_iter()
                    .zip(row.attribute_types)
                    .zip(row.collation_schemas.into_iter().zip(row.collation_names))
                    .zip(row.attribute_comments)
                    .map(|(((name, data_type), collation), comment)| Attribute {
                        name,
                        data_type,
                        collation: match collation {
                            (Some(schema), Some(name)) => Some(QualName::new(schema, name)),
                            _ => None,
                        },
                        comment,
                    })
                    .collect();
                Ok(CompositeType {
                    name: row.name,
                    attributes,
                    comment: row.comment,
                    acl: row.acl,
                    owner: row.owner,
                    stored: row.stored,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    fn ty(attributes: &[(&str, &str)], stored: bool) -> CompositeType {
        CompositeType {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "address"),
            attributes: attributes
                .iter()
                .map(|(name, data_type)| Attribute {
                    name: (*name).into(),
                    data_type: (*data_type).into(),
                    collation: None,
                    comment: None,
                })
                .collect(),
            comment: None,
            stored,
        }
    }

    fn render(delta: Delta) -> Vec<String> {
        match delta {
            Delta::Alter(stmts) => stmts.iter().map(|s| s.to_string()).collect(),
            other => panic!("expected an alter, got {other:?}"),
        }
    }

    #[test]
    fn appended_dropped_and_retyped_attributes_alter_in_place() {
        let old = ty(
            &[("street", "text"), ("zip", "integer"), ("gone", "text")],
            false,
        );
        let new = ty(
            &[("street", "text"), ("zip", "text"), ("city", "text")],
            false,
        );
        assert_eq!(
            render(compare(&old, &new)),
            [
                "ALTER TYPE public.address DROP ATTRIBUTE gone",
                "ALTER TYPE public.address ALTER ATTRIBUTE zip TYPE text",
                "ALTER TYPE public.address ADD ATTRIBUTE city text",
            ]
        );
    }

    #[test]
    fn a_stored_type_is_set_aside_to_retype_and_replaced_to_reorder() {
        let old = ty(&[("street", "text"), ("zip", "integer")], true);
        let retyped = ty(&[("street", "text"), ("zip", "text")], true);
        assert_eq!(
            render(compare(&old, &retyped)),
            [
                "ALTER TYPE public.address RENAME TO address__pgrift_old",
                "CREATE TYPE public.address AS (\n    street text,\n    zip text\n)",
            ]
        );
        let reordered = ty(&[("zip", "integer"), ("street", "text")], false);
        assert_eq!(compare(&old, &reordered), Delta::Replace);
        let inserted = ty(
            &[("street", "text"), ("city", "text"), ("zip", "integer")],
            false,
        );
        assert_eq!(compare(&old, &inserted), Delta::Replace);
    }
}
