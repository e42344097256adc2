//! Roles (`--roles`): cluster objects, compared only when asked for. By
//! default pgrift never creates, alters or drops a role; with `--roles` it
//! compares the roles that the two sides' objects use (owners, grantees,
//! the roles of policies, default privileges and user mappings), and the
//! roles those are members of or have as members, over and over: their
//! attributes, their memberships (with `ADMIN OPTION`), their settings
//! for every database (`ALTER ROLE … SET`) and their comments. Everything
//! alters in place; nothing replaces a role.
//!
//! Never compared: passwords (a role created with `LOGIN` gets its password
//! from whoever holds it), the predefined roles (`pg_…`), which no script
//! creates, and the bootstrap superuser, which no script can drop; a
//! membership in either is compared as one of its member. Settings for one
//! database (`ALTER ROLE … IN DATABASE`) and the `INHERIT` and `SET`
//! options of a membership (PostgreSQL 16) are not read.
//!
//! Roles are not read with the rest of a catalog, which belongs to one
//! database: every role of the cluster is read beside it, and [`settle`]
//! picks, once both sides are loaded, the roles either side uses. A plan
//! creates and alters roles before everything else and drops them after
//! everything else (`plan::roles`), since a role is named by objects but
//! depends on none.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::acl::{self, AclGrantee};
use super::owner;
use super::role_map::RoleMap;
use super::{
    Catalog, Delta, Dependency, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects,
    Shape, Shown,
};
use crate::names::{Grantee, Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, Keyword, Literal, RoleOption, RoleSetting, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: Name,
    pub superuser: bool,
    pub create_db: bool,
    pub create_role: bool,
    pub inherit: bool,
    pub login: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    /// `-1` for none.
    pub connection_limit: i32,
    /// When its password stops being accepted, in UTC; `None` for never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The roles it is a member of, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_of: Vec<Membership>,
    /// Its settings for every database, `name=value` as the server keeps
    /// them, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
    pub comment: Option<String>,
}

/// A membership in another role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Membership {
    pub role: Name,
    /// `WITH ADMIN OPTION`: the member may grant the role to others.
    #[serde(default)]
    pub admin: bool,
}

const KEYWORD: Keyword = Keyword("ROLE");

fn ident(role: &Role) -> Ident {
    Ident(role.name.to_string())
}

/// The attributes, in the order `pg_dumpall` writes them.
fn attributes(role: &Role) -> [RoleOption; 9] {
    [
        RoleOption::Superuser(role.superuser),
        RoleOption::Inherit(role.inherit),
        RoleOption::CreateRole(role.create_role),
        RoleOption::CreateDb(role.create_db),
        RoleOption::Login(role.login),
        RoleOption::Replication(role.replication),
        RoleOption::BypassRls(role.bypass_rls),
        RoleOption::ConnectionLimit(role.connection_limit),
        RoleOption::ValidUntil(role.valid_until.clone().map(Literal)),
    ]
}

impl Role {
    /// A role named `name` with the attributes `CREATE ROLE` gives a role
    /// it is not told otherwise, and no memberships, settings or comment.
    pub fn new(name: &str) -> Role {
        Role {
            name: name.into(),
            superuser: false,
            create_db: false,
            create_role: false,
            inherit: true,
            login: false,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            valid_until: None,
            member_of: Vec::new(),
            settings: Vec::new(),
            comment: None,
        }
    }
}

/// The attributes of `new` that differ from `old`'s.
fn changed_attributes(old: &Role, new: &Role) -> Vec<RoleOption> {
    attributes(old)
        .into_iter()
        .zip(attributes(new))
        .filter(|(old, new)| old != new)
        .map(|(_, new)| new)
        .collect()
}

