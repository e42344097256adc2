//! A secret option (a user mapping's password, a server's token: see
//! `sql::secret`) that a script sets differs from what FROM holds, or is
//! new. Its value is shown nowhere: the script writes a psql variable in
//! its place, which whoever runs it must supply, and a reviewer cannot see
//! what it becomes, only that it changes. Medium: a wrong value breaks
//! every connection that uses it.

use super::{Category, Context, Risk, Rule, Severity, Site, risk};
use crate::sql::quote_ident;

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    site.stmt
        .secrets()
        .into_iter()
        .map(|(key, var)| {
            risk(
                Rule::SecretDiffers,
                site,
                Category::Security,
                Severity::Medium,
                format!(
                    "The secret option {} differs from FROM's; its value is not shown, the script \
                     takes it from the psql variable {}",
                    quote_ident(&key.0),
                    var.name()
                ),
                &format!(
                    "supply the value: psql -v {name}=VALUE, or pgrift apply --secret {name}=VALUE \
                     (or {env} in the environment)",
                    name = var.name(),
                    env = var.env()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::options::{GenericOption, variable};
    use crate::catalog::{Catalog, UserMapping};

    fn mapping(password: &str) -> Catalog {
        Catalog {
            user_mappings: vec![UserMapping {
                server: "remote".into(),
                role: "app".into(),
                options: vec![
                    GenericOption::new("user".into(), "app"),
                    GenericOption::new("password".into(), password),
                ],
            }],
            ..Catalog::default()
        }
    }

    #[test]
    fn a_changed_password_is_named_but_not_shown() {
        let var = variable(&["mapping", "app", "remote"], "password");
        let expected = format!(
            "medium security for app on server remote: The secret option password differs from \
             FROM's; its value is not shown, the script takes it from the psql variable {}",
            var.name()
        );
        check(
            Rule::SecretDiffers,
            &mapping("old hunter2"),
            &mapping("new hunter2"),
            &[&expected],
        );
        check(Rule::SecretDiffers, &mapping("same"), &mapping("same"), &[]);
    }
}
