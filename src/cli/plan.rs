//! `pgrift plan FROM TO --out DIR`: both scripts, a plan file and the risks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::risk::{self, RiskArgs};
use super::{CliError, EXIT_OK, ShadowArgs, check_compat, load_pair, print_warnings, write_file};
use pgrift::emit::{self, PlanSide};
use pgrift::{diff, plan, report};

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
    pub shadow: ShadowArgs,
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let (from, to) = load_pair(&args.from, &args.to, &args.shadow).await?;
    let forward = plan::plan(&diff::diff(&from.catalog, &to.catalog))?;
    let reverse = plan::plan(&diff::diff(&to.catalog, &from.catalog))?;
    check_compat(&forward, &from, "forward", "FROM")?;
    check_compat(&reverse, &to, "reverse", "TO")?;
    print_warnings(&forward.warnings, args.shadow.quiet);
    let assessed = risk::assess(&config, &from, &to, &forward, &reverse).await;

    std::fs::create_dir_all(&args.out).map_err(|source| CliError::Write {
        path: args.out.clone(),
        source,
    })?;
    let render = |plan: &plan::Plan, risks, direction| {
        let mut out = Vec::new();
        let title = emit::script_title(direction, &from.label, &to.label);
        emit::write_script(plan, &title, Some(risks), &mut out).map(|_| out)
    };
    let io = |path: PathBuf| move |source| CliError::Write { path, source };
    let forward_sql = render(&forward, &assessed.forward, emit::Direction::Forward)
        .map_err(io(args.out.join("forward.sql")))?;
    let reverse_sql = render(&reverse, &assessed.reverse, emit::Direction::Reverse)
        .map_err(io(args.out.join("reverse.sql")))?;
    write_file(&args.out.join("forward.sql"), &forward_sql)?;
    write_file(&args.out.join("reverse.sql"), &reverse_sql)?;

    let side = |loaded: &pgrift::source::Loaded| PlanSide {
        source: loaded.label.clone(),
        fingerprint: emit::fingerprint(&loaded.catalog),
    };
    let mut json = Vec::new();
    emit::write_plan_json(&forward, &reverse, &side(&from), &side(&to), &mut json)
        .map_err(io(args.out.join("plan.json")))?;
    write_file(&args.out.join("plan.json"), &json)?;

    let report = risk::build_report(&from, &to, &forward, &reverse, &assessed);
    let mut report_md = Vec::new();
    report::write_markdown(&report, &mut report_md).map_err(io(args.out.join("report.md")))?;
    write_file(&args.out.join("report.md"), &report_md)?;
    let mut report_json = Vec::new();
    report::write_json(&report, &mut report_json).map_err(io(args.out.join("report.json")))?;
    write_file(&args.out.join("report.json"), &report_json)?;
    eprintln!(
        "wrote {} ({} steps), {} ({} steps), {}, {} and {}",
        args.out.join("forward.sql").display(),
        forward.steps.len(),
        args.out.join("reverse.sql").display(),
        reverse.steps.len(),
        args.out.join("plan.json").display(),
        args.out.join("report.md").display(),
        args.out.join("report.json").display()
    );
    eprintln!("{}", report.summary.line());
    Ok(ExitCode::from(assessed.failing(&config).unwrap_or(EXIT_OK)))
}
