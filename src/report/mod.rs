//! Review reports: what a plan will do to a database, for a reviewer at a
//! terminal, in a pull request, in CI and in a browser.
//!
//! [`build`] gathers everything a report shows into a [`Report`]: the risks
//! of the forward and reverse plans, a summary, the definitions of views,
//! functions and triggers that change (with a unified diff each), and the
//! objects pgrift does not model. The renderers ([`write_terminal`],
//! [`write_markdown`], [`write_json`], [`write_html`]) only format a report:
//! they do no IO beyond the writer they are given, read no clock and iterate
//! nothing unordered, so the same report always renders byte for byte the
//! same.

mod html;
mod json;
mod markdown;
mod terminal;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use similar::TextDiff;

pub use html::{escape_html, write_html};
pub use json::{FORMAT, VERSION, write_json};
pub use markdown::write_markdown;
pub use terminal::{DEFAULT_WIDTH, changes_text, use_color, write_terminal};

use crate::catalog::{Catalog, ObjectId, Warning};
use crate::plan::Plan;
use crate::risk::{Assessment, Category, Evidence, LockLevel, Risk, Severity};
use crate::sql::{Stmt, TableAction};

/// Everything a report shows, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// FROM and TO: what headings call them, and where they came from.
    pub from: Side,
    pub to: Side,
    /// The forward plan (FROM → TO) and its risks.
    pub forward: Section,
    /// The reverse plan (TO → FROM) and its risks.
    pub reverse: Section,
    /// Views, functions and triggers whose definition is created, dropped or
    /// changed, sorted by kind, then by identity.
    pub definition_diffs: Vec<DefinitionDiff>,
    /// Objects of either side that pgrift does not model, sorted.
    pub warnings: Vec<Warning>,
    /// Counts of the forward plan's risks.
    pub summary: Summary,
}

impl Report {
    /// Whether a heading's names leave out part of a side's source, which
    /// the report then gives in full under the heading.
    pub fn names_abbreviate(&self) -> bool {
        self.from.name != self.from.source || self.to.name != self.to.source
    }
}

/// One side of a comparison as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Short, for headings: a database and its host (`shop on
    /// db.internal`), a file's or directory's name, `empty`.
    pub name: String,
    /// As the user gave it: a path, a connection string without its
    /// password, `empty`.
    pub source: String,
}

impl Side {
    /// A side called `name`, read from `source`.
    pub fn new(name: &str, source: &str) -> Side {
        Side {
            name: name.to_owned(),
            source: source.to_owned(),
        }
    }
}

/// The risks of one plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Section {
    /// How many statements the plan's script runs (its session settings and
    /// transaction control not counted).
    pub statements: usize,
    /// What the plan adds, changes, replaces and drops, per kind.
    pub changes: crate::plan::Summary,
    /// Every risk, in script order.
    pub risks: Vec<Risk>,
    /// For a plan written `--online`: what was made online and what still
    /// blocks writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online: Option<Online>,
}

/// What a row says for advice an earlier row of its table gave.
pub const AS_ABOVE: &str = "(the same advice as above)";

/// What `--online` did to a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Online {
    /// Statements in their online form: concurrent index builds and drops,
    /// validations apart, keys over a concurrently built index.
    pub made_online: usize,
    /// The statements that still block writes to a table while they work
    /// (a lock risk of medium or high severity at SHARE or stronger): the
    /// changes that have no online form.
    pub still_blocking: Vec<Risk>,
}

impl Online {
    fn of(plan: &Plan, risks: &[Risk]) -> Online {
        let made_online = plan
            .steps
            .iter()
            .flat_map(|s| &s.statements)
            .filter(|stmt| {
                matches!(
                    stmt,
                    Stmt::CreateIndexConcurrently(_)
                        | Stmt::DropIndexConcurrently {
                            if_exists: false,
                            ..
                        }
                        | Stmt::AlterTable {
                            action: TableAction::ValidateConstraint(_)
                                | TableAction::AddConstraintUsingIndex { .. },
                            ..
                        }
                )
            })
            .count();
        let still_blocking = risks
            .iter()
            .filter(|r| {
                r.category == Category::Lock
                    && r.severity >= Severity::Medium
                    && r.lock.is_some_and(|l| l >= LockLevel::Share)
            })
            .cloned()
            .collect();
        Online {
            made_online,
            still_blocking,
        }
    }

