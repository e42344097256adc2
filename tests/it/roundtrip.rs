//! The round trip, for every case under `fixtures/`.
//!
//! For each case, in both orientations (FROM = from.sql with seed.sql, and,
//! swapped, FROM = to.sql unseeded): with FROM and TO built in fresh
//! databases (one of each per case: the swapped orientation migrates the
//! database TO was built in, which the seeded one only reads), plan, apply the forward script to FROM with psql, then check that
//! (a) pgrift finds no difference to TO and planning again gives an empty
//! script, (b) the normalised `pg_dump --schema-only` of both is identical,
//! (c) row counts of tables on both sides, and where the sequences on both
//! sides stand, are unchanged; then apply the reverse script and check (a),
//! (b) and (c) against the original FROM. The
//! scripts of the seeded orientation are insta snapshots under `snapshots/`.
//!
//! A case whose `from.sql` or `to.sql` starts with `-- requires: N` is
//! skipped, with the reason printed, on servers older than PostgreSQL N.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, stream};
use pgrift::catalog::{Catalog, DefaultAcl, Obj};
use pgrift::source::{Cluster, Shadow, ShadowDb, snapshot};
use pgrift::{deploy, diff, emit, introspect, plan};

/// The schema `pgrift::deploy` records deployments in, by default.
const HISTORY_SCHEMA: &str = "pgrift";

use crate::{pgdump, support};

/// How many cases run at once; each holds a few connections and psql runs.
pub const PARALLEL: usize = 4;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The cases to run: all of them, or those whose names contain one of the
/// comma-separated words in `PGRIFT_FIXTURE` (for working on a few).
pub fn cases() -> Vec<String> {
    let filter = std::env::var("PGRIFT_FIXTURE").ok();
    let mut cases: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ is readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("to.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            filter
                .as_deref()
                .is_none_or(|f| f.split(',').any(|word| name.contains(word)))
        })
        .collect();
    cases.sort();
    cases
}

/// The major version a case needs: the higher of what its two files
/// declare.
pub fn case_requirement(case: &str) -> Option<i32> {
    ["from.sql", "to.sql"]
        .iter()
        .filter_map(|file| {
            let path = fixtures_dir().join(case).join(file);
            let sql = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            support::required_major(&sql)
        })
        .max()
}

/// What one case gave: its scripts in the seeded orientation, and whether the
/// swapped orientation passed.
pub type Outcome = (Result<Scripts, String>, Result<(), String>);

/// The scripts of one case, for the snapshots.
pub struct Scripts {
    pub forward: String,
    pub reverse: String,
}

#[test]
fn fixtures_round_trip() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cluster = runtime.block_on(support::shared_cluster());
    let all = cases();
    let mut cases = Vec::new();
    for case in all.iter() {
        match support::skip_reason(case_requirement(case), cluster.server_version_num()) {
            Some(reason) => support::note(&format!("skipped {case}: {reason}")),
            None => cases.push(case.clone()),
        }
    }
    if std::env::var_os("PGRIFT_FIXTURE").is_none() {
        assert!(
            cases.len() >= 60,
            "expected at least 60 fixture cases to run, found {} (of {})",
            cases.len(),
            all.len()
        );
    }

    let results: BTreeMap<String, Outcome> = runtime.block_on(
        stream::iter(cases.iter())
            .map(|case| {
                let cluster = cluster.clone();
                async move { (case.clone(), run_case(&cluster, case).await) }
            })
            .buffer_unordered(PARALLEL)
            .collect(),
    );

    let mut failures = Vec::new();
    for (case, (seeded, swapped)) in &results {
        match seeded {
            Ok(scripts) => {
                let mut settings = insta::Settings::clone_current();
                settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
                settings.set_prepend_module_to_snapshot(false);
                settings.set_omit_expression(true);
                settings.set_input_file(fixtures_dir().join(case).join("to.sql"));
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    settings.bind(|| {
                        insta::assert_snapshot!(format!("{case}__forward"), scripts.forward);
                        insta::assert_snapshot!(format!("{case}__reverse"), scripts.reverse);
                    })
                }));
                if checked.is_err() {
                    failures.push(format!(
                        "{case}: snapshot differs (run `cargo insta review`)"
                    ));
                }
            }
            Err(e) => failures.push(format!("{case}: {e}")),
        }
        if let Err(e) = swapped {
            failures.push(format!("{case} (swapped): {e}"));
        }
    }
    drop(results);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Builds FROM (seeded) and TO once, and runs both orientations on them:
