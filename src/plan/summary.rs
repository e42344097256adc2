//! What a plan does, counted per object kind the way `terraform plan`
//! counts it: so many to add, to change, to replace and to drop.
//!
//! An object counts once, by what its own steps do: created only is an add,
//! dropped only a drop, dropped and created again a replace, anything else
//! (altered, commented, finished) a change. What a step carries out along
//! with its own object (the columns inside a `CREATE TABLE`, the indexes
//! that go with a dropped table) is part of that object and is not counted
//! on its own.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::Plan;
use crate::catalog::{ObjectId, Tag};
use crate::diff::ChangeKind;

/// How many objects a plan adds, changes, replaces and drops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub drop: usize,
}

impl Counts {
    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }

    /// The counts that are not zero, each with its verb, in the order add,
    /// change, replace, drop: `1 to add, 2 to drop`.
    pub fn nonzero(&self) -> String {
        self.pairs()
            .filter(|(n, _)| *n > 0)
            .map(|(n, verb)| format!("{n} to {verb}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn pairs(&self) -> impl Iterator<Item = (usize, &'static str)> {
        [
            (self.add, "add"),
            (self.change, "change"),
            (self.replace, "replace"),
            (self.drop, "drop"),
        ]
        .into_iter()
    }

    fn count(&mut self, what: What) {
        match what {
            What::Add => self.add += 1,
            What::Change => self.change += 1,
            What::Replace => self.replace += 1,
            What::Drop => self.drop += 1,
        }
    }
}

/// All four counts, as a plan's summary line reads them: `3 to add, 0 to
/// change, 1 to replace, 1 to drop`.
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .pairs()
            .map(|(n, verb)| format!("{n} to {verb}"))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// The counts of one kind of object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// The kind, as scripts name it (`table`, `column`, `view` …).
    pub kind: &'static str,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A plan's changes, per kind in the order kinds are listed everywhere
/// (schemas, extensions, types, sequences, tables …), and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub kinds: Vec<KindCounts>,
    pub total: Counts,
}

impl Summary {
    /// `Plan: 3 to add, 0 to change, 1 to replace, 1 to drop.`, or `No
    /// changes.` for an empty plan.
    pub fn line(&self) -> String {
        if self.total.is_empty() {
            "No changes.".to_owned()
        } else {
            format!("Plan: {}.", self.total)
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum What {
    Add,
    Change,
    Replace,
    Drop,
}

/// Counts what `plan` does to each object.
pub fn summarize(plan: &Plan) -> Summary {
    let mut by_object: BTreeMap<&ObjectId, (bool, bool, bool)> = BTreeMap::new();
    for step in &plan.steps {
        let (created, dropped, other) = by_object.entry(&step.id).or_default();
        match step.kind {
            ChangeKind::Create => *created = true,
            ChangeKind::Drop => *dropped = true,
            ChangeKind::Alter | ChangeKind::Finish | ChangeKind::Comment => *other = true,
        }
    }
    let mut by_kind: BTreeMap<Tag, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for (id, (created, dropped, _)) in by_object {
        let what = match (created, dropped) {
            (true, true) => What::Replace,
            (true, false) => What::Add,
            (false, true) => What::Drop,
            (false, false) => What::Change,
        };
        by_kind.entry(id.key().0).or_default().count(what);
        total.count(what);
    }
    Summary {
        kinds: by_kind
            .into_iter()
            .map(|(tag, counts)| KindCounts {
                kind: tag.noun(),
                counts,
            })
            .collect(),
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, Column, QualName, Table, View};

    fn table(name: &str, columns: Vec<Column>) -> Table {
        Table::new(QualName::new("public", name), columns)
    }

    fn view(name: &str, definition: &str) -> View {
        View {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", name),
            definition: definition.into(),
            materialized: false,
            options: Vec::new(),
            column_comments: Vec::new(),
            columns: Vec::new(),
            comment: None,
        }
    }

    fn summary(from: &Catalog, to: &Catalog) -> Summary {
        summarize(&crate::plan::plan(crate::diff::diff(from, to)).expect("plans"))
    }

    #[test]
    fn each_object_counts_once_by_what_its_own_steps_do() {
        let from = Catalog {
            tables: vec![
                table("gone", vec![Column::new("id", "integer")]),
                table(
                    "kept",
                    vec![Column::new("id", "integer"), Column::new("old", "text")],
                ),
            ],
            views: vec![view("v", " SELECT 1 AS one;")],
            ..Catalog::default()
        };
        let mut kept = table(
            "kept",
            vec![Column::new("id", "integer"), Column::new("new", "text")],
        );
        kept.comment = Some("changed".into());
        let to = Catalog {
            tables: vec![
                kept,
                table(
                    "made",
                    vec![Column::new("id", "integer"), Column::new("x", "text")],
                ),
            ],
            views: vec![view("v", " SELECT 2 AS two;")],
            ..Catalog::default()
        };
        let summary = summary(&from, &to);
        let line = |kind: &str| {
            summary
                .kinds
                .iter()
                .find(|k| k.kind == kind)
                .map(|k| k.counts.nonzero())
        };
        // The columns of the created and the dropped table go with them.
        assert_eq!(
            line("table").as_deref(),
            Some("1 to add, 1 to change, 1 to drop")
        );
        assert_eq!(line("column").as_deref(), Some("1 to add, 1 to drop"));
        assert_eq!(line("view").as_deref(), Some("1 to replace"));
        assert_eq!(
            summary.line(),
            "Plan: 2 to add, 1 to change, 1 to replace, 2 to drop."
        );
        let kinds: Vec<&str> = summary.kinds.iter().map(|k| k.kind).collect();
        assert_eq!(kinds, ["table", "column", "view"], "in registry order");
    }

    #[test]
    fn an_empty_plan_has_no_changes() {
        let catalog = Catalog::default();
        let summary = summary(&catalog, &catalog);
        assert_eq!(summary, Summary::default());
        assert_eq!(summary.line(), "No changes.");
    }
}
