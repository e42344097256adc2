//! The risk rules, one file each with its tests at the bottom, in the manner
//! of a linter's rule set. [`Rule`] names them all, from the one-line-a-rule
//! list in `risk/model.rs`; [`Rule::check`] runs one rule on one statement.
//! Rules are pure: they read the statement, the plan and both catalogs,
//! never a database.
//!
//! A rule matches on the typed statement ([`crate::sql::Stmt`] and
//! [`crate::sql::TableAction`]); where it needs more than the statement
//! says (the old type of a column, the table an index is on), it asks the
//! catalogs through [`Context`].

// Each rule's module is declared here by hand, not by the macro below:
// rustfmt formats only the files of plain `mod` declarations. The compiler
// ties the two together: a module missing from the list names a variant of
// `Rule` that does not exist and leaves its `check` unused, and a listed
// rule without a module does not compile.
mod add_check;
mod add_exclusion;
mod add_foreign_key;
mod add_unique;
mod backfill;
mod domain_constraint;
mod drop_column;
mod drop_function;
mod drop_index;
mod drop_sequence;
mod drop_table;
mod drop_view;
mod enum_label_removed;
mod irreversible_conversion;
mod irreversible_recreate;
mod lock;
mod lossy_type;
mod narrowing_type;
mod not_null_column_without_default;
mod owner_change;
mod parked_drop;
mod partition_bound;
mod partition_conversion;
mod rename;
mod revoked_privilege;
mod role_change;
mod row_security;
mod secret_differs;
mod security_definer;
mod sequence_bounds;
mod set_logged;
mod set_not_null;
mod stored_generated_column;
mod subscription_slot;
mod type_rewrite;
mod unique_index;
mod validate_constraint;
mod volatile_default;
mod wide_grant;

/// Dispatches [`Rule::check`] to the `check` of each rule's module, from
/// the list of [`every_rule`](super::model::every_rule).
macro_rules! declare_dispatch {
    ($($module:ident => $variant:ident($id:literal),)*) => {
        impl Rule {
            /// The risks this rule finds in one statement.
            pub fn check(self, cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
                let risks = match self {
                    $(Rule::$variant => $module::check(cx, site),)*
                };
                debug_assert!(
                    risks.iter().all(|r| r.rule == self),
                    "rule {} reported a risk of another rule",
                    self.id()
                );
                risks
            }
        }

        /// Every rule with the name of its module, for the test that finds
        /// the files of unregistered rules.
        #[cfg(test)]
        const MODULES: &[(Rule, &str)] = &[$((Rule::$variant, stringify!($module)),)*];
    };
}
super::model::every_rule!(declare_dispatch);

#[cfg(test)]
pub(crate) mod testing;

use crate::catalog::QualName;
use crate::sql::read::ConstraintDefKind;
use crate::sql::{Ident, Stmt, TableAction};

use super::context::{Context, Site};
use super::model::{Category, LockLevel, Risk, Rule, Severity};

/// A risk that `rule` finds in the statement at `site`.
fn risk(
    rule: Rule,
    site: &Site<'_>,
    category: Category,
    severity: Severity,
    message: String,
    mitigation: &str,
) -> Risk {
    Risk {
        rule,
        category,
        severity,
        object: site.change.id.to_string(),
        statement: format!("{};", site.stmt),
        message,
        mitigation: mitigation.to_owned(),
        lock: None,
        tables: Vec::new(),
        evidence: None,
    }
}

/// What an `ALTER TABLE … ADD CONSTRAINT` adds, to a table that exists
/// before the script runs (on a table the script creates, adding a
/// constraint touches no rows and blocks nobody).
struct AddedConstraint<'a> {
    table: &'a QualName,
    name: &'a Ident,
    /// As the server printed it.
    definition: &'a str,
    not_valid: bool,
}

