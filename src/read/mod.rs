//! The primitives every catalog read shares, below the catalog model so that
//! each object kind's file can hold its own query: running a query and naming
//! what it reads in its error ([`IntrospectError`]), reading a row's values
//! without a panic ([`Reader`]), the SQL fragments that pick out user objects
//! (`filter.rs`) and their comments (`comments.rs`), and the definitions
//! pgrift builds or evens out itself instead of the server (`deparse.rs`,
//! `indexdef.rs`, `keydef.rs`). Nothing here knows an object kind.

#[macro_use]
pub(crate) mod filter;
#[macro_use]
pub(crate) mod comments;
#[macro_use]
pub(crate) mod acl;
#[macro_use]
pub(crate) mod options;

pub mod deparse;
mod error;
pub mod indexdef;
pub mod keydef;

pub use error::{IntrospectError, LockHolder};
pub(crate) use error::{describe, duration};

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;

use futures_util::TryStreamExt;
use tokio_postgres::row::RowIndex;
use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, Row};

/// Runs one catalog query, naming what it reads in the error.
pub async fn query(
    client: &Client,
    what: &'static str,
    sql: &str,
) -> Result<Vec<Row>, IntrospectError> {
    client
        .query(sql, &[])
        .await
        .map_err(|source| IntrospectError::Query { what, source })
}

/// Runs one catalog query that takes an array of OIDs as `$1`: the second
/// phase of a read, about objects the first phase picked out.
pub async fn query_oids(
    client: &Client,
    what: &'static str,
    sql: &str,
    oids: &[u32],
) -> Result<Vec<Row>, IntrospectError> {
    client
        .query(sql, &[&oids])
        .await
        .map_err(|source| IntrospectError::Query { what, source })
}

/// The definitions pgrift could not build itself (see [`indexdef`],
/// [`keydef`]), printed by the server: `sql` returns `oid` and `definition`
/// for each OID of `oids`. No query when there are none, which is usual.
pub async fn server_definitions(
    client: &Client,
    what: &'static str,
    sql: &str,
    oids: &[u32],
) -> Result<HashMap<u32, String>, IntrospectError> {
    if oids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query_oids(client, what, sql, oids).await?;
    let mut printed = HashMap::with_capacity(rows.len());
    for row in &rows {
        let row = Reader::new(row, what);
        printed.insert(row.get("oid")?, row.get("definition")?);
    }
    Ok(printed)
}

