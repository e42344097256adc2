//! `pgrift.toml`: a project's named environments, filters, risk gate,
//! accepted risks and role map, found in the current directory or the nearest parent
//! (as cargo finds `Cargo.toml`), or where `PGRIFT_CONFIG` says. Command
//! line options win over it. `pgrift config` prints it resolved.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::Args;
use serde::Deserialize;

use super::{CliError, EXIT_OK, write_output};
use pgrift::catalog::parked::Day;
use pgrift::catalog::role_map::RoleMap;
use pgrift::catalog::{Filter, Rename};
use pgrift::source::{self, SourceSpec};
use pgrift::sql::visible;

/// The file's name.
pub const FILE: &str = "pgrift.toml";

/// The project file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Named schemas: `pgrift diff dev prod`.
    #[serde(default)]
    pub env: BTreeMap<String, Env>,
    #[serde(default)]
    pub filter: Filter,
    #[serde(default)]
    pub risk: RiskDefaults,
    /// Risks reviewed and accepted: they no longer trip `--fail-on`, and
    /// `apply` allows them, until they expire.
    #[serde(default)]
    pub accept: Vec<Accepted>,
    #[serde(default)]
    pub script: ScriptDefaults,
    #[serde(default)]
    pub output: OutputDefaults,
    #[serde(default)]
    pub roles: Roles,
    /// Objects renamed rather than dropped and created, as `--rename`
    /// takes them (`"public.orders=purchases"`).
    #[serde(default)]
    pub renames: Vec<Rename>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Role names read as others on both sides, as `--map-role` gives
    /// them: `map = { dev_owner = "prod_owner" }`.
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

impl Roles {
    /// The role map, which `load` has checked.
    pub fn role_map(&self) -> RoleMap {
        RoleMap(self.map.clone())
    }
}

/// One environment: exactly one of a URL, `.sql` files or a snapshot.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Env {
    /// A connection string; `${NAME}` is replaced by the environment
    /// variable `NAME`.
    pub url: Option<String>,
    /// A `.sql` file or directory, relative to the project file.
    pub sql: Option<PathBuf>,
    /// A snapshot file, relative to the project file.
    pub snapshot: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDefaults {
    pub fail_on: Option<pgrift::risk::Severity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptDefaults {
    /// Plan `--online` by default.
    #[serde(default)]
    pub online: bool,
    /// Plan `--park-drops` by default.
    #[serde(default)]
    pub park_drops: bool,
    /// Plan `--create-subscriptions` by default.
    #[serde(default)]
    pub create_subscriptions: bool,
    /// `--lock-timeout` and `--statement-timeout` (`"3s"`, `"500ms"`;
    /// `"0"` leaves the server's setting).
    #[serde(default, deserialize_with = "duration")]
    pub lock_timeout: Option<std::time::Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub statement_timeout: Option<std::time::Duration>,
    /// Plan `--expand-contract` (its expand) by default.
    #[serde(default)]
    pub expand_contract: bool,
    /// `--batch-size`.
    pub batch_size: Option<u64>,
}

/// What commands write by default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputDefaults {
    /// `pgrift report --format`.
    pub format: Option<super::values::Format>,
    /// `pgrift plan --layout`.
    pub layout: Option<super::values::LayoutArg>,
}

/// A duration as the command line takes it.
fn duration<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<std::time::Duration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    super::values::parse_limit(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// A reviewed risk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The rule's id, as reports show it.
    pub rule: String,
    /// The object, as reports show it; every object of the rule when left
    /// out.
    pub object: Option<String>,
    /// Why it was accepted.
    pub reason: String,
    /// The last day it counts (`YYYY-MM-DD`, UTC).
    pub expires: Option<String>,
}

impl Accepted {
    /// True when the acceptance still counts on `today` (`YYYY-MM-DD`).
    pub fn active(&self, today: &str) -> bool {
        self.expires.as_deref().is_none_or(|day| today <= day)
    }

    /// As `--allow` takes it: `rule` or `rule:object`.
    pub fn allow(&self) -> String {
        match &self.object {
            Some(object) => format!("{}:{object}", self.rule),
            None => self.rule.clone(),
        }
    }
}

