//! Subscriptions (`CREATE SUBSCRIPTION`): the logical replication a
//! database receives from a publisher on another server. A subscription is
//! an object of the database, not of a schema, although `pg_subscription`
//! is shared by the cluster: only the current database's are read.
//!
//! Its connection string may hold a password, so the catalog keeps only a
//! digest of it (`sql::secret::digest`), and a script writes the psql
//! variable that supplies it, as it does a secret option's value. Its
//! publications, its options, whether it is enabled, its connection, owner
//! and comment alter in place, none of them connecting to the publisher
//! (a new publication list is set with `refresh = false`). Only
//! `two_phase` and `failover` are not changed in place (PostgreSQL alters
//! them on the publisher's slot, connecting to it): the subscription is
//! dropped and created again.
//!
//! Creating a subscription that is enabled connects to the publisher, and
//! creates its replication slot there: `plan::subscriptions` leaves every
//! create out of a plan unless `--create-subscriptions` asks for them. One
//! that is disabled is created without connecting (`connect = false`), as
//! disabled as it is, with its slot's name and no slot. A subscription is
//! dropped disabled and parted from its slot first, so that `DROP
//! SUBSCRIPTION` does not connect to drop the slot: the slot stays on the
//! publisher, which the `subscription-slot` risk says.
//!
//! Each option that came with a later PostgreSQL is `None` when read from
//! an older server, and compared only when both sides have it.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::secret::{self, SecretVar};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, Ident, Keyword, Literal, OwnedObject, Stmt, SubscriptionChange, SubscriptionDef,
    SubscriptionOption, SubscriptionValue,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub name: Name,
    pub enabled: bool,
    /// The digest of its connection string (`sql::secret::digest`), which
    /// only tells whether two differ.
    pub connection_sha256: String,
    /// Its replication slot's name; `None` for `slot_name = NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<Name>,
    /// `synchronous_commit`, as the server keeps it (`off`).
    pub synchronous_commit: String,
    /// The publications it subscribes to, sorted.
    pub publications: Vec<Name>,
    pub binary: bool,
    /// `streaming`: `off`, `on`, or `parallel` (PostgreSQL 16).
    pub streaming: String,
    /// `two_phase` (PostgreSQL 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_phase: Option<bool>,
    /// `disable_on_error` (PostgreSQL 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_on_error: Option<bool>,
    /// `password_required` (PostgreSQL 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_required: Option<bool>,
    /// `run_as_owner` (PostgreSQL 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_owner: Option<bool>,
    /// `origin`: `any` or `none` (PostgreSQL 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// `failover` (PostgreSQL 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<bool>,
    pub comment: Option<String>,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("SUBSCRIPTION");

fn ident(subscription: &Subscription) -> Ident {
    Ident(subscription.name.to_string())
}

/// The psql variable a script writes in place of the connection string of
/// the subscription `name`.
pub fn connection_variable(name: &str) -> SecretVar {
    SecretVar::new(&["subscription", name, "connection"])
}

fn alter(subscription: &Subscription, change: SubscriptionChange) -> Stmt {
    Stmt::AlterSubscription {
        name: ident(subscription),
        change,
    }
}

fn option(key: &'static str, value: SubscriptionValue) -> SubscriptionOption {
    SubscriptionOption { key, value }
}

fn slot(subscription: &Subscription) -> SubscriptionOption {
    option(
        "slot_name",
        match &subscription.slot {
            Some(slot) => SubscriptionValue::Text(Literal(slot.to_string())),
            None => SubscriptionValue::NoSlot,
        },
    )
}

