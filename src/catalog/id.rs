//! Names and identities of catalog objects.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::quote::quote_ident;

/// A name held by a catalog identity. Names up to 24 bytes (nearly every
/// identifier) are stored inline, without an allocation of their own; a
/// catalog of 10,000 tables holds hundreds of thousands of them.
pub type Name = CompactString;

/// A schema-qualified name. Displays quoted, as SQL (`public."Users"`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualName {
    pub schema: Name,
    pub name: Name,
}

impl QualName {
    pub fn new(schema: impl Into<Name>, name: impl Into<Name>) -> Self {
        QualName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

/// The identity of one modelled object: what stays the same when the object
/// is altered, and what tells it apart from every other object in a catalog.
///
/// Sub-objects of a table (columns, defaults, constraints, triggers) are
/// objects of their own, so that the dependency graph can order a default
/// that calls a function apart from the column that holds the data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ObjectId {
    Schema {
        name: Name,
    },
    Extension {
        name: Name,
    },
    /// An enum type. Its array type maps to the same identity.
    Type {
        name: QualName,
    },
    Sequence {
        name: QualName,
    },
    Table {
        name: QualName,
    },
    Column {
        table: QualName,
        column: Name,
    },
    /// The default expression of a column, apart from the column itself.
    Default {
        table: QualName,
        column: Name,
    },
    Constraint {
        table: QualName,
        name: Name,
    },
    Index {
        name: QualName,
    },
    /// A view or a materialized view.
    View {
        name: QualName,
    },
    Function {
        name: QualName,
        args: Name,
    },
    Trigger {
        table: QualName,
        name: Name,
    },
}

impl ObjectId {
    /// The noun a user reads in a message (`table`, `column` …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            ObjectId::Schema { .. } => "schema",
            ObjectId::Extension { .. } => "extension",
            ObjectId::Type { .. } => "type",
            ObjectId::Sequence { .. } => "sequence",
            ObjectId::Table { .. } => "table",
            ObjectId::Column { .. } => "column",
            ObjectId::Default { .. } => "default",
            ObjectId::Constraint { .. } => "constraint",
            ObjectId::Index { .. } => "index",
            ObjectId::View { .. } => "view",
            ObjectId::Function { .. } => "function",
            ObjectId::Trigger { .. } => "trigger",
        }
    }

    /// The table an object belongs to, for sub-objects of a table.
    pub fn parent_table(&self) -> Option<&QualName> {
        match self {
            ObjectId::Column { table, .. }
            | ObjectId::Default { table, .. }
            | ObjectId::Constraint { table, .. }
            | ObjectId::Trigger { table, .. } => Some(table),
            _ => None,
        }
    }
}

/// Displays the object as SQL names, for comments and messages
/// (`public.users.email`, `public.f(integer)`).
impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectId::Schema { name } | ObjectId::Extension { name } => {
                write!(f, "{}", quote_ident(name))
            }
            ObjectId::Type { name }
            | ObjectId::Sequence { name }
            | ObjectId::Table { name }
            | ObjectId::Index { name }
            | ObjectId::View { name } => write!(f, "{name}"),
            ObjectId::Column { table, column } | ObjectId::Default { table, column } => {
                write!(f, "{table}.{}", quote_ident(column))
            }
            ObjectId::Constraint { table, name } | ObjectId::Trigger { table, name } => {
                write!(f, "{} on {table}", quote_ident(name))
            }
            ObjectId::Function { name, args } => write!(f, "{name}({args})"),
        }
    }
}
