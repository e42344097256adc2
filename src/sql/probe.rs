//! The read-only queries the risk probes run, rendered through `Display`
//! like every other statement, so names and literals are quoted here and
//! nowhere else.
//!
//! Expressions that come from the server (`CHECK` expressions, index
//! predicates) are embedded as [`ServerSql`]. The probes run them with
//! `search_path` set to `pg_catalog`, as the introspector deparsed them.

use std::fmt;

use super::{Ident, Literal, ServerSql};
use crate::catalog::QualName;

/// A condition a row is counted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    IsNull(Ident),
    IsNotNull(Ident),
    /// The row makes a `CHECK` expression false (NULL passes, as in a
    /// `CHECK`).
    Violates(ServerSql),
    /// The value is longer than `n` characters.
    LongerThan(Ident, i64),
    /// The value, rounded to an integer first when `round` is set, lies
    /// outside `min..=max`.
    OutsideRange {
        column: Ident,
        min: i64,
        max: i64,
        round: bool,
    },
    /// The value, rounded to `scale` decimals, has more than `digits`
    /// digits before the decimal point.
    TooManyDigits {
        column: Ident,
        digits: i32,
        scale: i32,
    },
    /// The value changes when rounded to `scale` decimals.
    Rounded {
        column: Ident,
        scale: i32,
    },
    /// The value, as text, is one of `labels`.
    InLabels(Ident, Vec<Literal>),
}

/// One probe query. Each returns one row, except [`ProbeQuery::TableSizes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeQuery {
    /// `count(*)`: one `bigint`.
    CountRows { table: QualName },
    /// `count(*)` of the rows that meet the condition: one `bigint`.
    CountWhere {
        table: QualName,
        condition: Condition,
    },
    /// The number of groups of rows sharing a key: one `bigint`.
    DuplicateGroups {
        table: QualName,
        columns: Vec<Ident>,
        /// Rows with a NULL in the key never collide.
        nulls_distinct: bool,
        predicate: Option<ServerSql>,
    },
    /// Rows whose foreign key finds no referenced row: one `bigint`.
    Orphans {
        table: QualName,
        columns: Vec<Ident>,
        referenced: QualName,
        referenced_columns: Vec<Ident>,
        match_full: bool,
    },
    /// Pages on disk and `pg_class.reltuples` (-1 when never analysed):
    /// two `bigint`s.
    TableSize { table: QualName },
    /// [`ProbeQuery::TableSize`] of several tables: a row of two `bigint`s
    /// per table, in the order given.
    TableSizes { tables: Vec<QualName> },
    /// [`ProbeQuery::CountRows`] of several tables: one row, one `bigint`
    /// per table, in the order given.
    CountRowsEach { tables: Vec<QualName> },
    /// `pg_stats.null_frac` of a column: one `real`, or no row without
    /// statistics.
    NullFraction { table: QualName, column: String },
    /// The sequence's `last_value`: one `bigint`.
    SequenceLastValue { name: QualName },
}

/// The statements around a probe: a read-only transaction of its own, with
/// local settings, ended by a rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeControl {
    Begin,
    SetLocal { name: &'static str, value: Literal },
    Rollback,
}

impl fmt::Display for ProbeControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeControl::Begin => f.write_str("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
            ProbeControl::SetLocal { name, value } => write!(f, "SET LOCAL {name} = {value}"),
            ProbeControl::Rollback => f.write_str("ROLLBACK"),
        }
    }
}

/// `10^digits` as a numeric literal, written out so that no function call
/// or operator precedence is involved.
fn power_of_ten(digits: i32) -> String {
    format!("1{}", "0".repeat(digits.max(0) as usize))
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::IsNull(column) => write!(f, "{column} IS NULL"),
            Condition::IsNotNull(column) => write!(f, "{column} IS NOT NULL"),
            Condition::Violates(expression) => write!(f, "NOT ({expression})"),
            Condition::LongerThan(column, n) => write!(f, "length({column}) > {n}"),
            Condition::OutsideRange {
                column,
                min,
                max,
                round,
            } => {
                if *round {
                    write!(f, "round({column}) NOT BETWEEN {min} AND {max}")
                } else {
                    write!(f, "{column} NOT BETWEEN {min} AND {max}")
                }
            }
            Condition::TooManyDigits {
                column,
                digits,
                scale,
            } => write!(
                f,
                "round(abs({column}::numeric), {scale}) >= {}",
                power_of_ten(*digits)
            ),
            Condition::Rounded { column, scale } => {
                write!(f, "{column}::numeric <> round({column}::numeric, {scale})")
            }
            Condition::InLabels(column, labels) => {
                write!(f, "{column}::text IN (")?;
                for (i, label) in labels.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{label}")?;
                }
                f.write_str(")")
            }
        }
    }
}

