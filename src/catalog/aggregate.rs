//! Aggregates (`CREATE AGGREGATE`): plain, ordered-set and hypothetical,
//! with their state, final, combine, serial and moving-aggregate functions,
//! initial conditions, sort operator and parallel safety. PostgreSQL prints
//! no definition of an aggregate, so pgrift writes it from `pg_aggregate`,
//! each function, type and operator named as the server printed it.
//!
//! `CREATE OR REPLACE AGGREGATE` (PostgreSQL 14) replaces an aggregate in
//! place as long as its kind, arguments and result stay, so the views and
//! functions that use it stay too; a new kind (plain, ordered-set or
//! hypothetical-set) or result drops and creates it, and a new argument
//! list is another aggregate. Its owner, privileges
//! and comment alter in place.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{AggregateOption, FinalModify, FunctionKind, Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{AggregateDef, CommentTarget, GrantTarget, OwnedObject, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    pub name: QualName,
    /// `pg_get_function_identity_arguments`: its identity, and how `DROP`,
    /// `COMMENT ON` and `GRANT` name it (with `ORDER BY` for an
    /// ordered-set aggregate).
    pub identity_args: String,
    /// `pg_get_function_arguments`: with argument names.
    pub arguments: String,
    /// `pg_get_function_result`: what it returns, which `CREATE OR
    /// REPLACE` cannot change.
    pub result: String,
    /// An ordered-set (or hypothetical-set) aggregate, whose arguments
    /// hold `ORDER BY`.
    pub ordered: bool,
    /// Its options in the order `CREATE AGGREGATE` lists them.
    pub options: Vec<AggregateOption>,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`): by default `PUBLIC` may execute it.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

fn definition(aggregate: &Aggregate, or_replace: bool) -> Stmt {
    Stmt::CreateAggregate(AggregateDef {
        or_replace,
        name: aggregate.name.clone(),
        arguments: match aggregate.arguments.as_str() {
            "" => ServerSql("*".to_owned()),
            arguments => ServerSql(arguments.to_owned()),
        },
        options: aggregate.options.clone(),
    })
}

/// The arguments `DROP`, `COMMENT ON` and `ALTER AGGREGATE` name an
/// aggregate by: `*` for one over no argument (`count(*)`), which they
/// refuse to name with `()`, as `CREATE AGGREGATE` does.
fn signature(aggregate: &Aggregate) -> ServerSql {
    match aggregate.identity_args.as_str() {
        "" => ServerSql("*".to_owned()),
        args => ServerSql(args.to_owned()),
    }
}

fn owned(aggregate: &Aggregate) -> OwnedObject {
    OwnedObject::Function {
        kind: FunctionKind::Aggregate,
        name: aggregate.name.clone(),
        args: signature(aggregate),
    }
}

/// `GRANT … ON FUNCTION` names an aggregate too; there is no `ON
/// AGGREGATE`.
fn grant_target(aggregate: &Aggregate) -> GrantTarget {
    GrantTarget::Function {
        kind: FunctionKind::Function,
        name: aggregate.name.clone(),
        args: ServerSql(function_args(&aggregate.identity_args)),
    }
}

/// An aggregate's arguments as a function names them, one list: an
/// ordered-set or hypothetical-set aggregate's direct and aggregated
/// arguments (`double precision ORDER BY anyelement`) are its function's
/// arguments one after the other (`double precision, anyelement`), which
/// is all `GRANT … ON FUNCTION` reads, and a hypothetical-set aggregate
/// whose two lists are the same `VARIADIC` one has that one argument. The
/// `ORDER BY` is found by token, so that a type named so in quotes is
/// left whole.
fn function_args(identity_args: &str) -> String {
    let tokens = crate::sql::lex::tokenize(identity_args);
    let Some(at) = tokens
        .windows(2)
        .position(|pair| pair[0].is("ORDER") && pair[1].is("BY"))
    else {
        return identity_args.to_owned();
    };
    let direct = identity_args[..tokens[at].start].trim_end();
    let ordered = identity_args[tokens[at + 1].end()..].trim_start();
    if direct.is_empty() {
        ordered.to_owned()
    } else if direct == ordered && ordered.starts_with("VARIADIC ") {
        direct.to_owned()
    } else {
        format!("{direct}, {ordered}")
    }
}

