//! User mappings (`CREATE USER MAPPING FOR role SERVER server`): the
//! options a role (or `PUBLIC`) connects to a foreign server with, held by
//! the server and named by the role's name. The options alter in place,
//! key by key, secrets (a password) as psql variables (see `options.rs`);
//! a mapping is replaced only with its server.
//!
//! The server shows a mapping's options only to a superuser, the server's
//! owner (for `PUBLIC`'s) or the mapped role itself: a read that cannot
//! see them fails rather than take them for none.

use serde::{Deserialize, Serialize};

use super::options::{self, GenericOption};
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, Tag,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, RoleSpec, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMapping {
    pub server: Name,
    /// The mapped role; empty for `PUBLIC`, which no role can be named.
    pub role: Name,
    /// Its options, in the server's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<GenericOption>,
}

/// The role as `FOR` names it.
fn role(mapping: &UserMapping) -> RoleSpec {
    if mapping.role.is_empty() {
        RoleSpec::Public
    } else {
        RoleSpec::Role(Ident(mapping.role.to_string()))
    }
}

fn server(mapping: &UserMapping) -> Ident {
    Ident(mapping.server.to_string())
}

/// The mapping as a message names it.
fn describe(mapping: &UserMapping) -> String {
    format!(
        "user mapping for {} on server {}",
        role(mapping),
        server(mapping)
    )
}

/// How its secrets' variables are named: by the role (`public` for
/// `PUBLIC`) and the server.
fn object(mapping: &UserMapping) -> [&str; 3] {
    let role = if mapping.role.is_empty() {
        "public"
    } else {
        &mapping.role
    };
    ["mapping", role, &mapping.server]
}

/// `visible` repeats the condition under which `pg_user_mappings` shows
/// the options, so that a mapping without options tells apart from one
/// whose options are hidden.
const QUERY: &str = concat!(
    "SELECT um.umid AS oid, um.srvname AS server, \
     CASE WHEN um.umuser = 0 THEN '' ELSE um.usename::pg_catalog.text END AS role, ",
    options_json!("um.umoptions"),
    " AS options, \
     (um.umuser <> 0 AND um.usename = CURRENT_USER \
       AND (pg_catalog.pg_has_role(s.srvowner, 'USAGE') \
         OR pg_catalog.has_server_privilege(s.oid, 'USAGE'))) \
     OR (um.umuser = 0 AND pg_catalog.pg_has_role(s.srvowner, 'USAGE')) \
     OR COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER), false) \
     AS visible \
     FROM pg_catalog.pg_user_mappings um \
     JOIN pg_catalog.pg_foreign_server s ON s.oid = um.srvid",
);

impl ReadKind for UserMapping {
    type Raw = (u32, UserMapping);
    const WHAT: &'static str = "user mappings";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_user_mappings um WHERE um.umid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, UserMapping), IntrospectError> {
        let mut mapping = UserMapping {
            server: row.get_name("server")?,
            role: row.get_name("role")?,
            options: Vec::new(),
        };
        let what = || describe(&mapping);
        if !row.get::<bool>("visible")? {
            return Err(IntrospectError::HiddenOptions { what: what() });
        }
        mapping.options = options::read(row.get("options")?, what)?;
        Ok((row.get("oid")?, mapping))
    }

    fn build(
        rows: Vec<(u32, UserMapping)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<UserMapping>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_user_mapping, rows, |x| ObjectId::UserMapping {
                server: x.server.clone(),
                role: x.role.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for UserMapping {
    type Ref = &'a UserMapping;
    const NOUN: &'static str = "user mapping";
    const SHAPE: Shape = Shape::Mapping;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.user_mappings.iter().map(Obj::UserMapping));
    }

    fn key(mapping: &'a UserMapping) -> [&'a str; 3] {
        [&mapping.server, &mapping.role, ""]
    }

    fn container(mapping: &'a UserMapping) -> Holder<'a> {
        Holder::Object(Key(Tag::ForeignServer, [&mapping.server, "", ""]))
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container == Key(Tag::ForeignServer, [parts[0], "", ""])
    }

    fn table(_: &'a UserMapping) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(_: &'a UserMapping) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a UserMapping, new: &'a UserMapping) -> Delta {
        let options = options::changes(&old.options, &new.options, &object(new));
        if options.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(vec![Stmt::AlterUserMapping {
                role: role(new),
                server: server(new),
                options,
            }])
        }
    }

    fn create(mapping: &'a UserMapping) -> Vec<Stmt> {
        vec![Stmt::CreateUserMapping {
            role: role(mapping),
            server: server(mapping),
            options: options::create(&mapping.options, &object(mapping)),
        }]
    }

    fn drop(mapping: &'a UserMapping) -> Vec<Stmt> {
        vec![Stmt::DropUserMapping {
            role: role(mapping),
            server: server(mapping),
        }]
    }

    /// A server drops only without mappings: each is dropped first.
    fn dropped_with(_: &'a UserMapping, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a UserMapping) -> Option<ObjectId> {
        None
    }

    /// A user mapping has no comment.
    fn comment(_: &'a UserMapping) -> Option<&'a Option<String>> {
        None
    }

    fn comment_target(_: &'a UserMapping) -> Option<CommentTarget> {
        None
    }

    fn shown(mapping: &'a UserMapping) -> Option<Shown> {
        Some(Shown {
            kind: "user mapping",
            statements: Self::create(mapping),
        })
    }

    /// Its role, server and options are names and literals, which scripts
    /// quote.
    fn deparsed(_: &'a UserMapping) -> Vec<(&'a str, TextShape)> {
        Vec::new()
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
    fn a_mapping_alters_its_options_and_hides_its_password() {
        let old = UserMapping {
            server: "s\n--".into(),
            role: String::new().into(),
            options: vec![
                GenericOption::new("user".into(), "app"),
                GenericOption::new("password".into(), "old pass"),
            ],
        };
        let new = UserMapping {
            options: vec![
                GenericOption::new("user".into(), "app"),
                GenericOption::new("password".into(), "new pass"),
            ],
            ..old.clone()
        };
        let var = options::variable(&["mapping", "public", "s\n--"], "password");
        assert_eq!(
            UserMapping::create(&new)[0].to_string(),
            format!(
                "CREATE USER MAPPING FOR PUBLIC SERVER \"s\n--\" OPTIONS (\"user\" 'app', password {var})"
            )
        );
        let Delta::Alter(stmts) = UserMapping::compare(&old, &new) else {
            panic!("a new password alters the mapping");
        };
        assert_eq!(
            stmts[0].to_string(),
            format!("ALTER USER MAPPING FOR PUBLIC SERVER \"s\n--\" OPTIONS (SET password {var})")
        );
        let app = UserMapping {
            role: "app".into(),
            ..old.clone()
        };
        assert_eq!(
            UserMapping::drop(&app)[0].to_string(),
            "DROP USER MAPPING FOR app SERVER \"s\n--\""
        );
    }
}
