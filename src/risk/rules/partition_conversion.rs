//! A table whose partitioning changes (partitioned, made plain, a new
//! partition key) is replaced by a copy: every row is written again into
//! the copy and its partitions, and the keys and indexes are built again
//! over them, under ACCESS EXCLUSIVE on the old table from the start, so
//! that no write is lost. A row that no partition of the copy takes makes
//! the copy, and the script, fail; a column the copy lacks is not copied.

use crate::catalog::ObjectId;
use crate::sql::Stmt;

use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::CopyRows { columns, .. } = site.stmt else {
        return Vec::new();
    };
    // The rows are copied from the table set aside under another name: the
    // step names it as it was.
    let ObjectId::Table { name: from } = &site.change.id else {
        return Vec::new();
    };
    let Some(old) = cx.table_before(from) else {
        return Vec::new();
    };
    let partitioned = cx
        .table_after(from)
        .is_some_and(|t| t.partition_by.is_some());
    let (into, fails) = if partitioned {
        (
            "a new partitioned table",
            "; a row that no partition takes makes the script fail",
        )
    } else {
        ("a new plain table", "")
    };
    let mut risks = vec![
        risk(
            Rule::PartitionConversion,
            site,
            Category::TableRewrite,
            Severity::Medium,
            format!(
                "Partitioning {from} anew copies all of its rows into {into} and builds its keys and indexes again, under ACCESS EXCLUSIVE on {from}{fails}"
            ),
            "run it at a quiet time; for a big table, create the partitioned table beside it, move the rows in batches and switch names",
        )
        .on([from]),
    ];
    let lost: Vec<String> = old
        .columns
        .iter()
        .filter(|c| !c.inherited && !columns.iter().any(|copied| copied.0 == c.name))
        .map(|c| crate::sql::quote_ident(&c.name))
        .collect();
    if !lost.is_empty() {
        risks.push(
            risk(
                Rule::PartitionConversion,
                site,
                Category::DataLoss,
                Severity::High,
                format!(
                    "Partitioning {from} anew leaves the values of its columns {} behind",
                    lost.join(", ")
                ),
                "copy the values elsewhere first, or keep the columns",
            )
            .on([from]),
        );
    }
    risks
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Table};

    const INTO_PARTITIONED: &str = "medium table-rewrite public.events: Partitioning public.events anew copies all of its rows into a new partitioned table and builds its keys and indexes again, under ACCESS EXCLUSIVE on public.events; a row that no partition takes makes the script fail";

    /// Table `events` with `id`, `at` and the `extra` columns, partitioned
    /// by `at` or not.
    fn events(partitioned: bool, extra: &[&str]) -> Catalog {
        let mut columns = vec![col("id", "integer"), col("at", "date")];
        columns.extend(extra.iter().map(|c| col(c, "text")));
        catalog(vec![Table {
            partition_by: partitioned.then(|| "RANGE (at)".into()),
            ..table("events", columns)
        }])
    }

    #[test]
    fn a_table_partitioned_anew_is_copied() {
        let (plain, split) = (events(false, &[]), events(true, &[]));
        check(
            Rule::PartitionConversion,
            &plain,
            &split,
            &[INTO_PARTITIONED],
        );
        check(
            Rule::PartitionConversion,
            &split,
            &plain,
            &[
                "medium table-rewrite public.events: Partitioning public.events anew copies all of its rows into a new plain table and builds its keys and indexes again, under ACCESS EXCLUSIVE on public.events",
            ],
        );
    }

    #[test]
    fn a_column_left_out_of_the_copy_loses_its_values() {
        check(
            Rule::PartitionConversion,
            &events(false, &["note"]),
            &events(true, &[]),
            &[
                INTO_PARTITIONED,
                "high data-loss public.events: Partitioning public.events anew leaves the values of its columns note behind",
            ],
        );
    }

    #[test]
    fn a_kept_partitioning_is_no_risk() {
        let both = events(true, &[]);
        check(Rule::PartitionConversion, &both, &both, &[]);
    }
}
