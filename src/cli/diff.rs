//! `pgrift diff FROM TO`: the forward (or reverse) script on stdout or in a
//! file, each statement's risks in its comment.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::risk::RiskArgs;
use super::{
    CliError, EXIT_DIFFERENCES, EXIT_OK, ScriptArgs, ShadowArgs, compare, options, parse_source,
    print_comparison_warnings, print_timings, skip_free, write_output,
};
use pgrift::{emit, plan, report};

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
    /// Print only what the script would do, per kind of object (`Plan: 3 to
    /// add, 2 to change, 1 to replace, 1 to drop.`), instead of the script
    #[arg(long)]
    pub stat: bool,
    /// Write the script to this file instead of stdout (e.g. -o migrate.sql);
    /// it is written, empty, when the schemas do not differ
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print how long each phase took (loading each side, diff, ordering,
    /// risks, rendering) to stderr
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub risk: RiskArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: DiffArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let started = Instant::now();
    let (from, to) = (parse_source(&args.from)?, parse_source(&args.to)?);
    // `--fail-on` judges the forward script; the reverse one is only planned
    // when it is printed, and only the printed script is checked against the
    // server it runs on.
    let options = pgrift::Options {
        reverse: args.reverse,
        check_forward: !args.reverse,
        check_reverse: args.reverse,
        // Only the script and its risks are read from the comparison.
        without_dependencies: true,
        ..options(&args.shadow, &config, &args.script)?
    };
    let mut comparison = compare(&from, &to, &options, args.shadow.quiet, true).await?;
    print_comparison_warnings(&comparison.warnings, args.shadow.quiet);
    let (shown, script) = match &comparison.reverse {
        Some(reverse) if args.reverse => (reverse, emit::Direction::Reverse),
        _ => (&comparison.forward, emit::Direction::Forward),
    };
    let mut out = Vec::new();
    let title = emit::script_title(script, &comparison.from.label, &comparison.to.label);
    let start = Instant::now();
    if args.stat {
        out = report::changes_text(&plan::summarize(&shown.plan)).into_bytes();
    } else {
        emit::write_script(&shown.plan, &title, Some(&shown.risks), &mut out).map_err(
            |source| CliError::Write {
                path: "<stdout>".into(),
                source,
            },
        )?;
    }
    let differs = !shown.plan.is_empty();
    comparison.timings.record("render", start.elapsed());
    if args.timings {
        print_timings(&comparison.timings, started);
    }
    // The file is written also when there are no differences, empty, so that
    // a file left from an earlier run never stands for this one.
    write_output(args.output.as_ref(), &out)?;
    // A risk over the threshold outranks a mere difference.
    let status = if let Some(status) = config.failing(&comparison.forward.risks) {
        status
    } else if args.exit_code && differs {
        EXIT_DIFFERENCES
    } else {
        EXIT_OK
    };
    skip_free(comparison);
    Ok(ExitCode::from(status))
}
