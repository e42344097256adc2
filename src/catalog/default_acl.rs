//! Default privileges (`ALTER DEFAULT PRIVILEGES`): the privileges that the
//! tables, sequences, functions, types or schemas a role creates from now
//! on get, in one schema or in every schema of the database.
//!
//! One object per row of `pg_default_acl`: a role, a schema or none, and a
//! kind of object. Its privileges are held as an ACL relative to what such
//! an object gets without it, like an object's own ([`Acl`]): for an entry
//! of the whole database that is `acldefault` (so `REVOKE EXECUTE ON
//! FUNCTIONS FROM PUBLIC` is a privilege taken away), for an entry of one
//! schema nothing, since such an entry can only add to the other. The
//! role's own privileges are those of [`AclGrantee::Owner`]. There is no
//! `CREATE` or `DROP`: an entry is created by its first `GRANT` or
//! `REVOKE` and goes when it holds the default again, so every change is
//! the `GRANT`s and `REVOKE`s between the two ACLs, and an entry that goes
//! away is turned back to the default.
//!
//! Default privileges change nothing that exists: they are written after
//! every other create of a script (last in the registry's ranks), so that
//! what the script creates gets the privileges TO gives it and no more. An
//! entry of one schema goes with its schema (`DROP SCHEMA` removes it), so
//! it is taken back before the schema is dropped. Its role is compared by
//! name; `None` is the role that runs the script, as for owners (a schema
//! file's `ALTER DEFAULT PRIVILEGES` without `FOR ROLE`, see `owner.rs`).
//! Default privileges on large objects (PostgreSQL 18) are not modelled,
//! and are reported as such.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::acl::{self, Acl, AclGrantee};
use super::{
    Catalog, ClassIds, CreatedAcl, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind,
    ObjectMap, Objects, ReadKind, Shape, Shown,
};
use crate::names::{DefaultObjects, Name, Privilege, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, GrantTarget, Ident, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultAcl {
    /// The role whose new objects get the privileges; `None` for the role
    /// that runs the script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Name>,
    /// The schema whose new objects get them; `None` for every schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Name>,
    pub objects: DefaultObjects,
    /// The privileges, relative to what the objects get without the entry.
    pub acl: Acl,
}

impl DefaultAcl {
    fn target(&self) -> GrantTarget {
        GrantTarget::Defaults {
            role: self.role.as_ref().map(|role| Ident(role.to_string())),
            schema: self.schema.as_ref().map(|schema| Ident(schema.to_string())),
            objects: self.objects,
        }
    }
}

/// The `GRANT`s and `REVOKE`s from `old` to `new` of the entry `at`; the
/// entry's own role is its owner.
fn changes(old: &Acl, new: &Acl, at: &DefaultAcl) -> Vec<Stmt> {
    acl::changes(
        old,
        new,
        &at.target(),
        None,
        &super::owner::role(at.role.as_ref()),
    )
}

/// An entry of the whole database is relative to `acldefault` for its kind
/// (`defaclobjtype` names sequences `S`, `acldefault` `s`); one of a schema
/// to no privileges. Large objects (`L`) are left to the warning.
const QUERY: &str = concat!(
    "SELECT da.oid, pg_catalog.pg_get_userbyid(da.defaclrole)::pg_catalog.text AS role, \
     n.nspname AS schema, da.defaclobjtype AS objects, ",
    acl_json!(
        "da.defaclacl",
        "da.defaclrole",
        "CASE WHEN da.defaclnamespace = 0 THEN pg_catalog.acldefault(CASE da.defaclobjtype \
         WHEN 'S' THEN 's'::pg_catalog.\"char\" ELSE da.defaclobjtype END, da.defaclrole) END"
    ),
    " AS acl FROM pg_catalog.pg_default_acl da \
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = da.defaclnamespace \
     WHERE da.defaclobjtype <> 'L' AND (da.defaclnamespace = 0 OR ",
    user_schema!("n"),
    ")",
);

impl ReadKind for DefaultAcl {
    type Raw = (u32, DefaultAcl);
    const WHAT: &'static str = "default privileges";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_default_acl da WHERE da.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, DefaultAcl), IntrospectError> {
        let role = row.get_name("role")?;
        let schema: Option<String> = row.get("schema")?;
        let what = || {
            let mut what = format!(
                "the default privileges of {}",
                crate::sql::quote_ident(&role)
            );
            if let Some(schema) = &schema {
                what.push_str(&format!(" in schema {}", crate::sql::quote_ident(schema)));
            }
            what
        };
        let code = row.get_char("objects")?;
        let objects = DefaultObjects::from_code(code)
            .ok_or_else(|| IntrospectError::unknown_code(what(), "defaclobjtype", code))?;
        let acl = Acl::read(row.get("acl")?, what)?;
        Ok((
            row.get("oid")?,
            DefaultAcl {
                role: Some(role),
                schema: schema.map(Into::into),
                objects,
                acl,
            },
        ))
    }

    /// Default privileges are not registered: nothing depends on them,
    /// what they depend on is their schema, their container, and their
    /// identity names a role that `owner::forget` and the role map change
    /// after the dependencies are read.
    fn build(
        rows: Vec<(u32, DefaultAcl)>,
        _: &ClassIds,
        _: &mut ObjectMap,
    ) -> Result<Vec<DefaultAcl>, IntrospectError> {
        Ok(rows.into_iter().map(|(_, x)| x).collect())
    }
}

