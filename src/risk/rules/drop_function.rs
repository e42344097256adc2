//! Dropping a function or procedure breaks its callers. So does a change
//! of signature: another overload replacing it, a new result type, new
//! argument names or defaults (which PostgreSQL cannot replace in place).
//! A function dropped and created unchanged, because something it depends
//! on changes, breaks nothing.

use crate::sql::Stmt;

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

const FIND_CALLERS: &str = "find the callers before dropping a function (application code, views, other functions, pg_stat_user_functions)";

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::DropFunction { kind, name, args } = site.stmt else {
        return Vec::new();
    };
    let noun = kind.noun();
    let signature = format!("{name}({args})");
    let old = cx.from.function(name, &args.0);
    let new = cx.to.function(name, &args.0);
    let message = match (old, new) {
        (Some(old), Some(new)) => {
            if old.kind != new.kind {
                format!("The {noun} {signature} becomes a procedure or function: its callers break")
            } else if old.result != new.result {
                format!(
                    "The {noun} {signature} is dropped and created again returning {} instead of {}: callers that expect the old result break",
                    new.result.as_deref().unwrap_or("nothing"),
                    old.result.as_deref().unwrap_or("nothing")
                )
            } else if old.arguments != new.arguments {
                format!(
                    "The {noun} {signature} is dropped and created again with arguments ({}): callers that name arguments or rely on defaults may break",
                    new.arguments
                )
            } else {
                return Vec::new();
            }
        }
        (_, None) => {
            let others: Vec<String> = cx
                .to
                .functions_named(name)
                .iter()
                .filter(|f| cx.from.function(&f.name, &f.identity_args).is_none())
                .map(|f| format!("{}({})", f.name, f.identity_args))
                .collect();
            if others.is_empty() {
                format!("Dropping {noun} {signature} breaks its callers")
            } else {
                format!(
                    "The {noun} {signature} is replaced by {}: callers passing the old arguments break",
                    others.join(", ")
                )
            }
        }
        (None, Some(_)) => return Vec::new(),
    };
    vec![risk(
        Rule::DropFunction,
        site,
        Category::BreaksClients,
        Severity::Medium,
        message,
        FIND_CALLERS,
    )]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Function, FunctionKind};

    fn function(args: &str, result: &str) -> Function {
        Function {
            acl: Default::default(),
            owner: Default::default(),
            name: name("total"),
            kind: FunctionKind::Function,
            identity_args: args.into(),
            arguments: args.into(),
            result: Some(result.into()),
            definition: format!(
                "CREATE OR REPLACE FUNCTION public.total({args})\n RETURNS {result}\n LANGUAGE sql\nAS $function$select 1$function$\n"
            ),
            comment: None,
        }
    }

    fn schema(functions: Vec<Function>) -> Catalog {
        let mut c = catalog(vec![]);
        c.functions = functions;
        c
    }

    #[test]
    fn drops_and_signature_changes_break_callers() {
        check(
            Rule::DropFunction,
            &schema(vec![function("integer", "integer")]),
            &schema(vec![]),
            &[
                "medium breaks-clients public.total(integer): Dropping function public.total(integer) breaks its callers",
            ],
        );
        check(
            Rule::DropFunction,
            &schema(vec![function("integer", "integer")]),
            &schema(vec![function("bigint", "integer")]),
            &[
                "medium breaks-clients public.total(integer): The function public.total(integer) is replaced by public.total(bigint): callers passing the old arguments break",
            ],
        );
        check(
            Rule::DropFunction,
            &schema(vec![function("integer", "integer")]),
            &schema(vec![function("integer", "bigint")]),
            &[
                "medium breaks-clients public.total(integer): The function public.total(integer) is dropped and created again returning bigint instead of integer: callers that expect the old result break",
            ],
        );
    }

    #[test]
    fn a_new_body_breaks_nothing() {
        let mut changed = function("integer", "integer");
        changed.definition = changed.definition.replace("select 1", "select 2");
        check(
            Rule::DropFunction,
            &schema(vec![function("integer", "integer")]),
            &schema(vec![changed]),
            &[],
        );
    }
}
