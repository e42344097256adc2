//! `ADD CONSTRAINT … FOREIGN KEY` without `NOT VALID` takes SHARE ROW
//! EXCLUSIVE on both tables (writes wait on both) and scans the
//! referencing table, failing on a row whose key is missing from the
//! referenced table. A key made only of columns the script adds without a
//! default is all NULL, so it cannot fail.

use crate::sql::read::{self, ConstraintDefKind};

use super::super::phrase;
use super::{
    AddedConstraint, Category, Context, NOT_VALID_THEN_VALIDATE, Risk, RiskExt, Rule, Severity,
    Site, added_constraint, risk,
};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Some(AddedConstraint {
        table,
        name,
        definition,
        not_valid: false,
    }) = added_constraint(cx, site, &[ConstraintDefKind::ForeignKey])
    else {
        return Vec::new();
    };
    let fk = read::foreign_key(definition);
    let referenced = fk.as_ref().map_or_else(
        || "the referenced table".to_owned(),
        |fk| fk.referenced.to_string(),
    );
    let locked = match &fk {
        Some(fk) if &fk.referenced != table => format!("{table} and {referenced}"),
        _ => table.to_string(),
    };
    let mut out = vec![
        risk(
            Rule::AddForeignKey,
            site,
            Category::ValidationScan,
            Severity::Medium,
            format!("Adding foreign key {name} on {table} scans all of {table} under SHARE ROW EXCLUSIVE on {locked}"),
            NOT_VALID_THEN_VALIDATE,
        )
        .on([table]),
    ];
    let all_null = fk.as_ref().is_some_and(|fk| {
        fk.columns.iter().all(|c| {
            cx.column_before(table, c).is_none()
                && cx
                    .column_after(table, c)
                    .is_some_and(|c| c.default.is_none())
        })
    });
    // A key made of new, default-less columns is all NULL; the same key
    // dropped and added again (a new ON DELETE action) already holds.
    if !all_null && !cx.rows_satisfy(table, &name.0, definition) {
        out.push(
            risk(
                Rule::AddForeignKey,
                site,
                Category::MayFail,
                Severity::Medium,
                format!(
                    "{} fails if a row references a key missing from {referenced}",
                    phrase::action(site.change, site.stmt)
                ),
                "verify referential integrity first: find the orphan rows and fix or delete them",
            )
            .on([table]),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, ConstraintKind};

    const FK: &str = "FOREIGN KEY (user_id) REFERENCES public.users(id)";

    fn schema(user_id_exists: bool, fk: Option<bool>) -> Catalog {
        let users = table("users", vec![not_null(col("id", "integer"))]);
        let mut columns = vec![col("id", "integer")];
        if user_id_exists {
            columns.push(col("user_id", "integer"));
        }
        let constraints = fk
            .map(|validated| {
                let mut c = constraint("orders_user_id_fkey", ConstraintKind::ForeignKey, FK);
                c.validated = validated;
                vec![c]
            })
            .unwrap_or_default();
        catalog(vec![
            users,
            with_constraints(table("orders", columns), constraints),
        ])
    }

    #[test]
    fn a_new_foreign_key_scans_and_may_fail() {
        check(
            Rule::AddForeignKey,
            &schema(true, None),
            &schema(true, Some(true)),
            &[
                "medium validation-scan orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders scans all of public.orders under SHARE ROW EXCLUSIVE on public.orders and public.users",
                "medium may-fail orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders fails if a row references a key missing from public.users",
            ],
        );
    }

    #[test]
    fn a_key_on_a_new_column_cannot_fail() {
        check(
            Rule::AddForeignKey,
            &schema(false, None),
            &schema(true, Some(true)),
            &[
                "medium validation-scan orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders scans all of public.orders under SHARE ROW EXCLUSIVE on public.orders and public.users",
            ],
        );
    }

    #[test]
    fn a_new_action_on_the_same_key_cannot_fail() {
        let before = schema(true, Some(true));
        let mut after = schema(true, Some(true));
        after.tables[0].constraints[0].definition = format!("{FK} ON DELETE CASCADE");
        check(
            Rule::AddForeignKey,
            &before,
            &after,
            &[
                "medium validation-scan orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders scans all of public.orders under SHARE ROW EXCLUSIVE on public.orders and public.users",
            ],
        );
    }

    #[test]
    fn not_valid_neither_scans_nor_fails() {
        check(
            Rule::AddForeignKey,
            &schema(true, None),
            &schema(true, Some(false)),
            &[],
        );
    }
}
