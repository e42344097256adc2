//! A bound that excludes a sequence's current value: the diff moves the
//! value to the new bound first (`ALTER SEQUENCE` would fail otherwise).
//! Moving an ascending sequence up to a raised `MINVALUE` skips values and
//! is safe; moving it down to a lowered `MAXVALUE` leaves it nothing to
//! hand out, so every insert that draws from it fails afterwards (and the
//! same the other way round for a descending sequence).

use crate::sql::Stmt;

use super::super::phrase;
use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let (name, bound) = match site.stmt {
        Stmt::SequenceAtMost { name, value } => (name, format!("above {value}")),
        Stmt::SequenceAtLeast { name, value } => (name, format!("below {value}")),
        _ => return Vec::new(),
    };
    let Some(ascending) = cx
        .to
        .sequence(name)
        .map(|s| s.options.increment > 0)
        .or_else(|| sequence_of_identity(cx, name))
    else {
        return Vec::new();
    };
    if ascending == matches!(site.stmt, Stmt::SequenceAtLeast { .. }) {
        return Vec::new();
    }
    vec![risk(
        Rule::SequenceBounds,
        site,
        Category::BreaksClients,
        Severity::Medium,
        format!(
            "{} leaves it nothing to hand out if its current value is {bound}: every insert that draws from it then fails",
            phrase::action(site.change, site.stmt)
        ),
        "check the sequence's current value first (SELECT last_value FROM the sequence); one past its new bound must be restarted by hand, which may repeat values",
    )]
}

/// Whether the identity column backed by sequence `name` counts up, for a
/// sequence that is an identity's.
fn sequence_of_identity(cx: &Context<'_>, name: &crate::catalog::QualName) -> Option<bool> {
    cx.to.tables.iter().find_map(|t| {
        t.columns.iter().find_map(|c| {
            c.identity()
                .filter(|i| &i.sequence == name)
                .map(|i| i.options.increment > 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Sequence, SequenceOptions};

    fn schema(data_type: &str, max_value: i64) -> Catalog {
        let mut c = catalog(vec![]);
        c.sequences.push(Sequence {
            acl: Default::default(),
            owner: Default::default(),
            name: name("ticket_no"),
            options: SequenceOptions {
                data_type: data_type.into(),
                start: 1,
                increment: 1,
                min_value: 1,
                max_value,
                cache: 1,
                cycle: false,
            },
            owned_by: None,
            unlogged: false,
            comment: None,
        });
        c
    }

    #[test]
    fn a_lower_maxvalue_may_exhaust_the_sequence() {
        check(
            Rule::SequenceBounds,
            &schema("bigint", i64::MAX),
            &schema("integer", i32::MAX as i64),
            &[
                "medium breaks-clients public.ticket_no: Lowering the MAXVALUE of sequence public.ticket_no to 2147483647 leaves it nothing to hand out if its current value is above 2147483647: every insert that draws from it then fails",
            ],
        );
        check(
            Rule::SequenceBounds,
            &schema("integer", i32::MAX as i64),
            &schema("bigint", i64::MAX),
            &[],
        );
    }
}
