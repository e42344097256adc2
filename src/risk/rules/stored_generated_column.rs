//! Adding a stored generated column computes it for every row, which
//! rewrites the table. A changed generation expression drops and adds the
//! column, so it rewrites too.

use crate::sql::{Stmt, TableAction};

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action: TableAction::AddColumn(column),
    } = site.stmt
    else {
        return Vec::new();
    };
    if column.generated.is_none() || !cx.existing(table) {
        return Vec::new();
    }
    vec![
        risk(
            Rule::StoredGeneratedColumn,
            site,
            Category::TableRewrite,
            Severity::Medium,
            format!(
                "Adding stored generated column {} rewrites {table} under ACCESS EXCLUSIVE to compute it for every row",
                phrase::column(table, &column.name)
            ),
            "run it at a quiet time; for a big table, add a plain column kept up to date by a trigger and backfill it in batches",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn a_stored_generated_column_rewrites() {
        let from = catalog(vec![table("people", vec![col("first", "text")])]);
        let to = catalog(vec![table(
            "people",
            vec![
                col("first", "text"),
                col("shout", "text")
                    .with_extra(|extra| extra.generated = Some("upper(first)".into())),
            ],
        )]);
        check(
            Rule::StoredGeneratedColumn,
            &from,
            &to,
            &[
                "medium table-rewrite public.people.shout: Adding stored generated column public.people.shout rewrites public.people under ACCESS EXCLUSIVE to compute it for every row",
            ],
        );
    }

    #[test]
    fn a_new_table_is_not_rewritten() {
        let to = catalog(vec![table(
            "people",
            vec![
                col("first", "text"),
                col("shout", "text")
                    .with_extra(|extra| extra.generated = Some("upper(first)".into())),
            ],
        )]);
        check(Rule::StoredGeneratedColumn, &catalog(vec![]), &to, &[]);
    }
}
