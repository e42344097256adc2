//! Foreign servers (`CREATE SERVER`): database objects in no schema, each
//! of a foreign-data wrapper. The version, the options (key by key,
//! secrets as psql variables: see `options.rs`), the privileges (`USAGE`)
//! and the owner alter in place; a new wrapper or type has no `ALTER`, so
//! it drops and creates the server, and with it its user mappings, which
//! `pg_depend` records as depending on it.

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
    CommentTarget, GrantTarget, Ident, Keyword, Literal, OwnedObject, ServerDef, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignServer {
    pub name: Name,
    /// Its foreign-data wrapper.
    pub wrapper: Name,
    /// `TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_type: Option<String>,
    /// `VERSION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
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

const KEYWORD: Keyword = Keyword("SERVER");

/// How its secrets' variables are named.
fn object(server: &ForeignServer) -> [&str; 2] {
    ["server", &server.name]
}

fn ident(server: &ForeignServer) -> Ident {
    Ident(server.name.to_string())
}

fn owned(server: &ForeignServer) -> OwnedObject {
    OwnedObject::Global(KEYWORD, ident(server))
}

fn target(server: &ForeignServer) -> GrantTarget {
    GrantTarget::ForeignServer(ident(server))
}

const QUERY: &str = concat!(
    "SELECT s.oid, s.srvname AS name, w.fdwname AS wrapper, s.srvtype AS server_type, \
     s.srvversion AS version, ",
    options_json!("s.srvoptions"),
    " AS options, cm.description AS comment, \
     pg_catalog.pg_get_userbyid(s.srvowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "s.srvacl",
        "s.srvowner",
        "pg_catalog.acldefault('S', s.srvowner)"
    ),
    " AS acl FROM pg_catalog.pg_foreign_server s \
     JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw",
    comment_join!("pg_foreign_server", "s.oid", "cm"),
    "WHERE ",
    not_extension_member!("pg_foreign_server", "s.oid"),
);

impl ReadKind for ForeignServer {
    type Raw = (u32, ForeignServer);
    const WHAT: &'static str = "foreign servers";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_foreign_server s WHERE s.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, ForeignServer), IntrospectError> {
        let name: Name = row.get_name("name")?;
        let what = || format!("foreign server {}", crate::sql::quote_ident(&name));
        Ok((
            row.get("oid")?,
            ForeignServer {
                wrapper: row.get_name("wrapper")?,
                server_type: row.get("server_type")?,
                version: row.get("version")?,
                options: options::read(row.get("options")?, what)?,
                comment: row.get("comment")?,
                acl: Acl::read(row.get("acl")?, what)?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, ForeignServer)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<ForeignServer>, IntrospectError> {
        Ok(objects.register_each(classes.pg_foreign_server, rows, |x| {
            ObjectId::ForeignServer {
                name: x.name.clone(),
            }
        }))
    }
}

impl<'a> ObjectKind<'a> for ForeignServer {
    type Ref = &'a ForeignServer;
    const NOUN: &'static str = "foreign server";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["foreign server"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.foreign_servers.iter().map(Obj::ForeignServer));
    }

    keyword_object!(ForeignServer, "foreign server");

    fn compare(old: &'a ForeignServer, new: &'a ForeignServer) -> Delta {
        if old.wrapper != new.wrapper || old.server_type != new.server_type {
            return Delta::Replace;
        }
        let version = (old.version != new.version).then(|| new.version.clone().map(Literal));
        let options = options::changes(&old.options, &new.options, &object(new));
        let delta = if version.is_none() && options.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(vec![Stmt::AlterServer {
                name: ident(new),
                version,
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

    fn create(server: &'a ForeignServer) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateServer(ServerDef {
            name: ident(server),
            server_type: server.server_type.clone().map(Literal),
            version: server.version.clone().map(Literal),
            wrapper: Ident(server.wrapper.to_string()),
            options: options::create(&server.options, &object(server)),
        })];
        stmts.extend(acl::on_create(&server.acl, &target(server), None));
        stmts.extend(owner::on_create(server.owner.as_ref(), || owned(server)));
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
    fn a_server_alters_its_version_and_options_and_is_replaced_for_another_wrapper() {
        let old = ForeignServer {
            name: "s'\n*/".into(),
            wrapper: "w".into(),
            server_type: Some("db".into()),
            version: Some("1".into()),
            options: vec![
                GenericOption::new("host".into(), "h"),
                GenericOption::new("password".into(), "hunter2"),
            ],
            comment: None,
            acl: Acl::default(),
            owner: None,
        };
        let sql = ForeignServer::create(&old)[0].to_string();
        let var = options::variable(&["server", "s'\n*/"], "password");
        assert_eq!(
            sql,
            format!(
                "CREATE SERVER \"s'\n*/\" TYPE 'db' VERSION '1' FOREIGN DATA WRAPPER w \
                 OPTIONS (host 'h', password {var})"
            )
        );
        assert!(!sql.contains("hunter2"));
        let new = ForeignServer {
            version: None,
            options: vec![GenericOption::new("host".into(), "h2")],
            ..old.clone()
        };
        let Delta::Alter(stmts) = ForeignServer::compare(&old, &new) else {
            panic!("a new version and options alter the server");
        };
        assert_eq!(
            stmts[0].to_string(),
            "ALTER SERVER \"s'\n*/\" VERSION NULL OPTIONS (DROP password, SET host 'h2')"
        );
        let moved = ForeignServer {
            wrapper: "other".into(),
            ..old.clone()
        };
        assert!(matches!(
            ForeignServer::compare(&old, &moved),
            Delta::Replace
        ));
    }
}
