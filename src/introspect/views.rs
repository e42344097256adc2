//! Views and materialized views.

use tokio_postgres::Client;

use super::deparse::view_definition;
use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{ColumnComment, ObjectId, QualName, View};

pub(super) struct RawView {
    oid: u32,
    name: QualName,
    materialized: bool,
    definition: String,
    options: Vec<String>,
    /// The view's `_RETURN` rule: `pg_depend` records a view's references
    /// as dependencies of this rule, not of the view.
    rule: Option<u32>,
    row_type: u32,
    row_array_type: Option<u32>,
    comment: Option<String>,
    column_comments: Vec<ColumnComment>,
}

const QUERY: &str = concat!(
    "SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, \
     pg_catalog.pg_get_viewdef(c.oid, true) AS definition, \
     COALESCE(c.reloptions, '{}') AS options, \
     (SELECT r.oid FROM pg_catalog.pg_rewrite r \
      WHERE r.ev_class = c.oid AND r.rulename = '_RETURN') AS rule_oid, \
     c.reltype AS row_type, t.typarray AS row_array_type, cm.description AS comment, \
     ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a \
      JOIN pg_catalog.pg_description d ON d.objoid = c.oid \
       AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum \
      WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS commented_columns, \
     ARRAY(SELECT d.description FROM pg_catalog.pg_attribute a \
      JOIN pg_catalog.pg_description d ON d.objoid = c.oid \
       AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum \
      WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS column_comments \
     FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_type t ON t.oid = c.reltype",
    comment_join!("pg_class", "c.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    modelled_view!("c"),
);

const WHAT: &str = "views";

/// Reads views; definitions come out as PostgreSQL 16 and later print them
/// ([`super::deparse`]).
pub(super) async fn fetch(
    client: &Client,
    server_version_num: i32,
) -> Result<Vec<RawView>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        Ok(RawView {
            oid: row.get("oid")?,
            name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
            materialized: row.get("materialized")?,
            definition: view_definition(row.get("definition")?, server_version_num),
            options: sorted_options(row.get("options")?),
            rule: row.get("rule_oid")?,
            row_type: row.get("row_type")?,
            row_array_type: row.get("row_array_type")?,
            comment: row.get("comment")?,
            column_comments: column_comments(
                row.get("commented_columns")?,
                row.get("column_comments")?,
            ),
        })
    })
}

pub(super) fn build(rows: Vec<RawView>, classes: &ClassIds, objects: &mut ObjectMap) -> Vec<View> {
    rows.into_iter()
        .map(|row| {
            let id = ObjectId::View {
                name: row.name.clone(),
            };
            if let Some(rule) = row.rule {
                objects.insert(classes.pg_rewrite, rule, 0, id.clone());
            }
            objects.insert(classes.pg_type, row.row_type, 0, id.clone());
            if let Some(array) = row.row_array_type.filter(|oid| *oid != 0) {
                objects.insert(classes.pg_type, array, 0, id.clone());
            }
            objects.insert(classes.pg_class, row.oid, 0, id);
            View {
                name: row.name,
                materialized: row.materialized,
                definition: row.definition,
                options: row.options,
                comment: row.comment,
                column_comments: row.column_comments,
            }
        })
        .collect()
}

/// Pairs the commented columns with their comments, sorted by column name.
fn column_comments(columns: Vec<String>, comments: Vec<String>) -> Vec<ColumnComment> {
    let mut pairs: Vec<ColumnComment> = columns
        .into_iter()
        .zip(comments)
        .map(|(column, comment)| ColumnComment { column, comment })
        .collect();
    pairs.sort();
    pairs
}

/// `reloptions` in a stable order: PostgreSQL keeps them in the order they
/// were set, which says nothing about the view.
fn sorted_options(mut options: Vec<String>) -> Vec<String> {
    options.sort();
    options.dedup();
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::introspect::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn options_are_sorted() {
        let options = vec![
            "security_barrier=true".to_owned(),
            "check_option=local".to_owned(),
        ];
        assert_eq!(
            sorted_options(options),
            ["check_option=local", "security_barrier=true"]
        );
        assert!(sorted_options(Vec::new()).is_empty());
    }
}
