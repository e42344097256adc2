//! Operator families (`CREATE OPERATOR FAMILY`), by name and index access
//! method, with their *loose* members: the operators and support functions
//! added with `ALTER OPERATOR FAMILY … ADD` rather than with a class (see
//! `opfamily_member.rs`). Every family is created on its own, also the one
//! `CREATE OPERATOR CLASS` would make by itself, so that its classes name
//! it (`FAMILY`) whatever created it.
//!
//! Members are added and dropped in place; owner and comment alter in
//! place. Dropping a family drops its classes, which are dropped first.

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
use crate::sql::{CommentTarget, Ident, Keyword, ObjectUsing, OwnedObject, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorFamily {
    pub name: QualName,
    /// Its index access method (`btree`, `hash`, `gist` …).
    pub method: Name,
    /// Its loose members, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<OpMember>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

fn object(family: &OperatorFamily) -> ObjectUsing {
    ObjectUsing {
        keyword: Keyword("OPERATOR FAMILY"),
        name: family.name.clone(),
        method: Ident(family.method.to_string()),
    }
}

/// `ALTER OPERATOR FAMILY … DROP` the members `gone`, then `ADD` the
/// members `added`.
fn alter_members(family: &OperatorFamily, gone: Vec<OpMember>, added: Vec<OpMember>) -> Vec<Stmt> {
    [(false, gone), (true, added)]
        .into_iter()
        .filter(|(_, members)| !members.is_empty())
        .map(|(add, members)| Stmt::AlterOpFamily {
            family: object(family),
            add,
            members,
        })
        .collect()
}

const QUERY: &str = concat!(
    "SELECT f.oid, n.nspname AS schema, f.opfname AS name, am.amname AS method, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(f.opfowner)::pg_catalog.text AS owner, m.* \
     FROM pg_catalog.pg_opfamily f \
     JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace \
     JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod",
    comment_join!("pg_opfamily", "f.oid", "cm"),
    opfamily_members!("pg_opfamily", "f.oid"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_opfamily", "f.oid"),
    " ORDER BY f.oid",
);

impl ReadKind for OperatorFamily {
    type Raw = (u32, OperatorFamily, RawMember);
    const WHAT: &'static str = "operator families";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_opfamily f WHERE f.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Self::Raw, IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let method = row.get_name("method")?;
        let member =
            opfamily_member::read(row, || format!("operator family {name} USING {method}"))?;
        Ok((
            row.get("oid")?,
            OperatorFamily {
                name,
                method,
                members: Vec::new(),
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
            },
            member,
        ))
    }

    fn build(
        rows: Vec<Self::Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<OperatorFamily>, IntrospectError> {
        Ok(opfamily_member::build(
            rows,
            classes.pg_opfamily,
            classes,
            objects,
            |x| &mut x.members,
            |x| ObjectId::OperatorFamily {
                name: x.name.clone(),
                method: x.method.clone(),
            },
        ))
    }
}

impl<'a> ObjectKind<'a> for OperatorFamily {
    type Ref = &'a OperatorFamily;
    const NOUN: &'static str = "operator family";
    const SHAPE: Shape = Shape::Using;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["operator family"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.operator_families.iter().map(Obj::OperatorFamily));
    }

    named_using_method!(OperatorFamily);

    fn compare(old: &'a OperatorFamily, new: &'a OperatorFamily) -> Delta {
        let (gone, added) = opfamily_member::changes(&old.members, &new.members);
        let members = match alter_members(new, gone, added) {
            stmts if stmts.is_empty() => Delta::Same,
            stmts => Delta::Alter(stmts),
        };
        members.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            OwnedObject::Using(object(new))
        }))
    }

    fn create(family: &'a OperatorFamily) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateOpFamily {
            name: family.name.clone(),
            method: Ident(family.method.to_string()),
        }];
        stmts.extend(alter_members(family, Vec::new(), family.members.clone()));
        stmts.extend(owner::on_create(family.owner.as_ref(), || {
            OwnedObject::Using(object(family))
        }));
        stmts
    }

    /// Its members are shown with its class, or in `ALTER OPERATOR
    /// FAMILY` statements a reviewer reads in the script.
    fn shown(_: &'a OperatorFamily) -> Option<Shown> {
        None
    }

    fn deparsed(family: &'a OperatorFamily) -> Vec<(&'a str, TextShape)> {
        family
            .members
            .iter()
            .flat_map(OpMember::server_text)
            .map(|text| (text, TextShape::Fragment))
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

    #[test]
    fn members_are_dropped_then_added_in_place() {
        let member = |strategy: i16, operator: &str| OpMember::Operator {
            strategy,
            left: "integer".into(),
            right: "bigint".into(),
            operator: operator.into(),
            order_by: None,
        };
        let old = OperatorFamily {
            name: QualName::new("s\n*/ --\"", "fam"),
            method: "btree".into(),
            members: vec![member(1, "<(integer,bigint)")],
            comment: None,
            owner: None,
        };
        let mut new = old.clone();
        new.members = vec![
            member(2, "<=(integer,bigint)"),
            OpMember::Function {
                number: 1,
                left: "integer".into(),
                right: "bigint".into(),
                function: "btint48cmp(integer,bigint)".into(),
            },
        ];
        new.members.sort();
        let Delta::Alter(stmts) = OperatorFamily::compare(&old, &new) else {
            panic!("new members alter the family in place");
        };
        let sql: Vec<String> = stmts.iter().map(ToString::to_string).collect();
        assert_eq!(
            sql,
            [
                "ALTER OPERATOR FAMILY \"s\n*/ --\"\"\".fam USING btree DROP OPERATOR 1 (integer, bigint)",
                "ALTER OPERATOR FAMILY \"s\n*/ --\"\"\".fam USING btree ADD OPERATOR 2 <=(integer,bigint), \
                 FUNCTION 1 (integer, bigint) btint48cmp(integer,bigint)",
            ]
        );
        assert_eq!(OperatorFamily::compare(&old, &old), Delta::Same);
    }
}
