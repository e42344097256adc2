//! Reading a database's schema from `pg_catalog` into a [`Catalog`].
//!
//! This is the only code that reads `pg_catalog`. [`introspect`] opens one
//! `REPEATABLE READ READ ONLY` transaction so that every query sees the same
//! snapshot, and empties `search_path` so that every name PostgreSQL deparses
//! (`format_type`, `pg_get_expr`, `pg_get_*def`) comes out schema-qualified.
//! It then runs one query per object kind over the whole database, never one
//! per table. The queries are issued together, so tokio-postgres pipelines
//! them on the one connection and the cost in round trips does not grow with
//! the size of the schema.
//!
//! Rows carry OIDs. The assembly joins them through hash maps keyed by OID
//! and then forgets them, since a [`Catalog`] holds no OIDs. The same maps
//! turn `pg_depend` into [`crate::catalog::Dependency`] edges.
//!
//! Left out everywhere: the system schemas (`pg_catalog`,
//! `information_schema`, TOAST and temporary schemas) and every object that
//! belongs to an extension. What is present but not modelled becomes a
//! [`crate::catalog::Warning`].

mod depend;
mod indexes;
mod locks;
mod sequences;
mod tables;
mod warnings;

pub use crate::read::{IntrospectError, LockHolder};
pub(crate) use crate::read::{describe, duration};

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::try_join;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::catalog::{self, Catalog, ClassIds, NumberedDependencies, ObjectMap, ReadKind};
use crate::read::{Reader, query};

/// Generates, from the registry's `read` list, the read of every kind whose
/// query is in its own file ([`ReadKind`]).
macro_rules! define_rows {
    (
        kinds: [$($kinds:tt)*],
        modules: [$($modules:tt)*],
        read: [$($read_list:ident: $read_module:ident::$read_kind:ident),* $(,)?],
        ranks: [$($ranks:tt)*],
        classes: [$($classes:tt)*],
        snapshot_version: $version:literal $(,)?
    ) => {
        /// Where each kind of [`Rows`] would be found, in their order.
        const FOUND_IN: &[Option<&str>] = &[$(<catalog::$read_kind as ReadKind>::FOUND_IN,)*];

        /// The rows of every kind that reads itself, as they arrive.
        pub struct Rows {
            $($read_list: Vec<<catalog::$read_kind as ReadKind>::Raw>,)*
        }

        impl Rows {
            /// Runs the query of every kind that is `found` (one answer a
            /// kind, in the registry's order, as the read's first query
            /// gives them), all of them at once so that they are
            /// pipelined on the one connection.
            pub async fn fetch(
                client: &Client,
                server_version_num: i32,
                reads_secrets: bool,
                found: Vec<bool>,
            ) -> Result<Rows, IntrospectError> {
                let mut found = found.into_iter();
                // One statement per kind, in the order of the list above,
                // so that each kind takes its own answer.
                $(let $read_list = found.next().unwrap_or(true);)*
                let ($($read_list,)*) = futures_util::try_join!(
                    $(crate::read::query_read_if(
                        $read_list,
                        client,
                        <catalog::$read_kind as ReadKind>::WHAT,
                        <catalog::$read_kind as ReadKind>::query_as(server_version_num, reads_secrets),
                        |row| <catalog::$read_kind as ReadKind>::raw(row, server_version_num),
                    ),)*
                )?;
                Ok(Rows { $($read_list,)* })
            }

            /// Builds every kind's objects into `catalog`, in registry
            /// order.
            pub fn build(
                self,
                catalog: &mut Catalog,
                classes: &ClassIds,
                objects: &mut ObjectMap,
            ) -> Result<(), IntrospectError> {
                $(catalog.$read_list = <catalog::$read_kind as ReadKind>::build(self.$read_list, classes, objects)?;)*
                Ok(())
            }
        }
    };
}

every_kind!(define_rows);

