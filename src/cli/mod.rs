//! The command line: arguments parsed once into validated values, one file
//! per command.

mod apply;
mod config;
mod diff;
mod drift;
mod error;
mod history;
mod plan;
mod purge;
mod rehearse;
mod report;
mod risk;
mod rollback;
mod shell;
mod snapshot;
mod values;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

pub use error::CliError;

use pgrift::catalog::Warning;
use pgrift::deploy;
use pgrift::introspect::Limits;
use pgrift::plan::Timeouts;
use pgrift::source::{self, ConnInfo, Shadow, SourceSpec};
use pgrift::sql::visible;
use pgrift::{CompareError, Comparison, Options, Timings, Warnings};

use risk::RiskConfig;

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
    /// Write forward.sql, reverse.sql, plan.json (with from.json and to.json), report.md and report.json into a directory
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift plan postgres://localhost/prod schema/ --out release-42/\n",
        "  pgrift plan $PROD_URL schema/ --out db/migrations --layout dbmate --name add_refunds\n\n",
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
    /// Apply a plan to a live database, behind a drift guard, and record it
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift plan $PROD_URL schema/ --out release-42/ && pgrift apply release-42/ --db $PROD_URL\n",
        "  pgrift apply release-42/ --db $PROD_URL --dry-run        # run it all, roll it back\n",
        "  pgrift apply release-42/ --db $PROD_URL --backup backups/ --fail-on high --allow drop-column:public.users.legacy\n",
        "  pgrift apply $DEV_URL schema/ --yes                      # plan and apply in one step\n\n",
        "Before the first statement the database is compared with the plan's FROM; if it changed \
         since the plan was made, nothing runs. Each deployment is recorded in pgrift.deployments \
         with its scripts; `pgrift rollback` undoes it.\n\n",
        "Exit status: 0 success; 2 error, drift, or a statement failed; 3 a risk at or above --fail-on."
    ))]
    Apply(apply::ApplyArgs),
    /// Undo a deployment with its recorded reverse script
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift rollback $PROD_URL           # the last deployment that succeeded\n",
        "  pgrift rollback $PROD_URL 7 --dry-run\n\n",
        "The database must still be the deployment's TO; if it changed since, nothing runs.\n\n",
        "Exit status: 0 success; 2 error, drift, or a statement failed."
    ))]
    Rollback(rollback::RollbackArgs),
    /// Drop what --park-drops parked, once it is old enough
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift purge $PROD_URL                        # list what is parked, and the purge of what is a week old\n",
        "  pgrift purge $PROD_URL --older-than 30d --execute\n",
        "  pgrift purge $PROD_URL --older-than 0 --dry-run   # run it all, roll it back\n\n",
        "Nothing is dropped without --execute. The purge runs like a deployment: under \
         --lock-timeout, behind the drift guard, recorded in pgrift.deployments as a purge, which \
         no rollback undoes.\n\n",
        "Exit status: 0 success; 2 error, or a statement failed."
    ))]
    Purge(purge::PurgeArgs),
    /// Check that a database is a plan's TO, after applying it
    #[command(after_help = concat!(
        "Example:\n",
        "  pgrift verify release-42/ --db $PROD_URL\n\n",
        "Exit status: 0 the database matches the plan's TO; 1 it differs (the changes are listed); 2 error."
    ))]
    Verify(verify::VerifyArgs),
    /// Compare one reference schema with many databases at once
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift drift --reference schema/ $TENANT_1_URL $TENANT_2_URL\n",
        "  pgrift drift --reference prod --targets tenants.txt --jobs 16 --out drift/ --format json\n\n",
        "Each target is compared with the reference (read once); the table says whether it is in \
         sync, what the script that brings it in line adds (+), changes (~), replaces (±) and drops (-), \
         and its worst risk. --out writes each target's forward.sql and report.md.\n\n",
        "Exit status: 0 every target in sync; 1 some differ; 2 a target could not be checked, or another error."
    ))]
    Drift(drift::DriftArgs),
    /// Try a deployment on a copy of FROM in a shadow database: forward, back, rows kept
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift rehearse $PROD_URL schema/ --seed sample-rows.sql\n",
        "  pgrift rehearse schema-v1/ schema-v2/ --shadow-url postgres://ci@localhost/postgres\n\n",
        "FROM's schema is built in a new shadow database (its .sql files, or the script from an \
         empty database to FROM's catalog), the seed rows are loaded, and the plan is applied, \
         checked against TO, rolled back and checked against FROM, as `apply` and `rollback` would; \
         each statement's time is printed. The database is dropped at the end.\n\n",
        "Exit status: 0 the rehearsal passed; 1 a script did not reach its side or rows were lost; 2 error."
    ))]
    Rehearse(rehearse::RehearseArgs),
    /// List the deployments recorded in a database, or show one with its scripts
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift history $PROD_URL\n",
        "  pgrift history $PROD_URL 7            # with its forward and reverse scripts\n",
        "  pgrift history $PROD_URL --format json\n\n",
        "A deployment left running by a session that is gone shows as interrupted.\n\n",
        "Exit status: 0 success; 2 error."
    ))]
    History(history::HistoryArgs),
    /// Print a shell's completion script for pgrift
    #[command(after_help = concat!(
        "Examples:\n",
        "  pgrift completions bash > ~/.local/share/bash-completion/completions/pgrift\n",
        "  pgrift completions zsh > ~/.zfunc/_pgrift                # with fpath+=~/.zfunc\n",
        "  pgrift completions fish > ~/.config/fish/completions/pgrift.fish\n\n",
        "Exit status: 0 success; 2 error."
    ))]
    Completions(shell::CompletionsArgs),
    /// Print pgrift's manual page (roff), with a section for each command
    #[command(after_help = concat!(
        "Example:\n",
        "  pgrift man > ~/.local/share/man/man1/pgrift.1 && man pgrift\n\n",
        "Exit status: 0 success; 2 error."
    ))]
    Man,
    /// Print the project file (pgrift.toml) as pgrift reads it, secrets hidden
    #[command(after_help = concat!(
        "pgrift.toml is found in the current directory or the nearest parent, or where PGRIFT_CONFIG says:\n\n",
        "  [env.prod]\n",
        "  url = \"${PROD_DATABASE_URL}\"\n",
        "  [env.dev]\n",
        "  sql = \"schema/\"\n",
        "  [filter]\n",
        "  exclude_schemas = [\"audit\"]\n",
        "  [risk]\n",
        "  fail_on = \"high\"\n",
        "  [[accept]]\n",
        "  rule = \"drop-column\"\n",
        "  object = \"public.users.legacy_email\"\n",
        "  reason = \"moved to profiles (#412)\"\n",
        "  expires = \"2027-01-31\"\n\n",
        "Then: pgrift diff prod dev. Command-line options win over the file.\n\n",
        "Exit status: 0 success; 2 error (a malformed file, named with its line and column)."
    ))]
    Config(config::ConfigArgs),
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
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = values::parse_limit)]
    pub catalog_lock_timeout: Duration,
    /// The longest reading one schema's catalog may take; 0 waits as long
    /// as it takes
    #[arg(long, value_name = "DURATION", default_value = "5min", value_parser = values::parse_limit)]
    pub catalog_timeout: Duration,
    /// The longest loading one schema's .sql files into the shadow may take;
    /// 0 waits as long as it takes
    #[arg(long, value_name = "DURATION", default_value = "10min", value_parser = values::parse_limit)]
    pub load_timeout: Duration,
    #[command(flatten)]
    pub history: HistorySchema,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// What to leave out of both sides before the diff.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Compare only the schemas this pattern names (pg_dump's syntax: * and
    /// ? wildcards, "Quoted" names kept as written); repeatable
    #[arg(long = "schema", short = 'n', value_name = "PATTERN", value_parser = parse_pattern)]
    pub schemas: Vec<String>,
    /// Leave out the schemas this pattern names; repeatable
    #[arg(long, short = 'N', value_name = "PATTERN", value_parser = parse_pattern)]
    pub exclude_schema: Vec<String>,
    /// Leave out the objects this pattern names (schema.name or name: a
    /// table, view, sequence, type, function or extension, with everything
    /// on it); repeatable
    #[arg(long, value_name = "PATTERN", value_parser = parse_pattern)]
    pub exclude: Vec<String>,
}

