//! Operators a schema defines itself (`CREATE OPERATOR`), infix and
//! prefix, by their symbol and argument types: operators are overloaded, so
//! `public.===(integer, integer)` and `public.===(text, text)` are two.
//!
//! Its restriction and join estimators alter in place (`ALTER OPERATOR …
//! SET (RESTRICT = …, JOIN = …)`, which every supported version takes); so
//! do its owner and comment. Anything else drops and creates it, and with
//! it the views, indexes and constraints that use it: its function and
//! result, and its commutator, negator, `HASHES` and `MERGES`, which only
//! PostgreSQL 17 can alter, and only from unset to set.
//!
//! A commutator or negator that does not exist yet is created by
//! PostgreSQL as a *shell* operator, which the operator of that name then
//! fills in when it is created; so two operators that name each other are
//! created one after the other in any order. Dropping one of them unsets
//! the other's link to it, and creating it again sets the link again.
//! A shell that no operator fills in is not read but warned about, as
//! `pg_dump` leaves it out.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, OperatorDef, OperatorName, OperatorSig, OwnedObject, ServerSql, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Its schema and symbol.
    pub name: QualName,
    /// Its argument types as `DROP OPERATOR` lists them (`integer,
    /// integer`, `NONE, integer` for a prefix operator): its identity with
    /// its name.
    pub args: String,
    /// The type of its left argument as `format_type` prints it; `None`
    /// for a prefix operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
    pub right: String,
    /// What it returns, its function's result.
    pub result: String,
    /// The function it calls, as `regproc` prints it (qualified unless in
    /// `pg_catalog`).
    pub function: String,
    /// Its commutator and negator, by schema and symbol: their argument
    /// types follow from its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commutator: Option<QualName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negator: Option<QualName>,
    /// Its restriction and join selectivity estimators, as `regproc`
    /// prints them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restrict: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<String>,
    pub hashes: bool,
    pub merges: bool,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

fn name(name: &QualName) -> OperatorName {
    OperatorName(name.clone())
}

fn signature(operator: &Operator) -> OperatorSig {
    OperatorSig {
        name: name(&operator.name),
        left: operator.left.clone().map(ServerSql),
        right: ServerSql(operator.right.clone()),
    }
}

fn definition(operator: &Operator) -> OperatorDef {
    OperatorDef {
        name: name(&operator.name),
        left: operator.left.clone().map(ServerSql),
        right: ServerSql(operator.right.clone()),
        function: ServerSql(operator.function.clone()),
        commutator: operator.commutator.as_ref().map(name),
        negator: operator.negator.as_ref().map(name),
        restrict: operator.restrict.clone().map(ServerSql),
        join: operator.join.clone().map(ServerSql),
        hashes: operator.hashes,
        merges: operator.merges,
    }
}

/// Whether `old` must be dropped and created again to become `new`:
/// anything but its estimators differs.
fn replaces(old: &Operator, new: &Operator) -> bool {
    fn fixed(o: &Operator) -> impl PartialEq + '_ {
        (
            (&o.left, &o.right, &o.result, &o.function),
            (&o.commutator, &o.negator, o.hashes, o.merges),
        )
    }
    fixed(old) != fixed(new)
}

/// One row per operator that is not a shell (`oprcode` 0, see the module
/// comment); the operators it names are read by schema and symbol.
const QUERY: &str = concat!(
    "SELECT o.oid, n.nspname AS schema, o.oprname AS name, \
     CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END AS left_type, \
     pg_catalog.format_type(o.oprright, NULL) AS right_type, \
     pg_catalog.format_type(o.oprresult, NULL) AS result, \
     o.oprcode::pg_catalog.text AS function, \
     cn.nspname AS commutator_schema, c.oprname AS commutator_name, \
     nn.nspname AS negator_schema, ng.oprname AS negator_name, \
     CASE WHEN o.oprrest <> 0 THEN o.oprrest::pg_catalog.text END AS restrict_fn, \
     CASE WHEN o.oprjoin <> 0 THEN o.oprjoin::pg_catalog.text END AS join_fn, \
     o.oprcanhash AS hashes, o.oprcanmerge AS merges, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(o.oprowner)::pg_catalog.text AS owner \
     FROM pg_catalog.pg_operator o \
     JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
     LEFT JOIN pg_catalog.pg_operator c ON c.oid = o.oprcom \
     LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace \
     LEFT JOIN pg_catalog.pg_operator ng ON ng.oid = o.oprnegate \
     LEFT JOIN pg_catalog.pg_namespace nn ON nn.oid = ng.oprnamespace",
    comment_join!("pg_operator", "o.oid", "cm"),
    "WHERE o.oprcode <> 0 AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_operator", "o.oid"),
);

