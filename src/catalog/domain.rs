//! Domains (`CREATE DOMAIN`): a base type with a collation, a default and
//! `NOT NULL`, altered in place (`ALTER DOMAIN`). Their `CHECK` constraints
//! are objects of their own (`domain_check.rs`), so that a check that calls
//! a function being replaced is dropped and added again around it.
//!
//! A new base type or collation cannot be altered: the domain is recreated
//! as an enum is. The old domain is renamed aside, the new one created, its
//! columns retyped through `text`, and the old one dropped; everything else
//! that uses it (defaults, indexes, functions, views) goes and comes back.
//! A domain over a domain that is recreated this way is not rebuilt with
//! it (see "Limitations" in the README).

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
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`): by default `PUBLIC` may use it.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("DOMAIN");

fn object(domain: &Domain) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: domain.name.clone(),
    }
}

fn alter(domain: &QualName, action: DomainAction) -> Stmt {
    Stmt::AlterDomain {
        name: domain.clone(),
        action,
    }
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
        stmts.push(create(new));
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
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// `CREATE DOMAIN`; its checks are added after it, as objects of their own.
pub fn create(domain: &Domain) -> Stmt {
    Stmt::CreateDomain(DomainDef {
        name: domain.name.clone(),
        base_type: ServerSql(domain.base_type.clone()),
        collation: domain.collation.clone(),
        default: domain.default.clone().map(ServerSql),
        not_null: domain.not_null,
    })
}

pub struct Raw {
    oid: u32,
    array_oid: u32,
    name: QualName,
    base_type: String,
    collation: Option<QualName>,
    default: Option<String>,
    not_null: bool,
    comment: Option<String>,
    acl: Acl,
    owner: Option<Name>,
}

/// The collation is read only when it differs from the base type's. From
/// PostgreSQL 17 a domain's `NOT NULL` is a constraint too; `typnotnull`
/// says the same on every version.
const QUERY: &str = concat!(
    "SELECT t.oid, t.typarray AS array_oid, n.nspname AS schema, t.typname AS name, \
     pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type, \
     CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation \
          THEN con.nspname END AS collation_schema, \
     CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation \
          THEN co.collname END AS collation_name, \
     pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expression, \
     t.typnotnull AS not_null, cm.description AS comment, \
     pg_catalog.pg_get_userbyid(t.typowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "t.typacl",
        "t.typowner",
        "pg_catalog.acldefault('T', t.typowner)"
    ),
    " AS acl \
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

    /// A type set aside and created again gets its privileges and owner
    /// as a new one; otherwise they alter in place.
    fn created_acl(x: &'a Domain) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: crate::sql::GrantTarget::Type(x.name.clone()),
            objects: crate::names::DefaultObjects::Types,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a Domain, new: &'a Domain) -> Delta {
        let set_aside = Self::sets_aside(old, new);
        let privileges = acl::of_type(&old.acl, old.owner.as_ref(), &new.acl, &new.name, set_aside);
        let owner = owner::of_type(old.owner.as_ref(), new.owner.as_ref(), set_aside, || {
            owner::named("DOMAIN", &new.name)
        });
        compare(old, new).and(privileges).and(owner)
    }

    fn create(domain: &'a Domain) -> Vec<Stmt> {
        let mut stmts = acl::create_type(vec![create(domain)], &domain.acl, &domain.name);
        stmts.extend(owner::on_create(domain.owner.as_ref(), || {
            owner::named("DOMAIN", &domain.name)
        }));
        stmts
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

    fn shown(domain: &'a Domain) -> Option<Shown> {
        Some(Shown {
            kind: "domain",
            statements: vec![create(domain)],
        })
    }

    fn finish_alter(old: &'a Domain, new: &'a Domain) -> Vec<Stmt> {
        if recreates(old, new) {
            vec![Stmt::DropObject(ObjectName {
                keyword: KEYWORD,
                name: old.name.set_aside(),
            })]
        } else {
            Vec::new()
        }
    }

    /// A recreated domain retypes its columns and replaces everything else
    /// that uses it, its checks included.
    fn sets_aside(old: &'a Domain, new: &'a Domain) -> bool {
        recreates(old, new)
    }

    fn deparsed(domain: &'a Domain) -> Vec<(&'a str, TextShape)> {
        let mut out = vec![(domain.base_type.as_str(), TextShape::Fragment)];
        if let Some(default) = &domain.default {
            out.push((default, TextShape::Fragment));
        }
        out
    }
}

impl ReadKind for Domain {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_type t WHERE t.oid >= 16384 AND t.typtype = 'd'");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || {
                format!("domain {}", row.get::<&str>("name").unwrap_or_default())
            })?,
            owner: Some(row.get_name("owner")?),
            array_oid: row.get("array_oid")?,
            name: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?),
            base_type: row.get("base_type")?,
            collation: row.get_qual_name("collation_schema", "collation_name")?,
            default: row.get("default_expression")?,
            not_null: row.get("not_null")?,
            comment: row.get("comment")?,
        })
    }

    /// Registers the domain and its array type as one object, so that a
    /// column of either is a dependency of the domain.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Domain>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::Domain {
                    name: row.name.clone(),
                };
                if row.array_oid != 0 {
                    objects.insert(classes.pg_type, row.array_oid, 0, id.clone());
                }
                objects.insert(classes.pg_type, row.oid, 0, id);
                Domain {
                    name: row.name,
                    base_type: row.base_type,
                    collation: row.collation,
                    default: row.default,
                    not_null: row.not_null,
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

    fn domain(base_type: &str) -> Domain {
        Domain {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "email"),
            base_type: base_type.into(),
            collation: None,
            default: None,
            not_null: false,
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
    fn default_and_not_null_alter_in_place() {
        let old = domain("text");
        let mut new = domain("text");
        new.not_null = true;
        new.default = Some("'x@y'::text".into());
        assert_eq!(
            render(compare(&old, &new)),
            [
                "ALTER DOMAIN public.email SET DEFAULT 'x@y'::text",
                "ALTER DOMAIN public.email SET NOT NULL",
            ]
        );
        assert_eq!(
            render(compare(&new, &old)),
            [
                "ALTER DOMAIN public.email DROP DEFAULT",
                "ALTER DOMAIN public.email DROP NOT NULL",
            ]
        );
    }

    #[test]
    fn a_new_base_type_sets_the_old_domain_aside() {
        let old = domain("character varying(100)");
        let new = domain("text");
        assert_eq!(
            render(compare(&old, &new)),
            [
                "ALTER DOMAIN public.email RENAME TO email__pgrift_old",
                "CREATE DOMAIN public.email AS text",
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
