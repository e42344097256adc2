//! `ADD CONSTRAINT … EXCLUDE` builds its index under ACCESS EXCLUSIVE and
//! fails if existing rows conflict. pgrift does not probe for conflicts:
//! the operators are arbitrary.

use crate::sql::read::ConstraintDefKind;

use super::super::phrase;
use super::{
    AddedConstraint, Category, Context, Risk, RiskExt, Rule, Severity, Site, added_constraint, risk,
};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Some(AddedConstraint { table, .. }) =
        added_constraint(cx, site, &[ConstraintDefKind::Exclusion])
    else {
        return Vec::new();
    };
    vec![
        risk(
            Rule::AddExclusion,
            site,
            Category::MayFail,
            Severity::Medium,
            format!(
                "{} fails if existing rows conflict",
                phrase::action(site.change, site.stmt)
            ),
            "find conflicting rows first (a self-join with the constraint's operators)",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::ConstraintKind;

    #[test]
    fn an_exclusion_may_fail() {
        let t = || {
            table(
                "bookings",
                vec![col("room", "integer"), col("during", "tstzrange")],
            )
        };
        let to = catalog(vec![with_constraints(
            t(),
            vec![constraint(
                "bookings_no_overlap",
                ConstraintKind::Exclusion,
                "EXCLUDE USING gist (during WITH &&)",
            )],
        )]);
        check(
            Rule::AddExclusion,
            &catalog(vec![t()]),
            &to,
            &[
                "medium may-fail bookings_no_overlap on public.bookings: Adding exclusion constraint bookings_no_overlap on public.bookings fails if existing rows conflict",
            ],
        );
    }
}
