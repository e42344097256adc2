//! Across major versions: one schema read from two versions of PostgreSQL
//! diffs as equal, and a change from FROM on one version to TO on the other
//! applies and leaves no difference.
//!
//! The second server's programs come from `PGRIFT_PG_BIN_OTHER` (a bin
//! directory, such as `$(scripts/pg-bin 14)`). Without it, the tests take a
//! version that `scripts/pg-bin` has cached, or Debian has installed, other
//! than the main cluster's; the farthest from it, so that 15 pairs with 18.
//! When there is none, the tests fail under CI (`CI` set), saying how to
//! get one; elsewhere they print that they were skipped, and how to run
//! them, and pass, so that `cargo test` on a fresh machine passes.
//!
//! Every fixture crosses versions in one run of `scripts/pg-matrix`, not in
//! all five: each run takes the fifth of the fixtures picked by its main
//! server's major version (see [`shard`]), so the matrix covers them all
//! once and each version's run stays well under CI's time per version.
//! `PGRIFT_ACROSS=all`, or naming fixtures with `PGRIFT_FIXTURE`, takes
//! every one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, stream};
use pgrift::catalog::Catalog;
use pgrift::source::{Cluster, Shadow};
use pgrift::{diff, plan};

use crate::roundtrip::{self, apply, catalog, fixtures_dir, load, script, secrets};
use crate::support::{self, major};

const PARALLEL: usize = 4;

const HINT: &str = "PGRIFT_PG_BIN_OTHER=$(scripts/pg-bin 14) cargo test";

/// The second cluster, started by the first test that asks; `None` when
/// there is no second version and the tests are to be skipped.
async fn other_cluster() -> Option<Arc<Cluster>> {
    static OTHER: tokio::sync::OnceCell<Option<Arc<Cluster>>> = tokio::sync::OnceCell::const_new();
    OTHER
        .get_or_init(|| async {
            let main = support::shared_cluster().await;
            let bin = other_bin_dir(major(main.server_version_num()))?;
            match Cluster::start_with_bin_dir(bin.clone()).await {
                Ok(cluster) => {
                    assert_ne!(
                        major(cluster.server_version_num()),
                        major(main.server_version_num()),
                        "{} holds PostgreSQL {}, the main cluster's version: the cross-version \
                         tests need another one ({HINT})",
                        bin.display(),
                        major(main.server_version_num())
                    );
                    Some(Arc::new(cluster))
                }
                Err(error) => panic!("{}: {}", bin.display(), support::explain(&error)),
            }
        })
        .await
        .clone()
}

/// Where the second version's programs are, as the module comment says.
/// Panics under CI when there is none; elsewhere prints why the tests are
/// skipped.
fn other_bin_dir(main_major: i32) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PGRIFT_PG_BIN_OTHER").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("initdb").is_file() && dir.join("postgres").is_file(),
            "PGRIFT_PG_BIN_OTHER={} does not hold initdb and postgres",
            dir.display()
        );
        return Some(dir);
    }
    let found = installed_versions()
        .into_iter()
        .filter(|(v, _)| *v != main_major)
        .max_by_key(|(v, _)| ((v - main_major).abs(), -v));
    match found {
        Some((version, dir)) => {
            support::note(&format!(
                "cross-version tests: PostgreSQL {main_major} and {version} ({})",
                dir.display()
            ));
            Some(dir)
        }
        None if std::env::var_os("CI").is_some() => panic!(
            "the cross-version tests need a second PostgreSQL version besides {main_major}: \
             run `{HINT}`"
        ),
        None => {
            support::note(&format!(
                "skipped the cross-version tests: no PostgreSQL version besides {main_major} \
                 found; run `{HINT}`"
            ));
            None
        }
    }
}

/// Versions whose programs are at hand: `scripts/pg-bin`'s cache and
/// Debian's `/usr/lib/postgresql`.
fn installed_versions() -> Vec<(i32, PathBuf)> {
    // Where scripts/pg-bin caches: PGRIFT_PG_CACHE alone when set.
    let mut roots: Vec<PathBuf> = match std::env::var_os("PGRIFT_PG_CACHE") {
        Some(cache) => vec![cache.into()],
        None => {
            let xdg = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")));
            xdg.map(|cache| cache.join("pgrift/pg"))
                .into_iter()
                .chain([PathBuf::from("/var/cache/pgrift/pg")])
                .collect()
        }
    };
    roots.push("/usr/lib/postgresql".into());
    let mut found = Vec::new();
    for root in roots {
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        for entry in entries.flatten() {
            let Some(version) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            let bin = entry.path().join("bin");
            let complete = ["initdb", "postgres", "psql", "pg_dump"]
                .iter()
                .all(|program| bin.join(program).exists());
            if version >= 14 && complete && !found.iter().any(|(v, _)| *v == version) {
                found.push((version, bin));
            }
        }
    }
    found
}

