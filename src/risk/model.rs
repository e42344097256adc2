//! What a risk is: the shape every rule produces, every probe enriches and
//! every report renders. Serialised as the stable JSON of `report.json`.
//!
//! The list of rules lives here, not in `rules/`, because a [`Risk`] names
//! the rule that found it: `rules/` builds on this model, and the model
//! knows nothing of the rules' code.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize, Serializer};

/// Every risk rule, one line each: its file under `src/risk/rules/`, its
/// variant of [`Rule`] and its id (the module's name in kebab-case, as the
/// README's Rules table and the reports name it). The order is the order in
/// which the risks of one statement are listed: data first, then failure,
/// rewrites and scans, locks, clients.
///
/// `$then` is the macro that turns the list into code: `declare_rule` here,
/// and in `rules/mod.rs` the macro that dispatches [`Rule::check`] to each
/// rule's module. Besides its line here, a rule needs only its `mod` line
/// in `rules/mod.rs`, which the compiler and `rules/mod.rs`'s tests check.
macro_rules! every_rule {
    ($then:ident) => {
        $then! {
            drop_table => DropTable("drop-table"),
            drop_column => DropColumn("drop-column"),
            drop_sequence => DropSequence("drop-sequence"),
            lossy_type => LossyType("lossy-type"),
            irreversible_recreate => IrreversibleRecreate("irreversible-recreate"),
            irreversible_conversion => IrreversibleConversion("irreversible-conversion"),
            narrowing_type => NarrowingType("narrowing-type"),
            partition_conversion => PartitionConversion("partition-conversion"),
            enum_label_removed => EnumLabelRemoved("enum-label-removed"),
            set_not_null => SetNotNull("set-not-null"),
            not_null_column_without_default => NotNullColumnWithoutDefault("not-null-column-without-default"),
            add_check => AddCheck("add-check"),
            add_foreign_key => AddForeignKey("add-foreign-key"),
            add_unique => AddUnique("add-unique"),
            add_exclusion => AddExclusion("add-exclusion"),
            domain_constraint => DomainConstraint("domain-constraint"),
            partition_bound => PartitionBound("partition-bound"),
            validate_constraint => ValidateConstraint("validate-constraint"),
            unique_index => UniqueIndex("unique-index"),
            sequence_bounds => SequenceBounds("sequence-bounds"),
            type_rewrite => TypeRewrite("type-rewrite"),
            volatile_default => VolatileDefault("volatile-default"),
            stored_generated_column => StoredGeneratedColumn("stored-generated-column"),
            set_logged => SetLogged("set-logged"),
            lock => Lock("lock"),
            backfill => Backfill("backfill"),
            drop_index => DropIndex("drop-index"),
            drop_view => DropView("drop-view"),
            drop_function => DropFunction("drop-function"),
            row_security => RowSecurity("row-security"),
            wide_grant => WideGrant("wide-grant"),
            revoked_privilege => RevokedPrivilege("revoked-privilege"),
            security_definer => SecurityDefiner("security-definer"),
            secret_differs => SecretDiffers("secret-differs"),
            subscription_slot => SubscriptionSlot("subscription-slot"),
            owner_change => OwnerChange("owner-change"),
            role_change => RoleChange("role-change"),
            rename => Rename("rename"),
            parked_drop => ParkedDrop("parked-drop"),
        }
    };
}
pub(super) use every_rule;

/// Declares [`Rule`] from the list of [`every_rule`].
macro_rules! declare_rule {
    ($($module:ident => $variant:ident($id:literal),)*) => {
        /// A risk rule: the code, in `rules/`, that finds one kind of risk.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every rule, in the order their risks are listed for a
            /// statement.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The rule's id, kebab-case, as the README and the reports
            /// name it (`drop-column`).
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }
        }
    };
}
every_rule!(declare_rule);

/// A rule serialises as its id.
impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// How bad a risk is, from worst to least. The order is the order of the
/// variants, so `Severity::High > Severity::Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// What kind of harm a statement may do. Documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Deletes data: a dropped table, column or sequence, a narrowing type.
    DataLoss,
    /// A reverse statement that cannot bring back what the forward one
    /// destroyed (a re-added column comes back empty).
    Irreversible,
    /// Rewrites the whole table under an `ACCESS EXCLUSIVE` lock.
    TableRewrite,
    /// Reads the whole table to check a new constraint.
    ValidationScan,
    /// Fails if existing rows violate what the statement adds.
    MayFail,
    /// Takes a lock that blocks reads or writes.
    Lock,
    /// Removes or changes something applications use.
    BreaksClients,
    /// Removes an index: queries may slow down.
    IndexDropped,
    /// Changes privileges or row-level security.
    Security,
}

