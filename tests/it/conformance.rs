//! pgrift over an external corpus of schema transitions, with the round
//! trip's proof: `scripts/conformance DIR` runs it. Nothing is fetched
//! here, and no corpus is kept in the repository.
//!
//! The corpus has one directory per scenario: `a.sql` and `b.sql` (the two
//! schemas), optional `seed.sql` (rows for `a`) and `seed-b.sql` (rows for
//! `b`), and an optional `meta.json` (`minVersion`, the oldest server the
//! scenario needs; `isolatedCluster`, set where it creates cluster-wide
//! objects such as roles, which then runs in a cluster of its own). A
//! scenario's family is its name up to `--`. Both transitions, a → b and
//! b → a, are proven as a fixture's are: the script applies, leaves no
//! difference, keeps the rows, and its reverse brings the other side back.
//!
//! The test prints a table of passes per family and, for each failure,
//! whether pgrift warned that something in the scenario is not modelled
//! (a known limitation) or not (a bug to fix). It fails only on a corpus it
//! cannot read; the figures are the result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, stream};
use pgrift::source::{Cluster, Shadow};

use crate::roundtrip::{self, Files, PARALLEL};
use crate::support;

/// One scenario of the corpus.
struct Scenario {
    name: String,
    family: String,
    dir: PathBuf,
    min_major: Option<i32>,
    isolated: bool,
}

/// How one transition ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Proven,
    Skipped(String),
    /// A file did not load into the shadow database, which runs as a role
    /// without superuser rights: a scenario that creates an event trigger,
    /// say. The transition is then tried again with the files trusted
    /// (loaded as the superuser, as `--shadow-superuser` does): `true`
    /// when it is proven so.
    Unloadable(String, bool),
    /// Failed, with the kinds pgrift warned about as not modelled.
    NotModelled(Vec<String>, String),
    Failed(String),
}

