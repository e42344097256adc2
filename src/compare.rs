//! The pipeline as one call: [`compare`] loads FROM and TO, diffs them,
//! plans the forward script and, when asked, the reverse one, checks the
//! scripts against the servers they run on, and assesses and probes their
//! risks. Every command of the binary runs it; so can any caller that
//! compares many pairs in one process, since a [`Comparison`] owns what it
//! holds and frees it when dropped.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::catalog::rename::{self, Rename, RenameError, RenameMap, Sides};
use crate::catalog::role_map::RoleMap;
use crate::catalog::{Catalog, Dependency, Warning};
use crate::diff::{self, Objects};
use crate::introspect::Limits;
use crate::plan::expand::{self, ExpandContract, ExpandError, Phase};
use crate::plan::{self, CompatError, ExtensionError, Plan, PlanError, RoleError, Timeouts};
use crate::risk::{self, Assessment, Direction, ProbeOptions};
use crate::source::{self, Loaded, Shadow, SourceError, SourceSpec};

/// What [`compare`] does besides the forward script.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where `.sql` sources are loaded; one shadow serves any number of
    /// comparisons, and its throwaway cluster starts on first use.
    pub shadow: Arc<Shadow>,
    /// How long reading each catalog may wait on its server.
    pub limits: Limits,
    /// Plan the reverse script (TO → FROM) too, and assess it.
    pub reverse: bool,
    /// Refuse a forward script that FROM's server cannot run (features of a
    /// newer PostgreSQL, extension versions it does not offer): set when
    /// the script is to be written.
    pub check_forward: bool,
    /// Refuse a reverse script that TO's server cannot run, when it is
    /// planned.
    pub check_reverse: bool,
    /// Measure the forward script's risks on FROM's data, when FROM is a
    /// live database.
    pub probe: Option<ProbeOptions>,
    /// The limits both scripts set for their session.
    pub timeouts: Timeouts,
    /// Tables left out of both sides, in whatever schema, by name: where a
    /// migration tool records the migrations it applied
    /// (`emit::layout::Layout::history_table`), which is the tool's and not
    /// the schema's.
    pub tool_tables: Vec<&'static str>,
    /// A schema left out of both sides, where a migration tool records
    /// what it applied (sqitch's registry).
    pub tool_schema: Option<&'static str>,
    /// The schema where `pgrift apply` records its deployments, left out of
    /// both sides: it is pgrift's, never the schema's.
    pub history_schema: Option<String>,
    /// Rewrite both plans so that changes to existing tables take the
    /// weakest locks (`plan::online`).
    pub online: bool,
    /// What both sides leave out before the diff: schemas and objects by
    /// pattern, and the parts of objects `--ignore` names.
    pub filter: crate::catalog::Filter,
    /// The role names both sides are read through (`--map-role`).
    pub role_map: RoleMap,
    /// Objects renamed rather than dropped and created (`--rename`), by
    /// their names in FROM.
    pub renames: Vec<Rename>,
    /// Park the tables and columns the forward script drops, under names
    /// dated this day, and move them back in the reverse script
    /// (`--park-drops`, `plan::park`).
    pub park_drops: Option<crate::catalog::parked::Day>,
    /// Compare the roles both sides' objects use (`--roles`,
    /// `catalog::role`): their attributes, memberships and settings.
    pub roles: bool,
    /// Create the subscriptions the plans create (`--create-subscriptions`),
    /// which connects to their publishers; otherwise each is left out with
    /// a warning (`plan::subscriptions`).
    pub create_subscriptions: bool,
    /// Move renamed and slowly retyped columns in two phases
    /// (`plan::expand`): the expand, or the contract of an expanded FROM.
    pub expand_contract: Option<ExpandContract>,
    /// Hand back both sides' catalogs without their dependency lists, for
    /// a caller that reads only the scripts and their risks (`pgrift
    /// diff`). The diff holds the dependencies as numbers in its indexes
    /// (`catalog::Objects`), so that on a large catalog the lists, each
    /// edge two whole identities, are not held besides (a fifth of the
    /// peak memory); a catalog keeps only the few that the risk rules read
    /// ([`risk::column_dependents`]). Ignored where the comparison reads
    /// them itself: with renames, roles, `online` and `expand_contract`.
    pub without_dependencies: bool,
}

