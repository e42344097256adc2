//! Enum types. Labels added without disturbing the order of the existing
//! ones are added in place (`ADD VALUE … BEFORE/AFTER`); a label removed or
//! moved recreates the type: the old type is renamed aside, the new one is
//! created, columns are retyped through `text`, and the old type is dropped.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, rename_aside,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, EnumPosition, Literal, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: QualName,
    /// Labels in their sort order (`enumsortorder`).
    pub labels: Vec<String>,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`): by default `PUBLIC` may use it.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

pub fn compare(old: &EnumType, new: &EnumType) -> Delta {
    if old.labels == new.labels {
        return Delta::Same;
    }
    if recreates(old, new) {
        return Delta::Alter(vec![
            rename_aside("TYPE", &old.name),
            Stmt::CreateEnum {
                name: new.name.clone(),
                labels: labels(new),
            },
        ]);
    }
    let mut stmts = Vec::new();
    for (i, label) in new.labels.iter().enumerate() {
        if old.labels.contains(label) {
            continue;
        }
        let position = match i.checked_sub(1).map(|p| &new.labels[p]) {
            Some(previous) => EnumPosition::After(Literal(previous.clone())),
            None => match new.labels.get(1) {
                Some(next) => EnumPosition::Before(Literal(next.clone())),
                None => EnumPosition::End,
            },
        };
        stmts.push(Stmt::AlterEnumAddValue {
            name: new.name.clone(),
            label: Literal(label.clone()),
            position,
        });
    }
    Delta::Alter(stmts)
}

/// True when labels were removed or the existing ones reordered, which
/// PostgreSQL cannot do in place.
pub fn recreates(old: &EnumType, new: &EnumType) -> bool {
    let kept: Vec<&String> = new
        .labels
        .iter()
        .filter(|l| old.labels.contains(l))
        .collect();
    kept.len() != old.labels.len() || kept.iter().zip(&old.labels).any(|(a, b)| *a != b)
}

/// The statement that ends a recreation: the old type, renamed aside, goes.
pub fn finish_recreate(old: &EnumType) -> Vec<Stmt> {
    vec![Stmt::DropType(old.name.set_aside())]
}

fn labels(ty: &EnumType) -> Vec<Literal> {
    ty.labels.iter().cloned().map(Literal).collect()
}

pub fn create(ty: &EnumType) -> Vec<Stmt> {
    vec![Stmt::CreateEnum {
        name: ty.name.clone(),
        labels: labels(ty),
    }]
}

pub fn drop(ty: &EnumType) -> Vec<Stmt> {
    vec![Stmt::DropType(ty.name.clone())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(labels: &[&str]) -> EnumType {
        EnumType {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "mood"),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            comment: None,
        }
    }

    fn render(delta: Delta) -> Vec<String> {
        match delta {
            Delta::Alter(stmts) => stmts.iter().map(|s| s.to_string()).collect(),
            other => panic!("expected an alter, got {other:?}"),
        }
    }

    #[test]
    fn added_labels_go_in_place() {
        let out = render(compare(&ty(&["b", "d"]), &ty(&["a", "b", "c", "d", "e"])));
        assert_eq!(
            out,
            [
                "ALTER TYPE public.mood ADD VALUE 'a' BEFORE 'b'",
                "ALTER TYPE public.mood ADD VALUE 'c' AFTER 'b'",
                "ALTER TYPE public.mood ADD VALUE 'e' AFTER 'd'",
            ]
        );
    }

    #[test]
    fn removed_or_reordered_labels_recreate() {
        assert!(recreates(&ty(&["a", "b"]), &ty(&["a"])));
        assert!(recreates(&ty(&["a", "b"]), &ty(&["b", "a"])));
        assert!(!recreates(&ty(&["a", "b"]), &ty(&["a", "x", "b"])));
    }
}

pub struct Raw {
    oid: u32,
    /// The array type PostgreSQL creates with every enum (`_mood`); a column
    /// of type `mood[]` depends on it.
    array_oid: u32,
    name: QualName,
    labels: Vec<String>,
    comment: Option<String>,
    acl: Acl,
    owner: Option<Name>,
}

/// The labels come from an `ARRAY(...)` subquery rather than `array_agg`, so
/// an enum without labels reads as an empty list and not as `NULL`.
const QUERY: &str = concat!(
    "SELECT t.oid, t.typarray AS array_oid, n.nspname AS schema, t.typname AS name, \
     ARRAY(SELECT e.enumlabel::pg_catalog.text FROM pg_catalog.pg_enum e \
           WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(t.typowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "t.typacl",
        "t.typowner",
        "pg_catalog.acldefault('T', t.typowner)"
    ),
    " AS acl \
     FROM pg_catalog.pg_type t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
    comment_join!("pg_type", "t.oid", "cm"),
    "WHERE t.typtype = 'e' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

const WHAT: &str = "enum types";

impl<'a> ObjectKind<'a> for EnumType {
    type Ref = &'a EnumType;
    const NOUN: &'static str = "type";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.enums.iter().map(Obj::Type));
    }

    fn key(ty: &'a EnumType) -> [&'a str; 3] {
        [&ty.name.schema, &ty.name.name, ""]
    }

    fn container(ty: &'a EnumType) -> Holder<'a> {
        Holder::schema(&ty.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(_: &'a EnumType) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(ty: &'a EnumType) -> Vec<QualName> {
        vec![ty.name.clone()]
    }

    /// A type set aside and created again gets its privileges and owner
    /// as a new one; otherwise they alter in place.
    fn created_acl(x: &'a EnumType) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: crate::sql::GrantTarget::Type(x.name.clone()),
            objects: crate::names::DefaultObjects::Types,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a EnumType, new: &'a EnumType) -> Delta {
        let set_aside = Self::sets_aside(old, new);
        let privileges = acl::of_type(&old.acl, old.owner.as_ref(), &new.acl, &new.name, set_aside);
        let owner = owner::of_type(old.owner.as_ref(), new.owner.as_ref(), set_aside, || {
            owner::named("TYPE", &new.name)
        });
        compare(old, new).and(privileges).and(owner)
    }

    fn create(ty: &'a EnumType) -> Vec<Stmt> {
        let mut stmts = acl::create_type(create(ty), &ty.acl, &ty.name);
        stmts.extend(owner::on_create(ty.owner.as_ref(), || {
            owner::named("TYPE", &ty.name)
        }));
        stmts
    }

    fn drop(ty: &'a EnumType) -> Vec<Stmt> {
        drop(ty)
    }

    fn dropped_with(_: &'a EnumType, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a EnumType) -> Option<ObjectId> {
        None
    }

    fn comment(ty: &'a EnumType) -> Option<&'a Option<String>> {
        Some(&ty.comment)
    }

    fn comment_target(ty: &'a EnumType) -> Option<CommentTarget> {
        Some(CommentTarget::Type(ty.name.clone()))
    }

    fn shown(_: &'a EnumType) -> Option<Shown> {
        None
    }

    fn finish_alter(old: &'a EnumType, new: &'a EnumType) -> Vec<Stmt> {
        if recreates(old, new) {
            finish_recreate(old)
        } else {
            Vec::new()
        }
    }

    /// A recreated enum retypes its columns and replaces everything else
    /// that uses it.
    fn sets_aside(old: &'a EnumType, new: &'a EnumType) -> bool {
        recreates(old, new)
    }

    /// An enum holds its name and labels, which scripts quote.
    fn deparsed(_: &'a EnumType) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

impl ReadKind for EnumType {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_type t WHERE t.oid >= 16384 AND t.typtype = 'e'");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || {
                format!("enum type {}", row.get::<&str>("name").unwrap_or_default())
            })?,
            owner: Some(row.get_name("owner")?),
            array_oid: row.get("array_oid")?,
            name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
            labels: row.get("labels")?,
            comment: row.get("comment")?,
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<EnumType>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::Type {
                    name: row.name.clone(),
                };
                if row.array_oid != 0 {
                    objects.insert(classes.pg_type, row.array_oid, 0, id.clone());
                }
                objects.insert(classes.pg_type, row.oid, 0, id);
                EnumType {
                    name: row.name,
                    labels: row.labels,
                    comment: row.comment,
                    acl: row.acl,
                    owner: row.owner,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }
}
