//! Dropping an index may slow down the queries that used it. So does
//! dropping a primary key, unique or exclusion constraint, which drops its
//! index along. An index dropped and built again in the same script is
//! only unavailable while the script runs, and the table is locked then.

use crate::catalog::{ConstraintKind, ObjectId};
use crate::diff::ChangeKind;
use crate::sql::{Stmt, TableAction};

use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

const MONITOR: &str = "check that queries no longer need it (pg_stat_user_indexes.idx_scan) and monitor query plans after dropping it";
const REBUILT: &str = "nothing to change; for a big table, build the new index CONCURRENTLY under another name first and drop the old one after";

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let (what, table, recreated) = match site.stmt {
        Stmt::DropIndex(name) | Stmt::DropIndexConcurrently { name, .. } => {
            let Some(index) = cx.index_before(name) else {
                return Vec::new();
            };
            let id = ObjectId::Index { name: name.clone() };
            (
                format!("index {name}"),
                index.table.clone(),
                cx.plans(&id, ChangeKind::Create),
            )
        }
        Stmt::AlterTable {
            table,
            action: TableAction::DropConstraint(name),
        } => {
            let Some(constraint) = cx.constraint_before(table, &name.0) else {
                return Vec::new();
            };
            if !matches!(
                constraint.kind,
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
            ) {
                return Vec::new();
            }
            let id = ObjectId::Constraint {
                table: table.clone(),
                name: name.0.as_str().into(),
            };
            (
                format!("constraint {name} on {table} and its index"),
                table.clone(),
                cx.plans(&id, ChangeKind::Create),
            )
        }
        _ => return Vec::new(),
    };
    if !cx.existing(&table) {
        return Vec::new();
    }
    let risk = if recreated {
        risk(
            Rule::DropIndex,
            site,
            Category::IndexDropped,
            Severity::Info,
            format!("Dropping and rebuilding {what} keeps {table} locked while the index builds"),
            REBUILT,
        )
    } else {
        risk(
            Rule::DropIndex,
            site,
            Category::IndexDropped,
            Severity::Medium,
            format!("Dropping {what} may slow down the queries that used it"),
            MONITOR,
        )
    };
    vec![risk.on([&table])]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::ConstraintKind;

    #[test]
    fn a_dropped_index_may_slow_queries() {
        let t = || table("orders", vec![col("user_id", "integer"), col("at", "date")]);
        let mut with_index = catalog(vec![t()]);
        index(
            &mut with_index,
            "orders_user_idx",
            "orders",
            &["user_id"],
            false,
        );
        check(
            Rule::DropIndex,
            &with_index,
            &catalog(vec![t()]),
            &[
                "medium index-dropped public.orders_user_idx: Dropping index public.orders_user_idx may slow down the queries that used it",
            ],
        );
        let mut changed = catalog(vec![t()]);
        index(
            &mut changed,
            "orders_user_idx",
            "orders",
            &["user_id", "at"],
            false,
        );
        check(
            Rule::DropIndex,
            &with_index,
            &changed,
            &[
                "info index-dropped public.orders_user_idx: Dropping and rebuilding index public.orders_user_idx keeps public.orders locked while the index builds",
            ],
        );
    }

    #[test]
    fn a_dropped_key_drops_its_index() {
        let t = || table("users", vec![col("email", "text")]);
        let with_key = catalog(vec![with_constraints(
            t(),
            vec![constraint(
                "users_email_key",
                ConstraintKind::Unique,
                "UNIQUE (email)",
            )],
        )]);
        check(
            Rule::DropIndex,
            &with_key,
            &catalog(vec![t()]),
            &[
                "medium index-dropped users_email_key on public.users: Dropping constraint users_email_key on public.users and its index may slow down the queries that used it",
            ],
        );
    }

    #[test]
    fn a_dropped_table_takes_its_indexes_quietly() {
        let mut with_index = catalog(vec![table("orders", vec![col("user_id", "integer")])]);
        index(
            &mut with_index,
            "orders_user_idx",
            "orders",
            &["user_id"],
            false,
        );
        check(Rule::DropIndex, &with_index, &catalog(vec![]), &[]);
    }
}
