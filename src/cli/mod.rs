//! The command line: arguments parsed once into validated values, one file
//! per command.

mod diff;
mod error;
mod plan;
mod report;
mod risk;
mod snapshot;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

pub use error::CliError;

use pgrift::catalog::Warning;
use pgrift::introspect::Limits;
use pgrift::source::{self, ConnInfo, Loaded, Shadow, SourceSpec};
use pgrift::sql::visible;

/// Exit status: success, and no differences when `--exit-code` is given.
pub const EXIT_OK: u8 = 0;
/// Exit status with `--exit-code`: the schemas differ.
pub const EXIT_DIFFERENCES: u8 = 1;
/// Exit status: an error (bad argument, unreachable database, SQL error).
pub const EXIT_ERROR: u8 = 2;
/// Exit status with `--fail-on`: the forward script has a risk at or above
/// the given severity.
pub const EXIT_RISK: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "pgrift",
    version,
    about = "PostgreSQL schema diff and migration-script generator",
    long_about = "pgrift compares two PostgreSQL schemas, FROM (the database as it is) and TO (the schema \
                  wanted), and writes the SQL that turns FROM into TO, ordered by dependencies, together \
                  with the reverse script that turns it back.",
    after_help = concat!(
        "A schema is one of:\n",
        "  postgres://user@host:5432/db   a live database (URL or \"host=… dbname=…\"; PG* variables and ~/.pgpass apply)\n",
        "  schema.sql | migrations/       SQL loaded into a throwaway shadow database (a directory: its .sql files in lexical order)\n",
        "  snapshot.json                  a snapshot written by `pgrift snapshot`\n",
        "  empty                          a fresh database with nothing in it\n\n",
        "Exit status: 0 success; 1 differences found (diff --exit-code); 2 error, also when a \
         script needs a newer PostgreSQL than the server it is for; 3 a risk at or above --fail-on."
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the SQL script that turns FROM into TO
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift diff postgres://localhost/prod schema/            # the SQL that brings prod to schema/\n",
        "  pgrift diff prod.json dev.sql --reverse                  # the rollback script\n",
        "  pgrift diff $PROD_URL schema.sql --exit-code >/dev/null  # exit 1 on drift\n",
        "  pgrift diff $PROD_URL schema.sql --fail-on high          # exit 3 on a high risk\n\n",
        "Each statement's comment lists its risks; with a live FROM they are measured on its data.\n\n",
        "Exit status: 0 success; 1 differences found (with --exit-code); 2 error; 3 a risk at or above --fail-on."
    ))]
    Diff(diff::DiffArgs),
    /// Write forward.sql, reverse.sql, plan.json, report.md and report.json into a directory
    #[command(after_help = concat!(
        "Example:\n",
        "  pgrift plan postgres://localhost/prod schema/ --out release-42/\n\n",
        "Each statement's comment lists its risks; DIR/report.md (for a reviewer) and \
         DIR/report.json (for tools) hold them all.\n\n",
        "Exit status: 0 success; 2 error; 3 a risk at or above --fail-on."
    ))]
    Plan(plan::PlanArgs),
    /// Report what each statement of both scripts risks: data loss, locks, rewrites, failures
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift report postgres://localhost/prod schema/               # measured on prod's data\n",
        "  pgrift report prod.json schema.sql --fail-on medium          # a CI gate, no probes\n\n",
        "Exit status: 0 success; 2 error; 3 a risk at or above --fail-on."
    ))]
    Report(report::ReportArgs),
    /// Write a schema's catalog as a JSON snapshot
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift snapshot postgres://localhost/prod -o prod.json\n",
        "  pgrift diff prod.json schema.sql                         # diff against the snapshot later\n\n",
        "Exit status: 0 success; 2 error."
    ))]
    Snapshot(snapshot::SnapshotArgs),
}