impl Options {
    /// Whether the sides' dependency lists are left to their indexes
    /// (see [`Options::without_dependencies`]).
    fn dependencies_indexed_only(&self) -> bool {
        self.without_dependencies
            && self.renames.is_empty()
            && !self.roles
            && !self.online
            && self.expand_contract.is_none()
    }
}

/// One script of a comparison and its risks.
#[derive(Debug)]
pub struct Script {
    pub plan: Plan,
    pub risks: Assessment,
}

/// Two schemas compared: both sides as loaded, the forward script, the
/// reverse one when asked for, and what the caller should tell the user.
#[derive(Debug)]
pub struct Comparison {
    pub from: Loaded,
    pub to: Loaded,
    pub forward: Script,
    pub reverse: Option<Script>,
    /// True when the forward risks were measured on FROM's data.
    pub probed: bool,
    pub warnings: Warnings,
    pub timings: Timings,
}

/// What a comparison has to say besides its scripts, by where it comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    /// What loading the sources had to say (an ignored password file,
    /// stand-in roles in the shadow), each once, FROM's first.
    pub sources: Vec<String>,
    /// Objects neither side's diff covers (the forward plan's warnings).
    pub not_modelled: Vec<Warning>,
    /// Why the forward risks are not measured although probes were asked
    /// for: FROM could not be reached, or the probes stopped.
    pub probes: Vec<String>,
    /// Differences no statement can make (the order of a table's columns).
    pub notes: Vec<Warning>,
}

/// How long each phase of a comparison took, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timings {
    pub phases: Vec<(&'static str, Duration)>,
}

impl Timings {
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
}

/// Why a comparison could not be made.
#[derive(Debug, Error)]
pub enum CompareError {
    /// A side could not be loaded.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The changes could not be ordered: a bug.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A script uses features the server it is for does not have.
    #[error("{script} script, for {side}'s server: {source}")]
    Compat {
        /// `forward` or `reverse`.
        script: &'static str,
        /// `FROM` or `TO`: whose server the script runs on.
        side: &'static str,
        source: CompatError,
        /// What the comparison had to say up to the refusal.
        warnings: Box<Warnings>,
    },
    /// A script names roles the server it is for lacks.
    #[error("{script} script, for {side}'s server: {source}")]
    Roles {
        /// `forward` or `reverse`.
        script: &'static str,
        /// `FROM` or `TO`: whose server the script runs on.
        side: &'static str,
        source: RoleError,
        /// What the comparison had to say up to the refusal.
        warnings: Box<Warnings>,
    },
    /// `--roles` was asked for, and a side does not know its cluster's
    /// roles.
    #[error("{side} ({label}): its roles are not known, so --roles cannot compare them")]
    RolesUnknown {
        /// `FROM` or `TO`.
        side: &'static str,
        label: String,
    },
    /// A column `--expand-contract` cannot move in two phases.
    #[error(transparent)]
    Expand(#[from] ExpandError),
    /// A declared rename does not fit the two schemas.
    #[error("{script} script: {source}")]
    Rename {
        /// `forward` or `reverse`.
        script: &'static str,
        source: RenameError,
    },
    /// A script installs extension versions the server it is for lacks.
    #[error("{script} script, for {side}'s server: {source}")]
    Extensions {
        /// `forward` or `reverse`.
        script: &'static str,
        /// `FROM` or `TO`: whose server the script runs on.
        side: &'static str,
        source: ExtensionError,
        /// What the comparison had to say up to the refusal.
        warnings: Box<Warnings>,
    },
}

impl CompareError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            CompareError::Source(e) => e.hint(),
            CompareError::Rename { source, .. } => Some(source.hint()),
            CompareError::Expand(source) => Some(source.hint()),
            CompareError::Plan(_) => Some(
                "this is a bug in pgrift; please report it with the two schemas (pgrift snapshot writes them)"
                    .to_owned(),
            ),
            CompareError::Compat { side, source, .. } => Some(format!(
                "upgrade {side}'s server to PostgreSQL {} or later first, or change the other schema \
                 to do without these features",
                source.needs_major()
            )),
            CompareError::Roles { side, .. } => Some(format!(
                "pgrift never creates roles: create them on {side}'s server first, or leave \
                 privileges or owners out of both sides with --ignore privileges or --ignore \
                 owners, or read a role of one side as the other's with --map-role FROM=TO"
            )),
            CompareError::RolesUnknown { .. } => Some(
                "--roles reads roles from a live database, or from a snapshot taken with \
                 pgrift snapshot --roles; .sql files are loaded with stand-in roles, and a \
                 snapshot taken without --roles holds none"
                    .to_owned(),
            ),
            CompareError::Extensions { side, .. } => Some(format!(
                "install that version's package on {side}'s server, or give the other schema a \
                 version {side}'s server offers (ALTER EXTENSION … UPDATE TO '…' there)"
            )),
        }
    }
}

