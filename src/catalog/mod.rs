//! The version-neutral model of a database schema.
//!
//! A [`Catalog`] is what the introspector reads from `pg_catalog` and what a
//! snapshot file stores. It holds no server version, no OIDs and no positions
//! that differ between two databases holding the same schema, so two catalogs
//! can be compared field by field. Every list is sorted by its key, which makes
//! serialisation and everything derived from it deterministic.
//!
//! Expressions and definitions that PostgreSQL deparses itself (column types,
//! defaults, constraint, index, view, function and trigger definitions) are
//! stored as the server printed them with an empty `search_path`, so every name
//! in them is schema-qualified and quoted by PostgreSQL.

mod id;

pub use id::{Name, ObjectId, QualName};

use serde::{Deserialize, Serialize};

/// A whole schema: every modelled object of one database, plus the
/// dependencies between them and warnings about what is not modelled.
///
/// Every list may be missing from a snapshot: one written before a kind was
/// modelled reads as holding none of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Catalog {
    pub schemas: Vec<Schema>,
    pub extensions: Vec<Extension>,
    pub enums: Vec<EnumType>,
    pub sequences: Vec<Sequence>,
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    pub views: Vec<View>,
    pub functions: Vec<Function>,
    pub triggers: Vec<Trigger>,
    /// Edges `dependent -> referenced` between modelled objects, as recorded
    /// by `pg_depend`, sorted and without duplicates.
    pub dependencies: Vec<Dependency>,
    /// Objects present in the database that pgrift does not model.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub name: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
    /// The versions this server's extension scripts can update the
    /// installed version to. Not part of the schema: it tells the diff
    /// whether `ALTER EXTENSION … UPDATE` can reach another version, or the
    /// extension must be dropped and created again. `None` when unknown (a
    /// snapshot written without it).
    #[serde(default)]
    pub update_targets: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: QualName,
    /// Labels in their sort order (`enumsortorder`).
    pub labels: Vec<String>,
    pub comment: Option<String>,
}

/// The options shared by standalone sequences and identity columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualName,
    pub options: SequenceOptions,
    /// The column this sequence is `OWNED BY`, if any.
    pub owned_by: Option<ColumnRef>,
    pub comment: Option<String>,
}

/// A column of a table, named by table and column name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnRef {
    pub table: QualName,
    pub column: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    pub unlogged: bool,
    /// Columns in their physical order. Order is not significant for the
    /// diff: a column added by `ALTER TABLE` lands at the end.
    pub columns: Vec<Column>,
    /// Constraints sorted by name. `NOT NULL` is a column property, not a
    /// constraint, on every server version.
    pub constraints: Vec<Constraint>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: Name,
    /// The type as `format_type` prints it, with typmod (`character varying(20)`).
    pub data_type: Name,
    /// A collation other than the type's default, if any. Boxed: few
    /// columns have one, and inline it would be a quarter of every column.
    pub collation: Option<Box<QualName>>,
    pub not_null: bool,
    /// The default expression as `pg_get_expr` prints it.
    pub default: Option<String>,
    /// Boxed: few columns are identity columns, and inline the options
    /// would nearly double the size of every column.
    pub identity: Option<Box<Identity>>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `ALWAYS` when true, `BY DEFAULT` otherwise.
    pub always: bool,
    /// The name of the sequence behind the identity column.
    pub sequence: QualName,
    pub options: SequenceOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
    Exclusion,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: Name,
    pub kind: ConstraintKind,
    /// `pg_get_constraintdef` without a trailing `NOT VALID`.
    pub definition: String,
    /// False for a constraint added `NOT VALID` and not validated since.
    pub validated: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: QualName,
    pub table: QualName,
    /// The complete `CREATE INDEX` statement as `pg_get_indexdef` prints it.
    pub definition: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: QualName,
    pub materialized: bool,
    /// The query as `pg_get_viewdef(oid, true)` prints it.
    pub definition: String,
    /// Storage options (`security_barrier=true`, `check_option=local` …),
    /// sorted.
    pub options: Vec<String>,
    pub comment: Option<String>,
    /// Comments on the view's columns, sorted by column name.
    #[serde(default)]
    pub column_comments: Vec<ColumnComment>,
}

