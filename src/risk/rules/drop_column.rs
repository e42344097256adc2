//! `DROP COLUMN` deletes the column's values, and breaks whatever still
//! reads or writes it. A generated column holds nothing that cannot be
//! computed again, so dropping one loses no data.

use crate::sql::{Stmt, TableAction};

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action: TableAction::DropColumn(column) | TableAction::DropColumnIfExists(column),
    } = site.stmt
    else {
        return Vec::new();
    };
    let name = phrase::column(table, column);
    let generated = cx
        .column_before(table, &column.0)
        .is_some_and(|c| c.generated().is_some());
    let mut out = Vec::new();
    if !generated {
        out.push(
            risk(
                Rule::DropColumn,
                site,
                Category::DataLoss,
                Severity::High,
                format!("Dropping column {name} deletes its data"),
                "export the column's values first, or stop using the column and drop it in a later release",
            )
            .on([table]),
        );
    }
    if cx.column_after(table, &column.0).is_none() {
        out.push(risk(
            Rule::DropColumn,
            site,
            Category::BreaksClients,
            Severity::Medium,
            format!("Dropping column {name} breaks the queries and applications that still use it"),
            "deploy application code that no longer uses the column first",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn a_dropped_column_loses_its_values() {
        let from = catalog(vec![table(
            "users",
            vec![col("id", "integer"), col("legacy_email", "text")],
        )]);
        let to = catalog(vec![table("users", vec![col("id", "integer")])]);
        check(
            Rule::DropColumn,
            &from,
            &to,
            &[
                "high data-loss public.users.legacy_email: Dropping column public.users.legacy_email deletes its data",
                "medium breaks-clients public.users.legacy_email: Dropping column public.users.legacy_email breaks the queries and applications that still use it",
            ],
        );
    }

    #[test]
    fn a_replaced_generated_column_loses_nothing() {
        let generated = |expression: &str| {
            col("total", "integer").with_extra(|extra| extra.generated = Some(expression.into()))
        };
        let from = catalog(vec![table(
            "items",
            vec![col("n", "integer"), generated("(n * 2)")],
        )]);
        let to = catalog(vec![table(
            "items",
            vec![col("n", "integer"), generated("(n * 3)")],
        )]);
        check(Rule::DropColumn, &from, &to, &[]);
    }
}
