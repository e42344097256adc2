//! Risk options shared by `diff`, `plan` and `report`: the `--fail-on`
//! gate and the probes, parsed once into a [`RiskConfig`], and the review
//! report of a comparison's risks.

use super::values::parse_limit;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{CliError, EXIT_RISK};
use pgrift::report;
use pgrift::risk::{Assessment, ProbeOptions, Severity};
use pgrift::source::SourceSpec;
use pgrift::{Comparison, Script};

/// A severity `--fail-on` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

#[derive(Debug, Args)]
pub struct RiskArgs {
    /// Exit with status 3 when the forward script has a risk of this
    /// severity or worse (for CI)
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Measure the risks on FROM's data with read-only queries. This is the
    /// default when FROM is a live database; .sql files, snapshots and
    /// `empty` hold no data, so there is nothing to probe
    #[arg(long, overrides_with = "no_probe")]
    pub probe: bool,
    /// Do not run the read-only probes against FROM
    #[arg(long, overrides_with = "probe")]
    pub no_probe: bool,
    /// The longest one probe may run or wait for a lock, e.g. 5s, 500ms;
    /// a probe that times out leaves its risk unmeasured
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub probe_timeout: Duration,
    /// Tables with more estimated rows are not counted: probes estimate from
    /// the planner's statistics instead, and say so
    #[arg(long, value_name = "ROWS", default_value_t = 1_000_000)]
    pub probe_max_rows: i64,
    /// With probes, a lock, rewrite or scan on a table of at most this many
    /// 8 kB pages is low (128: 1 MB)
    #[arg(long, value_name = "PAGES", default_value_t = pgrift::risk::SMALL_PAGES)]
    pub small_table_pages: i64,
    /// With probes, a medium lock, rewrite or scan on a table of at least
    /// this many 8 kB pages is high (131072: 1 GB)
    #[arg(long, value_name = "PAGES", default_value_t = pgrift::risk::LARGE_PAGES)]
    pub large_table_pages: i64,
    /// With probes, a table written at this many rows per second or more
    /// (inserted, updated, deleted) is busy: a lock, rewrite or scan on it
    /// is high, or medium on a small table
    #[arg(long, value_name = "ROWS", default_value_t = pgrift::risk::BUSY_WRITES)]
    pub busy_table_writes: u64,
    /// With probes, how long the writes to the tables at risk are watched
    /// in pg_stat_user_tables, while the probes run (servers publish a
    /// session's writes about once a second); 0 watches nothing
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_limit)]
    pub activity_window: Duration,
}

/// The risk options, validated against the FROM argument.
pub struct RiskConfig {
    pub fail_on: Option<Severity>,
    /// Risks accepted in the project file (`rule` or `rule:object`), which
    /// `--fail-on` does not count.
    pub allow: Vec<String>,
    /// How to probe FROM's live database, when probing.
    pub probe: Option<ProbeOptions>,
}

impl RiskArgs {
    /// Decides whether to probe: by default when FROM is a live database,
    /// never with `--no-probe`. `--probe` with another kind of FROM warns
    /// that there is nothing to measure.
    pub fn config(&self, from_arg: &str) -> Result<RiskConfig, CliError> {
        let spec = super::parse_source(from_arg)?.spec;
        let live = matches!(spec, SourceSpec::Url(_));
        if self.probe && !live {
            eprintln!(
                "warning: --probe measures risks on a live FROM database; {} holds no data, so nothing is probed",
                spec.label()
            );
        }
        let project = super::config::load()?;
        Ok(RiskConfig {
            fail_on: self
                .fail_on
                .map(FailOn::severity)
                .or(project.and_then(|p| p.config.risk.fail_on)),
            allow: project
                .map(super::config::Loaded::allowed)
                .unwrap_or_default(),
            probe: (live && !self.no_probe).then_some(ProbeOptions {
                timeout: self.probe_timeout,
                max_exact_rows: self.probe_max_rows.max(0),
                small_pages: self.small_table_pages.max(0),
                large_pages: self.large_table_pages.max(1),
                activity_window: self.activity_window,
                busy_writes: self.busy_table_writes.max(1),
            }),
        })
    }
}

