//! The statements of `--expand-contract`: the trigger function that keeps
//! an old and a new column in step while an application moves from one to
//! the other, its trigger, and the backfill that copies the rows written
//! before the trigger existed, in batches that each commit.
//!
//! The bodies are PL/pgSQL built from quoted parts (every column through
//! `quote_ident`, every type as the server printed it) and then passed as
//! one string literal through `quote_literal`, so no name, however hostile,
//! can end the body early.

use std::fmt;

use super::{Ident, Literal, ServerSql};
use crate::names::QualName;

/// How a value of one column becomes a value of the other, as the plain
/// plan's `ALTER COLUMN … TYPE … USING` would convert it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The type of the column assigned to, as `format_type` prints it.
    pub data_type: ServerSql,
    /// `value::type`; otherwise the assignment cast of PL/pgSQL's `:=`,
    /// which fails on a value that does not fit instead of truncating it.
    pub explicit: bool,
    /// `value::text::type`: between two of a schema's own types, which
    /// have no cast between them but read each other's text.
    pub via_text: bool,
}

impl Conversion {
    /// `value` converted, for the right-hand side of `:=`.
    fn apply(&self, value: &str) -> String {
        if self.via_text {
            format!("{value}::text::{}", self.data_type)
        } else if self.explicit {
            format!("{value}::{}", self.data_type)
        } else {
            value.to_owned()
        }
    }
}

/// `CREATE FUNCTION name() RETURNS trigger`: keeps columns `old` and `new`
/// of a row in step. On an update, the column the statement changed wins
/// and the other follows; otherwise (an insert, or an update that changed
/// neither, which is how the backfill touches a row) a column that is NULL
/// while the other is not is filled from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFunction {
    pub name: QualName,
    pub old: Ident,
    pub new: Ident,
    /// From `old` to `new`.
    pub to_new: Conversion,
    /// From `new` back to `old`.
    pub to_old: Conversion,
}

impl SyncFunction {
    fn body(&self) -> String {
        let (old, new) = (&self.old, &self.new);
        let new_from_old = format!("NEW.{new} := {};", self.to_new.apply(&format!("NEW.{old}")));
        let old_from_new = format!("NEW.{old} := {};", self.to_old.apply(&format!("NEW.{new}")));
        format!(
            "\nBEGIN\n\
             \x20 IF TG_OP = 'UPDATE' THEN\n\
             \x20   IF NEW.{old} IS DISTINCT FROM OLD.{old} THEN\n\
             \x20     {new_from_old}\n\
             \x20     RETURN NEW;\n\
             \x20   ELSIF NEW.{new} IS DISTINCT FROM OLD.{new} THEN\n\
             \x20     {old_from_new}\n\
             \x20     RETURN NEW;\n\
             \x20   END IF;\n\
             \x20 END IF;\n\
             \x20 IF NEW.{new} IS NULL AND NEW.{old} IS NOT NULL THEN\n\
             \x20   {new_from_old}\n\
             \x20 ELSIF NEW.{old} IS NULL AND NEW.{new} IS NOT NULL THEN\n\
             \x20   {old_from_new}\n\
             \x20 END IF;\n\
             \x20 RETURN NEW;\n\
             END\n"
        )
    }
}

impl fmt::Display for SyncFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS {}",
            self.name,
            Literal(self.body())
        )
    }
}

/// `CREATE TRIGGER name BEFORE INSERT OR UPDATE ON table FOR EACH ROW
/// EXECUTE FUNCTION function()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTrigger {
    pub table: QualName,
    pub name: Ident,
    pub function: QualName,
}

impl fmt::Display for SyncTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
            self.name, self.table, self.function
        )
    }
}

/// A `DO` block that fills `target` from `source` in the rows where
/// `target` is NULL and `source` is not, `batch_size` rows at a time, each
/// batch committed by itself (so it runs outside any transaction) and
/// announced by a `NOTICE` that `apply` relays as progress. A row is
/// filled by touching `source` (`SET source = source`), which the sync
/// trigger answers; a rerun touches only the rows still unfilled.
///
/// Batches walk the table in `ctid` order from where the last one ended (a
/// TID range scan, PostgreSQL 14 and later), so each batch reads only its
/// own stretch of the table; one last pass from the start picks up what a
/// concurrent update moved behind the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backfill {
    pub table: QualName,
    pub source: Ident,
    pub target: Ident,
    pub batch_size: u64,
}

