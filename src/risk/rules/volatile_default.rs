//! `ADD COLUMN` with a default: PostgreSQL 11 and later store a
//! non-volatile default (`now()`, a constant) once in the catalog and touch
//! no row, but evaluate a volatile one (`clock_timestamp()`, `random()`,
//! `gen_random_uuid()`, `nextval()`) for every row, which rewrites the
//! table. An identity column is numbered per row, so it rewrites too.
//! Before PostgreSQL 11 every default rewrote.

use crate::sql::{Stmt, TableAction};

use super::super::effect::{self, Fill};
use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

const IN_STEPS: &str = "add the column without a default, then set the default (it applies to new rows only), and backfill existing rows in batches";

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action: TableAction::AddColumn(column),
    } = site.stmt
    else {
        return Vec::new();
    };
    if !cx.existing(table) {
        return Vec::new();
    }
    let name = phrase::column(table, &column.name);
    let message = match effect::fill(cx, column) {
        Fill::Volatile(call) => format!(
            "Adding column {name} with volatile default {call} rewrites {table} under ACCESS EXCLUSIVE: the default is evaluated for every row"
        ),
        Fill::Unknown(call) => format!(
            "Adding column {name} with default {call} may rewrite {table} under ACCESS EXCLUSIVE: pgrift cannot tell whether {call} is volatile"
        ),
        Fill::Identity => format!(
            "Adding identity column {name} rewrites {table} under ACCESS EXCLUSIVE to number every row"
        ),
        Fill::OldServerDefault => format!(
            "Adding column {name} with a default rewrites {table} under ACCESS EXCLUSIVE on PostgreSQL before 11"
        ),
        Fill::Catalog | Fill::Generated => return Vec::new(),
    };
    vec![
        risk(
            Rule::VolatileDefault,
            site,
            Category::TableRewrite,
            Severity::Medium,
            message,
            IN_STEPS,
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::risk::Direction;

    fn added(default: &str) -> (crate::catalog::Catalog, crate::catalog::Catalog) {
        let from = catalog(vec![table("uploads", vec![col("id", "integer")])]);
        let to = catalog(vec![table(
            "uploads",
            vec![
                col("id", "integer"),
                with_default(col("c", "text"), default),
            ],
        )]);
        (from, to)
    }

    #[test]
    fn non_volatile_defaults_do_not_rewrite() {
        for default in [
            "now()",
            "0",
            "'x'::text",
            "CURRENT_TIMESTAMP",
            "ARRAY[]::text[]",
        ] {
            let (from, to) = added(default);
            check(Rule::VolatileDefault, &from, &to, &[]);
        }
    }

    #[test]
    fn volatile_defaults_rewrite() {
        let (from, to) = added("gen_random_uuid()");
        check(
            Rule::VolatileDefault,
            &from,
            &to,
            &[
                "medium table-rewrite public.uploads.c: Adding column public.uploads.c with volatile default gen_random_uuid() rewrites public.uploads under ACCESS EXCLUSIVE: the default is evaluated for every row",
            ],
        );
        let (from, to) = added("(floor((random() * (16)::double precision)))::integer");
        check(
            Rule::VolatileDefault,
            &from,
            &to,
            &[
                "medium table-rewrite public.uploads.c: Adding column public.uploads.c with volatile default random() rewrites public.uploads under ACCESS EXCLUSIVE: the default is evaluated for every row",
            ],
        );
    }

    #[test]
    fn unknown_functions_may_rewrite() {
        let (from, to) = added("public.next_code()");
        check(
            Rule::VolatileDefault,
            &from,
            &to,
            &[
                "medium table-rewrite public.uploads.c: Adding column public.uploads.c with default public.next_code() may rewrite public.uploads under ACCESS EXCLUSIVE: pgrift cannot tell whether public.next_code() is volatile",
            ],
        );
    }

    #[test]
    fn every_default_rewrote_before_postgresql_11() {
        let (from, to) = added("now()");
        check_with(
            Rule::VolatileDefault,
            &from,
            &to,
            Some(100000),
            Direction::Forward,
            &[
                "medium table-rewrite public.uploads.c: Adding column public.uploads.c with a default rewrites public.uploads under ACCESS EXCLUSIVE on PostgreSQL before 11",
            ],
        );
    }
}
