//! What pgrift reads and what it warns about come from one source, and
//! together they cover every object a database holds.
//!
//! `fixtures/coverage.sql` creates one object of every kind PostgreSQL has
//! (modelled by pgrift or not). The test lists every object the fixture
//! created from the system catalogs themselves, then asks pgrift: each must
//! be read as an object of the catalog or named by a warning that it is not
//! modelled, never both and never neither. A new kind that is modelled
//! without taking its warning out of the query (or a kind pgrift neither
//! reads nor warns about) fails here, on every server version of the CI.
//!
//! Where pgrift's catalog puts an object is found without a table of kinds
//! in this test: every modelled object is given a marker comment through
//! the `COMMENT ON` target its own kind names, and `pg_description` then
//! says which catalog row that target is.

use std::collections::{BTreeMap, BTreeSet};

use pgrift::catalog::{Catalog, Warning, comment};
use pgrift::introspect::introspect;
use pgrift::names::DefaultObjects;
use tokio_postgres::Client;

use crate::support;

const FIXTURE: &str = include_str!("fixtures/coverage.sql");

/// Every object the fixture created, by its catalog address, with what
/// `pg_identify_object` calls it. An object is left out when it is:
///
/// - made by `initdb` (an OID below `FirstNormalObjectId`, 16384), such as
///   the `public` schema and the built-in types;
/// - in `pg_toast`, or a member of an extension;
/// - a part of another object, which `pg_depend` records as an internal
///   dependency (`i`): a table's row type, an array type, a view's
///   `_RETURN` rule, a primary key's index, an identity's sequence, a
///   range's constructors;
/// - a part of its partitioned parent's object, which `pg_depend` records
///   as a partition dependency (`P`): a partition's index attached to the
///   parent's index, a trigger or foreign key cloned onto a partition;
/// - a column default (`pg_attrdef`) or, on PostgreSQL 18, a not-null
///   constraint (`contype = 'n'`): both are read as part of their column;
/// - a publication's membership (`pg_publication_rel`,
///   `pg_publication_namespace`) or an operator family's members
///   (`pg_amop`, `pg_amproc`), which are part of the publication or family.
///
/// Columns are listed as sub-objects of their relation (a table, view,
/// materialized view or foreign table). An index names the relation it is
/// on and a user mapping its server as their parent: what is not modelled
/// about the parent is not modelled about them.
const CATALOGS: &[&str] = &[
    "pg_namespace",
    "pg_class",
    "pg_type",
    "pg_proc",
    "pg_trigger",
    "pg_rewrite",
    "pg_policy",
    "pg_statistic_ext",
    "pg_collation",
    "pg_conversion",
    "pg_operator",
    "pg_opclass",
    "pg_opfamily",
    "pg_cast",
    "pg_ts_config",
    "pg_ts_dict",
    "pg_ts_parser",
    "pg_ts_template",
    "pg_extension",
    "pg_language",
    "pg_am",
    "pg_transform",
    "pg_event_trigger",
    "pg_publication",
    "pg_foreign_data_wrapper",
    "pg_foreign_server",
    "pg_user_mapping",
    "pg_default_acl",
];

/// The rows of the catalogs that need a condition: columns, constraints
/// other than PostgreSQL 18's not-null ones, and the subscriptions of this
/// database (`pg_subscription` is shared by the cluster).
const SPECIAL: &str = "
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, a.attrelid AS objid,
            a.attnum::pg_catalog.int4 AS objsubid
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
    UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, oid, 0
        FROM pg_catalog.pg_constraint WHERE contype <> 'n'
    UNION ALL SELECT 'pg_catalog.pg_subscription'::pg_catalog.regclass, oid, 0
        FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
            WHERE d.datname = pg_catalog.current_database())";

/// The listing query: the rows of every catalog, named and filtered.
fn objects_query() -> String {
    let whole: String = CATALOGS
        .iter()
        .map(|catalog| {
            format!(
                " UNION ALL SELECT 'pg_catalog.{catalog}'::pg_catalog.regclass, oid, 0 \
                 FROM pg_catalog.{catalog}"
            )
        })
        .collect();
    format!("WITH listed AS ({SPECIAL}{whole}) {LISTED}")
}

/// Names every listed row, with its parent, and leaves out the rows
/// [`CATALOGS`] says are not objects of the fixture's own.
const LISTED: &str = "
SELECT l.classid::pg_catalog.oid AS classid, l.objid, l.objsubid,
    o.type, o.identity, p.identity AS parent
FROM listed l
    CROSS JOIN LATERAL pg_catalog.pg_identify_object(l.classid, l.objid, l.objsubid) o
    LEFT JOIN pg_catalog.pg_index i
        ON l.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid = l.objid
    LEFT JOIN pg_catalog.pg_user_mapping m
        ON l.classid = 'pg_catalog.pg_user_mapping'::pg_catalog.regclass AND m.oid = l.objid
    LEFT JOIN LATERAL pg_catalog.pg_identify_object(
        CASE WHEN i.indrelid IS NOT NULL THEN 'pg_catalog.pg_class'::pg_catalog.regclass
             ELSE 'pg_catalog.pg_foreign_server'::pg_catalog.regclass END,
        coalesce(i.indrelid, m.umserver), 0) p ON coalesce(i.indrelid, m.umserver) IS NOT NULL