/// A comment on one column of a view.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnComment {
    pub column: String,
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionKind {
    Function,
    Procedure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: QualName,
    pub kind: FunctionKind,
    /// `pg_get_function_identity_arguments`: the part of the signature that
    /// tells overloads apart.
    pub identity_args: String,
    /// `pg_get_function_arguments`: names, modes and defaults too.
    pub arguments: String,
    /// `pg_get_function_result`, absent for procedures.
    pub result: Option<String>,
    /// The complete `CREATE OR REPLACE` statement as `pg_get_functiondef`
    /// prints it.
    pub definition: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TriggerEnabled {
    /// `tgenabled = 'O'`: fires in origin and local modes (the default).
    Origin,
    /// `tgenabled = 'D'`.
    Disabled,
    /// `tgenabled = 'R'`.
    Replica,
    /// `tgenabled = 'A'`.
    Always,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub table: QualName,
    pub name: String,
    /// The complete `CREATE [CONSTRAINT] TRIGGER` statement as
    /// `pg_get_triggerdef` prints it.
    pub definition: String,
    pub enabled: TriggerEnabled,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dependency {
    pub dependent: ObjectId,
    pub referenced: ObjectId,
}

/// Something present in a database that pgrift does not model, so the user
/// knows the diff does not cover it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Warning {
    /// What kind of object it is (`domain`, `policy`, `privileges` …).
    pub kind: String,
    /// The object, as a user would name it (`public.us_postal_code`).
    pub object: String,
    pub message: String,
}

impl Catalog {
    /// Sorts every list by its key and removes duplicate dependencies, so
    /// that two catalogs of the same schema are equal and serialise the same.
    pub fn normalize(&mut self) {
        self.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        self.enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.sequences.sort_by(|a, b| a.name.cmp(&b.name));
        for table in &mut self.tables {
            table.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.views.sort_by(|a, b| a.name.cmp(&b.name));
        self.functions
            .sort_by(|a, b| (&a.name, &a.identity_args).cmp(&(&b.name, &b.identity_args)));
        self.triggers
            .sort_by(|a, b| (&a.table, &a.name).cmp(&(&b.table, &b.name)));
        // Unstable sorts need no scratch space, which for the dependencies
        // of a large catalog is tens of megabytes; equal elements are
        // identical, so their order does not matter.
        self.dependencies.sort_unstable();
        self.dependencies.dedup();
        self.warnings.sort();
        self.warnings.dedup();
    }

    /// The table called `name`. Like the other lookups by name, it expects a
    /// normalized catalog (every list sorted by its key), which introspection
    /// and snapshot files give, and searches it by bisection.
    pub fn table(&self, name: &QualName) -> Option<&Table> {
        find_sorted(&self.tables, name, |t| &t.name)
    }

    pub fn index(&self, name: &QualName) -> Option<&Index> {
        find_sorted(&self.indexes, name, |i| &i.name)
    }

    pub fn view(&self, name: &QualName) -> Option<&View> {
        find_sorted(&self.views, name, |v| &v.name)
    }

    pub fn sequence(&self, name: &QualName) -> Option<&Sequence> {
        find_sorted(&self.sequences, name, |s| &s.name)
    }

    /// Every overload of the function (or procedure) called `name`.
    pub fn functions_named(&self, name: &QualName) -> &[Function] {
        let start = self.functions.partition_point(|f| &f.name < name);
        let end = start + self.functions[start..].partition_point(|f| &f.name == name);
        &self.functions[start..end]
    }

    /// The function called `name` whose identity arguments are `args`.
    pub fn function(&self, name: &QualName, args: &str) -> Option<&Function> {
        self.functions_named(name)
            .iter()
            .find(|f| f.identity_args == args)
    }

    /// True when the catalog holds no modelled object at all.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
            && self.extensions.is_empty()
            && self.enums.is_empty()
            && self.sequences.is_empty()
            && self.tables.is_empty()
            && self.indexes.is_empty()
            && self.views.is_empty()
            && self.functions.is_empty()
            && self.triggers.is_empty()
    }
}

/// The element of `list`, sorted by `key`, whose key is `name`.
fn find_sorted<'a, T>(
    list: &'a [T],
    name: &QualName,
    key: impl Fn(&T) -> &QualName,
) -> Option<&'a T> {
    list.binary_search_by(|item| key(item).cmp(name))
        .ok()
        .map(|i| &list[i])
}
