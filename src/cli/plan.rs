//! `pgrift plan FROM TO --out DIR`: both scripts, a plan file and the risks.

use super::values::LayoutArg;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::risk::{self, RiskArgs};
use super::{
    CliError, EXIT_OK, ScriptArgs, ShadowArgs, compare, options, parse_source,
    print_comparison_warnings, skip_free, write_file,
};
use pgrift::deploy::{Deployment, Side};
use pgrift::emit::layout::{self, Layout};
use pgrift::emit::{self, FROM_SNAPSHOT, TO_SNAPSHOT};
use pgrift::{Script, report};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The database as it is: a URL, a .sql file or directory, a snapshot .json, or `empty`
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The schema wanted, in the same forms (e.g. schema.sql)
    #[arg(value_name = "TO")]
    pub to: String,
    /// The directory to write forward.sql, reverse.sql, plan.json, from.json, to.json, report.md and report.json into (created if missing); with --layout, the tool's migrations directory
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Write the scripts as the next migration of this tool's directory
    /// (flyway: V<n>__<name>.sql and the undo U<n>__<name>.sql;
    /// golang-migrate: <n>_<name>.up.sql and .down.sql; dbmate:
    /// <n>_<name>.sql), numbered after the highest migration already in DIR;
    /// sqitch: deploy/, revert/ and verify/<name>.sql and a line of
    /// sqitch.plan
    /// [default: plain, or [output] layout in pgrift.toml]
    #[arg(
        long,
        value_enum,
        requires_if("flyway", "name"),
        requires_if("golang-migrate", "name"),
        requires_if("dbmate", "name"),
        requires_if("sqitch", "name")
    )]
    pub layout: Option<LayoutArg>,
    /// The migration's name in its file names (letters, digits, '_' and '-'), e.g. add_refunds
    #[arg(long, value_name = "NAME", value_parser = parse_name)]
    pub name: Option<String>,
    #[command(flatten)]
    pub risk: RiskArgs,
    #[command(flatten)]
    pub script: ScriptArgs,
    #[command(flatten)]
    pub shadow: ShadowArgs,
}