/// The options `ALTER SUBSCRIPTION … SET` can change, each with its value,
/// or `None` where the server it was read from lacks it.
fn settable(subscription: &Subscription) -> Vec<(&'static str, Option<SubscriptionValue>)> {
    let text = |value: &str| SubscriptionValue::Text(Literal(value.to_owned()));
    let flag = |value: Option<bool>| value.map(SubscriptionValue::Bool);
    vec![
        (
            "synchronous_commit",
            Some(text(&subscription.synchronous_commit)),
        ),
        ("binary", Some(SubscriptionValue::Bool(subscription.binary))),
        ("streaming", Some(text(&subscription.streaming))),
        ("disable_on_error", flag(subscription.disable_on_error)),
        ("password_required", flag(subscription.password_required)),
        ("run_as_owner", flag(subscription.run_as_owner)),
        ("origin", subscription.origin.as_deref().map(text)),
    ]
}

/// The value of each option that is not the server's default, or that
/// changed its default between versions (`streaming`, `parallel` from
/// PostgreSQL 18): what `CREATE SUBSCRIPTION` writes.
fn written(subscription: &Subscription) -> Vec<SubscriptionOption> {
    let default = |key: &str, value: &SubscriptionValue| match (key, value) {
        ("synchronous_commit", SubscriptionValue::Text(Literal(v))) => v == "off",
        ("origin", SubscriptionValue::Text(Literal(v))) => v == "any",
        ("password_required", SubscriptionValue::Bool(v)) => *v,
        ("streaming", _) => false,
        (_, SubscriptionValue::Bool(v)) => !*v,
        _ => false,
    };
    let mut options: Vec<SubscriptionOption> = settable(subscription)
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| option(key, value)))
        .filter(|o| !default(o.key, &o.value))
        .collect();
    for (key, value) in [
        ("two_phase", subscription.two_phase),
        ("failover", subscription.failover),
    ] {
        if value == Some(true) {
            options.push(option(key, SubscriptionValue::Bool(true)));
        }
    }
    options
}

/// The `ALTER SUBSCRIPTION` statements that turn `old` into `new`, but
/// for its owner: a subscription to be disabled is disabled first, and one
/// to be enabled is enabled last, once its slot and options are set.
fn changes(old: &Subscription, new: &Subscription) -> Vec<Stmt> {
    let mut stmts = Vec::new();
    if old.enabled && !new.enabled {
        stmts.push(alter(new, SubscriptionChange::Disable));
    }
    if old.connection_sha256 != new.connection_sha256 {
        stmts.push(alter(
            new,
            SubscriptionChange::Connection(connection_variable(&new.name)),
        ));
    }
    if old.publications != new.publications {
        stmts.push(alter(
            new,
            SubscriptionChange::SetPublication(
                new.publications
                    .iter()
                    .map(|p| Ident(p.to_string()))
                    .collect(),
            ),
        ));
    }
    let mut set: Vec<SubscriptionOption> = Vec::new();
    if old.slot != new.slot {
        set.push(slot(new));
    }
    for ((key, before), (_, after)) in settable(old).into_iter().zip(settable(new)) {
        if let (Some(before), Some(after)) = (before, after)
            && before != after
        {
            set.push(option(key, after));
        }
    }
    if !set.is_empty() {
        stmts.push(alter(new, SubscriptionChange::Set(set)));
    }
    if !old.enabled && new.enabled {
        stmts.push(alter(new, SubscriptionChange::Enable));
    }
    stmts
}

/// True when `CREATE SUBSCRIPTION` of `subscription` connects to its
/// publisher: when it is enabled, which needs its slot.
fn connects(subscription: &Subscription) -> bool {
    subscription.enabled
}

pub struct Raw {
    oid: u32,
    subscription: Subscription,
}

/// The query, given how to read the connection string (`NULL` for a
/// session that may not read it), `streaming`, and the options that came
/// with later versions.
macro_rules! subscription_query {
    ($connection:literal, $streaming:literal, $v15:literal, $v16:literal, $v17:literal) => {
        concat!(
            "SELECT s.oid, s.subname AS name, s.subenabled AS enabled, ",
            $connection,
            " AS connection, s.subslotname::pg_catalog.text AS slot, \
             s.subsynccommit AS synchronous_commit, \
             s.subpublications::pg_catalog.text[] AS publications, s.subbinary AS binary, ",
            $streaming,
            " AS streaming, ",
            $v15,
            " AS disable_on_error, ",
            $v16,
            " AS origin, ",
            $v17,
            " AS failover, cm.description AS comment, \
             pg_catalog.pg_get_userbyid(s.subowner)::pg_catalog.text AS owner \
             FROM pg_catalog.pg_subscription s",
            comment_join!("pg_subscription", "s.oid", "cm"),
            // `pg_subscription` is shared by the cluster, but a comment on a
            // subscription is kept in the database's `pg_description`.
            " WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d \
              WHERE d.datname = pg_catalog.current_database())"
        )
    };
}

