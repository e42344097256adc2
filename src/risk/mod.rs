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

pub use context::{ASSUMED_VERSION, Direction};
pub use model::*;
pub use probe::{BUSY_WRITES, LARGE_PAGES, ProbeError, ProbeOptions, SMALL_PAGES, probe};

/// True when changing a column from type `old` to type `new` rewrites the
/// table (or may) or fails on values the new type refuses: the retypes
/// `--expand-contract` moves in two phases.
pub fn retype_is_slow(old: &str, new: &str) -> bool {
    let conversion = types::convert(old, new);
    conversion.rewrite != types::Rewrite::No || conversion.narrowing.is_some()
}

use crate::catalog::Catalog;
use crate::plan::Plan;

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
    let statements = cx
        .sites()
        .filter_map(|site| {
            let risks: Vec<Risk> = Rule::ALL
                .iter()
                .flat_map(|rule| rule.check(&cx, &site))
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
