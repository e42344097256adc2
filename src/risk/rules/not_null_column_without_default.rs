//! `ADD COLUMN … NOT NULL` without a default fills existing rows with NULL,
//! which the constraint refuses: the statement fails on any table that has
//! rows.

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
    let fills = column.default.is_some() || column.identity.is_some() || column.generated.is_some();
    if !column.not_null || fills || !cx.existing(table) {
        return Vec::new();
    }
    vec![
        risk(
            Rule::NotNullColumnWithoutDefault,
            site,
            Category::MayFail,
            Severity::Medium,
            format!(
                "{} NOT NULL without a default fails if {table} has rows",
                phrase::action(site.change, site.stmt)
            ),
            "give the column a default, or add it nullable, backfill it, then SET NOT NULL",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn not_null_without_default_may_fail() {
        let from = catalog(vec![table("t", vec![col("id", "integer")])]);
        let to = |c| catalog(vec![table("t", vec![col("id", "integer"), c])]);
        check(
            Rule::NotNullColumnWithoutDefault,
            &from,
            &to(not_null(col("code", "text"))),
            &[
                "medium may-fail public.t.code: Adding column public.t.code NOT NULL without a default fails if public.t has rows",
            ],
        );
        check(
            Rule::NotNullColumnWithoutDefault,
            &from,
            &to(not_null(with_default(col("code", "text"), "'x'::text"))),
            &[],
        );
        check(
            Rule::NotNullColumnWithoutDefault,
            &from,
            &to(col("code", "text")),
            &[],
        );
    }
}