impl FilterArgs {
    pub fn filter(&self) -> pgrift::catalog::Filter {
        pgrift::catalog::Filter {
            schemas: self.schemas.clone(),
            exclude_schemas: self.exclude_schema.clone(),
            exclude: self.exclude.clone(),
            ignore: Vec::new(),
        }
    }
}

fn parse_pattern(text: &str) -> Result<String, String> {
    pgrift::pattern::Pattern::parse(text).map(|_| text.to_owned())
}

/// Where deployments are recorded.
#[derive(Debug, Args)]
pub struct HistorySchema {
    /// The schema where `pgrift apply` records deployments; it is left out
    /// of every comparison
    #[arg(
        long = "history-schema",
        value_name = "SCHEMA",
        default_value = "pgrift",
        env = "PGRIFT_HISTORY_SCHEMA"
    )]
    pub history_schema: String,
}

impl ShadowArgs {
    /// How long reading a catalog may wait on its server.
    pub fn limits(&self) -> Limits {
        Limits {
            lock: limit(self.catalog_lock_timeout),
            read: limit(self.catalog_timeout),
            load: limit(self.load_timeout),
        }
    }
}

/// The name the command line gives `value` of its option.
pub fn value_name(value: impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// A limit given on the command line, where `0` means none.
fn limit(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

/// What the written scripts leave out, and how long they let their
/// statements wait.
#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// Leave this out of both sides before comparing them, for environments
    /// that differ on purpose: privileges (no GRANT or REVOKE is compared
    /// or written), owners (no owner is compared, no OWNER TO written),
    /// comments (no COMMENT ON), policies (no row-level security policy;
    /// whether a table enables row-level security is still compared),
    /// extension-versions (extensions compared by name and schema, created
    /// at the server's default version), column-order (no note about
    /// columns that stand in another order). Comma-separated or repeated
    #[arg(long, value_name = "WHAT", value_enum, value_delimiter = ',')]
    pub ignore: Vec<Ignored>,
    /// Read the role FROM as the role TO on both sides (owners, grantees,
    /// the roles of policies), for environments whose roles are named
    /// differently: scripts then name TO. Repeated for each role; instead
    /// of pgrift.toml's [roles] map
    #[arg(long = "map-role", value_name = "FROM=TO", value_parser = pgrift::catalog::role_map::RoleMap::parse_pair)]
    pub map_role: Vec<(String, String)>,
    /// The lock_timeout each script sets: a statement that waits longer for
    /// a lock gives up and the script stops, its transaction rolled back,
    /// instead of queueing every query on the table behind it. 0 leaves the
    /// server's setting [default: 5s, or [script] lock_timeout in
    /// pgrift.toml; apply and rollback keep the plan's]
    #[arg(long, value_name = "DURATION", value_parser = values::parse_limit)]
    pub lock_timeout: Option<Duration>,
    /// The statement_timeout each script sets; none by default, since
    /// rewriting a large table may rightly take hours. 0 leaves the server's
    /// setting; apply and rollback keep the plan's unless given one
    #[arg(long, value_name = "DURATION", value_parser = values::parse_limit)]
    pub statement_timeout: Option<Duration>,
    /// Write changes to existing tables with the weakest locks: indexes
    /// built and dropped CONCURRENTLY, foreign keys and checks added NOT
    /// VALID and validated apart, keys over concurrently built indexes,
    /// SET NOT NULL proven by a validated check; these run outside the
    /// script's main transaction
    #[arg(long)]
    pub online: bool,
    /// Park what the forward script drops instead of dropping it: a table
    /// moves into schema pgrift_parked under a dated name, a column is
    /// renamed to a dated name with its NOT NULL dropped, and the reverse
    /// script moves them back with their rows. pgrift purge drops them for
    /// good
    #[arg(long)]
    pub park_drops: bool,
    /// Also compare the roles both sides' objects use, and the roles they
    /// are members of or have as members: attributes, memberships and
    /// settings, never passwords. Scripts then create, alter and drop
    /// roles, which are cluster objects, before and after everything else.
    /// Each side must be a live database or a snapshot taken with --roles
    #[arg(long)]
    pub roles: bool,
    /// Create the subscriptions TO has and FROM lacks, or that must be
    /// created again. Creating an enabled subscription connects to its
    /// publisher and creates its replication slot there (outside the
    /// script's transaction); a disabled one is created without connecting.
    /// Without it, each is left out with a warning [default: off, or
    /// [script] create_subscriptions in pgrift.toml]
    #[arg(long)]
    pub create_subscriptions: bool,
    /// An object renamed rather than dropped and created: a schema
    /// (app=billing), a table, view, index, sequence, type or function
    /// (public.orders=purchases), or a column or constraint
    /// (public.users.fullname=name), named as FROM has it, the new name
    /// without its schema or table; names quoted as pg_dump reads them.
    /// Repeated; replaces the project file's renames
    #[arg(long = "rename", value_name = "OLD=NEW", value_parser = parse_rename)]
    pub renames: Vec<pgrift::catalog::Rename>,
    /// Move a column renamed by --rename, or retyped in a way that rewrites
    /// the table or may fail, in two phases. expand (the default): add the
    /// new column, a trigger keeping both in step, and a batched,
    /// resumable backfill. contract, planned from the expanded database
    /// once the application uses the new column: drop the old column, the
    /// trigger and its function
    #[arg(
        long,
        value_name = "PHASE",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "expand"
    )]
    pub expand_contract: Option<PhaseArg>,
    /// The rows each batch of an --expand-contract backfill fills and
    /// commits [default: 10000, or [script] batch_size in pgrift.toml]
    #[arg(long, value_name = "ROWS", value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: Option<u64>,
}

