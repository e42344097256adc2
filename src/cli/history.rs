//! `pgrift history URL [ID]`: the deployments recorded in a database.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use tabled::builder::Builder;
use tabled::settings::Style;

use super::{CliError, EXIT_OK, HistorySchema, write_output};
use pgrift::deploy;
use pgrift::sql::visible;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The database whose deployments to list
    #[arg(value_name = "URL")]
    pub db: String,
    /// Show this deployment, with its forward and reverse scripts
    #[arg(value_name = "ID")]
    pub id: Option<i64>,
    /// table for people, json for tools
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub history: HistorySchema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| visible(v).into_owned())
}

pub async fn run(args: HistoryArgs) -> Result<ExitCode, CliError> {
    let target = super::live_database(&args.db, "history")?;
    let client = deploy::connect(&target).await?;
    if let Some(id) = args.id {
        let shown = deploy::show(&client, &args.history.history_schema, id).await?;
        let text = match args.format {
            Format::Json => json(&shown),
            Format::Table => {
                let r = &shown.record;
                let mut text = String::new();
                let fields = [
                    ("deployment", r.id.to_string()),
                    ("action", r.action.clone()),
                    (
                        "rollback of",
                        or_dash(r.rollback_of.map(|id| id.to_string()).as_deref()),
                    ),
                    ("status", r.status.clone()),
                    ("started", r.started_at.clone()),
                    ("finished", or_dash(r.finished_at.as_deref())),
                    (
                        "applied by",
                        format!(
                            "{} (os user {}, host {})",
                            visible(&r.db_role),
                            or_dash(r.os_user.as_deref()),
                            or_dash(r.client_host.as_deref())
                        ),
                    ),
                    ("pgrift", r.pgrift_version.clone()),
                    ("from fingerprint", r.from_fingerprint.clone()),
                    ("to fingerprint", r.to_fingerprint.clone()),
                    ("plan sha256", r.plan_sha256.clone()),
                    ("risks", r.risk_summary.clone()),
                    (
                        "transactions",
                        format!(
                            "{} of {} committed",
                            r.transactions_committed, r.transactions
                        ),
                    ),
                    (
                        "backup",
                        match (&r.backup_file, &r.backup_sha256) {
                            (Some(file), Some(sum)) => format!("{} (sha256 {sum})", visible(file)),
                            _ => "-".to_owned(),
                        },
                    ),
                    ("error", or_dash(r.error.as_deref())),
                ];
                for (name, value) in fields {
                    text.push_str(&format!("{name:>17}: {value}\n"));
                }
                text.push_str("\n-- forward script --\n");
                text.push_str(&shown.forward_sql);
                text.push_str("\n-- reverse script --\n");
                text.push_str(&shown.reverse_sql);
                text
            }
        };
        write_output(None, text.as_bytes())?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    let records = deploy::list(&client, &args.history.history_schema).await?;
    let text = match args.format {
        Format::Json => json(&records),
        Format::Table if records.is_empty() => "no deployments recorded\n".to_owned(),
        Format::Table => {
            let mut builder = Builder::default();
            builder.push_record([
                "id",
                "action",
                "status",
                "started (UTC)",
                "by",
                "risks",
                "committed",
            ]);
            for r in &records {
                let action = match r.rollback_of {
                    Some(of) => format!("rollback of {of}"),
                    None => r.action.clone(),
                };
                builder.push_record([
                    r.id.to_string(),
                    action,
                    r.status.clone(),
                    r.started_at
                        .replace('T', " ")
                        .trim_end_matches('Z')
                        .to_owned(),
                    visible(&r.db_role).into_owned(),
                    r.risk_summary.clone(),
                    format!("{}/{}", r.transactions_committed, r.transactions),
                ]);
            }
            let mut table = builder.build();
            table.with(Style::sharp());
            format!("{table}\n")
        }
    };
    write_output(None, text.as_bytes())?;
    Ok(ExitCode::from(EXIT_OK))
}

fn json<T: serde::Serialize>(value: &T) -> String {
    // The records hold strings and numbers only.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