/// Both clusters, the older first; `None` when the tests are skipped.
async fn pair() -> Option<(Arc<Cluster>, Arc<Cluster>)> {
    let main = support::shared_cluster().await;
    let other = other_cluster().await?;
    Some(if other.server_version_num() < main.server_version_num() {
        (other, main)
    } else {
        (main, other)
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The version of an extension created without `VERSION` is the server's
/// default, which differs between versions (citext is 1.6 up to 17 and 1.8
/// in 18): a real difference, which the diff reports. Comparing schemas, the
/// tests take TO's extensions at FROM's versions.
fn same_extension_versions(from: &Catalog, to: &mut Catalog) {
    for extension in &mut to.extensions {
        if let Some(old) = from.extensions.iter().find(|e| e.name == extension.name) {
            extension.version = old.version.clone();
        }
    }
}

/// A catalog with the name of its scratch database taken out of the
/// warnings, which name it.
fn warnings_without(db: &str, mut catalog: Catalog) -> Catalog {
    for warning in &mut catalog.warnings {
        warning.object = warning.object.replace(db, "<database>");
        warning.message = warning.message.replace(db, "<database>");
    }
    catalog
}

/// The shards the fixtures are cut into: one per version of the matrix.
const SHARDS: usize = 5;

/// The fixtures this run crosses versions with: the ones whose place in the
/// sorted list, modulo [`SHARDS`], is the main server's major version
/// modulo [`SHARDS`] (14 to 18 take five different shards); every one when
/// `PGRIFT_ACROSS=all` is set or `PGRIFT_FIXTURE` names some.
fn shard(cases: Vec<String>, main_major: i32) -> Vec<String> {
    let all = std::env::var("PGRIFT_ACROSS").is_ok_and(|v| v == "all")
        || std::env::var_os("PGRIFT_FIXTURE").is_some();
    if all {
        return cases;
    }
    let pick = usize::try_from(main_major).unwrap_or(0) % SHARDS;
    cases
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % SHARDS == pick)
        .map(|(_, case)| case)
        .collect()
}

/// Every case of this run's shard, on both versions: each of its files
/// reads the same on both, and its change applies from either version's
/// FROM to the other's TO.
#[test]
fn fixtures_across_versions() {
    let runtime = runtime();
    let Some((older, newer)) = runtime.block_on(pair()) else {
        return;
    };
    let main = runtime.block_on(support::shared_cluster());
    let cases = shard(roundtrip::cases(), major(main.server_version_num()));
    println!(
        "crossing PostgreSQL {} and {} with {} fixtures (PGRIFT_ACROSS=all for every one)",
        major(older.server_version_num()),
        major(newer.server_version_num()),
        cases.len()
    );
    let results: BTreeMap<String, Vec<String>> = runtime.block_on(
        stream::iter(cases.iter())
            .map(|case| {
                let (older, newer) = (older.clone(), newer.clone());
                async move { (case.clone(), across(&older, &newer, case).await) }
            })
            .buffer_unordered(PARALLEL)
            .collect(),
    );
    let failures: Vec<String> = results
        .into_iter()
        .flat_map(|(case, problems)| problems.into_iter().map(move |p| format!("{case}: {p}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} problems across PostgreSQL {} and {} in {} cases:\n\n{}",
        failures.len(),
        major(older.server_version_num()),
        major(newer.server_version_num()),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The introspection tests' rich schema reads the same on both servers.
#[test]
fn rich_schema_across_versions() {
    let runtime = runtime();
    let Some((older, newer)) = runtime.block_on(pair()) else {
        return;
    };
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/introspect.sql");
    runtime.block_on(async {
        let mut names = Vec::new();
        for server in [&older, &newer] {
            // The schema creates a role and an event trigger: only a
            // superuser may load it.
            let shadow = Shadow::with_cluster(server.clone()).load_as_superuser();
            let db = load(&shadow, &[&file], None)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL {}: {e}", version(server)));
            names.push(db.name().to_owned());
            let _ = db.close().await;
        }
        let dbs = CaseDbs {
            from: [Some(names[0].clone()), Some(names[1].clone())],
            to: [None, None],
        };
        let result = check_case(&[older.clone(), newer.clone()], &dbs, None).await;
        for (server, name) in [&older, &newer].into_iter().zip(&names) {
            let _ = server.drop_database(name).await;
        }
        if let Err(e) = result {
            panic!("{e}");
        }
    });
}

/// One case's databases: FROM (seeded) and TO, on the older and the newer
/// server. A file that needs a newer server than one of them is not loaded
/// there.
struct CaseDbs {
    from: [Option<String>; 2],
    to: [Option<String>; 2],
}

/// Runs one case across the two servers; the problems found, if any.
async fn across(older: &Arc<Cluster>, newer: &Arc<Cluster>, case: &str) -> Vec<String> {
    let servers = [older.clone(), newer.clone()];
    let dir = fixtures_dir().join(case);
    let _turn = match crate::support::touches_subscriptions(&[
        &dir.join("from.sql"),
        &dir.join("to.sql"),
    ]) {
        true => Some(crate::support::subscriptions_turn().await),
        false => None,
    };
    let seed = dir.join("seed.sql");
    let seed = seed.is_file().then_some(seed);
    let mut problems = Vec::new();
    let mut dbs = CaseDbs {
        from: [None, None],
        to: [None, None],
    };
    let mut needs = [None, None];
    for (side, file) in ["from.sql", "to.sql"].iter().enumerate() {
        let path = dir.join(file);
        let sql = std::fs::read_to_string(&path).expect("fixture is readable");
        needs[side] = support::required_major(&sql);
        for (i, server) in servers.iter().enumerate() {
            if support::skip_reason(needs[side], server.server_version_num()).is_some() {
                continue;
            }
            let seed = if side == 0 { seed.as_deref() } else { None };
            match load(&Shadow::with_cluster(server.clone()), &[&path], seed).await {
                Ok(db) => {
                    let name = db.name().to_owned();
                    // Closing only ends the loader's session; the database
                    // stays until the end of the case.
                    let _ = db.close().await;
                    if side == 0 {
                        dbs.from[i] = Some(name);
                    } else {
                        dbs.to[i] = Some(name);
                    }
                }
                Err(e) => problems.push(format!("{file} on PostgreSQL {}: {e}", version(server))),
            }
        }
    }
    if problems.is_empty() {
        problems.extend(check_case(&servers, &dbs, needs[1]).await.err());
    }
    for (i, server) in servers.iter().enumerate() {
        for name in [&dbs.from[i], &dbs.to[i]].into_iter().flatten() {
            let _ = server.drop_database(name).await;
        }
    }
    problems
}

fn version(cluster: &Cluster) -> i32 {
    major(cluster.server_version_num())
}

async fn check_case(
    servers: &[Arc<Cluster>; 2],
    dbs: &CaseDbs,
    to_needs: Option<i32>,
) -> Result<(), String> {
    // The same schema on both servers reads the same.
    for (what, names) in [("from.sql", &dbs.from), ("to.sql", &dbs.to)] {
        if let [Some(a), Some(b)] = names {
            let old = read(&servers[0], a).await?;
            let mut new = read(&servers[1], b).await?;
            same_extension_versions(&old, &mut new);
            for (x, y, title) in [
                (&old, &new, "older -> newer"),
                (&new, &old, "newer -> older"),
            ] {
                let script = script(x, y, title)?;
                if !script.is_empty() {
                    return Err(format!("{what} reads differently ({title}):\n{script}"));
                }
            }
            if old.warnings != new.warnings {
                return Err(format!(
                    "{what} gives other warnings:\n{}",
                    roundtrip::text_diff(
                        &format!("{:#?}", old.warnings),
                        &format!("{:#?}", new.warnings)
                    )
                ));
            }
        }
    }
    // FROM on one server, TO on the other: the forward script applies to
    // FROM and leaves no difference to TO, or, when TO needs a newer
    // version than FROM's server, the plan is refused.
    for (f, t) in [(0, 1), (1, 0)] {
        let (Some(from_db), Some(to_db)) = (&dbs.from[f], &dbs.to[t]) else {
            continue;
        };
        let (from, to) = (&servers[f], &servers[t]);
        let direction = format!(
            "FROM on PostgreSQL {}, TO on {}",
            version(from),
            version(to)
        );
        let old = read(from, from_db).await?;
        let mut new = read(to, to_db).await?;
        same_extension_versions(&old, &mut new);
        let planned = plan::plan(diff::diff(&old, &new)).map_err(|e| e.to_string())?;
        let refused = plan::check_compat(&planned, from.server_version_num());
        match (refused, to_needs.filter(|v| *v > version(from))) {
            (Ok(()), None) => {}
            (Err(error), Some(_)) if error.to_string().contains("does not support (needs") => {
                continue;
            }
            (Err(error), Some(_)) => {
                return Err(format!(
                    "{direction}: a refusal that names no version: {error}"
                ));
            }
            (Ok(()), Some(v)) => {
                return Err(format!(
                    "{direction}: TO needs PostgreSQL {v}, but the plan passed the check"
                ));
            }
            (Err(error), None) => {
                return Err(format!("{direction}: the plan was refused: {error}"));
            }
        }
        let forward = script(&old, &new, "forward")?;
        // The database is changed, and the other direction does not use it.
        let secrets = secrets(to, to_db).await?;
        apply(from, from_db, &forward, &secrets)
            .await
            .map_err(|e| {
                format!(
                    "{direction}: the forward script failed: {e}\n--- forward script ---\n{forward}"
                )
            })?;
        let mut migrated = read(from, from_db).await?;
        same_extension_versions(&new, &mut migrated);
        let again = script(&migrated, &new, "again")?;
        if !again.is_empty() {
            return Err(format!(
                "{direction}: after the forward script, pgrift still finds differences to TO:\n{again}\n--- forward script ---\n{forward}"
            ));
        }
    }
    Ok(())
}

/// The catalog of database `db`, without its name in the warnings.
async fn read(cluster: &Cluster, db: &str) -> Result<Catalog, String> {
    catalog(cluster, db).await.map(|c| warnings_without(db, c))
}