/// the seeded one migrates FROM's database, then the swapped one migrates
/// TO's, which nothing has changed before. Each side is read (catalog and
/// dump) once, before any script runs, and serves as the goal of the other
/// orientation.
async fn run_case(cluster: &Arc<Cluster>, case: &str) -> Outcome {
    run_dir(cluster, &fixtures_dir().join(case)).await
}

/// [`run_case`] for the files of a case in any directory.
pub async fn run_dir(cluster: &Arc<Cluster>, dir: &Path) -> Outcome {
    let seed = dir.join("seed.sql");
    let files = Files {
        from: dir.join("from.sql"),
        to: dir.join("to.sql"),
        seed_from: seed.is_file().then_some(seed),
        seed_to: None,
    };
    run_files(cluster, &files).await
}

/// The files of one case: the two schemas and the rows seeded into each
/// side's database before the script that migrates it runs.
pub struct Files {
    pub from: PathBuf,
    pub to: PathBuf,
    pub seed_from: Option<PathBuf>,
    /// Rows for TO's database, which the swapped orientation migrates.
    pub seed_to: Option<PathBuf>,
}

/// [`run_case`] for any files.
pub async fn run_files(cluster: &Arc<Cluster>, files: &Files) -> Outcome {
    run_files_in(cluster, files, Shadow::with_cluster(cluster.clone())).await
}

/// [`run_files`] with the files loaded as the cluster's superuser, as
/// `--shadow-superuser` loads files a user trusts.
pub async fn run_trusted_files(cluster: &Arc<Cluster>, files: &Files) -> Outcome {
    let shadow = Shadow::with_cluster(cluster.clone()).load_as_superuser();
    run_files_in(cluster, files, shadow).await
}

async fn run_files_in(cluster: &Arc<Cluster>, files: &Files, shadow: Shadow) -> Outcome {
    let _turn = match support::touches_subscriptions(&[&files.from, &files.to]) {
        true => Some(support::subscriptions_turn().await),
        false => None,
    };
    let seed = files.seed_from.as_deref();
    let from = build(cluster, &shadow, &files.from, seed).await;
    let to = build(cluster, &shadow, &files.to, files.seed_to.as_deref()).await;
    let outcome = match (&from, &to) {
        (Ok((from_db, from)), Ok((to_db, to))) => {
            let failed = fail_part_way(cluster, &shadow, &files.from, seed, from, to).await;
            let seeded = match failed {
                Ok(()) => round_trip(cluster, from_db.name(), from, to, Runner::Psql).await,
                Err(e) => Err(e),
            };
            let swapped = round_trip(cluster, to_db.name(), to, from, Runner::Deploy).await;
            (seeded, swapped.map(|_| ()))
        }
        (Err(e), _) | (_, Err(e)) => (Err(e.clone()), Ok(())),
    };
    // Cases leave nothing behind, so that a long suite does not fill the disk.
    for (db, _) in [from, to].into_iter().flatten() {
        let name = db.name().to_owned();
        let _ = db.close().await;
        let _ = cluster.drop_database(&name).await;
    }
    outcome
}