    /// One line: `3 changes made online; 1 statement still blocks writes`.
    pub fn line(&self) -> String {
        format!(
            "online: {} made online; {}",
            count_of(self.made_online, "statement", "statements"),
            match self.still_blocking.len() {
                0 => "none still blocks writes while it works".to_owned(),
                1 => "1 statement still blocks writes while it works".to_owned(),
                n => format!("{n} statements still block writes while they work"),
            }
        )
    }
}

impl Section {
    /// The risks of a plan, in the order its statements run.
    pub fn new(plan: &Plan, assessment: &Assessment) -> Section {
        let mut statements: Vec<_> = assessment.statements.iter().collect();
        // The assessment is in script order already; sorting (stably) makes
        // the report independent of how a rule set happened to collect it.
        statements.sort_by_key(|s| (s.step, s.index));
        let risks: Vec<Risk> = statements
            .into_iter()
            .flat_map(|s| s.risks.iter().cloned())
            .collect();
        Section {
            statements: plan.steps.iter().map(|s| s.statements.len()).sum(),
            changes: crate::plan::summarize(plan),
            online: plan.online.then(|| Online::of(plan, &risks)),
            risks,
        }
    }

    /// The advice of each of `risks` (in that order), said once: a
    /// mitigation an earlier row already gave reads as [`AS_ABOVE`].
    pub fn advice<'r>(risks: &[&'r Risk]) -> Vec<&'r str> {
        let mut said = std::collections::HashSet::new();
        risks
            .iter()
            .map(|risk| {
                if said.insert(risk.mitigation.as_str()) {
                    risk.mitigation.as_str()
                } else {
                    AS_ABOVE
                }
            })
            .collect()
    }

    /// The risks grouped by severity, worst first, in script order within a
    /// severity.
    pub fn by_severity(&self) -> Vec<&Risk> {
        let mut risks: Vec<&Risk> = self.risks.iter().collect();
        risks.sort_by_key(|r| std::cmp::Reverse(r.severity));
        risks
    }

    /// How many risks have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.risks.iter().filter(|r| r.severity == severity).count()
    }
}

/// Risk counts of a plan, for a summary line and for CI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub statements: usize,
    /// The worst severity present, `None` when there is no risk at all.
    pub worst: Option<Severity>,
}

impl Summary {
    pub fn of(section: &Section) -> Summary {
        Summary {
            high: section.count(Severity::High),
            medium: section.count(Severity::Medium),
            low: section.count(Severity::Low),
            info: section.count(Severity::Info),
            statements: section.statements,
            worst: section.risks.iter().map(|r| r.severity).max(),
        }
    }

    /// The count of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        match severity {
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    pub fn total(&self) -> usize {
        self.high + self.medium + self.low + self.info
    }

    /// "2 high, 1 medium, 0 low, 3 info risks in 14 statements".
    pub fn line(&self) -> String {
        format!(
            "{} high, {} medium, {} low, {} info {} in {}",
            self.high,
            self.medium,
            self.low,
            self.info,
            plural(self.total(), "risk", "risks"),
            count_of(self.statements, "statement", "statements"),
        )
    }
}

/// Severities from worst to least, the order reports list them in.
pub const SEVERITIES: [Severity; 4] = [
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// What happens to a definition between FROM and TO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefinitionChange {
    Created,
    Dropped,
    Changed,
}

impl DefinitionChange {
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionChange::Created => "created",
            DefinitionChange::Dropped => "dropped",
            DefinitionChange::Changed => "changed",
        }
    }
}

/// The definition of one view, function or trigger on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionDiff {
    /// `view`, `materialized view`, `function`, `procedure` or `trigger`:
    /// TO's kind when the object exists there, FROM's otherwise.
    pub kind: &'static str,
    /// The object as SQL names (`public.active_users`, `public.f(integer)`,
    /// `audit on public.users`).
    pub object: String,
    pub change: DefinitionChange,
    /// The statement that creates the object in FROM, absent when created.
    pub before: Option<String>,
    /// The statement that creates the object in TO, absent when dropped.
    pub after: Option<String>,
    /// A unified diff of `before` and `after` (context 3), with the headers
    /// `FROM` and `TO`.
    pub unified: String,
}

