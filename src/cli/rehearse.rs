//! `pgrift rehearse FROM TO [--seed FILE]`: the deployment tried on a copy
//! of FROM's schema in a shadow database, forward and back, with rows.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tabled::builder::Builder;
use tabled::settings::Style;

use super::apply::{DeployArgs, Reporter};
use super::{
    CliError, EXIT_DIFFERENCES, EXIT_OK, ScriptArgs, ShadowArgs, parse_source, write_output,
};
use pgrift::deploy::{self, Timing};
use pgrift::sql::visible;

#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// The database as it is: a URL, a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The schema wanted, in the same forms
    #[arg(value_name = "TO")]
    pub to: String,
    /// Rows to load into the rehearsal's copy of FROM before the forward
    /// script (a .sql file, run as the shadow runs schema files)
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    #[command(flatten)]
    pub deploy: DeployArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: RehearseArgs) -> Result<ExitCode, CliError> {
    let (from, to) = (parse_source(&args.from)?, parse_source(&args.to)?);
    let (deployment, shadow) =
        super::plan::planned(&from, &to, &args.shadow, &args.script, false).await?;
    if deployment.statements().is_empty() {
        eprintln!("nothing to rehearse: the schemas do not differ");
        return Ok(ExitCode::from(EXIT_OK));
    }
    let options = args.deploy.options(&args.shadow, &args.script)?;
    let mut progress = Reporter::without_lines(args.deploy.output, deployment.statements().len());
    let rehearsal = deploy::rehearse(
        &shadow,
        &from.spec,
        args.seed.as_deref(),
        &deployment,
        &options,
        &mut progress,
    )
    .await;
    progress.finish();
    let rehearsal = rehearsal?;
    let text = if args.deploy.output == super::apply::Output::Json {
        // The rehearsal holds strings and numbers only.
        let mut text = serde_json::to_string_pretty(&rehearsal).unwrap_or_default();
        text.push('\n');
        text
    } else {
        let mut text = String::new();
        for (title, timings) in [
            ("forward", &rehearsal.forward),
            ("reverse", &rehearsal.reverse),
        ] {
            text.push_str(&format!("{title} script:\n{}\n", table(timings)));
        }
        let rows: i64 = rehearsal.rows.iter().map(|(_, n)| n).sum();
        text.push_str(&format!(
            "{} rows in {} tables seeded and checked after both scripts\n",
            rows,
            rehearsal.rows.len()
        ));
        text
    };
    write_output(None, text.as_bytes())?;
    if rehearsal.problems.is_empty() {
        eprintln!("rehearsal passed: forward reached TO, reverse reached FROM, every row kept");
        return Ok(ExitCode::from(EXIT_OK));
    }
    for problem in &rehearsal.problems {
        eprintln!("rehearsal failed: {}", visible(problem));
    }
    Ok(ExitCode::from(EXIT_DIFFERENCES))
}

/// The statements and their times, slowest marked by its time only.
fn table(timings: &[Timing]) -> String {
    let mut builder = Builder::default();
    builder.push_record(["#", "statement", "ms"]);
    for timing in timings {
        builder.push_record([
            timing.number.to_string(),
            format!(
                "{} {} {}",
                timing.change,
                timing.object_kind,
                visible(&timing.object)
            ),
            format!("{:.1}", timing.took.as_secs_f64() * 1000.0),
        ]);
    }
    let total: f64 = timings.iter().map(|t| t.took.as_secs_f64() * 1000.0).sum();
    builder.push_record([String::new(), "total".to_owned(), format!("{total:.1}")]);
    let mut table = builder.build();
    table.with(Style::sharp());
    table.to_string()
}
