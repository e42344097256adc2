//! Foreign-data wrappers (`CREATE FOREIGN DATA WRAPPER`): database objects
//! in no schema. The handler, the validator, the options (key by key,
//! secrets as psql variables: see `options.rs`), the privileges (`USAGE`)
//! and the owner alter in place; nothing replaces a wrapper but a
//! function it uses being replaced, which `pg_depend` records.
//!
//! A wrapper that is a member of an extension (`postgres_fdw`'s) is the
//! extension's, and left out. Only a superuser can create a wrapper, and
//! its owner must stay one: a script that creates one must be run by a
//! superuser.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::options::{self, GenericOption};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, ForeignDataWrapperDef, GrantTarget, Ident, Keyword, OwnedObject, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignDataWrapper {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<QualName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<QualName>,
    /// Its options, in the server's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<GenericOption>,
    pub comment: Option<String>,
    /// Its privileges, relative to an owner's default.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("FOREIGN DATA WRAPPER");

/// How its secrets' variables are named.
fn object(wrapper: &ForeignDataWrapper) -> [&str; 2] {
    ["wrapper", &wrapper.name]
}

fn ident(wrapper: &ForeignDataWrapper) -> Ident {
    Ident(wrapper.name.to_string())
}

fn owned(wrapper: &ForeignDataWrapper) -> OwnedObject {
    OwnedObject::Global(KEYWORD, ident(wrapper))
}

fn target(wrapper: &ForeignDataWrapper) -> GrantTarget {
    GrantTarget::ForeignDataWrapper(ident(wrapper))
}

const QUERY: &str = concat!(
    "SELECT w.oid, w.fdwname AS name, \
     hn.nspname AS handler_schema, hp.proname AS handler_name, \
     vn.nspname AS validator_schema, vp.proname AS validator_name, ",
    options_json!("w.fdwoptions"),
    " AS options, cm.description AS comment, \
     pg_catalog.pg_get_userbyid(w.fdwowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "w.fdwacl",
        "w.fdwowner",
        "pg_catalog.acldefault('F', w.fdwowner)"
    ),
    " AS acl FROM pg_catalog.pg_foreign_data_wrapper w \
     LEFT JOIN pg_catalog.pg_proc hp ON hp.oid = w.fdwhandler \
     LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = hp.pronamespace \
     LEFT JOIN pg_catalog.pg_proc vp ON vp.oid = w.fdwvalidator \
     LEFT JOIN pg_catalog.pg_namespace vn ON vn.oid = vp.pronamespace",
    comment_join!("pg_foreign_data_wrapper", "w.oid", "cm"),
    "WHERE ",
    not_extension_member!("pg_foreign_data_wrapper", "w.oid"),
);

/// A function of the row, from its schema and name columns.
fn function(row: &Reader<'_>, prefix: &str) -> Result<Option<QualName>, IntrospectError> {
    let schema: Option<&str> = row.get(format!("{prefix}_schema").as_str())?;
    let name: Option<&str> = row.get(format!("{prefix}_name").as_str())?;
    Ok(schema.zip(name).map(|(s, n)| QualName::new(s, n)))
}

impl ReadKind for ForeignDataWrapper {
    type Raw = (u32, ForeignDataWrapper);
    const WHAT: &'static str = "foreign-data wrappers";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_foreign_data_wrapper w WHERE w.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, ForeignDataWrapper), IntrospectError> {
        let name: Name = row.get_name("name")?;
        let what = || format!("foreign-data wrapper {}", crate::sql::quote_ident(&name));
        Ok((
            row.get("oid")?,
            ForeignDataWrapper {
                handler: function(row, "handler")?,
                validator: function(row, "validator")?,
                options: options::read(row.get("options")?, what)?,
                comment: row.get("comment")?,
                acl: Acl::read(row.get("acl")?, what)?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, ForeignDataWrapper)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<ForeignDataWrapper>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_foreign_data_wrapper, rows, |x| {
                ObjectId::ForeignDataWrapper {
                    name: x.name.clone(),
                }
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for ForeignDataWrapper {
    type Ref = &'a ForeignDataWrapper;
    const NOUN: &'static str = "foreign-data wrapper";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["foreign-data wrapper"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(
            catalog
                .foreign_data_wrappers
                .iter()
                .map(Obj::ForeignDataWrapper),
        );
    }

    keyword_object!(ForeignDataWrapper, "foreign-data wrapper");

    fn compare(old: &'a ForeignDataWrapper, new: &'a ForeignDataWrapper) -> Delta {
        let changed = |a: &Option<QualName>, b: &Option<QualName>| (a != b).then(|| b.clone());
        let handler = changed(&old.handler, &new.handler);
        let validator = changed(&old.validator, &new.validator);
        let options = options::changes(&old.options, &new.options, &object(new));
        let delta = if handler.is_none() && validator.is_none() && options.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(vec![Stmt::AlterForeignDataWrapper {
                name: ident(new),
                handler,
                validator,
                options,
            }])
        };
        delta
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

    fn create(wrapper: &'a ForeignDataWrapper) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateForeignDataWrapper(ForeignDataWrapperDef {
            name: ident(wrapper),
            handler: wrapper.handler.clone(),
            validator: wrapper.validator.clone(),
            options: options::create(&wrapper.options, &object(wrapper)),
        })];
        stmts.extend(acl::on_create(&wrapper.acl, &target(wrapper), None));
        stmts.extend(owner::on_create(wrapper.owner.as_ref(), || owned(wrapper)));
        stmts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn a_wrapper_alters_its_functions_and_options_in_place() {
        let old = ForeignDataWrapper {
            name: "w\n*/ --é".into(),
            handler: None,
            validator: Some(QualName::new("public", "check")),
            options: vec![GenericOption::new("debug".into(), "it's")],
            comment: None,
            acl: Acl::default(),
            owner: None,
        };
        assert_eq!(
            ForeignDataWrapper::create(&old)[0].to_string(),
            "CREATE FOREIGN DATA WRAPPER \"w\n*/ --é\" VALIDATOR public.\"check\" \
             OPTIONS (debug 'it''s')"
        );
        let new = ForeignDataWrapper {
            handler: Some(QualName::new("public", "handle")),
            validator: None,
            options: Vec::new(),
            ..old.clone()
        };
        let Delta::Alter(stmts) = ForeignDataWrapper::compare(&old, &new) else {
            panic!("a wrapper alters in place");
        };
        assert_eq!(
            stmts[0].to_string(),
            "ALTER FOREIGN DATA WRAPPER \"w\n*/ --é\" HANDLER public.handle NO VALIDATOR \
             OPTIONS (DROP debug)"
        );
    }
}
