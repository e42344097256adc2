//! The `CHECK` constraints of domains, each an object of its own, held by
//! its domain: added and dropped with `ALTER DOMAIN`, validated in place
//! when it turns valid, and dropped and added again when its expression
//! changes or it turns `NOT VALID`. As its own object a check is dropped
//! and added again around what it depends on: a function it calls that is
//! replaced, or its domain when that is recreated for a new base type.
//!
//! A check is always added after its domain is created, never inside
//! `CREATE DOMAIN`: a `NOT VALID` one can only be added that way, and a new
//! domain holds no values to check.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, Tag,
};
use crate::names::QualName;
use crate::read::{IntrospectError, Reader, strip_not_valid};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, DomainAction, Ident, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    pub domain: QualName,
    pub name: String,
    /// `CHECK (…)` as `pg_get_constraintdef` prints it, without the `NOT
    /// VALID` that it appends to a check not validated.
    pub definition: String,
    pub validated: bool,
    pub comment: Option<String>,
}

/// What `pg_get_constraintdef` prints for a domain's check.
const DEFINITION: TextShape = TextShape::FragmentStarting(&["CHECK"]);

fn alter(check: &DomainCheck, action: DomainAction) -> Stmt {
    Stmt::AlterDomain {
        name: check.domain.clone(),
        action,
    }
}

pub fn compare(old: &DomainCheck, new: &DomainCheck) -> Delta {
    if old.definition != new.definition || (old.validated && !new.validated) {
        Delta::Replace
    } else if !old.validated && new.validated {
        Delta::Alter(vec![alter(
            new,
            DomainAction::ValidateConstraint(Ident(new.name.clone())),
        )])
    } else {
        Delta::Same
    }
}

fn create(check: &DomainCheck) -> Stmt {
    alter(
        check,
        DomainAction::AddConstraint {
            name: Ident(check.name.clone()),
            check: ServerSql(check.definition.clone()),
            not_valid: !check.validated,
        },
    )
}

pub struct Raw {
    oid: u32,
    domain: QualName,
    name: String,
    definition: String,
    validated: bool,
    comment: Option<String>,
}

/// The checks of the domains `domain.rs` reads: the same schemas, and not
/// an extension's domain. From PostgreSQL 17 a domain's `NOT NULL` is a
/// constraint too (`contype = 'n'`), read as the domain's `typnotnull`.
const QUERY: &str = concat!(
    "SELECT k.oid, n.nspname AS schema, t.typname AS domain_name, k.conname AS name, \
     pg_catalog.pg_get_constraintdef(k.oid) AS definition, k.convalidated AS validated, \
     cm.description AS comment \
     FROM pg_catalog.pg_constraint k \
     JOIN pg_catalog.pg_type t ON t.oid = k.contypid \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
    comment_join!("pg_constraint", "k.oid", "cm"),
    "WHERE k.contype = 'c' AND t.typtype = 'd' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

const WHAT: &str = "domain checks";

impl<'a> ObjectKind<'a> for DomainCheck {
    type Ref = &'a DomainCheck;
    const NOUN: &'static str = "domain check";
    const SHAPE: Shape = Shape::On;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.domain_checks.iter().map(Obj::DomainCheck));
    }

    fn key(check: &'a DomainCheck) -> [&'a str; 3] {
        [&check.domain.schema, &check.domain.name, &check.name]
    }

    fn container(check: &'a DomainCheck) -> Holder<'a> {
        Holder::Object(Key(
            Tag::Domain,
            [&check.domain.schema, &check.domain.name, ""],
        ))
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container == Key(Tag::Domain, [parts[0], parts[1], ""])
    }

    fn table(_: &'a DomainCheck) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(_: &'a DomainCheck) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a DomainCheck, new: &'a DomainCheck) -> Delta {
        compare(old, new)
    }

    fn create(check: &'a DomainCheck) -> Vec<Stmt> {
        vec![create(check)]
    }

    fn drop(check: &'a DomainCheck) -> Vec<Stmt> {
        vec![alter(
            check,
            DomainAction::DropConstraint(Ident(check.name.clone())),
        )]
    }

    fn dropped_with(check: &'a DomainCheck, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        Some(ObjectId::Domain {
            name: check.domain.clone(),
        })
    }

    fn created_with(_: &'a DomainCheck) -> Option<ObjectId> {
        None
    }

    fn comment(check: &'a DomainCheck) -> Option<&'a Option<String>> {
        Some(&check.comment)
    }

    fn comment_target(check: &'a DomainCheck) -> Option<CommentTarget> {
        Some(CommentTarget::DomainConstraint(
            check.domain.clone(),
            Ident(check.name.clone()),
        ))
    }

    fn shown(check: &'a DomainCheck) -> Option<Shown> {
        Some(Shown {
            kind: "domain check",
            statements: vec![create(check)],
        })
    }

    fn deparsed(check: &'a DomainCheck) -> Vec<(&'a str, TextShape)> {
        vec![(&check.definition, DEFINITION)]
    }
}

impl ReadKind for DomainCheck {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_constraint k WHERE k.contypid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            domain: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("domain_name")?),
            name: row.get("name")?,
            definition: row.get("definition")?,
            validated: row.get("validated")?,
            comment: row.get("comment")?,
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<DomainCheck>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::DomainCheck {
                    domain: row.domain.clone(),
                    name: row.name.as_str().into(),
                };
                objects.insert(classes.pg_constraint, row.oid, 0, id);
                DomainCheck {
                    definition: strip_not_valid(&row.definition).to_owned(),
                    domain: row.domain,
                    name: row.name,
                    validated: row.validated,
                    comment: row.comment,
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

    fn check(definition: &str, validated: bool) -> DomainCheck {
        DomainCheck {
            domain: QualName::new("public", "email"),
            name: "has_at".into(),
            definition: definition.into(),
            validated,
            comment: None,
        }
    }

    #[test]
    fn a_check_turning_valid_is_validated_in_place() {
        let at = "CHECK ((VALUE ~ '@'::text))";
        match compare(&check(at, false), &check(at, true)) {
            Delta::Alter(stmts) => assert_eq!(
                stmts[0].to_string(),
                "ALTER DOMAIN public.email VALIDATE CONSTRAINT has_at"
            ),
            other => panic!("expected an alter, got {other:?}"),
        }
        assert_eq!(compare(&check(at, true), &check(at, false)), Delta::Replace);
        assert_eq!(
            compare(
                &check(at, true),
                &check("CHECK ((VALUE ~ '.@.'::text))", true)
            ),
            Delta::Replace
        );
        assert_eq!(
            create(&check(at, false)).to_string(),
            "ALTER DOMAIN public.email ADD CONSTRAINT has_at CHECK ((VALUE ~ '@'::text)) NOT VALID"
        );
    }
}
