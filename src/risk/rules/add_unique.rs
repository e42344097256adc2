//! `ADD CONSTRAINT … UNIQUE` or `PRIMARY KEY` builds a unique index under
//! ACCESS EXCLUSIVE, and fails if existing rows hold duplicates. (NULLs in
//! a primary key fail the `SET NOT NULL` the diff writes before it.)

use crate::sql::read::{self, ConstraintDefKind};

use super::super::phrase;
use super::{
    AddedConstraint, Category, Context, Risk, RiskExt, Rule, Severity, Site, added_constraint, risk,
};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Some(AddedConstraint {
        table,
        name,
        definition,
        ..
    }) = added_constraint(
        cx,
        site,
        &[ConstraintDefKind::Unique, ConstraintDefKind::PrimaryKey],
    )
    else {
        return Vec::new();
    };
    // New columns without a default are all NULL, which never collide
    // unless NULLS NOT DISTINCT says they do.
    let all_null = read::key(definition).is_some_and(|key| {
        key.nulls_distinct
            && key.columns.iter().all(|c| {
                cx.column_before(table, c).is_none()
                    && cx
                        .column_after(table, c)
                        .is_some_and(|c| c.default.is_none() && c.identity().is_none())
            })
    });
    // The same key dropped and added again (made deferrable, say) already
    // holds.
    if all_null || cx.rows_satisfy(table, &name.0, definition) {
        return Vec::new();
    }
    vec![
        risk(
            Rule::AddUnique,
            site,
            Category::MayFail,
            Severity::Medium,
            format!("{} fails if rows hold duplicates", phrase::action(site.change, site.stmt)),
            "check for duplicates first; to keep writes going, build the index with CREATE UNIQUE INDEX CONCURRENTLY and add the constraint USING INDEX",
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, ConstraintKind};

    fn accounts(key: Option<(&str, ConstraintKind, &str)>) -> Catalog {
        let t = table(
            "accounts",
            vec![not_null(col("id", "integer")), col("email", "text")],
        );
        let constraints = key
            .map(|(name, kind, definition)| vec![constraint(name, kind, definition)])
            .unwrap_or_default();
        catalog(vec![with_constraints(t, constraints)])
    }

    #[test]
    fn keys_may_fail_on_duplicates() {
        check(
            Rule::AddUnique,
            &accounts(None),
            &accounts(Some((
                "accounts_email_key",
                ConstraintKind::Unique,
                "UNIQUE (email)",
            ))),
            &[
                "medium may-fail accounts_email_key on public.accounts: Adding unique constraint accounts_email_key on public.accounts fails if rows hold duplicates",
            ],
        );
        check(
            Rule::AddUnique,
            &accounts(None),
            &accounts(Some((
                "accounts_pkey",
                ConstraintKind::PrimaryKey,
                "PRIMARY KEY (id)",
            ))),
            &[
                "medium may-fail accounts_pkey on public.accounts: Adding primary key accounts_pkey on public.accounts fails if rows hold duplicates",
            ],
        );
    }

    #[test]
    fn the_same_key_made_deferrable_cannot_fail() {
        let key = |definition| {
            accounts(Some((
                "accounts_email_key",
                ConstraintKind::Unique,
                definition,
            )))
        };
        check(
            Rule::AddUnique,
            &key("UNIQUE (email)"),
            &key("UNIQUE (email) DEFERRABLE"),
            &[],
        );
        check(
            Rule::AddUnique,
            &key("UNIQUE (email)"),
            &key("UNIQUE (id, email)"),
            &[
                "medium may-fail accounts_email_key on public.accounts: Adding unique constraint accounts_email_key on public.accounts fails if rows hold duplicates",
            ],
        );
    }

    #[test]
    fn a_key_on_a_new_table_cannot_fail() {
        check(
            Rule::AddUnique,
            &catalog(vec![]),
            &accounts(Some((
                "accounts_email_key",
                ConstraintKind::Unique,
                "UNIQUE (email)",
            ))),
            &[],
        );
    }
}
