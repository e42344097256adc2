//! `ALTER … OWNER TO` hands an object, and every right over it, to a role.
//! Handed to a superuser, a `SECURITY DEFINER` function or a view runs
//! with every right there is; handed to a role that can log in, whoever
//! holds its password may alter or drop the object. Whether a role is
//! either is the server's to say: the probes ask FROM's live server and
//! set the severity (high for a superuser, medium for a role that can log
//! in, low otherwise); without one the risk stays low and says the role
//! could not be checked. An object the script creates for the role that
//! owns its schema in FROM is handed to no one new: that role was trusted
//! with the schema already, and a database whose objects all belong to
//! one role (a superuser, often) would otherwise flag every new object.

use crate::diff::ChangeKind;
use crate::sql::{OwnedObject, Stmt};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

/// What the message says until a probe has asked the server about the role.
const UNCHECKED: &str =
    "whether it is a superuser or can log in could not be checked without a live database";

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterOwner { object, owner } = site.stmt else {
        return Vec::new();
    };
    let schema = match object {
        OwnedObject::Named(object) => Some(&object.name.schema),
        OwnedObject::Function { name, .. } => Some(&name.schema),
        OwnedObject::Operator(operator) => Some(&operator.name.0.schema),
        OwnedObject::Using(object) => Some(&object.name.schema),
        OwnedObject::Schema(_) | OwnedObject::Global(..) => None,
    };
    let owns_schema = schema.is_some_and(|schema| {
        cx.from
            .schemas
            .iter()
            .any(|s| s.name == *schema && s.owner.as_ref().is_some_and(|o| o.as_str() == owner.0))
    });
    if site.change.kind == ChangeKind::Create && owns_schema {
        return Vec::new();
    }
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

    #[test]
    fn a_new_object_of_its_schemas_owner_is_handed_to_no_one_new() {
        let mut owned = catalog(Vec::new());
        owned.schemas[0].owner = Some("app".into());
        let mut new = table("t", vec![col("id", "integer")]);
        new.owner = Some("app".into());
        let mut to = owned.clone();
        to.tables.push(new.clone());
        check(Rule::OwnerChange, &owned, &to, &[]);
        new.owner = Some("other".into());
        let mut to = owned.clone();
        to.tables.push(new);
        check(
            Rule::OwnerChange,
            &owned,
            &to,
            &[
                "low security public.t: TABLE public.t is given to other; whether it is a superuser or can log in could not be checked without a live database",
            ],
        );
    }
}