/// Whether the database has objects where each of `places` says they would
/// be ([`ReadKind::FOUND_IN`]), in the order given, from one query; a kind
/// with no such place is taken as found.
async fn found(
    client: &Client,
    places: &[Option<&'static str>],
) -> Result<Vec<bool>, IntrospectError> {
    let sql = found_query(places);
    let answer = crate::read::query_read(
        client,
        "which kinds of objects the database has",
        &sql,
        |row| row.get::<Vec<bool>>("found"),
    )
    .await?;
    let mut answers = answer.into_iter().flatten();
    Ok(places
        .iter()
        .map(|place| place.is_none() || answers.next().unwrap_or(true))
        .collect())
}

/// The query of [`found`]: one array with an answer for each place. It is
/// put together from the kinds' constant fragments only; nothing read from
/// a server or a file enters it.
fn found_query(places: &[Option<&'static str>]) -> String {
    let asked: Vec<String> = places
        .iter()
        .flatten()
        .map(|place| ["EXISTS (SELECT 1 FROM ", place, ")"].concat())
        .collect();
    [
        "SELECT ARRAY[",
        &asked.join(", "),
        "]::pg_catalog.bool[] AS found",
    ]
    .concat()
}

/// A catalog as read from a server, with the version of that server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspected {
    pub catalog: Catalog,
    /// The server's `server_version_num` (`150004` for 15.4).
    pub server_version_num: i32,
    /// The extension versions the server can install, by extension name
    /// (`pg_available_extension_versions`): what its installed packages
    /// offer, not part of any schema.
    pub available_extensions: BTreeMap<String, BTreeSet<String>>,
    /// The names of the server's roles: cluster objects, not part of any
    /// schema, which a script's grants must name.
    pub roles: BTreeSet<String>,
    /// The server's roles as `--roles` compares them: all but the
    /// predefined ones and the bootstrap superuser (`catalog::role`).
    pub cluster_roles: Vec<catalog::Role>,
}

/// How long reading a catalog may wait on its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest a catalog query waits for a lock another session holds
    /// (the read's `lock_timeout`); `None` waits as long as `read` allows.
    pub lock: Option<Duration>,
    /// The longest the whole read may take: each of its queries runs under
    /// this `statement_timeout`, and pgrift stops waiting for the server's
    /// answers shortly after, for a server that can no longer say (frozen,
    /// or the network gone). `None` waits as long as it takes.
    pub read: Option<Duration>,
    /// The longest loading a `.sql` source into the shadow may take: a
    /// file may hold a statement that waits (`pg_sleep`, a lock) or runs
    /// for hours, and the file can change its own `statement_timeout`, so
    /// pgrift keeps the time itself. `None` waits as long as it takes.
    pub load: Option<Duration>,
}

impl Default for Limits {
    /// Ten seconds for a lock: a migration holding `ACCESS EXCLUSIVE` for
    /// longer is worth hearing about. Five minutes for the read: a catalog
    /// of 10,000 tables reads in about a second. Ten minutes for loading
    /// a schema's files.
    fn default() -> Self {
        Limits {
            lock: Some(Duration::from_secs(10)),
            read: Some(Duration::from_secs(300)),
            load: Some(Duration::from_secs(600)),
        }
    }
}

impl Limits {
    /// The values of `lock_timeout` and `statement_timeout`, `0` for none.
    fn settings(&self) -> (String, String) {
        let setting = |limit: Option<Duration>| match limit {
            Some(limit) => format!("{}ms", limit.as_millis().max(1)),
            None => "0".to_owned(),
        };
        (setting(self.lock), setting(self.read))
    }
}

/// How much longer than [`Limits::read`] pgrift waits for the server's
/// answers, so that the server's own error, which says what it was doing,
/// arrives first whenever the server can still send one.
const ANSWER_GRACE: Duration = Duration::from_secs(5);