/// The settings whose values are lists of names, each element quoted on
/// its own (as `pg_dump` knows them): written as one literal, the list
/// would be one element.
const LIST_SETTINGS: &[&str] = &[
    "local_preload_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

/// The elements of a list setting as the server keeps it: separated by
/// commas and spaces, each double-quoted where it needs to be, with `""`
/// for a quote inside.
fn list_elements(value: &str) -> Vec<String> {
    let mut elements = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut element = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        element.push('"');
                    } else {
                        break;
                    }
                } else {
                    element.push(c);
                }
            }
            while chars.peek().is_some_and(|c| *c != ',') {
                chars.next();
            }
        } else {
            while let Some(c) = chars.peek().copied().filter(|c| *c != ',') {
                chars.next();
                element.push(c);
            }
            element.truncate(element.trim_end().len());
        }
        elements.push(element);
        if chars.next().is_none() {
            break;
        }
    }
    elements
}

/// A setting as `ALTER ROLE … SET` writes it; `value` `None` resets it.
fn setting(name: &str, value: Option<&str>) -> RoleSetting {
    RoleSetting {
        name: name.split('.').map(|part| Ident(part.to_owned())).collect(),
        value: value.map(|value| {
            if LIST_SETTINGS.contains(&name) {
                list_elements(value).into_iter().map(Literal).collect()
            } else {
                vec![Literal(value.to_owned())]
            }
        }),
    }
}

fn settings(role: &Role) -> BTreeMap<&str, &str> {
    role.settings
        .iter()
        .map(|entry| entry.split_once('=').unwrap_or((entry.as_str(), "")))
        .collect()
}

fn setting_changes(old: &Role, new: &Role) -> Vec<Stmt> {
    let (before, after) = (settings(old), settings(new));
    let reset = before
        .keys()
        .filter(|name| !after.contains_key(*name))
        .map(|name| setting(name, None));
    let set = after
        .iter()
        .filter(|(name, value)| before.get(*name) != Some(*value))
        .map(|(name, value)| setting(name, Some(value)));
    reset
        .chain(set)
        .map(|setting| Stmt::AlterRoleSetting {
            name: ident(new),
            setting,
        })
        .collect()
}

fn membership_changes(old: &Role, new: &Role) -> Vec<Stmt> {
    let find = |role: &Role, name: &Name| role.member_of.iter().find(|m| m.role == *name).cloned();
    let mut stmts = Vec::new();
    for before in &old.member_of {
        match find(new, &before.role) {
            None => stmts.push(Stmt::RevokeRole {
                role: Ident(before.role.to_string()),
                member: ident(new),
                admin_only: false,
            }),
            Some(after) if before.admin && !after.admin => stmts.push(Stmt::RevokeRole {
                role: Ident(before.role.to_string()),
                member: ident(new),
                admin_only: true,
            }),
            Some(_) => {}
        }
    }
    for after in &new.member_of {
        let before = find(old, &after.role);
        if before.is_none() || (after.admin && before.is_some_and(|b| !b.admin)) {
            stmts.push(Stmt::GrantRole {
                role: Ident(after.role.to_string()),
                member: ident(new),
                admin: after.admin,
            });
        }
    }
    stmts
}

impl<'a> ObjectKind<'a> for Role {
    type Ref = &'a Role;
    const NOUN: &'static str = "role";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.roles.iter().map(Obj::Role));
    }

    keyword_object!(Role, "role");

    fn compare(old: &'a Role, new: &'a Role) -> Delta {
        let options = changed_attributes(old, new);
        let mut stmts = Vec::new();
        if !options.is_empty() {
            stmts.push(Stmt::AlterRole {
                name: ident(new),
                options,
            });
        }
        stmts.extend(setting_changes(old, new));
        stmts.extend(membership_changes(old, new));
        if stmts.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(stmts)
        }
    }

    /// `CREATE ROLE` with the attributes that differ from its defaults,
    /// then its settings and memberships.
    fn create(role: &'a Role) -> Vec<Stmt> {
        let none = Role::new("");
        let mut stmts = vec![Stmt::CreateRole {
            name: ident(role),
            options: changed_attributes(&none, role),
        }];
        stmts.extend(setting_changes(&none, role));
        stmts.extend(membership_changes(&none, role));
        stmts
    }
}