/// The constraint the statement at `site` adds to an existing table, when
/// it is of one of `kinds`.
fn added_constraint<'a>(
    cx: &Context<'_>,
    site: &Site<'a>,
    kinds: &[ConstraintDefKind],
) -> Option<AddedConstraint<'a>> {
    let Stmt::AlterTable {
        table,
        action:
            TableAction::AddConstraint {
                name,
                definition,
                not_valid,
            },
    } = site.stmt
    else {
        return None;
    };
    let kind = ConstraintDefKind::of(&definition.0)?;
    (kinds.contains(&kind) && cx.existing(table)).then_some(AddedConstraint {
        table,
        name,
        definition: &definition.0,
        not_valid: *not_valid,
    })
}

/// Builder methods for the optional parts of a risk.
trait RiskExt {
    /// The tables the risk is about (which a probe measures).
    fn on<'a>(self, tables: impl IntoIterator<Item = &'a QualName>) -> Self;
    fn lock(self, level: LockLevel) -> Self;
}

impl RiskExt for Risk {
    fn on<'a>(mut self, tables: impl IntoIterator<Item = &'a QualName>) -> Self {
        self.tables = tables.into_iter().map(|t| t.to_string()).collect();
        self
    }

    fn lock(mut self, level: LockLevel) -> Self {
        self.lock = Some(level);
        self
    }
}

/// The mitigation for a constraint that scans: the two-step form.
const NOT_VALID_THEN_VALIDATE: &str = "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later transaction, which takes only SHARE UPDATE EXCLUSIVE (reads and writes continue)";

/// The mitigation for whatever the rollback cannot restore.
const BACK_UP_BEFORE: &str = "back up the data before running the forward script and restore it from the backup after rolling back";

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::{MODULES, Rule};

    /// The file names of `src/risk/rules/` that hold a rule: every `.rs`
    /// file but this one and the tests' helpers.
    fn rule_files() -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/risk/rules");
        std::fs::read_dir(&dir)
            .expect("the rules directory reads")
            .map(|entry| entry.expect("a directory entry reads").file_name())
            .filter_map(|name| name.to_str()?.strip_suffix(".rs").map(str::to_owned))
            .filter(|stem| stem != "mod" && stem != "testing")
            .collect()
    }

    /// A rule file without a `mod` line is not compiled at all, so nothing
    /// but this test notices it. A listed rule whose module is not a file of
    /// its own (written inline, or under another name with `#[path]`)
    /// compiles too, and fails the second half.
    #[test]
    fn every_rule_file_is_registered() {
        let registered: BTreeSet<String> = MODULES.iter().map(|(_, m)| m.to_string()).collect();
        let files = rule_files();
        let unregistered: Vec<_> = files.difference(&registered).collect();
        assert!(
            unregistered.is_empty(),
            "src/risk/rules/ holds rules missing from `every_rule` in src/risk/model.rs \
             (add a line `name => Name(\"name\"),` there and `mod name;` in rules/mod.rs): {unregistered:?}"
        );
        let without_file: Vec<_> = registered.difference(&files).collect();
        assert!(
            without_file.is_empty(),
            "rules listed without a file in src/risk/rules/: {without_file:?}"
        );
    }

    #[test]
    fn ids_are_the_module_names_in_kebab_case() {
        for (rule, module) in MODULES {
            assert_eq!(rule.id(), module.replace('_', "-"), "{rule:?}");
        }
        assert_eq!(
            MODULES.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            Rule::ALL
        );
    }

    /// The README's Rules table has a row for every rule, and only for
    /// rules that exist, so that a reviewer can look up an id from a report.
    #[test]
    fn every_rule_is_documented_in_the_readme() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
                .expect("README.md reads");
        let table = readme
            .split("\n### Rules\n")
            .nth(1)
            .expect("README.md has a section \"### Rules\"");
        let documented: Vec<&str> = table
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .skip(2)
            .filter_map(|row| row.strip_prefix("| `")?.split_once('`').map(|(id, _)| id))
            .collect();
        let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        let mut missing: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !documented.contains(id))
            .collect();
        missing.sort();
        assert!(
            missing.is_empty(),
            "README.md's Rules table lacks {missing:?}"
        );
        let unknown: Vec<&str> = documented
            .iter()
            .copied()
            .filter(|id| !ids.contains(id))
            .collect();
        assert!(
            unknown.is_empty(),
            "README.md's Rules table names rules that do not exist: {unknown:?}"
        );
    }
}
