//! `DROP SEQUENCE` loses the sequence's position: one created again starts
//! over and hands out values that are already in use.

use crate::sql::Stmt;

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(_cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::DropSequence(name) = site.stmt else {
        return Vec::new();
    };
    vec![risk(
        Rule::DropSequence,
        site,
        Category::DataLoss,
        Severity::High,
        format!(
            "Dropping sequence {name} loses its position: a sequence created again starts over and hands out values already used"
        ),
        "note its value first (SELECT last_value FROM the sequence) to restore it with setval, or keep the sequence",
    )]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::Sequence;

    #[test]
    fn a_dropped_sequence_loses_its_value() {
        let from = {
            let mut c = catalog(vec![]);
            c.sequences.push(Sequence {
                acl: Default::default(),
                owner: Default::default(),
                name: name("invoice_no"),
                options: bigint_sequence(),
                owned_by: None,
                unlogged: false,
                comment: None,
            });
            c
        };
        check(
            Rule::DropSequence,
            &from,
            &catalog(vec![]),
            &[
                "high data-loss public.invoice_no: Dropping sequence public.invoice_no loses its position: a sequence created again starts over and hands out values already used",
            ],
        );
    }
}
