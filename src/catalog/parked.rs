//! Parked drops (`--park-drops`): where a table or column the schema no
//! longer has is moved aside instead of dropped, under what name, and how a
//! catalog leaves what is parked out. No IO.
//!
//! A parked table lives in the schema [`SCHEMA`] as `<name>_<yyyymmdd>`;
//! a parked column stays in its table as `pgrift_parked_<yyyymmdd>_<name>`.
//! Either name is cut to PostgreSQL's 63 bytes with a short hash of the
//! whole name when it would be longer, so the date always stays readable
//! where [`parked_date`] looks for it.

use serde::{Deserialize, Serialize};

use super::{Catalog, ObjectId, QualName, column_id};
use crate::names::{NAME_BYTES, cut_to, short_digest};

/// The schema parked tables are moved into.
pub const SCHEMA: &str = "pgrift_parked";

/// What the name of a parked column starts with.
pub const COLUMN_PREFIX: &str = "pgrift_parked_";

/// A day, counted from 1970-01-01 (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day(pub i64);

impl Day {
    /// The day of a Unix time in seconds.
    pub fn of_seconds(seconds: i64) -> Day {
        Day(seconds.div_euclid(86_400))
    }

    /// The day as `(year, month, day)` (Howard Hinnant's algorithm).
    pub fn civil(self) -> (i64, i64, i64) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(month <= 2), month, day)
    }

    /// The day of a civil date (the inverse of [`Day::civil`]), or `None`
    /// when it is not one.
    pub fn from_civil(year: i64, month: i64, day: i64) -> Option<Day> {
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let found = Day(era * 146_097 + doe - 719_468);
        (found.civil() == (year, month, day)).then_some(found)
    }

    /// The day as `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        let (year, month, day) = self.civil();
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// The day as `YYYYMMDD`, as parked names carry it.
    pub fn compact(self) -> String {
        let (year, month, day) = self.civil();
        format!("{year:04}{month:02}{day:02}")
    }

    /// The day a `YYYYMMDD` text names.
    pub fn parse_compact(text: &str) -> Option<Day> {
        if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<i64>().ok();
        Day::from_civil(number(0..4)?, number(4..6)?, number(6..8)?)
    }
}

/// One table or column a plan parks instead of dropping, as `plan.json`
/// records it: the original name stays recoverable however the parked name
/// was cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    /// The table as FROM has it (for a column, the table it is in).
    pub table: QualName,
    /// The column, for a parked column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Where it is parked: the table's new name in [`SCHEMA`], or the
    /// column's new name in its table.
    pub parked_as: String,
    /// The day the plan was made.
    pub day: Day,
    /// The objects that move with it (the object itself, and for a table
    /// what its drop would have taken along), whose creates the reverse
    /// plan leaves out.
    #[serde(skip)]
    pub moves: Vec<ObjectId>,
}

impl Parked {
    /// A table parked on `day`.
    pub fn table(table: &QualName, day: Day) -> Parked {
        Parked {
            table: table.clone(),
            column: None,
            parked_as: table_name(table, day),
            day,
            moves: Vec::new(),
        }
    }

    /// A column of `table` parked on `day`.
    pub fn column(table: &QualName, column: &str, day: Day) -> Parked {
        Parked {
            table: table.clone(),
            column: Some(column.to_owned()),
            parked_as: column_name(column, day),
            day,
            moves: Vec::new(),
        }
    }

    /// The object as FROM has it.
    pub fn original(&self) -> ObjectId {
        match &self.column {
            Some(column) => column_id(&self.table, column),
            None => ObjectId::Table {
                name: self.table.clone(),
            },
        }
    }
}

/// The name a table of FROM takes in [`SCHEMA`]: `<name>_<yyyymmdd>`, the
/// schema it came from in the hash when the name is cut, so that two
/// schemas' tables of one name parked on one day do not collide.
pub fn table_name(table: &QualName, day: Day) -> String {
    let suffix = format!("_{}", day.compact());
    let whole = format!("{}{suffix}", table.name);
    if whole.len() <= NAME_BYTES && table.schema.as_str() == "public" {
        return whole;
    }
    let hash = short_digest(&format!("{}.{}", table.schema, table.name));
    let room = NAME_BYTES - suffix.len() - hash.len() - 1;
    format!("{}_{hash}{suffix}", cut_to(&table.name, room))
}

/// The name a column takes in its table: `pgrift_parked_<yyyymmdd>_<name>`.
pub fn column_name(column: &str, day: Day) -> String {
    let prefix = format!("{COLUMN_PREFIX}{}_", day.compact());
    let whole = format!("{prefix}{column}");
    if whole.len() <= NAME_BYTES {
        return whole;
    }
    let hash = short_digest(column);
    let room = NAME_BYTES - prefix.len() - hash.len() - 1;
    format!("{prefix}{}_{hash}", cut_to(column, room))
}

