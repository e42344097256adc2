//! `ALTER SEQUENCE` with a bound that excludes the sequence's current value
//! fails. (A raised `MINVALUE` of an ascending sequence is safe: the diff
//! moves the sequence up to it first.)

use crate::sql::Stmt;

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterSequence { name, options } = site.stmt else {
        return Vec::new();
    };
    let Some(old) = cx.from.sequence(name) else {
        return Vec::new();
    };
    let condition = if options.increment > 0 && options.max_value < old.options.max_value {
        format!("is above the new MAXVALUE {}", options.max_value)
    } else if options.increment < 0 && options.min_value > old.options.min_value {
        format!("is below the new MINVALUE {}", options.min_value)
    } else {
        return Vec::new();
    };
    vec![risk(
        Rule::SequenceBounds,
        site,
        Category::MayFail,
        Severity::Medium,
        format!("Changing sequence {name} fails if its current value {condition}"),
        "check the sequence's current value first (SELECT last_value FROM the sequence)",
    )]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Sequence, SequenceOptions};

    fn schema(data_type: &str, max_value: i64) -> Catalog {
        let mut c = catalog(vec![]);
        c.sequences.push(Sequence {
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
            comment: None,
        });
        c
    }

    #[test]
    fn a_lower_maxvalue_may_fail() {
        check(
            Rule::SequenceBounds,
            &schema("bigint", i64::MAX),
            &schema("integer", i32::MAX as i64),
            &[
                "medium may-fail public.ticket_no: Changing sequence public.ticket_no fails if its current value is above the new MAXVALUE 2147483647",
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
