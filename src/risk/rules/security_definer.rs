//! A `SECURITY DEFINER` function runs with its owner's rights. Without a
//! `search_path` of its own it finds the tables, functions and operators
//! its body names through its caller's: a caller who can create objects in
//! a schema on that path (`public`, before PostgreSQL 15, to everyone) can
//! make it run theirs with the owner's rights (high). A function created
//! `SECURITY DEFINER`, or one that becomes it, runs with its owner's rights
//! where a plain one runs with its caller's, which a reviewer should see
//! even with a pinned path (medium).

use crate::catalog::ObjectId;
use crate::sql::{Stmt, read};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::CreateFunction(definition) = site.stmt else {
        return Vec::new();
    };
    let Some(new) = read::function_security(&definition.0).filter(|s| s.definer) else {
        return Vec::new();
    };
    let ObjectId::Function { name, args } = &site.change.id else {
        return Vec::new();
    };
    let old = cx
        .from
        .function(name, args)
        .and_then(|old| read::function_security(&old.definition));
    let function = format!("{name}({args})");
    let risk = if !new.search_path {
        risk(
            Rule::SecurityDefiner,
            site,
            Category::Security,
            Severity::High,
            format!(
                "{function} runs with its owner's rights (SECURITY DEFINER) and has no \
                 search_path of its own: a caller who can create objects in a schema on their \
                 search_path can make it run them with those rights"
            ),
            "pin its search_path (SET search_path = pg_catalog, pg_temp, and the schemas it \
             needs) and qualify the names in its body",
        )
    } else if old.is_some_and(|old| old.definer) {
        return Vec::new();
    } else {
        let becomes = if old.is_some() {
            "becomes"
        } else {
            "is created"
        };
        risk(
            Rule::SecurityDefiner,
            site,
            Category::Security,
            Severity::Medium,
            format!(
                "{function} {becomes} SECURITY DEFINER: it runs with its owner's rights, not \
                 its caller's"
            ),
            "check that callers should get the owner's rights, and grant EXECUTE only to the \
             roles that need them",
        )
    };
    vec![risk]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Function, FunctionKind};

    fn function(options: &str, body: &str) -> Function {
        Function {
            acl: Default::default(),
            owner: Default::default(),
            name: name("who\"ami"),
            kind: FunctionKind::Function,
            identity_args: "integer".into(),
            arguments: "integer".into(),
            result: Some("integer".into()),
            definition: format!(
                "CREATE OR REPLACE FUNCTION public.\"who\"\"ami\"(integer)\n RETURNS integer\n LANGUAGE sql\n{options}AS $function${body}$function$\n"
            ),
            comment: None,
        }
    }

    fn schema(functions: Vec<Function>) -> Catalog {
        let mut c = catalog(vec![]);
        c.functions = functions;
        c
    }

    const DEFINER: &str = " SECURITY DEFINER\n";
    const PINNED: &str = " SECURITY DEFINER\n SET search_path TO 'pg_catalog', 'pg_temp'\n";

    #[test]
    fn a_new_definer_without_a_search_path() {
        check(
            Rule::SecurityDefiner,
            &schema(vec![]),
            &schema(vec![function(DEFINER, "SELECT 1")]),
            &[
                "high security public.\"who\"\"ami\"(integer): public.\"who\"\"ami\"(integer) runs with its owner's rights (SECURITY DEFINER) and has no search_path of its own: a caller who can create objects in a schema on their search_path can make it run them with those rights",
            ],
        );
        check(
            Rule::SecurityDefiner,
            &schema(vec![]),
            &schema(vec![function(PINNED, "SELECT 1")]),
            &[
                "medium security public.\"who\"\"ami\"(integer): public.\"who\"\"ami\"(integer) is created SECURITY DEFINER: it runs with its owner's rights, not its caller's",
            ],
        );
    }

    #[test]
    fn a_function_that_becomes_a_definer_or_loses_its_search_path() {
        check(
            Rule::SecurityDefiner,
            &schema(vec![function("", "SELECT 1")]),
            &schema(vec![function(PINNED, "SELECT 1")]),
            &[
                "medium security public.\"who\"\"ami\"(integer): public.\"who\"\"ami\"(integer) becomes SECURITY DEFINER: it runs with its owner's rights, not its caller's",
            ],
        );
        check(
            Rule::SecurityDefiner,
            &schema(vec![function(PINNED, "SELECT 1")]),
            &schema(vec![function(DEFINER, "SELECT 1")]),
            &[
                "high security public.\"who\"\"ami\"(integer): public.\"who\"\"ami\"(integer) runs with its owner's rights (SECURITY DEFINER) and has no search_path of its own: a caller who can create objects in a schema on their search_path can make it run them with those rights",
            ],
        );
        // A new body of a pinned definer, and a plain function, are none
        // of its business.
        check(
            Rule::SecurityDefiner,
            &schema(vec![function(PINNED, "SELECT 1")]),
            &schema(vec![function(PINNED, "SELECT 2")]),
            &[],
        );
        check(
            Rule::SecurityDefiner,
            &schema(vec![]),
            &schema(vec![function("", "SELECT 'SECURITY DEFINER'")]),
            &[],
        );
    }
}
