//! Tables. A table is never replaced: its columns, constraints, indexes and
//! triggers are objects of their own, so only its persistence, storage
//! parameters, replica identity, row-level security, privileges and its
//! place in a partition or inheritance tree and the composite type it is
//! of (a typed table) alter here. A replica identity
//! `USING INDEX` is set by the index (or key) it names, which must exist
//! first (see `index.rs`).
//!
//! A foreign table (`CREATE FOREIGN TABLE … SERVER s OPTIONS (…)`, relkind
//! `f`) is a table here too, with `foreign` set: it is a relation with
//! columns (types, `NOT NULL`, defaults, collations, and options of their
//! own), checks, a comment, an owner and privileges, table-level and
//! column-level, which views can use; so the columns, constraints,
//! comments, privileges, owners and dependencies of tables serve it as
//! they are. Its columns and checks alter with `ALTER TABLE`, which
//! PostgreSQL accepts for a foreign table; its options and its columns'
//! alter key by key with `ALTER FOREIGN TABLE … [ALTER COLUMN c] OPTIONS
//! (…)` (see `options.rs`, secrets too); a new server has no `ALTER`, so it
//! drops and creates the table, and with it what uses it, as does a table
//! that becomes foreign or stops being so. A foreign table that is a
//! partition or an inheritance child is not read (`read::modelled_table!`)
//! but warned about, as are its parts.
//!
//! The parts of a table (its columns with their identity, its constraints)
//! are modelled here with it; as kinds of their own they are in
//! `column.rs` and `constraint.rs`. Tables are read by
//! `introspect::tables`, with their parts and the column properties the
//! warnings need.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::options::{self, GenericOption};
use super::owner;
use super::policy::{RowSecurity, alter_row_security};
use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown,
};
use crate::names::{
    ColumnRef, Compression, Name, QualName, ReplicaIdentity, SequenceOptions, Storage,
};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    ColumnDef, CommentTarget, GrantTarget, Ident, IdentityDef, IdentitySpec, Keyword, ObjectAction,
    ObjectName, OptionChange, OwnedObject, ParamNames, RoleSpec, ServerSql, Stmt, StorageParams,
    TableAction,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    pub unlogged: bool,
    /// Storage parameters (`reloptions`, `fillfactor=70`), the toast
    /// table's prefixed as `SET` names them (`toast.autovacuum_enabled=false`),
    /// sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "ReplicaIdentity::is_default")]
    pub replica_identity: ReplicaIdentity,
    /// The composite type of a typed table (`CREATE TABLE … OF type`),
    /// whose attributes are its columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of_type: Option<QualName>,
    /// The partition key of a partitioned table, as `pg_get_partkeydef`
    /// prints it (`RANGE (created_at)`).
    #[serde(default)]
    pub partition_by: Option<String>,
    /// For a partition, its parent and bound. Boxed: few tables are
    /// partitions.
    #[serde(default)]
    pub partition_of: Option<Box<PartitionOf>>,
    /// The parents of a child in an inheritance tree (not of a partition),
    /// in the order `INHERITS` lists them.
    #[serde(default)]
    pub inherits: Vec<QualName>,
    /// Altered in place, and set after `CREATE TABLE` (see `policy.rs`).
    #[serde(default)]
    pub row_security: RowSecurity,
    /// Columns in their physical order. Order is not significant for the
    /// diff: a column added by `ALTER TABLE` lands at the end.
    pub columns: Vec<Column>,
    /// Constraints sorted by name. `NOT NULL` is a column property, not a
    /// constraint, on every server version.
    pub constraints: Vec<Constraint>,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`); its columns' own are theirs.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
    /// For a foreign table, its server and options. Boxed: few tables are
    /// foreign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<Box<ForeignTable>>,
}

/// What makes a foreign table foreign: the server that holds its rows,
/// and its options, in the server's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignTable {
    pub server: Name,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<GenericOption>,
}

const FOREIGN_TABLE: &str = "FOREIGN TABLE";

/// How the variables of a foreign table's secret options are named, and
/// of one of its columns'.
fn secret_object<'a>(table: &'a QualName, column: Option<&'a Name>) -> Vec<&'a str> {
    let mut object = vec!["foreign table", &*table.schema, &*table.name];
    object.extend(column.map(|c| &**c));
    object
}

/// `ALTER FOREIGN TABLE … [ALTER COLUMN c] OPTIONS (…)` from `old` options
/// to `new`, if they differ.
fn alter_options(
    table: &QualName,
    column: Option<&Name>,
    old: &[GenericOption],
    new: &[GenericOption],
) -> Option<Stmt> {
    let changes: Vec<OptionChange> = options::changes(old, new, &secret_object(table, column));
    (!changes.is_empty()).then(|| Stmt::AlterForeignTableOptions {
        table: table.clone(),
        column: column.map(|c| Ident(c.to_string())),
        options: changes,
    })
}

/// The options of a column of a foreign table, from `old` to `new` (a new
/// column's: `old` has none).
pub fn column_options_changed(table: &QualName, old: Option<&Column>, new: &Column) -> Vec<Stmt> {
    let before = old.map_or(&[][..], |c| c.options());
    alter_options(table, Some(&new.name), before, new.options())
        .into_iter()
        .collect()
}

impl Table {
    /// A plain logged table with these columns and nothing else, for
    /// catalogs built in code (tests, the sample report).
    pub fn new(name: QualName, columns: Vec<Column>) -> Table {
        Table {
            name,
            unlogged: false,
            options: Vec::new(),
            replica_identity: ReplicaIdentity::Default,
            of_type: None,
            partition_by: None,
            partition_of: None,
            inherits: Vec::new(),
            row_security: RowSecurity::default(),
            columns,
            constraints: Vec::new(),
            comment: None,
            acl: Acl::default(),
            owner: None,
            foreign: None,
        }
    }

    /// How `GRANT` names the table.
    pub fn grant_target(&self) -> GrantTarget {
        GrantTarget::Table(self.name.clone())
    }

    /// How a script names the owner of the table as it exists.
    pub fn owner_role(&self) -> RoleSpec {
        owner::role(self.owner.as_ref())
    }

    /// How `ALTER … OWNER TO` names the table, a partitioned one and a
    /// foreign one too.
    fn owned(&self) -> OwnedObject {
        owner::named(self.keyword(), &self.name)
    }

    /// How `DROP`, `COMMENT ON` and `ALTER … OWNER TO` name a table of its
    /// sort.
    fn keyword(&self) -> &'static str {
        if self.foreign.is_some() {
            FOREIGN_TABLE
        } else {
            "TABLE"
        }
    }
}

/// A column of a table.
///
/// What few columns have (a collation of their own, an identity, a
/// generation expression, privileges, settings, options) is kept together
/// in one box: inline, those fields were half the size of every column,
/// and a large catalog holds hundreds of thousands of columns. A snapshot
/// still lists them as fields of the column.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "ColumnFields", into = "ColumnFields")]
pub struct Column {
    pub name: Name,
    /// The type as `format_type` prints it, with typmod (`character varying(20)`).
    pub data_type: Name,
    pub not_null: bool,
    /// Inherited from a parent: a partition's columns, and a child's
    /// columns that its parents have too. PostgreSQL creates, retypes and
    /// drops such a column through its parent, so it has no statements of
    /// its own.
    pub inherited: bool,
    /// The default expression as `pg_get_expr` prints it; a boxed string,
    /// the smallest that holds it, since most columns of a large catalog
    /// have none.
    pub default: Option<Box<str>>,
    /// `None` when every field of it is empty, which [`Column::set_extra`]
    /// keeps so: two columns compare by their fields, not by the box.
    extra: Option<Box<ColumnExtra>>,
}

/// The fields of a [`Column`] that few columns have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnExtra {
    /// Its comment: few columns have one.
    pub comment: Option<String>,
    /// A collation other than the type's default, if any.
    pub collation: Option<QualName>,
    pub identity: Option<Identity>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    /// Its own privileges (`GRANT SELECT (c)`), when it has any.
    pub acl: Option<Acl>,
    /// Its storage, compression and statistics target, when any differs
    /// from the default.
    pub settings: Option<ColumnSettings>,
    /// The options of a foreign table's column (`attfdwoptions`), in the
    /// server's order.
    pub options: Vec<GenericOption>,
}

static NO_EXTRA: ColumnExtra = ColumnExtra {
    comment: None,
    collation: None,
    identity: None,
    generated: None,
    acl: None,
    settings: None,
    options: Vec::new(),
};

/// A column as a snapshot lists it: every field in line.
#[derive(Serialize, Deserialize)]
struct ColumnFields {
    name: Name,
    data_type: Name,
    collation: Option<QualName>,
    not_null: bool,
    default: Option<Box<str>>,
    identity: Option<Identity>,
    generated: Option<String>,
    #[serde(default)]
    inherited: bool,
    comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    acl: Option<Acl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settings: Option<ColumnSettings>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    options: Vec<GenericOption>,
}

impl From<ColumnFields> for Column {
    fn from(c: ColumnFields) -> Column {
        let mut column = Column {
            name: c.name,
            data_type: c.data_type,
            not_null: c.not_null,
            inherited: c.inherited,
            default: c.default,
            extra: None,
        };
        column.set_extra(ColumnExtra {
            comment: c.comment,
            collation: c.collation,
            identity: c.identity,
            generated: c.generated,
            acl: c.acl,
            settings: c.settings,
            options: c.options,
        });
        column
    }
}

impl From<Column> for ColumnFields {
    fn from(c: Column) -> ColumnFields {
        let extra = c.extra.map(|extra| *extra).unwrap_or_default();
        ColumnFields {
            name: c.name,
            data_type: c.data_type,
            collation: extra.collation,
            not_null: c.not_null,
            default: c.default,
            identity: extra.identity,
            generated: extra.generated,
            inherited: c.inherited,
            comment: extra.comment,
            acl: extra.acl,
            settings: extra.settings,
            options: extra.options,
        }
    }
}

impl PartialEq for Column {
    fn eq(&self, other: &Column) -> bool {
        self.name == other.name
            && self.data_type == other.data_type
            && self.not_null == other.not_null
            && self.inherited == other.inherited
            && self.default == other.default
            && self.extra() == other.extra()
    }
}

impl Eq for Column {}

/// What `ALTER COLUMN … SET STORAGE`, `SET COMPRESSION` and `SET
/// STATISTICS` set, each `None` when it is the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<Compression>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<i32>,
}