/// The turn to build a catalog from its rows (see [`read`]), or an index of
/// one ([`build_turn`]); never closed.
static BUILD_TURN: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Waits for the turn that building a catalog takes, for other work that
/// holds much memory for a short time and should not add its peak to a
/// build's: indexing a catalog just read (`pgrift::compare`), while the
/// other side is built. The turn is the process's, and ends when the permit
/// is dropped; it must not be held across a wait on a server.
pub async fn build_turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    BUILD_TURN.acquire().await.ok()
}

/// The oldest `server_version_num` whose catalogs the queries know.
const MIN_SERVER_VERSION_NUM: i32 = 140000;

/// Tells whether the session is outside a transaction, which server it
/// talks to, and whether it may read subscriptions' connection strings
/// (`subconninfo`, which PostgreSQL shows only to a superuser), before
/// anything is changed.
///
/// A statement outside a transaction block runs in a transaction of its own,
/// which starts when the statement does, so `now()` (the transaction's
/// start) equals `statement_timestamp()`; inside an open transaction it is
/// earlier. The check is sent alone through the simple query protocol, where
/// a statement is one message and has one start time. It must come before
/// `BEGIN`, which inside an open transaction is only a warning and would
/// change that transaction's settings.
const CHECK: &str = "SELECT pg_catalog.now() = pg_catalog.statement_timestamp(), \
    pg_catalog.current_setting('server_version_num'), \
    pg_catalog.current_setting('server_version'), \
    pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')";

const BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// Empties `search_path` for the rest of the transaction, bounds its lock
/// waits and statements (`$1`, `$2`: see [`Limits`]) and turns JIT
/// compilation off; [`ClassIds::SELECT`] is added to it, to read the OIDs
/// of the catalogs that `pg_depend` refers to.
///
/// The correlated subqueries of the filters make the planner's estimates
/// large enough to trigger JIT compilation, which then costs seconds on a
/// catalog of 10,000 tables and saves nothing on queries this short.
///
/// With the default `work_mem` (4 MB) the hash of a large catalog's columns
/// spills to disk in batches, a quarter of the columns query at 10,000
/// tables; 64 MB keeps catalogs of about twenty thousand tables in memory.
/// It is a ceiling, used only by the hashes that need it, and only for this
/// read-only transaction.
const SETUP: &str = "SELECT pg_catalog.set_config('search_path', '', true) AS search_path, \
    pg_catalog.set_config('jit', 'off', true) AS jit, \
    pg_catalog.set_config('max_parallel_workers_per_gather', '0', true) AS parallel, \
    pg_catalog.set_config('work_mem', '64MB', true) AS work_mem, \
    pg_catalog.set_config('lock_timeout', $1, true) AS lock_timeout, \
    pg_catalog.set_config('statement_timeout', $2, true) AS statement_timeout";

/// Reads the schema of the database `client` is connected to, under the
/// default [`Limits`]; see [`introspect_with`].
pub async fn introspect(client: &Client) -> Result<Introspected, IntrospectError> {
    introspect_with(client, &Limits::default()).await
}

/// Reads the schema of the database `client` is connected to, waiting on
/// the server no longer than `limits` allow.
///
/// Runs in a transaction of its own, so the session must not be in one, and
/// nothing else may use `client` until it returns. The transaction is
/// read-only and is rolled back at the end, also when a query fails.
///
/// Returns an error if the session is already in a transaction (which is
/// then left as it was), if the server is older than PostgreSQL 14, if a
/// catalog query fails (for lack of privileges, or because an object was
/// dropped while it was being read), waits for a lock longer than
/// `limits.lock` (the error then names the sessions in the way), or if the
/// connection is lost or the server does not answer in time. After that
/// last error the session's state is unknown: the caller should drop it.
pub async fn introspect_with(
    client: &Client,
    limits: &Limits,
) -> Result<Introspected, IntrospectError> {
    introspect_as(client, limits, false)
        .await
        .map(|(introspected, _)| introspected)
}

/// Like [`introspect_with`], with the catalog's dependencies handed back as
/// numbers rather than in its list (which is empty), for a caller that only
/// indexes them ([`crate::catalog::Objects::with_dependencies`]).
pub async fn introspect_numbered(
    client: &Client,
    limits: &Limits,
) -> Result<(Introspected, NumberedDependencies), IntrospectError> {
    introspect_as(client, limits, true).await
}