/// Reads every role of the cluster, with its memberships and settings;
/// `compared` is false for the roles `--roles` never compares, the
/// predefined ones and the bootstrap superuser (OID 10), which every
/// server has and no script creates. `pg_roles` shows no password, and
/// keeps only the settings for every database (`setdatabase = 0`).
pub const QUERY: &str = "SELECT r.rolname::pg_catalog.text AS name, r.rolsuper, r.rolinherit, \
     r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls, \
     r.rolconnlimit, \
     CASE WHEN r.rolvaliduntil IS NULL OR r.rolvaliduntil = 'infinity' THEN NULL \
     ELSE pg_catalog.to_char(pg_catalog.timezone('UTC', r.rolvaliduntil), \
     'YYYY-MM-DD HH24:MI:SS.US+00') END AS valid_until, \
     COALESCE(r.rolconfig, '{}') AS settings, \
     COALESCE(ms.names, '{}') AS member_of, COALESCE(ms.admins, '{}') AS admin, \
     d.description AS comment, \
     r.rolname !~ '^pg_' AND r.oid <> 10 AS compared \
     FROM pg_catalog.pg_roles r \
     LEFT JOIN LATERAL (SELECT pg_catalog.array_agg(x.name ORDER BY x.name) AS names, \
     pg_catalog.array_agg(x.admin ORDER BY x.name) AS admins \
     FROM (SELECT g.rolname::pg_catalog.text AS name, pg_catalog.bool_or(m.admin_option) AS admin \
     FROM pg_catalog.pg_auth_members m \
     JOIN pg_catalog.pg_roles g ON g.oid = m.roleid \
     WHERE m.member = r.oid GROUP BY g.rolname) x) ms ON true \
     LEFT JOIN pg_catalog.pg_shdescription d ON d.objoid = r.oid \
     AND d.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass \
     ORDER BY r.rolname";

/// A role from a row of [`QUERY`].
pub fn from_row(row: &Reader<'_>) -> Result<Role, IntrospectError> {
    let names: Vec<String> = row.get("member_of")?;
    let admins: Vec<bool> = row.get("admin")?;
    let mut settings: Vec<String> = row.get("settings")?;
    settings.sort();
    Ok(Role {
        name: row.get_name("name")?,
        superuser: row.get("rolsuper")?,
        inherit: row.get("rolinherit")?,
        create_role: row.get("rolcreaterole")?,
        create_db: row.get("rolcreatedb")?,
        login: row.get("rolcanlogin")?,
        replication: row.get("rolreplication")?,
        bypass_rls: row.get("rolbypassrls")?,
        connection_limit: row.get("rolconnlimit")?,
        valid_until: row.get("valid_until")?,
        member_of: names
            .into_iter()
            .zip(admins)
            .map(|(role, admin)| Membership {
                role: role.as_str().into(),
                admin,
            })
            .collect(),
        settings,
        comment: row.get("comment")?,
    })
}

/// The roles `catalog`'s objects name: owners, grantees, the roles of
/// policies, of default privileges and of user mappings.
fn used(catalog: &mut Catalog) -> BTreeSet<Name> {
    let mut roles = BTreeSet::new();
    owner::each_mut(catalog, |owner| roles.extend(owner.clone()));
    acl::each_mut(catalog, |acl| {
        for entry in acl.granted.iter().chain(&acl.revoked) {
            if let AclGrantee::Role(name) = &entry.grantee {
                roles.insert(name.clone());
            }
        }
    });
    roles.extend(catalog.default_acls.iter().filter_map(|d| d.role.clone()));
    for policy in &catalog.policies {
        roles.extend(policy.roles.iter().filter_map(|role| match role {
            Grantee::Role(name) => Some(Name::from(name.as_str())),
            Grantee::Public => None,
        }));
    }
    roles.extend(
        catalog
            .user_mappings
            .iter()
            .filter(|mapping| !mapping.role.is_empty())
            .map(|mapping| mapping.role.clone()),
    );
    roles
}