/// The phase `--expand-contract` plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PhaseArg {
    Expand,
    Contract,
}

fn parse_rename(text: &str) -> Result<pgrift::catalog::Rename, String> {
    pgrift::catalog::Rename::parse(text)
}

/// What `--ignore` leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ignored {
    Privileges,
    Owners,
    Comments,
    Policies,
    ExtensionVersions,
    ColumnOrder,
}

impl ScriptArgs {
    /// The parts `--ignore` names, sorted and without repeats.
    pub fn ignore(&self) -> Vec<pgrift::catalog::Ignore> {
        use pgrift::catalog::Ignore;
        let mut parts: Vec<Ignore> = self
            .ignore
            .iter()
            .map(|part| match part {
                Ignored::Privileges => Ignore::Privileges,
                Ignored::Owners => Ignore::Owners,
                Ignored::Comments => Ignore::Comments,
                Ignored::Policies => Ignore::Policies,
                Ignored::ExtensionVersions => Ignore::ExtensionVersions,
                Ignored::ColumnOrder => Ignore::ColumnOrder,
            })
            .collect();
        parts.sort();
        parts.dedup();
        parts
    }

    /// What `--expand-contract` and `--batch-size` ask, else the project
    /// file's `[script]` defaults.
    fn expand_contract(
        &self,
        project: Option<&config::Loaded>,
    ) -> Option<pgrift::plan::expand::ExpandContract> {
        use pgrift::plan::expand::{DEFAULT_BATCH_SIZE, ExpandContract, Phase};
        let defaults = project.map(|p| &p.config.script);
        let phase = match self.expand_contract {
            Some(PhaseArg::Expand) => Phase::Expand,
            Some(PhaseArg::Contract) => Phase::Contract,
            None if defaults.is_some_and(|d| d.expand_contract) => Phase::Expand,
            None => return None,
        };
        Some(ExpandContract {
            phase,
            batch_size: self
                .batch_size
                .or(defaults.and_then(|d| d.batch_size))
                .unwrap_or(DEFAULT_BATCH_SIZE),
        })
    }

