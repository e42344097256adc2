//! The generic options of foreign-data wrappers, foreign servers and user
//! mappings (`OPTIONS (key 'value', …)`), which each of them holds.
//!
//! Options are kept in the order the server keeps them, which is the order
//! they were written in and then added in: `pg_dump` writes them so, and a
//! script that reaches another order (`ALTER … OPTIONS (ADD …)` appends)
//! writes the options from the first one out of place again.
//!
//! A value whose key names a secret (`sql::secret::is_secret_key`) is
//! never kept: the catalog holds a digest of it, and a script writes the
//! psql variable that supplies it, named after the option's object and key.

use serde::{Deserialize, Serialize};

use crate::read::IntrospectError;
use crate::sql::secret::{self, SecretVar};
use crate::sql::{Ident, Literal, OptionChange, OptionValue};

/// One option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericOption {
    pub key: String,
    #[serde(flatten)]
    pub value: StoredValue,
}

/// An option's value as a catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredValue {
    Value(String),
    /// The digest of a secret (`sql::secret::digest`), which only tells
    /// whether two values differ.
    SecretSha256(String),
}

impl GenericOption {
    /// The option `key = value` as read from a server: a secret is kept
    /// as its digest.
    pub fn new(key: String, value: &str) -> GenericOption {
        let value = if secret::is_secret_key(&key) {
            StoredValue::SecretSha256(secret::digest(value))
        } else {
            StoredValue::Value(value.to_owned())
        };
        GenericOption { key, value }
    }

    /// What tells two values apart: the value, or a secret's digest. A
    /// snapshot written by hand may hold a secret's value itself, which is
    /// then compared by its digest, as it would have been read.
    fn compared(&self) -> StoredValue {
        match &self.value {
            StoredValue::Value(value) if secret::is_secret_key(&self.key) => {
                StoredValue::SecretSha256(secret::digest(value))
            }
            other => other.clone(),
        }
    }

    /// How a script writes its value: a secret as its variable, named by
    /// `object` (the kind and names of the option's object) and the key.
    fn written(&self, object: &[&str]) -> OptionValue {
        match &self.value {
            StoredValue::Value(value) if !secret::is_secret_key(&self.key) => {
                OptionValue::Literal(Literal(value.clone()))
            }
            _ => OptionValue::Secret(variable(object, &self.key)),
        }
    }
}

/// The variable of the secret option `key` of the object named by
/// `object`.
pub fn variable(object: &[&str], key: &str) -> SecretVar {
    let mut parts = object.to_vec();
    parts.push(key);
    SecretVar::new(&parts)
}

/// Reads the options of `what` from the JSON array of `[key, value]` pairs
/// of `read::options_json!`, in the server's order; `None` (SQL NULL) is no
/// options.
pub fn read(
    json: Option<&str>,
    what: impl Fn() -> String,
) -> Result<Vec<GenericOption>, IntrospectError> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let pairs: Vec<(String, String)> =
        serde_json::from_str(json).map_err(|e| IntrospectError::Inconsistent {
            what: what(),
            missing: format!("readable options ({e})"),
        })?;
    Ok(pairs
        .into_iter()
        .map(|(key, value)| GenericOption::new(key, &value))
        .collect())
}

/// The options as `CREATE … OPTIONS (…)` writes them.
pub fn create(options: &[GenericOption], object: &[&str]) -> Vec<(Ident, OptionValue)> {
    options
        .iter()
        .map(|o| (Ident(o.key.clone()), o.written(object)))
        .collect()
}

