//! `DROP TABLE` deletes every row, and breaks whatever still uses the table;
//! not the drop of a table whose rows its step has just copied into the
//! copy that takes its name (see the rule `partition-conversion`).
//!
//! A foreign table holds no rows of its own: `DROP FOREIGN TABLE` loses no
//! data, and only breaks whatever still uses it, unless the script creates
//! it again (on another server, whose rows it then reads).

use crate::sql::{Keyword, ObjectName, Stmt};

use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let name = match site.stmt {
        Stmt::DropTable(name) => name,
        Stmt::DropObject(ObjectName {
            keyword: Keyword("FOREIGN TABLE"),
            name,
        }) if cx.to.table(name).is_none() => {
            return vec![risk(
                Rule::DropTable,
                site,
                Category::BreaksClients,
                Severity::Medium,
                format!(
                    "Dropping foreign table {name} breaks the queries and applications that \
                     still use it; its rows stay on its server"
                ),
                "deploy application code that no longer uses the table first",
            )];
        }
        _ => return Vec::new(),
    };
    let copied = site.change.statements[..site.index]
        .iter()
        .any(|s| matches!(s, Stmt::CopyRows { from, .. } if from == name));
    if copied {
        return Vec::new();
    }
    vec![
        risk(
            Rule::DropTable,
            site,
            Category::DataLoss,
            Severity::High,
            format!("Dropping table {name} deletes its rows"),
            "back up the table first (pg_dump --table), or rename it and drop it in a later release once nothing uses it",
        )
        .on([name]),
        risk(
            Rule::DropTable,
            site,
            Category::BreaksClients,
            Severity::Medium,
            format!("Dropping table {name} breaks the queries and applications that still use it"),
            "deploy application code that no longer uses the table first",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn a_dropped_table_loses_its_rows() {
        let from = catalog(vec![table("orders", vec![col("id", "integer")])]);
        let to = catalog(vec![]);
        check(
            Rule::DropTable,
            &from,
            &to,
            &[
                "high data-loss public.orders: Dropping table public.orders deletes its rows",
                "medium breaks-clients public.orders: Dropping table public.orders breaks the queries and applications that still use it",
            ],
        );
    }

    #[test]
    fn a_dropped_foreign_table_loses_no_rows() {
        let mut orders = table("orders", vec![col("id", "integer")]);
        let foreign = |server: &str| {
            Some(Box::new(crate::catalog::ForeignTable {
                server: server.into(),
                options: Vec::new(),
            }))
        };
        orders.foreign = foreign("remote");
        let from = catalog(vec![orders.clone()]);
        check(
            Rule::DropTable,
            &from,
            &catalog(vec![]),
            &[
                "medium breaks-clients public.orders: Dropping foreign table public.orders breaks the queries and applications that still use it; its rows stay on its server",
            ],
        );
        // On another server, it is dropped and created again.
        orders.foreign = foreign("elsewhere");
        check(Rule::DropTable, &from, &catalog(vec![orders]), &[]);
    }

    #[test]
    fn a_kept_table_is_no_risk() {
        let both = catalog(vec![table("orders", vec![col("id", "integer")])]);
        check(Rule::DropTable, &both, &both, &[]);
    }
}