/// The text that starts every backfill notice, which `apply` recognises.
pub const BACKFILL_NOTICE: &str = "pgrift backfill";

impl Backfill {
    fn body(&self) -> String {
        let Backfill {
            table,
            source,
            target,
            batch_size,
        } = self;
        // The column's name is an argument, not part of the format, where a
        // `%` in it would be read as a placeholder.
        let label = Literal(format!("{BACKFILL_NOTICE} {table}.{target}"));
        format!(
            "\nDECLARE\n\
             \x20 last pg_catalog.tid := '(0,0)';\n\
             \x20 picked pg_catalog.tid[];\n\
             \x20 touched bigint;\n\
             \x20 filled bigint := 0;\n\
             \x20 batch bigint := 0;\n\
             BEGIN\n\
             \x20 LOOP\n\
             \x20   picked := ARRAY(SELECT ctid FROM {table} WHERE ctid > last AND {target} IS NULL \
             AND {source} IS NOT NULL LIMIT {batch_size});\n\
             \x20   IF pg_catalog.cardinality(picked) = 0 THEN\n\
             \x20     EXIT WHEN last = '(0,0)';\n\
             \x20     last := '(0,0)';\n\
             \x20     CONTINUE;\n\
             \x20   END IF;\n\
             \x20   UPDATE {table} SET {source} = {source} WHERE ctid = ANY (picked) \
             AND {target} IS NULL AND {source} IS NOT NULL;\n\
             \x20   GET DIAGNOSTICS touched = ROW_COUNT;\n\
             \x20   filled := filled + touched;\n\
             \x20   batch := batch + 1;\n\
             \x20   last := (SELECT pg_catalog.max(t) FROM pg_catalog.unnest(picked) AS t);\n\
             \x20   RAISE NOTICE '%: batch %, % rows filled', {label}, batch, filled;\n\
             \x20   COMMIT;\n\
             \x20 END LOOP;\n\
             END\n"
        )
    }
}

impl fmt::Display for Backfill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DO LANGUAGE plpgsql {}", Literal(self.body()))
    }
}

/// What a backfill notice says: the column filled, the batches committed
/// and the rows filled so far; `None` for any other notice.
pub fn backfill_progress(notice: &str) -> Option<(&str, u64, u64)> {
    let rest = notice.strip_prefix(BACKFILL_NOTICE)?.strip_prefix(' ')?;
    let (column, counts) = rest.rsplit_once(": batch ")?;
    let (batch, filled) = counts.split_once(", ")?;
    let filled = filled.strip_suffix(" rows filled")?;
    Some((column, batch.parse().ok()?, filled.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> (Ident, Ident) {
        (
            Ident("it's \"old\"\n*/ --".to_owned()),
            Ident("new $$ é".to_owned()),
        )
    }

    #[test]
    fn a_function_body_is_one_literal_whatever_the_names() {
        let (old, new) = hostile();
        let function = SyncFunction {
            name: QualName::new("public", "pgrift_sync_0"),
            old,
            new,
            to_new: Conversion {
                data_type: ServerSql("integer".into()),
                explicit: true,
                via_text: false,
            },
            to_old: Conversion {
                data_type: ServerSql("text".into()),
                explicit: false,
                via_text: false,
            },
        };
        let sql = function.to_string();
        assert!(sql.starts_with(
            "CREATE FUNCTION public.pgrift_sync_0() RETURNS trigger LANGUAGE plpgsql AS '"
        ));
        assert!(sql.contains("NEW.\"new $$ é\" := NEW.\"it''s \"\"old\"\""));
        assert!(sql.contains("\"::integer;"));
        assert!(sql.ends_with("END\n'"));
    }

    #[test]
    fn backfill_notices_read_back() {
        let (old, new) = hostile();
        let backfill = Backfill {
            table: QualName::new("public", "t"),
            source: old,
            target: new,
            batch_size: 500,
        };
        let sql = backfill.to_string();
        assert!(sql.starts_with("DO LANGUAGE plpgsql '"), "{sql}");
        assert!(sql.contains("LIMIT 500"));
        assert_eq!(
            backfill_progress("pgrift backfill public.t.\"new $$ é\": batch 3, 1500 rows filled"),
            Some(("public.t.\"new $$ é\"", 3, 1500))
        );
        assert_eq!(backfill_progress("something else"), None);
    }
}