/// One server version's queries: for a session that may read connection
/// strings, and for one that may not.
macro_rules! subscription_queries {
    ($streaming:literal, $v15:literal, $v16:literal, $v17:literal) => {
        [
            subscription_query!("s.subconninfo", $streaming, $v15, $v16, $v17),
            subscription_query!("NULL::pg_catalog.text", $streaming, $v15, $v16, $v17),
        ]
    };
}

const QUERIES_14: [&str; 2] = subscription_queries!(
    "CASE WHEN s.substream THEN 'on' ELSE 'off' END",
    "NULL::pg_catalog.bool AS two_phase, NULL::pg_catalog.bool",
    "NULL::pg_catalog.bool AS password_required, NULL::pg_catalog.bool AS run_as_owner, \
     NULL::pg_catalog.text",
    "NULL::pg_catalog.bool"
);
const QUERIES_15: [&str; 2] = subscription_queries!(
    "CASE WHEN s.substream THEN 'on' ELSE 'off' END",
    "s.subtwophasestate <> 'd' AS two_phase, s.subdisableonerr",
    "NULL::pg_catalog.bool AS password_required, NULL::pg_catalog.bool AS run_as_owner, \
     NULL::pg_catalog.text",
    "NULL::pg_catalog.bool"
);
const QUERIES_16: [&str; 2] = subscription_queries!(
    "CASE s.substream WHEN 't' THEN 'on' WHEN 'p' THEN 'parallel' ELSE 'off' END",
    "s.subtwophasestate <> 'd' AS two_phase, s.subdisableonerr",
    "s.subpasswordrequired AS password_required, s.subrunasowner AS run_as_owner, s.suborigin",
    "NULL::pg_catalog.bool"
);
const QUERIES_17: [&str; 2] = subscription_queries!(
    "CASE s.substream WHEN 't' THEN 'on' WHEN 'p' THEN 'parallel' ELSE 'off' END",
    "s.subtwophasestate <> 'd' AS two_phase, s.subdisableonerr",
    "s.subpasswordrequired AS password_required, s.subrunasowner AS run_as_owner, s.suborigin",
    "s.subfailover"
);

impl ReadKind for Subscription {
    type Raw = Raw;
    const WHAT: &'static str = "subscriptions";
    const QUERY: &'static str = QUERIES_17[0];
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_subscription s WHERE s.oid >= 16384");