    /// The limits the scripts set: those given, else the project file's,
    /// else a lock_timeout of 5 seconds and no statement_timeout.
    pub fn timeouts(&self) -> Result<Timeouts, CliError> {
        let (lock, statement) = self.given_timeouts()?;
        Ok(Timeouts {
            lock: limit(lock.unwrap_or(Duration::from_secs(5))),
            statement: statement.and_then(limit),
        })
    }

    /// The limits a deployment runs a plan under: those given, else the
    /// project file's, else the ones the plan's scripts set.
    pub fn deploy_limits(&self) -> Result<(deploy::Limit, deploy::Limit), CliError> {
        let over = |given: Option<Duration>| match given.map(limit) {
            None => deploy::Limit::Planned,
            Some(None) => deploy::Limit::Server,
            Some(Some(limit)) => deploy::Limit::Set(limit),
        };
        let (lock, statement) = self.given_timeouts()?;
        Ok((over(lock), over(statement)))
    }

    /// The lock_timeout and statement_timeout given, else the project
    /// file's.
    fn given_timeouts(&self) -> Result<(Option<Duration>, Option<Duration>), CliError> {
        let script = config::load()?.map(|p| &p.config.script);
        Ok((
            self.lock_timeout.or(script.and_then(|s| s.lock_timeout)),
            self.statement_timeout
                .or(script.and_then(|s| s.statement_timeout)),
        ))
    }
}