/// Reads the catalog, its dependencies in its list or, when `numbered`,
/// returned beside it.
async fn introspect_as(
    client: &Client,
    limits: &Limits,
    numbered: bool,
) -> Result<(Introspected, NumberedDependencies), IntrospectError> {
    // Boxed: the read joins one query per kind, and a future that holds
    // them all is too large for the stack of a thread that awaits it deep
    // inside a deployment.
    let work = Box::pin(read_in_transaction(client, limits, numbered));
    match limits.read {
        None => work.await,
        Some(limit) => tokio::time::timeout(limit + ANSWER_GRACE, work)
            .await
            .unwrap_or(Err(IntrospectError::NoAnswer { limit })),
    }
}

async fn read_in_transaction(
    client: &Client,
    limits: &Limits,
    numbered: bool,
) -> Result<(Introspected, NumberedDependencies), IntrospectError> {
    let check = client
        .simple_query(CHECK)
        .await
        .map_err(IntrospectError::Begin)?;
    let Some(check) = check.iter().find_map(|message| match message {
        SimpleQueryMessage::Row(row) => Some(row),
        _ => None,
    }) else {
        return Err(IntrospectError::Inconsistent {
            what: "the session check".to_owned(),
            missing: "a row".to_owned(),
        });
    };
    let value = |index: usize| check.try_get(index).map_err(IntrospectError::Begin);
    if value(0)? != Some("t") {
        return Err(IntrospectError::InTransaction);
    }
    let version = value(2)?.unwrap_or_default();
    let server_version_num = match value(1)?.and_then(|num| num.parse::<i32>().ok()) {
        Some(num) if num >= MIN_SERVER_VERSION_NUM => num,
        _ => {
            return Err(IntrospectError::UnsupportedVersion {
                version: version.to_owned(),
            });
        }
    };
    client
        .batch_execute(BEGIN)
        .await
        .map_err(IntrospectError::Begin)?;
    let reads_secrets = value(3)? == Some("t");
    let read = read(client, server_version_num, reads_secrets, limits, numbered).await;
    // The transaction wrote nothing, so a rollback ends it the same way
    // after success as after a failed query.
    let end = client
        .batch_execute("ROLLBACK")
        .await
        .map_err(IntrospectError::End);
    let introspected = match (read, limits.lock) {
        (Err(IntrospectError::Query { what, source }), Some(limit))
            if end.is_ok() && source.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) =>
        {
            // Only now that the transaction has ended, and with it this
            // session's wait, can the same session look at who else holds
            // what it waited for.
            let holders = locks::holders(client, limits).await;
            Err(IntrospectError::LockTimeout {
                what,
                limit,
                holders,
                source,
            })
        }
        (read, _) => read,
    }?;
    end?;
    Ok(introspected)
}

