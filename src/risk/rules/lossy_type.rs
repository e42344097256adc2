//! A type change that changes values without failing: a smaller numeric
//! scale rounds, a cast to an integer rounds, a shorter timestamp precision
//! cuts fractional seconds, a cast to `date` drops the time of day. The
//! old values cannot be recovered, not even by the reverse script.

use crate::sql::{Stmt, TableAction};

use super::super::effect;
use super::super::phrase;
use super::super::types::Loss;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable { table, action } = site.stmt else {
        return Vec::new();
    };
    let TableAction::AlterColumnType { column, .. } = action else {
        return Vec::new();
    };
    let Some(change) = effect::type_change(cx, table, action) else {
        return Vec::new();
    };
    let Some(loss) = change.conversion.as_ref().and_then(|c| c.loss.as_ref()) else {
        return Vec::new();
    };
    vec![
        risk(
            Rule::LossyType,
            site,
            Category::DataLoss,
            Severity::High,
            format!(
                "Changing column {} from {} to {} {}",
                phrase::column(table, column),
                change.old_type,
                change.new_type,
                describe(loss)
            ),
            "back up the column first and check which values change; the reverse script cannot restore them",
        )
        .on([table]),
    ]
}

/// What happens to the values, as the end of a sentence.
pub fn describe(loss: &Loss) -> String {
    match loss {
        Loss::Rounds(0) => "rounds values to whole numbers".to_owned(),
        Loss::Rounds(1) => "rounds values to 1 decimal place".to_owned(),
        Loss::Rounds(scale) => format!("rounds values to {scale} decimal places"),
        Loss::SecondsPrecision(0) => "drops fractional seconds".to_owned(),
        Loss::SecondsPrecision(digits) => {
            format!("cuts fractional seconds to {digits} digits")
        }
        Loss::TimeOfDay => "drops the time of day".to_owned(),
        Loss::FloatPrecision => "reduces the precision of values".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    fn balance(data_type: &str) -> crate::catalog::Catalog {
        catalog(vec![table("accounts", vec![col("balance", data_type)])])
    }

    #[test]
    fn rounding_loses_digits() {
        check(
            Rule::LossyType,
            &balance("numeric(14,4)"),
            &balance("numeric(12,2)"),
            &[
                "high data-loss public.accounts.balance: Changing column public.accounts.balance from numeric(14,4) to numeric(12,2) rounds values to 2 decimal places",
            ],
        );
        check(
            Rule::LossyType,
            &balance("double precision"),
            &balance("bigint"),
            &[
                "high data-loss public.accounts.balance: Changing column public.accounts.balance from double precision to bigint rounds values to whole numbers",
            ],
        );
    }

    #[test]
    fn widening_loses_nothing() {
        check(
            Rule::LossyType,
            &balance("numeric(12,2)"),
            &balance("numeric(14,4)"),
            &[],
        );
        check(
            Rule::LossyType,
            &balance("integer"),
            &balance("bigint"),
            &[],
        );
    }
}
