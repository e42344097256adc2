//! A subscription parted from its replication slot (`SET (slot_name =
//! NONE)`, which a script writes before it drops a subscription, so that
//! `DROP SUBSCRIPTION` does not connect to the publisher): the slot stays
//! on the publisher, where it keeps every WAL segment the subscription has
//! not received, until someone drops it there. Medium: the publisher's
//! disk fills slowly, and nothing on the subscriber says so.

use crate::sql::{Stmt, SubscriptionChange, SubscriptionValue, quote_literal};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterSubscription {
        name,
        change: SubscriptionChange::Set(options),
    } = site.stmt
    else {
        return Vec::new();
    };
    if !options
        .iter()
        .any(|o| o.key == "slot_name" && o.value == SubscriptionValue::NoSlot)
    {
        return Vec::new();
    }
    let Some(slot) = cx
        .from
        .subscriptions
        .iter()
        .find(|s| *s.name == name.0)
        .and_then(|s| s.slot.as_ref())
    else {
        return Vec::new();
    };
    vec![risk(
        Rule::SubscriptionSlot,
        site,
        Category::BreaksClients,
        Severity::Medium,
        format!(
            "Subscription {name} is parted from its replication slot {}, which stays on the \
             publisher and holds back its WAL until it is dropped there",
            quote_literal(slot)
        ),
        &format!(
            "drop the slot {} on the publisher once nothing uses it (with the function \
             pg_drop_replication_slot)",
            quote_literal(slot)
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::Catalog;
    use crate::catalog::sample_subscription as subscription;

    #[test]
    fn a_dropped_subscription_leaves_its_slot_on_the_publisher() {
        let from = Catalog {
            subscriptions: vec![subscription("host=a")],
            ..Catalog::default()
        };
        check(
            Rule::SubscriptionSlot,
            &from,
            &Catalog::default(),
            &[
                "medium breaks-clients \"sub\n*/ --\": Subscription \"sub\n*/ --\" is parted from its \
                 replication slot 'slot ''1''', which stays on the publisher and holds back its WAL \
                 until it is dropped there",
            ],
        );
        check(Rule::SubscriptionSlot, &from, &from, &[]);
    }
}
