//! The files of a migration written for the tool a team already runs:
//! Flyway, golang-migrate or dbmate, named and laid out as that tool
//! expects, numbered after the migrations already in its directory. Pure:
//! the caller lists the directory and writes the files.
//!
//! Each tool runs a migration on a connection it goes on using (to record
//! the version), so the scripts given here must give the session back as
//! they found it ([`super::write_migration_script`]); and each tool is told
//! not to wrap the script in a transaction of its own, since a pgrift
//! script runs its own transactions (new enum labels commit first).

use std::fmt;

use thiserror::Error;

/// How `pgrift plan` lays out its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `forward.sql`, `reverse.sql`, `plan.json` and the reports.
    Plain,
    /// `V<version>__<name>.sql` and `U<version>__<name>.sql` (the undo
    /// migration), each with a `.conf` that runs it outside Flyway's
    /// transaction.
    Flyway,
    /// `<version>_<name>.up.sql` and `<version>_<name>.down.sql`.
    GolangMigrate,
    /// `<version>_<name>.sql` with `-- migrate:up` and `-- migrate:down`
    /// sections, each `transaction:false`.
    Dbmate,
    /// `deploy/<name>.sql`, `revert/<name>.sql`, `verify/<name>.sql` and
    /// a line of `sqitch.plan` ([`sqitch_files`]).
    Sqitch,
}

impl Layout {
    /// The table in which the tool records the migrations it applied,
    /// which a diff of the tool's database must leave alone.
    pub fn history_table(self) -> Option<&'static str> {
        match self {
            Layout::Plain => None,
            Layout::Flyway => Some("flyway_schema_history"),
            Layout::GolangMigrate | Layout::Dbmate => Some("schema_migrations"),
            Layout::Sqitch => None,
        }
    }

    /// The schema in which the tool records what it applied, which a diff
    /// must leave out: sqitch's registry.
    pub fn history_schema(self) -> Option<&'static str> {
        match self {
            Layout::Sqitch => Some("sqitch"),
            _ => None,
        }
    }

    /// The name `--layout` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Plain => "plain",
            Layout::Flyway => "flyway",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Dbmate => "dbmate",
            Layout::Sqitch => "sqitch",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LayoutError {
    #[error(
        "migration name {0:?} must be letters, digits, '_' and '-' (at most 100), starting with a letter or digit"
    )]
    BadName(String),
    #[error("the plain layout has no migration files")]
    Plain,
    #[error("sqitch.plan already has a change named {0:?}")]
    Exists(String),
}

/// A version number as the files of a directory write it: its numeric parts
/// (Flyway's `1.2` is two) and the width of the last one, so that a
/// zero-padded `000042` is followed by `000043`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Version {
    parts: Vec<u128>,
    width: usize,
}

impl Version {
    fn parse(text: &str, separators: &[char]) -> Option<Version> {
        let pieces: Vec<&str> = text.split(separators).collect();
        if pieces
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let parts = pieces
            .iter()
            .map(|p| p.parse().ok())
            .collect::<Option<Vec<u128>>>()?;
        Some(Version {
            parts,
            width: pieces.last().map_or(1, |p| p.len()),
        })
    }

    /// The version after this one: its last part plus one.
    fn next(&self) -> Version {
        let mut parts = self.parts.clone();
        if let Some(last) = parts.last_mut() {
            *last += 1;
        }
        Version {
            parts,
            width: self.width,
        }
    }