/// Gathers a report from both catalogs and both assessed plans.
///
/// A caller must strip passwords from the sides' sources first. Where the
/// two sides have the same short name (`schema.sql` in two directories),
/// headings name them by their sources instead.
pub fn build(
    from_side: Side,
    to_side: Side,
    from: &Catalog,
    to: &Catalog,
    forward: Section,
    reverse: Section,
) -> Report {
    let mut warnings: Vec<Warning> = from
        .warnings
        .iter()
        .chain(to.warnings.iter())
        .cloned()
        .collect();
    warnings.sort();
    warnings.dedup();
    let (from_side, to_side) = if from_side.name == to_side.name && from_side != to_side {
        (
            Side::new(&from_side.source, &from_side.source),
            Side::new(&to_side.source, &to_side.source),
        )
    } else {
        (from_side, to_side)
    };
    Report {
        from: from_side,
        to: to_side,
        summary: Summary::of(&forward),
        forward,
        reverse,
        definition_diffs: definition_diffs(from, to),
        warnings,
    }
}

/// The definitions that differ between two catalogs, by identity.
///
/// Definitions are compared as the statements that create them, so that
/// everything a reviewer would read in a script (a view's options, whether
/// it is materialized, a trigger's enabled state) shows in the diff, and a
/// change of comment alone does not.
pub fn definition_diffs(from: &Catalog, to: &Catalog) -> Vec<DefinitionDiff> {
    let before = definitions(from);
    let after = definitions(to);
    let mut ids: Vec<&ObjectId> = before.keys().chain(after.keys()).collect();
    ids.sort();
    ids.dedup();

    let mut diffs: Vec<(usize, &ObjectId, DefinitionDiff)> = Vec::new();
    for id in ids {
        let old = before.get(id);
        let new = after.get(id);
        let change = match (old, new) {
            (Some(a), Some(b)) if a.text == b.text => continue,
            (Some(_), Some(_)) => DefinitionChange::Changed,
            (None, Some(_)) => DefinitionChange::Created,
            (Some(_), None) => DefinitionChange::Dropped,
            (None, None) => continue,
        };
        let Some(kind) = new.or(old).map(|d| d.kind) else {
            continue;
        };
        let old_text = old.map(|d| d.text.as_str()).unwrap_or("");
        let new_text = new.map(|d| d.text.as_str()).unwrap_or("");
        diffs.push((
            kind_rank(kind),
            id,
            DefinitionDiff {
                kind,
                object: id.to_string(),
                change,
                before: old.map(|d| d.text.clone()),
                after: new.map(|d| d.text.clone()),
                unified: unified_diff(old_text, new_text),
            },
        ));
    }
    diffs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    diffs.into_iter().map(|(_, _, d)| d).collect()
}

/// One object's definition as a reviewer reads it.
struct Definition {
    kind: &'static str,
    /// The creating statements, each ending in `;` and a newline.
    text: String,
}

const KINDS: [&str; 5] = [
    "view",
    "materialized view",
    "function",
    "procedure",
    "trigger",
];

fn kind_rank(kind: &str) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len())
}

/// The definitions a reviewer reads, of every object whose kind shows one
/// (see `ObjectKind::shown`).
fn definitions(catalog: &Catalog) -> BTreeMap<ObjectId, Definition> {
    catalog
        .objects()
        .into_iter()
        .filter_map(|obj| {
            let shown = obj.shown()?;
            let definition = Definition {
                kind: shown.kind,
                text: statements_text(&shown.statements),
            };
            Some((ObjectId::from_key(obj.key()), definition))
        })
        .collect()
}

fn statements_text(stmts: &[Stmt]) -> String {
    let mut text = String::new();
    for stmt in stmts {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "{stmt};");
    }
    text
}

/// A unified diff with three lines of context and fixed headers, so that it
/// names no file and no time.
fn unified_diff(before: &str, after: &str) -> String {
    let diff = TextDiff::from_lines(before, after);
    let mut unified = diff.unified_diff();
    unified.context_radius(3).header("FROM", "TO");
    unified.to_string()
}

/// "3", "12,345": counts as a reviewer reads them.
pub(crate) fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// "1 statement", "14 statements".
pub(crate) fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

pub(crate) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// What a probe counted: "3 non-null values that would be lost", or
/// "~1,200 rows that would be deleted (estimated)".
pub(crate) fn evidence_count(evidence: &Evidence) -> String {
    if evidence.estimated {
        format!(
            "~{} {} (estimated)",
            group_digits(evidence.count),
            evidence.measure
        )
    } else {
        format!("{} {}", group_digits(evidence.count), evidence.measure)
    }
}

