//! The lock each statement takes, and on which tables. Every statement of
//! a script runs in one transaction, so a lock is held until `COMMIT`, not
//! just while its statement runs: a quick `ALTER TABLE` followed by a table
//! rewrite keeps its table blocked for the whole rewrite.
//!
//! Severity: a lock that blocks reads or writes (SHARE and stronger) is
//! medium when its own statement does long work under it (a rewrite, a
//! scan, an index build), and low otherwise, with a note when later long
//! work in the same transaction keeps it held (those statements carry the
//! medium risk); SHARE UPDATE EXCLUSIVE, which blocks only other schema
//! changes and VACUUM, is info. Weaker locks are not reported.

use crate::sql::read::ConstraintDefKind;
use crate::sql::{Stmt, TableAction};

use super::super::effect::{self, Work};
use super::super::model::LockLevel;
use super::super::phrase;
use super::{
    Category, Context, NOT_VALID_THEN_VALIDATE, Risk, RiskExt, Rule, Severity, Site, risk,
};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Some(effect) = effect::of(cx, site) else {
        return Vec::new();
    };
    let Some(level) = effect.locks.iter().map(|(l, _)| *l).max() else {
        return Vec::new();
    };
    if level < LockLevel::ShareUpdateExclusive {
        return Vec::new();
    }
    let mut tables: Vec<_> = effect
        .locks
        .iter()
        .filter(|(l, _)| *l == level)
        .map(|(_, t)| t.clone())
        .collect();
    tables.dedup();
    let names: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    let blocks = match level {
        LockLevel::AccessExclusive => "all reads and writes wait",
        LockLevel::ShareUpdateExclusive => "only other schema changes and VACUUM wait",
        _ => "writes wait; reads continue",
    };
    let later_long = cx.long_work_after(site);
    let (severity, during) = if level == LockLevel::ShareUpdateExclusive {
        (Severity::Info, String::new())
    } else if effect.work.is_long() {
        (Severity::Medium, format!(", {}", effect.work.phrase()))
    } else if later_long {
        (
            Severity::Low,
            ", which waits for the long statements after it".to_owned(),
        )
    } else {
        (Severity::Low, String::new())
    };
    let message = format!(
        "{} takes {} on {} until COMMIT{during}: {blocks}",
        phrase::action(site.change, site.stmt),
        level.as_str(),
        names.join(" and "),
    );
    vec![
        risk(
            Rule::Lock,
            site,
            Category::Lock,
            severity,
            message,
            mitigation(cx, site, effect.work),
        )
        .on(&tables)
        .lock(level),
    ]
}