fn write_joined<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl IntoIterator<Item = T>,
    separator: &str,
) -> fmt::Result {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// A column of one of the two aliased tables of the orphan query.
struct Aliased<'a>(&'static str, &'a Ident);

impl fmt::Display for Aliased<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

impl fmt::Display for ProbeQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeQuery::CountRows { table } => write!(f, "SELECT count(*) FROM {table}"),
            ProbeQuery::CountWhere { table, condition } => {
                write!(f, "SELECT count(*) FROM {table} WHERE {condition}")
            }
            ProbeQuery::DuplicateGroups {
                table,
                columns,
                nulls_distinct,
                predicate,
            } => {
                write!(f, "SELECT count(*) FROM (SELECT 1 FROM {table}")?;
                let mut conditions: Vec<String> = Vec::new();
                if *nulls_distinct {
                    conditions.extend(columns.iter().map(|c| format!("{c} IS NOT NULL")));
                }
                if let Some(predicate) = predicate {
                    conditions.push(format!("({predicate})"));
                }
                if !conditions.is_empty() {
                    f.write_str(" WHERE ")?;
                    write_joined(f, &conditions, " AND ")?;
                }
                f.write_str(" GROUP BY ")?;
                write_joined(f, columns, ", ")?;
                f.write_str(" HAVING count(*) > 1) AS duplicates")
            }
            ProbeQuery::Orphans {
                table,
                columns,
                referenced,
                referenced_columns,
                match_full,
            } => {
                let child = |c| Aliased("c", c);
                let parent = |c| Aliased("p", c);
                write!(f, "SELECT count(*) FROM {table} AS c WHERE ")?;
                let exists = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
                    write!(f, "NOT EXISTS (SELECT FROM {referenced} AS p WHERE ")?;
                    let pairs = referenced_columns
                        .iter()
                        .zip(columns)
                        .map(|(r, c)| format!("{} = {}", parent(r), child(c)));
                    write_joined(f, pairs, " AND ")?;
                    f.write_str(")")
                };
                if *match_full {
                    // All NULL passes; some NULL fails; none NULL must match.
                    f.write_str("NOT (")?;
                    write_joined(
                        f,
                        columns.iter().map(|c| format!("{} IS NULL", child(c))),
                        " AND ",
                    )?;
                    f.write_str(") AND (")?;
                    for c in columns {
                        write!(f, "{} IS NULL OR ", child(c))?;
                    }
                    exists(f)?;
                    f.write_str(")")
                } else {
                    for c in columns {
                        write!(f, "{} IS NOT NULL AND ", child(c))?;
                    }
                    exists(f)
                }
            }
            ProbeQuery::TableSize { table } => {
                let name = Literal(table.to_string());
                write!(
                    f,
                    "SELECT pg_relation_size({name}::regclass) / current_setting('block_size')::bigint, \
                     reltuples::bigint FROM pg_class WHERE oid = {name}::regclass"
                )
            }
            ProbeQuery::TableSizes { tables } => {
                f.write_str(
                    "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, \
                     c.reltuples::bigint FROM (VALUES ",
                )?;
                for (n, table) in tables.iter().enumerate() {
                    let separator = if n == 0 { "" } else { ", " };
                    write!(
                        f,
                        "{separator}({n}, {}::regclass)",
                        Literal(table.to_string())
                    )?;
                }
                f.write_str(") AS t(n, oid) JOIN pg_class c ON c.oid = t.oid ORDER BY t.n")
            }
            ProbeQuery::CountRowsEach { tables } => {
                f.write_str("SELECT ")?;
                for (n, table) in tables.iter().enumerate() {
                    let separator = if n == 0 { "" } else { ", " };
                    write!(f, "{separator}(SELECT count(*) FROM {table})")?;
                }
                Ok(())
            }
            ProbeQuery::NullFraction { table, column } => write!(
                f,
                "SELECT null_frac FROM pg_stats WHERE schemaname = {} AND tablename = {} \
                 AND attname = {} AND NOT inherited",
                Literal(table.schema.to_string()),
                Literal(table.name.to_string()),
                Literal(column.clone())
            ),
            ProbeQuery::SequenceLastValue { name } => {
                write!(f, "SELECT last_value FROM {name}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> QualName {
        QualName::new("public", "Users")
    }

    fn id(name: &str) -> Ident {
        Ident(name.to_owned())
    }

    #[test]
    fn queries_quote_names_and_literals() {
        let cases = [
            (
                ProbeQuery::CountWhere {
                    table: t(),
                    condition: Condition::IsNull(id("e mail")),
                },
                r#"SELECT count(*) FROM public."Users" WHERE "e mail" IS NULL"#,
            ),
            (
                ProbeQuery::DuplicateGroups {
                    table: t(),
                    columns: vec![id("a"), id("B")],
                    nulls_distinct: true,
                    predicate: Some(ServerSql("(deleted IS NULL)".into())),
                },
                r#"SELECT count(*) FROM (SELECT 1 FROM public."Users" WHERE a IS NOT NULL AND "B" IS NOT NULL AND ((deleted IS NULL)) GROUP BY a, "B" HAVING count(*) > 1) AS duplicates"#,
            ),
            (
                ProbeQuery::DuplicateGroups {
                    table: t(),
                    columns: vec![id("a")],
                    nulls_distinct: false,
                    predicate: None,
                },
                r#"SELECT count(*) FROM (SELECT 1 FROM public."Users" GROUP BY a HAVING count(*) > 1) AS duplicates"#,
            ),
            (
                ProbeQuery::Orphans {
                    table: QualName::new("public", "orders"),
                    columns: vec![id("user_id")],
                    referenced: t(),
                    referenced_columns: vec![id("id")],
                    match_full: false,
                },
                r#"SELECT count(*) FROM public.orders AS c WHERE c.user_id IS NOT NULL AND NOT EXISTS (SELECT FROM public."Users" AS p WHERE p.id = c.user_id)"#,
            ),
            (
                ProbeQuery::Orphans {
                    table: QualName::new("public", "orders"),
                    columns: vec![id("a"), id("b")],
                    referenced: t(),
                    referenced_columns: vec![id("x"), id("y")],
                    match_full: true,
                },
                r#"SELECT count(*) FROM public.orders AS c WHERE NOT (c.a IS NULL AND c.b IS NULL) AND (c.a IS NULL OR c.b IS NULL OR NOT EXISTS (SELECT FROM public."Users" AS p WHERE p.x = c.a AND p.y = c.b))"#,
            ),
            (
                ProbeQuery::CountWhere {
                    table: t(),
                    condition: Condition::InLabels(id("mood"), vec![Literal("it's".into())]),
                },
                r#"SELECT count(*) FROM public."Users" WHERE mood::text IN ('it''s')"#,
            ),
            (
                ProbeQuery::CountWhere {
                    table: t(),
                    condition: Condition::TooManyDigits {
                        column: id("n"),
                        digits: 3,
                        scale: 2,
                    },
                },
                r#"SELECT count(*) FROM public."Users" WHERE round(abs(n::numeric), 2) >= 1000"#,
            ),
            (
                ProbeQuery::TableSizes {
                    tables: vec![t(), QualName::new("s", "o'k")],
                },
                r#"SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.reltuples::bigint FROM (VALUES (0, 'public."Users"'::regclass), (1, 's."o''k"'::regclass)) AS t(n, oid) JOIN pg_class c ON c.oid = t.oid ORDER BY t.n"#,
            ),
            (
                ProbeQuery::CountRowsEach {
                    tables: vec![t(), QualName::new("s", "o'k")],
                },
                r#"SELECT (SELECT count(*) FROM public."Users"), (SELECT count(*) FROM s."o'k")"#,
            ),
            (
                ProbeQuery::TableSize { table: t() },
                r#"SELECT pg_relation_size('public."Users"'::regclass) / current_setting('block_size')::bigint, reltuples::bigint FROM pg_class WHERE oid = 'public."Users"'::regclass"#,
            ),
            (
                ProbeQuery::NullFraction {
                    table: t(),
                    column: "o'k".into(),
                },
                r#"SELECT null_frac FROM pg_stats WHERE schemaname = 'public' AND tablename = 'Users' AND attname = 'o''k' AND NOT inherited"#,
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(query.to_string(), expected);
        }
    }

    #[test]
    fn control_statements() {
        let set = ProbeControl::SetLocal {
            name: "statement_timeout",
            value: Literal("5000ms".into()),
        };
        assert_eq!(set.to_string(), "SET LOCAL statement_timeout = '5000ms'");
        assert_eq!(
            ProbeControl::Begin.to_string(),
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        );
    }
}
