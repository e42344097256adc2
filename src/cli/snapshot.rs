//! `pgrift snapshot SOURCE`: a schema's catalog as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, EXIT_OK, ShadowArgs, make_shadow, parse_source, print_warnings};
use pgrift::source::{self, snapshot};

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The schema to capture: a URL, a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Write to this file instead of stdout (e.g. -o prod.json)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep the cluster's roles too (attributes, memberships, settings;
    /// never passwords), so that `--roles` can compare them with the
    /// snapshot. Only for a live database
    #[arg(long)]
    pub roles: bool,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: SnapshotArgs) -> Result<ExitCode, CliError> {
    let spec = parse_source(&args.source)?;
    let shadow = make_shadow(&args.shadow)?;
    let mut loaded = source::load_with(&spec.spec, &shadow, &args.shadow.limits()).await?;
    drop(shadow);
    loaded
        .catalog
        .leave_out_schema(&args.shadow.history.history_schema);
    loaded.catalog.leave_out_parked();
    let notes = args
        .shadow
        .filter
        .filter()
        .apply(&mut loaded.catalog)
        .unwrap_or_else(|e| vec![e]);
    for note in notes {
        eprintln!("note: {}", pgrift::sql::visible(&note));
    }
    print_warnings(&loaded.catalog.warnings, args.shadow.quiet);
    if args.roles {
        loaded.catalog.roles = loaded.cluster_roles.take().ok_or_else(|| CliError::Usage {
            command: "snapshot",
            message: format!(
                "--roles keeps a live database's roles, and {} has none to keep (.sql files \
                 are loaded with stand-in roles)",
                loaded.label
            ),
        })?;
    }
    let snapshot = snapshot::Snapshot {
        server_version_num: loaded.server_version_num,
        roles: args.roles,
        catalog: loaded.catalog,
    };
    match &args.output {
        Some(path) => snapshot::save(path, &snapshot)?,
        None => {
            let stdout = std::io::stdout().lock();
            if let Err(e) = snapshot::write(stdout, &snapshot)
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(CliError::Write {
                    path: "<stdout>".into(),
                    source: e,
                });
            }
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}
