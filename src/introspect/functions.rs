//! Functions and procedures. Aggregates and window functions are reported as
//! warnings: `pg_get_functiondef` cannot print them.

use tokio_postgres::Client;

use super::depend::{ClassIds, ObjectMap};
use super::{IntrospectError, query, read_rows};
use crate::catalog::{Function, FunctionKind, ObjectId, QualName};

pub(super) struct RawFunction {
    oid: u32,
    name: QualName,
    kind: FunctionKind,
    identity_args: String,
    arguments: String,
    result: Option<String>,
    definition: String,
    comment: Option<String>,
}

const QUERY: &str = concat!(
    "SELECT p.oid, n.nspname AS schema, p.proname AS name, p.prokind AS kind, \
     pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args, \
     pg_catalog.pg_get_function_arguments(p.oid) AS arguments, \
     pg_catalog.pg_get_function_result(p.oid) AS result, \
     pg_catalog.pg_get_functiondef(p.oid) AS definition, \
     cm.description AS comment \
     FROM pg_catalog.pg_proc p \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace",
    comment_join!("pg_proc", "p.oid", "cm"),
    "WHERE p.prokind IN ('f', 'p') AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_proc", "p.oid"),
);

const WHAT: &str = "functions";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawFunction>, IntrospectError> {
    let rows = query(client, WHAT, QUERY).await?;
    read_rows(&rows, WHAT, |row| {
        let kind = function_kind(row.get_char("kind")?);
        Ok(RawFunction {
            oid: row.get("oid")?,
            name: QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
            kind,
            identity_args: row.get("identity_args")?,
            arguments: row.get("arguments")?,
            // A procedure has no result; the model says so whatever the
            // server prints.
            result: match kind {
                FunctionKind::Function => row.get("result")?,
                FunctionKind::Procedure => None,
            },
            definition: row.get("definition")?,
            comment: row.get("comment")?,
        })
    })
}

/// `prokind`: the query reads only `f` and `p`.
fn function_kind(prokind: char) -> FunctionKind {
    match prokind {
        'p' => FunctionKind::Procedure,
        _ => FunctionKind::Function,
    }
}

pub(super) fn build(
    rows: Vec<RawFunction>,
    classes: &ClassIds,
    objects: &mut ObjectMap,
) -> Vec<Function> {
    rows.into_iter()
        .map(|row| {
            let id = ObjectId::Function {
                name: row.name.clone(),
                args: row.identity_args.as_str().into(),
            };
            objects.insert(classes.pg_proc, row.oid, 0, id);
            Function {
                name: row.name,
                kind: row.kind,
                identity_args: row.identity_args,
                arguments: row.arguments,
                result: row.result,
                definition: row.definition,
                comment: row.comment,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::introspect::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn kinds() {
        assert_eq!(function_kind('f'), FunctionKind::Function);
        assert_eq!(function_kind('p'), FunctionKind::Procedure);
    }
}