/// Applies the forward script to a fresh copy of FROM with a statement
/// that fails added as its last, and checks that the failure left the
/// database exactly as FROM, rows included, or, where the plan commits new
/// enum labels first (`Plan::transactions`), as FROM plus those labels and
/// nothing else.
async fn fail_part_way(
    cluster: &Cluster,
    shadow: &Shadow,
    from_file: &Path,
    seed: Option<&Path>,
    from: &Side,
    to: &Side,
) -> Result<(), String> {
    let plan = plan::plan(diff::diff(&from.catalog, &to.catalog)).map_err(|e| e.to_string())?;
    if plan.is_empty() {
        return Ok(());
    }
    let forward = script(&from.catalog, &to.catalog, "forward")?;
    let end = forward
        .rfind("COMMIT;")
        .ok_or_else(|| format!("the forward script has no COMMIT:\n{forward}"))?;
    let failing = format!(
        "{}DO $$ BEGIN RAISE EXCEPTION 'failing on purpose'; END $$;\n\n{}",
        &forward[..end],
        &forward[end..]
    );
    let db = load(shadow, &[from_file], seed).await?;
    let name = db.name().to_owned();
    let checked = async {
        let counts_before = row_counts(cluster, &name, &from.catalog, &to.catalog).await?;
        match apply(cluster, &name, &failing, &to.secrets).await {
            Err(e) if e.contains("failing on purpose") => {}
            Err(e) => return Err(format!("the forward script failed before its end: {e}")),
            Ok(()) => return Err("a script with a failing statement succeeded".to_owned()),
        }
        let left = catalog(cluster, &name).await?;
        // What commits before the last transaction: the new enum labels,
        // when the plan runs in two transactions.
        let transactions = plan.transactions();
        let last = transactions.last().copied().unwrap_or(0);
        let early: Vec<&plan::Step> = plan
            .steps
            .iter()
            .zip(&transactions)
            .filter(|(_, transaction)| **transaction < last)
            .map(|(step, _)| step)
            .collect();
        if let Some(step) = early.iter().find(|step| !step.adds_enum_labels()) {
            return Err(format!(
                "the forward script commits more than new enum labels before its last transaction: {} {}",
                step.kind.as_str(),
                step.id
            ));
        }
        let committed: Vec<String> = early
            .iter()
            .flat_map(|step| step.statements.iter().map(|s| format!("{s};")))
            .collect();
        let since_from: Vec<String> = plan::plan(diff::diff(&from.catalog, &left))
            .map_err(|e| e.to_string())?
            .steps
            .iter()
            .flat_map(|step| step.statements.iter().map(|s| format!("{s};")))
            .collect();
        if since_from != committed {
            return Err(format!(
                "a forward script that failed at its end left the database changed: \
                 expected only {committed:?}, found {since_from:?}\n--- forward script ---\n{forward}"
            ));
        }
        if committed.is_empty() && dump(cluster, &name).await? != from.dump {
            return Err("a forward script that failed left pg_dump different from FROM's".into());
        }
        let counts_after = row_counts(cluster, &name, &from.catalog, &to.catalog).await?;
        if counts_before != counts_after {
            return Err(format!(
                "a failed forward script changed row counts: before {counts_before:?}, after {counts_after:?}"
            ));
        }
        Ok(())
    }
    .await;
    let _ = db.close().await;
    let _ = cluster.drop_database(&name).await;
    checked
}

/// A database as built from its files, before any script ran: what a
/// script must arrive at.
struct Side {
    catalog: Catalog,
    dump: String,
    /// The values of its secret options by psql variable: what a script
    /// that arrives at it is given.
    secrets: BTreeMap<String, String>,
}

/// Loads `file` (and `seed`) into a fresh database and reads it.
async fn build(
    cluster: &Cluster,
    shadow: &Shadow,
    file: &Path,
    seed: Option<&Path>,
) -> Result<(ShadowDb, Side), String> {
    let db = load(shadow, &[file], seed).await?;
    let side = async {
        let side = Side {
            catalog: catalog(cluster, db.name()).await?,
            dump: dump(cluster, db.name()).await?,
            secrets: secrets(cluster, db.name()).await?,
        };
        snapshot_reads_back(&side.catalog, file)?;
        Ok(side)
    }
    .await;
    match side {
        Ok(side) => Ok((db, side)),
        Err(e) => {
            let name = db.name().to_owned();
            let _ = db.close().await;
            let _ = cluster.drop_database(&name).await;
            Err(e)
        }
    }
}

/// Everything a server deparsed passes the checks a snapshot's
/// definitions go through (`source::snapshot`), and the snapshot of a
/// catalog reads back as the same catalog.
fn snapshot_reads_back(catalog: &Catalog, file: &Path) -> Result<(), String> {
    let snapshot = snapshot::Snapshot {
        server_version_num: None,
        roles: false,
        catalog: catalog.clone(),
    };
    let mut text = Vec::new();
    snapshot::write(&mut text, &snapshot).map_err(|e| e.to_string())?;
    let text = String::from_utf8(text).map_err(|e| e.to_string())?;
    let read = snapshot::parse(&text, file)
        .map_err(|e| format!("the snapshot of {} does not read back: {e}", file.display()))?;
    if read != snapshot {
        return Err(format!(
            "the snapshot of {} reads back different",
            file.display()
        ));
    }
    Ok(())
}

