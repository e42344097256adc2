//! Collations a schema defines itself (`CREATE COLLATION`), from the libc,
//! ICU or (PostgreSQL 17) builtin provider, deterministic or not.
//!
//! PostgreSQL alters nothing of a collation but its name, owner, schema,
//! comment and recorded version, so a collation whose provider, locales,
//! determinism or ICU rules change is recreated as an enum is: the old one
//! is renamed aside, the new one created under its name, the columns that
//! use it are moved over with `ALTER COLUMN … TYPE … COLLATE` (their type
//! is unchanged, so the table is not rewritten, but its indexes on them are
//! rebuilt), whatever else uses it (indexes, views, domains, ranges) is
//! replaced, and the old one is dropped.
//!
//! The version a collation records (`collversion`) is the ICU or C
//! library's on the server that created it: it says nothing of the schema
//! and is not compared.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, rename_aside,
};
use crate::names::{CollationProvider, Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CollationDef, CommentTarget, Keyword, ObjectName, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collation {
    pub name: QualName,
    pub provider: CollationProvider,
    /// `LC_COLLATE` and `LC_CTYPE` of a libc collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
    /// The locale of an ICU or builtin collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub deterministic: bool,
    /// The tailoring rules of an ICU collation (PostgreSQL 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("COLLATION");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

/// Everything `CREATE COLLATION` sets, which nothing can alter.
fn definition(collation: &Collation) -> CollationDef {
    CollationDef {
        name: collation.name.clone(),
        provider: collation.provider,
        lc_collate: collation.lc_collate.clone(),
        lc_ctype: collation.lc_ctype.clone(),
        locale: collation.locale.clone(),
        deterministic: collation.deterministic,
        rules: collation.rules.clone(),
    }
}

fn recreates(old: &Collation, new: &Collation) -> bool {
    definition(old) != definition(new)
}

/// The catalog query, given the expressions that read an ICU or builtin
/// collation's locale and an ICU collation's rules, which moved between
/// versions: an ICU locale is `collcollate` in 14, `colliculocale` in 15
/// and 16, and `colllocale` (which the builtin provider shares) from 17;
/// rules came with 16. Collations with the database's default provider
/// (`d`) are the system's own and never in a user schema.
macro_rules! collation_query {
    ($locale:literal, $rules:literal) => {
        concat!(
            "SELECT co.oid, n.nspname AS schema, co.collname AS name, \
             co.collprovider AS provider, \
             CASE WHEN co.collprovider = 'c' THEN co.collcollate END AS lc_collate, \
             CASE WHEN co.collprovider = 'c' THEN co.collctype END AS lc_ctype, \
             CASE WHEN co.collprovider <> 'c' THEN ",
            $locale,
            " END AS locale, co.collisdeterministic AS deterministic, ",
            $rules,
            " AS rules, cm.description AS comment, \
             pg_catalog.pg_get_userbyid(co.collowner)::pg_catalog.text AS owner \
             FROM pg_catalog.pg_collation co \
             JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace",
            comment_join!("pg_collation", "co.oid", "cm"),
            "WHERE co.collprovider <> 'd' AND ",
            user_schema!("n"),
            " AND ",
            not_extension_member!("pg_collation", "co.oid"),
        )
    };
}

const QUERY_14: &str = collation_query!("co.collcollate", "NULL::pg_catalog.text");
const QUERY_15: &str = collation_query!("co.colliculocale", "NULL::pg_catalog.text");
const QUERY_16: &str = collation_query!("co.colliculocale", "co.collicurules");
const QUERY_17: &str = collation_query!("co.colllocale", "co.collicurules");

impl ReadKind for Collation {
    type Raw = (u32, Collation);
    const WHAT: &'static str = "collations";
    const QUERY: &'static str = QUERY_17;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_collation co WHERE co.oid >= 16384");

    fn query(server_version_num: i32) -> &'static str {
        match server_version_num {
            ..150000 => QUERY_14,
            150000..160000 => QUERY_15,
            160000..170000 => QUERY_16,
            _ => QUERY_17,
        }
    }

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, Collation), IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let provider = match row.get_char("provider")? {
            'c' => CollationProvider::Libc,
            'i' => CollationProvider::Icu,
            'b' => CollationProvider::Builtin,
            other => {
                return Err(IntrospectError::unknown_code(
                    format!("collation {name}"),
                    "collprovider",
                    other,
                ));
            }
        };
        Ok((
            row.get("oid")?,
            Collation {
                provider,
                lc_collate: row.get("lc_collate")?,
                lc_ctype: row.get("lc_ctype")?,
                locale: row.get("locale")?,
                deterministic: row.get("deterministic")?,
                rules: row.get("rules")?,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, Collation)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Collation>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_collation, rows, |x| ObjectId::Collation {
                name: x.name.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for Collation {
    type Ref = &'a Collation;
    const NOUN: &'static str = "collation";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["collation"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.collations.iter().map(Obj::Collation));
    }

    own_namespace_object!(Collation);

    /// A recreated collation gets its owner as a new one; otherwise the
    /// owner alters in place.
    fn compare(old: &'a Collation, new: &'a Collation) -> Delta {
        let set_aside = recreates(old, new);
        let delta = if set_aside {
            Delta::Alter(vec![
                rename_aside("COLLATION", &old.name),
                Stmt::CreateCollation(definition(new)),
            ])
        } else {
            Delta::Same
        };
        delta.and(owner::of_type(
            old.owner.as_ref(),
            new.owner.as_ref(),
            set_aside,
            || owner::named("COLLATION", &new.name),
        ))
    }

    fn create(collation: &'a Collation) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateCollation(definition(collation))];
        stmts.extend(owner::on_create(collation.owner.as_ref(), || {
            owner::named("COLLATION", &collation.name)
        }));
        stmts
    }

    fn shown(collation: &'a Collation) -> Option<Shown> {
        Some(Shown {
            kind: "collation",
            statements: Self::create(collation),
        })
    }

    /// A collation holds no text the server deparsed: its locales and
    /// rules are literals.
    fn deparsed(_: &'a Collation) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }

    fn finish_alter(old: &'a Collation, new: &'a Collation) -> Vec<Stmt> {
        if recreates(old, new) {
            vec![Stmt::DropObject(object(&old.name.set_aside()))]
        } else {
            Vec::new()
        }
    }

    fn sets_aside(old: &'a Collation, new: &'a Collation) -> bool {
        recreates(old, new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_qualified() {
        for query in [QUERY_14, QUERY_15, QUERY_16, QUERY_17] {
            crate::read::filter::tests::assert_qualified(query);
        }
    }

    fn collation(locale: &str) -> Collation {
        Collation {
            name: QualName::new("app", "ci\n*/ --"),
            provider: CollationProvider::Icu,
            lc_collate: None,
            lc_ctype: None,
            locale: Some(locale.to_owned()),
            deterministic: false,
            rules: None,
            comment: None,
            owner: None,
        }
    }

    #[test]
    fn a_new_locale_sets_the_collation_aside() {
        let old = collation("und-u-ks-level2");
        let new = collation("und-u-ks-level1");
        let Delta::Alter(stmts) = Collation::compare(&old, &new) else {
            panic!("a new locale alters the collation");
        };
        let sql: Vec<String> = stmts.iter().map(ToString::to_string).collect();
        assert_eq!(
            sql,
            [
                "ALTER COLLATION app.\"ci\n*/ --\" RENAME TO \"ci\n*/ --__pgrift_old\"",
                "CREATE COLLATION app.\"ci\n*/ --\" (PROVIDER = icu, LOCALE = 'und-u-ks-level1', DETERMINISTIC = false)",
            ]
        );
        assert_eq!(
            Collation::finish_alter(&old, &new)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["DROP COLLATION app.\"ci\n*/ --__pgrift_old\""]
        );
        assert!(matches!(Collation::compare(&old, &old), Delta::Same));
    }
}
