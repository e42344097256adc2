//! What a risk is: the shape every rule produces, every probe enriches and
//! every report renders. Serialised as the stable JSON of `report.json`.

use serde::Serialize;

/// How bad a risk is, from worst to least. The order is the order of the
/// variants, so `Severity::High > Severity::Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

    /// The risks of one statement.
    pub fn of(&self, step: usize, index: usize) -> &[Risk] {
        self.statements
            .iter()
            .find(|s| s.step == step && s.index == index)
            .map(|s| s.risks.as_slice())
            .unwrap_or(&[])
    }
}