    fn first() -> Version {
        Version {
            parts: vec![1],
            width: 1,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (last, rest) = self.parts.split_last().unwrap_or((&1, &[]));
        for part in rest {
            write!(f, "{part}.")?;
        }
        write!(f, "{last:0width$}", width = self.width)
    }
}

/// The version of a file of `layout`'s directory, if it is a migration.
fn version_of(layout: Layout, file: &str) -> Option<Version> {
    let stem = file.strip_suffix(".sql")?;
    match layout {
        Layout::Plain => None,
        Layout::Flyway => {
            let rest = stem.strip_prefix('V').or_else(|| stem.strip_prefix('U'))?;
            let (version, _) = rest.split_once("__")?;
            Version::parse(version, &['.', '_'])
        }
        Layout::GolangMigrate => {
            let stem = stem
                .strip_suffix(".up")
                .or_else(|| stem.strip_suffix(".down"))?;
            Version::parse(stem.split_once('_')?.0, &[])
        }
        Layout::Dbmate => Version::parse(stem.split_once('_')?.0, &[]),
        Layout::Sqitch => None,
    }
}

/// Whether `name` can be part of a file name on every system and in every
/// tool: letters, digits, `_` and `-`, not starting with a separator.
pub fn check_name(name: &str) -> Result<(), LayoutError> {
    let fine = !name.is_empty()
        && name.len() <= 100
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if fine {
        Ok(())
    } else {
        Err(LayoutError::BadName(name.to_owned()))
    }
}

/// The files of migration `name`, for a directory of `layout` that holds
/// `existing` (file names), from the forward and reverse scripts. The
/// migration takes the version after the highest one there, or 1.
pub fn migration_files(
    layout: Layout,
    name: &str,
    existing: &[String],
    forward: &[u8],
    reverse: &[u8],
) -> Result<Vec<(String, Vec<u8>)>, LayoutError> {
    check_name(name)?;
    let version = existing
        .iter()
        .filter_map(|file| version_of(layout, file))
        .max()
        .map_or_else(Version::first, |v| v.next());
    // Flyway reads the settings of a script from a file beside it.
    const FLYWAY_CONF: &[u8] = b"executeInTransaction=false\n";
    Ok(match layout {
        Layout::Plain | Layout::Sqitch => return Err(LayoutError::Plain),
        Layout::Flyway => vec![
            (format!("V{version}__{name}.sql"), forward.to_vec()),
            (format!("V{version}__{name}.sql.conf"), FLYWAY_CONF.to_vec()),
            (format!("U{version}__{name}.sql"), reverse.to_vec()),
            (format!("U{version}__{name}.sql.conf"), FLYWAY_CONF.to_vec()),
        ],
        Layout::GolangMigrate => vec![
            (format!("{version}_{name}.up.sql"), forward.to_vec()),
            (format!("{version}_{name}.down.sql"), reverse.to_vec()),
        ],
        Layout::Dbmate => {
            let mut file = b"-- migrate:up transaction:false\n".to_vec();
            file.extend_from_slice(forward);
            file.extend_from_slice(b"\n-- migrate:down transaction:false\n");
            file.extend_from_slice(reverse);
            vec![(format!("{version}_{name}.sql"), file)]
        }
    })
}

/// What a change of `sqitch.plan` records besides its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqitchChange<'a> {
    pub name: &'a str,
    /// `2026-12-05T18:40:00Z`.
    pub planned_at: &'a str,
    /// `Jane Doe <jane@example.com>`.
    pub planner: &'a str,
    pub note: &'a str,
}

