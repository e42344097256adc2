//! The queries of a verify script (sqitch's `verify/`): each fails, with
//! an error, unless the database holds what a migration made (or no
//! longer holds what it dropped). Names reach them as quoted names or as
//! literals of quoted names, never pasted.

use std::fmt;

use super::stmt::Ident;
use crate::names::QualName;
use crate::quote::quote_literal;

/// One check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// `SELECT a, b FROM t WHERE false`: fails unless the relation and each
    /// column exist.
    Columns {
        relation: QualName,
        columns: Vec<Ident>,
    },
    /// A division by zero unless the relation (table, view, index,
    /// sequence) exists, or, with `present` false, unless it does not.
    Relation { name: QualName, present: bool },
    /// A division by zero unless the table has a constraint of that name,
    /// or, with `present` false, unless it has none.
    Constraint {
        table: QualName,
        name: String,
        present: bool,
    },
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let is = |present: bool| if present { "IS NOT NULL" } else { "IS NULL" };
        match self {
            Verification::Columns { relation, columns } => {
                let columns: Vec<String> = columns.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "SELECT {} FROM {relation} WHERE false",
                    columns.join(", ")
                )
            }
            Verification::Relation { name, present } => write!(
                f,
                "SELECT 1 / (pg_catalog.to_regclass({}) {})::integer",
                quote_literal(&name.to_string()),
                is(*present)
            ),
            Verification::Constraint {
                table,
                name,
                present,
            } => {
                let count = if *present { "" } else { "1 - " };
                write!(
                    f,
                    "SELECT 1 / ({count}count(*))::integer FROM pg_catalog.pg_constraint \
                     WHERE conrelid = pg_catalog.to_regclass({}) AND conname = {}",
                    quote_literal(&table.to_string()),
                    quote_literal(name)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_and_literals_escaped() {
        let t = QualName::new("public", "it's \"odd\"");
        assert_eq!(
            Verification::Relation {
                name: t.clone(),
                present: false
            }
            .to_string(),
            r#"SELECT 1 / (pg_catalog.to_regclass('public."it''s ""odd"""') IS NULL)::integer"#
        );
        assert_eq!(
            Verification::Columns {
                relation: t.clone(),
                columns: vec![Ident("Email".into())],
            }
            .to_string(),
            r#"SELECT "Email" FROM public."it's ""odd""" WHERE false"#
        );
    }
}
