//! Changes to roles (`--roles`), which are the cluster's and not the
//! database's: a role is shared by every database of its server, and
//! clients log in as it.
//!
//! - A role dropped: high. Other databases of the cluster may still use
//!   it (then `DROP ROLE` fails, and the script with it), and clients that
//!   log in as it, or as a member of it, lose what it gave them.
//! - A role created or altered to `SUPERUSER`, `BYPASSRLS`, `REPLICATION`
//!   or `CREATEROLE`: high. Each passes a check that the schema's
//!   privileges and policies rely on: every check, row-level security,
//!   reading the whole cluster's changes, making roles.
//! - A membership granted: medium. The member gets every privilege of
//!   the role it joins (and, `WITH ADMIN OPTION`, may hand it on).
//! - A role created with `LOGIN`: low. It has no password until someone
//!   who holds it sets one, since no script carries passwords.

use crate::sql::{RoleOption, Stmt};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

/// The attributes that pass a check the schema relies on.
fn powers(options: &[RoleOption]) -> Vec<&'static str> {
    options
        .iter()
        .filter_map(|option| match option {
            RoleOption::Superuser(true) => Some("SUPERUSER"),
            RoleOption::BypassRls(true) => Some("BYPASSRLS"),
            RoleOption::Replication(true) => Some("REPLICATION"),
            RoleOption::CreateRole(true) => Some("CREATEROLE"),
            _ => None,
        })
        .collect()
}

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let security = |severity, message: String, mitigation: &str| {
        vec![risk(
            Rule::RoleChange,
            site,
            Category::Security,
            severity,
            message,
            mitigation,
        )]
    };
    match site.stmt {
        Stmt::DropGlobal(keyword, name) if keyword.0 == "ROLE" => security(
            Severity::High,
            format!(
                "Role {name} is dropped from the cluster: other databases of the server may \
                 still use it, and clients that log in as it, or as one of its members, lose \
                 what it gave them"
            ),
            "check that no other database of the server uses the role (DROP ROLE fails if one \
             does) and that no client logs in as it, or keep it with --ignore for its objects",
        ),
        Stmt::CreateRole { name, options } | Stmt::AlterRole { name, options } => {
            let powers = powers(options);
            let login = matches!(site.stmt, Stmt::CreateRole { .. })
                && options.contains(&RoleOption::Login(true));
            if !powers.is_empty() {
                security(
                    Severity::High,
                    format!(
                        "Role {name} is given {}, which passes checks the schema's privileges \
                         and policies rely on",
                        powers.join(", ")
                    ),
                    "give the role only the privileges it needs on the objects it uses",
                )
            } else if login {
                security(
                    Severity::Low,
                    format!(
                        "Role {name} is created with LOGIN and no password: no client can log \
                         in as it with a password until one is set"
                    ),
                    "set its password apart, from whoever holds it (psql's \\password)",
                )
            } else {
                Vec::new()
            }
        }
        Stmt::GrantRole {
            role,
            member,
            admin,
        } => security(
            Severity::Medium,
            format!(
                "Role {member} becomes a member of {role}{}: it gets every privilege of {role}",
                if *admin {
                    " WITH ADMIN OPTION, and may grant it to others"
                } else {
                    ""
                }
            ),
            "check that the member needs all of the role's privileges",
        ),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Membership, Role};

    #[test]
    fn drops_powers_memberships_and_logins_are_flagged() {
        let hostile = "r\n*/ --'ö";
        let from = Catalog {
            roles: vec![Role::new(hostile), Role::new("gone")],
            ..Catalog::default()
        };
        let to = Catalog {
            roles: vec![
                Role {
                    superuser: true,
                    member_of: vec![Membership {
                        role: "gone".into(),
                        admin: true,
                    }],
                    ..Role::new(hostile)
                },
                Role {
                    login: true,
                    ..Role::new("app")
                },
            ],
            ..Catalog::default()
        };
        check(
            Rule::RoleChange,
            &from,
            &to,
            &[
                "high security gone: Role gone is dropped from the cluster: other databases of \
                 the server may still use it, and clients that log in as it, or as one of its \
                 members, lose what it gave them",
                "high security \"r\n*/ --'ö\": Role \"r\n*/ --'ö\" is given SUPERUSER, which passes \
                 checks the schema's privileges and policies rely on",
                "medium security \"r\n*/ --'ö\": Role \"r\n*/ --'ö\" becomes a member of gone \
                 WITH ADMIN OPTION, and may grant it to others: it gets every privilege of gone",
                "low security app: Role app is created with LOGIN and no password: no client \
                 can log in as it with a password until one is set",
            ],
        );
        check(Rule::RoleChange, &from, &from, &[]);
    }
}