/// The files of sqitch change `change` for a project whose `sqitch.plan`
/// reads `plan` (`None`: there is none yet, and one for project
/// `project` is started): the three scripts and the plan with the change
/// appended. A name the plan has already is refused.
pub fn sqitch_files(
    change: &SqitchChange<'_>,
    plan: Option<&str>,
    project: &str,
    forward: &[u8],
    reverse: &[u8],
    verify: &[u8],
) -> Result<Vec<(String, Vec<u8>)>, LayoutError> {
    check_name(change.name)?;
    let mut text = match plan {
        Some(plan) => {
            let taken = plan
                .lines()
                .filter(|line| !line.starts_with('%') && !line.starts_with('@'))
                .any(|line| line.split_whitespace().next() == Some(change.name));
            if taken {
                return Err(LayoutError::Exists(change.name.to_owned()));
            }
            let mut text = plan.to_owned();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        None => format!("%syntax-version=1.0.0\n%project={project}\n\n"),
    };
    // A note is one line: its line breaks would start a line sqitch reads
    // as a change.
    let note: String = change
        .note
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    text.push_str(&format!(
        "{} {} {} # {note}\n",
        change.name, change.planned_at, change.planner
    ));
    Ok(vec![
        (format!("deploy/{}.sql", change.name), forward.to_vec()),
        (format!("revert/{}.sql", change.name), reverse.to_vec()),
        (format!("verify/{}.sql", change.name), verify.to_vec()),
        ("sqitch.plan".to_owned(), text.into_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(layout: Layout, existing: &[&str]) -> Vec<String> {
        let existing: Vec<String> = existing.iter().map(|s| s.to_string()).collect();
        migration_files(layout, "add_refunds", &existing, b"up;\n", b"down;\n")
            .expect("files")
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    #[test]
    fn sqitch_appends_a_change_and_refuses_a_name_it_has() {
        let change = SqitchChange {
            name: "add_refunds",
            planned_at: "2026-12-05T18:40:00Z",
            planner: "Jane Doe <jane@example.com>",
            note: "written by pgrift\nfrom a -> b",
        };
        let files =
            sqitch_files(&change, None, "shop", b"up;\n", b"down;\n", b"check;\n").expect("files");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "deploy/add_refunds.sql",
                "revert/add_refunds.sql",
                "verify/add_refunds.sql",
                "sqitch.plan"
            ]
        );
        let plan = String::from_utf8(files[3].1.clone()).expect("utf-8");
        assert_eq!(
            plan,
            "%syntax-version=1.0.0\n%project=shop\n\nadd_refunds 2026-12-05T18:40:00Z Jane Doe <jane@example.com> # written by pgrift from a -> b\n"
        );
        assert_eq!(
            sqitch_files(&change, Some(&plan), "shop", b"", b"", b""),
            Err(LayoutError::Exists("add_refunds".into()))
        );
        let next = SqitchChange {
            name: "add_refunds_2",
            ..change
        };
        let files =
            sqitch_files(&next, Some(plan.trim_end()), "shop", b"", b"", b"").expect("files");
        let plan = String::from_utf8(files[3].1.clone()).expect("utf-8");
        assert_eq!(plan.lines().count(), 5, "{plan}");
    }

    #[test]
    fn flyway_numbers_after_the_highest_version_of_either_kind() {
        assert_eq!(
            names(Layout::Flyway, &[]),
            [
                "V1__add_refunds.sql",
                "V1__add_refunds.sql.conf",
                "U1__add_refunds.sql",
                "U1__add_refunds.sql.conf"
            ]
        );
        let after = names(
            Layout::Flyway,
            &[
                "V1__init.sql",
                "V2__users.sql",
                "U2__users.sql",
                "R__views.sql",
                "README.md",
            ],
        );
        assert_eq!(after[0], "V3__add_refunds.sql");
        assert_eq!(
            names(Layout::Flyway, &["V1.9__a.sql", "V1.10__b.sql"])[0],
            "V1.11__add_refunds.sql",
            "versions compare part by part, as numbers"
        );
        assert_eq!(
            names(Layout::Flyway, &["V2_1__a.sql"])[0],
            "V2.2__add_refunds.sql"
        );
    }

    #[test]
    fn golang_migrate_and_dbmate_keep_the_width_of_padded_versions() {
        assert_eq!(
            names(
                Layout::GolangMigrate,
                &[
                    "000001_init.up.sql",
                    "000001_init.down.sql",
                    "000009_x.up.sql"
                ]
            ),
            ["000010_add_refunds.up.sql", "000010_add_refunds.down.sql"]
        );
        assert_eq!(
            names(
                Layout::Dbmate,
                &["20261201120000_init.sql", "notes.txt", "x_y.sql"]
            ),
            ["20261201120001_add_refunds.sql"]
        );
        assert_eq!(names(Layout::Dbmate, &[]), ["1_add_refunds.sql"]);
    }

    #[test]
    fn dbmate_holds_both_scripts_outside_its_transaction() {
        let files = migration_files(Layout::Dbmate, "x", &[], b"UP;\n", b"DOWN;\n").expect("files");
        assert_eq!(
            String::from_utf8(files[0].1.clone()).expect("UTF-8"),
            "-- migrate:up transaction:false\nUP;\n\n-- migrate:down transaction:false\nDOWN;\n"
        );
    }

    #[test]
    fn a_name_that_is_not_a_plain_word_is_refused() {
        for name in [
            "",
            "../escape",
            "a/b",
            "has space",
            "new\nline",
            "-flag",
            "ü",
            "a*/",
        ] {
            assert_eq!(
                migration_files(Layout::Flyway, name, &[], b"", b""),
                Err(LayoutError::BadName(name.to_owned())),
                "{name:?}"
            );
        }
        assert!(migration_files(Layout::Flyway, &"a".repeat(101), &[], b"", b"").is_err());
        assert!(migration_files(Layout::Flyway, "add-refunds_2", &[], b"", b"").is_ok());
    }
}
