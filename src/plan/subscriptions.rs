//! Creating a subscription connects to another server, its publisher, and
//! one that is enabled creates its replication slot there: a plan creates
//! none unless asked to (`--create-subscriptions`). No IO.
//!
//! Without it, a new subscription is left out of the plan, and a replaced
//! one is kept as it is (neither dropped nor created), each with a warning
//! that names it. With it, a subscription whose `CREATE SUBSCRIPTION`
//! connects runs outside any transaction, as PostgreSQL requires of one
//! that creates its slot.

use std::collections::BTreeSet;

use super::{Boundary, Plan};
use crate::catalog::{ObjectId, Warning};
use crate::diff::ChangeKind;
use crate::names::Name;
use crate::sql::{Stmt, quote_ident};

/// `plan` with its subscriptions created if `create`, and otherwise left
/// out with a warning each.
pub fn subscriptions(mut plan: Plan, create: bool) -> Plan {
    if create {
        for step in &mut plan.steps {
            if step.statements.iter().any(|stmt| match stmt {
                Stmt::CreateSubscription(def) => def.connects(),
                _ => false,
            }) {
                step.boundary = Boundary::Alone;
            }
        }
        return plan;
    }
    let created: BTreeSet<Name> = plan
        .steps
        .iter()
        .filter(|step| step.kind == ChangeKind::Create)
        .filter_map(|step| match &step.id {
            ObjectId::Subscription { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    if created.is_empty() {
        return plan;
    }
    let replaced: BTreeSet<&Name> = plan
        .steps
        .iter()
        .filter(|step| step.kind == ChangeKind::Drop)
        .filter_map(|step| match &step.id {
            ObjectId::Subscription { name } if created.contains(name) => Some(name),
            _ => None,
        })
        .collect();
    let warnings: Vec<Warning> = created
        .iter()
        .map(|name| {
            let verb = if replaced.contains(name) {
                "replaced (it is kept as it is)"
            } else {
                "created"
            };
            Warning {
                kind: "subscription".to_owned(),
                object: name.to_string(),
                message: format!(
                    "subscription {} is not {verb}: creating one connects to another server; \
                     pass --create-subscriptions",
                    quote_ident(name)
                ),
            }
        })
        .collect();
    plan.steps.retain(|step| match &step.id {
        ObjectId::Subscription { name } => !created.contains(name),
        _ => true,
    });
    plan.warnings.extend(warnings);
    plan.warnings.sort();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::catalog::sample_subscription as subscription;
    use crate::diff;

    fn planned(from: &Catalog, to: &Catalog, create: bool) -> Plan {
        subscriptions(
            super::super::plan(diff::diff(from, to)).expect("the catalogs plan"),
            create,
        )
    }

    #[test]
    fn a_subscription_is_created_only_when_asked_for() {
        let mut new = subscription("host=a");
        new.comment = Some("new".into());
        let to = Catalog {
            subscriptions: vec![new.clone()],
            ..Catalog::default()
        };
        let refused = planned(&Catalog::default(), &to, false);
        assert!(refused.steps.is_empty());
        assert_eq!(
            refused.warnings[0].message,
            "subscription \"sub\n*/ --\" is not created: creating one connects to another server; \
             pass --create-subscriptions"
        );
        let created = planned(&Catalog::default(), &to, true);
        assert_eq!(created.steps.len(), 2, "{:?}", created.steps);
        assert!(created.steps.iter().all(|s| s.boundary == Boundary::Joined));
        let mut enabled = new.clone();
        enabled.enabled = true;
        let to = Catalog {
            subscriptions: vec![enabled],
            ..Catalog::default()
        };
        let created = planned(&Catalog::default(), &to, true);
        assert_eq!(created.steps[0].boundary, Boundary::Alone);
        // A replaced subscription is kept as it is.
        let mut two_phase = new.clone();
        two_phase.two_phase = Some(true);
        let from = Catalog {
            subscriptions: vec![new],
            ..Catalog::default()
        };
        let kept = planned(&from, &to_catalog(two_phase), false);
        assert!(kept.steps.is_empty());
        assert!(
            kept.warnings[0]
                .message
                .contains("is not replaced (it is kept as it is)")
        );
    }

    fn to_catalog(subscription: crate::catalog::Subscription) -> Catalog {
        Catalog {
            subscriptions: vec![subscription],
            ..Catalog::default()
        }
    }
}
