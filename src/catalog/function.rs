//! Functions and procedures, one object per overload. A new body is
//! `CREATE OR REPLACE`d in place; a change PostgreSQL will not replace (result
//! type, argument names or defaults, function versus procedure) drops and
//! creates the function and everything that depends on it.
//!
//! Aggregates and window functions are reported as warnings:
//! `pg_get_functiondef` cannot print them.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{FunctionKind, Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, GrantTarget, OwnedObject, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: QualName,
    pub kind: FunctionKind,
    /// `pg_get_function_identity_arguments`: the part of the signature that
    /// tells overloads apart.
    pub identity_args: String,
    /// `pg_get_function_arguments`: names, modes and defaults too.
    pub arguments: String,
    /// `pg_get_function_result`, absent for procedures.
    pub result: Option<String>,
    /// The complete `CREATE OR REPLACE` statement as `pg_get_functiondef`
    /// prints it.
    pub definition: String,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`): by default `PUBLIC` may execute it.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

/// A new body is `CREATE OR REPLACE`d, which keeps the privileges and the
/// owner; a new
/// signature or result drops and creates the function.
pub fn compare(old: &Function, new: &Function) -> Delta {
    let definition = if old.definition == new.definition {
        Delta::Same
    } else if old.kind != new.kind || old.result != new.result || old.arguments != new.arguments {
        Delta::Replace
    } else {
        Delta::Alter(vec![define(new)])
    };
    definition
        .and(acl::alter(
            &old.acl,
            &new.acl,
            &grant_target(new),
            old.owner.as_ref(),
        ))
        .and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            owned(new)
        }))
}

fn owned(function: &Function) -> OwnedObject {
    OwnedObject::Function {
        kind: function.kind,
        name: function.name.clone(),
        args: ServerSql(function.identity_args.clone()),
    }
}

fn grant_target(function: &Function) -> GrantTarget {
    GrantTarget::Function {
        kind: function.kind,
        name: function.name.clone(),
        args: ServerSql(function.identity_args.clone()),
    }
}

fn define(function: &Function) -> Stmt {
    Stmt::CreateFunction(ServerSql(function.definition.clone()))
}

pub fn create(function: &Function) -> Vec<Stmt> {
    let mut stmts = vec![define(function)];
    stmts.extend(acl::on_create(&function.acl, &grant_target(function), None));
    stmts.extend(owner::on_create(function.owner.as_ref(), || {
        owned(function)
    }));
    stmts
}

pub fn drop(function: &Function) -> Vec<Stmt> {
    vec![Stmt::DropFunction {
        kind: function.kind,
        name: function.name.clone(),
        args: ServerSql(function.identity_args.clone()),
    }]
}

pub struct Raw {
    oid: u32,
    name: QualName,
    kind: FunctionKind,
    identity_args: String,
    arguments: String,
    result: Option<String>,
    definition: String,
    comment: Option<String>,
    acl: Acl,
    owner: Option<Name>,
}

const QUERY: &str = concat!(
    "SELECT p.oid, n.nspname AS schema, p.proname AS name, p.prokind AS kind, \
     pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args, \
     pg_catalog.pg_get_function_arguments(p.oid) AS arguments, \
     pg_catalog.pg_get_function_result(p.oid) AS result, \
     pg_catalog.pg_get_functiondef(p.oid) AS definition, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(p.proowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "p.proacl",
        "p.proowner",
        "pg_catalog.acldefault('f', p.proowner)"
    ),
    " AS acl \
     FROM pg_catalog.pg_proc p \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace",
    comment_join!("pg_proc", "p.oid", "cm"),
    "WHERE p.prokind IN ('f', 'p') AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_proc", "p.oid"),
    // The constructors of a range or multirange type belong to the type.
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend td \
      WHERE td.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND td.objid = p.oid \
      AND td.deptype = 'i')",
);

const WHAT: &str = "functions";

/// `prokind`: the query reads only `f` and `p`.
fn function_kind(prokind: char) -> FunctionKind {
    match prokind {
        'p' => FunctionKind::Procedure,
        _ => FunctionKind::Function,
    }
}

impl<'a> ObjectKind<'a> for Function {
    type Ref = &'a Function;
    const NOUN: &'static str = "function";
    const SHAPE: Shape = Shape::Call;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.functions.iter().map(Obj::Function));
    }

    in_schema_with!(Function, identity_args);

    fn table(_: &'a Function) -> Option<&'a QualName> {
        None
    }

    /// Functions are not in the namespace of relations and types.
    fn claimed_names(_: &'a Function) -> Vec<QualName> {
        Vec::new()
    }

    fn created_acl(x: &'a Function) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: grant_target(x),
            objects: crate::names::DefaultObjects::Functions,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a Function, new: &'a Function) -> Delta {
        compare(old, new)
    }

    fn create(function: &'a Function) -> Vec<Stmt> {
        create(function)
    }

    fn drop(function: &'a Function) -> Vec<Stmt> {
        drop(function)
    }

    fn dropped_with(_: &'a Function, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a Function) -> Option<ObjectId> {
        None
    }

    fn comment(function: &'a Function) -> Option<&'a Option<String>> {
        Some(&function.comment)
    }

    fn comment_target(function: &'a Function) -> Option<CommentTarget> {
        Some(CommentTarget::Function {
            kind: function.kind,
            name: function.name.clone(),
            args: ServerSql(function.identity_args.clone()),
        })
    }

    fn shown(function: &'a Function) -> Option<Shown> {
        Some(Shown {
            kind: function.kind.noun(),
            statements: create(function),
        })
    }

    fn deparsed(function: &'a Function) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![(function.definition.as_str(), TextShape::Routine)];
        texts.extend(
            [&function.identity_args, &function.arguments]
                .into_iter()
                .chain(&function.result)
                .map(|fragment| (fragment.as_str(), TextShape::Fragment)),
        );
        texts
    }
}

impl ReadKind for Function {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_proc p WHERE p.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        let kind = function_kind(row.get_char("kind")?);
        let name = QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?);
        let identity_args: String = row.get("identity_args")?;
        Ok(Raw {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || {
                format!("function {name}({identity_args})")
            })?,
            owner: Some(row.get_name("owner")?),
            name,
            kind,
            identity_args,
            arguments: row.get("arguments")?,
            // A procedure has no result; the model says so whatever the
            // server prints.
            result: match kind {
                FunctionKind::Procedure => None,
                FunctionKind::Function | FunctionKind::Aggregate => row.get("result")?,
            },
            definition: row.get("definition")?,
            comment: row.get("comment")?,
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Function>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::Function {
                    name: row.name.clone(),
                    args: row.identity_args.as_str().into(),
                };
                objects.insert(classes.pg_proc, row.oid, 0, id);
                Function {
                    name: row.name,
                    kind: row.kind,
                    identity_args: row.identity_args,
                    arguments: row.arguments,
                    result: row.result,
                    definition: row.definition,
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

    #[test]
    fn kinds() {
        assert_eq!(function_kind('f'), FunctionKind::Function);
        assert_eq!(function_kind('p'), FunctionKind::Procedure);
    }
}