/// Runs one catalog query and reads each row with `read` as it arrives, so
/// that a long result (columns, dependencies: several rows per table) is
/// never held in memory both as rows and as what they are read into.
pub async fn query_read<T>(
    client: &Client,
    what: &'static str,
    sql: &str,
    read: impl Fn(&Reader<'_>) -> Result<T, IntrospectError>,
) -> Result<Vec<T>, IntrospectError> {
    let mut out = Vec::new();
    query_each(client, what, sql, |row| {
        out.push(read(row)?);
        Ok(())
    })
    .await?;
    // The list grew by doubling, so up to half of it is room that nothing
    // fills; a large catalog's reads are held until every kind is built,
    // and the room was a tenth of the peak memory.
    out.shrink_to_fit();
    Ok(out)
}

/// [`query_read`] if `wanted`; otherwise no rows, without asking the server.
pub async fn query_read_if<T>(
    wanted: bool,
    client: &Client,
    what: &'static str,
    sql: &str,
    read: impl Fn(&Reader<'_>) -> Result<T, IntrospectError>,
) -> Result<Vec<T>, IntrospectError> {
    if !wanted {
        return Ok(Vec::new());
    }
    query_read(client, what, sql, read).await
}

/// Runs one catalog query and hands each row to `each` as it arrives, for a
/// reader that files rows away as it goes rather than into one list.
pub async fn query_each(
    client: &Client,
    what: &'static str,
    sql: &str,
    mut each: impl FnMut(&Reader<'_>) -> Result<(), IntrospectError>,
) -> Result<(), IntrospectError> {
    let error = |source| IntrospectError::Query { what, source };
    let rows = client
        .query_raw(sql, std::iter::empty::<i32>())
        .await
        .map_err(error)?;
    futures_util::pin_mut!(rows);
    while let Some(row) = rows.try_next().await.map_err(error)? {
        each(&Reader::new(&row, what))?;
    }
    Ok(())
}

/// Reads the values of one row, naming what the query reads in errors: a
/// value of an unexpected type, or an unexpected `NULL`, is an error, not a
/// panic.
pub struct Reader<'a> {
    row: &'a Row,
    what: &'static str,
    /// Where the column after the one read last is: the readers take a
    /// row's columns mostly in the order the query lists them.
    next: Cell<usize>,
}

/// A column of a row: its name, or its position.
pub trait Column: RowIndex + fmt::Display {
    /// The name, for a column given by name.
    fn name(&self) -> Option<&str>;
}

impl Column for &str {
    fn name(&self) -> Option<&str> {
        Some(self)
    }
}

impl Column for usize {
    fn name(&self) -> Option<&str> {
        None
    }
}

impl<'a> Reader<'a> {
    pub fn new(row: &'a Row, what: &'static str) -> Self {
        Reader {
            row,
            what,
            next: Cell::new(0),
        }
    }

    /// Reads a column, named or by position.
    pub fn get<T: FromSql<'a>>(&self, column: impl Column) -> Result<T, IntrospectError> {
        let read = match column.name().and_then(|name| self.position(name)) {
            Some(at) => self.row.try_get(at),
            None => self.row.try_get(column),
        };
        read.map_err(|source| IntrospectError::Query {
            what: self.what,
            source,
        })
    }

    /// The position of the column called `name`. tokio-postgres finds a
    /// named column by comparing the name with each column's from the
    /// first, which callgrind put at about a fifth of pgrift's own
    /// instructions on a large catalog; the column after the last one read
    /// is tried first.
    fn position(&self, name: &str) -> Option<usize> {
        let columns = self.row.columns();
        let next = self.next.get();
        let at = match columns.get(next) {
            Some(column) if column.name() == name => next,
            _ => columns.iter().position(|column| column.name() == name)?,
        };
        self.next.set(at + 1);
        Some(at)
    }

    /// Reads a text column as a [`crate::names::Name`], copied straight
    /// from the row: a short name needs no allocation at all.
    pub fn get_name(&self, column: impl Column) -> Result<crate::names::Name, IntrospectError> {
        self.get::<&str>(column).map(Into::into)
    }

    /// Reads a schema-qualified name from two text columns, either of which
    /// may be `NULL` for "none" (a collation that is the type's default).
    pub fn get_qual_name(
        &self,
        schema: &'static str,
        name: &'static str,
    ) -> Result<Option<crate::names::QualName>, IntrospectError> {
        let schema: Option<&str> = self.get(schema)?;
        let name: Option<&str> = self.get(name)?;
        Ok(schema
            .zip(name)
            .map(|(schema, name)| crate::names::QualName::new(schema, name)))
    }

    /// Reads a `"char"` column (`relkind`, `contype` …) as a `char`. The
    /// type is one byte, which tokio-postgres hands over as an `i8`; the
    /// codes are ASCII, and `'\0'` stands for the empty value.
    pub fn get_char(&self, column: impl Column) -> Result<char, IntrospectError> {
        let byte: i8 = self.get(column)?;
        Ok(char::from(byte as u8))
    }
}

/// Reads every row of `rows` with `read`, stopping at the first error.
pub fn read_rows<T>(
    rows: &[Row],
    what: &'static str,
    read: impl Fn(&Reader<'_>) -> Result<T, IntrospectError>,
) -> Result<Vec<T>, IntrospectError> {
    rows.iter()
        .map(|row| read(&Reader::new(row, what)))
        .collect()
}

/// `pg_get_constraintdef` without the trailing ` NOT VALID` it prints for a
/// constraint that is not validated; the model keeps that apart, in
/// `validated`.
pub fn strip_not_valid(definition: &str) -> &str {
    definition.strip_suffix(" NOT VALID").unwrap_or(definition)
}

/// A relation's storage parameters as the model keeps them: its own
/// `reloptions` and its toast table's, prefixed `toast.` as `SET` names
/// them, sorted. PostgreSQL keeps them in the order they were set, which
/// says nothing about the relation.
pub fn storage_params(own: Option<Vec<String>>, toast: Option<Vec<String>>) -> Vec<String> {
    let mut params = own.unwrap_or_default();
    params.extend(
        toast
            .unwrap_or_default()
            .into_iter()
            .map(|param| format!("toast.{param}")),
    );
    params.sort();
    params.dedup();
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_params_are_sorted_with_the_toast_tables() {
        let own = Some(vec![
            "fillfactor=70".to_owned(),
            "autovacuum_enabled=false".to_owned(),
        ]);
        let toast = Some(vec!["autovacuum_enabled=true".to_owned()]);
        assert_eq!(
            storage_params(own, toast),
            [
                "autovacuum_enabled=false",
                "fillfactor=70",
                "toast.autovacuum_enabled=true"
            ]
        );
        assert!(storage_params(None, None).is_empty());
    }

    #[test]
    fn not_valid_is_stripped_only_at_the_end() {
        let cases = [
            (
                "FOREIGN KEY (a) REFERENCES public.t(id) NOT VALID",
                "FOREIGN KEY (a) REFERENCES public.t(id)",
            ),
            ("CHECK ((a > 0)) NOT VALID", "CHECK ((a > 0))"),
            ("CHECK ((a > 0))", "CHECK ((a > 0))"),
            (
                "CHECK ((note <> 'x NOT VALID'::text))",
                "CHECK ((note <> 'x NOT VALID'::text))",
            ),
            (
                "CHECK ((a > 0)) NOT ENFORCED",
                "CHECK ((a > 0)) NOT ENFORCED",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_not_valid(input), expected, "{input}");
        }
    }
}
