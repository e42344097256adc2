//! A constraint added to a domain (`ADD CONSTRAINT … CHECK` without `NOT
//! VALID`, `SET NOT NULL`) is checked against every value of the domain:
//! PostgreSQL scans each table with a column of the domain, of an array of
//! it or of a domain built on it, under SHARE (writes wait), and fails if
//! one value violates it. `VALIDATE CONSTRAINT` scans the same tables under
//! the same lock (unlike a table's, measured on PostgreSQL 14 and 18) and
//! is reported by the lock rule alone: what `NOT VALID` buys for a domain
//! is a scan that can be run apart, at a quiet time, after the values are
//! fixed.

use crate::sql::{DomainAction, Stmt};

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

/// For a domain, `VALIDATE CONSTRAINT` takes SHARE too.
const NOT_VALID_THEN_VALIDATE_AT_A_QUIET_TIME: &str = "add the constraint NOT VALID (new values are checked at once), then VALIDATE CONSTRAINT apart at a quiet time: for a domain it also takes SHARE on every table it scans";

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterDomain { name, action } = site.stmt else {
        return Vec::new();
    };
    let (what, fails_if, fix, mitigation) = match action {
        DomainAction::AddConstraint {
            name: check,
            not_valid: false,
            ..
        } => (
            format!("Adding check constraint {check} to domain {name}"),
            "a value violates it",
            "find and fix the values that violate the check first",
            NOT_VALID_THEN_VALIDATE_AT_A_QUIET_TIME,
        ),
        DomainAction::SetNotNull => (
            format!("Setting domain {name} NOT NULL"),
            "a column of the domain holds NULL",
            "update the rows that hold NULL first",
            "run it at a quiet time: a domain's NOT NULL has no NOT VALID form",
        ),
        _ => return Vec::new(),
    };
    let tables = cx.tables_using_domain(name);
    if tables.is_empty() {
        return Vec::new();
    }
    let listed = tables
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        risk(
            Rule::DomainConstraint,
            site,
            Category::ValidationScan,
            Severity::Medium,
            format!("{what} scans every table with a column of the domain ({listed}) under SHARE"),
            mitigation,
        )
        .on(&tables),
        risk(
            Rule::DomainConstraint,
            site,
            Category::MayFail,
            Severity::Medium,
            format!(
                "{} fails if {fails_if}",
                phrase::action(site.change, site.stmt)
            ),
            fix,
        )
        .on(&tables),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Domain, DomainCheck, QualName};

    fn with_domain(not_null: bool, checks: &[(&str, bool)], used: bool) -> Catalog {
        let column = if used {
            col("email", "public.email")
        } else {
            col("email", "text")
        };
        let mut c = catalog(vec![
            table("users", vec![column]),
            table("lists", vec![col("emails", "public.work_email[]")]),
        ]);
        let domain = |name: &str, base_type: &str, not_null: bool| Domain {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", name),
            base_type: base_type.into(),
            collation: None,
            default: None,
            not_null,
            comment: None,
        };
        c.domains = vec![
            domain("email", "text", not_null),
            domain("work_email", "public.email", false),
        ];
        c.domain_checks = checks
            .iter()
            .map(|(name, validated)| DomainCheck {
                domain: QualName::new("public", "email"),
                name: (*name).into(),
                definition: "CHECK ((VALUE ~ '@'::text))".into(),
                validated: *validated,
                comment: None,
            })
            .collect();
        c
    }

    #[test]
    fn a_new_check_scans_every_table_of_the_domain_and_may_fail() {
        check(
            Rule::DomainConstraint,
            &with_domain(false, &[], true),
            &with_domain(false, &[("has_at", true)], true),
            &[
                "medium validation-scan has_at on public.email: Adding check constraint has_at to domain public.email scans every table with a column of the domain (public.lists, public.users) under SHARE",
                "medium may-fail has_at on public.email: Adding check constraint has_at to domain public.email fails if a value violates it",
            ],
        );
    }

    #[test]
    fn set_not_null_may_fail() {
        check(
            Rule::DomainConstraint,
            &with_domain(false, &[], true),
            &with_domain(true, &[], true),
            &[
                "medium validation-scan public.email: Setting domain public.email NOT NULL scans every table with a column of the domain (public.lists, public.users) under SHARE",
                "medium may-fail public.email: Setting domain public.email NOT NULL fails if a column of the domain holds NULL",
            ],
        );
    }

    #[test]
    fn not_valid_checks_scan_nothing() {
        check(
            Rule::DomainConstraint,
            &with_domain(false, &[], true),
            &with_domain(false, &[("has_at", false)], true),
            &[],
        );
    }
}
