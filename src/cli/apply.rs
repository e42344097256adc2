//! `pgrift apply PLAN_DIR --db URL` and `pgrift apply FROM TO`: a plan
//! applied to a live database, behind the drift guard, with progress and a
//! history; and the progress output `rollback` shares.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::risk::FailOn;
use super::{CliError, EXIT_OK, ScriptArgs, ShadowArgs, parse_source};
use pgrift::deploy::{self, Applied, ApplyOptions, Deployment, Event, Progress};
use pgrift::source::{ConnInfo, SourceSpec, find_bin_dir};
use pgrift::sql::visible;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan's directory (written by `pgrift plan`), applied to --db; or
    /// FROM, a live database, planned against TO and applied to in one step
    #[arg(value_name = "PLAN_DIR|FROM")]
    pub source: String,
    /// The schema wanted, when the first argument is a live FROM
    #[arg(value_name = "TO")]
    pub to: Option<String>,
    /// The database to apply a plan's directory to (its FROM)
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Apply without asking (the one-step form asks on a terminal)
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub deploy: DeployArgs,
    /// Dump the tables and sequences whose data the plan can destroy into
    /// DIR with pg_dump -Fc first, and record the file in the history
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,
    /// Refuse (exit 3) when a statement has a risk of this severity or
    /// worse that no --allow accepts
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Accept one reviewed risk by its rule id (as reports show it), or
    /// only on one object: RULE:OBJECT (e.g. drop-column:public.users.legacy)
    #[arg(long, value_name = "RULE[:OBJECT]")]
    pub allow: Vec<String>,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

/// What `apply` and `rollback` share.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Run every statement in a transaction that is rolled back: nothing
    /// changes and nothing is recorded
    #[arg(long)]
    pub dry_run: bool,
    /// How many times a transaction whose statement waited longer than
    /// --lock-timeout for a lock is tried again (after 1s, 2s, 4s …)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// How progress is shown: a bar on a terminal, else a line per
    /// statement (text), or one JSON object per event on stdout (json)
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub output: Output,
    /// The value of a secret the plan writes as a psql variable
    /// (pgrift_secret_…; the prefix may be left out); a secret not given
    /// is read from PGRIFT_SECRET_<NAME>
    #[arg(long, value_name = "NAME=VALUE")]
    pub secret: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

impl DeployArgs {
    pub fn options(
        &self,
        shadow: &ShadowArgs,
        script: &ScriptArgs,
    ) -> Result<ApplyOptions, CliError> {
        let (lock_timeout, statement_timeout) = script.deploy_limits()?;
        Ok(ApplyOptions {
            history_schema: shadow.history.history_schema.clone(),
            lock_timeout,
            statement_timeout,
            retries: self.retries,
            retry_delay: Duration::from_secs(1),
            dry_run: self.dry_run,
            backup: None,
            limits: shadow.limits(),
            fail_on: None,
            allow: Vec::new(),
            purge: false,
            secrets: deploy::Secrets::with_env(self.secrets()?),
        })
    }

    /// The `--secret`s by name. A malformed one is refused without
    /// showing it, since it may be the value itself.
    fn secrets(&self) -> Result<BTreeMap<String, String>, CliError> {
        self.secret
            .iter()
            .enumerate()
            .map(|(i, given)| match given.split_once('=') {
                Some((name, value)) if !name.is_empty() => {
                    Ok((name.to_owned(), value.to_owned()))
                }
                _ => Err(CliError::Usage {
                    command: "apply",
                    message: format!(
                        "--secret number {} is not NAME=VALUE (it is not shown, since it may be a secret)",
                        i + 1
                    ),
                }),
            })
            .collect()
    }
}

