//! A type change to a type that cannot hold every old value. PostgreSQL
//! converts with the assignment cast, which refuses a value that does not
//! fit rather than truncating it, so the statement fails, and the whole
//! script with it.

use crate::sql::Stmt;

use super::super::effect;
use super::super::phrase;
use super::super::types::Narrowing;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable { table, action } = site.stmt else {
        return Vec::new();
    };
    let Some(change) = effect::type_change(cx, table, action) else {
        return Vec::new();
    };
    let Some(narrowing) = change
        .conversion
        .as_ref()
        .and_then(|c| c.narrowing.as_ref())
    else {
        return Vec::new();
    };
    let condition = match narrowing {
        Narrowing::Length(n) => format!(
            "a value is longer than {}",
            phrase::count(*n, "character", "characters")
        ),
        Narrowing::Range { .. } => format!("a value is out of range for {}", change.new_type),
        Narrowing::Digits { digits, .. } => format!(
            "a value has more than {} before the decimal point",
            phrase::count(i64::from(*digits), "digit", "digits")
        ),
        Narrowing::Input { .. } | Narrowing::Conversion => {
            format!("a value does not convert to {}", change.new_type)
        }
    };
    vec![
        risk(
            Rule::NarrowingType,
            site,
            Category::MayFail,
            Severity::Medium,
            format!(
                "{} fails if {condition}",
                phrase::action(site.change, site.stmt)
            ),
            "verify that every value fits the new type first, and fix the ones that do not",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    fn username(data_type: &str) -> crate::catalog::Catalog {
        catalog(vec![table("accounts", vec![col("username", data_type)])])
    }

    #[test]
    fn narrower_types_may_fail() {
        let cases = [
            (
                "character varying(64)",
                "character varying(20)",
                "medium may-fail public.accounts.username: Changing column public.accounts.username to character varying(20) fails if a value is longer than 20 characters",
            ),
            (
                "text",
                "character(1)",
                "medium may-fail public.accounts.username: Changing column public.accounts.username to character(1) fails if a value is longer than 1 character",
            ),
            (
                "bigint",
                "integer",
                "medium may-fail public.accounts.username: Changing column public.accounts.username to integer fails if a value is out of range for integer",
            ),
            (
                "numeric(14,4)",
                "numeric(8,4)",
                "medium may-fail public.accounts.username: Changing column public.accounts.username to numeric(8,4) fails if a value has more than 4 digits before the decimal point",
            ),
            (
                "text",
                "uuid",
                "medium may-fail public.accounts.username: Changing column public.accounts.username to uuid fails if a value does not convert to uuid",
            ),
        ];
        for (old, new, expected) in cases {
            check(
                Rule::NarrowingType,
                &username(old),
                &username(new),
                &[expected],
            );
        }
    }

    #[test]
    fn wider_types_cannot_fail() {
        for (old, new) in [
            ("character varying(20)", "character varying(64)"),
            ("character varying(20)", "text"),
            ("integer", "bigint"),
            ("integer", "text"),
            ("numeric(12,2)", "numeric(14,4)"),
        ] {
            check(Rule::NarrowingType, &username(old), &username(new), &[]);
        }
    }
}