/// One row per aggregate with every field of `pg_aggregate` that
/// `CREATE AGGREGATE` sets; functions print as `regproc` does (qualified
/// unless in `pg_catalog`, under the session's empty `search_path`), types
/// as `format_type`.
const QUERY: &str = concat!(
    "SELECT p.oid, n.nspname AS schema, p.proname AS name, \
     pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args, \
     pg_catalog.pg_get_function_arguments(p.oid) AS arguments, \
     pg_catalog.pg_get_function_result(p.oid) AS result, \
     a.aggkind AS kind, \
     a.aggtransfn::pg_catalog.text AS sfunc, \
     pg_catalog.format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace, \
     CASE WHEN a.aggfinalfn <> 0 THEN a.aggfinalfn::pg_catalog.text END AS finalfunc, \
     a.aggfinalextra AS finalfunc_extra, a.aggfinalmodify AS finalfunc_modify, \
     CASE WHEN a.aggcombinefn <> 0 THEN a.aggcombinefn::pg_catalog.text END AS combinefunc, \
     CASE WHEN a.aggserialfn <> 0 THEN a.aggserialfn::pg_catalog.text END AS serialfunc, \
     CASE WHEN a.aggdeserialfn <> 0 THEN a.aggdeserialfn::pg_catalog.text END AS deserialfunc, \
     a.agginitval AS initcond, \
     CASE WHEN a.aggmtransfn <> 0 THEN a.aggmtransfn::pg_catalog.text END AS msfunc, \
     CASE WHEN a.aggminvtransfn <> 0 THEN a.aggminvtransfn::pg_catalog.text END AS minvfunc, \
     CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS mstype, \
     a.aggmtransspace AS msspace, \
     CASE WHEN a.aggmfinalfn <> 0 THEN a.aggmfinalfn::pg_catalog.text END AS mfinalfunc, \
     a.aggmfinalextra AS mfinalfunc_extra, a.aggmfinalmodify AS mfinalfunc_modify, \
     a.aggminitval AS minitcond, \
     son.nspname AS sortop_schema, so.oprname AS sortop_name, \
     p.proparallel AS parallel, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(p.proowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "p.proacl",
        "p.proowner",
        "pg_catalog.acldefault('f', p.proowner)"
    ),
    " AS acl \
     FROM pg_catalog.pg_proc p \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid \
     LEFT JOIN pg_catalog.pg_operator so ON so.oid = a.aggsortop \
     LEFT JOIN pg_catalog.pg_namespace son ON son.oid = so.oprnamespace",
    comment_join!("pg_proc", "p.oid", "cm"),
    "WHERE p.prokind = 'a' AND ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_proc", "p.oid"),
);

fn modify(code: char, what: &dyn Fn() -> String) -> Result<FinalModify, IntrospectError> {
    match code {
        'r' => Ok(FinalModify::ReadOnly),
        's' => Ok(FinalModify::Shareable),
        'w' => Ok(FinalModify::ReadWrite),
        other => Err(IntrospectError::unknown_code(
            what(),
            "aggfinalmodify",
            other,
        )),
    }
}

impl ReadKind for Aggregate {
    type Raw = (u32, Aggregate);
    const WHAT: &'static str = "aggregates";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_aggregate a WHERE a.aggfnoid::pg_catalog.oid >= 16384");

