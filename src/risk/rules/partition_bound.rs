//! A partition joins its parent only once PostgreSQL has checked that its
//! rows lie inside its bound. `ATTACH PARTITION` scans the partition under
//! ACCESS EXCLUSIVE (the parent is only held SHARE UPDATE EXCLUSIVE) and
//! fails on a row outside the bound; a valid CHECK constraint that implies
//! the bound spares the scan (`--online` adds and validates one first, see
//! `plan::online`). Whether the partition is attached or created,
//! a default partition of the parent is scanned too, for rows that now
//! belong to the new bound, and the statement fails if it holds any.

use crate::catalog::QualName;
use crate::sql::{Stmt, TableAction};

use super::super::{effect, phrase};
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let (partition, parent, bound) = match site.stmt {
        Stmt::AlterTable {
            table,
            action: TableAction::AttachPartition { partition, bound },
        } => (partition, table, &bound.0),
        Stmt::CreateTable {
            name,
            partition_of: Some((parent, bound)),
            ..
        } => (name, parent, &bound.0),
        _ => return Vec::new(),
    };
    let action = phrase::action(site.change, site.stmt);
    let mut risks = Vec::new();
    if cx.existing(partition)
        && matches!(site.stmt, Stmt::AlterTable { .. })
        && !effect::bound_proven(cx, site, partition)
    {
        risks.extend(scan_and_failure(
            site,
            partition,
            [
                format!(
                    "{action} scans all of {partition} under ACCESS EXCLUSIVE ({parent} is held SHARE UPDATE EXCLUSIVE) to check its bound"
                ),
                format!("{action} fails if a row of {partition} lies outside {bound}"),
            ],
            [
                "add a CHECK constraint that matches the bound and validate it first (NOT VALID, then VALIDATE): the attach then skips the scan",
                "move the rows outside the bound to another table first",
            ],
        ));
    }
    if bound != "DEFAULT"
        && let Some(default) = cx.default_partition(parent).filter(|d| *d != partition)
        && cx.existing(default)
    {
        risks.extend(scan_and_failure(
            site,
            default,
            [
                format!(
                    "{action} scans all of the default partition {default} under ACCESS EXCLUSIVE for rows that belong to {partition}"
                ),
                format!("{action} fails if the default partition {default} holds rows {bound}"),
            ],
            [
                "add a CHECK constraint to the default partition that excludes the new bound and validate it first: the scan is then skipped",
                "move those rows out of the default partition first",
            ],
        ));
    }
    risks
}

/// The scan of `table` and the failure it may end in, each with its
/// message and mitigation.
fn scan_and_failure(
    site: &Site<'_>,
    table: &QualName,
    messages: [String; 2],
    mitigations: [&str; 2],
) -> Vec<Risk> {
    [Category::ValidationScan, Category::MayFail]
        .into_iter()
        .zip(messages.into_iter().zip(mitigations))
        .map(|(category, (message, mitigation))| {
            risk(
                Rule::PartitionBound,
                site,
                category,
                Severity::Medium,
                message,
                mitigation,
            )
            .on([table])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, PartitionOf, QualName, Table};

    fn partition(name: &str, bound: &str) -> Table {
        let mut t = table(name, vec![]);
        t.partition_of = Some(Box::new(PartitionOf {
            parent: QualName::new("public", "events"),
            bound: bound.into(),
            constraint: None,
        }));
        t
    }

    fn events(partitions: Vec<Table>) -> Catalog {
        let mut parent = table("events", vec![col("at", "date")]);
        parent.partition_by = Some("RANGE (at)".into());
        let mut tables = vec![parent];
        tables.extend(partitions);
        catalog(tables)
    }

    #[test]
    fn a_new_bound_scans_the_partition_and_may_fail() {
        check(
            Rule::PartitionBound,
            &events(vec![partition(
                "events_1",
                "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
            )]),
            &events(vec![partition(
                "events_1",
                "FOR VALUES FROM ('2024-01-01') TO ('2024-03-01')",
            )]),
            &[
                "medium validation-scan public.events_1: Attaching partition public.events_1 to public.events scans all of public.events_1 under ACCESS EXCLUSIVE (public.events is held SHARE UPDATE EXCLUSIVE) to check its bound",
                "medium may-fail public.events_1: Attaching partition public.events_1 to public.events fails if a row of public.events_1 lies outside FOR VALUES FROM ('2024-01-01') TO ('2024-03-01')",
            ],
        );
    }

    #[test]
    fn a_new_partition_scans_an_existing_default_partition() {
        let before = events(vec![partition("events_other", "DEFAULT")]);
        let after = events(vec![
            partition("events_other", "DEFAULT"),
            partition(
                "events_1",
                "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
            ),
        ]);
        check(
            Rule::PartitionBound,
            &before,
            &after,
            &[
                "medium validation-scan public.events_1: Creating partition public.events_1 of public.events scans all of the default partition public.events_other under ACCESS EXCLUSIVE for rows that belong to public.events_1",
                "medium may-fail public.events_1: Creating partition public.events_1 of public.events fails if the default partition public.events_other holds rows FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
            ],
        );
        // A new partition without a default partition beside it is no risk.
        let alone = events(vec![partition(
            "events_1",
            "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
        )]);
        check(Rule::PartitionBound, &events(vec![]), &alone, &[]);
    }
}
