//! Domains (`CREATE DOMAIN`): a base type with a collation, a default, `NOT
//! NULL` and named `CHECK` constraints. The default, `NOT NULL` and the
//! checks alter in place (`ALTER DOMAIN`); a check whose expression changes
//! is dropped and added again, one that turns valid is validated, and one
//! that turns `NOT VALID` is added again without validation.
//!
//! A new base type or collation cannot be altered: the domain is recreated
//! as an enum is. The old domain is renamed aside, the new one created, its
//! columns retyped through `text`, and the old one dropped; everything else
//! that uses it (defaults, indexes, functions, views) goes and comes back.
//! A domain over a domain that is recreated this way is not rebuilt with
//! it (see "Limitations" in the README).

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, comment,
};
use crate::names::QualName;
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, DomainAction, DomainDef, Ident, Keyword, ObjectName, ServerSql, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub name: QualName,
    /// The base type as `format_type` prints it, with its modifiers.
    pub base_type: String,
    /// The collation, when it differs from the base type's.
    pub collation: Option<QualName>,
    /// The default expression as `pg_get_expr` prints it.
    pub default: Option<String>,
    pub not_null: bool,
    /// The `CHECK` constraints, by name.
    pub checks: Vec<DomainCheck>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    pub name: String,
    /// `CHECK (…)` as `pg_get_constraintdef` prints it, without the `NOT
    /// VALID` that it appends to a check not validated.
    pub definition: String,
    pub validated: bool,
    pub comment: Option<String>,
}

/// What `pg_get_constraintdef` prints for a domain's check.
const CHECK: TextShape = TextShape::FragmentStarting(&["CHECK"]);

fn object(domain: &Domain) -> ObjectName {
    ObjectName {
        keyword: Keyword("DOMAIN"),
        name: domain.name.clone(),
    }
}

fn alter(domain: &QualName, action: DomainAction) -> Stmt {
    Stmt::AlterDomain {
        name: domain.clone(),
        action,
    }
}

fn add_check(domain: &QualName, check: &DomainCheck) -> Stmt {
    alter(
        domain,
        DomainAction::AddConstraint {
            name: Ident(check.name.clone()),
            check: ServerSql(check.definition.clone()),
            not_valid: !check.validated,
        },
    )
}

fn check_target(domain: &QualName, check: &DomainCheck) -> CommentTarget {
    CommentTarget::DomainConstraint(domain.clone(), Ident(check.name.clone()))
}

fn check_comment(domain: &QualName, check: &DomainCheck) -> Stmt {
    comment(check_target(domain, check), &check.comment)
}

/// True when `old` cannot become `new` in place.
fn recreates(old: &Domain, new: &Domain) -> bool {
    old.base_type != new.base_type || old.collation != new.collation
}