fn parse_name(name: &str) -> Result<String, String> {
    layout::check_name(name)
        .map(|()| name.to_owned())
        .map_err(|e| e.to_string())
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, CliError> {
    let config = args.risk.config(&args.from)?;
    let layout = match args.layout {
        Some(layout) => layout.layout(),
        None => {
            let configured = super::config::load()?.and_then(|p| p.config.output.layout);
            if let Some(layout) = configured.filter(|l| *l != LayoutArg::Plain)
                && args.name.is_none()
            {
                return Err(CliError::Usage {
                    command: "plan",
                    message: format!(
                        "the layout {} of pgrift.toml's [output] needs --name, the migration's \
                         name (or give --layout plain)",
                        super::value_name(layout)
                    ),
                });
            }
            configured.unwrap_or(LayoutArg::Plain).layout()
        }
    };
    let (from, to) = (parse_source(&args.from)?, parse_source(&args.to)?);
    let options = pgrift::Options {
        reverse: true,
        check_forward: true,
        check_reverse: true,
        tool_tables: layout.history_table().into_iter().collect(),
        tool_schema: layout.history_schema(),
        ..options(&args.shadow, &config, &args.script)?
    };
    let comparison = compare(&from, &to, &options, args.shadow.quiet, false).await?;
    print_comparison_warnings(&comparison.warnings, args.shadow.quiet);
    let forward = &comparison.forward;
    let reverse = comparison
        .reverse
        .as_ref()
        .expect("the reverse script is planned when asked for");

    std::fs::create_dir_all(&args.out).map_err(|source| CliError::Write {
        path: args.out.clone(),
        source,
    })?;
    if let Some(name) = &args.name
        && layout != Layout::Plain
    {
        let status = write_migration(&args.out, layout, name, &comparison, reverse)?;
        let status = config.failing(&forward.risks).unwrap_or(status);
        skip_free(comparison);
        return Ok(ExitCode::from(status));
    }
    let deployment = deployment(&comparison, reverse, &options);
    let files = [
        ("forward.sql", deployment.forward_sql.as_bytes()),
        ("reverse.sql", deployment.reverse_sql.as_bytes()),
        (FROM_SNAPSHOT, deployment.from_snapshot.as_bytes()),
        (TO_SNAPSHOT, deployment.to_snapshot.as_bytes()),
    ];
    for (name, contents) in files {
        write_file(&args.out.join(name), contents)?;
    }
    let io = |path: PathBuf| move |source| CliError::Write { path, source };
    let mut json = Vec::new();
    emit::write_plan_json(&deployment.plan, &mut json).map_err(io(args.out.join("plan.json")))?;
    write_file(&args.out.join("plan.json"), &json)?;

    let report = risk::build_report(&comparison, reverse);
    let mut report_md = Vec::new();
    report::write_markdown(&report, &mut report_md).map_err(io(args.out.join("report.md")))?;
    write_file(&args.out.join("report.md"), &report_md)?;
    let mut report_json = Vec::new();
    report::write_json(&report, &mut report_json).map_err(io(args.out.join("report.json")))?;
    write_file(&args.out.join("report.json"), &report_json)?;
    eprintln!(
        "wrote {} ({} steps), {} ({} steps), {} (with {} and {}), {} and {}",
        args.out.join("forward.sql").display(),
        forward.plan.steps.len(),
        args.out.join("reverse.sql").display(),
        reverse.plan.steps.len(),
        args.out.join("plan.json").display(),
        FROM_SNAPSHOT,
        TO_SNAPSHOT,
        args.out.join("report.md").display(),
        args.out.join("report.json").display()
    );
    eprintln!("{}", report.summary.line());
    let status = config.failing(&forward.risks).unwrap_or(EXIT_OK);
    skip_free(comparison);
    Ok(ExitCode::from(status))
}

/// Compares FROM and TO without probes, plans both scripts and returns
/// them as a deployment, with the shadow the sources were loaded into
/// (the `apply FROM TO` and `rehearse` way to a deployment). `check`
/// refuses scripts the servers cannot run, as `plan` does.
pub async fn planned(
    from: &super::SourceArg,
    to: &super::SourceArg,
    shadow: &ShadowArgs,
    script: &ScriptArgs,
    check: bool,
) -> Result<(Deployment, std::sync::Arc<pgrift::source::Shadow>), CliError> {
    let config = risk::RiskConfig {
        fail_on: None,
        allow: Vec::new(),
        probe: None,
    };
    let options = pgrift::Options {
        reverse: true,
        check_forward: check,
        check_reverse: check,
        ..options(shadow, &config, script)?
    };
    let comparison = compare(from, to, &options, shadow.quiet, false).await?;
    print_comparison_warnings(&comparison.warnings, shadow.quiet);
    let reverse = comparison
        .reverse
        .as_ref()
        .expect("the reverse script is planned when asked for");
    let deployment = deployment(&comparison, reverse, &options);
    skip_free(comparison);
    Ok((deployment, options.shadow))
}

/// What `plan` writes, as the deployment `apply` runs: both scripts, the
/// plan file (with the filter and the role map both sides went through,
/// and the declared renames) and the snapshots of both sides.
pub fn deployment(
    comparison: &pgrift::Comparison,
    reverse: &Script,
    options: &pgrift::Options,
) -> Deployment {
    fn side(loaded: &pgrift::source::Loaded) -> Side<'_> {
        Side {
            label: &loaded.label,
            catalog: &loaded.catalog,
            server_version_num: loaded.server_version_num,
        }
    }
    let forward = &comparison.forward;
    let mut deployment = Deployment::build(
        side(&comparison.from),
        side(&comparison.to),
        (&forward.plan, &forward.risks),
        (&reverse.plan, &reverse.risks),
    );
    deployment.plan.filter = options.filter.clone();
    deployment.plan.role_map = options.role_map.clone();
    deployment.plan.roles = options.roles.then(|| {
        let names: std::collections::BTreeSet<_> = (comparison.from.catalog.roles.iter())
            .chain(&comparison.to.catalog.roles)
            .map(|role| role.name.clone())
            .collect();
        names.into_iter().collect()
    });
    deployment.plan.renames = options.renames.clone();
    deployment
}

