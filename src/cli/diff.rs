//! `pgrift diff FROM TO`: the forward (or reverse) script on stdout, each
//! statement's risks in its comment.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::risk::{self, RiskArgs};
use super::{
    CliError, EXIT_DIFFERENCES, EXIT_OK, ShadowArgs, Timings, check_compat, load_pair_then,
    print_source_warnings, print_warnings,
};
use pgrift::diff::Objects;
use pgrift::source::Loaded;
use pgrift::{diff, emit, plan};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The database as it is: a URL, a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The schema wanted, in the same forms (e.g. schema.sql)
    #[arg(value_name = "TO")]
    pub to: String,
    /// Print the reverse script (TO → FROM), the rollback of the forward one
    #[arg(long)]
    pub reverse: bool,
    /// Exit with status 1 when the schemas differ, like `git diff --exit-code`
    #[arg(long)]
    pub exit_code: bool,
    /// Print how long each phase took (loading each side, diff, ordering,
    /// risks, rendering) to stderr
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub risk: RiskArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: DiffArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let mut timings = Timings::new(args.timings);
    let (from_side, to_side) =
        load_pair_then(&args.from, &args.to, &args.shadow, &mut timings, index).await?;
    let (from, to) = (from_side.loaded, to_side.loaded);
    print_source_warnings(from, to);
    let changeset = timings.time("diff", || {
        diff::diff_indexed(from_side.objects, to_side.objects)
    });
    let forward = timings.time("order (dependency graph)", || plan::plan(&changeset))?;
    drop(changeset);
    // `--fail-on` judges the forward script; the reverse one is only planned
    // when it is printed.
    let reverse = if args.reverse {
        plan::plan(&diff::diff(&to.catalog, &from.catalog))?
    } else {
        plan::Plan {
            steps: Vec::new(),
            warnings: Vec::new(),
        }
    };
    print_warnings(&forward.warnings, args.shadow.quiet);
    let (shown, old, script) = if args.reverse {
        (&reverse, &to, emit::Direction::Reverse)
    } else {
        (&forward, &from, emit::Direction::Forward)
    };
    // The script runs where `old` is: FROM's server, or TO's for --reverse.
    // Checked before the probes, which would otherwise query a database for
    // a script that cannot run there.
    let (direction, side) = if args.reverse {
        ("reverse", "TO")
    } else {
        ("forward", "FROM")
    };
    check_compat(shown, old, direction, side)?;
    let start = std::time::Instant::now();
    let assessed = risk::assess(&config, from, to, &forward, &reverse).await;
    timings.record("risks (rules and probes)", start.elapsed());
    let risks = if args.reverse {
        &assessed.reverse
    } else {
        &assessed.forward
    };
    let mut out = Vec::new();
    let title = emit::script_title(script, &from.label, &to.label);
    timings
        .time("render", || {
            emit::write_script(shown, &title, Some(risks), &mut out)
        })
        .map_err(|source| CliError::Write {
            path: "<stdout>".into(),
            source,
        })?;
    timings.print();
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`pgrift diff … | head`) is not an error worth a message.
    if let Err(e) = stdout.write_all(&out).and_then(|_| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CliError::Write {
            path: "<stdout>".into(),
            source: e,
        });
    }
    // A risk over the threshold outranks a mere difference.
    let status = if let Some(status) = assessed.failing(&config) {
        status
    } else if args.exit_code && !shown.is_empty() {
        EXIT_DIFFERENCES
    } else {
        EXIT_OK
    };
    Ok(ExitCode::from(status))
}

/// A side loaded for the diff, with its catalog indexed.
struct Indexed {
    loaded: &'static Loaded,
    objects: Objects<'static>,
}

/// Indexes a loaded side for the diff, which [`load_pair_then`] does as soon
/// as the side is loaded, while the other may still be. The index borrows
/// the catalog until the diff is printed, which is the end of the process,
/// so the catalog is leaked rather than freed: freeing two large catalogs
/// one small allocation at a time would add 40 ms at 10,000 tables for
/// nothing.
fn index(loaded: Loaded) -> Indexed {
    let loaded: &'static Loaded = Box::leak(Box::new(loaded));
    Indexed {
        loaded,
        objects: Objects::new(&loaded.catalog),
    }
}
