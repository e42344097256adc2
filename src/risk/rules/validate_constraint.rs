//! `VALIDATE CONSTRAINT` scans the table under SHARE UPDATE EXCLUSIVE only:
//! reads and writes continue, which makes it the safe second step after
//! `NOT VALID`. It still fails if a row violates the constraint.

use crate::sql::read::ConstraintDefKind;
use crate::sql::{Stmt, TableAction};

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action: TableAction::ValidateConstraint(name),
    } = site.stmt
    else {
        return Vec::new();
    };
    if !cx.existing(table) {
        return Vec::new();
    }
    let foreign = cx
        .constraint_before(table, &name.0)
        .and_then(|c| ConstraintDefKind::of(&c.definition))
        == Some(ConstraintDefKind::ForeignKey);
    let violation = if foreign {
        "a row references a missing key"
    } else {
        "a row violates it"
    };
    vec![
        risk(
            Rule::ValidateConstraint,
            site,
            Category::ValidationScan,
            Severity::Low,
            format!("Validating constraint {name} on {table} scans all of {table} under SHARE UPDATE EXCLUSIVE; reads and writes continue"),
            "nothing to change; for a big table, run it at a quiet time",
        )
        .on([table]),
        risk(
            Rule::ValidateConstraint,
            site,
            Category::MayFail,
            Severity::Medium,
            format!("{} fails if {violation}", phrase::action(site.change, site.stmt)),
            "find and fix the rows that violate the constraint first",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, ConstraintKind};

    fn products(validated: bool) -> Catalog {
        let mut c = constraint(
            "products_stock_check",
            ConstraintKind::Check,
            "CHECK ((stock >= 0))",
        );
        c.validated = validated;
        catalog(vec![with_constraints(
            table("products", vec![col("stock", "integer")]),
            vec![c],
        )])
    }

    #[test]
    fn validation_scans_without_blocking_writes() {
        check(
            Rule::ValidateConstraint,
            &products(false),
            &products(true),
            &[
                "low validation-scan products_stock_check on public.products: Validating constraint products_stock_check on public.products scans all of public.products under SHARE UPDATE EXCLUSIVE; reads and writes continue",
                "medium may-fail products_stock_check on public.products: Validating constraint products_stock_check on public.products fails if a row violates it",
            ],
        );
    }
}
