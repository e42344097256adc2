//! `pgrift report FROM TO`: what each statement of both scripts risks.
//!
//! TODO(merge): this prints the interim JSON of [`InterimReport`]; the
//! report branch brings the terminal table, `--format markdown|json|html`
//! and the stable JSON shape, through `pgrift::report`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::risk::{self, InterimReport, RiskArgs};
use super::{CliError, EXIT_OK, ShadowArgs, load_pair, print_warnings};
use pgrift::{diff, plan};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The database as it is: a URL (its data is probed), a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The schema wanted, in the same forms (e.g. schema.sql)
    #[arg(value_name = "TO")]
    pub to: String,
    #[command(flatten)]
    pub risk: RiskArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: ReportArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let (from, to) = load_pair(&args.from, &args.to, &args.shadow).await?;
    let forward = plan::plan(&diff::diff(&from.catalog, &to.catalog))?;
    let reverse = plan::plan(&diff::diff(&to.catalog, &from.catalog))?;
    print_warnings(&forward.warnings, args.shadow.quiet);
    let assessed = risk::assess(&config, &from, &to, &forward, &reverse).await;
    let report = InterimReport::new(&from, &to, &assessed);
    let mut stdout = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut stdout, &report)
        .map_err(std::io::Error::from)
        .and_then(|_| writeln!(stdout))
        .and_then(|_| stdout.flush());
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CliError::Write {
            path: "<stdout>".into(),
            source: e,
        });
    }
    Ok(ExitCode::from(assessed.failing(&config).unwrap_or(EXIT_OK)))
}