/// Compares the schemas `from` and `to` name.
///
/// Fails when a side cannot be loaded (see [`source::load_with`]), when a
/// script to be checked cannot run on its server, or, a bug, when the
/// changes cannot be ordered. A probe that fails is a warning: its risks
/// stay, without evidence.
pub async fn compare(
    from_spec: &SourceSpec,
    to_spec: &SourceSpec,
    options: &Options,
) -> Result<Comparison, CompareError> {
    let mut timings = Timings::default();
    let (from_side, to_side) = load_pair(from_spec, to_spec, options, &mut timings).await?;
    let (from_side, to_side) = if options.roles {
        with_roles(from_side, to_side, &options.role_map)?
    } else {
        (from_side, to_side)
    };
    let mut warnings = Warnings {
        sources: source_warnings(from_side.borrow_owner(), to_side.borrow_owner()),
        ..Warnings::default()
    };
    // A contract plans from the expanded FROM as it will be once the
    // columns moved (`expand::contracted`); the renames the expand made
    // are behind it.
    let contracting = match options.expand_contract {
        Some(ExpandContract {
            phase: Phase::Contract,
            ..
        }) => expand::expanded(
            &from_side.borrow_owner().catalog,
            &to_side.borrow_owner().catalog,
        ),
        _ => Vec::new(),
    };
    let contracted = (!contracting.is_empty())
        .then(|| expand::contracted(&from_side.borrow_owner().catalog, &contracting));
    let renames: Vec<Rename> = match &contracted {
        None => options.renames.clone(),
        Some(_) => options
            .renames
            .iter()
            .filter(|r| !expanded_rename(r, &from_side.borrow_owner().catalog))
            .cloned()
            .collect(),
    };
    let renamed = Renamed::resolve(
        &renames,
        contracted
            .as_ref()
            .unwrap_or(&from_side.borrow_owner().catalog),
        &to_side.borrow_owner().catalog,
        options.reverse,
    )?;
    let (forward, reverse, kept) = {
        let (from_objects, to_objects) = (from_side.borrow_dependent(), to_side.borrow_dependent());
        let forward = match renamed.from.as_ref().or(contracted.as_ref()) {
            None => {
                let changeset =
                    timings.time("diff", || diff::diff_indexed(from_objects, to_objects));
                timings.time("order (dependency graph)", || plan::plan(changeset))?
            }
            Some(from) => {
                let to = &to_side.borrow_owner().catalog;
                let changeset = timings.time("diff", || diff::diff(from, to));
                timings.time("order (dependency graph)", || plan::plan(changeset))?
            }
        };
        // The reverse script is the diff the other way round, of the same
        // indexes.
        let reverse = match (options.reverse, &renamed.to, &contracted) {
            (false, _, _) => None,
            (true, None, None) => Some(plan::plan(diff::diff_indexed(to_objects, from_objects))?),
            (true, to, from) => Some(plan::plan(diff::diff(
                to.as_ref().unwrap_or(&to_side.borrow_owner().catalog),
                from.as_ref().unwrap_or(&from_side.borrow_owner().catalog),
            ))?),
        };
        // Without their lists, the catalogs keep what the risk rules read
        // of them, taken from the indexes while they are here: a script's
        // risks are read against the schema it produces.
        let kept = options.dependencies_indexed_only().then(|| {
            (
                risk::column_dependents(&forward, to_objects),
                reverse
                    .as_ref()
                    .map(|reverse| risk::column_dependents(reverse, from_objects))
                    .unwrap_or_default(),
            )
        });
        (forward, reverse, kept)
    };
    // The indexes borrow the catalogs; they are not needed any more.
    let (mut from, mut to) = (from_side.into_owner(), to_side.into_owner());
    if let Some((to_kept, from_kept)) = kept {
        to.catalog.dependencies = to_kept;
        from.catalog.dependencies = from_kept;
    }
    // Each script is planned from its source with the renames applied.
    let forward_from = renamed
        .from
        .as_ref()
        .or(contracted.as_ref())
        .unwrap_or(&from.catalog);
    let reverse_from = renamed.to.as_ref().unwrap_or(&to.catalog);
    let reverse_to = contracted.as_ref().unwrap_or(&from.catalog);
    let (mut forward, mut reverse) = if options.online {
        (
            plan::online(forward, forward_from, &to.catalog),
            reverse.map(|reverse| plan::online(reverse, reverse_from, reverse_to)),
        )
    } else {
        (forward, reverse)
    };
    let (mut forward_renames, mut reverse_renames) =
        (renamed.forward.steps(), renamed.reverse.steps());
    let mut moved = None;
    match options.expand_contract {
        Some(ExpandContract {
            phase: Phase::Expand,
            batch_size,
        }) => {
            let moves = expand::moves(
                &forward_renames,
                &forward,
                forward_from,
                &to.catalog,
                &risk::retype_is_slow,
            )?;
            forward = expand::expand(forward, &moves, batch_size);
            reverse = reverse.map(|reverse| expand::expand_reverse(reverse, &moves));
            forward_renames = expand::without_moved(forward_renames, &moves);
            reverse_renames = expand::without_moved(reverse_renames, &moves);
            moved = Some((Phase::Expand, moves.len()));
        }
        Some(ExpandContract {
            phase: Phase::Contract,
            batch_size,
        }) => {
            forward = expand::contract(forward, &contracting);
            reverse =
                reverse.map(|reverse| expand::contract_reverse(reverse, &contracting, batch_size));
            moved = Some((Phase::Contract, contracting.len()));
        }
        None => {}
    }
    if let Some(day) = options.park_drops {
        forward = plan::park(forward, forward_from, &to.catalog, day, |name| {
            renamed.reverse.renamed(name) != *name
        });
        reverse = reverse.map(|reverse| plan::unpark(reverse, &forward.parked, reverse_to));
    }
    forward = plan::roles_first(plan::subscriptions(forward, options.create_subscriptions));
    let reverse = reverse.map(|reverse| {
        plan::roles_first(plan::subscriptions(reverse, options.create_subscriptions))
    });
    forward = plan::with_renames(forward, forward_renames);
    forward.timeouts = options.timeouts;
    let reverse = reverse.map(|reverse| {
        let mut reverse = plan::with_renames(reverse, reverse_renames);
        reverse.timeouts = options.timeouts;
        reverse
    });
    warnings.not_modelled = forward.warnings.clone();
    if !options.filter.ignores(crate::catalog::Ignore::ColumnOrder) {
        warnings.notes = diff::column_order(&from.catalog, &to.catalog);
    }
    if let Some((phase, 0)) = moved {
        warnings.notes.push(nothing_moved(phase));
    }
    // Declared renames are applied, so only the undeclared are suggested.
    warnings
        .notes
        .extend(renamed.forward.suggest(forward_from, &to.catalog));
    // The forward script runs on FROM's server and the reverse one on TO's.
    // Checked before the probes, which would otherwise query a database for
    // a script that cannot run there.
    if options.check_forward {
        check_compat(&forward, &from, "forward", "FROM", options, &warnings)?;
    }
    if let Some(reverse) = reverse.as_ref().filter(|_| options.check_reverse) {
        check_compat(reverse, &to, "reverse", "TO", options, &warnings)?;
    }
    // A contract's risks are read against the expanded database, where the
    // old column it drops still is.
    let risk_from = if contracted.is_some() && renamed.from.is_none() {
        &from.catalog
    } else {
        forward_from
    };
    let start = Instant::now();
    let assessed = assess(
        options,
        from_spec,
        (&from, risk_from),
        (&to, reverse_from),
        forward,
        reverse,
        &mut warnings,
    )
    .await;
    timings.record("risks (rules and probes)", start.elapsed());
    Ok(Comparison {
        from,
        to,
        forward: assessed.forward,
        reverse: assessed.reverse,
        probed: assessed.probed,
        warnings,
        timings,
    })
}

