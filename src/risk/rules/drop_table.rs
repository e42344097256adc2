//! `DROP TABLE` deletes every row, and breaks whatever still uses the table;
//! not the drop of a table whose rows its step has just copied into the
//! copy that takes its name (see the rule `partition-conversion`).

use crate::sql::Stmt;

use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::DropTable(name) = site.stmt else {
        return Vec::new();
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
    fn a_kept_table_is_no_risk() {
        let both = catalog(vec![table("orders", vec![col("id", "integer")])]);
        check(Rule::DropTable, &both, &both, &[]);
    }
}
