//! Text search configurations (`CREATE TEXT SEARCH CONFIGURATION`): a
//! parser and, for each of its token types, the dictionaries a token is
//! looked up in, in order. Mappings alter in place (`ADD MAPPING`, `ALTER
//! MAPPING`, `DROP MAPPING`, tokens with the same dictionaries in one
//! statement); a new parser has no `ALTER`, so it drops and creates the
//! configuration, and what uses it (an index on `to_tsvector('cfg', …)`)
//! with it. A configuration is also created again when a dictionary it maps
//! to is, since PostgreSQL refuses to drop a dictionary a mapping uses.
//!
//! A configuration made with `COPY = english` is read as what it is: the
//! parser and the mappings it copied.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, Keyword, MappingChange, ObjectName, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsConfig {
    pub name: QualName,
    pub parser: QualName,
    /// The token types that are mapped, by the parser's name for them,
    /// sorted by that name.
    pub mappings: Vec<TsMapping>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsMapping {
    /// The token type's alias (`asciiword`, `email` …).
    pub token: String,
    /// The dictionaries, in the order a token is looked up in them.
    pub dictionaries: Vec<QualName>,
}

const KEYWORD: Keyword = Keyword("TEXT SEARCH CONFIGURATION");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

/// One statement per distinct list of dictionaries, with its tokens in
/// name order; the statements follow the first token of each.
fn grouped(
    config: &QualName,
    change: impl Fn(Vec<Ident>, Vec<QualName>) -> MappingChange,
    mappings: Vec<(&str, &[QualName])>,
) -> Vec<Stmt> {
    let mut groups: Vec<(Vec<Ident>, &[QualName])> = Vec::new();
    for (token, dictionaries) in mappings {
        match groups.iter_mut().find(|(_, d)| *d == dictionaries) {
            Some((tokens, _)) => tokens.push(Ident(token.to_owned())),
            None => groups.push((vec![Ident(token.to_owned())], dictionaries)),
        }
    }
    groups
        .into_iter()
        .map(|(tokens, dictionaries)| Stmt::AlterTsConfig {
            name: config.clone(),
            change: change(tokens, dictionaries.to_vec()),
        })
        .collect()
}

/// The mapping statements that turn `old`'s mappings into `new`'s: added,
/// changed, then dropped tokens.
fn mapping_changes(name: &QualName, old: &[TsMapping], new: &[TsMapping]) -> Vec<Stmt> {
    let find = |mappings: &[TsMapping], token: &str| {
        mappings
            .binary_search_by(|m| m.token.as_str().cmp(token))
            .ok()
    };
    let added = new
        .iter()
        .filter(|m| find(old, &m.token).is_none())
        .map(|m| (m.token.as_str(), m.dictionaries.as_slice()))
        .collect();
    let changed = new
        .iter()
        .filter(|m| find(old, &m.token).is_some_and(|i| old[i].dictionaries != m.dictionaries))
        .map(|m| (m.token.as_str(), m.dictionaries.as_slice()))
        .collect();
    let dropped: Vec<Ident> = old
        .iter()
        .filter(|m| find(new, &m.token).is_none())
        .map(|m| Ident(m.token.clone()))
        .collect();
    let mut stmts = grouped(name, MappingChange::Add, added);
    stmts.extend(grouped(name, MappingChange::Alter, changed));
    if !dropped.is_empty() {
        stmts.push(Stmt::AlterTsConfig {
            name: name.clone(),
            change: MappingChange::Drop(dropped),
        });
    }
    stmts
}

/// The mappings come as one JSON array per configuration, `[token, schema,
/// dictionary]` triples in token type and lookup order; the token type's
/// name comes from the parser (`ts_token_type`).
const QUERY: &str = concat!(
    "SELECT c.oid, n.nspname AS schema, c.cfgname AS name, \
     pn.nspname AS parser_schema, p.prsname AS parser_name, \
     (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(tt.alias, dn.nspname, d.dictname) \
        ORDER BY tt.alias COLLATE pg_catalog.\"C\", m.mapseqno)::pg_catalog.text \
      FROM pg_catalog.pg_ts_config_map m \
      JOIN pg_catalog.ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype \
      JOIN pg_catalog.pg_ts_dict d ON d.oid = m.mapdict \
      JOIN pg_catalog.pg_namespace dn ON dn.oid = d.dictnamespace \
      WHERE m.mapcfg = c.oid) AS mappings, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(c.cfgowner)::pg_catalog.text AS owner \
     FROM pg_catalog.pg_ts_config c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace \
     JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser \
     JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace",
    comment_join!("pg_ts_config", "c.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_ts_config", "c.oid"),
);