pub fn compare(old: &Domain, new: &Domain) -> Delta {
    if recreates(old, new) {
        let mut stmts = vec![alter(
            &old.name,
            DomainAction::RenameTo(Ident(old.name.set_aside().name.to_string())),
        )];
        stmts.extend(create(new));
        // The new domain's comments are set here: it is not a created
        // object to the diff, which compares the comments of the two as
        // those of one object.
        stmts.extend(new.checks.iter().filter(|c| c.comment.is_some()).map(|c| check_comment(&new.name, c)));
        if new.comment.is_some() {
            stmts.push(comment(
                CommentTarget::Object(object(new)),
                &new.comment,
            ));
        }
        return Delta::Alter(stmts);
    }
    let mut stmts = Vec::new();
    let name = &new.name;
    if old.default != new.default {
        stmts.push(match &new.default {
            Some(default) => alter(name, DomainAction::SetDefault(ServerSql(default.clone()))),
            None => alter(name, DomainAction::DropDefault),
        });
    }
    for check in &old.checks {
        let kept = new.checks.iter().find(|c| c.name == check.name);
        let goes = kept.is_none_or(|c| {
            c.definition != check.definition || (check.validated && !c.validated)
        });
        if goes {
            stmts.push(alter(
                name,
                DomainAction::DropConstraint(Ident(check.name.clone())),
            ));
        }
    }
    if old.not_null != new.not_null {
        stmts.push(alter(
            name,
            if new.not_null {
                DomainAction::SetNotNull
            } else {
                DomainAction::DropNotNull
            },
        ));
    }
    for check in &new.checks {
        let kept = old
            .checks
            .iter()
            .find(|c| c.name == check.name && c.definition == check.definition)
            .filter(|before| !before.validated || check.validated);
        match kept {
            Some(before) => {
                if !before.validated && check.validated {
                    stmts.push(alter(
                        name,
                        DomainAction::ValidateConstraint(Ident(check.name.clone())),
                    ));
                }
                if before.comment != check.comment {
                    stmts.push(check_comment(name, check));
                }
            }
            None => {
                stmts.push(add_check(name, check));
                if check.comment.is_some() {
                    stmts.push(check_comment(name, check));
                }
            }
        }
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// `CREATE DOMAIN` with its validated checks, then the checks that are not
/// validated, which only `ALTER DOMAIN … ADD CONSTRAINT … NOT VALID` makes.
pub fn create(domain: &Domain) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::CreateDomain(DomainDef {
        name: domain.name.clone(),
        base_type: ServerSql(domain.base_type.clone()),
        collation: domain.collation.clone(),
        default: domain.default.clone().map(ServerSql),
        not_null: domain.not_null,
        checks: domain
            .checks
            .iter()
            .filter(|c| c.validated)
            .map(|c| (Ident(c.name.clone()), ServerSql(c.definition.clone())))
            .collect(),
    })];
    stmts.extend(
        domain
            .checks
            .iter()
            .filter(|c| !c.validated)
            .map(|c| add_check(&domain.name, c)),
    );
    stmts
}

pub struct Raw {
    oid: u32,
    array_oid: u32,
    name: QualName,
    base_type: String,
    collation: Option<QualName>,
    default: Option<String>,
    not_null: bool,
    check_oids: Vec<u32>,
    check_names: Vec<String>,
    check_definitions: Vec<String>,
    check_validated: Vec<bool>,
    check_comments: Vec<Option<String>>,
    comment: Option<String>,
}