/// The size of the table a statement works on, when a probe read it:
/// "table: 1,234 pages, ~56,000 rows".
pub(crate) fn evidence_table_size(evidence: &Evidence) -> Option<String> {
    match (evidence.table_pages, evidence.table_rows_estimate) {
        (None, None) => None,
        (Some(pages), None) => Some(format!(
            "table: {} {}",
            group_digits(pages),
            plural(pages.unsigned_abs() as usize, "page", "pages")
        )),
        (None, Some(rows)) => Some(format!("table: ~{} rows", group_digits(rows))),
        (Some(pages), Some(rows)) => Some(format!(
            "table: {} {}, ~{} rows",
            group_digits(pages),
            plural(pages.unsigned_abs() as usize, "page", "pages"),
            group_digits(rows)
        )),
    }
}

#[cfg(test)]
pub(crate) mod sample;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Function, FunctionKind, QualName, Trigger, TriggerEnabled, View};

    fn view(name: &str, definition: &str) -> View {
        View {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", name),
            materialized: false,
            definition: definition.to_string(),
            options: Vec::new(),
            comment: None,
            column_comments: Vec::new(),
            columns: Vec::new(),
        }
    }

    #[test]
    fn sides_with_the_same_name_are_headed_by_their_sources() {
        let empty = Catalog::default();
        let build_with = |from: Side, to: Side| {
            build(
                from,
                to,
                &empty,
                &empty,
                Section::default(),
                Section::default(),
            )
        };
        let report = build_with(
            Side::new("schema.sql", "dev/schema.sql"),
            Side::new("schema.sql", "prod/schema.sql"),
        );
        assert_eq!(report.from, Side::new("dev/schema.sql", "dev/schema.sql"));
        assert_eq!(report.to, Side::new("prod/schema.sql", "prod/schema.sql"));
        let report = build_with(
            Side::new("app on db", "postgres://me@db:5432/app"),
            Side::new("schema.sql", "dev/schema.sql"),
        );
        assert_eq!(report.from.name, "app on db");
        assert_eq!(report.to.name, "schema.sql");
    }

    #[test]
    fn an_online_plan_says_what_it_made_online_and_what_still_blocks() {
        let (from, to) = (sample::from_catalog(), sample::to_catalog());
        let default = sample::plan(&from, &to);
        let assess = |plan: &Plan| {
            crate::risk::assess(plan, &from, &to, None, crate::risk::Direction::Forward)
        };
        assert_eq!(Section::new(&default, &assess(&default)).online, None);
        let online = crate::plan::online(default, &from, &to);
        let section = Section::new(&online, &assess(&online));
        let made = section.online.as_ref().expect("an online section");
        assert!(made.made_online >= 1, "{made:?}");
        assert!(made.line().starts_with("online: "), "{}", made.line());
        let json = serde_json::to_value(&section).expect("json");
        assert!(json["online"]["made_online"].as_u64() >= Some(1), "{json}");
    }

    #[test]
    fn the_same_advice_is_given_once_per_table() {
        let report = sample::report();
        let first = report.forward.risks[0].clone();
        let again = Risk {
            object: "public.other".into(),
            ..first.clone()
        };
        let other = Risk {
            mitigation: "something else".into(),
            ..first.clone()
        };
        let risks = [&first, &again, &other];
        assert_eq!(
            Section::advice(&risks),
            [first.mitigation.as_str(), AS_ABOVE, "something else"]
        );
        let section = Section {
            risks: vec![first.clone(), again],
            ..report.forward.clone()
        };
        let mut markdown = Vec::new();
        markdown::write_markdown(
            &Report {
                forward: section,
                ..report.clone()
            },
            &mut markdown,
        )
        .expect("render");
        let markdown = String::from_utf8(markdown).expect("utf-8");
        assert_eq!(
            markdown.matches(first.mitigation.as_str()).count(),
            1,
            "{markdown}"
        );
        assert!(markdown.contains(AS_ABOVE), "{markdown}");
    }

    #[test]
    fn summary_line_counts_risks_and_statements() {
        let summary = Summary {
            high: 2,
            medium: 1,
            low: 0,
            info: 3,
            statements: 14,
            worst: Some(Severity::High),
        };
        assert_eq!(
            summary.line(),
            "2 high, 1 medium, 0 low, 3 info risks in 14 statements"
        );
        let one = Summary {
            high: 1,
            statements: 1,
            ..Summary::default()
        };
        assert_eq!(
            one.line(),
            "1 high, 0 medium, 0 low, 0 info risk in 1 statement"
        );
    }

    /// Two reports built from the same inputs render byte for byte the
    /// same in every format.
    #[test]
    fn same_input_renders_the_same_bytes() {
        fn render(report: &Report) -> Vec<Vec<u8>> {
            let mut outs = vec![Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
            write_terminal(report, &mut outs[0], false, 120).expect("terminal");
            write_terminal(report, &mut outs[1], true, 120).expect("terminal in colour");
            write_markdown(report, &mut outs[2]).expect("markdown");
            write_json(report, &mut outs[3]).expect("json");
            write_html(report, &mut outs[4]).expect("html");
            outs
        }
        let first = sample::report();
        let second = sample::report();
        assert_eq!(first, second);
        assert_eq!(render(&first), render(&second));
    }

    #[test]
    fn digits_are_grouped_by_thousands() {
        for (n, expect) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
            (-4200, "-4,200"),
        ] {
            assert_eq!(group_digits(n), expect);
        }
    }

    #[test]
    fn unchanged_definitions_and_comment_changes_are_left_out() {
        let mut from = Catalog::default();
        from.views.push(view("same", " SELECT 1;"));
        let mut to = from.clone();
        to.views[0].comment = Some("only a comment".into());
        assert!(definition_diffs(&from, &to).is_empty());
    }

    #[test]
    fn definitions_are_diffed_by_identity_and_sorted_by_kind() {
        let mut from = Catalog::default();
        from.views.push(view("b_changed", " SELECT 1 AS one;"));
        from.views.push(view("c_dropped", " SELECT 3;"));
        from.triggers.push(Trigger {
            table: QualName::new("public", "t"),
            name: "audit".into(),
            definition: "CREATE TRIGGER audit AFTER INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.f()".into(),
            enabled: TriggerEnabled::Origin,
            comment: None,
        });
        let mut to = Catalog::default();
        to.views.push(view("b_changed", " SELECT 2 AS one;"));
        to.functions.push(Function {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "f"),
            kind: FunctionKind::Function,
            identity_args: String::new(),
            arguments: String::new(),
            result: Some("trigger".into()),
            definition: "CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin return new; end$function$\n".into(),
            comment: None,
        });
        to.triggers = from.triggers.clone();
        to.triggers[0].enabled = TriggerEnabled::Disabled;

        let diffs = definition_diffs(&from, &to);
        let seen: Vec<(&str, &str, DefinitionChange)> = diffs
            .iter()
            .map(|d| (d.kind, d.object.as_str(), d.change))
            .collect();
        assert_eq!(
            seen,
            [
                ("view", "public.b_changed", DefinitionChange::Changed),
                ("view", "public.c_dropped", DefinitionChange::Dropped),
                ("function", "public.f()", DefinitionChange::Created),
                ("trigger", "audit on public.t", DefinitionChange::Changed),
            ]
        );
        assert_eq!(
            diffs[0].unified,
            "--- FROM\n+++ TO\n@@ -1,2 +1,2 @@\n CREATE VIEW public.b_changed AS\n- SELECT 1 AS one;\n+ SELECT 2 AS one;\n"
        );
        assert_eq!(diffs[1].after, None);
        assert!(
            diffs[3]
                .unified
                .contains("+ALTER TABLE public.t DISABLE TRIGGER audit;\n"),
            "{}",
            diffs[3].unified
        );
    }

    #[test]
    fn a_view_becoming_materialized_is_a_changed_materialized_view() {
        let mut from = Catalog::default();
        from.views.push(view("v", " SELECT 1;"));
        let mut to = from.clone();
        to.views[0].materialized = true;
        let diffs = definition_diffs(&from, &to);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].kind, "materialized view");
        assert_eq!(diffs[0].change, DefinitionChange::Changed);
    }

    #[test]
    fn evidence_reads_as_a_count_and_a_table_size() {
        let mut evidence = Evidence {
            measure: "rows that would be deleted".into(),
            count: 1200,
            estimated: true,
            table_pages: Some(1),
            table_rows_estimate: Some(1200),
            query: "SELECT count(*) FROM public.t".into(),
        };
        assert_eq!(
            evidence_count(&evidence),
            "~1,200 rows that would be deleted (estimated)"
        );
        assert_eq!(
            evidence_table_size(&evidence).as_deref(),
            Some("table: 1 page, ~1,200 rows")
        );
        evidence.estimated = false;
        evidence.count = 3;
        evidence.table_pages = None;
        evidence.table_rows_estimate = None;
        assert_eq!(evidence_count(&evidence), "3 rows that would be deleted");
        assert_eq!(evidence_table_size(&evidence), None);
    }
}