impl<'a> ObjectKind<'a> for DefaultAcl {
    type Ref = &'a DefaultAcl;
    const NOUN: &'static str = "default privileges";
    const SHAPE: Shape = Shape::Defaults;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["default privileges"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.default_acls.iter().map(Obj::DefaultAcl));
    }

    /// The schema and the role, each empty when there is none, and the
    /// kind of objects. An entry of every schema is in none, so
    /// `--schema` leaves it out.
    fn key(x: &'a DefaultAcl) -> [&'a str; 3] {
        [
            x.schema.as_deref().unwrap_or(""),
            x.role.as_deref().unwrap_or(""),
            x.objects.word(),
        ]
    }

    fn container(x: &'a DefaultAcl) -> Holder<'a> {
        match &x.schema {
            Some(schema) => Holder::schema(schema),
            None => Holder::Nothing,
        }
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        !parts[0].is_empty() && container.is_schema_of(parts)
    }

    fn table(_: &'a DefaultAcl) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(_: &'a DefaultAcl) -> Vec<QualName> {
        Vec::new()
    }

    /// An entry of a schema that is dropped is taken back before the
    /// schema's `DROP`, as any object in it is dropped first.
    fn dropped_with(_: &'a DefaultAcl, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a DefaultAcl) -> Option<ObjectId> {
        None
    }

    fn compare(old: &'a DefaultAcl, new: &'a DefaultAcl) -> Delta {
        match changes(&old.acl, &new.acl, new) {
            stmts if stmts.is_empty() => Delta::Same,
            stmts => Delta::Alter(stmts),
        }
    }

    fn create(x: &'a DefaultAcl) -> Vec<Stmt> {
        changes(&Acl::default(), &x.acl, x)
    }

    fn drop(x: &'a DefaultAcl) -> Vec<Stmt> {
        changes(&x.acl, &Acl::default(), x)
    }

    fn comment(_: &'a DefaultAcl) -> Option<&'a Option<String>> {
        None
    }

    fn comment_target(_: &'a DefaultAcl) -> Option<CommentTarget> {
        None
    }

    fn shown(x: &'a DefaultAcl) -> Option<Shown> {
        Some(Shown {
            kind: "default privileges",
            statements: Self::create(x),
        })
    }

    /// Roles, schemas and privileges are names, which scripts quote.
    fn deparsed(_: &'a DefaultAcl) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

/// The statements that leave an object a script creates with exactly the
/// privileges TO gives it, whatever default privileges its `CREATE` met.
/// Those in force when it runs are FROM's (the script changes default
/// privileges last), but which role runs it, and so which role's entries
/// apply, the script cannot know: every grantee and privilege that an entry
/// of FROM for the object's kind, of the whole database or of its schema,
/// names is granted or revoked explicitly.
pub fn settle_on_create(defaults: &[DefaultAcl], created: &CreatedAcl<'_>) -> Vec<Stmt> {
    let mut keys: BTreeMap<(AclGrantee, Privilege), bool> = BTreeMap::new();
    let applies = |x: &&DefaultAcl| {
        x.objects == created.objects
            && match &x.schema {
                None => true,
                Some(schema) => created.schema == Some(schema.as_str()),
            }
    };
    for x in defaults.iter().filter(applies) {
        for entry in &x.acl.granted {
            *keys
                .entry((entry.grantee.clone(), entry.privilege))
                .or_default() |= entry.grant_option;
        }
        for entry in &x.acl.revoked {
            keys.entry((entry.grantee.clone(), entry.privilege))
                .or_default();
        }
    }
    let keys: Vec<(AclGrantee, Privilege, bool)> = keys
        .into_iter()
        .map(|((grantee, privilege), option)| (grantee, privilege, option))
        .collect();
    let objects = created.objects;
    acl::settle(
        created.acl,
        &keys,
        |grantee, privilege| match grantee {
            AclGrantee::Owner => true,
            AclGrantee::Public => matches!(
                (objects, privilege),
                (DefaultObjects::Functions, Privilege::Execute)
                    | (DefaultObjects::Types, Privilege::Usage)
            ),
            AclGrantee::Role(_) => false,
        },
        &created.target,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::acl::{AclEntry, AclGrantee};
    use crate::names::Privilege;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    fn entry(grantee: AclGrantee, privilege: Privilege) -> AclEntry {
        AclEntry {
            grantee,
            privilege,
            grant_option: false,
        }
    }

    fn sql(stmts: Vec<Stmt>) -> Vec<String> {
        stmts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn default_privileges_are_granted_and_revoked_for_their_role_and_schema() {
        let hostile = AclGrantee::Role("read\"er\n*/ --".into());
        let in_schema = DefaultAcl {
            role: Some("app é".into()),
            schema: Some("s;--".into()),
            objects: DefaultObjects::Tables,
            acl: Acl {
                granted: vec![
                    entry(hostile.clone(), Privilege::Select),
                    entry(AclGrantee::Public, Privilege::Insert),
                ],
                revoked: Vec::new(),
            },
        };
        assert_eq!(
            sql(DefaultAcl::create(&in_schema)),
            [
                "ALTER DEFAULT PRIVILEGES FOR ROLE \"app é\" IN SCHEMA \"s;--\" GRANT INSERT ON TABLES TO PUBLIC",
                "ALTER DEFAULT PRIVILEGES FOR ROLE \"app é\" IN SCHEMA \"s;--\" GRANT SELECT ON TABLES TO \"read\"\"er\n*/ --\"",
            ]
        );
        let global = DefaultAcl {
            role: None,
            schema: None,
            objects: DefaultObjects::Functions,
            acl: Acl {
                granted: vec![entry(hostile, Privilege::Execute)],
                revoked: vec![entry(AclGrantee::Public, Privilege::Execute)],
            },
        };
        assert_eq!(
            sql(DefaultAcl::drop(&global)),
            [
                "ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC",
                "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM \"read\"\"er\n*/ --\"",
            ]
        );
        let own = DefaultAcl {
            acl: Acl {
                granted: Vec::new(),
                revoked: vec![entry(AclGrantee::Owner, Privilege::Execute)],
            },
            ..global.clone()
        };
        assert_eq!(
            sql(DefaultAcl::create(&own)),
            ["ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM CURRENT_USER"]
        );
        assert_eq!(DefaultAcl::compare(&global, &global), Delta::Same);
    }

    #[test]
    fn a_new_object_is_settled_against_every_default_that_may_have_met_it() {
        let reader = AclGrantee::Role("read\"er\n*/ --".into());
        let defaults = vec![
            DefaultAcl {
                role: Some("app".into()),
                schema: None,
                objects: DefaultObjects::Functions,
                acl: Acl {
                    granted: Vec::new(),
                    revoked: vec![entry(AclGrantee::Public, Privilege::Execute)],
                },
            },
            DefaultAcl {
                role: None,
                schema: Some("s".into()),
                objects: DefaultObjects::Functions,
                acl: Acl {
                    granted: vec![AclEntry {
                        grant_option: true,
                        ..entry(reader.clone(), Privilege::Execute)
                    }],
                    revoked: Vec::new(),
                },
            },
            DefaultAcl {
                role: None,
                schema: Some("other".into()),
                objects: DefaultObjects::Functions,
                acl: Acl {
                    granted: vec![entry(
                        AclGrantee::Role("elsewhere".into()),
                        Privilege::Execute,
                    )],
                    revoked: Vec::new(),
                },
            },
        ];
        let acl = Acl {
            granted: vec![entry(reader, Privilege::Execute)],
            revoked: Vec::new(),
        };
        let created = CreatedAcl {
            acl: &acl,
            target: GrantTarget::Function {
                kind: crate::names::FunctionKind::Function,
                name: QualName::new("s", "f"),
                args: crate::sql::ServerSql(String::new()),
            },
            objects: DefaultObjects::Functions,
            schema: Some("s"),
        };
        assert_eq!(
            sql(settle_on_create(&defaults, &created)),
            [
                "GRANT EXECUTE ON FUNCTION s.f() TO PUBLIC",
                "REVOKE GRANT OPTION FOR EXECUTE ON FUNCTION s.f() FROM \"read\"\"er\n*/ --\"",
            ]
        );
    }
}
