//! `pgrift rollback URL [ID]`: a deployment's stored reverse script,
//! behind the same drift guard, timeouts and history as `apply`.

use std::process::ExitCode;

use clap::Args;

use super::apply::{DeployArgs, Reporter, report};
use super::{CliError, EXIT_OK, ScriptArgs, ShadowArgs};
use pgrift::deploy;

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The database to roll back
    #[arg(value_name = "URL")]
    pub db: String,
    /// The deployment to undo; by default the last apply that succeeded
    #[arg(value_name = "ID")]
    pub id: Option<i64>,
    #[command(flatten)]
    pub deploy: DeployArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: RollbackArgs) -> Result<ExitCode, CliError> {
    let target = super::live_database(&args.db, "rollback")?;
    let options = args.deploy.options(&args.shadow, &args.script)?;
    // The number of statements is known only once the deployment is read;
    // the bar grows to it with the first statement.
    let mut progress = Reporter::new(args.deploy.output, 0);
    let rolled_back = deploy::rollback(&target, args.id, &options, &mut progress).await;
    progress.finish();
    let (id, applied) = rolled_back?;
    report(
        &applied,
        &target,
        args.deploy.dry_run,
        &format!("rolled back deployment {id} with"),
    );
    Ok(ExitCode::from(EXIT_OK))
}