/// Options shared by every command that loads schemas.
#[derive(Debug, Args)]
pub struct ShadowArgs {
    /// Load .sql sources into temporary databases on this server instead of a
    /// throwaway cluster (e.g. postgres://postgres@localhost/postgres); the
    /// temporary databases are always dropped
    #[arg(long, value_name = "URL", env = "PGRIFT_SHADOW_URL")]
    pub shadow_url: Option<String>,
    /// Run the .sql files as a superuser instead of a role without superuser
    /// rights. Dangerous: a file can then run programs as the server's
    /// account, read and write its files and reach other servers; only for
    /// trusted files that need it
    #[arg(long)]
    pub shadow_superuser: bool,
    /// Do not print warnings about objects pgrift does not model
    #[arg(long, short)]
    pub quiet: bool,
    /// The longest reading a catalog waits for a lock another session holds
    /// on a table (an ALTER TABLE or LOCK TABLE in an open transaction);
    /// the error then names the table and the session. 0 waits as long as
    /// --catalog-timeout allows
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = risk::parse_limit)]
    pub catalog_lock_timeout: Duration,
    /// The longest reading one schema's catalog may take; 0 waits as long
    /// as it takes
    #[arg(long, value_name = "DURATION", default_value = "5min", value_parser = risk::parse_limit)]
    pub catalog_timeout: Duration,
    /// The longest loading one schema's .sql files into the shadow may take;
    /// 0 waits as long as it takes
    #[arg(long, value_name = "DURATION", default_value = "10min", value_parser = risk::parse_limit)]
    pub load_timeout: Duration,
}

impl ShadowArgs {
    /// How long reading a catalog may wait on its server.
    pub fn limits(&self) -> Limits {
        let limit = |d: Duration| (!d.is_zero()).then_some(d);
        Limits {
            lock: limit(self.catalog_lock_timeout),
            read: limit(self.catalog_timeout),
            load: limit(self.load_timeout),
        }
    }
}

/// A schema argument as given and as understood.
pub struct SourceArg {
    pub spec: SourceSpec,
}

pub fn parse_source(arg: &str) -> Result<SourceArg, CliError> {
    Ok(SourceArg {
        spec: source::parse(arg)?,
    })
}

pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Diff(args) => diff::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        Command::Report(args) => report::run(args).await,
        Command::Snapshot(args) => snapshot::run(args).await,
    }
}

/// Loads FROM and TO concurrently, sharing one shadow server.
pub async fn load_pair(
    from: &str,
    to: &str,
    shadow: &ShadowArgs,
) -> Result<(Loaded, Loaded), CliError> {
    load_pair_timed(from, to, shadow, &mut Timings::off()).await
}

/// Like [`load_pair`], recording how long each side took to load.
pub async fn load_pair_timed(
    from: &str,
    to: &str,
    shadow: &ShadowArgs,
    timings: &mut Timings,
) -> Result<(Loaded, Loaded), CliError> {
    let (from, to) = load_pair_then(from, to, shadow, timings, |loaded| loaded).await?;
    print_source_warnings(&from, &to);
    Ok((from, to))
}

/// Like [`load_pair_timed`], and hands each side, as soon as it is loaded,
/// to `then` on a thread of its own, while the other side may still be
/// loading: work on one catalog alone (indexing it for the diff) then takes
/// no time of its own when the two sides take different times to load.
/// Source warnings are left to the caller, which `then` may have taken the
/// catalogs from.
pub async fn load_pair_then<T: Send + 'static>(
    from: &str,
    to: &str,
    shadow: &ShadowArgs,
    timings: &mut Timings,
    then: fn(Loaded) -> T,
) -> Result<(T, T), CliError> {
    let from = parse_source(from)?;
    let to = parse_source(to)?;
    let limits = shadow.limits();
    let shadow = Arc::new(make_shadow(shadow)?);
    // Each side is a task of its own, so that reading and assembling the
    // rows of the two catalogs runs on two threads; in one task the two
    // would take turns on one. Dropping the set aborts the other side's
    // task when one fails, which runs its cleanup like any cancelled future.
    let mut tasks = tokio::task::JoinSet::new();
    for (side, spec) in [(Side::From, from.spec), (Side::To, to.spec)] {
        let shadow = Arc::clone(&shadow);
        tasks.spawn(async move {
            let start = Instant::now();
            let loaded = match source::load_with(&spec, &shadow, &limits).await {
                Ok(loaded) => loaded,
                Err(e) => return (side, Err(e)),
            };
            let elapsed = start.elapsed();
            let done = tokio::task::spawn_blocking(move || then(loaded)).await;
            match done {
                Ok(done) => (side, Ok((done, elapsed))),
                Err(e) => match e.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    Err(e) => unreachable!("blocking work is never cancelled: {e}"),
                },
            }
        });
    }
    let (mut from, mut to) = (None, None);
    while let Some(joined) = tasks.join_next().await {
        // Nothing aborts these tasks while they are awaited, so a task
        // only fails by panicking, and the panic goes on here.
        let (side, loaded) = match joined {
            Ok(done) => done,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => unreachable!("a schema's task was cancelled: {e}"),
            },
        };
        match side {
            Side::From => from = Some(loaded?),
            Side::To => to = Some(loaded?),
        }
    }
    let (Some((from, from_time)), Some((to, to_time))) = (from, to) else {
        unreachable!("both tasks ran to the end");
    };
    timings.record("load FROM (introspection)", from_time);
    timings.record("load TO (introspection)", to_time);
    Ok((from, to))
}

