//! A `REVOKE` on an object that already exists takes a privilege away from
//! a role that may be using it: a client connected as that role, or as a
//! role that inherits from it, fails with "permission denied" from the
//! moment the script commits. Which role used a privilege is not recorded
//! anywhere in PostgreSQL, so the rule is medium on its own; on a live FROM
//! the probes read the table's use since its statistics began
//! (`pg_stat_user_tables`: scans for `SELECT`, rows inserted, updated and
//! deleted for the others) and the sessions of the role now connected, and
//! lower it to low when nothing used the privilege, or raise it to high
//! when the table was used that way and the role is connected. Taking away
//! only the grant option leaves the privilege itself (low). A `REVOKE`
//! that follows an object's `CREATE` in the same script takes away nothing
//! anyone held, and is not a risk; nor is one of default privileges, which
//! changes only what is created later.

use crate::diff::ChangeKind;
use crate::sql::{GrantTarget, RoleSpec, Stmt};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::Revoke(revoke) = site.stmt else {
        return Vec::new();
    };
    if site.change.kind == ChangeKind::Create
        || matches!(revoke.target, GrantTarget::Defaults { .. })
    {
        return Vec::new();
    }
    let privileges = revoke
        .privileges
        .iter()
        .map(|p| p.keyword())
        .collect::<Vec<_>>()
        .join(", ");
    let on = match &revoke.column {
        Some(column) => format!("{privileges} ({column}) on {}", revoke.target),
        None => format!("{privileges} on {}", revoke.target),
    };
    let (what, whom, severity) = if revoke.grant_option {
        (
            "the grant option of ",
            "can no longer grant it to others",
            Severity::Low,
        )
    } else {
        ("", "fail with \"permission denied\"", Severity::Medium)
    };
    let clients = match &revoke.role {
        RoleSpec::Public => "clients that rely on PUBLIC's privilege".to_owned(),
        role => format!("clients connected as {role}, or as a role that inherits from it,"),
    };
    vec![risk(
        Rule::RevokedPrivilege,
        site,
        Category::Security,
        severity,
        format!(
            "Revoking {what}{on} from {}: {clients} {whom} once the script commits",
            revoke.role
        ),
        "check which clients connect as that role and use the privilege, and move them to a \
         role that keeps it before the script runs",
    )]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{AclGrantee, Catalog};
    use crate::names::Privilege;

    #[test]
    fn a_revoke_on_an_existing_object_names_the_role_and_the_privilege() {
        let hostile = AclGrantee::Role("read\"er\n*/ --".into());
        check(
            Rule::RevokedPrivilege,
            &users_granting(vec![
                acl_entry(hostile.clone(), Privilege::Select, false),
                acl_entry(AclGrantee::Public, Privilege::Update, false),
                acl_entry(AclGrantee::Role("admin".into()), Privilege::Insert, true),
            ]),
            &users_granting(vec![acl_entry(
                AclGrantee::Role("admin".into()),
                Privilege::Insert,
                false,
            )]),
            &[
                "medium security public.users: Revoking UPDATE on TABLE public.users from PUBLIC: clients that rely on PUBLIC's privilege fail with \"permission denied\" once the script commits",
                "low security public.users: Revoking the grant option of INSERT on TABLE public.users from admin: clients connected as admin, or as a role that inherits from it, can no longer grant it to others once the script commits",
                "medium security public.users: Revoking SELECT on TABLE public.users from \"read\"\"er\n*/ --\": clients connected as \"read\"\"er\n*/ --\", or as a role that inherits from it, fail with \"permission denied\" once the script commits",
            ],
        );
    }

    #[test]
    fn a_revoke_after_a_create_is_no_risk() {
        let mut created = users_granting(Vec::new());
        created.tables[0].acl.revoked =
            vec![acl_entry(AclGrantee::Owner, Privilege::Truncate, false)];
        check(Rule::RevokedPrivilege, &Catalog::default(), &created, &[]);
    }
}