async fn read(
    client: &Client,
    server_version_num: i32,
    reads_secrets: bool,
    limits: &Limits,
    numbered: bool,
) -> Result<(Introspected, NumberedDependencies), IntrospectError> {
    let (lock_timeout, statement_timeout) = limits.settings();
    let setup = client
        .query_one(
            &[SETUP, ClassIds::SELECT].concat(),
            &[&lock_timeout, &statement_timeout],
        )
        .await
        .map_err(IntrospectError::Begin)?;
    let setup = Reader::new(&setup, "server settings");
    let classes = ClassIds::read(&setup)?;
    // Asked before any other query is sent, so that the kinds' own go first
    // as always. A query that fails aborts the transaction, and every query
    // sent after it fails too; `try_join!` reports the error of the first
    // future in its list that has one, which must be the query that failed
    // first, and the kinds' queries come first in that list.
    let found = found(client, FOUND_IN).await?;

    let (
        rows,
        sequences,
        mut tables,
        (mut indexes, mut support),
        depends,
        mut warnings,
        available_extensions,
        (roles, cluster_roles),
    ) = try_join!(
        Rows::fetch(client, server_version_num, reads_secrets, found),
        sequences::fetch(client),
        tables::fetch(client, server_version_num),
        indexes::fetch(client, server_version_num),
        depend::fetch(client),
        warnings::fetch(client),
        available_extensions(client),
        roles(client),
    )?;

    indexes::complete(client, &mut indexes, &mut support, &tables).await?;
    tables::complete(client, &mut tables, &support).await?;

    // What follows holds no wait on the server, only the work of turning
    // the rows into a catalog, during which the address map, `pg_depend`'s
    // rows and the rows not yet built are held beside the catalog: a third
    // more than the catalog alone. Catalogs read at once (the two sides of
    // a comparison) take turns here, so that two of these peaks never add
    // up; the turn is held across no await.
    let _turn = build_turn().await;

    // The order matters: tables register the columns that `OWNED BY`
    // refers to, tables and views the relations of indexes and triggers,
    // and everything the objects that the dependencies refer to.
    // Only what the dependencies and the sequences' owners will look up
    // is kept, besides the tables and views.
    let owners = sequences::owners(&sequences, &classes);
    // About as many distinct addresses as rows: a row has two, which
    // other rows share.
    let mut objects = ObjectMap::keeping(depend::addresses(&depends, owners), depends.len());
    let identities = sequences::identities(&sequences);
    let mut catalog = Catalog {
        tables: tables::build(tables, &identities, &classes, &mut objects, &mut warnings)?,
        ..Catalog::default()
    };
    rows.build(&mut catalog, &classes, &mut objects)?;
    catalog.sequences = sequences::build(sequences, &classes, &mut objects);
    catalog.indexes = indexes::build(indexes, &classes, &mut objects)?;
    let mut dependencies = depend::build(depends, &classes, objects);
    if !numbered {
        catalog.dependencies = std::mem::take(&mut dependencies).into_list();
    }
    catalog.warnings = warnings;
    catalog.normalize();
    let introspected = Introspected {
        catalog,
        server_version_num,
        available_extensions,
        roles,
        cluster_roles,
    };
    Ok((introspected, dependencies))
}

/// The names of the server's roles, and the roles `--roles` compares with
/// their attributes, memberships and settings, from one query.
async fn roles(client: &Client) -> Result<(BTreeSet<String>, Vec<catalog::Role>), IntrospectError> {
    const WHAT: &str = "roles";
    let rows = query(client, WHAT, catalog::ROLE_QUERY).await?;
    let mut names = BTreeSet::new();
    let mut compared = Vec::new();
    for row in &rows {
        let row = Reader::new(row, WHAT);
        let role = catalog::role_from_row(&row)?;
        names.insert(role.name.to_string());
        if row.get("compared")? {
            compared.push(role);
        }
    }
    Ok((names, compared))
}

/// The extension versions the server can install, by extension name. They
/// come from files on the server, not from the catalog, so the snapshot
/// does not matter; they are read with the catalog queries to share their
/// round trip.
async fn available_extensions(
    client: &Client,
) -> Result<BTreeMap<String, BTreeSet<String>>, IntrospectError> {
    const WHAT: &str = "available extension versions";
    let rows = query(
        client,
        WHAT,
        "SELECT name::pg_catalog.text, version FROM pg_catalog.pg_available_extension_versions",
    )
    .await?;
    let mut available: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        let row = Reader::new(row, WHAT);
        available
            .entry(row.get("name")?)
            .or_default()
            .insert(row.get("version")?);
    }
    Ok(available)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_are_looked_for_in_their_catalogs_after_initdb() {
        crate::read::filter::tests::assert_qualified(&found_query(FOUND_IN));
        for place in FOUND_IN.iter().flatten() {
            assert!(place.starts_with("pg_catalog.pg_"), "{place}");
            assert!(place.contains(" >= 16384"), "{place}");
        }
    }
}
