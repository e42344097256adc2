//! Dropping a view breaks the queries that use it. A view the script drops
//! and creates again with a new definition may return other columns; one
//! recreated unchanged (because something under it changed) is invisible
//! to clients, since the script runs in one transaction.

use crate::sql::Stmt;

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::DropView { name, materialized } = site.stmt else {
        return Vec::new();
    };
    let kind = if *materialized {
        "materialized view"
    } else {
        "view"
    };
    let old = cx.from.view(name);
    let new = cx.to.view(name);
    match (old, new) {
        (_, None) => vec![risk(
            Rule::DropView,
            site,
            Category::BreaksClients,
            Severity::Medium,
            format!("Dropping {kind} {name} breaks the queries that use it"),
            "find the queries and applications that use it and change them first",
        )],
        (Some(old), Some(new)) if old.definition != new.definition => vec![risk(
            Rule::DropView,
            site,
            Category::BreaksClients,
            Severity::Low,
            format!(
                "The {kind} {name} is replaced with a new definition: queries that rely on its columns may break"
            ),
            "check that the queries using it still work with the new definition",
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, View};

    fn schema(definition: Option<&str>) -> Catalog {
        let mut c = catalog(vec![]);
        c.views.extend(definition.map(|d| View {
            acl: Default::default(),
            owner: Default::default(),
            name: name("active_users"),
            materialized: false,
            definition: d.into(),
            options: Vec::new(),
            comment: None,
            column_comments: Vec::new(),
        }));
        c
    }

    #[test]
    fn dropped_and_changed_views() {
        check(
            Rule::DropView,
            &schema(Some(" SELECT 1 AS one;")),
            &schema(None),
            &[
                "medium breaks-clients public.active_users: Dropping view public.active_users breaks the queries that use it",
            ],
        );
        check(
            Rule::DropView,
            &schema(Some(" SELECT 1 AS one;")),
            &schema(Some(" SELECT 2 AS two;")),
            &[
                "low breaks-clients public.active_users: The view public.active_users is replaced with a new definition: queries that rely on its columns may break",
            ],
        );
    }
}
