//! The read-only queries the risk probes run, rendered through `Display`
//! like every other statement, so names and literals are quoted here and
//! nowhere else.
//!
//! Expressions that come from the server (`CHECK` expressions, index
//! predicates) are embedded as [`ServerSql`]. The probes run them with
//! `search_path` set to `pg_catalog`, as the introspector deparsed them.

use std::fmt;

use super::{Ident, Literal, ServerSql};
use crate::names::QualName;

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
    /// An array column holding any of the labels.
    AnyInLabels(Ident, Vec<Literal>),
    /// The cast `column::type` of a string column fails: the new type's
    /// input function refuses the text it is given.
    InvalidInput {
        value: CastText,
        check: InputCheck,
    },
    /// PostgreSQL 14 and 15 accept the text as `numeric` syntax, but only
    /// the cast itself could tell whether it overflows: longer than
    /// [`UNDECIDED_LENGTH`] characters, or an exponent of five digits or
    /// more. [`InputCheck::Numeric`] counts these as valid.
    UndecidedNumeric(CastText),
}

/// The text a cast from a string type gives the new type's input function:
/// the old type's output. For `character(n)` that keeps the padding, which
/// `::text` would strip and which, say, `uuid` refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CastText {
    pub column: Ident,
    /// The column is `character(n)`.
    pub padded: bool,
}

/// How [`Condition::InvalidInput`] tells whether an input function refuses
/// a text. Up to PostgreSQL 15 no read-only query can call an input
/// function without failing on the first bad value, so the types whose
/// syntax a pattern decides exactly are checked by their syntax, as their
/// input functions in 14 and 15 read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputCheck {
    /// `pg_input_is_valid` (PostgreSQL 16 and later) with the new type as
    /// the server printed it, type modifiers included.
    Valid(Literal),
    /// `int2in`, `int4in`, `int8in`: whitespace, a sign, decimal digits,
    /// whitespace; then the range.
    Integer { min: i64, max: i64 },
    /// `numeric_in`, with the precision and scale of `numeric(p,s)`.
    Numeric(Option<(i32, i32)>),
    /// `boolin`: a prefix of `true`, `false`, `yes`, `no`, at least two
    /// letters of `on`, `off`, or `1`, `0`, in any case, within whitespace.
    Boolean,
    /// `uuid_in`: 32 hexadecimal digits, a hyphen allowed after every
    /// fourth but the last, optionally in braces, no whitespace.
    Uuid,
}

/// Above this many characters, [`InputCheck::Numeric`] cannot rule out
/// that a value overflows `numeric` (131,072 digits before the point,
/// 16,383 after) without casting it, which would fail the probe.
pub const UNDECIDED_LENGTH: usize = 1000;

/// The whitespace C's `isspace` accepts, which the input functions skip.
const SPACE: &str = r"[ \t\n\v\f\r]";

/// A number as `numeric_in` reads it: a decimal with an optional exponent
/// (read by `strtol`, which skips whitespace and takes a sign), `NaN`, or
/// an infinity (from PostgreSQL 14), the last two in any case.
const NUMERIC: &str = r"[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][ \t\n\v\f\r]*[-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF]([iI][nN][iI][tT][yY])?";

/// An exponent of five digits or more.
const LONG_EXPONENT: &str = r"[eE][ \t\n\v\f\r]*[-+]?[0-9]{5}";

/// What `boolin` accepts, letter by letter: `pg_strncasecmp` folds ASCII
/// letters only, so no locale's case folding may widen the pattern.
const BOOLEAN: &str = "[tT]([rR]([uU][eE]?)?)?|[fF]([aA]([lL]([sS][eE]?)?)?)?|[yY]([eE][sS]?)?|[nN][oO]?|[oO]([nN]|[fF][fF]?)|[01]";

/// What `uuid_in` accepts.
const UUID: &str =
    "^([{][0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}[}]|[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7})$";

/// `pattern` between optional whitespace, as a whole-text pattern.
fn spaced(pattern: &str) -> Literal {
    Literal(format!("^{SPACE}*({pattern}){SPACE}*$"))
}