/// A column's storage (`attstorage`) that differs from its type's
/// (`typstorage`), with the type's: going back to it means naming it,
/// since `SET STORAGE DEFAULT` is PostgreSQL 16's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageSetting {
    pub storage: Storage,
    pub type_default: Storage,
}

const NO_SETTINGS: ColumnSettings = ColumnSettings {
    storage: None,
    compression: None,
    statistics: None,
};

impl Column {
    /// A column of `data_type` with nothing else set.
    pub fn new(name: impl Into<Name>, data_type: impl Into<Name>) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            not_null: false,
            inherited: false,
            default: None,
            extra: None,
        }
    }

    /// What few columns have; all empty for most.
    pub fn extra(&self) -> &ColumnExtra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }

    /// Replaces what few columns have, boxed only when any of it is set.
    pub fn set_extra(&mut self, extra: ColumnExtra) {
        self.extra = (extra != NO_EXTRA).then(|| Box::new(extra));
    }

    /// The same column with `change` applied to what few columns have, for
    /// tests that build catalogs in code.
    #[cfg(test)]
    pub fn with_extra(mut self, change: impl FnOnce(&mut ColumnExtra)) -> Column {
        self.update_extra(change);
        self
    }

    /// What few columns have, to change in place, when the column has any
    /// of it. A change that empties it leaves an empty box, which compares
    /// as none; [`Column::update_extra`] unboxes it.
    pub fn extra_mut(&mut self) -> Option<&mut ColumnExtra> {
        self.extra.as_deref_mut()
    }

    /// Applies `change` to what few columns have, and unboxes it when it
    /// leaves all of it empty.
    pub fn update_extra(&mut self, change: impl FnOnce(&mut ColumnExtra)) {
        let mut extra = self.extra.take().map(|extra| *extra).unwrap_or_default();
        change(&mut extra);
        self.set_extra(extra);
    }

    /// Its comment, if it has one.
    pub fn comment(&self) -> Option<&str> {
        self.extra().comment.as_deref()
    }

    /// A collation other than the type's default, if any.
    pub fn collation(&self) -> Option<&QualName> {
        self.extra().collation.as_ref()
    }

    pub fn identity(&self) -> Option<&Identity> {
        self.extra().identity.as_ref()
    }

    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub fn generated(&self) -> Option<&str> {
        self.extra().generated.as_deref()
    }

    /// The options of a foreign table's column, in the server's order.
    pub fn options(&self) -> &[GenericOption] {
        &self.extra().options
    }

    /// Its own privileges.
    pub fn privileges(&self) -> &Acl {
        self.extra().acl.as_ref().unwrap_or(&acl::DEFAULT)
    }

    /// Its storage, compression and statistics target.
    pub fn settings(&self) -> &ColumnSettings {
        self.extra().settings.as_ref().unwrap_or(&NO_SETTINGS)
    }
}

