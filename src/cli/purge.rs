//! `pgrift purge URL [--older-than 7d] [--execute | --dry-run]`: lists what
//! `--park-drops` parked in a database and, asked to, drops what is old
//! enough for good, as a deployment recorded in the history.

use std::process::ExitCode;

use clap::Args;

use super::apply::{DeployArgs, Reporter, report};
use super::{CliError, EXIT_OK, ScriptArgs, ShadowArgs};
use pgrift::catalog::parked::Day;
use pgrift::deploy::{self, ParkedObject};
use pgrift::sql::{quote_ident, visible};

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The database whose parked tables and columns to purge
    #[arg(value_name = "URL")]
    pub db: String,
    /// Purge only what was parked at least this long ago, in days or weeks
    /// (7d, 2w); 0 purges everything parked
    #[arg(long, value_name = "AGE", default_value = "7d", value_parser = parse_age)]
    pub older_than: i64,
    /// Drop them; without it (or --dry-run) the purge is only shown
    #[arg(long, conflicts_with = "dry_run")]
    pub execute: bool,
    #[command(flatten)]
    pub deploy: DeployArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

/// An age in whole days: `7d`, `2w`, or a number of days.
fn parse_age(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, days) = match text.strip_suffix('w') {
        Some(weeks) => (weeks, 7),
        None => (text.strip_suffix('d').unwrap_or(text), 1),
    };
    number
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .and_then(|n| n.checked_mul(days))
        .ok_or_else(|| format!("{text:?} is not an age such as 7d, 2w or 0"))
}

pub async fn run(args: PurgeArgs) -> Result<ExitCode, CliError> {
    let target = super::live_database(&args.db, "purge")?;
    let mut options = args.deploy.options(&args.shadow, &args.script)?;
    options.purge = true;
    let today = super::config::planning_day()?;
    let last_day = Day(today.0 - args.older_than);
    let client = deploy::connect(&target).await?;
    let purge = deploy::plan_purge(
        &client,
        &target.to_string(),
        &options.limits,
        &options.history_schema,
        last_day,
        args.script.timeouts()?,
    )
    .await?;
    drop(client);
    for warning in &purge.warnings {
        eprintln!("warning: {warning}");
    }
    if purge.found.is_empty() {
        eprintln!("nothing is parked in {target}");
        return Ok(ExitCode::from(EXIT_OK));
    }
    for object in &purge.found {
        println!("{}", describe(object));
    }
    let deployment = &purge.deployment;
    if deployment.statements().is_empty() {
        eprintln!(
            "nothing to purge: nothing was parked on {} or earlier",
            last_day.iso()
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    if !args.execute && !args.deploy.dry_run {
        print!("{}", deployment.forward_sql);
        eprintln!(
            "not purged: {} statements, risks: {}; --execute drops them for good, \
             --dry-run runs them and rolls them back",
            deployment.statements().len(),
            deployment.risk_summary()
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut progress = Reporter::new(args.deploy.output, deployment.statements().len());
    let applied = deploy::apply(&target, deployment, None, &options, &mut progress).await;
    progress.finish();
    report(&applied?, &target, args.deploy.dry_run, "purged with");
    Ok(ExitCode::from(EXIT_OK))
}

/// One line of the listing: what is parked, since when, and whether it is
/// purged.
fn describe(object: &ParkedObject) -> String {
    let name = match &object.column {
        None => format!("table {}", object.table),
        Some(column) => format!("column {}.{}", object.table, quote_ident(column)),
    };
    let day = object
        .day
        .map_or_else(|| "on an unknown day".to_owned(), |day| day.iso());
    let fate = if object.purged { "purge" } else { "keep" };
    format!("{fate}\t{}\tparked {day}", visible(&name))
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages_are_days_or_weeks() {
        assert_eq!(parse_age("7d"), Ok(7));
        assert_eq!(parse_age("2w"), Ok(14));
        assert_eq!(parse_age("0"), Ok(0));
        assert!(parse_age("-1d").is_err());
        assert!(parse_age("soon").is_err());
    }
}