impl ReadKind for Operator {
    type Raw = (u32, Operator);
    const WHAT: &'static str = "operators";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_operator o WHERE o.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<(u32, Operator), IntrospectError> {
        let other = |schema: &'static str, name: &'static str| {
            Ok::<_, IntrospectError>(
                row.get::<Option<String>>(schema)?
                    .zip(row.get::<Option<String>>(name)?)
                    .map(|(schema, name)| QualName::new(schema, name)),
            )
        };
        let left: Option<String> = row.get("left_type")?;
        let right: String = row.get("right_type")?;
        Ok((
            row.get("oid")?,
            Operator {
                name: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?),
                args: format!("{}, {right}", left.as_deref().unwrap_or("NONE")),
                left,
                right,
                result: row.get("result")?,
                function: row.get("function")?,
                commutator: other("commutator_schema", "commutator_name")?,
                negator: other("negator_schema", "negator_name")?,
                restrict: row.get("restrict_fn")?,
                join: row.get("join_fn")?,
                hashes: row.get("hashes")?,
                merges: row.get("merges")?,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
            },
        ))
    }

    fn build(
        rows: Vec<(u32, Operator)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Operator>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_operator, rows, |x| ObjectId::Operator {
                name: x.name.clone(),
                args: x.args.as_str().into(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for Operator {
    type Ref = &'a Operator;
    const NOUN: &'static str = "operator";
    const SHAPE: Shape = Shape::Operator;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["operator"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.operators.iter().map(Obj::Operator));
    }

    in_schema_with!(Operator, args);

    stands_alone!(Operator);

    fn compare(old: &'a Operator, new: &'a Operator) -> Delta {
        let definition = if replaces(old, new) {
            Delta::Replace
        } else if (&old.restrict, &old.join) != (&new.restrict, &new.join) {
            Delta::Alter(vec![Stmt::AlterOperatorEstimators {
                operator: signature(new),
                restrict: new.restrict.clone().map(ServerSql),
                join: new.join.clone().map(ServerSql),
            }])
        } else {
            Delta::Same
        };
        definition.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            OwnedObject::Operator(signature(new))
        }))
    }

    fn create(operator: &'a Operator) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::CreateOperator(definition(operator))];
        stmts.extend(owner::on_create(operator.owner.as_ref(), || {
            OwnedObject::Operator(signature(operator))
        }));
        stmts
    }

    fn drop(operator: &'a Operator) -> Vec<Stmt> {
        vec![Stmt::DropOperator(signature(operator))]
    }

    fn comment(operator: &'a Operator) -> Option<&'a Option<String>> {
        Some(&operator.comment)
    }

    fn comment_target(operator: &'a Operator) -> Option<CommentTarget> {
        Some(CommentTarget::Operator(signature(operator)))
    }

    fn shown(operator: &'a Operator) -> Option<Shown> {
        Some(Shown {
            kind: "operator",
            statements: vec![Stmt::CreateOperator(definition(operator))],
        })
    }

    /// Its types and functions are text the server printed; its symbol and
    /// those of its commutator and negator are written unquoted.
    fn deparsed(operator: &'a Operator) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![
            (operator.name.name.as_str(), TextShape::Operator),
            (operator.args.as_str(), TextShape::Fragment),
            (operator.right.as_str(), TextShape::Fragment),
            (operator.result.as_str(), TextShape::Fragment),
            (operator.function.as_str(), TextShape::Fragment),
        ];
        texts.extend(
            [&operator.left, &operator.restrict, &operator.join]
                .into_iter()
                .flatten()
                .map(|text| (text.as_str(), TextShape::Fragment)),
        );
        texts.extend(
            [&operator.commutator, &operator.negator]
                .into_iter()
                .flatten()
                .map(|other| (other.name.as_str(), TextShape::Operator)),
        );
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    fn operator() -> Operator {
        Operator {
            name: QualName::new("op\n*/ --\"é", "<->>"),
            args: "integer, integer".into(),
            left: Some("integer".into()),
            right: "integer".into(),
            result: "boolean".into(),
            function: "\"op\n*/ --\"\"é\".near".into(),
            commutator: Some(QualName::new("op\n*/ --\"é", "<<->")),
            negator: None,
            restrict: Some("eqsel".into()),
            join: None,
            hashes: false,
            merges: true,
            comment: None,
            owner: None,
        }
    }

    fn sql(stmts: &[Stmt]) -> Vec<String> {
        stmts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_operator_is_written_with_its_symbol_unquoted() {
        let operator = operator();
        assert_eq!(
            sql(&Operator::create(&operator)),
            [
                "CREATE OPERATOR \"op\n*/ --\"\"é\".<->> (FUNCTION = \"op\n*/ --\"\"é\".near, \
              LEFTARG = integer, RIGHTARG = integer, \
              COMMUTATOR = OPERATOR(\"op\n*/ --\"\"é\".<<->), RESTRICT = eqsel, MERGES)"
            ]
        );
        let mut prefix = operator.clone();
        prefix.left = None;
        prefix.args = "NONE, integer".into();
        assert_eq!(
            sql(&Operator::drop(&prefix)),
            ["DROP OPERATOR \"op\n*/ --\"\"é\".<->> (NONE, integer)"]
        );
    }

    /// A snapshot is refused unless every symbol it would write unquoted
    /// is one.
    #[test]
    fn a_symbol_that_is_no_operator_is_refused() {
        let refused = |operator: &Operator| {
            Operator::deparsed(operator)
                .into_iter()
                .any(|(text, shape)| crate::sql::verify::check(text, shape).is_err())
        };
        let mut operator = operator();
        assert!(!refused(&operator));
        operator.name.name = "= (integer, integer); DROP TABLE t; --".into();
        assert!(refused(&operator));
        let mut negated = self::operator();
        negated.negator = Some(QualName::new("public", "a"));
        assert!(refused(&negated));
    }

    #[test]
    fn estimators_alter_in_place_and_the_rest_replaces() {
        let old = operator();
        let mut new = old.clone();
        new.restrict = None;
        new.join = Some("eqjoinsel".into());
        let Delta::Alter(stmts) = Operator::compare(&old, &new) else {
            panic!("new estimators alter the operator in place");
        };
        assert_eq!(
            sql(&stmts),
            ["ALTER OPERATOR \"op\n*/ --\"\"é\".<->> (integer, integer) \
              SET (RESTRICT = NONE, JOIN = eqjoinsel)"]
        );
        new.function = "public.far".into();
        assert_eq!(Operator::compare(&old, &new), Delta::Replace);
        let mut hashed = old.clone();
        hashed.hashes = true;
        assert_eq!(Operator::compare(&old, &hashed), Delta::Replace);
        assert_eq!(Operator::compare(&old, &old), Delta::Same);
    }
}