impl fmt::Display for CastText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.padded {
            write!(f, "textin(bpcharout({}))", self.column)
        } else {
            write!(f, "{}::text", self.column)
        }
    }
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
    /// `count(*)` of the rows that meet each condition, in one scan: one
    /// `bigint` per condition, in the order given.
    CountWhereEach {
        table: QualName,
        conditions: Vec<Condition>,
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
    /// The rows inserted, updated and deleted in each of `tables` since the
    /// statistics were last reset (`pg_stat_user_tables`; 0 for a table it
    /// has no row of): a row of one `bigint` per table, in the order given.
    TableWrites { tables: Vec<QualName> },
    /// [`ProbeQuery::CountRows`] of several tables: one row, one `bigint`
    /// per table, in the order given.
    CountRowsEach { tables: Vec<QualName> },
    /// `pg_stats.null_frac` of a column: one `real`, or no row without
    /// statistics.
    NullFraction { table: QualName, column: String },
    /// The sequence's `last_value`: one `bigint`.
    SequenceLastValue { name: QualName },
    /// `server_version_num`: one `integer`.
    ServerVersion,
    /// Whether a role is a superuser and whether it can log in: two
    /// `boolean`s, or no row when the server has no such role.
    RoleAttributes { role: Literal },
    /// How a table was used since its statistics began
    /// (`pg_stat_user_tables`): scans (sequential and by index), rows
    /// inserted, updated and deleted, four `bigint`s; no row for a relation
    /// that keeps no statistics (a view).
    TableUse { table: QualName },
    /// The client sessions connected now, other than the probe's own, as
    /// `role` or as a role that is a member of it (all of them for
    /// `None`, which is `PUBLIC`): one `bigint`. Superusers count as
    /// members of every role but lose nothing by a `REVOKE`, so they are
    /// left out.
    RoleSessions { role: Option<Literal> },
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
/// Negative for the fractions of `numeric(p,s)` with `s > p`.
fn power_of_ten(digits: i32) -> String {
    match usize::try_from(digits) {
        Ok(zeros) => format!("1{}", "0".repeat(zeros)),
        Err(_) => format!("0.{}1", "0".repeat(digits.unsigned_abs() as usize - 1)),
    }
}

/// Whether `numeric_in` refuses a text, as PostgreSQL 14 and 15 read it.
/// A `CASE`, whose branches run in order, so that a text is cast only
/// once it is certain to be a number that cannot overflow.
fn numeric_fails(
    f: &mut fmt::Formatter<'_>,
    value: &CastText,
    typmod: Option<(i32, i32)>,
) -> fmt::Result {
    let Some((precision, scale)) = typmod else {
        // Unconstrained, every number of the syntax fits, the infinities
        // too.
        return write!(f, "{value} !~ {}", spaced(NUMERIC));
    };
    // A typmod refuses the infinities, keeps NaN, and refuses a number
    // with more than p - s digits before the point once rounded to s
    // decimals.
    write!(
        f,
        "CASE WHEN {value} !~ {} THEN true WHEN {value} ~ {} THEN true \
         WHEN {value} ~ {} THEN false WHEN ",
        spaced(NUMERIC),
        Literal(format!("^{SPACE}*[-+]?[iI]")),
        Literal(format!("^{SPACE}*[nN]")),
    )?;
    undecided(f, value)?;
    write!(
        f,
        " THEN false ELSE round(abs({value}::numeric), {scale}) >= {} END",
        power_of_ten(precision - scale)
    )
}

/// Whether a numeric text is too long, or its exponent too large, to cast
/// without the risk of an overflow.
fn undecided(f: &mut fmt::Formatter<'_>, value: &CastText) -> fmt::Result {
    write!(
        f,
        "(length({value}) > {UNDECIDED_LENGTH} OR {value} ~ {})",
        Literal(LONG_EXPONENT.to_owned())
    )
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
                comma_separated(f, labels)?;
                f.write_str(")")
            }
            Condition::AnyInLabels(column, labels) => {
                write!(f, "{column}::text[] && ARRAY[")?;
                comma_separated(f, labels)?;
                f.write_str("]::text[]")
            }
            Condition::InvalidInput { value, check } => {
                write!(f, "{} IS NOT NULL AND ", value.column)?;
                match check {
                    InputCheck::Valid(data_type) => {
                        write!(f, "NOT pg_input_is_valid({value}, {data_type})")
                    }
                    // Digits beyond the 19 of the widest integer, once
                    // leading zeros are gone, are out of range for all:
                    // only shorter ones are cast to numeric to compare.
                    InputCheck::Integer { min, max } => write!(
                        f,
                        "CASE WHEN {value} !~ {} THEN true \
                         WHEN length(ltrim(substring({value} FROM '[0-9]+'), '0')) > 19 THEN true \
                         ELSE substring({value} FROM '[-+]?[0-9]+')::numeric NOT BETWEEN {min} AND {max} END",
                        spaced("[-+]?[0-9]+"),
                    ),
                    InputCheck::Numeric(typmod) => numeric_fails(f, value, *typmod),
                    InputCheck::Boolean => write!(f, "{value} !~ {}", spaced(BOOLEAN)),
                    InputCheck::Uuid => write!(f, "{value} !~ {}", Literal(UUID.to_owned())),
                }
            }
            Condition::UndecidedNumeric(value) => {
                write!(
                    f,
                    "{} IS NOT NULL AND {value} ~ {} AND ",
                    value.column,
                    spaced(NUMERIC)
                )?;
                undecided(f, value)
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
            ProbeQuery::CountWhereEach { table, conditions } => {
                f.write_str("SELECT ")?;
                write_joined(
                    f,
                    conditions
                        .iter()
                        .map(|c| format!("count(*) FILTER (WHERE {c})")),
                    ", ",
                )?;
                write!(f, " FROM {table}")
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
                     c.reltuples::bigint FROM ",
                )?;
                numbered_tables(f, tables)?;
                f.write_str(" JOIN pg_class c ON c.oid = t.oid ORDER BY t.n")
            }
            ProbeQuery::TableWrites { tables } => {
                f.write_str(
                    "SELECT coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)::bigint FROM ",
                )?;
                numbered_tables(f, tables)?;
                f.write_str(
                    " LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = t.oid ORDER BY t.n",
                )
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
            ProbeQuery::ServerVersion => {
                f.write_str("SELECT current_setting('server_version_num')::integer")
            }
            ProbeQuery::RoleAttributes { role } => write!(
                f,
                "SELECT rolsuper, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = {role}"
            ),
            ProbeQuery::TableUse { table } => write!(
                f,
                "SELECT s.seq_scan + coalesce(s.idx_scan, 0), s.n_tup_ins, s.n_tup_upd, \
                 s.n_tup_del FROM pg_catalog.pg_stat_user_tables s WHERE s.relid = {}::pg_catalog.regclass",
                Literal(table.to_string())
            ),
            ProbeQuery::RoleSessions { role } => {
                f.write_str(
                    "SELECT count(*) FROM pg_catalog.pg_stat_activity a \
                     WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()",
                )?;
                match role {
                    None => Ok(()),
                    Some(role) => write!(
                        f,
                        " AND a.usesysid IN (SELECT m.oid FROM pg_catalog.pg_roles m, \
                         pg_catalog.pg_roles r WHERE r.rolname = {role} AND NOT m.rolsuper \
                         AND pg_catalog.pg_has_role(m.oid, r.oid, 'MEMBER'))"
                    ),
                }
            }
        }
    }
}

