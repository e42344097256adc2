//! The backfill of `--expand-contract` writes every row of a table whose
//! new column is still empty. It takes no lock that blocks reads or
//! writes: each batch commits by itself, holding ROW EXCLUSIVE on the
//! table and the locks of its own rows for as long as it runs. What it
//! costs is write traffic (WAL, replica lag, bloat until vacuum) and the
//! other UPDATE triggers of the table, which fire for every row it
//! touches; a value the new column's type refuses stops it.

use crate::sql::{Backfill, Stmt};

use super::{Category, Context, LockLevel, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(_: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::Backfill(Backfill {
        table,
        target,
        batch_size,
        ..
    }) = site.stmt
    else {
        return Vec::new();
    };
    vec![
        risk(
            Rule::Backfill,
            site,
            Category::Lock,
            Severity::Low,
            format!(
                "Backfilling {table}.{target} writes every row where it is NULL, in batches of \
                 {batch_size} rows that each commit: ROW EXCLUSIVE on {table} and the locks of \
                 one batch's rows at a time, so reads and writes go on; the table's other \
                 UPDATE triggers fire for each row, and a value the new type refuses stops it \
                 (a rerun continues where it stopped)"
            ),
            "run it when writes are few, with a --batch-size small enough that a batch's row \
             locks and replica lag stay short",
        )
        .on([table])
        .lock(LockLevel::RowExclusive),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn a_backfill_is_a_batched_write_that_blocks_nobody() {
        let from = catalog(vec![table(
            "t\"*/",
            vec![col("id", "integer"), col("amount", "text")],
        )]);
        let to = catalog(vec![table(
            "t\"*/",
            vec![col("id", "integer"), col("amount", "integer")],
        )]);
        check_expanded(
            Rule::Backfill,
            &from,
            &to,
            &[
                "low lock public.\"t\"\"*/\".amount__pgrift_new: Backfilling public.\"t\"\"*/\".amount__pgrift_new writes every row where it is NULL, in batches of 100 rows that each commit: ROW EXCLUSIVE on public.\"t\"\"*/\" and the locks of one batch's rows at a time, so reads and writes go on; the table's other UPDATE triggers fire for each row, and a value the new type refuses stops it (a rerun continues where it stopped) [ROW EXCLUSIVE public.\"t\"\"*/\"]",
            ],
        );
    }
}
