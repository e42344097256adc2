//! `pgrift plan FROM TO --out DIR`: both scripts, a plan file and the risks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::risk::{self, RiskArgs};
use super::{
    CliError, EXIT_OK, ScriptArgs, ShadowArgs, compare, options, parse_source,
    print_comparison_warnings, skip_free, write_file,
};
use pgrift::emit::{self, PlanSide};
use pgrift::{Script, report};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The database as it is: a URL, a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The schema wanted, in the same forms (e.g. schema.sql)
    #[arg(value_name = "TO")]
    pub to: String,
    /// The directory to write forward.sql, reverse.sql, plan.json, report.md and report.json into (created if missing)
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub risk: RiskArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let (from, to) = (parse_source(&args.from)?, parse_source(&args.to)?);
    let options = pgrift::Options {
        reverse: true,
        check_forward: true,
        check_reverse: true,
        ..options(&args.shadow, &config, &args.script)?
    };
    let comparison = compare(&from, &to, &options, args.shadow.quiet, false).await?;
    print_comparison_warnings(&comparison.warnings, args.shadow.quiet);
    let forward = &comparison.forward;
    let reverse = comparison
        .reverse
        .as_ref()
        .expect("the reverse script is planned when asked for");
    let (from, to) = (&comparison.from, &comparison.to);

    std::fs::create_dir_all(&args.out).map_err(|source| CliError::Write {
        path: args.out.clone(),
        source,
    })?;
    let render = |script: &Script, direction| {
        let mut out = Vec::new();
        let title = emit::script_title(direction, &from.label, &to.label);
        emit::write_script(&script.plan, &title, Some(&script.risks), &mut out).map(|_| out)
    };
    let io = |path: PathBuf| move |source| CliError::Write { path, source };
    let forward_sql =
        render(forward, emit::Direction::Forward).map_err(io(args.out.join("forward.sql")))?;
    let reverse_sql =
        render(reverse, emit::Direction::Reverse).map_err(io(args.out.join("reverse.sql")))?;
    write_file(&args.out.join("forward.sql"), &forward_sql)?;
    write_file(&args.out.join("reverse.sql"), &reverse_sql)?;

    let side = |loaded: &pgrift::source::Loaded| PlanSide {
        source: loaded.label.clone(),
        fingerprint: emit::fingerprint(&loaded.catalog),
    };
    let mut json = Vec::new();
    emit::write_plan_json(
        &forward.plan,
        &reverse.plan,
        &side(from),
        &side(to),
        &mut json,
    )
    .map_err(io(args.out.join("plan.json")))?;
    write_file(&args.out.join("plan.json"), &json)?;

    let report = risk::build_report(&comparison, reverse);
    let mut report_md = Vec::new();
    report::write_markdown(&report, &mut report_md).map_err(io(args.out.join("report.md")))?;
    write_file(&args.out.join("report.md"), &report_md)?;
    let mut report_json = Vec::new();
    report::write_json(&report, &mut report_json).map_err(io(args.out.join("report.json")))?;
    write_file(&args.out.join("report.json"), &report_json)?;
    eprintln!(
        "wrote {} ({} steps), {} ({} steps), {}, {} and {}",
        args.out.join("forward.sql").display(),
        forward.plan.steps.len(),
        args.out.join("reverse.sql").display(),
        reverse.plan.steps.len(),
        args.out.join("plan.json").display(),
        args.out.join("report.md").display(),
        args.out.join("report.json").display()
    );
    eprintln!("{}", report.summary.line());
    let status = config.failing(&forward.risks).unwrap_or(EXIT_OK);
    skip_free(comparison);
    Ok(ExitCode::from(status))
}
