//! `pgrift diff FROM TO`: the forward (or reverse) script on stdout.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::{
    CliError, EXIT_DIFFERENCES, EXIT_OK, ShadowArgs, check_compat, load_pair, print_warnings,
};
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
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: DiffArgs) -> Result<ExitCode, CliError> {
    let (from, to) = load_pair(&args.from, &args.to, &args.shadow).await?;
    let (old, new, title) = if args.reverse {
        (&to, &from, "reverse script: TO -> FROM")
    } else {
        (&from, &to, "forward script: FROM -> TO")
    };
    let changeset = diff::diff(&old.catalog, &new.catalog);
    let plan = plan::plan(&changeset)?;
    // The script runs where `old` is: FROM's server, or TO's for --reverse.
    let (script, side) = if args.reverse {
        ("reverse", "TO")
    } else {
        ("forward", "FROM")
    };
    check_compat(&plan, old, script, side)?;
    print_warnings(&plan.warnings, args.shadow.quiet);
    let mut script = Vec::new();
    let title = format!("pgrift {title} ({} -> {})", old.label, new.label);
    emit::write_script(&plan, &title, &mut script).map_err(|source| CliError::Write {
        path: "<stdout>".into(),
        source,
    })?;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`pgrift diff … | head`) is not an error worth a message.
    if let Err(e) = stdout.write_all(&script).and_then(|_| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CliError::Write {
            path: "<stdout>".into(),
            source: e,
        });
    }
    if args.exit_code && !plan.is_empty() {
        Ok(ExitCode::from(EXIT_DIFFERENCES))
    } else {
        Ok(ExitCode::from(EXIT_OK))
    }
}