/// The `ALTER COLUMN … SET STORAGE|COMPRESSION|STATISTICS` that turn the
/// settings of `old` into those of `new` (a new column's: `old` has none).
/// A type change (`retyped`) resets the storage and compression to the
/// new type's defaults, so after one only what `new` sets is written. An
/// inherited column's settings come from its parent, which passes them
/// down.
pub fn settings_changed(
    table: &QualName,
    old: Option<&Column>,
    new: &Column,
    retyped: bool,
) -> Vec<Stmt> {
    if new.inherited {
        return Vec::new();
    }
    let (before, after) = (old.map_or(&NO_SETTINGS, Column::settings), new.settings());
    let name = || Ident(new.name.to_string());
    let mut actions = Vec::new();
    let storage = |s: &Option<StorageSetting>| s.map(|s| s.storage);
    match (&before.storage, &after.storage) {
        (_, Some(set)) if retyped || storage(&before.storage) != Some(set.storage) => {
            actions.push(TableAction::SetStorage(name(), set.storage));
        }
        (Some(was), None) if !retyped => {
            actions.push(TableAction::SetStorage(name(), was.type_default));
        }
        _ => {}
    }
    let compression_reset = retyped && after.compression.is_none();
    if (retyped && after.compression.is_some())
        || (before.compression != after.compression && !compression_reset)
    {
        actions.push(TableAction::SetCompression(name(), after.compression));
    }
    if before.statistics != after.statistics {
        actions.push(TableAction::SetStatistics(name(), after.statistics));
    }
    actions
        .into_iter()
        .map(|action| Stmt::AlterTable {
            table: table.clone(),
            action,
        })
        .collect()
}

/// Where a partition sits: its parent and its bound.
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    pub parent: QualName,
    /// `FOR VALUES …` or `DEFAULT`, as `pg_get_expr` prints `relpartbound`.
    pub bound: String,
    /// The rows the partition may hold, as `pg_get_partition_constraintdef`
    /// prints it (its ancestors' bounds included), for the check that lets
    /// `--online` attach it without a scan. `None` for a default partition
    /// that has no siblings, and for a hash partition, whose constraint
    /// names its parent by OID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
}

/// Partitions compare by parent and bound: the constraint follows from
/// them and from the ancestors' bounds, each compared on its own table.
impl PartialEq for PartitionOf {
    fn eq(&self, other: &PartitionOf) -> bool {
        self.parent == other.parent && self.bound == other.bound
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `ALWAYS` when true, `BY DEFAULT` otherwise.
    pub always: bool,
    /// The name of the sequence behind the identity column.
    pub sequence: QualName,
    pub options: SequenceOptions,
    /// The sequence's privileges (`GRANT USAGE ON SEQUENCE`), which
    /// belong to the table's owner as the sequence does.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
}

/// The privileges of the sequence a new identity column makes, as default
/// privileges on sequences see them; `None` for another column, and for an
/// inherited one, whose parent's column makes the sequence.
pub fn identity_created(column: &Column) -> Option<super::CreatedAcl<'_>> {
    let identity = column.identity().filter(|_| !column.inherited)?;
    Some(super::CreatedAcl {
        acl: &identity.acl,
        target: GrantTarget::Sequence(identity.sequence.clone()),
        objects: crate::names::DefaultObjects::Sequences,
        schema: Some(&identity.sequence.schema),
    })
}

