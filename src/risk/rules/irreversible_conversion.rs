//! In the reverse script, a type change that undoes a lossy forward change
//! (rounding, cut precision) restores the type but not the values.

use crate::sql::{Stmt, TableAction};

use super::super::context::Direction;
use super::super::phrase;
use super::super::types;
use super::lossy_type;
use super::{BACK_UP_BEFORE, Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    if cx.direction != Direction::Reverse {
        return Vec::new();
    }
    let Stmt::AlterTable {
        table,
        action: TableAction::AlterColumnType { column, .. },
    } = site.stmt
    else {
        return Vec::new();
    };
    // The reverse changes the column from TO's type (its `from`) back to
    // FROM's (its `to`); the forward change went the other way.
    let (Some(now), Some(original)) = (
        cx.column_before(table, &column.0),
        cx.column_after(table, &column.0),
    ) else {
        return Vec::new();
    };
    if now.data_type == original.data_type {
        return Vec::new();
    }
    let Some(loss) = types::convert(&original.data_type, &now.data_type).loss else {
        return Vec::new();
    };
    vec![
        risk(
            Rule::IrreversibleConversion,
            site,
            Category::Irreversible,
            Severity::High,
            format!(
                "Changing column {} back to {} cannot undo the forward change to {}, which {}",
                phrase::column(table, column),
                original.data_type,
                now.data_type,
                lossy_type::describe(&loss)
            ),
            BACK_UP_BEFORE,
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::risk::Direction;

    #[test]
    fn rounding_cannot_be_undone() {
        let precise = catalog(vec![table(
            "accounts",
            vec![col("balance", "numeric(14,4)")],
        )]);
        let rounded = catalog(vec![table(
            "accounts",
            vec![col("balance", "numeric(12,2)")],
        )]);
        check_with(
            Rule::IrreversibleConversion,
            &rounded,
            &precise,
            Some(150000),
            Direction::Reverse,
            &[
                "high irreversible public.accounts.balance: Changing column public.accounts.balance back to numeric(14,4) cannot undo the forward change to numeric(12,2), which rounds values to 2 decimal places",
            ],
        );
        // Undoing a widening loses nothing.
        check_with(
            Rule::IrreversibleConversion,
            &precise,
            &rounded,
            Some(150000),
            Direction::Reverse,
            &[],
        );
    }
}