pub async fn run(args: ApplyArgs) -> Result<ExitCode, CliError> {
    let mut apply_options = args.deploy.options(&args.shadow, &args.script)?;
    apply_options.fail_on = args.fail_on.map(FailOn::severity);
    apply_options.allow = args.allow.clone();
    if let Some(project) = super::config::load()? {
        apply_options.allow.extend(project.allowed());
        if apply_options.fail_on.is_none() {
            apply_options.fail_on = project.config.risk.fail_on;
        }
    }
    if let Some(dir) = &args.backup {
        apply_options.backup = Some((dir.clone(), pg_dump()));
    }
    let (target, deployment) = match &args.to {
        None => {
            let Some(db) = &args.db else {
                return Err(CliError::Usage {
                    command: "apply",
                    message: "apply PLAN_DIR needs --db URL, the database to apply the plan to"
                        .to_owned(),
                });
            };
            let dir = Path::new(&args.source);
            (super::live_database(db, "apply")?, Deployment::read(dir)?)
        }
        Some(to) => {
            if args.db.is_some() {
                return Err(CliError::Usage {
                    command: "apply",
                    message: "apply FROM TO applies to FROM; --db is for a plan's directory"
                        .to_owned(),
                });
            }
            let from = parse_source(&args.source)?;
            let SourceSpec::Url(target) = from.spec.clone() else {
                return Err(CliError::Usage {
                    command: "apply",
                    message: format!(
                        "apply FROM TO needs a live database as FROM, not {}",
                        from.spec.label()
                    ),
                });
            };
            let to = parse_source(to)?;
            let (deployment, _) =
                super::plan::planned(&from, &to, &args.shadow, &args.script, true).await?;
            (target, deployment)
        }
    };
    if deployment.statements().is_empty() {
        eprintln!("nothing to apply: the plan has no statements");
        return Ok(ExitCode::from(EXIT_OK));
    }
    if args.to.is_some() && !args.deploy.dry_run && !args.yes && !confirm(&deployment, &target)? {
        eprintln!("not applied");
        return Ok(ExitCode::from(EXIT_OK));
    }
    let mut progress = Reporter::new(args.deploy.output, deployment.statements().len());
    let applied = deploy::apply(&target, &deployment, None, &apply_options, &mut progress).await;
    progress.finish();
    let applied = applied?;
    report(&applied, &target, args.deploy.dry_run, "applied");
    Ok(ExitCode::from(EXIT_OK))
}

/// The `pg_dump` of the server programs pgrift finds, else the one on
/// `PATH`.
fn pg_dump() -> PathBuf {
    find_bin_dir()
        .map(|dir| dir.join("pg_dump"))
        .ok()
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("pg_dump"))
}

/// Asks on the terminal before a one-step apply; without a terminal the
/// user must say `--yes`.
fn confirm(deployment: &Deployment, target: &ConnInfo) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Unconfirmed);
    }
    eprintln!(
        "{} statements in {} transactions, risks: {}",
        deployment.statements().len(),
        deployment.transactions(),
        deployment.risk_summary()
    );
    for statement in deployment.statements() {
        for risk in &statement.risks {
            eprintln!(
                "  {} {} {}: {}",
                risk.severity.as_str(),
                risk.rule,
                visible(&risk.object),
                visible(&risk.message)
            );
        }
    }
    eprint!("apply them to {target}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|source| CliError::Write {
            path: "<stdin>".into(),
            source,
        })?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// The last lines of an apply or a rollback.
pub fn report(applied: &Applied, target: &ConnInfo, dry_run: bool, verb: &str) {
    if dry_run {
        eprintln!(
            "dry run: {} statements ran on {target} and were rolled back; nothing changed",
            applied.statements
        );
        return;
    }
    if let Some(backup) = &applied.backup {
        eprintln!(
            "backup: {} (sha256 {}); restore with: pg_restore --dbname=… {}",
            backup.file.display(),
            backup.sha256,
            backup.file.display()
        );
    }
    if let Some(id) = applied.id {
        eprintln!(
            "{verb} {} statements to {target}: deployment {id} (`pgrift history URL {id}` shows it)",
            applied.statements
        );
    }
}

/// Shows a deployment's events: a bar on a terminal, a line per statement
/// in a pipe, or JSON lines on stdout.
pub struct Reporter {
    output: Output,
    bar: Option<ProgressBar>,
    /// Print a line per statement when there is no bar.
    lines: bool,
}