/// A schema argument as given and as understood.
pub struct SourceArg {
    pub spec: SourceSpec,
}

/// A live database argument: a connection string, or an environment of
/// the project file whose `url` it is.
pub fn live_database(arg: &str, command: &'static str) -> Result<ConnInfo, CliError> {
    match parse_source(arg)?.spec {
        SourceSpec::Url(info) => Ok(info),
        other => Err(CliError::Usage {
            command,
            message: format!(
                "{} is not a live database: deployments go to a connection string or an environment with a url",
                other.label()
            ),
        }),
    }
}

/// A schema argument: an environment of the project file by its name, or
/// any of the forms `source::parse` reads. A bare word that is neither,
/// where a project file exists, is an unknown environment.
pub fn parse_source(arg: &str) -> Result<SourceArg, CliError> {
    let project = config::load()?;
    if let Some(project) = project
        && let Some(spec) = project.source(arg)?
    {
        return Ok(SourceArg { spec });
    }
    match source::parse(arg) {
        Ok(spec) => Ok(SourceArg { spec }),
        Err(error) => match project {
            Some(project)
                if !arg.is_empty()
                    && arg
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
            {
                Err(CliError::UnknownEnv {
                    name: arg.to_owned(),
                    path: project.path.clone(),
                    known: project.names().into_iter().map(str::to_owned).collect(),
                })
            }
            _ => Err(error.into()),
        },
    }
}

pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Diff(args) => diff::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        Command::Report(args) => report::run(args).await,
        Command::Snapshot(args) => snapshot::run(args).await,
        Command::Apply(args) => apply::run(args).await,
        Command::Rollback(args) => rollback::run(args).await,
        Command::Purge(args) => purge::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Drift(args) => drift::run(args).await,
        Command::Rehearse(args) => rehearse::run(args).await,
        Command::History(args) => history::run(args).await,
        Command::Completions(args) => shell::completions(&args),
        Command::Man => shell::man(),
        Command::Config(args) => config::run(args),
    }
}

/// Runs [`pgrift::compare`]. When it refuses a script, what it had to say
/// up to the refusal is printed before the error: the sources' warnings
/// and, with `not_modelled_first`, what the diff does not cover (`diff`
/// prints those before its check, `plan` after its checks).
pub async fn compare(
    from: &SourceArg,
    to: &SourceArg,
    options: &Options,
    quiet: bool,
    not_modelled_first: bool,
) -> Result<Comparison, CliError> {
    pgrift::compare(&from.spec, &to.spec, options)
        .await
        .map_err(|error| {
            if let CompareError::Compat { warnings, .. }
            | CompareError::Roles { warnings, .. }
            | CompareError::Extensions { warnings, .. } = &error
            {
                print_source_warnings(&warnings.sources);
                if not_modelled_first {
                    print_warnings(&warnings.not_modelled, quiet);
                }
            }
            error.into()
        })
}

