//! Dropping a view breaks the queries that use it. A view the script drops
//! and creates again with a new definition may return other columns, and
//! one redefined in place (`CREATE OR REPLACE VIEW`) other rows; one
//! recreated unchanged (because something under it changed) is invisible
//! to clients, since the script runs in one transaction.

use crate::sql::Stmt;

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let (name, materialized) = match site.stmt {
        Stmt::DropView { name, materialized } => (name, materialized),
        Stmt::CreateView {
            name,
            or_replace: true,
            ..
        } => {
            return vec![risk(
                Rule::DropView,
                site,
                Category::BreaksClients,
                Severity::Low,
                format!(
                    "The view {name} gets a new definition in place: its columns stay and new \
                     ones are appended, but its rows may differ"
                ),
                "check that the queries using it still work with the new definition",
            )];
        }
        _ => return Vec::new(),
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
        schema_with(definition, &[])
    }

    fn schema_with(definition: Option<&str>, columns: &[&str]) -> Catalog {
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
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
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
        check(
            Rule::DropView,
            &schema_with(Some(" SELECT 1 AS one;"), &["one integer"]),
            &schema_with(
                Some(" SELECT 1 AS one, 2 AS two;"),
                &["one integer", "two integer"],
            ),
            &[
                "low breaks-clients public.active_users: The view public.active_users gets a new definition in place: its columns stay and new ones are appended, but its rows may differ",
            ],
        );
    }
}