    fn query(server_version_num: i32) -> &'static str {
        Self::query_as(server_version_num, true)
    }

    /// A session that may not read `subconninfo` (PostgreSQL revokes it
    /// from every role but a superuser) reads the other columns, and fails
    /// on the first subscription rather than take its connection for none.
    fn query_as(server_version_num: i32, reads_secrets: bool) -> &'static str {
        let queries = if server_version_num >= 170000 {
            QUERIES_17
        } else if server_version_num >= 160000 {
            QUERIES_16
        } else if server_version_num >= 150000 {
            QUERIES_15
        } else {
            QUERIES_14
        };
        queries[usize::from(!reads_secrets)]
    }

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        let name: Name = row.get_name("name")?;
        let Some(connection) = row.get::<Option<&str>>("connection")? else {
            return Err(IntrospectError::HiddenConnection {
                subscription: name.to_string(),
            });
        };
        let mut publications: Vec<Name> = row
            .get::<Vec<String>>("publications")?
            .into_iter()
            .map(Name::from)
            .collect();
        publications.sort();
        Ok(Raw {
            oid: row.get("oid")?,
            subscription: Subscription {
                enabled: row.get("enabled")?,
                connection_sha256: secret::digest(connection),
                slot: row.get::<Option<String>>("slot")?.map(Name::from),
                synchronous_commit: row.get("synchronous_commit")?,
                publications,
                binary: row.get("binary")?,
                streaming: row.get("streaming")?,
                two_phase: row.get("two_phase")?,
                disable_on_error: row.get("disable_on_error")?,
                password_required: row.get("password_required")?,
                run_as_owner: row.get("run_as_owner")?,
                origin: row.get("origin")?,
                failover: row.get("failover")?,
                comment: row.get("comment")?,
                owner: Some(row.get_name("owner")?),
                name,
            },
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Subscription>, IntrospectError> {
        Ok(objects.register_each(
            classes.pg_subscription,
            rows.into_iter().map(|r| (r.oid, r.subscription)).collect(),
            |s| ObjectId::Subscription {
                name: s.name.clone(),
            },
        ))
    }
}

impl<'a> ObjectKind<'a> for Subscription {
    type Ref = &'a Subscription;
    const NOUN: &'static str = "subscription";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["subscription"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.subscriptions.iter().map(Obj::Subscription));
    }

    fn key(subscription: &'a Subscription) -> [&'a str; 3] {
        [&subscription.name, "", ""]
    }

    in_no_schema!(Subscription);

    fn compare(old: &'a Subscription, new: &'a Subscription) -> Delta {
        let differs = |a: Option<bool>, b: Option<bool>| a.is_some() && b.is_some() && a != b;
        if differs(old.two_phase, new.two_phase) || differs(old.failover, new.failover) {
            return Delta::Replace;
        }
        let stmts = changes(old, new);
        let delta = if stmts.is_empty() {
            Delta::Same
        } else {
            Delta::Alter(stmts)
        };
        delta.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            OwnedObject::Global(KEYWORD, ident(new))
        }))
    }

    fn create(subscription: &'a Subscription) -> Vec<Stmt> {
        let mut options = Vec::new();
        if !connects(subscription) {
            options.push(option("connect", SubscriptionValue::Bool(false)));
        }
        options.push(slot(subscription));
        options.extend(written(subscription));
        let mut stmts = vec![Stmt::CreateSubscription(SubscriptionDef {
            name: ident(subscription),
            connection: connection_variable(&subscription.name),
            publications: subscription
                .publications
                .iter()
                .map(|p| Ident(p.to_string()))
                .collect(),
            options,
        })];
        stmts.extend(owner::on_create(subscription.owner.as_ref(), || {
            OwnedObject::Global(KEYWORD, ident(subscription))
        }));
        stmts
    }

    /// Disabled and parted from its slot first: `DROP SUBSCRIPTION` of a
    /// subscription with a slot connects to the publisher to drop it, and
    /// cannot run in a transaction.
    fn drop(subscription: &'a Subscription) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        if subscription.enabled {
            stmts.push(alter(subscription, SubscriptionChange::Disable));
        }
        if subscription.slot.is_some() {
            stmts.push(alter(
                subscription,
                SubscriptionChange::Set(vec![option("slot_name", SubscriptionValue::NoSlot)]),
            ));
        }
        stmts.push(Stmt::DropGlobal(KEYWORD, ident(subscription)));
        stmts
    }

    fn comment(subscription: &'a Subscription) -> Option<&'a Option<String>> {
        Some(&subscription.comment)
    }

    fn comment_target(subscription: &'a Subscription) -> Option<CommentTarget> {
        Some(CommentTarget::Global(KEYWORD, ident(subscription)))
    }

    fn shown(subscription: &'a Subscription) -> Option<Shown> {
        Some(Shown {
            kind: "subscription",
            statements: Self::create(subscription),
        })
    }

    /// Its names and options are names and literals, which scripts quote.
    fn deparsed(_: &'a Subscription) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn queries_are_qualified() {
        for query in [QUERIES_14, QUERIES_15, QUERIES_16, QUERIES_17]
            .iter()
            .flatten()
        {
            crate::read::filter::tests::assert_qualified(query);
        }
    }

    pub(crate) fn subscription(connection: &str) -> Subscription {
        Subscription {
            name: "sub\n*/ --".into(),
            enabled: false,
            connection_sha256: secret::digest(connection),
            slot: Some("slot '1'".into()),
            synchronous_commit: "off".into(),
            publications: vec!["P 2".into(), "p1".into()],
            binary: false,
            streaming: "off".into(),
            two_phase: Some(false),
            disable_on_error: Some(false),
            password_required: None,
            run_as_owner: None,
            origin: None,
            failover: None,
            comment: None,
            owner: None,
        }
    }

    fn sql(stmts: &[Stmt]) -> Vec<String> {
        stmts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_subscription_alters_in_place_without_showing_its_connection() {
        let old = subscription("host=a password=old");
        let mut new = subscription("host=a password=new");
        new.enabled = true;
        new.publications = vec!["p1".into(), "p3".into()];
        new.binary = true;
        new.streaming = "on".into();
        new.disable_on_error = Some(true);
        // What the older side lacks is not compared.
        new.origin = Some("none".into());
        let var = connection_variable(&new.name);
        let name = "\"sub\n*/ --\"";
        assert_eq!(
            sql(&changes(&old, &new)),
            [
                format!("ALTER SUBSCRIPTION {name} CONNECTION {var}"),
                format!("ALTER SUBSCRIPTION {name} SET PUBLICATION p1, p3 WITH (refresh = false)"),
                format!(
                    "ALTER SUBSCRIPTION {name} SET (binary = true, streaming = 'on', disable_on_error = true)"
                ),
                format!("ALTER SUBSCRIPTION {name} ENABLE"),
            ]
        );
        let shown = format!("{old:?}{new:?}{:?}", sql(&changes(&old, &new)));
        assert!(!shown.contains("password="));
        let mut two_phase = old.clone();
        two_phase.two_phase = Some(true);
        assert!(matches!(
            Subscription::compare(&old, &two_phase),
            Delta::Replace
        ));
        let mut failover = old.clone();
        failover.failover = Some(true);
        // Compared only when both servers have it.
        assert!(matches!(
            Subscription::compare(&old, &failover),
            Delta::Same
        ));
        let mut old_failover = old.clone();
        old_failover.failover = Some(false);
        assert!(matches!(
            Subscription::compare(&old_failover, &failover),
            Delta::Replace
        ));
    }

    #[test]
    fn a_subscription_is_created_and_dropped_without_touching_its_publisher() {
        let disabled = subscription("host=a");
        let var = connection_variable(&disabled.name);
        let name = "\"sub\n*/ --\"";
        assert_eq!(
            sql(&Subscription::create(&disabled)),
            [format!(
                "CREATE SUBSCRIPTION {name} CONNECTION {var} PUBLICATION \"P 2\", p1 \
                 WITH (connect = false, slot_name = 'slot ''1''', streaming = 'off')"
            )]
        );
        let mut enabled = disabled.clone();
        enabled.enabled = true;
        enabled.two_phase = Some(true);
        assert!(connects(&enabled));
        assert_eq!(
            sql(&Subscription::create(&enabled)),
            [format!(
                "CREATE SUBSCRIPTION {name} CONNECTION {var} PUBLICATION \"P 2\", p1 \
                 WITH (slot_name = 'slot ''1''', streaming = 'off', two_phase = true)"
            )]
        );
        assert_eq!(
            sql(&Subscription::drop(&enabled)),
            [
                format!("ALTER SUBSCRIPTION {name} DISABLE"),
                format!("ALTER SUBSCRIPTION {name} SET (slot_name = NONE)"),
                format!("DROP SUBSCRIPTION {name}"),
            ]
        );
    }
}
