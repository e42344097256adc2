//! Text search templates (`CREATE TEXT SEARCH TEMPLATE`): the functions
//! that prepare a dictionary from its options (`INIT`, which a template
//! may go without) and look a token up in it (`LEXIZE`). PostgreSQL alters
//! nothing of a template but its name, schema and comment, so a new
//! function drops and creates it, and with it the dictionaries made from
//! it (`pg_depend`) and the configurations that map to those.
//!
//! Only a superuser can create a template, whose functions are written in
//! C: a script that creates or drops one must be run by a superuser, and
//! `.sql` files that create one need `--shadow-superuser`. A template has
//! no owner.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::QualName;
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Keyword, ObjectName, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsTemplate {
    pub name: QualName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<QualName>,
    pub lexize: QualName,
    pub comment: Option<String>,
}

const KEYWORD: Keyword = Keyword("TEXT SEARCH TEMPLATE");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

fn definition(template: &TsTemplate) -> Stmt {
    Stmt::CreateOfFunctions {
        object: object(&template.name),
        functions: template
            .init
            .iter()
            .map(|init| ("INIT", init.clone()))
            .chain([("LEXIZE", template.lexize.clone())])
            .collect(),
    }
}

/// `tmplinit` is 0 for a template without one, which the outer join
/// reads as no function.
const QUERY: &str = concat!(
    "SELECT t.oid, n.nspname AS schema, t.tmplname AS name, \
     ip.nspname AS init_schema, i.proname AS init_name, \
     lp.nspname AS lexize_schema, l.proname AS lexize_name, \
     cm.description AS comment \
     FROM pg_catalog.pg_ts_template t \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace \
     LEFT JOIN pg_catalog.pg_proc i ON i.oid = t.tmplinit::pg_catalog.oid \
     LEFT JOIN pg_catalog.pg_namespace ip ON ip.oid = i.pronamespace \
     JOIN pg_catalog.pg_proc l ON l.oid = t.tmpllexize::pg_catalog.oid \
     JOIN pg_catalog.pg_namespace lp ON lp.oid = l.pronamespace",
    comment_join!("pg_ts_template", "t.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_ts_template", "t.oid"),
);

/// The function whose schema and name are the columns `<part>_schema` and
/// `<part>_name`, if the row has one.
pub(super) fn function(row: &Reader<'_>, part: &str) -> Result<Option<QualName>, IntrospectError> {
    let schema: Option<&str> = row.get(format!("{part}_schema").as_str())?;
    let name: Option<&str> = row.get(format!("{part}_name").as_str())?;
    Ok(schema
        .zip(name)
        .map(|(schema, name)| QualName::new(schema, name)))
}

/// The function a row must have, as [`function`] reads it.
pub(super) fn required(
    row: &Reader<'_>,
    part: &str,
    what: impl FnOnce() -> String,
) -> Result<QualName, IntrospectError> {
    function(row, part)?.ok_or_else(|| IntrospectError::Inconsistent {
        what: what(),
        missing: format!("its {part} function"),
    })
}

impl ReadKind for TsTemplate {
    type Raw = (u32, TsTemplate);
    const WHAT: &'static str = "text search templates";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_ts_template t WHERE t.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, TsTemplate), IntrospectError> {
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        Ok((
            row.get("oid")?,
            TsTemplate {
                init: function(row, "init")?,
                lexize: required(row, "lexize", || format!("text search template {name}"))?,
                comment: row.get("comment")?,
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, TsTemplate)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<TsTemplate>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_ts_template, rows, |x| ObjectId::TsTemplate {
                name: x.name.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for TsTemplate {
    type Ref = &'a TsTemplate;
    const NOUN: &'static str = "text search template";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["text search template"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.ts_templates.iter().map(Obj::TsTemplate));
    }

    own_namespace_object!(TsTemplate);

    made_of_functions!(TsTemplate, "text search template");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn a_template_is_written_with_its_functions_and_replaced_when_they_change() {
        let template = TsTemplate {
            name: QualName::new("ts\n*/ --é", "simple\"ish"),
            init: Some(QualName::new("pg_catalog", "dsimple_init")),
            lexize: QualName::new("pg_catalog", "dsimple_lexize"),
            comment: None,
        };
        assert_eq!(
            TsTemplate::create(&template)[0].to_string(),
            "CREATE TEXT SEARCH TEMPLATE \"ts\n*/ --é\".\"simple\"\"ish\" \
             (INIT = pg_catalog.dsimple_init, LEXIZE = pg_catalog.dsimple_lexize)"
        );
        let without_init = TsTemplate {
            init: None,
            ..template.clone()
        };
        assert_eq!(
            TsTemplate::create(&without_init)[0].to_string(),
            "CREATE TEXT SEARCH TEMPLATE \"ts\n*/ --é\".\"simple\"\"ish\" \
             (LEXIZE = pg_catalog.dsimple_lexize)"
        );
        assert_eq!(
            TsTemplate::compare(&template, &without_init),
            Delta::Replace
        );
        assert_eq!(TsTemplate::compare(&template, &template), Delta::Same);
        assert_eq!(
            TsTemplate::drop(&template)[0].to_string(),
            "DROP TEXT SEARCH TEMPLATE \"ts\n*/ --é\".\"simple\"\"ish\""
        );
    }
}