    fn raw(
        row: &Reader<'_>,
        _server_version_num: i32,
    ) -> Result<(u32, Aggregate), IntrospectError> {
        use AggregateOption as O;
        let name = QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?);
        let identity_args: String = row.get("identity_args")?;
        let what = || format!("aggregate {name}({identity_args})");
        let kind = row.get_char("kind")?;
        let text = |column: &'static str| row.get::<Option<String>>(column);
        let mut options = vec![O::SFunc(row.get("sfunc")?), O::SType(row.get("stype")?)];
        let sspace: i32 = row.get("sspace")?;
        options.extend((sspace != 0).then_some(O::SSpace(sspace)));
        if let Some(function) = text("finalfunc")? {
            options.push(O::FinalFunc(function));
            if row.get("finalfunc_extra")? {
                options.push(O::FinalFuncExtra);
            }
            options.push(O::FinalFuncModify(modify(
                row.get_char("finalfunc_modify")?,
                &what,
            )?));
        }
        options.extend(text("combinefunc")?.map(O::CombineFunc));
        options.extend(text("serialfunc")?.map(O::SerialFunc));
        options.extend(text("deserialfunc")?.map(O::DeserialFunc));
        options.extend(text("initcond")?.map(O::InitCond));
        if let Some(function) = text("msfunc")? {
            options.push(O::MSFunc(function));
            options.extend(text("minvfunc")?.map(O::MInvFunc));
            options.extend(text("mstype")?.map(O::MSType));
            let msspace: i32 = row.get("msspace")?;
            options.extend((msspace != 0).then_some(O::MSSpace(msspace)));
            if let Some(function) = text("mfinalfunc")? {
                options.push(O::MFinalFunc(function));
                if row.get("mfinalfunc_extra")? {
                    options.push(O::MFinalFuncExtra);
                }
                options.push(O::MFinalFuncModify(modify(
                    row.get_char("mfinalfunc_modify")?,
                    &what,
                )?));
            }
            options.extend(text("minitcond")?.map(O::MInitCond));
        }
        if let Some((schema, operator)) = row
            .get::<Option<String>>("sortop_schema")?
            .zip(row.get::<Option<String>>("sortop_name")?)
        {
            options.push(O::SortOp { schema, operator });
        }
        match row.get_char("parallel")? {
            's' => options.push(O::ParallelSafe),
            'r' => options.push(O::ParallelRestricted),
            _ => {}
        }
        if kind == 'h' {
            options.push(O::Hypothetical);
        }
        Ok((
            row.get("oid")?,
            Aggregate {
                acl: Acl::read(row.get("acl")?, what)?,
                owner: Some(row.get_name("owner")?),
                arguments: row.get("arguments")?,
                result: row.get("result")?,
                ordered: kind != 'n',
                options,
                comment: row.get("comment")?,
                identity_args,
                name,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, Aggregate)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Aggregate>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_proc, rows, |x| ObjectId::Aggregate {
                name: x.name.clone(),
                args: x.identity_args.as_str().into(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for Aggregate {
    type Ref = &'a Aggregate;
    const NOUN: &'static str = "aggregate";
    const SHAPE: Shape = Shape::Call;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["aggregate"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.aggregates.iter().map(Obj::Aggregate));
    }

    in_schema_with!(Aggregate, identity_args);

    stands_alone!(Aggregate);

    fn created_acl(x: &'a Aggregate) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: grant_target(x),
            objects: crate::names::DefaultObjects::Functions,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a Aggregate, new: &'a Aggregate) -> Delta {
        let hypothetical = |a: &Aggregate| a.options.contains(&AggregateOption::Hypothetical);
        let definition = if old.ordered != new.ordered
            || hypothetical(old) != hypothetical(new)
            || old.result != new.result
        {
            Delta::Replace
        } else if old.options != new.options || old.arguments != new.arguments {
            Delta::Alter(vec![definition(new, true)])
        } else {
            Delta::Same
        };
        definition
            .and(acl::alter(
                &old.acl,
                &new.acl,
                &grant_target(new),
                old.owner.as_ref(),
            ))
            .and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
                owned(new)
            }))
    }

    fn create(aggregate: &'a Aggregate) -> Vec<Stmt> {
        let mut stmts = vec![definition(aggregate, false)];
        stmts.extend(acl::on_create(
            &aggregate.acl,
            &grant_target(aggregate),
            None,
        ));
        stmts.extend(owner::on_create(aggregate.owner.as_ref(), || {
            owned(aggregate)
        }));
        stmts
    }

    fn drop(aggregate: &'a Aggregate) -> Vec<Stmt> {
        vec![Stmt::DropFunction {
            kind: FunctionKind::Aggregate,
            name: aggregate.name.clone(),
            args: signature(aggregate),
        }]
    }

    fn comment(aggregate: &'a Aggregate) -> Option<&'a Option<String>> {
        Some(&aggregate.comment)
    }

    fn comment_target(aggregate: &'a Aggregate) -> Option<CommentTarget> {
        Some(CommentTarget::Function {
            kind: FunctionKind::Aggregate,
            name: aggregate.name.clone(),
            args: signature(aggregate),
        })
    }

    fn shown(aggregate: &'a Aggregate) -> Option<Shown> {
        Some(Shown {
            kind: "aggregate",
            statements: vec![definition(aggregate, false)],
        })
    }

    /// Its argument lists, functions and types are text the server printed,
    /// written back into `CREATE AGGREGATE`.
    fn deparsed(aggregate: &'a Aggregate) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![
            (aggregate.identity_args.as_str(), TextShape::Fragment),
            (aggregate.arguments.as_str(), TextShape::Fragment),
            (aggregate.result.as_str(), TextShape::Fragment),
        ];
        texts.extend(
            aggregate
                .options
                .iter()
                .filter_map(AggregateOption::server_text)
                .map(|text| (text, TextShape::Fragment)),
        );
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_set_aggregates_are_granted_by_their_function_arguments() {
        for (identity, function) in [
            ("integer", "integer"),
            ("", ""),
            ("anyelement ORDER BY anyelement", "anyelement, anyelement"),
            ("ORDER BY anyelement", "anyelement"),
            (
                "double precision ORDER BY anyelement",
                "double precision, anyelement",
            ),
            (
                "VARIADIC \"any\" ORDER BY VARIADIC \"any\"",
                "VARIADIC \"any\"",
            ),
            ("\"a ORDER BY b\"", "\"a ORDER BY b\""),
        ] {
            assert_eq!(function_args(identity), function, "{identity}");
        }
    }

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn an_aggregate_is_written_from_its_options() {
        use AggregateOption as O;
        let aggregate = Aggregate {
            name: QualName::new("public", "agg\n*/"),
            identity_args: "integer ORDER BY double precision".into(),
            arguments: "p integer ORDER BY v double precision".into(),
            result: "double precision".into(),
            ordered: true,
            options: vec![
                O::SFunc("public.\"step--\"".into()),
                O::SType("internal".into()),
                O::FinalFunc("public.done".into()),
                O::FinalFuncExtra,
                O::FinalFuncModify(FinalModify::ReadWrite),
                O::InitCond("it's */".into()),
                O::SortOp {
                    schema: "pg_catalog".into(),
                    operator: "<".into(),
                },
                O::ParallelSafe,
                O::Hypothetical,
            ],
            comment: None,
            acl: Acl::default(),
            owner: None,
        };
        assert_eq!(
            Aggregate::create(&aggregate)[0].to_string(),
            "CREATE AGGREGATE public.\"agg\n*/\"(p integer ORDER BY v double precision) (\
             SFUNC = public.\"step--\", STYPE = internal, FINALFUNC = public.done, \
             FINALFUNC_EXTRA, FINALFUNC_MODIFY = READ_WRITE, INITCOND = 'it''s */', \
             SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE, HYPOTHETICAL)"
        );
        assert_eq!(
            Aggregate::drop(&aggregate)[0].to_string(),
            "DROP AGGREGATE public.\"agg\n*/\"(integer ORDER BY double precision)"
        );
        let mut plain = aggregate.clone();
        plain.ordered = false;
        assert!(matches!(
            Aggregate::compare(&aggregate, &plain),
            Delta::Replace
        ));
        let mut other = aggregate.clone();
        other.options[5] = AggregateOption::InitCond("0".into());
        let Delta::Alter(stmts) = Aggregate::compare(&aggregate, &other) else {
            panic!("new options replace the aggregate in place");
        };
        assert!(
            stmts[0]
                .to_string()
                .starts_with("CREATE OR REPLACE AGGREGATE")
        );
    }
}
