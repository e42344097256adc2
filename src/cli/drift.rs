//! `pgrift drift --reference SRC TARGET…`: one schema against a fleet of
//! databases (one per tenant, region or customer), several at once: which
//! are in sync, what differs per kind, the worst risk of bringing each in
//! line, and a report directory per target.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use futures_util::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::Style;

use super::risk::RiskConfig;
use super::{
    CliError, EXIT_DIFFERENCES, EXIT_ERROR, EXIT_OK, ScriptArgs, ShadowArgs, SourceArg, options,
    parse_source, write_file, write_output,
};
use pgrift::source::{self, SourceSpec, snapshot};
use pgrift::sql::visible;
use pgrift::{emit, plan, report};

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The schema every target should have: a URL, .sql files, a snapshot
    /// or an environment of pgrift.toml
    #[arg(long, value_name = "SRC")]
    pub reference: String,
    /// The databases to check (URLs or environments)
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// A file of targets, one per line (blank lines and # comments left out)
    #[arg(long = "targets", visible_alias = "targets-file", value_name = "FILE")]
    pub targets_file: Option<PathBuf>,
    /// How many targets are read at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Write each target's forward script and report.md into DIR/<n>-<name>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// table for people, json for tools
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// What one target gave.
#[derive(Debug, Serialize)]
struct Checked {
    target: String,
    in_sync: bool,
    /// `Plan: 1 to add, …` of the script that brings it to the reference.
    plan: Option<String>,
    add: usize,
    change: usize,
    replace: usize,
    drop: usize,
    /// The worst risk of that script.
    worst_risk: Option<&'static str>,
    error: Option<String>,
}

