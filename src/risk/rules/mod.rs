//! The risk rules, one file each with its tests at the bottom, in the manner
//! of a linter's rule set. [`Rule`] names them all; [`Rule::check`] runs one
//! rule on one statement. Rules are pure: they read the statement, the
//! plan and both catalogs, never a database.
//!
//! A rule matches on the typed statement ([`crate::sql::Stmt`] and
//! [`crate::sql::TableAction`]); where it needs more than the statement
//! says (the old type of a column, the table an index is on), it asks the
//! catalogs through [`Context`].

mod add_check;
mod add_exclusion;
mod add_foreign_key;
mod add_unique;
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
mod sequence_bounds;
mod set_logged;
mod set_not_null;
mod stored_generated_column;
mod type_rewrite;
mod unique_index;
mod validate_constraint;
mod volatile_default;

#[cfg(test)]
pub(crate) mod testing;

use crate::catalog::QualName;
use crate::sql::read::ConstraintDefKind;
use crate::sql::{Ident, Stmt, TableAction};

use super::context::{Context, Site};
use super::model::{Category, LockLevel, Risk, Severity};

/// Every rule pgrift knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    DropTable,
    DropColumn,
    DropSequence,
    LossyType,
    NarrowingType,
    TypeRewrite,
    VolatileDefault,
    StoredGeneratedColumn,
    SetLogged,
    SetNotNull,
    NotNullColumnWithoutDefault,
    AddCheck,
    AddForeignKey,
    AddUnique,
    AddExclusion,
    ValidateConstraint,
    UniqueIndex,
    EnumLabelRemoved,
    SequenceBounds,
    Lock,
    DropIndex,
    DropView,
    DropFunction,
    IrreversibleRecreate,
    IrreversibleConversion,
}

impl Rule {
    /// Every rule, in the order their risks are listed for a statement:
    /// data first, then failure, rewrites and scans, locks, clients.
    pub const ALL: &'static [Rule] = &[
        Rule::DropTable,
        Rule::DropColumn,
        Rule::DropSequence,
        Rule::LossyType,
        Rule::IrreversibleRecreate,
        Rule::IrreversibleConversion,
        Rule::NarrowingType,
        Rule::EnumLabelRemoved,
        Rule::SetNotNull,
        Rule::NotNullColumnWithoutDefault,
        Rule::AddCheck,
        Rule::AddForeignKey,
        Rule::AddUnique,
        Rule::AddExclusion,
        Rule::ValidateConstraint,
        Rule::UniqueIndex,
        Rule::SequenceBounds,
        Rule::TypeRewrite,
        Rule::VolatileDefault,
        Rule::StoredGeneratedColumn,
        Rule::SetLogged,
        Rule::Lock,
        Rule::DropIndex,
        Rule::DropView,
        Rule::DropFunction,
    ];

    /// The rule's name, kebab-case, as documentation refers to it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::DropTable => "drop-table",
            Rule::DropColumn => "drop-column",
            Rule::DropSequence => "drop-sequence",
            Rule::LossyType => "lossy-type",
            Rule::NarrowingType => "narrowing-type",
            Rule::TypeRewrite => "type-rewrite",
            Rule::VolatileDefault => "volatile-default",
            Rule::StoredGeneratedColumn => "stored-generated-column",
            Rule::SetLogged => "set-logged",
            Rule::SetNotNull => "set-not-null",
            Rule::NotNullColumnWithoutDefault => "not-null-column-without-default",
            Rule::AddCheck => "add-check",
            Rule::AddForeignKey => "add-foreign-key",
            Rule::AddUnique => "add-unique",
            Rule::AddExclusion => "add-exclusion",
            Rule::ValidateConstraint => "validate-constraint",
            Rule::UniqueIndex => "unique-index",
            Rule::EnumLabelRemoved => "enum-label-removed",
            Rule::SequenceBounds => "sequence-bounds",
            Rule::Lock => "lock",
            Rule::DropIndex => "drop-index",
            Rule::DropView => "drop-view",
            Rule::DropFunction => "drop-function",
            Rule::IrreversibleRecreate => "irreversible-recreate",
            Rule::IrreversibleConversion => "irreversible-conversion",
        }
    }

    /// The risks this rule finds in one statement.
    pub fn check(self, cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
        match self {
            Rule::DropTable => drop_table::check(cx, site),
            Rule::DropColumn => drop_column::check(cx, site),
            Rule::DropSequence => drop_sequence::check(cx, site),
            Rule::LossyType => lossy_type::check(cx, site),
            Rule::NarrowingType => narrowing_type::check(cx, site),
            Rule::TypeRewrite => type_rewrite::check(cx, site),
            Rule::VolatileDefault => volatile_default::check(cx, site),
            Rule::StoredGeneratedColumn => stored_generated_column::check(cx, site),
            Rule::SetLogged => set_logged::check(cx, site),
            Rule::SetNotNull => set_not_null::check(cx, site),
            Rule::NotNullColumnWithoutDefault => not_null_column_without_default::check(cx, site),
            Rule::AddCheck => add_check::check(cx, site),
            Rule::AddForeignKey => add_foreign_key::check(cx, site),
            Rule::AddUnique => add_unique::check(cx, site),
            Rule::AddExclusion => add_exclusion::check(cx, site),
            Rule::ValidateConstraint => validate_constraint::check(cx, site),
            Rule::UniqueIndex => unique_index::check(cx, site),
            Rule::EnumLabelRemoved => enum_label_removed::check(cx, site),
            Rule::SequenceBounds => sequence_bounds::check(cx, site),
            Rule::Lock => lock::check(cx, site),
            Rule::DropIndex => drop_index::check(cx, site),
            Rule::DropView => drop_view::check(cx, site),
            Rule::DropFunction => drop_function::check(cx, site),
            Rule::IrreversibleRecreate => irreversible_recreate::check(cx, site),
            Rule::IrreversibleConversion => irreversible_conversion::check(cx, site),
        }
    }
}

/// A risk of the statement at `site`.
fn risk(
    site: &Site<'_>,
    category: Category,
    severity: Severity,
    message: String,
    mitigation: &str,
) -> Risk {
    Risk {
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