impl Reporter {
    pub fn new(output: Output, total: usize) -> Reporter {
        let bar = (output == Output::Text && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Reporter {
            output,
            bar,
            lines: true,
        }
    }

    /// A reporter for a command that prints every statement's time itself
    /// at the end: a bar on a terminal, else nothing per statement.
    pub fn without_lines(output: Output, total: usize) -> Reporter {
        Reporter {
            lines: false,
            ..Reporter::new(output, total)
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn json(&self, value: serde_json::Value) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{value}");
    }
}

/// The worst risk of a statement, as `high drop-column`.
fn worst(statement: &pgrift::emit::PlanStatement) -> Option<String> {
    statement
        .risks
        .iter()
        .max_by_key(|r| r.severity)
        .map(|r| format!("{} {}", r.severity.as_str(), r.rule))
}

impl Progress for Reporter {
    fn event(&mut self, event: Event<'_>) {
        if self.output == Output::Json {
            self.json(json_event(&event));
            return;
        }
        match event {
            Event::Checking => {}
            Event::BackedUp(backup) => self.line(&format!(
                "backed up {} to {}",
                visible(&backup.objects.join(", ")),
                backup.file.display()
            )),
            Event::Started {
                statement, total, ..
            } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(total as u64);
                    let risk = worst(statement)
                        .map(|r| format!(" [{r}]"))
                        .unwrap_or_default();
                    bar.set_message(format!(
                        "{} {} {}{risk}",
                        statement.change,
                        statement.object_kind,
                        visible(&statement.object)
                    ));
                }
            }
            Event::Finished {
                number,
                total,
                statement,
                took,
            } => match &self.bar {
                Some(bar) => bar.inc(1),
                None if !self.lines => {}
                None => {
                    let risk = worst(statement)
                        .map(|r| format!(" [{r}]"))
                        .unwrap_or_default();
                    eprintln!(
                        "[{number}/{total}] {:>8.1} ms  {} {} {}{risk}",
                        took.as_secs_f64() * 1000.0,
                        statement.change,
                        statement.object_kind,
                        visible(&statement.object)
                    );
                }
            },
            Event::Retrying {
                number,
                attempt,
                wait,
                blockers,
            } => {
                let held: Vec<String> = blockers.iter().map(ToString::to_string).collect();
                self.line(&format!(
                    "statement {number} waited too long for a lock{}; retry {attempt} in {:.1}s",
                    if held.is_empty() {
                        String::new()
                    } else {
                        format!(" held by {}", visible(&held.join("; ")))
                    },
                    wait.as_secs_f64()
                ));
            }
            Event::Committed { transaction, of } => {
                if self.bar.is_none() && self.lines {
                    eprintln!("committed transaction {transaction} of {of}");
                }
            }
            Event::NotTried {
                number,
                total,
                statement,
                why,
            } => self.line(&format!(
                "[{number}/{total}] not tried: {} {} {}: {why}",
                statement.change,
                statement.object_kind,
                visible(&statement.object)
            )),
            Event::RolledBack => {}
            Event::Backfilled {
                column,
                batch,
                rows,
            } => self.line(&format!(
                "backfill of {}: batch {batch} committed, {rows} rows filled",
                visible(column)
            )),
        }
    }
}

fn json_event(event: &Event<'_>) -> serde_json::Value {
    use serde_json::json;
    match event {
        Event::Checking => json!({"event": "checking"}),
        Event::BackedUp(backup) => json!({"event": "backup", "backup": backup}),
        Event::Started {
            number,
            total,
            statement,
        } => json!({
            "event": "started", "number": number, "total": total,
            "change": statement.change, "object_kind": statement.object_kind,
            "object": statement.object, "risks": statement.risks,
        }),
        Event::Finished {
            number,
            total,
            statement,
            took,
        } => json!({
            "event": "finished", "number": number, "total": total,
            "change": statement.change, "object_kind": statement.object_kind,
            "object": statement.object, "ms": took.as_secs_f64() * 1000.0,
        }),
        Event::Retrying {
            number,
            attempt,
            wait,
            blockers,
        } => json!({
            "event": "retrying", "number": number, "attempt": attempt,
            "wait_ms": wait.as_millis() as u64,
            "blockers": blockers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
        Event::Committed { transaction, of } => {
            json!({"event": "committed", "transaction": transaction, "of": of})
        }
        Event::NotTried {
            number,
            total,
            statement,
            why,
        } => json!({
            "event": "not_tried", "number": number, "total": total,
            "change": statement.change, "object_kind": statement.object_kind,
            "object": statement.object, "why": why,
        }),
        Event::RolledBack => json!({"event": "rolled_back"}),
        Event::Backfilled {
            column,
            batch,
            rows,
        } => json!({"event": "backfilled", "column": column, "batch": batch, "rows": rows}),
    }
}