/// What to do about the lock. A script that sets `lock_timeout` (see
/// `plan::Timeouts`) already gives up rather than queue queries behind it,
/// so the advice to set one is left out for it.
fn mitigation(cx: &Context<'_>, site: &Site<'_>, work: Work) -> &'static str {
    let sets_lock_timeout = cx.plan.timeouts.lock.is_some();
    match site.stmt {
        Stmt::CreateIndexConcurrently(_) => {
            "nothing to change: a concurrent build lets reads and writes go on; it waits for the transactions already running to end first"
        }
        Stmt::CreateIndex(_) => {
            "build the index with CREATE INDEX CONCURRENTLY, outside a transaction, to keep writes going"
        }
        Stmt::AlterTable {
            action: TableAction::AddConstraint { definition, .. },
            ..
        } if matches!(
            ConstraintDefKind::of(&definition.0),
            Some(ConstraintDefKind::Check | ConstraintDefKind::ForeignKey)
        ) && work.is_long() =>
        {
            NOT_VALID_THEN_VALIDATE
        }
        _ if work.is_long() && sets_lock_timeout => {
            "run it at a quiet time: the script's lock_timeout bounds the wait for the lock, not the work done while holding it"
        }
        _ if work.is_long() => {
            "run it at a quiet time, with lock_timeout set so that it gives up rather than queue every query behind it"
        }
        _ if sets_lock_timeout => {
            "the script's lock_timeout makes it give up rather than queue queries behind a lock it waits for; if it does, run it again at a quieter time"
        }
        _ => {
            "set lock_timeout (e.g. SET lock_timeout = '5s') so that the script gives up rather than queue every query behind a lock it waits for"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, ConstraintKind, Trigger, TriggerEnabled};

    fn users(columns: Vec<crate::catalog::Column>) -> Catalog {
        catalog(vec![table("users", columns)])
    }

    /// A script that sets `lock_timeout` is not told to set it; one that
    /// does not is.
    #[test]
    fn the_advice_to_set_lock_timeout_is_left_out_when_the_script_sets_it() {
        use crate::risk::Direction;
        use crate::risk::context::Context;
        use std::time::Duration;

        let from = users(vec![col("id", "integer"), col("old", "text")]);
        let to = users(vec![col("id", "integer")]);
        let mut plan = crate::plan::plan(crate::diff::diff(&from, &to)).expect("plans");
        for (lock, advised) in [(None, true), (Some(Duration::from_secs(5)), false)] {
            plan.timeouts.lock = lock;
            let cx = Context::new(&plan, &from, &to, Some(150000), Direction::Forward);
            let mitigations: Vec<String> = cx
                .sites()
                .flat_map(|site| Rule::Lock.check(&cx, &site))
                .map(|risk| risk.mitigation)
                .collect();
            assert_eq!(mitigations.len(), 1, "{mitigations:?}");
            assert_eq!(
                mitigations[0].contains("set lock_timeout"),
                advised,
                "lock_timeout {lock:?}: {}",
                mitigations[0]
            );
        }
    }

    #[test]
    fn a_catalog_change_holds_access_exclusive_briefly() {
        check(
            Rule::Lock,
            &users(vec![col("id", "integer"), col("old", "text")]),
            &users(vec![col("id", "integer")]),
            &[
                "low lock public.users.old: Dropping column public.users.old takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn a_table_given_to_another_role_is_locked_briefly() {
        let owned = |owner: &str| {
            let mut c = users(vec![col("id", "integer")]);
            c.tables[0].owner = Some(owner.into());
            c
        };
        check(
            Rule::Lock,
            &owned("app"),
            &owned("reporting"),
            &[
                "low lock public.users: Changing the owner of table public.users to reporting takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn a_rewrite_holds_access_exclusive_long() {
        check(
            Rule::Lock,
            &users(vec![col("id", "integer")]),
            &users(vec![col("id", "bigint")]),
            &[
                "medium lock public.users.id: Changing column public.users.id to bigint takes ACCESS EXCLUSIVE on public.users until COMMIT, while it rewrites the table: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
        // A binary-coercible change is a catalog change.
        check(
            Rule::Lock,
            &users(vec![col("name", "character varying(20)")]),
            &users(vec![col("name", "text")]),
            &[
                "low lock public.users.name: Changing column public.users.name to text takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn a_quick_lock_is_held_through_later_long_work() {
        check(
            Rule::Lock,
            &users(vec![col("id", "integer"), col("old", "text")]),
            &users(vec![col("id", "bigint")]),
            &[
                "low lock public.users.old: Dropping column public.users.old takes ACCESS EXCLUSIVE on public.users until COMMIT, which waits for the long statements after it: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
                "medium lock public.users.id: Changing column public.users.id to bigint takes ACCESS EXCLUSIVE on public.users until COMMIT, while it rewrites the table: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn create_index_takes_share() {
        let from = users(vec![col("email", "text")]);
        let mut to = users(vec![col("email", "text")]);
        index(&mut to, "users_email_idx", "users", &["email"], false);
        check(
            Rule::Lock,
            &from,
            &to,
            &[
                "medium lock public.users_email_idx: Creating index public.users_email_idx takes SHARE on public.users until COMMIT, while it builds the index: writes wait; reads continue [SHARE public.users]",
            ],
        );
        check(
            Rule::Lock,
            &to,
            &from,
            &[
                "low lock public.users_email_idx: Dropping index public.users_email_idx takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn a_foreign_key_takes_share_row_exclusive_on_both_tables() {
        let schema = |fk: Option<bool>| {
            let constraints = fk
                .map(|validated| {
                    let mut c = constraint(
                        "orders_user_id_fkey",
                        ConstraintKind::ForeignKey,
                        "FOREIGN KEY (user_id) REFERENCES public.users(id)",
                    );
                    c.validated = validated;
                    vec![c]
                })
                .unwrap_or_default();
            catalog(vec![
                table("users", vec![col("id", "integer")]),
                with_constraints(
                    table("orders", vec![col("user_id", "integer")]),
                    constraints,
                ),
            ])
        };
        check(
            Rule::Lock,
            &schema(None),
            &schema(Some(true)),
            &[
                "medium lock orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders takes SHARE ROW EXCLUSIVE on public.orders and public.users until COMMIT, while it scans the table: writes wait; reads continue [SHARE ROW EXCLUSIVE public.orders, public.users]",
            ],
        );
        check(
            Rule::Lock,
            &schema(None),
            &schema(Some(false)),
            &[
                "low lock orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders takes SHARE ROW EXCLUSIVE on public.orders and public.users until COMMIT: writes wait; reads continue [SHARE ROW EXCLUSIVE public.orders, public.users]",
            ],
        );
        check(
            Rule::Lock,
            &schema(Some(false)),
            &schema(Some(true)),
            &[
                "info lock orders_user_id_fkey on public.orders: Validating constraint orders_user_id_fkey on public.orders takes SHARE UPDATE EXCLUSIVE on public.orders until COMMIT: only other schema changes and VACUUM wait [SHARE UPDATE EXCLUSIVE public.orders]",
            ],
        );
        // Dropping it locks the referenced table too.
        check(
            Rule::Lock,
            &schema(Some(true)),
            &schema(None),
            &[
                "low lock orders_user_id_fkey on public.orders: Dropping constraint orders_user_id_fkey on public.orders takes ACCESS EXCLUSIVE on public.orders and public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.orders, public.users]",
            ],
        );
    }

    #[test]
    fn a_new_table_locks_only_the_existing_table_it_references() {
        let users_only = catalog(vec![table("users", vec![col("id", "integer")])]);
        let with_orders = catalog(vec![
            table("users", vec![col("id", "integer")]),
            with_constraints(
                table("orders", vec![col("user_id", "integer")]),
                vec![constraint(
                    "orders_user_id_fkey",
                    ConstraintKind::ForeignKey,
                    "FOREIGN KEY (user_id) REFERENCES public.users(id)",
                )],
            ),
        ]);
        check(
            Rule::Lock,
            &users_only,
            &with_orders,
            &[
                "low lock orders_user_id_fkey on public.orders: Adding foreign key orders_user_id_fkey on public.orders takes SHARE ROW EXCLUSIVE on public.users until COMMIT: writes wait; reads continue [SHARE ROW EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn triggers() {
        let trigger = |enabled| {
            Trigger {
            table: name("users"),
            name: "audit".into(),
            definition: "CREATE TRIGGER audit AFTER UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.audit()".into(),
            enabled,
            comment: None,
        }
        };
        let with = |t: Option<Trigger>| {
            let mut c = users(vec![col("id", "integer")]);
            c.triggers.extend(t);
            c
        };
        check(
            Rule::Lock,
            &with(None),
            &with(Some(trigger(TriggerEnabled::Origin))),
            &[
                "low lock audit on public.users: Creating trigger audit on public.users takes SHARE ROW EXCLUSIVE on public.users until COMMIT: writes wait; reads continue [SHARE ROW EXCLUSIVE public.users]",
            ],
        );
        check(
            Rule::Lock,
            &with(Some(trigger(TriggerEnabled::Origin))),
            &with(Some(trigger(TriggerEnabled::Disabled))),
            &[
                "low lock audit on public.users: Changing whether trigger audit on public.users fires takes SHARE ROW EXCLUSIVE on public.users until COMMIT: writes wait; reads continue [SHARE ROW EXCLUSIVE public.users]",
            ],
        );
        check(
            Rule::Lock,
            &with(Some(trigger(TriggerEnabled::Origin))),
            &with(None),
            &[
                "low lock audit on public.users: Dropping trigger audit on public.users takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    /// `fillfactor`, the autovacuum and toast parameters take SHARE UPDATE
    /// EXCLUSIVE; any other parameter in the same statement raises it to
    /// ACCESS EXCLUSIVE; the replica identity takes ACCESS EXCLUSIVE.
    #[test]
    fn storage_parameters_and_replica_identity() {
        use crate::catalog::ReplicaIdentity;
        let tuned = |options: &[&str], identity| {
            let mut table = table("users", vec![col("id", "integer")]);
            table.options = options.iter().map(|o| (*o).to_owned()).collect();
            table.replica_identity = identity;
            catalog(vec![table])
        };
        check(
            Rule::Lock,
            &tuned(&[], ReplicaIdentity::Default),
            &tuned(
                &["fillfactor=70", "toast.autovacuum_enabled=false"],
                ReplicaIdentity::Default,
            ),
            &[
                "info lock public.users: Setting storage parameters of public.users takes SHARE UPDATE EXCLUSIVE on public.users until COMMIT: only other schema changes and VACUUM wait [SHARE UPDATE EXCLUSIVE public.users]",
            ],
        );
        check(
            Rule::Lock,
            &tuned(
                &["fillfactor=70", "user_catalog_table=true"],
                ReplicaIdentity::Default,
            ),
            &tuned(&["fillfactor=70"], ReplicaIdentity::Full),
            &[
                "low lock public.users: Resetting storage parameters of public.users takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
                "low lock public.users: Setting the replica identity of public.users takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    /// The statistics target takes SHARE UPDATE EXCLUSIVE; the storage and
    /// compression ACCESS EXCLUSIVE, briefly: nothing is rewritten.
    #[test]
    fn column_settings() {
        use crate::catalog::{ColumnSettings, Compression, Storage, StorageSetting};
        let with = |settings: ColumnSettings| {
            users(vec![
                col("body", "text").with_extra(|extra| extra.settings = Some(settings)),
            ])
        };
        check(
            Rule::Lock,
            &users(vec![col("body", "text")]),
            &with(ColumnSettings {
                statistics: Some(500),
                ..ColumnSettings::default()
            }),
            &[
                "info lock public.users.body: Setting the statistics target of public.users.body takes SHARE UPDATE EXCLUSIVE on public.users until COMMIT: only other schema changes and VACUUM wait [SHARE UPDATE EXCLUSIVE public.users]",
            ],
        );
        check(
            Rule::Lock,
            &users(vec![col("body", "text")]),
            &with(ColumnSettings {
                storage: Some(StorageSetting {
                    storage: Storage::External,
                    type_default: Storage::Extended,
                }),
                compression: Some(Compression::Pglz),
                statistics: None,
            }),
            &[
                "low lock public.users.body: Setting the storage of public.users.body takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
                "low lock public.users.body: Setting the compression of public.users.body takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    /// A key's index is altered as the key, locking the key's table.
    #[test]
    fn key_index_storage_parameters() {
        let keyed = |options: &[&str]| {
            let mut key = constraint("users_pkey", ConstraintKind::PrimaryKey, "PRIMARY KEY (id)");
            key.options = options.iter().map(|o| (*o).to_owned()).collect();
            catalog(vec![with_constraints(
                table("users", vec![col("id", "integer")]),
                vec![key],
            )])
        };
        check(
            Rule::Lock,
            &keyed(&[]),
            &keyed(&["fillfactor=80"]),
            &[
                "info lock users_pkey on public.users: Setting storage parameters of constraint users_pkey on public.users takes SHARE UPDATE EXCLUSIVE on public.users until COMMIT: only other schema changes and VACUUM wait [SHARE UPDATE EXCLUSIVE public.users]",
            ],
        );
    }

    /// `OF type` and `NOT OF` take ACCESS EXCLUSIVE, briefly.
    #[test]
    fn a_table_that_becomes_typed() {
        let typed = |of_type: Option<&str>| {
            let mut table = table("pairs", vec![col("a", "integer")]);
            table.of_type = of_type.map(name);
            catalog(vec![table])
        };
        check(
            Rule::Lock,
            &typed(None),
            &typed(Some("pair")),
            &[
                "low lock public.pairs: Making public.pairs a typed table of public.pair takes ACCESS EXCLUSIVE on public.pairs until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.pairs]",
            ],
        );
        check(
            Rule::Lock,
            &typed(Some("pair")),
            &typed(None),
            &[
                "low lock public.pairs: Making public.pairs no longer a typed table takes ACCESS EXCLUSIVE on public.pairs until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.pairs]",
            ],
        );
    }

    /// An index's parameters lock the index, which holds up the queries of
    /// its table as much.
    #[test]
    fn index_storage_parameters_lock_by_parameter() {
        let with = |options: &[&str]| {
            let mut c = users(vec![col("email", "text")]);
            index(&mut c, "users_email_idx", "users", &["email"], false);
            c.indexes[0].options = options.iter().map(|o| (*o).to_owned()).collect();
            c
        };
        check(
            Rule::Lock,
            &with(&[]),
            &with(&["fillfactor=80"]),
            &[
                "info lock public.users_email_idx: Setting storage parameters of index public.users_email_idx takes SHARE UPDATE EXCLUSIVE on public.users until COMMIT: only other schema changes and VACUUM wait [SHARE UPDATE EXCLUSIVE public.users]",
            ],
        );
        check(
            Rule::Lock,
            &with(&["fastupdate=off"]),
            &with(&[]),
            &[
                "low lock public.users_email_idx: Resetting storage parameters of index public.users_email_idx takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
            ],
        );
    }

    #[test]
    fn a_new_table_takes_no_lock_worth_reporting() {
        check(
            Rule::Lock,
            &catalog(vec![]),
            &users(vec![col("id", "integer")]),
            &[],
        );
    }

    #[test]
    fn an_expand_locks_its_table_only_briefly() {
        check_expanded(
            Rule::Lock,
            &users(vec![col("id", "integer"), col("n", "text")]),
            &users(vec![col("id", "integer"), col("n", "integer")]),
            &[
                "low lock public.users.n__pgrift_new: Adding column public.users.n__pgrift_new takes ACCESS EXCLUSIVE on public.users until COMMIT: all reads and writes wait [ACCESS EXCLUSIVE public.users]",
                "low lock public.users.n__pgrift_new: Creating sync trigger pgrift_sync_cc8abeb626632a0a on public.users takes SHARE ROW EXCLUSIVE on public.users until COMMIT: writes wait; reads continue [SHARE ROW EXCLUSIVE public.users]",
            ],
        );
    }
}