/// A fresh database with the given files applied by the product's own
/// loader.
pub async fn load(
    shadow: &Shadow,
    files: &[&Path],
    seed: Option<&Path>,
) -> Result<ShadowDb, String> {
    let db = shadow
        .create_database()
        .await
        .map_err(|e| format!("create database: {}", support::explain(&e)))?;
    for file in files.iter().copied().chain(seed) {
        db.apply(file)
            .await
            .map_err(|e| format!("loading {}: {}", file.display(), support::explain(&e)))?;
    }
    // The files ran as a role without superuser rights; the scripts run as
    // the superuser, which then owns what they create. A superuser could
    // not tie a sequence it creates to a table of another owner, nor can a
    // non-superuser move a trusted extension, whose objects the superuser
    // owns: the database and what is in it go to the superuser, as a
    // database built with psql would.
    let admin = db
        .client()
        .query_one("SELECT current_user::text", &[])
        .await;
    let admin: String = admin.map_err(|e| e.to_string())?.get(0);
    if db.loader() != admin {
        let reassign = format!(
            "REASSIGN OWNED BY {} TO {}",
            pgrift::sql::quote_ident(db.loader()),
            pgrift::sql::quote_ident(&admin)
        );
        db.client()
            .batch_execute(&reassign)
            .await
            .map_err(|e| format!("{reassign}: {e}"))?;
        hand_over_default_privileges(&db, &admin).await?;
    }
    // The shadow keeps what a file creates with the role that loads it
    // (see `source::script`), so a case that compares owners has the
    // harness create its roles and hand its objects to them, as the
    // superuser, from a `<file>.owners.sql` beside the file.
    for file in files {
        let owners = file.with_extension("owners.sql");
        if owners.is_file() {
            let sql = std::fs::read_to_string(&owners)
                .map_err(|e| format!("{}: {e}", owners.display()))?;
            db.client().batch_execute(&sql).await.map_err(|e| {
                let message = e
                    .as_db_error()
                    .map_or(e.to_string(), |d| d.message().to_owned());
                format!("{}: {message}", owners.display())
            })?;
        }
    }
    Ok(db)
}

/// Gives the default privileges the files set for the loading role (an
/// `ALTER DEFAULT PRIVILEGES` without `FOR ROLE`), which `REASSIGN OWNED`
/// leaves with it, to the superuser `admin` that runs the scripts: as a
/// database built with psql would have them, and named alike whichever
/// shadow role loaded the files.
async fn hand_over_default_privileges(db: &ShadowDb, admin: &str) -> Result<(), String> {
    let read = introspect::introspect(db.client())
        .await
        .map_err(|e| format!("introspect {}: {e}", db.name()))?;
    for loaded in read
        .catalog
        .default_acls
        .iter()
        .filter(|x| x.role.as_deref() == Some(db.loader()))
    {
        let admins = DefaultAcl {
            role: Some(admin.into()),
            ..loaded.clone()
        };
        let statements = Obj::DefaultAcl(loaded)
            .drop()
            .into_iter()
            .chain(Obj::DefaultAcl(&admins).create());
        for statement in statements {
            let sql = statement.to_string();
            db.client()
                .batch_execute(&sql)
                .await
                .map_err(|e| format!("{sql}: {e}"))?;
        }
    }
    Ok(())
}

/// What runs the scripts of a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    /// `psql -f` on the scripts as written.
    Psql,
    /// `pgrift::deploy`: `apply` of the forward script, then `rollback`
    /// of that deployment from its history, both planned `--online`
    /// (`plan::online`), so that every case proves the online forms too.
    Deploy,
}

/// Progress that goes nowhere.
struct Quiet;