impl Category {
    /// True for what a statement does to the rows a table holds: nothing,
    /// on a foreign table, which holds none.
    pub fn is_about_rows(self) -> bool {
        matches!(
            self,
            Category::DataLoss
                | Category::Irreversible
                | Category::TableRewrite
                | Category::ValidationScan
                | Category::MayFail
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::DataLoss => "data-loss",
            Category::Irreversible => "irreversible",
            Category::TableRewrite => "table-rewrite",
            Category::ValidationScan => "validation-scan",
            Category::MayFail => "may-fail",
            Category::Lock => "lock",
            Category::BreaksClients => "breaks-clients",
            Category::IndexDropped => "index-dropped",
            Category::Security => "security",
        }
    }
}

/// A table lock level, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LockLevel {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockLevel {
    /// The name as PostgreSQL's documentation writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LockLevel::AccessShare => "ACCESS SHARE",
            LockLevel::RowShare => "ROW SHARE",
            LockLevel::RowExclusive => "ROW EXCLUSIVE",
            LockLevel::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockLevel::Share => "SHARE",
            LockLevel::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockLevel::Exclusive => "EXCLUSIVE",
            LockLevel::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }
}

/// What a probe measured on live data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// What was counted, e.g. "rows that would be deleted",
    /// "duplicate groups", "values that do not fit".
    pub measure: String,
    /// The count, exact or estimated.
    pub count: i64,
    /// True when `count` is an estimate (above the probe size threshold, or
    /// from `pg_class.reltuples`).
    pub estimated: bool,
    /// Size of the table the statement works on, when known.
    pub table_pages: Option<i64>,
    pub table_rows_estimate: Option<i64>,
    /// The read-only query that measured it, for a reviewer to rerun.
    pub query: String,
}

/// One risk of one statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// The rule that found it.
    pub rule: Rule,
    pub category: Category,
    pub severity: Severity,
    /// The object the statement changes, as SQL names (`public.users.email`).
    pub object: String,
    /// The statement, as it appears in the script (with its semicolon).
    pub statement: String,
    /// What will happen, naming the object and the lock:
    /// "Dropping column public.users.legacy_email deletes its data".
    pub message: String,
    /// What to do instead or first.
    pub mitigation: String,
    /// The lock the statement takes and on which tables, for `lock` risks.
    pub lock: Option<LockLevel>,
    pub tables: Vec<String>,
    pub evidence: Option<Evidence>,
}

/// The risks of one statement of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementRisks {
    /// The index of the step in `Plan::steps`.
    pub step: usize,
    /// The index of the statement in that step's `statements`.
    pub index: usize,
    pub risks: Vec<Risk>,
}

/// The risks of a whole plan, statement by statement in script order;
/// statements without risks are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Assessment {
    pub statements: Vec<StatementRisks>,
}

impl Assessment {
    /// Every risk, in script order.
    pub fn risks(&self) -> impl Iterator<Item = &Risk> {
        self.statements.iter().flat_map(|s| s.risks.iter())
    }

    /// The worst severity present, if any risk is.
    pub fn worst(&self) -> Option<Severity> {
        self.risks().map(|r| r.severity).max()
    }

    /// The risks of each statement, for a caller that looks up every
    /// statement of a script: a scan of the list for each would take time
    /// in the square of a large script's length.
    pub fn by_statement(&self) -> RisksByStatement<'_> {
        let mut map = FxHashMap::default();
        for s in &self.statements {
            map.entry((s.step, s.index))
                .or_insert_with(|| s.risks.as_slice());
        }
        RisksByStatement(map)
    }
}

/// An [`Assessment`]'s risks by step and statement index.
pub struct RisksByStatement<'a>(FxHashMap<(usize, usize), &'a [Risk]>);

impl<'a> RisksByStatement<'a> {
    /// The risks of one statement.
    pub fn of(&self, step: usize, index: usize) -> &'a [Risk] {
        self.0.get(&(step, index)).copied().unwrap_or(&[])
    }
}
