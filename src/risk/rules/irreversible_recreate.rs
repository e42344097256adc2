//! In the reverse script, what the forward script dropped comes back
//! empty: a table without its rows, a column without its values, a
//! sequence starting over. The rollback restores the schema, not the data.
//! (A generated column is computed again, so it comes back whole.)

use crate::sql::{Stmt, TableAction};

use super::super::context::Direction;
use super::super::phrase;
use super::{BACK_UP_BEFORE, Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

/// True when the step after `site`'s backfills column `name` of `table`
/// (the reverse of an `--expand-contract` contract, which puts each
/// backfill right after the column it fills), bringing its values back.
fn backfilled(
    cx: &Context<'_>,
    site: &Site<'_>,
    table: &crate::catalog::QualName,
    name: &str,
) -> bool {
    cx.plan
        .steps
        .get(site.step + 1)
        .into_iter()
        .flat_map(|step| &step.statements)
        .any(|stmt| matches!(stmt, Stmt::Backfill(b) if &b.table == table && b.target.0 == name))
}

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    if cx.direction != Direction::Reverse {
        return Vec::new();
    }
    // In the reverse plan `from` is TO: what it lacks, the forward script
    // dropped.
    let message = match site.stmt {
        Stmt::CreateTable { name, .. } if !cx.existing(name) => {
            format!(
                "Re-creating table {name} cannot bring back the rows the forward script deleted: it comes back empty"
            )
        }
        Stmt::AlterTable {
            table,
            action: TableAction::AddColumn(column),
        } if cx.existing(table)
            && column.generated.is_none()
            && cx.column_before(table, &column.name.0).is_none()
            && !backfilled(cx, site, table, &column.name.0) =>
        {
            let how = if column.identity.is_some() {
                "it comes back numbered afresh"
            } else if column.default.is_some() {
                "it comes back holding its default"
            } else {
                "it comes back empty"
            };
            format!(
                "Re-adding column {} cannot bring back the values the forward script deleted: {how}",
                phrase::column(table, &column.name)
            )
        }
        Stmt::CreateSequence { name, options, .. }
            if cx.from.sequence(name).is_none()
                && cx.to.sequence(name).is_some_and(|s| s.owned_by.is_none()) =>
        {
            format!(
                "Re-creating sequence {name} starts it over at {}: values it already handed out come again",
                options.start
            )
        }
        _ => return Vec::new(),
    };
    let tables = match site.stmt {
        Stmt::CreateTable { name, .. } => vec![name],
        Stmt::AlterTable { table, .. } => vec![table],
        _ => Vec::new(),
    };
    vec![
        risk(
            Rule::IrreversibleRecreate,
            site,
            Category::Irreversible,
            Severity::High,
            message,
            BACK_UP_BEFORE,
        )
        .on(tables),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::risk::Direction;

    #[test]
    fn the_reverse_brings_back_empty_tables_and_columns() {
        let full = catalog(vec![
            table(
                "users",
                vec![col("id", "integer"), col("legacy_email", "text")],
            ),
            table("audit", vec![col("id", "integer")]),
        ]);
        let slim = catalog(vec![table("users", vec![col("id", "integer")])]);
        // The reverse plan runs on TO (slim) and produces FROM (full).
        check_with(
            Rule::IrreversibleRecreate,
            &slim,
            &full,
            Some(150000),
            Direction::Reverse,
            &[
                "high irreversible public.audit: Re-creating table public.audit cannot bring back the rows the forward script deleted: it comes back empty",
                "high irreversible public.users.legacy_email: Re-adding column public.users.legacy_email cannot bring back the values the forward script deleted: it comes back empty",
            ],
        );
        // The same statements in a forward script create new things.
        check(Rule::IrreversibleRecreate, &slim, &full, &[]);
    }
}
