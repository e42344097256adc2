//! A privilege granted to `PUBLIC` is granted to every role of the server,
//! today's and tomorrow's, and one granted `WITH GRANT OPTION` lets its
//! grantee hand it on to roles the schema never names: both widen who may
//! do what beyond the roles a reviewer sees. Writing to a table or creating
//! in a schema for everyone is high; reading, using or executing is medium,
//! except `EXECUTE` on a function and `USAGE` on a type for `PUBLIC`, which
//! PostgreSQL grants by default and a script gives back only where they
//! had been revoked (low). Default privileges (`ALTER DEFAULT PRIVILEGES …
//! GRANT`) widen the same way, for every object their role creates from
//! then on.

use crate::names::{DefaultObjects, Privilege};
use crate::sql::{GrantTarget, RoleSpec, Stmt};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::Grant(grant) = site.stmt else {
        return Vec::new();
    };
    let privileges = grant
        .privileges
        .iter()
        .map(|p| p.keyword())
        .collect::<Vec<_>>()
        .join(", ");
    let on = match &grant.column {
        Some(column) => format!("{privileges} ({column}) on {}", grant.target),
        None => format!("{privileges} on {}", grant.target.describe()),
    };
    let mut risks = Vec::new();
    if grant.role == RoleSpec::Public {
        let writes = grant.privileges.iter().any(|p| {
            matches!(
                p,
                Privilege::Insert
                    | Privilege::Update
                    | Privilege::Delete
                    | Privilege::Truncate
                    | Privilege::Create
                    | Privilege::Trigger
                    | Privilege::References
                    | Privilege::Maintain
            )
        });
        let default = matches!(
            (&grant.target, grant.privileges.as_slice()),
            (GrantTarget::Function { .. }, [Privilege::Execute])
                | (GrantTarget::Type(_), [Privilege::Usage])
                | (
                    GrantTarget::Defaults {
                        schema: None,
                        objects: DefaultObjects::Functions,
                        ..
                    },
                    [Privilege::Execute]
                )
                | (
                    GrantTarget::Defaults {
                        schema: None,
                        objects: DefaultObjects::Types,
                        ..
                    },
                    [Privilege::Usage]
                )
        );
        let severity = if writes {
            Severity::High
        } else if default {
            Severity::Low
        } else {
            Severity::Medium
        };
        risks.push(risk(
            Rule::WideGrant,
            site,
            Category::Security,
            severity,
            format!("Granting {on} to PUBLIC gives it to every role of the server"),
            "grant it to the roles that need it instead of PUBLIC",
        ));
    }
    if grant.grant_option {
        risks.push(risk(
            Rule::WideGrant,
            site,
            Category::Security,
            Severity::Medium,
            format!(
                "Granting {on} to {} WITH GRANT OPTION lets it grant the privilege to other roles",
                grant.role
            ),
            "grant it without GRANT OPTION unless that role administers the privilege",
        ));
    }
    risks
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::AclGrantee;
    use crate::names::Privilege;

    #[test]
    fn grants_to_public_and_with_grant_option() {
        let reader = AclGrantee::Role("reader\n*/".into());
        check(
            Rule::WideGrant,
            &users_granting(vec![]),
            &users_granting(vec![
                acl_entry(AclGrantee::Public, Privilege::Select, false),
                acl_entry(AclGrantee::Public, Privilege::Update, false),
                acl_entry(reader.clone(), Privilege::Select, true),
            ]),
            &[
                "high security public.users: Granting SELECT, UPDATE on TABLE public.users to PUBLIC gives it to every role of the server",
                "medium security public.users: Granting SELECT on TABLE public.users to \"reader\n*/\" WITH GRANT OPTION lets it grant the privilege to other roles",
            ],
        );
        check(
            Rule::WideGrant,
            &users_granting(vec![acl_entry(
                AclGrantee::Public,
                Privilege::Select,
                false,
            )]),
            &users_granting(vec![acl_entry(reader, Privilege::Select, false)]),
            &[],
        );
    }
}