/// The checks come as parallel arrays in one order. From PostgreSQL 17 a
/// domain's `NOT NULL` is a constraint too (`contype = 'n'`); `typnotnull`
/// says the same on every version, so only checks are read as constraints.
/// The collation is read only when it differs from the base type's.
const QUERY: &str = concat!(
    "SELECT t.oid, t.typarray AS array_oid, n.nspname AS schema, t.typname AS name, \
     pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type, \
     CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation \
          THEN con.nspname END AS collation_schema, \
     CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation \
          THEN co.collname END AS collation_name, \
     pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expression, \
     t.typnotnull AS not_null, \
     ARRAY(SELECT k.oid FROM pg_catalog.pg_constraint k \
           WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS check_oids, \
     ARRAY(SELECT k.conname::pg_catalog.text FROM pg_catalog.pg_constraint k \
           WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS check_names, \
     ARRAY(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k \
           WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS check_definitions, \
     ARRAY(SELECT k.convalidated FROM pg_catalog.pg_constraint k \
           WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS check_validated, \
     ARRAY(SELECT kd.description FROM pg_catalog.pg_constraint k \
           LEFT JOIN pg_catalog.pg_description kd ON kd.objoid = k.oid \
           AND kd.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND kd.objsubid = 0 \
           WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS check_comments, \
     cm.description AS comment \
     FROM pg_catalog.pg_type t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype \
     LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation \
     LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace",
    comment_join!("pg_type", "t.oid", "cm"),
    "WHERE t.typtype = 'd' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

const WHAT: &str = "domains";

impl<'a> ObjectKind<'a> for Domain {
    type Ref = &'a Domain;
    const NOUN: &'static str = "domain";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["domain"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.domains.iter().map(Obj::Domain));
    }

    fn key(domain: &'a Domain) -> [&'a str; 3] {
        [&domain.name.schema, &domain.name.name, ""]
    }

    fn container(domain: &'a Domain) -> Holder<'a> {
        Holder::schema(&domain.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(_: &'a Domain) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(domain: &'a Domain) -> Vec<QualName> {
        vec![domain.name.clone()]
    }

    fn compare(old: &'a Domain, new: &'a Domain) -> Delta {
        compare(old, new)
    }

    fn create(domain: &'a Domain) -> Vec<Stmt> {
        create(domain)
    }

    fn drop(domain: &'a Domain) -> Vec<Stmt> {
        vec![Stmt::DropObject(object(domain))]
    }

    fn dropped_with(_: &'a Domain, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a Domain) -> Option<ObjectId> {
        None
    }

    fn comment(domain: &'a Domain) -> Option<&'a Option<String>> {
        Some(&domain.comment)
    }

    fn comment_target(domain: &'a Domain) -> Option<CommentTarget> {
        Some(CommentTarget::Object(object(domain)))
    }

    fn part_comment_targets(domain: &'a Domain) -> Vec<CommentTarget> {
        domain
            .checks
            .iter()
            .map(|c| check_target(&domain.name, c))
            .collect()
    }

    /// The domain's comment and its checks' comments.
    fn comments_on_create(domain: &'a Domain) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        if domain.comment.is_some() {
            stmts.push(comment(
                CommentTarget::Object(object(domain)),
                &domain.comment,
            ));
        }
        stmts.extend(
            domain
                .checks
                .iter()
                .filter(|c| c.comment.is_some())
                .map(|c| check_comment(&domain.name, c)),
        );
        stmts
    }

    /// The domain's own comment; its checks' comments are part of
    /// [`compare`], which adds and drops the checks.
    fn comments_changed(old: &'a Domain, new: &'a Domain) -> Vec<Stmt> {
        if old.comment == new.comment || recreates(old, new) {
            return Vec::new();
        }
        vec![comment(CommentTarget::Object(object(new)), &new.comment)]
    }

    fn shown(domain: &'a Domain) -> Option<Shown> {
        Some(Shown {
            kind: "domain",
            statements: create(domain),
        })
    }

    fn finish_alter(old: &'a Domain, new: &'a Domain) -> Vec<Stmt> {
        if recreates(old, new) {
            vec![Stmt::DropObject(ObjectName {
                keyword: Keyword("DOMAIN"),
                name: old.name.set_aside(),
            })]
        } else {
            Vec::new()
        }
    }

    /// A recreated domain retypes its columns and replaces everything else
    /// that uses it.
    fn alter_spreads(old: &'a Domain, new: &'a Domain, _statements: &[Stmt]) -> bool {
        recreates(old, new)
    }

    fn deparsed(domain: &'a Domain) -> Vec<(&'a str, TextShape)> {
        let mut out = vec![(domain.base_type.as_str(), TextShape::Fragment)];
        if let Some(default) = &domain.default {
            out.push((default, TextShape::Fragment));
        }
        out.extend(domain.checks.iter().map(|c| (c.definition.as_str(), CHECK)));
        out
    }
}

impl ReadKind for Domain {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        let collation = match (
            row.get::<Option<String>>("collation_schema")?,
            row.get::<Option<String>>("collation_name")?,
        ) {
            (Some(schema), Some(name)) => Some(QualName::new(schema, name)),
            _ => None,
        };
        Ok(Raw {
            oid: row.get("oid")?,
            array_oid: row.get("array_oid")?,
            name: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?),
            base_type: row.get("base_type")?,
            collation,
            default: row.get("default_expression")?,
            not_null: row.get("not_null")?,
            check_oids: row.get("check_oids")?,
            check_names: row.get("check_names")?,
            check_definitions: row.get("check_definitions")?,
            check_validated: row.get("check_validated")?,
            check_comments: row.get("check_comments")?,
            comment: row.get("comment")?,
        })
    }

    /// Registers the domain, its array type and its checks as one object,
    /// so that a column of the domain or of its array, and a function a
    /// check calls, are dependencies of the domain.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Domain>, IntrospectError> {
        rows.into_iter()
            .map(|row| {
                let n = row.check_oids.len();
                if [
                    row.check_names.len(),
                    row.check_definitions.len(),
                    row.check_validated.len(),
                    row.check_comments.len(),
                ]
                .iter()
                .any(|&len| len != n)
                {
                    return Err(IntrospectError::Inconsistent {
                        what: format!("domain {}", row.name),
                        missing: "as many names, definitions and states as checks".into(),
                    });
                }
                let id = ObjectId::Domain {
                    name: row.name.clone(),
                };
                if row.array_oid != 0 {
                    objects.insert(classes.pg_type, row.array_oid, 0, id.clone());
                }
                for &oid in &row.check_oids {
                    objects.insert(classes.pg_constraint, oid, 0, id.clone());
                }
                objects.insert(classes.pg_type, row.oid, 0, id);
                let checks = row
                    .check_names
                    .into_iter()
                    .zip(row.check_definitions)
                    .zip(row.check_validated)
                    .zip(row.check_comments)
                    .map(|(((name, definition), validated), comment)| {
                        let definition = if validated {
                            definition
                        } else {
                            definition
                                .strip_suffix(" NOT VALID")
                                .unwrap_or(&definition)
                                .to_owned()
                        };
                        DomainCheck {
                            name,
                            definition,
                            validated,
                            comment,
                        }
                    })
                    .collect();
                Ok(Domain {
                    name: row.name,
                    base_type: row.base_type,
                    collation: row.collation,
                    default: row.default,
                    not_null: row.not_null,
                    checks,
                    comment: row.comment,
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

    fn check(name: &str, definition: &str, validated: bool) -> DomainCheck {
        DomainCheck {
            name: name.into(),
            definition: definition.into(),
            validated,
            comment: None,
        }
    }

    fn domain(base_type: &str, checks: Vec<DomainCheck>) -> Domain {
        Domain {
            name: QualName::new("public", "email"),
            base_type: base_type.into(),
            collation: None,
            default: None,
            not_null: false,
            checks,
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
    fn checks_are_added_dropped_validated_and_replaced_in_place() {
        let old = domain(
            "text",
            vec![
                check("gone", "CHECK ((VALUE <> ''::text))", true),
                check("later", "CHECK ((length(VALUE) < 100))", false),
                check("moved", "CHECK ((VALUE ~ '@'::text))", true),
            ],
        );
        let mut new = domain(
            "text",
            vec![
                check("later", "CHECK ((length(VALUE) < 100))", true),
                check("moved", "CHECK ((VALUE ~ '.@.'::text))", true),
                check("new", "CHECK ((VALUE = lower(VALUE)))", false),
            ],
        );
        new.not_null = true;
        new.default = Some("'x@y'::text".into());
        assert_eq!(
            render(compare(&old, &new)),
            [
                "ALTER DOMAIN public.email SET DEFAULT 'x@y'::text",
                "ALTER DOMAIN public.email DROP CONSTRAINT gone",
                "ALTER DOMAIN public.email DROP CONSTRAINT moved",
                "ALTER DOMAIN public.email SET NOT NULL",
                "ALTER DOMAIN public.email VALIDATE CONSTRAINT later",
                "ALTER DOMAIN public.email ADD CONSTRAINT moved CHECK ((VALUE ~ '.@.'::text))",
                "ALTER DOMAIN public.email ADD CONSTRAINT new CHECK ((VALUE = lower(VALUE))) NOT VALID",
            ]
        );
    }

    #[test]
    fn a_new_base_type_sets_the_old_domain_aside() {
        let old = domain("character varying(100)", Vec::new());
        let new = domain("text", vec![check("later", "CHECK ((VALUE <> ''::text))", false)]);
        assert_eq!(
            render(compare(&old, &new)),
            [
                "ALTER DOMAIN public.email RENAME TO email__pgrift_old",
                "CREATE DOMAIN public.email AS text",
                "ALTER DOMAIN public.email ADD CONSTRAINT later CHECK ((VALUE <> ''::text)) NOT VALID",
            ]
        );
        assert_eq!(
            <Domain as ObjectKind<'_>>::finish_alter(&old, &new)
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ["DROP DOMAIN public.email__pgrift_old"]
        );
    }
}