/// The project file this process found, with where it is.
pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
}

static LOADED: OnceLock<Option<Loaded>> = OnceLock::new();

/// Finds and reads the project file once; later calls return it.
pub fn load() -> Result<Option<&'static Loaded>, CliError> {
    if let Some(loaded) = LOADED.get() {
        return Ok(loaded.as_ref());
    }
    let found = match std::env::var_os("PGRIFT_CONFIG") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => std::env::current_dir().ok().and_then(|dir| find(&dir)),
    };
    let loaded = match found {
        Some(path) => Some(read(&path)?),
        None => None,
    };
    Ok(LOADED.get_or_init(|| loaded).as_ref())
}

/// The nearest `pgrift.toml` in `dir` or its parents.
fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE))
        .find(|candidate| candidate.is_file())
}

/// Reads and checks a project file: an error names the file, line and
/// column.
pub fn read(path: &Path) -> Result<Loaded, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let place = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{line}:{column}: ")
        });
        CliError::Config {
            path: path.to_path_buf(),
            message: format!("{}{}", place.unwrap_or_default(), e.message()),
        }
    })?;
    let invalid = |message: String| CliError::Config {
        path: path.to_path_buf(),
        message,
    };
    config.filter.check().map_err(invalid)?;
    RoleMap::from_pairs(config.roles.map.clone())
        .map_err(|message| invalid(format!("roles.map: {message}")))?;
    for (name, env) in &config.env {
        let given = [env.url.is_some(), env.sql.is_some(), env.snapshot.is_some()];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(invalid(format!(
                "env.{name}: give exactly one of url, sql and snapshot"
            )));
        }
    }
    for accepted in &config.accept {
        if let Some(day) = &accepted.expires
            && !is_date(day)
        {
            return Err(invalid(format!(
                "accept {}: expires {day:?} is not a date such as 2027-01-31",
                accepted.rule
            )));
        }
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        config,
    })
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

/// Today in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    Day::of_seconds(seconds_now()).iso()
}

/// The day a plan is made, which dates what it parks: the day of
/// `SOURCE_DATE_EPOCH` when it is set (the reproducible-builds convention,
/// so that the same inputs give the same script), else today in UTC.
pub fn planning_day() -> Result<Day, CliError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .map(Day::of_seconds)
            .map_err(|_| CliError::Usage {
                command: "diff",
                message: format!(
                    "SOURCE_DATE_EPOCH is {}, not a number of seconds since 1970-01-01",
                    visible(&text)
                ),
            }),
        Err(_) => Ok(Day::of_seconds(seconds_now())),
    }
}

/// Now in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now() -> String {
    let seconds = seconds_now();
    let time = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Day::of_seconds(seconds).iso(),
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

fn seconds_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64
}