/// Reads `roles` through the role map, as the objects are read.
fn mapped(mut roles: Vec<Role>, map: &RoleMap) -> Vec<Role> {
    for role in &mut roles {
        role.name = map.role(&role.name).into();
        for membership in &mut role.member_of {
            membership.role = map.role(&membership.role).into();
        }
        role.member_of.sort();
        role.member_of.dedup_by(|a, b| a.role == b.role);
    }
    roles
}

/// `wanted` with the members and memberships of its roles added, over and
/// over, as `lists` have them.
fn closed(mut wanted: BTreeSet<Name>, lists: &[&[Role]]) -> BTreeSet<Name> {
    let mut edges: BTreeMap<&Name, BTreeSet<&Name>> = BTreeMap::new();
    for role in lists.iter().flat_map(|list| list.iter()) {
        for membership in &role.member_of {
            edges
                .entry(&role.name)
                .or_default()
                .insert(&membership.role);
            edges
                .entry(&membership.role)
                .or_default()
                .insert(&role.name);
        }
    }
    let mut todo: Vec<Name> = wanted.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        for next in edges.get(&name).into_iter().flatten() {
            if wanted.insert((*next).clone()) {
                todo.push((*next).clone());
            }
        }
    }
    wanted
}

/// Gives `catalog` the roles of `roles` that are `wanted`, and records
/// each membership between them as a dependency, so that a role is created
/// before its members are granted it.
fn assign(catalog: &mut Catalog, roles: Vec<Role>, wanted: &BTreeSet<Name>) {
    catalog.roles = roles
        .into_iter()
        .filter(|role| wanted.contains(&role.name))
        .collect();
    catalog.roles.sort_by(|a, b| a.name.cmp(&b.name));
    let present: BTreeSet<&Name> = catalog.roles.iter().map(|role| &role.name).collect();
    let memberships: Vec<Dependency> = catalog
        .roles
        .iter()
        .flat_map(|role| {
            role.member_of
                .iter()
                .filter(|m| present.contains(&m.role))
                .map(|m| Dependency {
                    dependent: ObjectId::Role {
                        name: role.name.clone(),
                    },
                    referenced: ObjectId::Role {
                        name: m.role.clone(),
                    },
                })
        })
        .collect();
    catalog.dependencies.extend(memberships);
    catalog.normalize();
}

/// Gives each side the roles either side uses, as its cluster has them
/// (`from_roles`, `to_roles`), both read through the role map first, like
/// the objects.
pub fn settle(
    from: &mut Catalog,
    from_roles: Vec<Role>,
    to: &mut Catalog,
    to_roles: Vec<Role>,
    map: &RoleMap,
) {
    let (from_roles, to_roles) = (mapped(from_roles, map), mapped(to_roles, map));
    let mut used_roles = used(from);
    used_roles.extend(used(to));
    let wanted = closed(used_roles, &[&from_roles, &to_roles]);
    assign(from, from_roles, &wanted);
    assign(to, to_roles, &wanted);
}

