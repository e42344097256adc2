//! Secret option values: the options of foreign-data wrappers, foreign
//! servers and user mappings whose key names a secret (a key holding
//! `password`, `secret`, `token` or `key`, such as `sslpassword`).
//!
//! Their values never reach an output. A catalog keeps a digest of each
//! ([`digest`]), which only tells whether two values differ; a script
//! writes a psql variable in the value's place (`:'pgrift_secret_…'`,
//! [`SecretVar`]), which psql fills in from `-v name=value` and
//! `pgrift apply` from `--secret` or the environment ([`substitute`]).

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

use super::lex::{TokenKind, tokenize};
use crate::quote::quote_literal;

/// The prefix of every secret's psql variable.
pub const PREFIX: &str = "pgrift_secret_";

/// The prefix of the environment variables `pgrift apply` reads secrets
/// from: `PGRIFT_SECRET_` and the variable's name after [`PREFIX`],
/// upper-cased.
pub const ENV_PREFIX: &str = "PGRIFT_SECRET_";

/// True for an option key that names a secret: one that holds `password`,
/// `secret`, `token` or `key`, in any case.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_lowercase();
    ["password", "secret", "token", "key"]
        .iter()
        .any(|w| key.contains(w))
}

/// The digest a catalog keeps of a secret value. It is only used to tell
/// whether two values differ, never to recover one.
pub fn digest(value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"pgrift secret\0");
    hasher.update(value.as_bytes());
    hex::encode(hasher.finalize())
}

/// The psql variable a script writes in place of one secret value: made of
/// lower-case ASCII letters, digits and underscores only, from the parts
/// that name the option (its object's kind and names, its key), each cut
/// to a readable length, and the start of a digest of the parts as they
/// are, so that two options never share a variable whatever their names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecretVar(String);

impl SecretVar {
    pub fn new(parts: &[&str]) -> SecretVar {
        let mut name = PREFIX.to_owned();
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part.as_bytes());
            hasher.update(b"\0");
            let safe: String = part
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .take(20)
                .collect();
            name.push_str(safe.trim_matches('_'));
            name.push('_');
        }
        name.push_str(&hex::encode(hasher.finalize())[..8]);
        SecretVar(name)
    }

    /// The variable's name (`pgrift_secret_…`).
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The environment variable `pgrift apply` reads it from.
    pub fn env(&self) -> String {
        env_name(&self.0)
    }
}

/// The environment variable that holds the psql variable `name`.
pub fn env_name(name: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        name.strip_prefix(PREFIX).unwrap_or(name).to_uppercase()
    )
}

/// Written as psql interpolates a variable as a literal.
impl fmt::Display for SecretVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ":'{}'", self.0)
    }
}

/// True for a name [`SecretVar`] makes.
fn is_variable(name: &str) -> bool {
    name.strip_prefix(PREFIX).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// The places of `sql` where a secret's variable stands (a `:` right before
/// a literal that names one, outside every literal, quoted name and
/// comment), with the variable's name.
fn places(sql: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let tokens = tokenize(sql);
    tokens
        .windows(2)
        .filter_map(|pair| {
            let (colon, literal) = (pair[0], pair[1]);
            let name = literal.text.strip_prefix('\'')?.strip_suffix('\'')?;
            (colon.is(":")
                && colon.end() == literal.start
                && literal.kind == TokenKind::Literal
                && is_variable(name))
            .then_some((colon.start..literal.end(), name))
        })
        .collect()
}

/// The secrets' variables `sql` uses, sorted, each once.
pub fn variables(sql: &str) -> Vec<String> {
    let mut names: Vec<String> = places(sql).into_iter().map(|(_, n)| n.to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

/// `sql` with every secret's variable replaced by its value as a literal,
/// as psql does with `-v`; the error is the name of a variable `values`
/// does not hold.
pub fn substitute(sql: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (range, name) in places(sql) {
        let value = values.get(name).ok_or_else(|| name.to_owned())?;
        out.push_str(&sql[at..range.start]);
        out.push_str(&quote_literal(value));
        at = range.end;
    }
    out.push_str(&sql[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_recognised_in_any_case() {
        for key in [
            "password",
            "SslPassWord",
            "client_secret",
            "api_TOKEN",
            "sslkey",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["host", "port", "user", "dbname"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn variables_are_safe_and_distinct() {
        let a = SecretVar::new(&["user mapping", "a_b", "c", "password"]);
        let b = SecretVar::new(&["user mapping", "a", "b_c", "password"]);
        assert_ne!(a, b);
        let hostile = SecretVar::new(&["server", "s'\n*/ --é", "pass'word"]);
        assert!(is_variable(hostile.name()), "{}", hostile.name());
        assert!(hostile.to_string().starts_with(":'pgrift_secret_server_s"));
        assert_eq!(
            env_name("pgrift_secret_server_x_1a"),
            "PGRIFT_SECRET_SERVER_X_1A"
        );
    }

    #[test]
    fn only_variables_outside_literals_are_substituted() {
        let var = SecretVar::new(&["server", "s", "password"]);
        let sql = format!(
            "ALTER SERVER s OPTIONS (SET password {var}, ADD note ':''{}''', ADD x {var})",
            var.name()
        );
        assert_eq!(variables(&sql), [var.name().to_owned()]);
        let values = BTreeMap::from([(var.name().to_owned(), "it's".to_owned())]);
        assert_eq!(
            substitute(&sql, &values).unwrap(),
            format!(
                "ALTER SERVER s OPTIONS (SET password 'it''s', ADD note ':''{}''', ADD x 'it''s')",
                var.name()
            )
        );
        assert_eq!(
            substitute(&sql, &BTreeMap::new()),
            Err(var.name().to_owned())
        );
        assert_eq!(
            substitute("SELECT 1::text", &BTreeMap::new()).unwrap(),
            "SELECT 1::text"
        );
    }
}
