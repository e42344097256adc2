//! Text search dictionaries (`CREATE TEXT SEARCH DICTIONARY`): a template
//! and the options it takes (`language`, `stopwords`, `dictfile` …). The
//! options alter in place (`ALTER TEXT SEARCH DICTIONARY … (…)`, where an
//! option named without a value is removed); a new template has no
//! `ALTER`, so it drops and creates the dictionary, and the configurations
//! mapping tokens to it with it.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::lex::{TokenKind, tokenize};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, Keyword, Literal, ObjectName, Stmt, TsDictionaryDef};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsDictionary {
    pub name: QualName,
    pub template: QualName,
    /// Its options in the order they were given, which the template reads
    /// them in.
    pub options: Vec<DictOption>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

/// One option of a dictionary: PostgreSQL keeps every value as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictOption {
    pub name: String,
    pub value: String,
}

const KEYWORD: Keyword = Keyword("TEXT SEARCH DICTIONARY");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

fn options(options: &[DictOption]) -> Vec<(Ident, Option<Literal>)> {
    options
        .iter()
        .map(|o| (Ident(o.name.clone()), Some(Literal(o.value.clone()))))
        .collect()
}

/// The options that differ: every option of `new` when any changed (the
/// template reads them as one list), and those `new` no longer has, named
/// without a value so that PostgreSQL removes them.
fn changed_options(old: &TsDictionary, new: &TsDictionary) -> Vec<(Ident, Option<Literal>)> {
    if old.options == new.options {
        return Vec::new();
    }
    let mut changed = options(&new.options);
    changed.extend(
        old.options
            .iter()
            .filter(|o| !new.options.iter().any(|n| n.name == o.name))
            .map(|o| (Ident(o.name.clone()), None)),
    );
    changed
}

/// Reads `dictinitoption` as PostgreSQL writes it (`serialize_deflist`):
/// `name = 'value'` pairs separated by commas, each name quoted where it
/// needs to be and each value a string literal, in `E''` syntax when it
/// holds a backslash. `None` for text of any other shape.
pub fn parse_options(text: &str) -> Option<Vec<DictOption>> {
    let tokens = tokenize(text);
    let mut options = Vec::new();
    if tokens.is_empty() {
        return Some(options);
    }
    for item in tokens.split(|t| t.is(",")) {
        let [name, equals, value] = item else {
            return None;
        };
        if !equals.is("=") || value.kind != TokenKind::Literal {
            return None;
        }
        let name = match name.kind {
            TokenKind::Word => name.text.to_owned(),
            TokenKind::Quoted => name.text[1..name.text.len() - 1].replace("\"\"", "\""),
            _ => return None,
        };
        let (escaped, quoted) = match value.text.strip_prefix(['E', 'e']) {
            Some(rest) => (true, rest),
            None => (false, value.text),
        };
        let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
        let mut value = inner.replace("''", "'");
        if escaped {
            value = value.replace("\\\\", "\\");
        }
        options.push(DictOption { name, value });
    }
    Some(options)
}

const QUERY: &str = concat!(
    "SELECT d.oid, n.nspname AS schema, d.dictname AS name, \
     tn.nspname AS template_schema, t.tmplname AS template_name, \
     d.dictinitoption AS options, cm.description AS comment, \
     pg_catalog.pg_get_userbyid(d.dictowner)::pg_catalog.text AS owner \
     FROM pg_catalog.pg_ts_dict d \
     JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace \
     JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate \
     JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace",
    comment_join!("pg_ts_dict", "d.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_ts_dict", "d.oid"),
);

impl ReadKind for TsDictionary {
    type Raw = (u32, TsDictionary);
    const WHAT: &'static str = "text search dictionaries";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_ts_dict d WHERE d.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, TsDictionary), IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let text: Option<&str> = row.get("options")?;
        let options = match text {
            None => Vec::new(),
            Some(text) => parse_options(text).ok_or_else(|| IntrospectError::Inconsistent {
                what: format!("text search dictionary {name}"),
                missing: format!("options in the form name = 'value' (read {text:?})"),
            })?,
        };
        Ok((
            row.get("oid")?,
            TsDictionary {
                template: QualName::new(
                    row.get::<&str>("template_schema")?,
                    row.get::<&str>("template_name")?,
                ),
                options,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, TsDictionary)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<TsDictionary>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_ts_dict, rows, |x| ObjectId::TsDictionary {
                name: x.name.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for TsDictionary {
    type Ref = &'a TsDictionary;
    const NOUN: &'static str = "text search dictionary";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["text search dictionary"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.ts_dictionaries.iter().map(Obj::TsDictionary));
    }

    own_namespace_object!(TsDictionary);

    fn compare(old: &'a TsDictionary, new: &'a TsDictionary) -> Delta {
        if old.template != new.template {
            return Delta::Replace;
        }
        let changed = changed_options(old, new);
        let delta = if changed.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(vec![Stmt::AlterTsDictionary {
                name: new.name.clone(),
                options: changed,
            }])
        };
        delta.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            owner::named("TEXT SEARCH DICTIONARY", &new.name)
        }))
    }

    fn create(dictionary: &'a TsDictionary) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateTsDictionary(TsDictionaryDef {
            name: dictionary.name.clone(),
            template: dictionary.template.clone(),
            options: options(&dictionary.options),
        })];
        stmts.extend(owner::on_create(dictionary.owner.as_ref(), || {
            owner::named("TEXT SEARCH DICTIONARY", &dictionary.name)
        }));
        stmts
    }

    fn shown(dictionary: &'a TsDictionary) -> Option<Shown> {
        Some(Shown {
            kind: "text search dictionary",
            statements: Self::create(dictionary),
        })
    }

    /// Its options are read into names and values, not kept as text.
    fn deparsed(_: &'a TsDictionary) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    fn option(name: &str, value: &str) -> DictOption {
        DictOption {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn options_read_as_postgresql_writes_them() {
        assert_eq!(
            parse_options(r#"language = 'english', "Stop""Words" = E'it''s \\ */', x = ''"#),
            Some(vec![
                option("language", "english"),
                option("Stop\"Words", "it's \\ */"),
                option("x", ""),
            ])
        );
        assert_eq!(parse_options(""), Some(Vec::new()));
        assert_eq!(parse_options("language = english"), None);
        assert_eq!(parse_options("language = 'a' 'b'"), None);
    }

    #[test]
    fn options_alter_in_place_and_removed_ones_are_named_alone() {
        let dictionary = |options: Vec<DictOption>| TsDictionary {
            name: QualName::new("public", "d\n*/"),
            template: QualName::new("pg_catalog", "snowball"),
            options,
            comment: None,
            owner: None,
        };
        let old = dictionary(vec![
            option("language", "english"),
            option("stopwords", "english"),
        ]);
        let new = dictionary(vec![option("language", "german")]);
        let Delta::Alter(stmts) = TsDictionary::compare(&old, &new) else {
            panic!("new options alter the dictionary");
        };
        assert_eq!(
            stmts.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["ALTER TEXT SEARCH DICTIONARY public.\"d\n*/\" (language = 'german', stopwords)"]
        );
        let mut other = new.clone();
        other.template = QualName::new("pg_catalog", "simple");
        assert!(matches!(
            TsDictionary::compare(&new, &other),
            Delta::Replace
        ));
    }
}
