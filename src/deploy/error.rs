//! The errors of a deployment, each saying what state the database is in.
//! Names and server text are as they are: the binary prints every line
//! of an error through `sql::visible`.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::introspect::IntrospectError;
use crate::source::SourceError;

/// A session that held a lock a statement waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub pid: i32,
    pub user: Option<String>,
    pub application: Option<String>,
    pub state: Option<String>,
    /// Its current or last query, cut short; `None` where the role may not
    /// see it.
    pub query: Option<String>,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {}", self.pid)?;
        if let Some(user) = &self.user {
            write!(f, " ({user})")?;
        }
        if let Some(application) = self.application.as_deref().filter(|a| !a.is_empty()) {
            write!(f, " [{application}]")?;
        }
        if let Some(state) = &self.state {
            write!(f, " {state}")?;
        }
        if let Some(query) = &self.query {
            // A query of many lines reads as one.
            let query: Vec<&str> = query.split_whitespace().collect();
            write!(f, ": {}", query.join(" "))?;
        }
        Ok(())
    }
}

/// A statement that failed, where it stands and what the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The statement's number in the script, from 1, and how many there are.
    pub number: usize,
    pub total: usize,
    pub sql: String,
    pub code: Option<String>,
    pub message: String,
    /// The 1-based line and column in the statement the server pointed at.
    pub position: Option<(usize, usize)>,
    pub detail: Option<String>,
    /// The transactions that committed before it, of how many.
    pub committed: usize,
    pub transactions: usize,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "statement {} of {} failed: {}",
            self.number, self.total, self.message
        )?;
        if let Some((line, column)) = self.position {
            write!(f, " (at line {line}, column {column} of the statement)")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\ndetail: {detail}")?;
        }
        write!(f, "\nstatement: {}", self.sql)?;
        if self.transactions == 0 {
            return write!(
                f,
                "\nthe database: unchanged (a dry run rolls everything back)"
            );
        }
        write!(
            f,
            "\nthe database: {} of {} transactions committed; the failing one was rolled back",
            self.committed, self.transactions
        )
    }
}

/// A timeout as a person reads it: `5s`, `1.5s`.
fn seconds(limit: Duration) -> String {
    format!("{}s", limit.as_secs_f64())
}

#[derive(Debug, Error)]
pub enum DeployError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error("{}: {message}", path.display())]
    PlanFile { path: PathBuf, message: String },
    #[error("{}: changed since the plan was written: {what}", path.display())]
    Edited { path: PathBuf, what: String },
    #[error("planning the differences: {0}")]
    Plan(String),
    #[error(
        "the database is not {expected}: since the plan was made, it changed by (drift):\n  {}",
        differences.join("\n  ")
    )]
    Drift {
        expected: &'static str,
        differences: Vec<String>,
    },
    #[error("the database is already what the plan makes it: nothing to do")]
    AlreadyApplied,
    #[error(
        "the plan has risks at or above --fail-on that no --allow accepts:\n  {}",
        risks.join("\n  ")
    )]
    Gate { risks: Vec<String> },
    #[error("another deployment is running on this database{}", holder.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    Busy { holder: Option<Blocker> },
    #[error(
        "statement {number} waited longer than lock_timeout ({}) for a lock, {attempts} times; \
         the database: {committed} of {transactions} transactions committed, the waiting one rolled back{}",
        seconds(*lock_timeout),
        if blockers.is_empty() { String::new() } else {
            format!("\nheld by:\n  {}", blockers.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))
        }
    )]
    LockTimeout {
        number: usize,
        lock_timeout: Duration,
        attempts: u32,
        blockers: Vec<Blocker>,
        committed: usize,
        transactions: usize,
    },
    #[error("{0}")]
    Statement(Box<Failure>),
    #[error("the deployment history in schema {schema}: {message}")]
    History { schema: String, message: String },
    /// `what` is the whole sentence: "no deployment 7 in the history",
    /// "nothing to roll back: no apply has succeeded".
    #[error("{what}")]
    NoDeployment { what: String },
    #[error("backup with pg_dump failed: {0}")]
    Backup(String),
    #[error("the connection to the database failed: {0}")]
    Connection(String),
    /// A statement names a secret by its psql variable, and no value was
    /// given for it. The error names the variable, never a value.
    #[error("no value for the secret {name}: the plan writes it as a psql variable")]
    MissingSecret { name: String, env: String },
}

impl DeployError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            DeployError::Source(e) => e.hint(),
            DeployError::Introspect(_) => None,
            DeployError::PlanFile { .. } => Some("give the directory `pgrift plan --out` wrote".to_owned()),
            DeployError::Edited { .. } => Some(
                "apply runs what was reviewed; write the plan again with `pgrift plan` instead of editing it".to_owned(),
            ),
            DeployError::Plan(_) => None,
            DeployError::AlreadyApplied => Some("`pgrift history URL` shows when it was applied".to_owned()),
            DeployError::Drift { .. } => Some(
                "plan again from the database as it is now (`pgrift plan URL TO --out DIR`), and review the new plan".to_owned(),
            ),
            DeployError::Gate { .. } => Some(
                "review each risk; accept one with --allow RULE or --allow RULE:OBJECT, or raise --fail-on".to_owned(),
            ),
            DeployError::Busy { .. } => Some(
                "wait for the other deployment to end (`pgrift history URL` shows it)".to_owned(),
            ),
            DeployError::LockTimeout { .. } => Some(
                "retry when the sessions named are done, or raise --lock-timeout or --retries".to_owned(),
            ),
            DeployError::Statement(_) => Some(
                "`pgrift diff URL TO` shows what is left to do; `pgrift history URL` records the failure".to_owned(),
            ),
            DeployError::History { .. } => Some(
                "the role needs CREATE on the database for the history schema, or --history-schema names one it may write".to_owned(),
            ),
            DeployError::NoDeployment { .. } => Some("`pgrift history URL` lists the deployments".to_owned()),
            DeployError::Backup(_) => Some(
                "pg_dump of the server's version or newer must be on PATH or in PGRIFT_PG_BIN".to_owned(),
            ),
            DeployError::Connection(_) => None,
            DeployError::MissingSecret { name, env } => Some(format!(
                "give it with --secret {name}=VALUE, or in the environment as {env}"
            )),
        }
    }
}
