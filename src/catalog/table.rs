//! Tables. A table is never replaced: its columns, constraints, indexes and
//! triggers are objects of their own, so only persistence and row-level
//! security alter here.
//!
//! The parts of a table (its columns with their identity, its constraints)
//! are modelled here with it; as kinds of their own they are in
//! `column.rs` and `constraint.rs`. Tables are read by
//! `introspect::tables`, with their parts and the column properties the
//! warnings need.

use serde::{Deserialize, Serialize};

use super::policy::{RowSecurity, alter_row_security};
use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown,
};
use crate::names::{Name, QualName, SequenceOptions};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{ColumnDef, CommentTarget, Ident, IdentityDef, ServerSql, Stmt, TableAction};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    pub unlogged: bool,
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

#[cfg(test)]
impl Column {
    /// A nullable column of `data_type` with nothing else set, for tests
    /// that build catalogs in code.
    pub fn new(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            collation: None,
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            comment: None,
        }
    }
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

pub fn compare(old: &Table, new: &Table) -> Delta {
    let mut stmts = Vec::new();
    if old.unlogged != new.unlogged {
        stmts.push(Stmt::AlterTable {
            table: new.name.clone(),
            action: TableAction::SetLogged(!new.unlogged),
        });
    }
    stmts.extend(alter_row_security(&new.name, old.row_security, new.row_security));
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// `CREATE TABLE` with every column, its default and identity inline.
/// Constraints are added separately, so that tables that reference each
/// other can be created in any order.
pub fn create(table: &Table) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::CreateTable {
        name: table.name.clone(),
        unlogged: table.unlogged,
        columns: table.columns.iter().map(column_def).collect(),
    }];
    stmts.extend(alter_row_security(
        &table.name,
        RowSecurity::default(),
        table.row_security,
    ));
    stmts
}

pub fn drop(table: &Table) -> Vec<Stmt> {
    vec![Stmt::DropTable(table.name.clone())]
}

/// A column as `CREATE TABLE` and `ADD COLUMN` write it, default included.
pub fn column_def(column: &Column) -> ColumnDef {
    ColumnDef {
        name: Ident(column.name.to_string()),
        data_type: ServerSql(column.data_type.to_string()),
        collation: column.collation.as_deref().cloned(),
        not_null: column.not_null,
        default: column.default.clone().map(ServerSql),
        identity: column.identity.as_deref().map(identity_def),
        generated: column.generated.clone().map(ServerSql),
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
    const MODELS: &'static [&'static str] = &["row-level security"];

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

    fn compare(old: &'a Table, new: &'a Table) -> Delta {
        compare(old, new)
    }

    fn create(table: &'a Table) -> Vec<Stmt> {
        create(table)
    }

    fn drop(table: &'a Table) -> Vec<Stmt> {
        drop(table)
    }

    fn dropped_with(_: &'a Table, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a Table) -> Option<ObjectId> {
        None
    }

    fn comment(table: &'a Table) -> Option<&'a Option<String>> {
        Some(&table.comment)
    }

    fn comment_target(table: &'a Table) -> Option<CommentTarget> {
        Some(CommentTarget::Table(table.name.clone()))
    }

    fn shown(_: &'a Table) -> Option<Shown> {
        None
    }

    /// A table's own fields are names and flags; its columns and
    /// constraints say what they hold.
    fn deparsed(_: &'a Table) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}
