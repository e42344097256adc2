//! The statements pgrift runs on its shadow server to set up a database
//! for a user's `.sql` files: the role that loads them, stand-ins for the
//! roles they name, and the untrusted extensions they create, which only a
//! superuser may install.

use std::fmt;

use super::stmt::{Ident, Literal};

/// A statement of the shadow's set-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShadowStmt {
    /// `CREATE ROLE name LOGIN|NOLOGIN`: every other attribute keeps its
    /// default (no superuser, no `CREATEDB`, no `CREATEROLE`, no
    /// replication, no `BYPASSRLS`).
    CreateRole { name: Ident, login: bool },
    /// `GRANT role TO member`.
    GrantRole { role: Ident, member: Ident },
    /// `REASSIGN OWNED BY from TO to`: a rehearsal hands what the files
    /// created to the role that deploys, as a database built by one role
    /// would be.
    ReassignOwned { from: Ident, to: Ident },
    /// `CREATE DATABASE name OWNER owner TEMPLATE template0`.
    CreateDatabase { name: Ident, owner: Ident },
    /// A `CREATE EXTENSION` as a user's file wrote it.
    CreateExtension(CreateExtension),
    /// `COMMENT ON EXTENSION name IS '…'|NULL`, as a user's file wrote it.
    CommentOnExtension {
        name: Ident,
        comment: Option<Literal>,
    },
}

/// `CREATE EXTENSION [IF NOT EXISTS] name [SCHEMA s] [VERSION v] [CASCADE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateExtension {
    pub if_not_exists: bool,
    pub name: Ident,
    pub schema: Option<Ident>,
    pub version: Option<Literal>,
    pub cascade: bool,
}

impl fmt::Display for ShadowStmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShadowStmt::CreateRole { name, login } => {
                let login = if *login { "LOGIN" } else { "NOLOGIN" };
                write!(f, "CREATE ROLE {name} {login}")
            }
            ShadowStmt::GrantRole { role, member } => write!(f, "GRANT {role} TO {member}"),
            ShadowStmt::ReassignOwned { from, to } => {
                write!(f, "REASSIGN OWNED BY {from} TO {to}")
            }
            ShadowStmt::CreateDatabase { name, owner } => {
                write!(f, "CREATE DATABASE {name} OWNER {owner} TEMPLATE template0")
            }
            ShadowStmt::CreateExtension(create) => {
                f.write_str("CREATE EXTENSION ")?;
                if create.if_not_exists {
                    f.write_str("IF NOT EXISTS ")?;
                }
                write!(f, "{}", create.name)?;
                if let Some(schema) = &create.schema {
                    write!(f, " SCHEMA {schema}")?;
                }
                if let Some(version) = &create.version {
                    write!(f, " VERSION {version}")?;
                }
                if create.cascade {
                    f.write_str(" CASCADE")?;
                }
                Ok(())
            }
            ShadowStmt::CommentOnExtension { name, comment } => match comment {
                Some(comment) => write!(f, "COMMENT ON EXTENSION {name} IS {comment}"),
                None => write!(f, "COMMENT ON EXTENSION {name} IS NULL"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str) -> Ident {
        Ident(name.to_owned())
    }

    #[test]
    fn names_and_literals_are_quoted() {
        let cases = [
            (
                ShadowStmt::CreateRole {
                    name: ident("App Owner"),
                    login: false,
                },
                "CREATE ROLE \"App Owner\" NOLOGIN",
            ),
            (
                ShadowStmt::CreateRole {
                    name: ident("loader"),
                    login: true,
                },
                "CREATE ROLE loader LOGIN",
            ),
            (
                ShadowStmt::GrantRole {
                    role: ident("user"),
                    member: ident("loader"),
                },
                "GRANT \"user\" TO loader",
            ),
            (
                ShadowStmt::CreateDatabase {
                    name: ident("Db"),
                    owner: ident("loader"),
                },
                "CREATE DATABASE \"Db\" OWNER loader TEMPLATE template0",
            ),
            (
                ShadowStmt::CreateExtension(CreateExtension {
                    if_not_exists: true,
                    name: ident("uuid-ossp"),
                    schema: Some(ident("ext")),
                    version: Some(Literal("1.1".into())),
                    cascade: true,
                }),
                "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" SCHEMA ext VERSION '1.1' CASCADE",
            ),
            (
                ShadowStmt::CreateExtension(CreateExtension {
                    if_not_exists: false,
                    name: ident("dblink"),
                    schema: None,
                    version: None,
                    cascade: false,
                }),
                "CREATE EXTENSION dblink",
            ),
            (
                ShadowStmt::CommentOnExtension {
                    name: ident("dblink"),
                    comment: None,
                },
                "COMMENT ON EXTENSION dblink IS NULL",
            ),
        ];
        for (stmt, expected) in cases {
            assert_eq!(stmt.to_string(), expected);
        }
    }
}