/// The privileges of an identity column's sequence from `old` to `new`:
/// changed in place while the sequence stays, those of a new sequence
/// when the identity is new or draws from another. The sequence belongs to
/// the table's owner, whom the script names `owner`; a sequence that goes
/// takes its privileges with it.
pub fn identity_privileges(
    old: Option<&Identity>,
    new: Option<&Identity>,
    owner: &RoleSpec,
) -> Vec<Stmt> {
    let Some(new) = new else {
        return Vec::new();
    };
    let before = match old {
        Some(old) if old.sequence == new.sequence => &old.acl,
        _ => &acl::DEFAULT,
    };
    acl::changes(
        before,
        &new.acl,
        &GrantTarget::Sequence(new.sequence.clone()),
        None,
        owner,
    )
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
    /// A check the table inherits from a parent (a partition's too), which
    /// comes and goes with the parent's.
    #[serde(default)]
    pub inherited: bool,
    /// Whether the key's index is its table's replica identity
    /// (`REPLICA IDENTITY USING INDEX`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replica_identity: bool,
    /// The storage parameters of the key's index, sorted: the definition
    /// leaves them out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub comment: Option<String>,
}

/// The table's definition, row security, privileges and owner compared.
/// `ALTER TABLE … OWNER TO` carries the table's indexes and owned
/// sequences along, but not its partitions, which have owners of their own.
pub fn compare(old: &Table, new: &Table) -> Delta {
    compare_definition(old, new)
        .and(acl::changes(
            &old.acl,
            &new.acl,
            &new.grant_target(),
            None,
            &old.owner_role(),
        ))
        .and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            new.owned()
        }))
}

