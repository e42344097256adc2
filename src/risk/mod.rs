//! The risk classifier: what each statement of a plan will do to a live
//! database. Rules are pure (`rules/`, one file each); probes measure them
//! on data (`probe.rs`, the only IO here).
//!
//! [`assess`] runs every rule over every statement of a plan and collects
//! what they find into an [`Assessment`], statement by statement in script
//! order. The forward and the reverse plan are assessed alike; only the
//! `irreversible` rules look at the direction.

mod context;
mod effect;
mod model;
mod phrase;
pub mod probe;
pub mod rules;
mod types;
mod volatility;

pub use context::{ASSUMED_VERSION, Direction, column_dependents};
pub use model::*;
pub use probe::{BUSY_WRITES, LARGE_PAGES, ProbeError, ProbeOptions, SMALL_PAGES, probe};

/// True when changing a column from type `old` to type `new` rewrites the
/// table (or may) or fails on values the new type refuses: the retypes
/// `--expand-contract` moves in two phases.
pub fn retype_is_slow(old: &str, new: &str) -> bool {
    let conversion = types::convert(old, new);
    conversion.rewrite != types::Rewrite::No || conversion.narrowing.is_some()
}

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::plan::Plan;
use crate::sql::Stmt;

use context::Context;

/// Assesses every statement of `plan`, which turns `from` into `to`.
///
/// `server_version_num` is the version of the server the script will run
/// on (FROM's, for both scripts); without it the rules assume the oldest
/// supported version, [`ASSUMED_VERSION`]. For the reverse plan, `from` is
/// TO and `to` is FROM.
pub fn assess(
    plan: &Plan,
    from: &Catalog,
    to: &Catalog,
    server_version_num: Option<i32>,
    direction: Direction,
) -> Assessment {
    let cx = Context::new(plan, from, to, server_version_num, direction);
    // A foreign table holds no rows of its own (see `catalog::table`): what
    // a statement on one does to rows is done to none, and no probe reads
    // one, which would reach its server, or fail without a handler.
    let foreign: BTreeSet<String> = from
        .tables
        .iter()
        .filter(|t| t.foreign.is_some())
        .map(|t| t.name.to_string())
        .collect();
    let statements = cx
        .sites()
        .filter_map(|site| {
            let on_foreign = !foreign.is_empty()
                && matches!(site.stmt, Stmt::AlterTable { table, .. }
                    if foreign.contains(&table.to_string()));
            let risks: Vec<Risk> = Rule::ALL
                .iter()
                .flat_map(|rule| rule.check(&cx, &site))
                .filter(|risk| !(on_foreign && risk.category.is_about_rows()))
                .map(|mut risk| {
                    risk.tables.retain(|t| !foreign.contains(t));
                    risk
                })
                .collect();
            (!risks.is_empty()).then_some(StatementRisks {
                step: site.step,
                index: site.index,
                risks,
            })
        })
        .collect();
    Assessment { statements }
}

#[cfg(test)]
mod tests {
    use super::rules::testing::{catalog, col, table};
    use super::*;
    use crate::catalog::ForeignTable;
    use crate::{diff, plan};

    #[test]
    fn a_foreign_table_loses_no_rows_and_is_never_probed() {
        let mut old = table("orders", vec![col("id", "integer"), col("note", "text")]);
        old.foreign = Some(Box::new(ForeignTable {
            server: "remote".into(),
            options: Vec::new(),
        }));
        let mut new = old.clone();
        new.columns = vec![col("id", "bigint")];
        let (from, to) = (catalog(vec![old]), catalog(vec![new]));
        let plan = plan::plan(diff::diff(&from, &to)).expect("the schemas plan");
        let assessment = assess(&plan, &from, &to, Some(150000), Direction::Forward);
        let risks: Vec<&Risk> = assessment
            .statements
            .iter()
            .flat_map(|s| &s.risks)
            .collect();
        assert!(!risks.is_empty(), "a dropped column still breaks clients");
        for risk in risks {
            assert!(!risk.category.is_about_rows(), "{}", risk.message);
            assert!(risk.tables.is_empty(), "{}", risk.message);
        }
    }
}
