//! `pgrift snapshot SOURCE`: a schema's catalog as JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, EXIT_OK, ShadowArgs, parse_source, print_warnings, write_file};
use pgrift::source::{self, Shadow, snapshot};

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The schema to capture: a URL, a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Write to this file instead of stdout (e.g. -o prod.json)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: SnapshotArgs) -> Result<ExitCode, CliError> {
    let spec = parse_source(&args.source)?;
    let shadow = Shadow::new(args.shadow.shadow_url.as_deref())?;
    let loaded = source::load(&spec.spec, &shadow).await;
    shadow.close().await;
    let loaded = loaded?;
    print_warnings(&loaded.catalog.warnings, args.shadow.quiet);
    let json = snapshot::to_json(&loaded);
    match &args.output {
        Some(path) => write_file(path, json.as_bytes())?,
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout.write_all(json.as_bytes())
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
