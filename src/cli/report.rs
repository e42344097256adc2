//! `pgrift report FROM TO`: what each statement of both scripts risks, for a
//! reviewer (terminal, Markdown, HTML) or for CI (JSON).

use super::values::Format;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::risk::{self, RiskArgs};
use super::{
    CliError, EXIT_OK, ScriptArgs, ShadowArgs, compare, options, parse_source,
    print_comparison_warnings, skip_free, write_output,
};
use pgrift::report;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The database as it is: a URL (its data is probed), a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The schema wanted, in the same forms (e.g. schema.sql)
    #[arg(value_name = "TO")]
    pub to: String,
    /// The report format [default: terminal, or [output] format in pgrift.toml]
    #[arg(long, short, value_enum)]
    pub format: Option<Format>,
    /// Write the report to this file instead of stdout (e.g. -o report.html)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub risk: RiskArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

pub async fn run(args: ReportArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let (from, to) = (parse_source(&args.from)?, parse_source(&args.to)?);
    // A report reviews both scripts and writes neither, so neither is
    // checked against its server.
    let options = pgrift::Options {
        reverse: true,
        ..options(&args.shadow, &config, &args.script)?
    };
    let comparison = compare(&from, &to, &options, args.shadow.quiet, false).await?;
    print_comparison_warnings(&comparison.warnings, args.shadow.quiet);
    let reverse = comparison
        .reverse
        .as_ref()
        .expect("the reverse script is planned when asked for");
    let report = risk::build_report(&comparison, reverse);

    let mut out = Vec::new();
    let color = args.output.is_none() && report::use_color();
    let format = match args.format {
        Some(format) => format,
        None => super::config::load()?
            .and_then(|project| project.config.output.format)
            .unwrap_or(Format::Terminal),
    };
    let rendered = match format {
        Format::Terminal => {
            let width = if args.output.is_none() {
                output_width()
            } else {
                report::DEFAULT_WIDTH
            };
            report::write_terminal(&report, &mut out, color, width)
        }
        Format::Markdown => report::write_markdown(&report, &mut out),
        Format::Json => report::write_json(&report, &mut out),
        Format::Html => report::write_html(&report, &mut out),
    };
    rendered.map_err(|source| CliError::Write {
        path: args.output.clone().unwrap_or_else(|| "<stdout>".into()),
        source,
    })?;
    write_output(args.output.as_ref(), &out)?;
    let status = config.failing(&comparison.forward.risks).unwrap_or(EXIT_OK);
    skip_free(comparison);
    Ok(ExitCode::from(status))
}

/// The width the report is laid out for on standard output: the terminal's
/// (`COLUMNS` when the shell sets it, else the window size the terminal
/// reports), [`report::DEFAULT_WIDTH`] when it is not a terminal.
pub fn output_width() -> usize {
    if !io::stdout().is_terminal() {
        return report::DEFAULT_WIDTH;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .or_else(window_columns);
    columns.unwrap_or(report::DEFAULT_WIDTH)
}

/// The columns of the terminal on standard output, as the terminal says.
#[cfg(unix)]
fn window_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes a `winsize` into the struct it is given and
    // reads nothing else; the struct lives for the whole call.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let answered = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (answered && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn window_columns() -> Option<usize> {
    None
}
