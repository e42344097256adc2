//! The statements of roles (`--roles`): cluster objects, written only when
//! asked for. Passwords are never part of them: a role created with `LOGIN`
//! gets its password apart, from whoever holds it.

use std::fmt;

use super::{Ident, Literal};

/// One attribute of `CREATE ROLE` or `ALTER ROLE … WITH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleOption {
    Superuser(bool),
    CreateDb(bool),
    CreateRole(bool),
    Inherit(bool),
    Login(bool),
    Replication(bool),
    BypassRls(bool),
    /// `CONNECTION LIMIT n`, `-1` for none.
    ConnectionLimit(i32),
    /// `VALID UNTIL 'timestamp'`; `None` writes `'infinity'`, which is
    /// how PostgreSQL takes an expiry away.
    ValidUntil(Option<Literal>),
}

impl fmt::Display for RoleOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |f: &mut fmt::Formatter<'_>, on: bool, word: &str| {
            write!(f, "{}{word}", if on { "" } else { "NO" })
        };
        match self {
            RoleOption::Superuser(on) => flag(f, *on, "SUPERUSER"),
            RoleOption::CreateDb(on) => flag(f, *on, "CREATEDB"),
            RoleOption::CreateRole(on) => flag(f, *on, "CREATEROLE"),
            RoleOption::Inherit(on) => flag(f, *on, "INHERIT"),
            RoleOption::Login(on) => flag(f, *on, "LOGIN"),
            RoleOption::Replication(on) => flag(f, *on, "REPLICATION"),
            RoleOption::BypassRls(on) => flag(f, *on, "BYPASSRLS"),
            RoleOption::ConnectionLimit(limit) => write!(f, "CONNECTION LIMIT {limit}"),
            RoleOption::ValidUntil(Some(until)) => write!(f, "VALID UNTIL {until}"),
            RoleOption::ValidUntil(None) => f.write_str("VALID UNTIL 'infinity'"),
        }
    }
}

/// A setting of a role (`ALTER ROLE … SET name TO value`), or its reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSetting {
    /// The setting's name, one identifier per dotted part (`app.tenant`).
    pub name: Vec<Ident>,
    /// The value's elements, one literal each (a list such as
    /// `search_path` has several); `None` resets the setting.
    pub value: Option<Vec<Literal>>,
}

impl fmt::Display for RoleSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .name
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(".");
        match &self.value {
            Some(value) => {
                let value = value
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(f, "SET {name} TO {value}")
            }
            None => write!(f, "RESET {name}"),
        }
    }
}

/// Writes `options` after a space each.
pub(super) fn write_options(f: &mut fmt::Formatter<'_>, options: &[RoleOption]) -> fmt::Result {
    for option in options {
        write!(f, " {option}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_settings_quote_what_they_name() {
        let options = [
            RoleOption::Login(true),
            RoleOption::Superuser(false),
            RoleOption::ConnectionLimit(-1),
            RoleOption::ValidUntil(Some(Literal("2030-01-01 00:00:00+00'; --".into()))),
            RoleOption::ValidUntil(None),
        ];
        let text: Vec<String> = options.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "LOGIN",
                "NOSUPERUSER",
                "CONNECTION LIMIT -1",
                "VALID UNTIL '2030-01-01 00:00:00+00''; --'",
                "VALID UNTIL 'infinity'",
            ]
        );
        let setting = RoleSetting {
            name: vec![Ident("app".into()), Ident("tenant\n*/".into())],
            value: Some(vec![Literal("a'b".into()), Literal("public".into())]),
        };
        assert_eq!(
            setting.to_string(),
            "SET app.\"tenant\n*/\" TO 'a''b', 'public'"
        );
        let reset = RoleSetting {
            value: None,
            ..setting
        };
        assert_eq!(reset.to_string(), "RESET app.\"tenant\n*/\"");
    }
}