/// `${NAME}` replaced by the environment variable `NAME`; an unset one is
/// an error naming it.
fn expand(text: &str, env: &str) -> Result<String, CliError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| CliError::Environment {
            env: env.to_owned(),
            variable: name.to_owned(),
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Loaded {
    /// The source environment `name` names, if the project file has it.
    pub fn source(&self, name: &str) -> Result<Option<SourceSpec>, CliError> {
        let Some(env) = self.config.env.get(name) else {
            return Ok(None);
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let spec = match (&env.url, &env.sql, &env.snapshot) {
            (Some(url), _, _) => SourceSpec::Url(source::ConnInfo::parse(&expand(url, name)?)?),
            (_, Some(sql), _) => SourceSpec::Sql(dir.join(sql)),
            (_, _, Some(snapshot)) => SourceSpec::Snapshot(dir.join(snapshot)),
            _ => return Ok(None),
        };
        Ok(Some(spec))
    }

    /// The environments' names, for the error of one that is unknown.
    pub fn names(&self) -> Vec<&str> {
        self.config.env.keys().map(String::as_str).collect()
    }

    /// The accepted risks that still count, as `--allow` takes them.
    pub fn allowed(&self) -> Vec<String> {
        let today = today();
        self.config
            .accept
            .iter()
            .filter(|a| a.active(&today))
            .map(Accepted::allow)
            .collect()
    }
}

#[derive(Debug, Args)]
pub struct ConfigArgs {}

/// `pgrift config`: the project file as pgrift reads it, secrets hidden.
pub fn run(_: ConfigArgs) -> Result<ExitCode, CliError> {
    let Some(loaded) = load()? else {
        eprintln!("no {FILE} in this directory or its parents (or at PGRIFT_CONFIG)");
        return Ok(ExitCode::from(EXIT_OK));
    };
    let config = &loaded.config;
    let mut out = format!("# {}\n", visible(&loaded.path.display().to_string()));
    for name in config.env.keys() {
        let shown = match loaded.source(name) {
            Ok(Some(spec)) => spec.label(),
            Ok(None) => "-".to_owned(),
            Err(e) => format!("unresolved: {e}"),
        };
        out.push_str(&format!("env.{}: {}\n", visible(name), visible(&shown)));
    }
    let filter = &config.filter;
    for (option, patterns) in [
        ("schema", &filter.schemas),
        ("exclude-schema", &filter.exclude_schemas),
        ("exclude", &filter.exclude),
    ] {
        for pattern in patterns {
            out.push_str(&format!("filter --{option} {}\n", visible(pattern)));
        }
    }
    for part in &filter.ignore {
        out.push_str(&format!("filter --ignore {}\n", part.name()));
    }
    if let Some(fail_on) = config.risk.fail_on {
        out.push_str(&format!("risk --fail-on {}\n", fail_on.as_str()));
    }
    if config.script.online {
        out.push_str("script --online\n");
    }
    if config.script.park_drops {
        out.push_str("script --park-drops\n");
    }
    if config.script.create_subscriptions {
        out.push_str("script --create-subscriptions\n");
    }
    if config.script.expand_contract {
        out.push_str("script --expand-contract\n");
    }
    if let Some(rows) = config.script.batch_size {
        out.push_str(&format!("script --batch-size {rows}\n"));
    }
    for (option, limit) in [
        ("lock-timeout", config.script.lock_timeout),
        ("statement-timeout", config.script.statement_timeout),
    ] {
        if let Some(limit) = limit {
            out.push_str(&format!("script --{option} {limit:?}\n"));
        }
    }
    if let Some(format) = config.output.format {
        out.push_str(&format!("report --format {}\n", super::value_name(format)));
    }
    if let Some(layout) = config.output.layout {
        out.push_str(&format!("plan --layout {}\n", super::value_name(layout)));
    }
    for (from, to) in &config.roles.map {
        out.push_str(&format!(
            "roles --map-role {}={}\n",
            visible(from),
            visible(to)
        ));
    }
    for rename in &config.renames {
        out.push_str(&format!(
            "script --rename {}\n",
            visible(&rename.to_string())
        ));
    }
    let today = today();
    for accepted in &config.accept {
        let state = match (&accepted.expires, accepted.active(&today)) {
            (None, _) => "active".to_owned(),
            (Some(day), true) => format!("active through {day}"),
            (Some(day), false) => format!("expired after {day}"),
        };
        out.push_str(&format!(
            "accept {} ({state}): {}\n",
            visible(&accepted.allow()),
            visible(&accepted.reason)
        ));
    }
    write_output(None, out.as_bytes())?;
    Ok(ExitCode::from(EXIT_OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_civil_date() {
        let today = today();
        assert!(is_date(&today), "{today}");
        assert!(today.as_str() >= "2024-01-01", "{today}");
    }

    #[test]
    fn an_acceptance_counts_through_its_last_day() {
        let accepted = Accepted {
            rule: "drop-column".into(),
            object: Some("public.users.legacy".into()),
            reason: "moved".into(),
            expires: Some("2027-01-31".into()),
        };
        assert!(accepted.active("2027-01-31"));
        assert!(!accepted.active("2027-02-01"));
        assert_eq!(accepted.allow(), "drop-column:public.users.legacy");
    }
}