fn compare_definition(old: &Table, new: &Table) -> Delta {
    // PostgreSQL cannot partition a table in place, change its key or undo
    // its partitioning: the table is replaced, by a copy that keeps its
    // rows where it can (see `convert`).
    if old.partition_by != new.partition_by {
        return Delta::Replace;
    }
    // A foreign table's server has no `ALTER`, and a table cannot become
    // foreign or stop being so in place.
    let options = match (&old.foreign, &new.foreign) {
        (None, None) => None,
        (Some(was), Some(is)) if was.server == is.server => {
            alter_options(&new.name, None, &was.options, &is.options)
        }
        _ => return Delta::Replace,
    };
    let alter = |action| Stmt::AlterTable {
        table: new.name.clone(),
        action,
    };
    let mut stmts = Vec::new();
    // A table stops being typed first, so that its columns can change; it
    // becomes typed last (see `finish_alter`), once they match the type.
    if old.of_type.is_some() && old.of_type != new.of_type {
        stmts.push(alter(TableAction::NotOf));
    }
    if old.partition_of != new.partition_of {
        // A partition moves, or takes a new bound, by leaving its parent and
        // joining again: PostgreSQL cannot change a bound in place.
        stmts.extend(old.partition_of.as_deref().map(|p| detach(p, &old.name)));
        stmts.extend(new.partition_of.as_deref().map(|p| attach(p, &new.name)));
    }
    let mut leaves = false;
    for parent in old.inherits.iter().filter(|p| !new.inherits.contains(p)) {
        stmts.push(alter(TableAction::NoInherit(parent.clone())));
        leaves = true;
    }
    if leaves || (old.partition_of.is_some() && new.partition_of.is_none()) {
        stmts.extend(left_behind(old, new).into_iter().map(alter));
    }
    let joins: Vec<&QualName> = new
        .inherits
        .iter()
        .filter(|p| !old.inherits.contains(p))
        .collect();
    if !joins.is_empty() {
        // `INHERIT` wants the child to have every column and check of its
        // new parent already; it then counts them as inherited.
        for column in new.columns.iter().filter(|c| c.inherited) {
            let name = || Ident(column.name.to_string());
            match old.columns.iter().find(|c| c.name == column.name) {
                None => stmts.push(alter(TableAction::AddColumn(column_def(column)))),
                // The child keeps its own default, which the model counts
                // as the parent's once the child inherits; a default it
                // had and should not keep is dropped as a default of its own.
                Some(had) if column.default.is_some() && had.default != column.default => {
                    let default =
                        ServerSql(column.default.as_deref().unwrap_or_default().to_owned());
                    stmts.push(alter(TableAction::SetDefault(name(), default)));
                }
                Some(_) => {}
            }
        }
        let has_check = |name: &Name| old.constraints.iter().any(|c| c.name == *name);
        for check in new
            .constraints
            .iter()
            .filter(|c| c.inherited && !has_check(&c.name))
        {
            stmts.push(alter(TableAction::AddConstraint {
                name: Ident(check.name.to_string()),
                definition: ServerSql(check.definition.clone()),
                not_valid: !check.validated,
            }));
        }
    }
    for parent in joins {
        stmts.push(alter(TableAction::Inherit(parent.clone())));
    }
    if old.unlogged != new.unlogged {
        stmts.push(alter(TableAction::SetLogged(!new.unlogged)));
    }
    stmts.extend(params_changed(&old.options, &new.options).into_iter().map(
        |action| match action {
            ParamsChange::Set(params) => alter(TableAction::SetParams(params)),
            ParamsChange::Reset(names) => alter(TableAction::ResetParams(names)),
        },
    ));
    if old.replica_identity != new.replica_identity {
        stmts.extend(
            identity_spec(new.replica_identity)
                .map(|spec| alter(TableAction::ReplicaIdentity(spec))),
        );
    }
    stmts.extend(alter_row_security(
        &new.name,
        old.row_security,
        new.row_security,
    ));
    stmts.extend(options);
    // A table that becomes typed is altered even with nothing else to do:
    // its `OF` comes as the alter's finishing work.
    if stmts.is_empty() && old.of_type == new.of_type {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// Whether a table replaced because its partitioning changes (a plain
/// table partitioned, a partitioned one made plain, a new partition key)
/// keeps its rows through `convert`. A partition, and a table in an
/// inheritance tree, is dropped and created again instead, which the risk
/// report flags as the loss of its rows: its copy would have to take its
/// place under its parent, or its children.
pub fn converts(old: &Table, new: &Table) -> bool {
    old.partition_by != new.partition_by
        && old.partition_of.is_none()
        && new.partition_of.is_none()
        && old.inherits.is_empty()
        && new.inherits.is_empty()
}

/// A table partitioned anew (see `converts`): the statements of its
/// replacement, and the partitions they create, whose own creates they
/// carry out.
pub struct Conversion {
    pub statements: Vec<Stmt>,
    pub partitions: Vec<QualName>,
}

/// The conversion of `old` (of catalog `from`) into `new` (of `to`): its
/// partitions and theirs, each after its parent, are TO's; the sequences
/// it frees and gives back are those owned by a column of `old` in FROM and
/// by the same column of `new` in TO.
pub fn repartition(from: &Catalog, to: &Catalog, old: &Table, new: &Table) -> Conversion {
    let mut partitions: Vec<&Table> = Vec::new();
    let mut parents = vec![&new.name];
    while let Some(parent) = parents.pop() {
        let children: Vec<&Table> = to
            .tables
            .iter()
            .filter(|t| {
                t.partition_of
                    .as_deref()
                    .is_some_and(|p| p.parent == *parent)
            })
            .collect();
        parents.extend(children.iter().map(|t| &t.name));
        partitions.extend(children);
    }
    let owned: Vec<(QualName, ColumnRef)> = from
        .sequences
        .iter()
        .filter_map(|s| {
            let owner = s.owned_by.as_ref().filter(|o| o.table == old.name)?;
            let kept = to.sequence(&s.name)?.owned_by.as_ref()?;
            (kept.table == new.name && kept.column == owner.column)
                .then(|| (s.name.clone(), kept.clone()))
        })
        .collect();
    Conversion {
        statements: convert(old, new, &partitions, &owned),
        partitions: partitions.iter().map(|t| t.name.clone()).collect(),
    }
}

/// The statements that replace `old` by `new`, keeping its rows, in the
/// script's transaction: under a lock that keeps writers out, `old` is
/// set aside under another name, `new` is created under its own, with
/// its partitions (`partitions`: TO's partitions of it and theirs, each
/// after its parent) under names of their own, since `old`'s partitions
/// still hold theirs; the rows are copied, the identity sequences go on
/// where they stood, `old` is dropped (taking its partitions, indexes and
/// triggers along) and the partitions and sequences take their names.
/// `new` is created under its final name because PostgreSQL 18 names its
/// `NOT NULL` constraints, which its partitions inherit, after it.
/// Sequences of `old`'s columns that TO keeps on the same column (`owned`,
/// a serial's) are freed from the column before the drop and given to
/// `new`'s after it. The keys, indexes, triggers and whatever depends on
/// the table are created afterwards by their own changes, so their names
/// are TO's from the start, and foreign keys to it are checked against the
/// copied rows.
pub fn convert(
    old: &Table,
    new: &Table,
    partitions: &[&Table],
    owned: &[(QualName, ColumnRef)],
) -> Vec<Stmt> {
    let aside = old.name.set_aside();
    let rename = |from: &QualName, to: &QualName| Stmt::AlterTable {
        table: from.clone(),
        action: TableAction::RenameTo(Ident(to.name.to_string())),
    };
    let mut built = new.clone();
    // An identity column's sequence is named in `CREATE TABLE`: the new
    // one is built under a name of its own, since `old`'s still holds it.
    let mut sequences = Vec::new();
    for column in &mut built.columns {
        let column_name = column.name.clone();
        if let Some(identity) = column.extra_mut().and_then(|e| e.identity.as_mut()) {
            let name = identity.sequence.copy_name();
            sequences.push((name.clone(), identity.sequence.clone(), column_name));
            identity.sequence = name;
        }
    }
    let mut stmts = vec![Stmt::LockTable(old.name.clone()), rename(&old.name, &aside)];
    let mut created = create(&built);
    // PostgreSQL 18 names a `NOT NULL` constraint after its table and
    // column, unless the name is taken anywhere in the schema, as it is by
    // the table set aside: the new table's are named as they would be
    // without it (its partitions inherit them, names and all).
    if let Some(Stmt::CreateTable { columns, .. }) = created.first_mut() {
        for column in columns.iter_mut().filter(|c| c.not_null) {
            column.not_null_name = Some(Ident(not_null_name(&new.name.name, &column.name.0)));
        }
    }
    stmts.extend(created);
    for partition in partitions {
        let mut built = (*partition).clone();
        built.name = partition.name.copy_name();
        if let Some(of) = built.partition_of.as_deref_mut()
            && of.parent != new.name
        {
            of.parent = of.parent.copy_name();
        }
        stmts.extend(create(&built));
    }
    // A generated column computes its values itself; a column `old` lacks
    // takes its default.
    let copied: Vec<&Column> = new
        .columns
        .iter()
        .filter(|c| c.generated().is_none() && old.columns.iter().any(|o| o.name == c.name))
        .collect();
    if !copied.is_empty() {
        stmts.push(Stmt::CopyRows {
            from: aside.clone(),
            into: new.name.clone(),
            columns: copied.iter().map(|c| Ident(c.name.to_string())).collect(),
            overriding: copied
                .iter()
                .any(|c| c.identity().is_some_and(|i| i.always)),
        });
    }
    for (built, _, column) in &sequences {
        let was = old
            .columns
            .iter()
            .find(|c| c.name == *column)
            .and_then(|c| c.identity());
        stmts.push(match was {
            Some(was) => Stmt::CopySequenceState {
                from: was.sequence.clone(),
                into: built.clone(),
            },
            // A column that becomes an identity column numbers on after
            // the values it holds.
            None => Stmt::SyncSequenceToColumn {
                sequence: built.clone(),
                table: new.name.clone(),
                column: Ident(column.to_string()),
            },
        });
    }
    for (sequence, _) in owned {
        stmts.push(Stmt::AlterSequenceOwnedBy {
            name: sequence.clone(),
            owner: None,
        });
    }
    stmts.push(Stmt::DropTable(aside));
    for partition in partitions {
        stmts.push(rename(&partition.name.copy_name(), &partition.name));
    }
    for (built, name, _) in sequences {
        stmts.push(Stmt::AlterObject {
            object: ObjectName {
                keyword: Keyword("SEQUENCE"),
                name: built,
            },
            action: ObjectAction::RenameTo(Ident(name.name.to_string())),
        });
    }
    for (sequence, column) in owned {
        stmts.push(Stmt::AlterSequenceOwnedBy {
            name: sequence.clone(),
            owner: Some(column.clone()),
        });
    }
    stmts
}

/// The name PostgreSQL 18 gives the `NOT NULL` constraint of `column` of
/// `table` when nothing else has it (`makeObjectName`): `table_column_not_null`,
/// the longer of the two names cut a byte at a time, never inside a
/// character, until the whole fits in 63 bytes.
fn not_null_name(table: &str, column: &str) -> String {
    const LABEL: &str = "not_null";
    let available = 63 - LABEL.len() - 2;
    let (mut a, mut b) = (table.len(), column.len());
    while a + b > available {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    let clip = |name: &str, mut end: usize| {
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name[..end].to_owned()
    };
    format!("{}_{}_{LABEL}", clip(table, a), clip(column, b))
}

/// The statement that sets a replica identity, but for one `USING INDEX`,
/// which the index sets (see `index.rs`).
fn identity_spec(identity: ReplicaIdentity) -> Option<IdentitySpec> {
    match identity {
        ReplicaIdentity::Default => Some(IdentitySpec::Default),
        ReplicaIdentity::Nothing => Some(IdentitySpec::Nothing),
        ReplicaIdentity::Full => Some(IdentitySpec::Full),
        ReplicaIdentity::Index => None,
    }
}

/// `ALTER TABLE … REPLICA IDENTITY USING INDEX index`, for the index (or
/// key) that is its table's identity.
pub fn identity_using_index(table: &QualName, index: &str) -> Stmt {
    Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::ReplicaIdentity(IdentitySpec::UsingIndex(Ident(index.to_owned()))),
    }
}

/// `ALTER TABLE … REPLICA IDENTITY DEFAULT`: an index that is its table's
/// identity gives it up before it is dropped; whatever identity the table
/// takes instead is set by the table (or by the index that takes over).
pub fn identity_reset(table: &QualName) -> Stmt {
    Stmt::AlterTable {
        table: table.clone(),
        action: TableAction::ReplicaIdentity(IdentitySpec::Default),
    }
}

/// How storage parameters change: those set anew or to a new value, and
/// those no longer set.
pub enum ParamsChange {
    Set(StorageParams),
    Reset(ParamNames),
}

/// The `RESET` and `SET` that turn `old` storage parameters into `new`
/// (both sorted `name=value` lists), each only when there is something to
/// say.
pub fn params_changed(old: &[String], new: &[String]) -> Vec<ParamsChange> {
    let name = |param: &String| {
        param
            .split_once('=')
            .map_or(param.clone(), |(n, _)| n.to_owned())
    };
    let new_names: Vec<String> = new.iter().map(name).collect();
    let reset: Vec<String> = old
        .iter()
        .map(name)
        .filter(|n| !new_names.contains(n))
        .collect();
    let set: Vec<String> = new.iter().filter(|p| !old.contains(p)).cloned().collect();
    let mut changes = Vec::new();
    if !reset.is_empty() {
        changes.push(ParamsChange::Reset(ParamNames(reset)));
    }
    if !set.is_empty() {
        changes.push(ParamsChange::Set(StorageParams(set)));
    }
    changes
}

/// `ALTER INDEX|VIEW|MATERIALIZED VIEW object RESET (…)` and `SET (…)`,
/// from `old` storage parameters to `new`.
pub fn alter_params(object: &ObjectName, old: &[String], new: &[String]) -> Vec<Stmt> {
    params_changed(old, new)
        .into_iter()
        .map(|change| Stmt::AlterObject {
            object: object.clone(),
            action: match change {
                ParamsChange::Set(params) => ObjectAction::SetParams(params),
                ParamsChange::Reset(names) => ObjectAction::ResetParams(names),
            },
        })
        .collect()
}

/// What a table keeps of a parent it leaves (`NO INHERIT`, `DETACH
/// PARTITION`) but no longer has: PostgreSQL turns the inherited columns,
/// their defaults and the inherited checks into the table's own.
fn left_behind(old: &Table, new: &Table) -> Vec<TableAction> {
    let mut actions = Vec::new();
    for column in old.columns.iter().filter(|c| c.inherited) {
        let name = || Ident(column.name.to_string());
        match new.columns.iter().find(|c| c.name == column.name) {
            None => actions.push(TableAction::DropColumnIfExists(name())),
            Some(kept) if !kept.inherited && column.default.is_some() && kept.default.is_none() => {
                actions.push(TableAction::DropDefault(name()));
            }
            Some(_) => {}
        }
    }
    for check in old.constraints.iter().filter(|c| c.inherited) {
        if !new.constraints.iter().any(|c| c.name == check.name) {
            actions.push(TableAction::DropConstraintIfExists(Ident(
                check.name.to_string(),
            )));
        }
    }
    actions
}

/// `ALTER TABLE parent DETACH PARTITION name`.
fn detach(partition: &PartitionOf, name: &QualName) -> Stmt {
    Stmt::AlterTable {
        table: partition.parent.clone(),
        action: TableAction::DetachPartition(name.clone()),
    }
}

/// `ALTER TABLE parent ATTACH PARTITION name FOR VALUES …`.
fn attach(partition: &PartitionOf, name: &QualName) -> Stmt {
    Stmt::AlterTable {
        table: partition.parent.clone(),
        action: TableAction::AttachPartition {
            partition: name.clone(),
            bound: ServerSql(partition.bound.clone()),
        },
    }
}

/// `CREATE TABLE` with every column of its own, its default and identity
/// inline; a partition's columns are its parent's, and a child's inherited
/// columns come from its parents. Constraints are added separately, so that
/// tables that reference each other can be created in any order.
fn create_plain(table: &Table) -> Stmt {
    Stmt::CreateTable {
        name: table.name.clone(),
        unlogged: table.unlogged,
        columns: table
            .columns
            .iter()
            .filter(|c| !c.inherited)
            .map(column_def)
            .collect(),
        partition_of: table
            .partition_of
            .as_deref()
            .map(|p| (p.parent.clone(), ServerSql(p.bound.clone()))),
        inherits: table.inherits.clone(),
        partition_by: table.partition_by.clone().map(ServerSql),
        options: StorageParams(table.options.clone()),
        of_type: table.of_type.clone(),
    }
}

/// `CREATE FOREIGN TABLE`, with its columns and their options.
fn create_foreign(table: &Table, foreign: &ForeignTable) -> Stmt {
    Stmt::CreateForeignTable {
        name: table.name.clone(),
        columns: table
            .columns
            .iter()
            .map(|c| {
                let object = secret_object(&table.name, Some(&c.name));
                (column_def(c), options::create(c.options(), &object))
            })
            .collect(),
        server: Ident(foreign.server.to_string()),
        options: options::create(&foreign.options, &secret_object(&table.name, None)),
    }
}

/// The table's create, its foreign table's or `CREATE TABLE`, and what
/// is set on it after.
pub fn create(table: &Table) -> Vec<Stmt> {
    let mut stmts = vec![match &table.foreign {
        Some(foreign) => create_foreign(table, foreign),
        None => create_plain(table),
    }];
    if table.of_type.is_some() {
        stmts.extend(
            table
                .columns
                .iter()
                .flat_map(|c| typed_column(&table.name, c)),
        );
    }
    for column in &table.columns {
        stmts.extend(settings_changed(&table.name, None, column, false));
    }
    if table.replica_identity != ReplicaIdentity::Default {
        stmts.extend(
            identity_spec(table.replica_identity).map(|spec| Stmt::AlterTable {
                table: table.name.clone(),
                action: TableAction::ReplicaIdentity(spec),
            }),
        );
    }
    stmts.extend(alter_row_security(
        &table.name,
        RowSecurity::default(),
        table.row_security,
    ));
    // The privileges of the table and of the columns `CREATE TABLE` makes.
    let target = table.grant_target();
    stmts.extend(acl::on_create(&table.acl, &target, None));
    for column in &table.columns {
        stmts.extend(acl::on_create(
            column.privileges(),
            &target,
            Some(&column.name),
        ));
        stmts.extend(identity_privileges(
            None,
            column.identity(),
            &RoleSpec::CurrentUser,
        ));
    }
    stmts.extend(owner::on_create(table.owner.as_ref(), || table.owned()));
    stmts
}

/// What a column of a new typed table has beyond its type's attribute,
/// which `CREATE TABLE … OF` leaves out: `NOT NULL`, its default and
/// identity, set with `ALTER COLUMN`.
fn typed_column(table: &QualName, column: &Column) -> Vec<Stmt> {
    let alter = |action| Stmt::AlterTable {
        table: table.clone(),
        action,
    };
    let name = || Ident(column.name.to_string());
    let mut stmts = Vec::new();
    if column.not_null {
        stmts.push(alter(TableAction::SetNotNull(name())));
    }
    if let Some(default) = &column.default {
        stmts.push(alter(TableAction::SetDefault(
            name(),
            ServerSql(default.to_string()),
        )));
    }
    if let Some(identity) = column.identity() {
        stmts.push(alter(TableAction::AddIdentity(
            name(),
            identity_def(identity),
        )));
    }
    stmts
}

/// `ALTER TABLE … OF type` for a table that becomes typed (or typed by
/// another type), after its columns have changed to match the type.
fn becomes_typed(old: &Table, new: &Table) -> Vec<Stmt> {
    match &new.of_type {
        Some(of_type) if old.of_type.as_ref() != Some(of_type) => vec![Stmt::AlterTable {
            table: new.name.clone(),
            action: TableAction::Of(of_type.clone()),
        }],
        _ => Vec::new(),
    }
}

/// A partition is detached first, so that its drop holds its parent no
/// longer than the detach does; a partition whose parent is dropped goes
/// with it (see `dropped_with`).
pub fn drop(table: &Table) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = table
        .partition_of
        .as_deref()
        .map(|p| detach(p, &table.name))
        .into_iter()
        .collect();
    stmts.push(match table.foreign {
        Some(_) => Stmt::DropObject(ObjectName {
            keyword: Keyword(FOREIGN_TABLE),
            name: table.name.clone(),
        }),
        None => Stmt::DropTable(table.name.clone()),
    });
    stmts
}

/// A column as `CREATE TABLE` and `ADD COLUMN` write it, default included.
pub fn column_def(column: &Column) -> ColumnDef {
    ColumnDef {
        name: Ident(column.name.to_string()),
        data_type: ServerSql(column.data_type.to_string()),
        collation: column.collation().cloned(),
        not_null: column.not_null,
        not_null_name: None,
        default: column.default.as_deref().map(|d| ServerSql(d.to_owned())),
        identity: column.identity().map(identity_def),
        generated: column.generated().map(|g| ServerSql(g.to_owned())),
    }
}

pub fn identity_def(identity: &Identity) -> IdentityDef {
    IdentityDef {
        always: identity.always,
        sequence: identity.sequence.clone(),
        options: identity.options.clone(),
    }
}

impl<'a> ObjectKind<'a> for Table {
    type Ref = &'a Table;
    const NOUN: &'static str = "table";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &[
        "row-level security",
        "storage parameters",
        "replica identity",
        "typed table",
    ];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.tables.iter().map(Obj::Table));
    }

    fn key(table: &'a Table) -> [&'a str; 3] {
        [&table.name.schema, &table.name.name, ""]
    }

    fn container(table: &'a Table) -> Holder<'a> {
        Holder::schema(&table.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(table: &'a Table) -> Option<&'a QualName> {
        Some(&table.name)
    }

    fn claimed_names(table: &'a Table) -> Vec<QualName> {
        vec![table.name.clone()]
    }

    fn created_acl(x: &'a Table) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: x.grant_target(),
            objects: crate::names::DefaultObjects::Tables,
            schema: Some(&x.name.schema),
        })
    }

    /// A new table's identity columns make their sequences with it, which
    /// default privileges on sequences reach too.
    fn created_acls(x: &'a Table) -> Vec<super::CreatedAcl<'a>> {
        Self::created_acl(x)
            .into_iter()
            .chain(x.columns.iter().filter_map(identity_created))
            .collect()
    }

    fn compare(old: &'a Table, new: &'a Table) -> Delta {
        compare(old, new)
    }

    fn create(table: &'a Table) -> Vec<Stmt> {
        create(table)
    }

    fn drop(table: &'a Table) -> Vec<Stmt> {
        drop(table)
    }

    /// `DROP TABLE` on a partitioned table drops its partitions.
    fn dropped_with(table: &'a Table, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        table.partition_of.as_ref().map(|p| ObjectId::Table {
            name: p.parent.clone(),
        })
    }

    fn created_with(_: &'a Table) -> Option<ObjectId> {
        None
    }

    fn finish_alter(old: &'a Table, new: &'a Table) -> Vec<Stmt> {
        becomes_typed(old, new)
    }

    fn comment(table: &'a Table) -> Option<&'a Option<String>> {
        Some(&table.comment)
    }

    fn comment_target(table: &'a Table) -> Option<CommentTarget> {
        Some(match table.foreign {
            Some(_) => CommentTarget::Object(ObjectName {
                keyword: Keyword(FOREIGN_TABLE),
                name: table.name.clone(),
            }),
            None => CommentTarget::Table(table.name.clone()),
        })
    }

    fn shown(_: &'a Table) -> Option<Shown> {
        None
    }

    /// Its partition key, bound and partition constraint; its columns and
    /// constraints say what they hold.
    fn deparsed(table: &'a Table) -> Vec<(&'a str, TextShape)> {
        let key = table.partition_by.iter().map(|k| k.as_str());
        let bound = table.partition_of.iter().map(|p| p.bound.as_str());
        let constraint = table
            .partition_of
            .iter()
            .filter_map(|p| p.constraint.as_deref());
        key.chain(bound)
            .chain(constraint)
            .map(|text| (text, TextShape::Fragment))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::not_null_name;

    #[test]
    fn not_null_names_are_cut_as_postgresql_cuts_them() {
        assert_eq!(not_null_name("metrics", "at"), "metrics_at_not_null");
        let table = format!("readings_é_{}", "x".repeat(51));
        assert_eq!(table.len(), 63);
        assert_eq!(
            not_null_name(&table, "id"),
            format!("readings_é_{}_id_not_null", "x".repeat(39))
        );
        // The cut never splits a character: "é" is two bytes.
        let name = not_null_name(&"é".repeat(40), "c");
        assert_eq!(name, format!("{}_c_not_null", "é".repeat(26)));
    }
}