/// The targets: those given, then those of the file.
fn targets(args: &DriftArgs) -> Result<Vec<String>, CliError> {
    let mut targets = args.targets.clone();
    if let Some(file) = &args.targets_file {
        let text = std::fs::read_to_string(file).map_err(|e| CliError::Usage {
            command: "drift",
            message: format!("{}: {e}", file.display()),
        })?;
        targets.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if targets.is_empty() {
        return Err(CliError::Usage {
            command: "drift",
            message: "drift needs targets: give them as arguments or in --targets".to_owned(),
        });
    }
    Ok(targets)
}

pub async fn run(args: DriftArgs) -> Result<ExitCode, CliError> {
    let targets = targets(&args)?;
    let config = RiskConfig {
        fail_on: None,
        probe: None,
        allow: Vec::new(),
    };
    let options = options(&args.shadow, &config, &args.script)?;
    // The reference is read once; every comparison reads its snapshot.
    let reference = parse_source(&args.reference)?;
    let mut loaded = source::load_with(&reference.spec, &options.shadow, &options.limits).await?;
    loaded
        .catalog
        .leave_out_schema(&args.shadow.history.history_schema);
    loaded.catalog.leave_out_parked();
    let snapshot_file = tempfile::Builder::new()
        .prefix("pgrift-reference-")
        .suffix(".json")
        .tempfile()
        .map_err(|source| CliError::Write {
            path: std::env::temp_dir(),
            source,
        })?;
    write_file(
        &snapshot_file.path().to_path_buf(),
        snapshot::to_json(&loaded).as_bytes(),
    )?;
    let reference = Arc::new(SourceArg {
        spec: SourceSpec::Snapshot(snapshot_file.path().to_path_buf()),
    });
    let bar = (args.format == Format::Table && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(targets.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let options = Arc::new(options);
    let out = args.out.clone();
    let mut checked: Vec<(usize, Checked)> = stream::iter(targets.iter().enumerate())
        .map(|(n, target)| {
            let (options, reference, out, bar) =
                (options.clone(), reference.clone(), out.clone(), bar.clone());
            async move {
                let result = check(n, target, &reference, &options, out.as_deref()).await;
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                (n, result)
            }
        })
        .buffer_unordered(usize::from(args.jobs))
        .collect()
        .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    checked.sort_by_key(|(n, _)| *n);
    let checked: Vec<Checked> = checked.into_iter().map(|(_, c)| c).collect();
    let text = match args.format {
        Format::Json => {
            // The rows hold strings, numbers and booleans only.
            let mut text = serde_json::to_string_pretty(&checked).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Table => table(&checked),
    };
    write_output(None, text.as_bytes())?;
    let (in_sync, failed) = (
        checked.iter().filter(|c| c.in_sync).count(),
        checked.iter().filter(|c| c.error.is_some()).count(),
    );
    eprintln!(
        "{in_sync} of {} in sync, {} differ, {failed} could not be checked",
        checked.len(),
        checked.len() - in_sync - failed
    );
    Ok(ExitCode::from(if failed > 0 {
        EXIT_ERROR
    } else if in_sync < checked.len() {
        EXIT_DIFFERENCES
    } else {
        EXIT_OK
    }))
}

/// Compares target `n` with the reference, and writes its files under
/// `out`.
async fn check(
    n: usize,
    target: &str,
    reference: &SourceArg,
    options: &pgrift::Options,
    out: Option<&std::path::Path>,
) -> Checked {
    let failed = |target: String, error: String| Checked {
        target,
        in_sync: false,
        plan: None,
        add: 0,
        change: 0,
        replace: 0,
        drop: 0,
        worst_risk: None,
        error: Some(error),
    };
    let spec = match parse_source(target) {
        Ok(spec) => spec,
        Err(e) => return failed(target.to_owned(), e.to_string()),
    };
    let label = spec.spec.label();
    let comparison = match pgrift::compare(&spec.spec, &reference.spec, options).await {
        Ok(comparison) => comparison,
        Err(e) => return failed(label, e.to_string()),
    };
    let forward = &comparison.forward;
    let summary = plan::summarize(&forward.plan);
    if let Some(dir) = out {
        let dir = dir.join(format!("{:03}-{}", n + 1, file_name(&label)));
        if let Err(e) = write_target(&dir, &comparison) {
            return failed(label, e.to_string());
        }
    }
    Checked {
        target: label,
        in_sync: forward.plan.is_empty(),
        plan: Some(summary.line()),
        add: summary.total.add,
        change: summary.total.change,
        replace: summary.total.replace,
        drop: summary.total.drop,
        worst_risk: forward.risks.worst().map(|s| s.as_str()),
        error: None,
    }
}

/// A target's label as part of a directory name: letters, digits, `-` and
/// `_`, the rest `_`, at most 60 characters.
fn file_name(label: &str) -> String {
    let name: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    name.trim_matches('_').to_owned()
}

/// Writes `forward.sql` and `report.md` of one target.
fn write_target(dir: &std::path::Path, comparison: &pgrift::Comparison) -> Result<(), CliError> {
    let io = |path: PathBuf| move |source| CliError::Write { path, source };
    std::fs::create_dir_all(dir).map_err(io(dir.to_path_buf()))?;
    let forward = &comparison.forward;
    let title = emit::script_title(
        emit::Direction::Forward,
        &comparison.from.label,
        &comparison.to.label,
    );
    let mut script = Vec::new();
    emit::write_script(&forward.plan, &title, Some(&forward.risks), &mut script)
        .map_err(io(dir.join("forward.sql")))?;
    write_file(&dir.join("forward.sql"), &script)?;
    let report = report::build(
        report::Side::new(&comparison.from.name, &comparison.from.label),
        report::Side::new(&comparison.to.name, &comparison.to.label),
        &comparison.from.catalog,
        &comparison.to.catalog,
        report::Section::new(&forward.plan, &forward.risks),
        report::Section::default(),
    );
    let mut markdown = Vec::new();
    report::write_markdown(&report, &mut markdown).map_err(io(dir.join("report.md")))?;
    write_file(&dir.join("report.md"), &markdown)
}

fn table(checked: &[Checked]) -> String {
    let mut builder = Builder::default();
    builder.push_record(["target", "state", "changes", "worst risk"]);
    for c in checked {
        let (state, changes) = match (&c.error, c.in_sync) {
            (Some(_), _) => ("error", "(below)".to_owned()),
            (None, true) => ("in sync", String::new()),
            (None, false) => (
                "differs",
                format!("+{} ~{} ±{} -{}", c.add, c.change, c.replace, c.drop),
            ),
        };
        builder.push_record([
            visible(&c.target).into_owned(),
            state.to_owned(),
            visible(&changes).into_owned(),
            c.worst_risk.unwrap_or("-").to_owned(),
        ]);
    }
    let mut table = builder.build();
    table.with(Style::sharp());
    let mut text = format!("{table}\n");
    for c in checked {
        if let Some(error) = &c.error {
            text.push_str(&format!(
                "error: {}: {}\n",
                visible(&c.target),
                visible(error.lines().next().unwrap_or_default())
            ));
        }
    }
    text
}