/// The day a parked table's or column's name carries, if it is one.
pub fn parked_date(name: &str) -> Option<Day> {
    if let Some(rest) = name.strip_prefix(COLUMN_PREFIX) {
        return rest.get(..8).and_then(Day::parse_compact);
    }
    name.len()
        .checked_sub(8)
        .and_then(|start| name.get(start..))
        .and_then(Day::parse_compact)
}

impl Catalog {
    /// Leaves out what is parked, as if it were not in the database: the
    /// schema [`SCHEMA`] with everything in it, and every column whose name
    /// starts with [`COLUMN_PREFIX`] with its default and every dependency
    /// to or from it. Returns how many tables and columns were left out.
    pub fn leave_out_parked(&mut self) -> usize {
        let tables = self
            .tables
            .iter()
            .filter(|t| t.name.schema.as_str() == SCHEMA)
            .count();
        self.keep_schemas(|schema| schema != SCHEMA);
        tables + self.leave_out_columns(|_, column| column.starts_with(COLUMN_PREFIX))
    }

    /// Leaves out every column `leave_out` names (by its table and name),
    /// with its default and every dependency to or from it; returns how
    /// many.
    pub fn leave_out_columns(&mut self, leave_out: impl Fn(&QualName, &str) -> bool) -> usize {
        let mut gone = Vec::new();
        for table in &mut self.tables {
            table.columns.retain(|column| {
                let out = leave_out(&table.name, &column.name);
                if out {
                    gone.push(column_id(&table.name, &column.name));
                }
                !out
            });
        }
        if !gone.is_empty() {
            let on_gone = |id: &ObjectId| match id {
                ObjectId::Column { table, column } | ObjectId::Default { table, column } => {
                    gone.contains(&column_id(table, column))
                }
                _ => false,
            };
            self.dependencies
                .retain(|d| !on_gone(&d.dependent) && !on_gone(&d.referenced));
        }
        gone.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Day {
        Day::from_civil(2026, 12, 6).expect("a date")
    }

    #[test]
    fn days_round_trip_through_civil_dates() {
        for days in [-719_468, -1, 0, 59, 60, 10_957, 20_793, 2_932_896] {
            let (y, m, d) = Day(days).civil();
            assert_eq!(Day::from_civil(y, m, d), Some(Day(days)));
        }
        assert_eq!(Day::from_civil(2026, 2, 30), None);
        assert_eq!(day().compact(), "20261206");
        assert_eq!(day().iso(), "2026-12-06");
        assert_eq!(Day::parse_compact("20261206"), Some(day()));
        assert_eq!(Day::parse_compact("2026120x"), None);
    }

    #[test]
    fn what_is_parked_is_left_out_with_its_dependencies() {
        use crate::catalog::{Column, Dependency, Schema, Table};
        let schema = |name: &str| Schema {
            acl: Default::default(),
            owner: Default::default(),
            name: name.into(),
            comment: None,
        };
        let users = QualName::new("public", "users");
        let parked = column_name("email", day());
        let mut catalog = Catalog {
            schemas: vec![schema("public"), schema(SCHEMA)],
            tables: vec![
                Table::new(
                    users.clone(),
                    vec![Column::new("id", "integer"), Column::new(&parked, "text")],
                ),
                Table::new(
                    QualName::new(SCHEMA, "logs_20261206"),
                    vec![Column::new("id", "integer")],
                ),
            ],
            dependencies: vec![Dependency {
                dependent: column_id(&users, &parked),
                referenced: column_id(&users, "id"),
            }],
            ..Catalog::default()
        };
        catalog.normalize();
        assert_eq!(catalog.leave_out_parked(), 2);
        assert_eq!(catalog.tables.len(), 1);
        assert_eq!(catalog.tables[0].columns.len(), 1);
        assert_eq!(catalog.schemas.len(), 1);
        assert!(catalog.dependencies.is_empty());
    }

    #[test]
    fn short_names_are_dated_and_long_ones_cut_with_a_hash() {
        let users = QualName::new("public", "users");
        assert_eq!(table_name(&users, day()), "users_20261206");
        let elsewhere = table_name(&QualName::new("app", "users"), day());
        assert!(elsewhere.starts_with("users_") && elsewhere.ends_with("_20261206"));
        assert_eq!(column_name("email", day()), "pgrift_parked_20261206_email");
        let long = "é".repeat(31);
        let table = table_name(&QualName::new("public", &long), day());
        let column = column_name(&long, day());
        for name in [&table, &column] {
            assert!(name.len() <= NAME_BYTES, "{name} is too long");
            assert_eq!(parked_date(name), Some(day()));
        }
        assert_ne!(
            column_name(&format!("{long}a"), day()),
            column_name(&format!("{long}b"), day())
        );
    }
}
