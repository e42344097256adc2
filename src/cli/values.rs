//! Values that options and the project file share: the report formats,
//! the migration layouts and durations. They stand apart from the commands
//! so that `config` can read them without importing the commands that read
//! `config`.

use std::time::Duration;

use clap::ValueEnum;
use pgrift::emit::layout::Layout;

/// `pgrift report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A table grouped by severity, coloured on a terminal unless NO_COLOR is set
    Terminal,
    /// For a pull-request comment, with definition diffs
    Markdown,
    /// The stable shape documented in the README, for CI
    Json,
    /// One self-contained page for a browser
    Html,
}

/// The tools `--layout` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutArg {
    Plain,
    Flyway,
    GolangMigrate,
    Dbmate,
    Sqitch,
}

impl LayoutArg {
    pub fn layout(self) -> Layout {
        match self {
            LayoutArg::Plain => Layout::Plain,
            LayoutArg::Flyway => Layout::Flyway,
            LayoutArg::GolangMigrate => Layout::GolangMigrate,
            LayoutArg::Dbmate => Layout::Dbmate,
            LayoutArg::Sqitch => Layout::Sqitch,
        }
    }
}

/// `5s`, `500ms`, `2m`, a bare number of seconds, or `0` for no limit.
pub fn parse_limit(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 5s or 500ms"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "min" | "m" => value * 60.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}: use ms, s or min"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{text:?} is not a duration such as 5s or 500ms"))
}