/// The changes of `ALTER … OPTIONS (…)` that turn `old` into `new`, key by
/// key: the keys `new` lacks dropped, the values that differ set, the new
/// keys added; and, where the order the server would then keep is not
/// `new`'s, the options from the first one out of place dropped and added
/// again in `new`'s order.
pub fn changes(old: &[GenericOption], new: &[GenericOption], object: &[&str]) -> Vec<OptionChange> {
    let find = |list: &'_ [GenericOption], key: &str| list.iter().position(|o| o.key == key);
    // The keys both keep, in the order the server keeps them after the drops.
    let kept: Vec<&str> = old
        .iter()
        .filter(|o| find(new, &o.key).is_some())
        .map(|o| o.key.as_str())
        .collect();
    let in_order = new
        .iter()
        .zip(&kept)
        .take_while(|(n, k)| n.key == **k)
        .count();
    // The options of `new` from this one on are added at the end, in order.
    let moved = |key: &str| find(new, key).is_some_and(|i| i >= in_order);
    let mut stmts = Vec::new();
    for o in old {
        if find(new, &o.key).is_none() || moved(&o.key) {
            stmts.push(OptionChange::Drop(Ident(o.key.clone())));
        }
    }
    for (i, o) in new.iter().enumerate() {
        let key = Ident(o.key.clone());
        match find(old, &o.key) {
            Some(j) if i < in_order => {
                if old[j].compared() != o.compared() {
                    stmts.push(OptionChange::Set(key, o.written(object)));
                }
            }
            _ => stmts.push(OptionChange::Add(key, o.written(object))),
        }
    }
    stmts
}

/// True when the two lists hold the same options in the same order.
pub fn same(old: &[GenericOption], new: &[GenericOption]) -> bool {
    old.len() == new.len()
        && old
            .iter()
            .zip(new)
            .all(|(a, b)| a.key == b.key && a.compared() == b.compared())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> Vec<GenericOption> {
        pairs
            .iter()
            .map(|(k, v)| GenericOption::new((*k).to_owned(), v))
            .collect()
    }

    fn check(old: &[(&str, &str)], new: &[(&str, &str)], expected: &[&str]) {
        let sql: Vec<String> = changes(&options(old), &options(new), &["server", "s"])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(sql, expected);
        assert_eq!(same(&options(old), &options(new)), expected.is_empty());
    }

    #[test]
    fn options_change_key_by_key_and_keep_their_order() {
        check(&[("a", "1"), ("b", "2")], &[("a", "1"), ("b", "2")], &[]);
        check(
            &[("a", "1"), ("b", "2"), ("c", "3")],
            &[("a", "it's"), ("c", "3"), ("d", "4")],
            &["DROP b", "SET a 'it''s'", "ADD d '4'"],
        );
        // `b` would be appended after `c`: `c` is dropped and added again.
        check(
            &[("a", "1"), ("c", "3")],
            &[("a", "1"), ("b", "2"), ("c", "3")],
            &["DROP c", "ADD b '2'", "ADD c '3'"],
        );
        check(&[("x\n*/", "1")], &[], &["DROP \"x\n*/\""]);
    }

    #[test]
    fn secrets_are_digests_and_written_as_variables() {
        let old = options(&[("password", "old secret"), ("host", "h")]);
        let new = options(&[("password", "new secret"), ("host", "h")]);
        assert!(matches!(old[0].value, StoredValue::SecretSha256(_)));
        let sql: Vec<String> = changes(&old, &new, &["server", "s"])
            .iter()
            .map(ToString::to_string)
            .collect();
        let var = variable(&["server", "s"], "password");
        assert_eq!(sql, [format!("SET password :'{}'", var.name())]);
        let shown = format!("{old:?}{new:?}{sql:?}");
        assert!(!shown.contains("old secret") && !shown.contains("new secret"));
        // A secret's value in a hand-written snapshot is still written as
        // a variable, and compared by its digest.
        let by_hand = vec![GenericOption {
            key: "Api_Token".into(),
            value: StoredValue::Value("t0k3n".into()),
        }];
        assert_eq!(
            create(&by_hand, &["server", "s"])[0].1,
            OptionValue::Secret(variable(&["server", "s"], "Api_Token"))
        );
        assert!(same(&by_hand, &options(&[("Api_Token", "t0k3n")])));
    }
}