/// Reads the query's JSON of mappings into one mapping per token type.
fn read_mappings(json: &str) -> Result<Vec<TsMapping>, String> {
    let rows: Vec<(String, String, String)> =
        serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut mappings: Vec<TsMapping> = Vec::new();
    for (token, schema, dictionary) in rows {
        let dictionary = QualName::new(schema, dictionary);
        match mappings.last_mut() {
            Some(last) if last.token == token => last.dictionaries.push(dictionary),
            _ => mappings.push(TsMapping {
                token,
                dictionaries: vec![dictionary],
            }),
        }
    }
    mappings.sort_by(|a, b| a.token.cmp(&b.token));
    Ok(mappings)
}

impl ReadKind for TsConfig {
    type Raw = (u32, TsConfig);
    const WHAT: &'static str = "text search configurations";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_ts_config c WHERE c.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<(u32, TsConfig), IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let json: Option<&str> = row.get("mappings")?;
        let mappings = match json {
            None => Vec::new(),
            Some(json) => read_mappings(json).map_err(|reason| IntrospectError::Inconsistent {
                what: format!("text search configuration {name}"),
                missing: format!("readable mappings ({reason})"),
            })?,
        };
        Ok((
            row.get("oid")?,
            TsConfig {
                parser: QualName::new(
                    row.get::<&str>("parser_schema")?,
                    row.get::<&str>("parser_name")?,
                ),
                mappings,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, TsConfig)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<TsConfig>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_ts_config, rows, |x| ObjectId::TsConfig {
                name: x.name.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for TsConfig {
    type Ref = &'a TsConfig;
    const NOUN: &'static str = "text search configuration";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["text search configuration"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.ts_configs.iter().map(Obj::TsConfig));
    }

    own_namespace_object!(TsConfig);

    fn compare(old: &'a TsConfig, new: &'a TsConfig) -> Delta {
        if old.parser != new.parser {
            return Delta::Replace;
        }
        let stmts = mapping_changes(&new.name, &old.mappings, &new.mappings);
        let delta = if stmts.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(stmts)
        };
        delta.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            owner::named("TEXT SEARCH CONFIGURATION", &new.name)
        }))
    }

    /// `CREATE … (PARSER = …)` maps no token; the mappings are added after.
    fn create(config: &'a TsConfig) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateTsConfig {
            name: config.name.clone(),
            parser: config.parser.clone(),
        }];
        stmts.extend(mapping_changes(&config.name, &[], &config.mappings));
        stmts.extend(owner::on_create(config.owner.as_ref(), || {
            owner::named("TEXT SEARCH CONFIGURATION", &config.name)
        }));
        stmts
    }

    fn shown(config: &'a TsConfig) -> Option<Shown> {
        Some(Shown {
            kind: "text search configuration",
            statements: Self::create(config),
        })
    }

    /// Its mappings are read into names, not kept as text.
    fn deparsed(_: &'a TsConfig) -> Vec<(&'a str, TextShape)> {
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

    fn mapping(token: &str, dictionaries: &[&str]) -> TsMapping {
        TsMapping {
            token: token.into(),
            dictionaries: dictionaries
                .iter()
                .map(|d| QualName::new("public", *d))
                .collect(),
        }
    }

    #[test]
    fn mappings_read_from_the_query_group_by_token() {
        assert_eq!(
            read_mappings(
                r#"[["asciiword","public","a"],["asciiword","public","b"],["word","pg_catalog","simple"]]"#
            ),
            Ok(vec![
                mapping("asciiword", &["a", "b"]),
                TsMapping {
                    token: "word".into(),
                    dictionaries: vec![QualName::new("pg_catalog", "simple")],
                },
            ])
        );
        assert!(read_mappings("{}").is_err());
    }

    #[test]
    fn mappings_change_in_place_grouped_by_dictionaries() {
        let name = QualName::new("public", "c\n--");
        let old = [
            mapping("asciiword", &["a"]),
            mapping("email", &["a"]),
            mapping("url", &["a"]),
        ];
        let new = [
            mapping("asciiword", &["b", "a"]),
            mapping("email", &["a"]),
            mapping("host", &["a"]),
            mapping("word", &["a"]),
        ];
        let sql: Vec<String> = mapping_changes(&name, &old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            sql,
            [
                "ALTER TEXT SEARCH CONFIGURATION public.\"c\n--\" ADD MAPPING FOR host, word WITH public.a",
                "ALTER TEXT SEARCH CONFIGURATION public.\"c\n--\" ALTER MAPPING FOR asciiword WITH public.b, public.a",
                "ALTER TEXT SEARCH CONFIGURATION public.\"c\n--\" DROP MAPPING FOR url",
            ]
        );
    }
}
