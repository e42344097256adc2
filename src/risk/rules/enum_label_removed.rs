//! A recreated enum type moves its columns to the new type through `text`;
//! a row holding a label the new type no longer has makes that fail.

use crate::sql::{Literal, Stmt, TableAction};

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action:
            TableAction::AlterColumnType {
                data_type,
                via_text: true,
                ..
            },
    } = site.stmt
    else {
        return Vec::new();
    };
    if !cx.existing(table) {
        return Vec::new();
    }
    let removed = removed_labels(cx, &data_type.0);
    if removed.is_empty() {
        return Vec::new();
    }
    let labels: Vec<String> = removed
        .into_iter()
        .map(|l| Literal(l).to_string())
        .collect();
    vec![
        risk(
            Rule::EnumLabelRemoved,
            site,
            Category::MayFail,
            Severity::Medium,
            format!(
                "{} fails if a row holds a removed label ({})",
                phrase::action(site.change, site.stmt),
                labels.join(", ")
            ),
            "update the rows that hold removed labels first",
        )
        .on([table]),
    ]
}

/// The labels of enum `type_name` (possibly an array of it) that FROM has
/// and TO does not.
pub fn removed_labels(cx: &Context<'_>, type_name: &str) -> Vec<String> {
    let name = type_name.trim_end_matches("[]");
    let find = |enums: &'_ [crate::catalog::EnumType]| {
        enums
            .iter()
            .find(|e| e.name.to_string() == name)
            .map(|e| e.labels.clone())
    };
    let (Some(old), Some(new)) = (find(&cx.from.enums), find(&cx.to.enums)) else {
        return Vec::new();
    };
    old.into_iter().filter(|l| !new.contains(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Dependency, EnumType, ObjectId};

    fn schema(labels: &[&str]) -> Catalog {
        let mut c = catalog(vec![table("orders", vec![col("status", "public.status")])]);
        c.enums.push(EnumType {
            acl: Default::default(),
            owner: Default::default(),
            name: name("status"),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            comment: None,
        });
        // The diff retypes the columns that depend on a recreated type.
        c.dependencies.push(Dependency {
            dependent: ObjectId::Column {
                table: name("orders"),
                column: "status".into(),
            },
            referenced: ObjectId::Type {
                name: name("status"),
            },
        });
        c
    }

    #[test]
    fn a_removed_label_may_fail() {
        check(
            Rule::EnumLabelRemoved,
            &schema(&["new", "paid", "cancelled"]),
            &schema(&["new", "paid"]),
            &[
                "medium may-fail public.orders.status: Changing column public.orders.status to public.status fails if a row holds a removed label ('cancelled')",
            ],
        );
    }

    #[test]
    fn reordered_labels_cannot_fail() {
        check(
            Rule::EnumLabelRemoved,
            &schema(&["new", "paid"]),
            &schema(&["paid", "new"]),
            &[],
        );
    }
}