/// Who plans a sqitch change, as sqitch writes it: `SQITCH_FULLNAME` and
/// `SQITCH_EMAIL`, else the login name.
fn sqitch_planner() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "pgrift".to_owned());
    let name = std::env::var("SQITCH_FULLNAME").unwrap_or_else(|_| user.clone());
    let email = std::env::var("SQITCH_EMAIL").unwrap_or_else(|_| format!("{user}@localhost"));
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '#'))
            .collect()
    };
    format!("{} <{}>", clean(&name), clean(&email))
}

/// Writes the scripts as the next migration of `layout` in `dir`. Nothing
/// is written when the schemas do not differ, and no file that exists is
/// overwritten.
fn write_migration(
    dir: &Path,
    layout: Layout,
    name: &str,
    comparison: &pgrift::Comparison,
    reverse: &Script,
) -> Result<u8, CliError> {
    if comparison.forward.plan.is_empty() {
        eprintln!("the schemas do not differ: no migration written");
        return Ok(EXIT_OK);
    }
    let (from, to) = (&comparison.from, &comparison.to);
    let render = |script: &Script, direction| {
        let mut out = Vec::new();
        let title = emit::script_title(direction, &from.label, &to.label);
        emit::write_migration_script(&script.plan, &title, Some(&script.risks), &mut out)
            .map(|_| out)
    };
    let io = |source| CliError::Write {
        path: dir.to_path_buf(),
        source,
    };
    let forward_sql = render(&comparison.forward, emit::Direction::Forward).map_err(io)?;
    let reverse_sql = render(reverse, emit::Direction::Reverse).map_err(io)?;
    let layout_error = |source| CliError::Layout {
        dir: dir.to_path_buf(),
        source,
    };
    let files = if layout == Layout::Sqitch {
        let mut verify = Vec::new();
        let title = format!("pgrift verify script: {} -> {}", from.label, to.label);
        emit::write_verify_script(&comparison.forward.plan, &to.catalog, &title, &mut verify)
            .map_err(io)?;
        let plan_path = dir.join("sqitch.plan");
        let plan = match std::fs::read_to_string(&plan_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(CliError::Write {
                    path: plan_path,
                    source,
                });
            }
        };
        let project = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| layout::check_name(n).is_ok())
            .unwrap_or_else(|| "pgrift".to_owned());
        let planner = sqitch_planner();
        let planned_at = super::config::now();
        let change = layout::SqitchChange {
            name,
            planned_at: &planned_at,
            planner: &planner,
            note: &format!("written by pgrift {}", env!("CARGO_PKG_VERSION")),
        };
        let files = layout::sqitch_files(
            &change,
            plan.as_deref(),
            &project,
            &forward_sql,
            &reverse_sql,
            &verify,
        )
        .map_err(layout_error)?;
        for sub in ["deploy", "revert", "verify"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(io)?;
        }
        files
    } else {
        let existing: Vec<String> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        layout::migration_files(layout, name, &existing, &forward_sql, &reverse_sql)
            .map_err(layout_error)?
    };
    for (file, contents) in &files {
        let path = dir.join(file);
        // sqitch.plan is the one file a migration adds to rather than
        // creates; its new text holds the old.
        if file == "sqitch.plan" {
            write_file(&path, contents)?;
            continue;
        }
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| CliError::Write {
                path: path.clone(),
                source,
            })?;
        handle
            .write_all(contents)
            .map_err(|source| CliError::Write { path, source })?;
    }
    let written: Vec<String> = files
        .iter()
        .filter(|(file, _)| file.ends_with(".sql"))
        .map(|(file, _)| dir.join(file).display().to_string())
        .collect();
    eprintln!(
        "wrote {} migration {} ({} steps forward, {} back)",
        layout.as_str(),
        written.join(" and "),
        comparison.forward.plan.steps.len(),
        reverse.plan.steps.len()
    );
    Ok(EXIT_OK)
}