/// The options of a comparison that loads its sources as `shadow` says,
/// assesses risks as `risk` says and limits its scripts as `script` says; it plans only the forward script and
/// checks no script against its server unless the command says otherwise.
pub fn options(
    shadow: &ShadowArgs,
    risk: &RiskConfig,
    script: &ScriptArgs,
) -> Result<Options, CliError> {
    let project = config::load()?;
    Ok(Options {
        shadow: Arc::new(make_shadow(shadow)?),
        limits: shadow.limits(),
        reverse: false,
        check_forward: false,
        check_reverse: false,
        probe: risk.probe.clone(),
        timeouts: script.timeouts()?,
        tool_tables: Vec::new(),
        tool_schema: None,
        history_schema: Some(shadow.history.history_schema.clone()),
        online: script.online || project.is_some_and(|p| p.config.script.online),
        park_drops: if script.park_drops || project.is_some_and(|p| p.config.script.park_drops) {
            Some(config::planning_day()?)
        } else {
            None
        },
        roles: script.roles,
        create_subscriptions: script.create_subscriptions
            || project.is_some_and(|p| p.config.script.create_subscriptions),
        filter: filter(shadow, script, project),
        role_map: if script.map_role.is_empty() {
            project
                .map(|p| p.config.roles.role_map())
                .unwrap_or_default()
        } else {
            pgrift::catalog::role_map::RoleMap::from_pairs(script.map_role.iter().cloned())
                .map_err(|message| CliError::Usage {
                    command: "diff",
                    message,
                })?
        },
        expand_contract: script.expand_contract(project),
        without_dependencies: false,
        renames: if script.renames.is_empty() {
            project
                .map(|p| p.config.renames.clone())
                .unwrap_or_default()
        } else {
            script.renames.clone()
        },
    })
}

/// What both sides leave out: the patterns and the `--ignore` list given on
/// the command line, each in place of the project file's when given.
fn filter(
    shadow: &ShadowArgs,
    script: &ScriptArgs,
    project: Option<&config::Loaded>,
) -> pgrift::catalog::Filter {
    let configured = project.map(|p| p.config.filter.clone()).unwrap_or_default();
    let mut filter = shadow.filter.filter();
    if filter.is_empty() {
        filter = pgrift::catalog::Filter {
            ignore: Vec::new(),
            ..configured.clone()
        };
    }
    filter.ignore = match script.ignore() {
        given if given.is_empty() => configured.ignore,
        given => given,
    };
    filter
}

/// Prints a comparison's warnings: the sources', then (unless `quiet`) what
/// the diff does not cover, then why the probes did not measure.
pub fn print_comparison_warnings(warnings: &Warnings, quiet: bool) {
    print_source_warnings(&warnings.sources);
    print_warnings(&warnings.not_modelled, quiet);
    if !quiet {
        for note in &warnings.notes {
            eprintln!("note: {}", visible(&note.message));
        }
    }
    for warning in &warnings.probes {
        eprintln!("warning: {warning}");
    }
}

/// Prints `--timings`: one line per phase, and the total since `started`.
pub fn print_timings(timings: &Timings, started: Instant) {
    for (phase, took) in &timings.phases {
        eprintln!("timing: {phase}: {:.1} ms", took.as_secs_f64() * 1000.0);
    }
    eprintln!(
        "timing: total: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// Ends a command's use of its comparison without freeing it: the process
/// exits next, and freeing two large catalogs one small allocation at a
/// time would add 40 ms at 10,000 tables for nothing.
pub fn skip_free(comparison: Comparison) {
    std::mem::forget(comparison);
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

/// Prints what loading the sources had to say (an ignored password file …).
fn print_source_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {}", visible(warning));
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
/// Writes a command's output to the file `-o` names, or to stdout. A
/// closed pipe (`pgrift diff … | head`) is not an error worth a message.
pub fn write_output(path: Option<&PathBuf>, contents: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    if let Some(path) = path {
        return write_file(path, contents);
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(contents).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Write {
            path: "<stdout>".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

pub fn write_file(path: &PathBuf, contents: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, contents).map_err(|source| CliError::Write {
        path: path.clone(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap checks a command line's definition only when it parses one:
    /// two arguments of one command with the same name would pass the
    /// build and fail at the first run of that command.
    #[test]
    fn every_command_is_well_defined() {
        Cli::command().debug_assert();
    }
}
