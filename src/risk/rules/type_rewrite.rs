//! `ALTER COLUMN … TYPE` rewrites the table and its indexes under ACCESS
//! EXCLUSIVE, unless the old type is binary coercible to the new one
//! (`varchar(n)` → `varchar(m ≥ n)`, `varchar` → `text`, a wider or
//! unconstrained `numeric` of the same scale, `cidr` → `inet`).
//! `timestamp` ↔ `timestamptz` skips the rewrite on PostgreSQL 12 and
//! later when the session's `TimeZone` is UTC; the script does not set it,
//! so the rule reports a rewrite and names the exception. A collation
//! change alone keeps the table but rebuilds the column's indexes.

use crate::sql::{Stmt, TableAction};

use super::super::effect;
use super::super::phrase;
use super::super::types::Rewrite;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

const STAGED: &str = "run it at a quiet time; for a big table, add a new column, backfill it in batches, and switch to it";

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
    let name = phrase::column(table, column);
    let (message, mitigation) = if change.via_text {
        (
            format!(
                "Retyping column {name} through text to {} rewrites {table} and its indexes under ACCESS EXCLUSIVE",
                change.new_type
            ),
            STAGED,
        )
    } else {
        match change.conversion.as_ref().map(|c| c.rewrite) {
            Some(Rewrite::Yes) => (
                format!(
                    "Changing column {name} from {} to {} rewrites {table} and its indexes under ACCESS EXCLUSIVE",
                    change.old_type, change.new_type
                ),
                STAGED,
            ),
            Some(Rewrite::UnlessUtc) => (
                format!(
                    "Changing column {name} from {} to {} rewrites {table} and its indexes under ACCESS EXCLUSIVE, unless the session's TimeZone is UTC (PostgreSQL 12 and later then skip the rewrite)",
                    change.old_type, change.new_type
                ),
                "if the stored values are UTC, run the script with TimeZone set to UTC; otherwise run it at a quiet time",
            ),
            _ if change.collation_changed && !change.indexes.is_empty() => {
                let indexes: Vec<String> = change.indexes.iter().map(|i| i.to_string()).collect();
                (
                    format!(
                        "Changing the collation of column {name} rebuilds its indexes ({}) under ACCESS EXCLUSIVE; the table is not rewritten",
                        indexes.join(", ")
                    ),
                    "run it at a quiet time; for a big table, build new indexes CONCURRENTLY on a new column and switch to it",
                )
            }
            _ => return Vec::new(),
        }
    };
    vec![
        risk(
            Rule::TypeRewrite,
            site,
            Category::TableRewrite,
            Severity::Medium,
            message,
            mitigation,
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, QualName};

    fn column(data_type: &str) -> Catalog {
        catalog(vec![table("t", vec![col("c", data_type)])])
    }

    #[test]
    fn binary_coercible_changes_do_not_rewrite() {
        for (old, new) in [
            ("character varying(20)", "character varying(64)"),
            ("character varying(20)", "text"),
            ("character varying", "text"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("cidr", "inet"),
        ] {
            check(Rule::TypeRewrite, &column(old), &column(new), &[]);
        }
    }

    #[test]
    fn other_changes_rewrite() {
        check(
            Rule::TypeRewrite,
            &column("integer"),
            &column("bigint"),
            &[
                "medium table-rewrite public.t.c: Changing column public.t.c from integer to bigint rewrites public.t and its indexes under ACCESS EXCLUSIVE",
            ],
        );
        check(
            Rule::TypeRewrite,
            &column("character varying(64)"),
            &column("character varying(20)"),
            &[
                "medium table-rewrite public.t.c: Changing column public.t.c from character varying(64) to character varying(20) rewrites public.t and its indexes under ACCESS EXCLUSIVE",
            ],
        );
    }

    #[test]
    fn timestamp_to_timestamptz_rewrites_unless_utc() {
        check(
            Rule::TypeRewrite,
            &column("timestamp without time zone"),
            &column("timestamp with time zone"),
            &[
                "medium table-rewrite public.t.c: Changing column public.t.c from timestamp without time zone to timestamp with time zone rewrites public.t and its indexes under ACCESS EXCLUSIVE, unless the session's TimeZone is UTC (PostgreSQL 12 and later then skip the rewrite)",
            ],
        );
    }

    #[test]
    fn a_collation_change_rebuilds_indexes_only() {
        let collated = |collation: Option<&str>| {
            let mut c = catalog(vec![table(
                "t",
                vec![col("c", "text").with_extra(|extra| {
                    extra.collation = collation.map(|c| QualName::new("pg_catalog", c))
                })],
            )]);
            index(&mut c, "t_c_idx", "t", &["c"], false);
            c
        };
        check(
            Rule::TypeRewrite,
            &collated(None),
            &collated(Some("C")),
            &[
                "medium table-rewrite public.t.c: Changing the collation of column public.t.c rebuilds its indexes (public.t_c_idx) under ACCESS EXCLUSIVE; the table is not rewritten",
            ],
        );
        // Without an index, a collation change is a catalog change.
        check(
            Rule::TypeRewrite,
            &column("text"),
            &catalog(vec![table(
                "t",
                vec![
                    col("c", "text").with_extra(|extra| {
                        extra.collation = Some(QualName::new("pg_catalog", "C"))
                    }),
                ],
            )]),
            &[],
        );
    }
}
