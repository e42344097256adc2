//! `ALTER … OWNER TO` hands an object, and every right over it, to a role.
//! Handed to a superuser, a `SECURITY DEFINER` function or a view runs
//! with every right there is; handed to a role that can log in, whoever
//! holds its password may alter or drop the object. Whether a role is
//! either is the server's to say: the probes ask FROM's live server and
//! set the severity (high for a superuser, medium for a role that can log
//! in, low otherwise); without one the risk stays low and says the role
//! could not be checked.

use crate::sql::Stmt;

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

/// What the message says until a probe has asked the server about the role.
const UNCHECKED: &str =
    "whether it is a superuser or can log in could not be checked without a live database";

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterOwner { object, owner } = site.stmt else {
        return Vec::new();
    };
    vec![risk(
        Rule::OwnerChange,
        site,
        Category::Security,
        Severity::Low,
        format!("{object} is given to {owner}; {UNCHECKED}"),
        "give objects to a role that cannot log in and is no superuser, and let the roles that \
         log in use them through grants",
    )]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn an_owner_change_names_the_role_and_that_it_was_not_checked() {
        let mut from = table("t", vec![col("id", "integer")]);
        from.owner = Some("app".into());
        let mut to = from.clone();
        to.owner = Some("new \"owner\"\n*/".into());
        check(
            Rule::OwnerChange,
            &catalog(vec![from.clone()]),
            &catalog(vec![to]),
            &[
                "low security public.t: TABLE public.t is given to \"new \"\"owner\"\"\n*/\"; whether it is a superuser or can log in could not be checked without a live database",
            ],
        );
        let mut unknown = from.clone();
        unknown.owner = None;
        check(
            Rule::OwnerChange,
            &catalog(vec![from]),
            &catalog(vec![unknown]),
            &[],
        );
    }
}