/// `5s`, `500ms`, `2m`, or a bare number of seconds; more than zero.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_limit(text)?;
    if duration.is_zero() {
        return Err(format!("{:?} must be more than zero", text.trim()));
    }
    Ok(duration)
}

impl RiskConfig {
    /// The exit status `--fail-on` asks for, if a risk of the forward
    /// script reaches it, after saying on stderr how many risks of which
    /// severities did: a CI log that only shows the status would leave the
    /// reader guessing.
    pub fn failing(&self, forward: &Assessment) -> Option<u8> {
        let threshold = self.fail_on?;
        let reason = tripped(forward, threshold, &self.allow)?;
        eprintln!("error: {reason}");
        eprintln!(
            "hint: run `pgrift report` with the same FROM and TO to see them, or raise --fail-on"
        );
        Some(EXIT_RISK)
    }
}

/// "the forward script has 3 risks at or above medium (1 high, 2 medium)",
/// when any risk reaches `threshold`.
fn tripped(forward: &Assessment, threshold: Severity, allow: &[String]) -> Option<String> {
    let levels: Vec<(Severity, usize)> = [Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .filter(|level| *level >= threshold)
        .map(|level| {
            (
                level,
                forward
                    .risks()
                    .filter(|r| {
                        r.severity == level
                            && !pgrift::deploy::allows(allow, r.rule.id(), &r.object)
                    })
                    .count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let total: usize = levels.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let each: Vec<String> = levels
        .iter()
        .map(|(level, n)| format!("{n} {}", level.as_str()))
        .collect();
    Some(format!(
        "the forward script has {total} {} at or above {} ({})",
        if total == 1 { "risk" } else { "risks" },
        threshold.as_str(),
        each.join(", ")
    ))
}

/// The review report of both scripts of a comparison and their risks.
pub fn build_report(comparison: &Comparison, reverse: &Script) -> report::Report {
    let mut report = report::build(
        report::Side::new(&comparison.from.name, &comparison.from.label),
        report::Side::new(&comparison.to.name, &comparison.to.label),
        &comparison.from.catalog,
        &comparison.to.catalog,
        report::Section::new(&comparison.forward.plan, &comparison.forward.risks),
        report::Section::new(&reverse.plan, &reverse.risks),
    );
    // A difference no statement makes is listed with what is not modelled.
    report
        .warnings
        .extend(comparison.warnings.notes.iter().cloned());
    report.warnings.sort();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_tripped_the_gate() {
        use pgrift::risk::{Category, Risk, Rule, StatementRisks};
        let risk = |severity| Risk {
            rule: Rule::Lock,
            category: Category::Lock,
            severity,
            object: "public.t".into(),
            statement: "DROP TABLE public.t;".into(),
            message: String::new(),
            mitigation: String::new(),
            lock: None,
            tables: Vec::new(),
            evidence: None,
        };
        let forward = Assessment {
            statements: vec![StatementRisks {
                step: 0,
                index: 0,
                risks: vec![
                    risk(Severity::High),
                    risk(Severity::Info),
                    risk(Severity::Medium),
                    risk(Severity::Medium),
                    risk(Severity::Low),
                ],
            }],
        };
        assert_eq!(
            tripped(&forward, Severity::High, &[]).as_deref(),
            Some("the forward script has 1 risk at or above high (1 high)")
        );
        assert_eq!(
            tripped(&forward, Severity::Medium, &[]).as_deref(),
            Some("the forward script has 3 risks at or above medium (1 high, 2 medium)")
        );
        assert_eq!(
            tripped(&forward, Severity::Low, &[]).as_deref(),
            Some("the forward script has 4 risks at or above low (1 high, 2 medium, 1 low)")
        );
        let quiet = Assessment {
            statements: vec![StatementRisks {
                step: 0,
                index: 0,
                risks: vec![risk(Severity::Low)],
            }],
        };
        assert_eq!(tripped(&quiet, Severity::Medium, &[]), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1min"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("fast").is_err());
        assert_eq!(parse_limit("0"), Ok(Duration::ZERO));
        assert_eq!(parse_limit("5min"), Ok(Duration::from_secs(300)));
        assert!(parse_limit("-1s").is_err());
    }
}