WHERE l.objid >= 16384
    AND o.schema IS DISTINCT FROM 'pg_toast'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = l.classid AND d.objid = l.objid AND d.objsubid = 0
            AND d.deptype IN ('e', 'i', 'P'))
ORDER BY o.type, o.identity";

/// The marker comment of the `n`th modelled object.
const MARKER: &str = "pgrift coverage ";

/// An object of the database, as `pg_identify_object` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Object {
    kind: String,
    identity: String,
    /// The object it is on, if the listing says (see [`CATALOGS`]).
    parent: Option<String>,
}

#[tokio::test]
async fn every_object_is_modelled_or_warned_about_never_both() {
    // The fixture creates a subscription.
    let _turn = support::subscriptions_turn().await;
    let cluster = support::shared_cluster().await;
    let database = support::unique_name("coverage");
    cluster
        .create_database(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let client = cluster
        .connect(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let loaded = client.batch_execute(FIXTURE).await;
    let checked = match &loaded {
        Ok(()) => Some(check(&client).await),
        Err(_) => None,
    };
    // A subscription keeps its database from being dropped.
    let unsubscribed = client
        .batch_execute("DROP SUBSCRIPTION IF EXISTS sub")
        .await;
    drop(client);
    cluster
        .drop_database(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    loaded.expect("the coverage fixture loads");
    unsubscribed.expect("the subscription is dropped");
    let problems = checked.expect("the fixture loaded");
    assert!(
        problems.is_empty(),
        "objects pgrift reads and warns about should be all, and apart:\n{}",
        problems.join("\n")
    );
}

/// Reads the database with pgrift and lists what is wrong: an object
/// modelled and warned about, or neither.
async fn check(client: &Client) -> Vec<String> {
    let introspected = introspect(client)
        .await
        .unwrap_or_else(|error| panic!("introspection failed: {error} (hint: {:?})", error.hint()));
    let catalog = &introspected.catalog;
    let modelled = modelled_addresses(client, catalog).await;
    let objects = listed_objects(client).await;
    assert!(
        objects.len() > 60,
        "the fixture should create an object of every kind, found {}",
        objects.len()
    );
    let warned: Vec<&Warning> = catalog
        .warnings
        .iter()
        .filter(|warning| is_about_an_object(warning))
        .collect();

    // A user mapping takes no comment, so it has no marker: it is found by
    // its role and server, as `pg_identify_object` names it.
    let mappings: BTreeSet<String> = catalog
        .user_mappings
        .iter()
        .map(|m| {
            let role = if m.role.is_empty() { "public" } else { &m.role };
            format!("{} on server {}", pgrift::sql::quote_ident(role), m.server)
        })
        .collect();
    let mut problems = Vec::new();
    let mut seen_warnings = BTreeSet::new();
    for (&(class, oid, sub), object) in &objects {
        let is_modelled = modelled.contains(&(class, oid, sub))
            || (sub != 0 && modelled.contains(&(class, oid, 0)))
            || (object.kind == "user mapping" && mappings.contains(&object.identity));
        let covering: Vec<&&Warning> = warned
            .iter()
            .filter(|warning| covers(warning, object))
            .collect();
        seen_warnings.extend(covering.iter().map(|warning| warning.object.clone()));
        let is_warned = !covering.is_empty();
        match (is_modelled, is_warned) {
            (true, true) => problems.push(format!(
                "both modelled and warned about: {} {} ({})",
                object.kind,
                object.identity,
                covering
                    .iter()
                    .map(|warning| warning.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            (false, false) => problems.push(format!(
                "neither modelled nor warned about: {} {}",
                object.kind, object.identity
            )),
            _ => {}
        }
    }
    for warning in warned {
        if !seen_warnings.contains(&warning.object) {
            problems.push(format!(
                "a warning names no object of the database: {}",
                warning.message
            ));
        }
    }
    problems
}

/// The catalog addresses of the modelled objects, found by commenting on
/// each through its kind's own `COMMENT ON` target (the database is thrown
/// away after the test). An object PostgreSQL keeps no comment on (a column
/// default) is part of another and has no target.
async fn modelled_addresses(client: &Client, catalog: &Catalog) -> BTreeSet<(u32, u32, i32)> {
    let mut script = String::from("BEGIN;\n");
    let mut count = 0;
    for (n, obj) in catalog.objects().into_iter().enumerate() {
        if let Some(target) = obj.comment_target() {
            script.push_str(&format!(
                "{};\n",
                comment(target, &Some(format!("{MARKER}{n}")))
            ));
            count += 1;
        }
    }
    client
        .batch_execute(&script)
        .await
        .unwrap_or_else(|error| panic!("a modelled object's COMMENT ON target fails: {error}"));
    let rows = client
        .query(
            "SELECT classoid, objoid, objsubid FROM pg_catalog.pg_description \
             WHERE description LIKE $1",
            &[&format!("{MARKER}%")],
        )
        .await
        .expect("read the markers");
    client
        .batch_execute("COMMIT")
        .await
        .expect("commit the markers");
    let mut addresses: BTreeSet<(u32, u32, i32)> = rows
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    addresses.extend(default_acl_addresses(client, catalog).await);
    leave_out_comments_covers_every_kind(client).await;
    assert_eq!(
        rows.len(),
        count,
        "every modelled object's comment lands on an object of its own"
    );
    addresses
}

/// The catalog addresses of the default privileges pgrift read, which
/// take no comment: each found by its role, schema and kind of objects.
async fn default_acl_addresses(client: &Client, catalog: &Catalog) -> Vec<(u32, u32, i32)> {
    let mut addresses = Vec::new();
    for defaults in &catalog.default_acls {
        let code = ['r', 'S', 'f', 'T', 'n']
            .into_iter()
            .find(|code| DefaultObjects::from_code(*code) == Some(defaults.objects))
            .map(|code| code.to_string())
            .expect("every kind of default privileges has a code");
        let row = client
            .query_one(
                "SELECT 'pg_catalog.pg_default_acl'::pg_catalog.regclass::pg_catalog.oid, d.oid \
                 FROM pg_catalog.pg_default_acl d \
                 WHERE d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) \
                 AND d.defaclnamespace = coalesce((SELECT oid FROM pg_catalog.pg_namespace \
                     WHERE nspname = $2), 0) \
                 AND d.defaclobjtype::pg_catalog.text = $3",
                &[
                    &defaults.role.as_deref(),
                    &defaults.schema.as_deref(),
                    &code,
                ],
            )
            .await
            .expect("the default privileges pgrift read are in pg_default_acl");
        addresses.push((row.get(0), row.get(1), 0));
    }
    addresses
}

/// `--ignore comments` leaves out the comment of every modelled object:
/// read again with the markers on, the catalog loses every one of them (an
/// extension's comment is its package's, and not read).
async fn leave_out_comments_covers_every_kind(client: &Client) {
    let mut catalog = introspect(client)
        .await
        .unwrap_or_else(|error| panic!("introspection failed: {error}"))
        .catalog;
    let json = serde_json::to_string(&catalog).expect("a catalog serializes");
    let markers = json.matches(MARKER).count();
    assert!(markers > 50, "the markers are read: {markers}");
    assert_eq!(catalog.leave_out_comments(), markers);
    let json = serde_json::to_string(&catalog).expect("a catalog serializes");
    assert!(
        !json.contains(MARKER),
        "a comment is left after --ignore comments: {}",
        &json[json.find(MARKER).unwrap_or(0).saturating_sub(200)..]
    );
}

/// Every object the fixture created (see [`CATALOGS`]).
async fn listed_objects(client: &Client) -> BTreeMap<(u32, u32, i32), Object> {
    client
        .query(&objects_query(), &[])
        .await
        .expect("list the database's objects")
        .iter()
        .map(|row| {
            (
                (row.get("classid"), row.get("objid"), row.get("objsubid")),
                Object {
                    kind: row.get("type"),
                    identity: row.get("identity"),
                    parent: row.get("parent"),
                },
            )
        })
        .collect()
}

/// The kind of warning of default privileges on large objects, which are
/// objects of their own (`pg_default_acl`) though the warning reads as a
/// property of a role.
const LARGE_OBJECT_DEFAULTS: &str = "default privileges on large objects";

/// A warning that an object is not modelled, as opposed to one about a
/// property of an object that is ("the privileges of table …") or about
/// a constraint.
fn is_about_an_object(warning: &Warning) -> bool {
    warning.kind == LARGE_OBJECT_DEFAULTS
        || !warning.message.starts_with("the ") && warning.kind != "not-valid not-null constraint"
}

/// Whether `warning` names `object`, or the object `object` is part of:
/// a column of a warned relation (`s.t.c`), a constraint, trigger, policy
/// or rule on one (`name on s.t`), or the parent the listing gives.
fn covers(warning: &Warning, object: &Object) -> bool {
    if warning.kind == LARGE_OBJECT_DEFAULTS {
        return object.kind == "default acl"
            && object
                .identity
                .starts_with(&format!("for role {} on large objects", warning.object));
    }
    let named = normalize(&warning.object);
    let names = |identity: &str| {
        let identity = normalize(identity);
        identity == named
            || identity.strip_prefix(&named).is_some_and(|rest| {
                rest.starts_with('.') || rest.starts_with(" USING ") || rest.starts_with('(')
            })
            || identity
                .split_once(" on ")
                .is_some_and(|(_, on)| on == named)
    };
    names(&object.identity) || object.parent.as_deref().is_some_and(names)
}

/// A name as both sides spell it: `pg_identify_object` qualifies built-in
/// types (`pg_catalog.text`) and writes function arguments without spaces.
fn normalize(name: &str) -> String {
    name.replace("pg_catalog.", "").replace(", ", ",")
}
