//! `pgrift verify PLAN_DIR --db URL`: after a deployment, is the database
//! the plan's TO?

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, EXIT_DIFFERENCES, EXIT_OK, ShadowArgs};
use pgrift::deploy::{self, Deployment};
use pgrift::sql::visible;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A plan's directory, written by `pgrift plan`
    #[arg(value_name = "PLAN_DIR")]
    pub plan: PathBuf,
    /// The database the plan was applied to
    #[arg(long, value_name = "URL")]
    pub db: String,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: VerifyArgs) -> Result<ExitCode, CliError> {
    let deployment = Deployment::read(&args.plan)?;
    let target = super::live_database(&args.db, "verify")?;
    let client = deploy::connect(&target).await?;
    let mut live = deploy::live_catalog(
        &client,
        &args.shadow.limits(),
        &args.shadow.history.history_schema,
        &deployment.plan,
    )
    .await?;
    deploy::runner_as_in(&client, &mut live, &deployment.to).await?;
    let left = deploy::changes(&live, &deployment.to)?;
    if left.is_empty() {
        eprintln!(
            "{target} matches the plan's TO ({})",
            deployment.plan.to.source
        );
        return Ok(ExitCode::from(EXIT_OK));
    }
    eprintln!(
        "{target} differs from the plan's TO ({}): {} changes would remain",
        deployment.plan.to.source,
        left.len()
    );
    for line in &left {
        println!("{}", visible(line));
    }
    Ok(ExitCode::from(EXIT_DIFFERENCES))
}
