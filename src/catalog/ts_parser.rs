//! Text search parsers (`CREATE TEXT SEARCH PARSER`): the functions that
//! split a document into tokens (`START`, `GETTOKEN`, `END`), name the
//! token types (`LEXTYPES`) and, optionally, build a headline
//! (`HEADLINE`). PostgreSQL alters nothing of a parser but its name,
//! schema and comment, so a new function drops and creates it, and with it
//! the configurations that use it (`pg_depend`) and the indexes on
//! `to_tsvector` with those.
//!
//! Only a superuser can create a parser, whose functions are written in C:
//! a script that creates or drops one must be run by a superuser, and
//! `.sql` files that create one need `--shadow-superuser`. A parser has no
//! owner.

use serde::{Deserialize, Serialize};

use super::ts_template::{function, required};
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::QualName;
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Keyword, ObjectName, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsParser {
    pub name: QualName,
    pub start: QualName,
    pub gettoken: QualName,
    pub end: QualName,
    pub lextypes: QualName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<QualName>,
    pub comment: Option<String>,
}

const KEYWORD: Keyword = Keyword("TEXT SEARCH PARSER");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

fn definition(parser: &TsParser) -> Stmt {
    let mut functions = vec![
        ("START", parser.start.clone()),
        ("GETTOKEN", parser.gettoken.clone()),
        ("END", parser.end.clone()),
        ("LEXTYPES", parser.lextypes.clone()),
    ];
    functions.extend(parser.headline.iter().map(|f| ("HEADLINE", f.clone())));
    Stmt::CreateOfFunctions {
        object: object(&parser.name),
        functions,
    }
}

/// The schema and name of each of a parser's functions; `prsheadline` is
/// 0 for a parser without one, which the outer join reads as none.
const QUERY: &str = concat!(
    "SELECT p.oid, n.nspname AS schema, p.prsname AS name, \
     sn.nspname AS start_schema, s.proname AS start_name, \
     gn.nspname AS gettoken_schema, g.proname AS gettoken_name, \
     en.nspname AS end_schema, e.proname AS end_name, \
     ln.nspname AS lextypes_schema, l.proname AS lextypes_name, \
     hn.nspname AS headline_schema, h.proname AS headline_name, \
     cm.description AS comment \
     FROM pg_catalog.pg_ts_parser p \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace \
     JOIN pg_catalog.pg_proc s ON s.oid = p.prsstart::pg_catalog.oid \
     JOIN pg_catalog.pg_namespace sn ON sn.oid = s.pronamespace \
     JOIN pg_catalog.pg_proc g ON g.oid = p.prstoken::pg_catalog.oid \
     JOIN pg_catalog.pg_namespace gn ON gn.oid = g.pronamespace \
     JOIN pg_catalog.pg_proc e ON e.oid = p.prsend::pg_catalog.oid \
     JOIN pg_catalog.pg_namespace en ON en.oid = e.pronamespace \
     JOIN pg_catalog.pg_proc l ON l.oid = p.prslextype::pg_catalog.oid \
     JOIN pg_catalog.pg_namespace ln ON ln.oid = l.pronamespace \
     LEFT JOIN pg_catalog.pg_proc h ON h.oid = p.prsheadline::pg_catalog.oid \
     LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = h.pronamespace",
    comment_join!("pg_ts_parser", "p.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_ts_parser", "p.oid"),
);

impl ReadKind for TsParser {
    type Raw = (u32, TsParser);
    const WHAT: &'static str = "text search parsers";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_ts_parser p WHERE p.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<(u32, TsParser), IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let what = || format!("text search parser {name}");
        Ok((
            row.get("oid")?,
            TsParser {
                start: required(row, "start", what)?,
                gettoken: required(row, "gettoken", what)?,
                end: required(row, "end", what)?,
                lextypes: required(row, "lextypes", what)?,
                headline: function(row, "headline")?,
                comment: row.get("comment")?,
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, TsParser)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<TsParser>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_ts_parser, rows, |x| ObjectId::TsParser {
                name: x.name.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for TsParser {
    type Ref = &'a TsParser;
    const NOUN: &'static str = "text search parser";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["text search parser"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.ts_parsers.iter().map(Obj::TsParser));
    }

    own_namespace_object!(TsParser);

    made_of_functions!(TsParser, "text search parser");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn a_parser_is_written_with_its_functions_and_replaced_when_they_change() {
        let catalog = |name: &str| QualName::new("pg_catalog", name);
        let parser = TsParser {
            name: QualName::new("ts\n*/ --é", "words;"),
            start: catalog("prsd_start"),
            gettoken: catalog("prsd_nexttoken"),
            end: catalog("prsd_end"),
            lextypes: catalog("prsd_lextype"),
            headline: Some(catalog("prsd_headline")),
            comment: None,
        };
        assert_eq!(
            TsParser::create(&parser)[0].to_string(),
            "CREATE TEXT SEARCH PARSER \"ts\n*/ --é\".\"words;\" \
             (START = pg_catalog.prsd_start, GETTOKEN = pg_catalog.prsd_nexttoken, \
             END = pg_catalog.prsd_end, LEXTYPES = pg_catalog.prsd_lextype, \
             HEADLINE = pg_catalog.prsd_headline)"
        );
        let headless = TsParser {
            headline: None,
            ..parser.clone()
        };
        assert_eq!(TsParser::compare(&parser, &headless), Delta::Replace);
        assert_eq!(TsParser::compare(&parser, &parser), Delta::Same);
    }
}