/// `'a', 'b'`.
fn comma_separated(f: &mut fmt::Formatter<'_>, labels: &[Literal]) -> fmt::Result {
    for (i, label) in labels.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{label}")?;
    }
    Ok(())
}

/// `(VALUES (0, 'a'::regclass), (1, 'b'::regclass)) AS t(n, oid)`: each
/// table with its place in `tables`, so that rows come back in that order.
fn numbered_tables(f: &mut fmt::Formatter<'_>, tables: &[QualName]) -> fmt::Result {
    f.write_str("(VALUES ")?;
    for (n, table) in tables.iter().enumerate() {
        let separator = if n == 0 { "" } else { ", " };
        write!(
            f,
            "{separator}({n}, {}::regclass)",
            Literal(table.to_string())
        )?;
    }
    f.write_str(") AS t(n, oid)")
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
                ProbeQuery::TableWrites {
                    tables: vec![t(), QualName::new("s", "o'k")],
                },
                r#"SELECT coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)::bigint FROM (VALUES (0, 'public."Users"'::regclass), (1, 's."o''k"'::regclass)) AS t(n, oid) LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = t.oid ORDER BY t.n"#,
            ),
            (
                ProbeQuery::TableUse { table: t() },
                r#"SELECT s.seq_scan + coalesce(s.idx_scan, 0), s.n_tup_ins, s.n_tup_upd, s.n_tup_del FROM pg_catalog.pg_stat_user_tables s WHERE s.relid = 'public."Users"'::pg_catalog.regclass"#,
            ),
            (
                ProbeQuery::RoleSessions {
                    role: Some(Literal("o'k\n*/".into())),
                },
                "SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid() AND a.usesysid IN (SELECT m.oid FROM pg_catalog.pg_roles m, pg_catalog.pg_roles r WHERE r.rolname = 'o''k\n*/' AND NOT m.rolsuper AND pg_catalog.pg_has_role(m.oid, r.oid, 'MEMBER'))",
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

    /// The checks of a conversion, each as the server runs it; that each
    /// agrees with the cast is `tests/it/risk.rs`'s business.
    #[test]
    fn conversion_checks() {
        let text = CastText {
            column: id("Code"),
            padded: false,
        };
        let padded = CastText {
            column: id("Code"),
            padded: true,
        };
        let cases = [
            (
                Condition::InvalidInput {
                    value: padded.clone(),
                    check: InputCheck::Valid(Literal("numeric(5,2)".into())),
                },
                r#""Code" IS NOT NULL AND NOT pg_input_is_valid(textin(bpcharout("Code")), 'numeric(5,2)')"#,
            ),
            (
                Condition::InvalidInput {
                    value: text.clone(),
                    check: InputCheck::Integer {
                        min: -32768,
                        max: 32767,
                    },
                },
                r#""Code" IS NOT NULL AND CASE WHEN "Code"::text !~ '^[ \t\n\v\f\r]*([-+]?[0-9]+)[ \t\n\v\f\r]*$' THEN true WHEN length(ltrim(substring("Code"::text FROM '[0-9]+'), '0')) > 19 THEN true ELSE substring("Code"::text FROM '[-+]?[0-9]+')::numeric NOT BETWEEN -32768 AND 32767 END"#,
            ),
            (
                Condition::InvalidInput {
                    value: text.clone(),
                    check: InputCheck::Numeric(Some((2, 5))),
                },
                r#""Code" IS NOT NULL AND CASE WHEN "Code"::text !~ '^[ \t\n\v\f\r]*([-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][ \t\n\v\f\r]*[-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF]([iI][nN][iI][tT][yY])?)[ \t\n\v\f\r]*$' THEN true WHEN "Code"::text ~ '^[ \t\n\v\f\r]*[-+]?[iI]' THEN true WHEN "Code"::text ~ '^[ \t\n\v\f\r]*[nN]' THEN false WHEN (length("Code"::text) > 1000 OR "Code"::text ~ '[eE][ \t\n\v\f\r]*[-+]?[0-9]{5}') THEN false ELSE round(abs("Code"::text::numeric), 5) >= 0.001 END"#,
            ),
            (
                Condition::InvalidInput {
                    value: text.clone(),
                    check: InputCheck::Uuid,
                },
                r#""Code" IS NOT NULL AND "Code"::text !~ '^([{][0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}[}]|[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7})$'"#,
            ),
        ];
        for (condition, expected) in cases {
            assert_eq!(condition.to_string(), expected);
        }
        assert_eq!(
            ProbeQuery::CountWhereEach {
                table: t(),
                conditions: vec![
                    Condition::IsNull(id("a")),
                    Condition::LongerThan(id("a"), 3)
                ],
            }
            .to_string(),
            r#"SELECT count(*) FILTER (WHERE a IS NULL), count(*) FILTER (WHERE length(a) > 3) FROM public."Users""#
        );
        assert_eq!(power_of_ten(3), "1000");
        assert_eq!(power_of_ten(0), "1");
        assert_eq!(power_of_ten(-1), "0.1");
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
