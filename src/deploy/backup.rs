//! `apply --backup DIR`: a `pg_dump -Fc` of exactly the tables and
//! sequences whose data the plan can destroy, taken before the first
//! statement.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::DeployError;
use crate::names::QualName;
use crate::source::{ConnInfo, Host};
use crate::sql::quote_pattern;

/// A backup taken: the file and its sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backup {
    pub file: PathBuf,
    pub sha256: String,
    pub objects: Vec<String>,
}

/// Dumps `objects` of the database `target` names into
/// `dir/deployment-<id>.dump` with `pg_dump`. The connection is passed in
/// the environment, so that no password shows in the process list.
pub async fn dump(
    target: &ConnInfo,
    pg_dump: &Path,
    dir: &Path,
    id: i64,
    objects: &[QualName],
) -> Result<Backup, DeployError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| DeployError::Backup(format!("{}: {e}", dir.display())))?;
    let file = dir.join(format!("deployment-{id}.dump"));
    let mut command = tokio::process::Command::new(pg_dump);
    command
        .arg("--format=custom")
        .arg("--no-password")
        .arg("--strict-names")
        .arg("--file")
        .arg(&file);
    for object in objects {
        command.arg("--table").arg(format!(
            "{}.{}",
            quote_pattern(&object.schema),
            quote_pattern(&object.name)
        ));
    }
    let host = match &target.host {
        Host::Socket(dir) => dir.display().to_string(),
        Host::Tcp(host) => host.clone(),
    };
    command
        .env("PGHOST", host)
        .env("PGPORT", target.port.to_string())
        .env("PGUSER", &target.user)
        .env("PGDATABASE", &target.dbname)
        .env("PGSSLMODE", target.sslmode.as_str())
        .env("PGAPPNAME", "pgrift backup")
        .env_remove("PGSERVICE");
    match &target.password {
        Some(password) => command.env("PGPASSWORD", password),
        None => command.env_remove("PGPASSWORD"),
    };
    if let Some(limit) = target.connect_timeout {
        command.env("PGCONNECT_TIMEOUT", limit.as_secs().max(1).to_string());
    }
    let output = command
        .output()
        .await
        .map_err(|e| DeployError::Backup(format!("{}: {e}", pg_dump.display())))?;
    if !output.status.success() {
        return Err(DeployError::Backup(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    let bytes = std::fs::read(&file)
        .map_err(|e| DeployError::Backup(format!("{}: {e}", file.display())))?;
    Ok(Backup {
        file,
        sha256: crate::emit::sha256(&bytes),
        objects: objects.iter().map(ToString::to_string).collect(),
    })
}
