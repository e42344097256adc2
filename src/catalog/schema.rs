//! Schemas: created and dropped; nothing to alter but the comment, the
//! privileges and the owner.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, GrantTarget, Ident, OwnedObject, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub name: String,
    pub comment: Option<String>,
    /// Its privileges, relative to what it was created with: `public`'s
    /// own (`pg_init_privs`), which differ between server versions, or an
    /// owner's default.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner`), which
    /// `public` is while it keeps the owner the server gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

fn target(schema: &Schema) -> GrantTarget {
    GrantTarget::Schema(Ident(schema.name.clone()))
}

fn owned(schema: &Schema) -> OwnedObject {
    OwnedObject::Schema(Ident(schema.name.clone()))
}

pub fn create(schema: &Schema) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::CreateSchema(Ident(schema.name.clone()))];
    stmts.extend(acl::on_create(&schema.acl, &target(schema), None));
    stmts.extend(owner::on_create(schema.owner.as_ref(), || owned(schema)));
    stmts
}

pub fn drop(schema: &Schema) -> Vec<Stmt> {
    vec![Stmt::DropSchema(Ident(schema.name.clone()))]
}

pub struct Raw {
    oid: u32,
    name: String,
    comment: Option<String>,
    acl: Acl,
    owner: Option<Name>,
}

const QUERY: &str = concat!(
    "SELECT n.oid, n.nspname AS name, cm.description AS comment, \
     CASE WHEN n.nspname = 'public' AND (n.nspowner = 10 \
     OR n.nspowner = 'pg_database_owner'::pg_catalog.regrole) THEN NULL \
     ELSE pg_catalog.pg_get_userbyid(n.nspowner)::pg_catalog.text END AS owner, ",
    acl_json!(
        "n.nspacl",
        "n.nspowner",
        "COALESCE((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip \
         WHERE ip.objoid = n.oid AND ip.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass \
         AND ip.objsubid = 0), pg_catalog.acldefault('n', n.nspowner))"
    ),
    " AS acl FROM pg_catalog.pg_namespace n",
    comment_join!("pg_namespace", "n.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
);

const WHAT: &str = "schemas";

impl<'a> ObjectKind<'a> for Schema {
    type Ref = &'a Schema;
    const NOUN: &'static str = "schema";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.schemas.iter().map(Obj::Schema));
    }

    fn key(schema: &'a Schema) -> [&'a str; 3] {
        [&schema.name, "", ""]
    }

    fn container(_: &'a Schema) -> Holder<'a> {
        Holder::Nothing
    }

    fn named_container(_parts: [&str; 3], _container: Key<'_>) -> bool {
        false
    }

    fn table(_: &'a Schema) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(_: &'a Schema) -> Vec<QualName> {
        Vec::new()
    }

    /// Nothing about a schema alters but its comment, privileges and
    /// owner.
    fn created_acl(x: &'a Schema) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: target(x),
            objects: crate::names::DefaultObjects::Schemas,
            schema: None,
        })
    }

    fn compare(old: &'a Schema, new: &'a Schema) -> Delta {
        Delta::Same
            .and(acl::alter(
                &old.acl,
                &new.acl,
                &target(new),
                old.owner.as_ref(),
            ))
            .and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
                owned(new)
            }))
    }

    fn create(schema: &'a Schema) -> Vec<Stmt> {
        create(schema)
    }

    fn drop(schema: &'a Schema) -> Vec<Stmt> {
        drop(schema)
    }

    fn dropped_with(_: &'a Schema, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a Schema) -> Option<ObjectId> {
        None
    }

    fn comment(schema: &'a Schema) -> Option<&'a Option<String>> {
        Some(&schema.comment)
    }

    fn comment_target(schema: &'a Schema) -> Option<CommentTarget> {
        Some(CommentTarget::Schema(Ident(schema.name.clone())))
    }

    fn shown(_: &'a Schema) -> Option<Shown> {
        None
    }

    /// A schema holds names only, which scripts quote.
    fn deparsed(_: &'a Schema) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

impl ReadKind for Schema {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = None;

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            name: row.get("name")?,
            comment: row.get("comment")?,
            acl: Acl::read(row.get("acl")?, || {
                format!(
                    "schema {}",
                    crate::sql::quote_ident(row.get::<&str>("name").unwrap_or_default())
                )
            })?,
            owner: row.get::<Option<&str>>("owner")?.map(Into::into),
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Schema>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::Schema {
                    name: row.name.as_str().into(),
                };
                objects.insert(classes.pg_namespace, row.oid, 0, id);

                Schema {
                    name: row.name,
                    comment: row.comment,
                    acl: row.acl,
                    owner: row.owner,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }
}
