//! `SET NOT NULL` scans the whole table under ACCESS EXCLUSIVE to check for
//! NULLs, and fails if it finds one. On PostgreSQL 12 and later a valid
//! `CHECK (column IS NOT NULL)` proves the column has none, and the scan
//! is skipped: the safe way to add NOT NULL to a big table.

use crate::sql::{Stmt, TableAction};

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action: TableAction::SetNotNull(column),
    } = site.stmt
    else {
        return Vec::new();
    };
    if cx.column_before(table, &column.0).is_none() || cx.not_null_proven(table, &column.0) {
        return Vec::new();
    }
    let name = phrase::column(table, column);
    let staged = if cx.version >= 120000 {
        "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later transaction, then SET NOT NULL: PostgreSQL then skips the scan"
    } else {
        "run it at a quiet time: this server version cannot skip the scan"
    };
    vec![
        risk(
            Rule::SetNotNull,
            site,
            Category::ValidationScan,
            Severity::Medium,
            format!("Setting {name} NOT NULL scans all of {table} under ACCESS EXCLUSIVE to check for NULLs"),
            staged,
        )
        .on([table]),
        risk(
            Rule::SetNotNull,
            site,
            Category::MayFail,
            Severity::Medium,
            format!("{} fails if a row holds NULL", phrase::action(site.change, site.stmt)),
            "update the rows that hold NULL first, or give the column a default and backfill it",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{ConstraintKind, Table};
    use crate::risk::Direction;

    fn contacts(not_null_name: bool, proof: bool) -> crate::catalog::Catalog {
        let name = if not_null_name {
            not_null(col("name", "text"))
        } else {
            col("name", "text")
        };
        let t: Table = table("contacts", vec![name]);
        let constraints = if proof {
            vec![constraint(
                "contacts_name_not_null",
                ConstraintKind::Check,
                "CHECK ((name IS NOT NULL))",
            )]
        } else {
            Vec::new()
        };
        catalog(vec![with_constraints(t, constraints)])
    }

    #[test]
    fn set_not_null_scans_and_may_fail() {
        check(
            Rule::SetNotNull,
            &contacts(false, false),
            &contacts(true, false),
            &[
                "medium validation-scan public.contacts.name: Setting public.contacts.name NOT NULL scans all of public.contacts under ACCESS EXCLUSIVE to check for NULLs",
                "medium may-fail public.contacts.name: Setting public.contacts.name NOT NULL fails if a row holds NULL",
            ],
        );
    }

    #[test]
    fn a_valid_check_skips_the_scan_from_postgresql_12() {
        let (from, to) = (contacts(false, true), contacts(true, true));
        check(Rule::SetNotNull, &from, &to, &[]);
        check_with(
            Rule::SetNotNull,
            &from,
            &to,
            Some(110000),
            Direction::Forward,
            &[
                "medium validation-scan public.contacts.name: Setting public.contacts.name NOT NULL scans all of public.contacts under ACCESS EXCLUSIVE to check for NULLs",
                "medium may-fail public.contacts.name: Setting public.contacts.name NOT NULL fails if a row holds NULL",
            ],
        );
    }

    #[test]
    fn a_check_the_script_drops_proves_nothing() {
        check(
            Rule::SetNotNull,
            &contacts(false, true),
            &contacts(true, false),
            &[
                "medium validation-scan public.contacts.name: Setting public.contacts.name NOT NULL scans all of public.contacts under ACCESS EXCLUSIVE to check for NULLs",
                "medium may-fail public.contacts.name: Setting public.contacts.name NOT NULL fails if a row holds NULL",
            ],
        );
    }
}