fn scenarios(corpus: &Path) -> Vec<Scenario> {
    let filter = std::env::var("PGRIFT_SCENARIO").ok();
    let mut found: Vec<Scenario> = std::fs::read_dir(corpus)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|dir| dir.join("a.sql").is_file() && dir.join("b.sql").is_file())
        .filter_map(|dir| {
            let name = dir.file_name()?.to_string_lossy().into_owned();
            if filter
                .as_deref()
                .is_some_and(|f| !f.split(',').any(|word| name.contains(word)))
            {
                return None;
            }
            let meta: serde_json::Value = std::fs::read_to_string(dir.join("meta.json"))
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(serde_json::Value::Null);
            Some(Scenario {
                family: name.split("--").next().unwrap_or(&name).to_owned(),
                name,
                min_major: meta["minVersion"].as_i64().map(|v| v as i32),
                isolated: meta["isolatedCluster"].as_bool().unwrap_or(false),
                dir,
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

#[test]
#[ignore = "runs an external corpus: scripts/conformance DIR"]
fn corpus() {
    let corpus = PathBuf::from(std::env::var_os("PGRIFT_CORPUS").expect(
        "PGRIFT_CORPUS names the corpus directory (run it through scripts/conformance DIR)",
    ));
    let scenarios = scenarios(&corpus);
    assert!(
        !scenarios.is_empty(),
        "{} holds no scenario (a directory with a.sql and b.sql)",
        corpus.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let shared = runtime.block_on(support::shared_cluster());
    let version = shared.server_version_num();

    let (isolated, pooled): (Vec<&Scenario>, Vec<&Scenario>) =
        scenarios.iter().partition(|s| s.isolated);
    let mut results: BTreeMap<String, (Verdict, Verdict)> = runtime.block_on(
        stream::iter(pooled)
            .map(|scenario| {
                let cluster = shared.clone();
                async move {
                    (
                        scenario.name.clone(),
                        run(&cluster, scenario, version).await,
                    )
                }
            })
            .buffer_unordered(PARALLEL)
            .collect(),
    );
    // Scenarios that create roles get a cluster each, one at a time.
    for scenario in isolated {
        let outcome = runtime.block_on(async {
            let cluster = Arc::new(support::start_cluster().await);
            run(&cluster, scenario, version).await
        });
        results.insert(scenario.name.clone(), outcome);
    }
    report(&scenarios, &results, version);
}

async fn run(cluster: &Arc<Cluster>, scenario: &Scenario, version: i32) -> (Verdict, Verdict) {
    if let Some(reason) = support::skip_reason(scenario.min_major, version) {
        return (Verdict::Skipped(reason.clone()), Verdict::Skipped(reason));
    }
    let seed = |name: &str| Some(scenario.dir.join(name)).filter(|p| p.is_file());
    let files = Files {
        from: scenario.dir.join("a.sql"),
        to: scenario.dir.join("b.sql"),
        seed_from: seed("seed.sql"),
        seed_to: seed("seed-b.sql"),
    };
    let (forward, backward) = roundtrip::run_files(cluster, &files).await;
    let forward = forward.map(|_| ());
    if forward.is_ok() && backward.is_ok() {
        return (Verdict::Proven, Verdict::Proven);
    }
    let warned = warned_kinds(cluster, &files).await;
    let refused = |outcome: &Result<(), String>| outcome.as_ref().is_err_and(|e| unloadable(e));
    let (trusted_forward, trusted_backward) = if refused(&forward) || refused(&backward) {
        let (forward, backward) = roundtrip::run_trusted_files(cluster, &files).await;
        (forward.is_ok(), backward.is_ok())
    } else {
        (false, false)
    };
    let judge = |outcome: Result<(), String>, trusted: bool| match outcome {
        Ok(()) => Verdict::Proven,
        Err(e) if unloadable(&e) => Verdict::Unloadable(e, trusted),
        Err(e) if !warned.is_empty() => Verdict::NotModelled(warned.clone(), e),
        Err(e) => Verdict::Failed(e),
    };
    (
        judge(forward, trusted_forward),
        judge(backward, trusted_backward),
    )
}

/// Whether a transition failed because a file did not load: the round
/// trip's errors for that start with `loading`.
fn unloadable(error: &str) -> bool {
    error.starts_with("loading ")
}

/// The kinds of the warnings pgrift gives for either side, each once.
async fn warned_kinds(cluster: &Arc<Cluster>, files: &Files) -> Vec<String> {
    let shadow = Shadow::with_cluster(cluster.clone());
    let mut kinds = Vec::new();
    for file in [&files.from, &files.to] {
        let Ok(db) = roundtrip::load(&shadow, &[file], None).await else {
            continue;
        };
        let name = db.name().to_owned();
        if let Ok(catalog) = roundtrip::catalog(cluster, &name).await {
            kinds.extend(catalog.warnings.into_iter().map(|w| w.kind));
        }
        let _ = db.close().await;
        let _ = cluster.drop_database(&name).await;
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

fn report(scenarios: &[Scenario], results: &BTreeMap<String, (Verdict, Verdict)>, version: i32) {
    #[derive(Default)]
    struct Count {
        transitions: usize,
        proven: usize,
        unloadable: usize,
        trusted: usize,
        not_modelled: usize,
        failed: usize,
        skipped: usize,
    }
    let mut families: BTreeMap<&str, Count> = BTreeMap::new();
    let mut total = Count::default();
    let mut lines = Vec::new();
    for scenario in scenarios {
        let Some((forward, backward)) = results.get(&scenario.name) else {
            continue;
        };
        let family = families.entry(&scenario.family).or_default();
        for (direction, result) in [("a -> b", forward), ("b -> a", backward)] {
            for count in [&mut *family, &mut total] {
                count.transitions += 1;
                match result {
                    Verdict::Proven => count.proven += 1,
                    Verdict::Skipped(_) => count.skipped += 1,
                    Verdict::Unloadable(_, trusted) => {
                        count.unloadable += 1;
                        count.trusted += usize::from(*trusted);
                    }
                    Verdict::NotModelled(..) => count.not_modelled += 1,
                    Verdict::Failed(_) => count.failed += 1,
                }
            }
            match result {
                Verdict::Unloadable(e, trusted) => lines.push(format!(
                    "unloadable ({}) {} {direction}: {}",
                    if *trusted {
                        "proven when trusted"
                    } else {
                        "not proven when trusted either"
                    },
                    scenario.name,
                    first_lines(e)
                )),
                Verdict::Failed(e) => lines.push(format!(
                    "FAILED {} {direction}: {}",
                    scenario.name,
                    first_lines(e)
                )),
                Verdict::NotModelled(kinds, e) => lines.push(format!(
                    "not modelled ({}) {} {direction}: {}",
                    kinds.join(", "),
                    scenario.name,
                    first_lines(e)
                )),
                _ => {}
            }
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "conformance on PostgreSQL {}: {} of {} transitions proven both ways \
         ({} with a file the shadow database's role may not load, of which {} are proven \
         when the files are trusted (--shadow-superuser); {} failed where \
         pgrift warns that something is not modelled, {} failed without such a \
         warning, {} skipped for the server version)\n\n",
        support::major(version),
        total.proven,
        total.transitions,
        total.unloadable,
        total.trusted,
        total.not_modelled,
        total.failed,
        total.skipped
    ));
    out.push_str(
        "family                                   proven / transitions  unloadable  (trusted)  not-modelled  failed  skipped\n",
    );
    for (family, c) in &families {
        out.push_str(&format!(
            "{family:<40} {:>6} / {:<11}  {:>10}  {:>9}  {:>12}  {:>6}  {:>7}\n",
            c.proven, c.transitions, c.unloadable, c.trusted, c.not_modelled, c.failed, c.skipped
        ));
    }
    out.push('\n');
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(path) = std::env::var_os("PGRIFT_CONFORMANCE_REPORT") {
        std::fs::write(&path, &out).unwrap_or_else(|e| panic!("write the report: {e}"));
    }
    eprintln!("{out}");
}

/// The start of an error, for a one-line summary.
fn first_lines(error: &str) -> String {
    let line: String = error.lines().take(3).collect::<Vec<_>>().join(" | ");
    if line.len() > 300 {
        let mut end = 300;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &line[..end])
    } else {
        line
    }
}
