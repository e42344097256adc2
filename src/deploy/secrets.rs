//! The values of the secrets a deployment's statements name by psql
//! variable (`sql::secret`): given with `--secret NAME=VALUE`, or read
//! from the environment (`PGRIFT_SECRET_<NAME>`). They are written into
//! the statements as literals just before each runs, and nowhere else: the
//! history, the progress events and every error show the statements as
//! the plan holds them, with the variables.

use std::collections::BTreeMap;
use std::fmt;

use super::{DeployError, Deployment};
use crate::sql::secret::{self, PREFIX};

/// Where a deployment finds its secrets' values.
#[derive(Clone, Default)]
pub struct Secrets {
    /// The values given, by variable (`pgrift_secret_…`).
    given: BTreeMap<String, String>,
    /// Whether a value not given is read from the environment.
    from_env: bool,
}

impl Secrets {
    /// Secrets read from the environment only where `given` has none.
    pub fn with_env(given: BTreeMap<String, String>) -> Secrets {
        Secrets {
            given: given.into_iter().map(|(k, v)| (full_name(&k), v)).collect(),
            from_env: true,
        }
    }

    /// Only the secrets given, whatever the environment holds.
    pub fn given(given: BTreeMap<String, String>) -> Secrets {
        Secrets {
            given: given.into_iter().map(|(k, v)| (full_name(&k), v)).collect(),
            from_env: false,
        }
    }

    fn value(&self, name: &str) -> Option<String> {
        self.given.get(name).cloned().or_else(|| {
            self.from_env
                .then(|| std::env::var(secret::env_name(name)).ok())
                .flatten()
        })
    }
}

/// Shows the names of the values given, never a value.
impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("given", &self.given.keys().collect::<Vec<_>>())
            .field("from_env", &self.from_env)
            .finish()
    }
}

/// The variable `name` names: `pgrift_secret_` may be left out.
fn full_name(name: &str) -> String {
    if name.starts_with(PREFIX) {
        name.to_owned()
    } else {
        format!("{PREFIX}{name}")
    }
}

/// Each statement of `deployment` as it runs, its secrets' variables
/// replaced by their values; fails on the first variable without one,
/// before anything runs.
pub(super) fn statements(
    deployment: &Deployment,
    secrets: &Secrets,
) -> Result<Vec<String>, DeployError> {
    let mut values = BTreeMap::new();
    for statement in deployment.statements() {
        for name in secret::variables(&statement.sql) {
            if values.contains_key(&name) {
                continue;
            }
            let value = secrets
                .value(&name)
                .ok_or_else(|| DeployError::MissingSecret {
                    env: secret::env_name(&name),
                    name: name.clone(),
                })?;
            values.insert(name, value);
        }
    }
    deployment
        .statements()
        .iter()
        .map(|statement| {
            secret::substitute(&statement.sql, &values).map_err(|name| DeployError::MissingSecret {
                env: secret::env_name(&name),
                name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_may_leave_out_the_prefix_and_values_do_not_show() {
        let secrets = Secrets::given(BTreeMap::from([
            ("server_s_password_12ab".to_owned(), "value-a".to_owned()),
            ("pgrift_secret_x_1".to_owned(), "value-b".to_owned()),
        ]));
        assert_eq!(
            secrets
                .value("pgrift_secret_server_s_password_12ab")
                .as_deref(),
            Some("value-a")
        );
        assert_eq!(
            secrets.value("pgrift_secret_x_1").as_deref(),
            Some("value-b")
        );
        assert_eq!(secrets.value("pgrift_secret_y_1"), None);
        let shown = format!("{secrets:?}");
        assert!(
            shown.contains("pgrift_secret_x_1") && !shown.contains("value-"),
            "{shown}"
        );
    }
}
