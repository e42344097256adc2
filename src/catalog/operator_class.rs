//! Operator classes (`CREATE OPERATOR CLASS`), by name and index access
//! method: the type they index, whether they are its default, their
//! family, storage type and members (see `opfamily_member.rs`). A class is
//! always created in a family named, which the script creates first
//! (`operator_family.rs`).
//!
//! PostgreSQL alters nothing of a class but its name, owner and schema, so
//! any other change drops and creates it, with the indexes and constraints
//! that use it; owner and comment alter in place.

use serde::{Deserialize, Serialize};

use super::opfamily_member::{self, RawMember};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, OpMember, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, Ident, Keyword, ObjectUsing, OpClassDef, OwnedObject, ServerSql, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorClass {
    pub name: QualName,
    /// Its index access method (`btree`, `hash`, `gist` …).
    pub method: Name,
    /// The family it belongs to, of the same access method.
    pub family: QualName,
    /// Whether it is its type's default for the access method.
    pub default: bool,
    /// The type it indexes, as `format_type` prints it.
    pub for_type: String,
    /// The type an index stores, when not the indexed one (`STORAGE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Its members, sorted.
    pub members: Vec<OpMember>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

fn object(class: &OperatorClass) -> ObjectUsing {
    ObjectUsing {
        keyword: Keyword("OPERATOR CLASS"),
        name: class.name.clone(),
        method: Ident(class.method.to_string()),
    }
}

fn definition(class: &OperatorClass) -> OpClassDef {
    OpClassDef {
        name: class.name.clone(),
        default: class.default,
        for_type: ServerSql(class.for_type.clone()),
        method: Ident(class.method.to_string()),
        family: class.family.clone(),
        members: class.members.clone(),
        storage: class.storage.clone().map(ServerSql),
    }
}

const QUERY: &str = concat!(
    "SELECT c.oid, n.nspname AS schema, c.opcname AS name, am.amname AS method, \
     fn.nspname AS family_schema, f.opfname AS family_name, c.opcdefault AS is_default, \
     pg_catalog.format_type(c.opcintype, NULL) AS for_type, \
     CASE WHEN c.opckeytype <> 0 THEN pg_catalog.format_type(c.opckeytype, NULL) END AS storage, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(c.opcowner)::pg_catalog.text AS owner, m.* \
     FROM pg_catalog.pg_opclass c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace \
     JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod \
     JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily \
     JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace",
    comment_join!("pg_opclass", "c.oid", "cm"),
    opfamily_members!("pg_opclass", "c.oid"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_opclass", "c.oid"),
    " ORDER BY c.oid",
);

impl ReadKind for OperatorClass {
    type Raw = (u32, OperatorClass, RawMember);
    const WHAT: &'static str = "operator classes";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_opclass c WHERE c.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Self::Raw, IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let method = row.get_name("method")?;
        let member =
            opfamily_member::read(row, || format!("operator class {name} USING {method}"))?;
        Ok((
            row.get("oid")?,
            OperatorClass {
                family: QualName::new(
                    row.get::<&str>("family_schema")?,
                    row.get::<&str>("family_name")?,
                ),
                default: row.get("is_default")?,
                for_type: row.get("for_type")?,
                storage: row.get("storage")?,
                members: Vec::new(),
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
                method,
            },
            member,
        ))
    }

    fn build(
        rows: Vec<Self::Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<OperatorClass>, IntrospectError> {
        Ok(opfamily_member::build(
            rows,
            classes.pg_opclass,
            classes,
            objects,
            |x| &mut x.members,
            |x| ObjectId::OperatorClass {
                name: x.name.clone(),
                method: x.method.clone(),
            },
        ))
    }
}

impl<'a> ObjectKind<'a> for OperatorClass {
    type Ref = &'a OperatorClass;
    const NOUN: &'static str = "operator class";
    const SHAPE: Shape = Shape::Using;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["operator class"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.operator_classes.iter().map(Obj::OperatorClass));
    }

    named_using_method!(OperatorClass);

    fn compare(old: &'a OperatorClass, new: &'a OperatorClass) -> Delta {
        let definition = if definition(old) != definition(new) {
            Delta::Replace
        } else {
            Delta::Same
        };
        definition.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            OwnedObject::Using(object(new))
        }))
    }

    fn create(class: &'a OperatorClass) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateOpClass(definition(class))];
        stmts.extend(owner::on_create(class.owner.as_ref(), || {
            OwnedObject::Using(object(class))
        }));
        stmts
    }

    fn shown(class: &'a OperatorClass) -> Option<Shown> {
        Some(Shown {
            kind: "operator class",
            statements: vec![Stmt::CreateOpClass(definition(class))],
        })
    }

    fn deparsed(class: &'a OperatorClass) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![(class.for_type.as_str(), TextShape::Fragment)];
        texts.extend(class.storage.as_deref().map(|t| (t, TextShape::Fragment)));
        texts.extend(
            class
                .members
                .iter()
                .flat_map(OpMember::server_text)
                .map(|text| (text, TextShape::Fragment)),
        );
        texts
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
    fn a_class_is_created_in_its_family_and_replaced_on_any_change() {
        let class = OperatorClass {
            name: QualName::new("s\n*/ --\"", "rev"),
            method: "btree".into(),
            family: QualName::new("s\n*/ --\"", "fam"),
            default: false,
            for_type: "integer".into(),
            storage: None,
            members: vec![
                OpMember::Operator {
                    strategy: 1,
                    left: "integer".into(),
                    right: "integer".into(),
                    operator: ">(integer,integer)".into(),
                    order_by: None,
                },
                OpMember::Function {
                    number: 1,
                    left: "integer".into(),
                    right: "integer".into(),
                    function: "\"s\n*/ --\"\"\".cmp(integer,integer)".into(),
                },
            ],
            comment: None,
            owner: None,
        };
        assert_eq!(
            OperatorClass::create(&class)[0].to_string(),
            "CREATE OPERATOR CLASS \"s\n*/ --\"\"\".rev FOR TYPE integer USING btree \
             FAMILY \"s\n*/ --\"\"\".fam AS OPERATOR 1 >(integer,integer), \
             FUNCTION 1 (integer, integer) \"s\n*/ --\"\"\".cmp(integer,integer)"
        );
        let mut empty = class.clone();
        empty.members.clear();
        assert!(
            OperatorClass::create(&empty)[0]
                .to_string()
                .ends_with("AS STORAGE integer"),
            "a class with no members of its own stores its type"
        );
        let mut default = class.clone();
        default.default = true;
        assert_eq!(OperatorClass::compare(&class, &default), Delta::Replace);
        assert_eq!(OperatorClass::compare(&class, &class), Delta::Same);
    }
}