/// Gives a live database's catalog, read again to check a plan, the roles
/// it uses and those the plan compared (`compared`), as its cluster has
/// them.
pub fn settle_live(catalog: &mut Catalog, roles: Vec<Role>, compared: &[Name], map: &RoleMap) {
    let roles = mapped(roles, map);
    let mut wanted = used(catalog);
    wanted.extend(compared.iter().cloned());
    let wanted = closed(wanted, &[&roles]);
    assign(catalog, roles, &wanted);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    fn sql(stmts: &[Stmt]) -> Vec<String> {
        stmts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_role_is_created_with_what_differs_from_the_defaults() {
        let hostile = "app\n*/ --'ö";
        let created = Role {
            login: true,
            connection_limit: 5,
            valid_until: Some("2030-01-01 00:00:00.000000+00".into()),
            member_of: vec![Membership {
                role: "readers".into(),
                admin: true,
            }],
            settings: vec![
                "app.tenant=x'y".into(),
                "search_path=app, \"My \"\"Schema\"\"\", public".into(),
            ],
            ..Role::new(hostile)
        };
        assert_eq!(
            sql(&Role::create(&created)),
            [
                "CREATE ROLE \"app\n*/ --'ö\" LOGIN CONNECTION LIMIT 5 \
                 VALID UNTIL '2030-01-01 00:00:00.000000+00'",
                "ALTER ROLE \"app\n*/ --'ö\" SET app.tenant TO 'x''y'",
                "ALTER ROLE \"app\n*/ --'ö\" SET search_path TO 'app', 'My \"Schema\"', 'public'",
                "GRANT readers TO \"app\n*/ --'ö\" WITH ADMIN OPTION",
            ]
        );
        assert_eq!(sql(&Role::drop(&created)), ["DROP ROLE \"app\n*/ --'ö\""]);
    }

    #[test]
    fn attributes_settings_and_memberships_alter_in_place() {
        let old = Role {
            member_of: vec![
                Membership {
                    role: "a".into(),
                    admin: true,
                },
                Membership {
                    role: "b".into(),
                    admin: false,
                },
            ],
            settings: vec!["work_mem=64MB".into(), "statement_timeout=5s".into()],
            ..Role::new("r")
        };
        let new = Role {
            superuser: true,
            inherit: false,
            member_of: vec![
                Membership {
                    role: "a".into(),
                    admin: false,
                },
                Membership {
                    role: "c".into(),
                    admin: false,
                },
            ],
            settings: vec!["statement_timeout=10s".into()],
            ..Role::new("r")
        };
        let Delta::Alter(stmts) = Role::compare(&old, &new) else {
            panic!("a role alters in place");
        };
        assert_eq!(
            sql(&stmts),
            [
                "ALTER ROLE r WITH SUPERUSER NOINHERIT",
                "ALTER ROLE r RESET work_mem",
                "ALTER ROLE r SET statement_timeout TO '10s'",
                "REVOKE ADMIN OPTION FOR a FROM r",
                "REVOKE b FROM r",
                "GRANT c TO r",
            ]
        );
        assert!(matches!(Role::compare(&new, &new), Delta::Same));
    }

    #[test]
    fn list_settings_split_as_the_server_quotes_them() {
        assert_eq!(list_elements("a, b"), ["a", "b"]);
        assert_eq!(list_elements("\"x, y\", \"q\"\"\""), ["x, y", "q\""]);
        assert_eq!(list_elements(""), [""]);
    }

    #[test]
    fn settle_keeps_the_roles_either_side_uses_and_their_memberships() {
        let mut from = Catalog::default();
        let mut to = Catalog::default();
        to.user_mappings.push(crate::catalog::UserMapping {
            server: "s".into(),
            role: "app".into(),
            options: Vec::new(),
        });
        let member = |name: &str, of: &str| Role {
            member_of: vec![Membership {
                role: of.into(),
                admin: false,
            }],
            ..Role::new(name)
        };
        let cluster = vec![
            Role::new("app"),
            member("login", "app"),
            Role::new("unrelated"),
            member("reader", "pg_read_all_data"),
        ];
        settle(
            &mut from,
            cluster.clone(),
            &mut to,
            cluster,
            &RoleMap::default(),
        );
        let names: Vec<&str> = to.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["app", "login"]);
        assert_eq!(from.roles, to.roles);
        assert!(to.dependencies.contains(&Dependency {
            dependent: ObjectId::Role {
                name: "login".into()
            },
            referenced: ObjectId::Role { name: "app".into() },
        }));
    }
}