/// Which of the two schemas of a comparison.
#[derive(Debug, Clone, Copy)]
enum Side {
    From,
    To,
}

/// Phase timings, printed to stderr with `--timings`.
pub struct Timings {
    enabled: bool,
    started: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    pub fn new(enabled: bool) -> Timings {
        Timings {
            enabled,
            started: Instant::now(),
            phases: Vec::new(),
        }
    }

    pub fn off() -> Timings {
        Timings::new(false)
    }

    pub fn record(&mut self, phase: &'static str, took: Duration) {
        self.phases.push((phase, took));
    }

    /// Runs `work` and records how long it took.
    pub fn time<T>(&mut self, phase: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.record(phase, start.elapsed());
        out
    }

    /// Prints one line per phase and the total, if enabled.
    pub fn print(&self) {
        if !self.enabled {
            return;
        }
        for (phase, took) in &self.phases {
            eprintln!("timing: {phase}: {:.1} ms", took.as_secs_f64() * 1000.0);
        }
        eprintln!(
            "timing: total: {:.1} ms",
            self.started.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// The shadow server `.sql` sources are loaded into: a throwaway cluster
/// started on first use, or the server `--shadow-url` names.
pub fn make_shadow(args: &ShadowArgs) -> Result<Shadow, CliError> {
    let shadow = match &args.shadow_url {
        Some(url) => Shadow::server(ConnInfo::parse(url)?),
        None => Shadow::local(),
    };
    Ok(if args.shadow_superuser {
        shadow.load_as_superuser()
    } else {
        shadow
    })
}

/// Refuses a plan that uses features the server of `target`, where the
/// script runs, does not have, or installs extension versions it does not
/// offer. A target of unknown version (`empty`, a snapshot that does not
/// record it) is not checked for features; extensions are checked only on a
/// live target, since a shadow database's server is not where the script
/// runs.
pub fn check_compat(
    plan: &pgrift::plan::Plan,
    target: &Loaded,
    script: &'static str,
    side: &'static str,
) -> Result<(), CliError> {
    if let Some(version) = target.server_version_num {
        pgrift::plan::check_compat(plan, version).map_err(|source| CliError::Compat {
            script,
            side,
            source,
        })?;
    }
    if let Some(available) = &target.available_extensions {
        pgrift::plan::check_extensions(plan, available).map_err(|source| CliError::Extensions {
            script,
            side,
            source,
        })?;
    }
    Ok(())
}

/// Prints what loading a source had to say (an ignored password file …).
fn print_source_warnings(from: &Loaded, to: &Loaded) {
    let mut seen = std::collections::BTreeSet::new();
    for warning in from.warnings.iter().chain(&to.warnings) {
        if seen.insert(warning) {
            eprintln!("warning: {}", visible(&warning.to_string()));
        }
    }
}

/// Prints warnings about what the diff does not cover, once each.
pub fn print_warnings(warnings: &[Warning], quiet: bool) {
    if quiet {
        return;
    }
    for warning in warnings {
        eprintln!("warning: {}", visible(&warning.message));
    }
}

/// Writes a file, naming it in the error.
pub fn write_file(path: &PathBuf, contents: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, contents).map_err(|source| CliError::Write {
        path: path.clone(),
        source,
    })
}