self_cell::self_cell!(
    /// A loaded side and its catalog indexed for the diff. The index
    /// borrows the catalog; holding both lets the indexing run on the
    /// side's own task, as soon as it is loaded.
    struct Indexed {
        owner: Loaded,

        #[covariant]
        dependent: Objects,
    }
);

/// Loads FROM and TO concurrently, sharing one shadow server, and indexes
/// each side, as soon as it is loaded, on a thread of its own, while the
/// other side may still be loading: indexing one catalog then takes no time
/// of its own when the two sides take different times to load.
async fn load_pair(
    from: &SourceSpec,
    to: &SourceSpec,
    options: &Options,
    timings: &mut Timings,
) -> Result<(Indexed, Indexed), SourceError> {
    // Each side is a task of its own, so that reading and assembling the
    // rows of the two catalogs runs on two threads; in one task the two
    // would take turns on one. Dropping the set aborts the other side's
    // task when one fails, which runs its cleanup like any cancelled future.
    let mut tasks = tokio::task::JoinSet::new();
    for (side, spec) in [(Side::From, from.clone()), (Side::To, to.clone())] {
        let shadow = Arc::clone(&options.shadow);
        let limits = options.limits;
        let tool_tables = options.tool_tables.clone();
        let history_schema = options.history_schema.clone();
        let tool_schema = options.tool_schema;
        let filter = options.filter.clone();
        let role_map = options.role_map.clone();
        let indexed_only = options.dependencies_indexed_only();
        tasks.spawn(async move {
            let start = Instant::now();
            // A side read from a server hands its dependencies over as
            // numbers when only the index will hold them.
            let loading = if indexed_only {
                source::load_numbered(&spec, &shadow, &limits).await
            } else {
                source::load_with(&spec, &shadow, &limits)
                    .await
                    .map(|loaded| (loaded, None))
            };
            let (mut loaded, numbered) = match loading {
                Ok(loaded) => loaded,
                Err(e) => return (side, Err(e)),
            };
            let left_out = loaded
                .catalog
                .leave_out_tables(|table| tool_tables.contains(&table.name.as_str()));
            role_map.apply(&mut loaded.catalog);
            loaded.warnings.extend(left_out.iter().map(|table| {
                format!(
                    "table {table} is left out of the diff: the migration tool records \
                     what it applied there"
                )
            }));
            // The patterns were checked when the options were made; one
            // that does not read leaves nothing out and says why.
            let label = loaded.label.clone();
            let notes = filter
                .apply(&mut loaded.catalog)
                .unwrap_or_else(|e| vec![e]);
            loaded
                .warnings
                .extend(notes.into_iter().map(|note| format!("{label}: {note}")));
            if let Some(schema) = tool_schema
                && loaded.catalog.leave_out_schema(schema)
            {
                loaded.warnings.push(format!(
                    "schema {} is left out of the diff: the migration tool records what it applied there",
                    crate::sql::quote_ident(schema)
                ));
            }
            if let Some(schema) = &history_schema
                && loaded.catalog.leave_out_schema(schema)
            {
                loaded.warnings.push(format!(
                    "schema {} is left out of the diff: pgrift records its deployments there",
                    crate::sql::quote_ident(schema)
                ));
            }
            let parked = loaded.catalog.leave_out_parked();
            if parked > 0 {
                loaded.warnings.push(format!(
                    "{label}: {parked} parked object{} left out of the diff (tables in schema {} and \
                     columns named {}…; pgrift purge drops them)",
                    if parked == 1 { " is" } else { "s are" },
                    crate::catalog::parked::SCHEMA,
                    crate::catalog::parked::COLUMN_PREFIX,
                ));
            }
            let elapsed = start.elapsed();
            // The filters above left out objects but not the numbered
            // dependencies on them, which the index skips. A side that
            // came with its list (a snapshot) hands the list over instead.
            let listed = (indexed_only && numbered.is_none())
                .then(|| std::mem::take(&mut loaded.catalog.dependencies));
            // Indexing takes its turn with the other side's build, whose
            // peak it would otherwise add to (see `introspect::build_turn`).
            let turn = crate::introspect::build_turn().await;
            let indexed = tokio::task::spawn_blocking(move || {
                Indexed::new(loaded, |loaded| match (&numbered, &listed) {
                    (Some(numbered), _) => {
                        Objects::with_dependencies(&loaded.catalog, numbered.iter())
                    }
                    (None, Some(listed)) => Objects::with_dependencies(
                        &loaded.catalog,
                        listed.iter().map(Dependency::pair),
                    ),
                    (None, None) => Objects::new(&loaded.catalog),
                })
            })
            .await;
            drop(turn);
            match indexed {
                Ok(indexed) => (side, Ok((indexed, elapsed))),
                Err(e) => match e.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    // Blocking work is cancelled only when the runtime
                    // shuts down, as it does when the other side failed
                    // and the error is on its way to the user: nobody
                    // waits for this side any more, and the runtime drops
                    // it.
                    Err(_) => std::future::pending().await,
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

/// Both sides with the roles either one uses (`--roles`), indexed again.
fn with_roles(
    from: Indexed,
    to: Indexed,
    role_map: &RoleMap,
) -> Result<(Indexed, Indexed), CompareError> {
    let (mut from, mut to) = (from.into_owner(), to.into_owner());
    let cluster_roles = |side: &'static str, loaded: &mut Loaded| {
        loaded
            .cluster_roles
            .take()
            .ok_or_else(|| CompareError::RolesUnknown {
                side,
                label: loaded.label.clone(),
            })
    };
    let from_roles = cluster_roles("FROM", &mut from)?;
    let to_roles = cluster_roles("TO", &mut to)?;
    crate::catalog::settle_roles(
        &mut from.catalog,
        from_roles,
        &mut to.catalog,
        to_roles,
        role_map,
    );
    let index = |loaded| Indexed::new(loaded, |loaded| Objects::new(&loaded.catalog));
    Ok((index(from), index(to)))
}

/// The declared renames checked against both sides, and each script's
/// source with them applied; `None` when nothing is renamed, so that the
/// diff reads the sides' own indexes.
struct Renamed {
    forward: RenameMap,
    reverse: RenameMap,
    from: Option<Catalog>,
    to: Option<Catalog>,
}

impl Renamed {
    fn resolve(
        renames: &[Rename],
        from: &Catalog,
        to: &Catalog,
        reverse: bool,
    ) -> Result<Renamed, CompareError> {
        if renames.is_empty() {
            return Ok(Renamed {
                forward: RenameMap::default(),
                reverse: RenameMap::default(),
                from: None,
                to: None,
            });
        }
        let forward = RenameMap::resolve(
            renames,
            &Sides {
                source: from,
                source_name: "FROM",
                target: to,
                target_name: "TO",
            },
        )
        .map_err(|source| CompareError::Rename {
            script: "forward",
            source,
        })?;
        let mut renamed_from = from.clone();
        forward.apply(&mut renamed_from);
        let (reverse, renamed_to) = if reverse {
            let map = RenameMap::resolve(
                &rename::inverse(renames),
                &Sides {
                    source: to,
                    source_name: "TO",
                    target: from,
                    target_name: "FROM",
                },
            )
            .map_err(|source| CompareError::Rename {
                script: "reverse",
                source,
            })?;
            let mut renamed_to = to.clone();
            map.apply(&mut renamed_to);
            (map, Some(renamed_to))
        } else {
            (RenameMap::default(), None)
        };
        Ok(Renamed {
            forward,
            reverse,
            from: Some(renamed_from),
            to: renamed_to,
        })
    }
}

/// True for a declared column rename that an expand already made: FROM
/// holds the column under both names, which a contract finishes.
fn expanded_rename(rename: &Rename, from: &Catalog) -> bool {
    let [schema, table, column] = rename.path.as_slice() else {
        return false;
    };
    from.table(&crate::catalog::QualName::new(
        schema.as_str(),
        table.as_str(),
    ))
    .is_some_and(|t| {
        [column, &rename.to]
            .iter()
            .all(|name| t.columns.iter().any(|c| c.name == name.as_str()))
    })
}

/// The note of an `--expand-contract` that found nothing to move.
fn nothing_moved(phase: Phase) -> Warning {
    let message = match phase {
        Phase::Expand => {
            "--expand-contract found no column to move: no declared column rename, and no \
             type change that rewrites the table or may fail; the script is the plain plan"
        }
        Phase::Contract => {
            "--expand-contract=contract found no expanded column (no pgrift_sync_ trigger \
             pairing two columns that TO finishes); the script is the plain plan"
        }
    };
    Warning {
        kind: "expand-contract".to_owned(),
        object: String::new(),
        message: message.to_owned(),
    }
}

/// Which of the two schemas of a comparison.
#[derive(Debug, Clone, Copy)]
enum Side {
    From,
    To,
}

/// What loading the two sources had to say, once each, in order.
fn source_warnings(from: &Loaded, to: &Loaded) -> Vec<String> {
    let mut seen = BTreeSet::new();
    from.warnings
        .iter()
        .chain(&to.warnings)
        .filter(|warning| seen.insert(*warning))
        .cloned()
        .collect()
}

/// Refuses a plan that uses features the server of `target`, where the
/// script runs, does not have, or installs extension versions it does not
/// offer, or names roles it does not have. A target of unknown version (`empty`, a snapshot that does not
/// record it) is not checked for features; extensions and roles are checked
/// only on a live target, since a shadow database's server is not where the script
/// runs. A role the role map reads another as counts as the server's when
/// the other is.
fn check_compat(
    plan: &Plan,
    target: &Loaded,
    script: &'static str,
    side: &'static str,
    options: &Options,
    warnings: &Warnings,
) -> Result<(), CompareError> {
    if let Some(version) = target.server_version_num {
        plan::check_compat(plan, version).map_err(|source| CompareError::Compat {
            script,
            side,
            source,
            warnings: Box::new(warnings.clone()),
        })?;
    }
    if let Some(roles) = &target.roles {
        let roles = options.role_map.roles(roles);
        plan::check_roles(plan, &roles).map_err(|source| CompareError::Roles {
            script,
            side,
            source,
            warnings: Box::new(warnings.clone()),
        })?;
    }
    if let Some(available) = &target.available_extensions {
        plan::check_extensions(plan, available).map_err(|source| CompareError::Extensions {
            script,
            side,
            source,
            warnings: Box::new(warnings.clone()),
        })?;
    }
    Ok(())
}

/// Both scripts with their risks.
struct Assessed {
    forward: Script,
    reverse: Option<Script>,
    probed: bool,
}

/// Assesses both plans and, when asked, probes the forward one on FROM's
/// database. A probe failure is a warning: the risks stay, without
/// evidence.
///
/// Each side comes with the catalog its script was planned from: the side
/// itself, or, with declared renames, the side with the renames applied.
async fn assess(
    options: &Options,
    from_spec: &SourceSpec,
    (from, forward_from): (&Loaded, &Catalog),
    (to, reverse_from): (&Loaded, &Catalog),
    forward: Plan,
    reverse: Option<Plan>,
    warnings: &mut Warnings,
) -> Assessed {
    // Both scripts run on FROM's server.
    let version = from.server_version_num;
    let forward_risks = risk::assess(
        &forward,
        forward_from,
        &to.catalog,
        version,
        Direction::Forward,
    );
    let reverse = reverse.map(|reverse| Script {
        risks: risk::assess(
            &reverse,
            reverse_from,
            &from.catalog,
            version,
            Direction::Reverse,
        ),
        plan: reverse,
    });
    let mut assessed = Assessed {
        forward: Script {
            plan: forward,
            risks: forward_risks,
        },
        reverse,
        probed: false,
    };
    let Some(probe_options) = &options.probe else {
        return assessed;
    };
    if assessed.forward.risks.statements.is_empty() {
        return assessed;
    }
    // The probes read FROM by the names the script's statements use, which
    // after a rename FROM does not have yet.
    if !options.renames.is_empty() {
        warnings.probes.push(
            "the risks are not measured on FROM's data when renames are declared: the \
             script's statements name the objects by their new names"
                .to_owned(),
        );
        return assessed;
    }
    match source::connect_spec(from_spec).await {
        Ok(Some(client)) => {
            match risk::probe(
                &client,
                &mut assessed.forward.risks,
                &assessed.forward.plan,
                &from.catalog,
                probe_options,
            )
            .await
            {
                Ok(()) => assessed.probed = true,
                Err(e) => warnings.probes.push(format!(
                    "probes stopped: {e}; the risks left unmeasured say so"
                )),
            }
        }
        Ok(None) => {}
        Err(e) => warnings
            .probes
            .push(format!("could not connect to probe {}: {e}", from.label)),
    }
    assessed
}
