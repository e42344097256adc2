//! `ADD CONSTRAINT … CHECK` without `NOT VALID` scans the whole table under
//! ACCESS EXCLUSIVE, and fails if a row violates the check.

use crate::sql::read::ConstraintDefKind;

use super::super::phrase;
use super::{
    AddedConstraint, Category, Context, NOT_VALID_THEN_VALIDATE, Risk, RiskExt, Rule, Severity,
    Site, added_constraint, risk,
};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Some(AddedConstraint {
        table,
        name,
        not_valid: false,
        ..
    }) = added_constraint(cx, site, &[ConstraintDefKind::Check])
    else {
        return Vec::new();
    };
    vec![
        risk(
            Rule::AddCheck,
            site,
            Category::ValidationScan,
            Severity::Medium,
            format!("Adding check constraint {name} on {table} scans all of {table} under ACCESS EXCLUSIVE"),
            NOT_VALID_THEN_VALIDATE,
        )
        .on([table]),
        risk(
            Rule::AddCheck,
            site,
            Category::MayFail,
            Severity::Medium,
            format!(
                "{} fails if a row violates it",
                phrase::action(site.change, site.stmt)
            ),
            "find and fix the rows that violate the check first",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, ConstraintKind};

    fn products(check_constraint: Option<(&str, bool)>) -> Catalog {
        let t = table("products", vec![col("stock", "integer")]);
        let constraints = check_constraint
            .map(|(definition, validated)| {
                let mut c = constraint("products_stock_check", ConstraintKind::Check, definition);
                c.validated = validated;
                vec![c]
            })
            .unwrap_or_default();
        catalog(vec![with_constraints(t, constraints)])
    }

    #[test]
    fn a_new_check_scans_and_may_fail() {
        check(
            Rule::AddCheck,
            &products(None),
            &products(Some(("CHECK ((stock >= 0))", true))),
            &[
                "medium validation-scan products_stock_check on public.products: Adding check constraint products_stock_check on public.products scans all of public.products under ACCESS EXCLUSIVE",
                "medium may-fail products_stock_check on public.products: Adding check constraint products_stock_check on public.products fails if a row violates it",
            ],
        );
    }

    #[test]
    fn not_valid_skips_the_scan() {
        check(
            Rule::AddCheck,
            &products(None),
            &products(Some(("CHECK ((stock >= 0))", false))),
            &[],
        );
    }
}