impl deploy::Progress for Quiet {
    fn event(&mut self, _: deploy::Event<'_>) {}
}

/// Applies `from` → `to` to `db` with `pgrift::deploy::apply`, planned
/// `--online`.
async fn deploy_forward(
    cluster: &Cluster,
    db: &str,
    from: &Catalog,
    to: &Catalog,
    secrets: &BTreeMap<String, String>,
) -> Result<(), String> {
    let plan_of = |a, b| {
        plan::plan(diff::diff(a, b))
            .map(|p| plan::online(p, a, b))
            .map_err(|e| format!("plan: {e}"))
    };
    let (forward, reverse) = (plan_of(from, to)?, plan_of(to, from)?);
    let none = pgrift::risk::Assessment::default();
    let side = |label, catalog| deploy::Side {
        label,
        catalog,
        server_version_num: None,
    };
    let deployment = deploy::Deployment::build(
        side("from", from),
        side("to", to),
        (&forward, &none),
        (&reverse, &none),
    );
    if deployment.statements().is_empty() {
        return Ok(());
    }
    deploy::apply(
        &cluster.conninfo(db),
        &deployment,
        None,
        &deploy_options(secrets),
        &mut Quiet,
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// Rolls back the last deployment to `db` with `pgrift::deploy::rollback`.
async fn deploy_rollback(
    cluster: &Cluster,
    db: &str,
    secrets: &BTreeMap<String, String>,
) -> Result<(), String> {
    deploy::rollback(
        &cluster.conninfo(db),
        None,
        &deploy_options(secrets),
        &mut Quiet,
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

fn deploy_options(secrets: &BTreeMap<String, String>) -> deploy::ApplyOptions {
    deploy::ApplyOptions {
        retry_delay: std::time::Duration::from_millis(100),
        secrets: deploy::Secrets::given(secrets.clone()),
        ..deploy::ApplyOptions::default()
    }
}

/// The values of the secret options of `db` (of its foreign-data
/// wrappers, servers and user mappings), by the psql variable a script
/// writes for each, read as the superuser, who sees them all.
pub async fn secrets(cluster: &Cluster, db: &str) -> Result<BTreeMap<String, String>, String> {
    let client = cluster
        .connect(db)
        .await
        .map_err(|e| format!("connect to {db}: {e}"))?;
    let rows = client
        .query(
            "SELECT ARRAY['wrapper', w.fdwname::text], o.option_name, o.option_value \
             FROM pg_foreign_data_wrapper w, pg_options_to_table(w.fdwoptions) o \
             UNION ALL SELECT ARRAY['server', s.srvname::text], o.option_name, o.option_value \
             FROM pg_foreign_server s, pg_options_to_table(s.srvoptions) o \
             UNION ALL SELECT ARRAY['mapping', CASE WHEN u.umuser = 0 THEN 'public' \
             ELSE u.usename::text END, u.srvname::text], o.option_name, o.option_value \
             FROM pg_user_mappings u, pg_options_to_table(u.umoptions) o \
             UNION ALL SELECT ARRAY['foreign table', n.nspname::text, c.relname::text], \
             o.option_name, o.option_value FROM pg_foreign_table f \
             JOIN pg_class c ON c.oid = f.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace, \
             pg_options_to_table(f.ftoptions) o \
             UNION ALL SELECT ARRAY['foreign table', n.nspname::text, c.relname::text, \
             a.attname::text], o.option_name, o.option_value FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace, \
             pg_options_to_table(a.attfdwoptions) o \
             WHERE c.relkind = 'f' AND a.attnum > 0 AND NOT a.attisdropped",
            &[],
        )
        .await
        .map_err(|e| format!("read the secrets of {db}: {e}"))?;
    let subscriptions = client
        .query(
            "SELECT subname::text, subconninfo FROM pg_subscription \
             WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .await
        .map_err(|e| format!("read the subscriptions of {db}: {e}"))?;
    Ok(rows
        .iter()
        .filter(|row| pgrift::sql::secret::is_secret_key(row.get(1)))
        .map(|row| {
            let object: Vec<String> = row.get(0);
            let object: Vec<&str> = object.iter().map(String::as_str).collect();
            let variable = pgrift::catalog::options::variable(&object, row.get(1));
            (variable.name().to_owned(), row.get(2))
        })
        .chain(subscriptions.iter().map(|row| {
            let variable = pgrift::catalog::subscription_connection(row.get(0));
            (variable.name().to_owned(), row.get(1))
        }))
        .collect())
}

/// Migrates `from_db`, built as `from_side`, to `to_side` and back.
async fn round_trip(
    cluster: &Cluster,
    from_db: &str,
    from_side: &Side,
    to_side: &Side,
    runner: Runner,
) -> Result<Scripts, String> {
    let (from, from_dump) = (&from_side.catalog, &from_side.dump);
    let (to, to_dump) = (&to_side.catalog, &to_side.dump);
    let counts_before = row_counts(cluster, from_db, from, to).await?;

    let forward = script(from, to, "forward")?;
    let reverse = script(to, from, "reverse")?;

    match runner {
        Runner::Psql => apply(cluster, from_db, &forward, &to_side.secrets).await,
        Runner::Deploy => deploy_forward(cluster, from_db, from, to, &to_side.secrets).await,
    }
    .map_err(|e| {
        format!("forward script ({runner:?}) failed: {e}\n--- forward script ---\n{forward}")
    })?;
    let migrated = catalog(cluster, from_db).await?;
    let again = script(&migrated, to, "again")?;
    if !again.is_empty() {
        return Err(format!(
            "after the forward script, pgrift still finds differences to TO:\n{again}\n--- forward script ---\n{forward}"
        ));
    }
    let migrated_dump = dump(cluster, from_db).await?;
    if migrated_dump != *to_dump {
        return Err(format!(
            "after the forward script, pg_dump differs from TO's:\n{}\n--- forward script ---\n{forward}",
            text_diff(to_dump, &migrated_dump)
        ));
    }
    let counts_after = row_counts(cluster, from_db, from, to).await?;
    if counts_before != counts_after {
        return Err(format!(
            "row counts changed: before {counts_before:?}, after {counts_after:?}"
        ));
    }

    match runner {
        Runner::Psql => apply(cluster, from_db, &reverse, &from_side.secrets).await,
        Runner::Deploy if forward.is_empty() => Ok(()),
        Runner::Deploy => deploy_rollback(cluster, from_db, &from_side.secrets).await,
    }
    .map_err(|e| {
        format!("reverse script ({runner:?}) failed: {e}\n--- reverse script ---\n{reverse}")
    })?;
    let restored = catalog(cluster, from_db).await?;
    let again = script(&restored, from, "again")?;
    if !again.is_empty() {
        return Err(format!(
            "after the reverse script, pgrift still finds differences to FROM:\n{again}\n--- reverse script ---\n{reverse}"
        ));
    }
    let restored_dump = dump(cluster, from_db).await?;
    if restored_dump != *from_dump {
        return Err(format!(
            "after the reverse script, pg_dump differs from FROM's:\n{}\n--- reverse script ---\n{reverse}",
            text_diff(from_dump, &restored_dump)
        ));
    }
    let counts_restored = row_counts(cluster, from_db, from, to).await?;
    if counts_before != counts_restored {
        return Err(format!(
            "row counts changed by the reverse script: before {counts_before:?}, after {counts_restored:?}"
        ));
    }
    Ok(Scripts { forward, reverse })
}

pub async fn catalog(cluster: &Cluster, db: &str) -> Result<Catalog, String> {
    let client = cluster
        .connect(db)
        .await
        .map_err(|e| format!("connect to {db}: {e}"))?;
    // `Runner::Deploy` records its deployments in the history schema,
    // which is never part of a schema.
    // What the superuser owns (what the files created, handed over by
    // `load`, and what the scripts created) belongs to whoever runs the
    // script, as what the loading role owns does in a shadow.
    introspect::introspect(&client)
        .await
        .map(|i| {
            let mut catalog = i.catalog;
            catalog.leave_out_schema(HISTORY_SCHEMA);
            pgrift::catalog::owner::forget(&mut catalog, cluster.user());
            catalog
        })
        .map_err(|e| format!("introspect {db}: {e}"))
}

pub fn script(from: &Catalog, to: &Catalog, title: &str) -> Result<String, String> {
    let plan = plan::plan(diff::diff(from, to)).map_err(|e| format!("plan: {e}"))?;
    let mut out = Vec::new();
    emit::write_script(&plan, title, None, &mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Runs `script` on `db` with psql, giving it `secrets` as variables
/// (`-v name=value`).
pub async fn apply(
    cluster: &Cluster,
    db: &str,
    script: &str,
    secrets: &BTreeMap<String, String>,
) -> Result<(), String> {
    if script.is_empty() {
        return Ok(());
    }
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::fs::write(file.path(), script).map_err(|e| e.to_string())?;
    let mut command = cluster.psql(db);
    for (name, value) in secrets {
        command.arg("-v").arg(format!("{name}={value}"));
    }
    let output = command
        .arg("-f")
        .arg(file.path())
        .output()
        .await
        .map_err(|e| format!("psql: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

async fn dump(cluster: &Cluster, db: &str) -> Result<String, String> {
    let mut command = cluster.pg_dump(db);
    let output = command
        .args(["--schema-only", "--no-privileges"])
        .arg(format!("--exclude-schema={HISTORY_SCHEMA}"))
        .output()
        .await
        .map_err(|e| format!("pg_dump: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // pg_dump refuses a server newer than itself; the one on PATH is
        // used when the server's bin directory has none.
        let hint = if stderr.contains("server version mismatch") {
            "\nhint: the server's bin directory has no pg_dump of its version or newer; \
             `scripts/pg-bin N` gives one that has"
        } else {
            ""
        };
        return Err(format!("pg_dump {db}: {stderr}{hint}"));
    }
    Ok(pgdump::normalize(&String::from_utf8_lossy(&output.stdout)))
}

/// Row counts of the tables that exist on both sides, each of its own rows
/// (`ONLY`): a parent counts no rows of its children; but a table
/// partitioned anew counts its whole tree, since the script moves its rows
/// between it and its partitions. Then where the sequences that
/// are the same on both sides stand (`last_value`, and 1 if it was handed
/// out), the identity columns' too: a script keeps their values.
async fn row_counts(
    cluster: &Cluster,
    db: &str,
    from: &Catalog,
    to: &Catalog,
) -> Result<BTreeMap<String, i64>, String> {
    let client = cluster
        .connect(db)
        .await
        .map_err(|e| format!("connect to {db}: {e}"))?;
    let mut counts = BTreeMap::new();
    let mut sequences = Vec::new();
    // A foreign table holds no rows of its own, and reading one through a
    // wrapper with no handler fails.
    for table in from.tables.iter().filter(|t| t.foreign.is_none()) {
        let Some(kept) = to.tables.iter().find(|t| t.name == table.name) else {
            continue;
        };
        let only = if table.partition_by != kept.partition_by {
            ""
        } else {
            "ONLY "
        };
        let row = client
            .query_one(&format!("SELECT count(*) FROM {only}{}", table.name), &[])
            .await
            .map_err(|e| format!("count {}: {e}", table.name))?;
        counts.insert(table.name.to_string(), row.get::<_, i64>(0));
        for column in &table.columns {
            let identity = |t: &pgrift::catalog::Table| {
                t.columns
                    .iter()
                    .find(|c| c.name == column.name)
                    .and_then(|c| c.identity())
                    .map(|i| (i.sequence.clone(), i.options.clone()))
            };
            if let Some(before) = identity(table)
                && Some(&before) == identity(kept).as_ref()
            {
                sequences.push(before.0);
            }
        }
    }
    for sequence in &from.sequences {
        if to
            .sequences
            .iter()
            .any(|s| s.name == sequence.name && s.options == sequence.options)
        {
            sequences.push(sequence.name.clone());
        }
    }
    for sequence in sequences {
        let row = client
            .query_one(
                &format!("SELECT last_value, is_called::integer FROM {sequence}"),
                &[],
            )
            .await
            .map_err(|e| format!("read sequence {sequence}: {e}"))?;
        let state = (row.get::<_, i64>(0), row.get::<_, i32>(1));
        counts.insert(
            format!("sequence {sequence}"),
            state.0 * 2 + i64::from(state.1),
        );
    }
    Ok(counts)
}

pub fn text_diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}
