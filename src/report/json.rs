//! The report as JSON, for CI. The shape is documented in the README
//! ("Reports") and is stable: it is written from structs of its own rather
//! than from the risk model, so that the model can change without breaking
//! a pipeline that reads `report.json`. Fields may be added; none is removed
//! or changes meaning without a new `version`.

use std::io::{self, Write};

use serde::Serialize;

use super::{DefinitionDiff, Report, Summary};
use crate::catalog::Warning;
use crate::plan::{Counts, Summary as ChangeSummary};
use crate::risk::{Evidence, Risk};

/// The value of the top-level `format` field.
pub const FORMAT: &str = "pgrift-report";

/// The value of the top-level `version` field, raised when a field is
/// removed or changes meaning.
pub const VERSION: u32 = 1;

/// Writes the report as pretty-printed JSON, with a trailing newline.
pub fn write_json<W: Write + ?Sized>(report: &Report, out: &mut W) -> io::Result<()> {
    let document = Document {
        format: FORMAT,
        version: VERSION,
        from: &report.from.source,
        to: &report.to.source,
        from_name: &report.from.name,
        to_name: &report.to.name,
        summary: JsonSummary::from(&report.summary),
        changes: JsonChanges::from(&report.forward.changes),
        reverse_changes: JsonChanges::from(&report.reverse.changes),
        risks: report.forward.risks.iter().map(JsonRisk::from).collect(),
        reverse_risks: report.reverse.risks.iter().map(JsonRisk::from).collect(),
        definition_diffs: report
            .definition_diffs
            .iter()
            .map(JsonDefinitionDiff::from)
            .collect(),
        warnings: report.warnings.iter().map(JsonWarning::from).collect(),
        online: report.forward.online.as_ref().map(|online| JsonOnline {
            made_online: online.made_online,
            still_blocking: online.still_blocking.iter().map(JsonRisk::from).collect(),
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::from)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    /// Where each side came from (a path, a password-free connection
    /// string), and what the headings call it.
    from: &'a str,
    to: &'a str,
    from_name: &'a str,
    to_name: &'a str,
    summary: JsonSummary,
    changes: JsonChanges,
    reverse_changes: JsonChanges,
    risks: Vec<JsonRisk<'a>>,
    reverse_risks: Vec<JsonRisk<'a>>,
    definition_diffs: Vec<JsonDefinitionDiff<'a>>,
    warnings: Vec<JsonWarning<'a>>,
    /// Only for a plan written `--online`.
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<JsonOnline<'a>>,
}

/// What `--online` did to the forward plan.
#[derive(Serialize)]
struct JsonOnline<'a> {
    made_online: usize,
    still_blocking: Vec<JsonRisk<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
    total: usize,
    statements: usize,
    worst: Option<&'static str>,
}

impl From<&Summary> for JsonSummary {
    fn from(s: &Summary) -> Self {
        JsonSummary {
            high: s.high,
            medium: s.medium,
            low: s.low,
            info: s.info,
            total: s.total(),
            statements: s.statements,
            worst: s.worst.map(|w| w.as_str()),
        }
    }
}

/// What a plan adds, changes, replaces and drops, in total and per kind.
#[derive(Serialize)]
struct JsonChanges {
    line: String,
    total: JsonCounts,
    kinds: Vec<JsonKindCounts>,
}

#[derive(Serialize)]
struct JsonCounts {
    add: usize,
    change: usize,
    replace: usize,
    drop: usize,
}

#[derive(Serialize)]
struct JsonKindCounts {
    kind: &'static str,
    #[serde(flatten)]
    counts: JsonCounts,
}

impl From<Counts> for JsonCounts {
    fn from(c: Counts) -> Self {
        JsonCounts {
            add: c.add,
            change: c.change,
            replace: c.replace,
            drop: c.drop,
        }
    }
}

impl From<&ChangeSummary> for JsonChanges {
    fn from(s: &ChangeSummary) -> Self {
        JsonChanges {
            line: s.line(),
            total: s.total.into(),
            kinds: s
                .kinds
                .iter()
                .map(|k| JsonKindCounts {
                    kind: k.kind,
                    counts: k.counts.into(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonRisk<'a> {
    severity: &'static str,
    category: &'static str,
    rule: &'static str,
    object: &'a str,
    statement: &'a str,
    message: &'a str,
    mitigation: &'a str,
    evidence: Option<JsonEvidence<'a>>,
    lock: Option<&'static str>,
    tables: &'a [String],
}

impl<'a> From<&'a Risk> for JsonRisk<'a> {
    fn from(r: &'a Risk) -> Self {
        JsonRisk {
            severity: r.severity.as_str(),
            category: r.category.as_str(),
            rule: r.rule.id(),
            object: &r.object,
            statement: &r.statement,
            message: &r.message,
            mitigation: &r.mitigation,
            evidence: r.evidence.as_ref().map(JsonEvidence::from),
            lock: r.lock.map(|l| l.as_str()),
            tables: &r.tables,
        }
    }
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    measure: &'a str,
    count: i64,
    estimated: bool,
    table_pages: Option<i64>,
    table_rows_estimate: Option<i64>,
    query: &'a str,
}

impl<'a> From<&'a Evidence> for JsonEvidence<'a> {
    fn from(e: &'a Evidence) -> Self {
        JsonEvidence {
            measure: &e.measure,
            count: e.count,
            estimated: e.estimated,
            table_pages: e.table_pages,
            table_rows_estimate: e.table_rows_estimate,
            query: &e.query,
        }
    }
}

#[derive(Serialize)]
struct JsonDefinitionDiff<'a> {
    kind: &'static str,
    object: &'a str,
    change: &'static str,
    before: Option<&'a str>,
    after: Option<&'a str>,
    unified: &'a str,
}

impl<'a> From<&'a DefinitionDiff> for JsonDefinitionDiff<'a> {
    fn from(d: &'a DefinitionDiff) -> Self {
        JsonDefinitionDiff {
            kind: d.kind,
            object: &d.object,
            change: d.change.as_str(),
            before: d.before.as_deref(),
            after: d.after.as_deref(),
            unified: &d.unified,
        }
    }
}

#[derive(Serialize)]
struct JsonWarning<'a> {
    kind: &'a str,
    object: &'a str,
    message: &'a str,
}

impl<'a> From<&'a Warning> for JsonWarning<'a> {
    fn from(w: &'a Warning) -> Self {
        JsonWarning {
            kind: &w.kind,
            object: &w.object,
            message: &w.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn render(report: &Report) -> String {
        sample::render(report, write_json)
    }

    #[test]
    fn snapshot() {
        sample::assert_snapshots("json", render);
    }

    /// The documented shape, checked key by key, so that a change to it is
    /// a deliberate change to this test and to the README.
    #[test]
    fn shape_is_stable() {
        let text = render(&sample::report());
        assert!(text.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().expect("an object").keys().cloned().collect()
        };
        let mut top = keys(&value);
        top.sort();
        assert_eq!(
            top,
            [
                "changes",
                "definition_diffs",
                "format",
                "from",
                "from_name",
                "reverse_changes",
                "reverse_risks",
                "risks",
                "summary",
                "to",
                "to_name",
                "version",
                "warnings"
            ]
        );
        for changes in ["changes", "reverse_changes"] {
            let mut fields = keys(&value[changes]);
            fields.sort();
            assert_eq!(fields, ["kinds", "line", "total"], "{changes}");
            let mut counts = keys(&value[changes]["total"]);
            counts.sort();
            assert_eq!(counts, ["add", "change", "drop", "replace"]);
            let mut kind = keys(&value[changes]["kinds"][0]);
            kind.sort();
            assert_eq!(kind, ["add", "change", "drop", "kind", "replace"]);
        }
        assert_eq!(value["format"], "pgrift-report");
        assert_eq!(value["version"], 1);
        let mut risk = keys(&value["risks"][0]);
        risk.sort();
        assert_eq!(
            risk,
            [
                "category",
                "evidence",
                "lock",
                "message",
                "mitigation",
                "object",
                "rule",
                "severity",
                "statement",
                "tables"
            ]
        );
        let measured = value["risks"]
            .as_array()
            .expect("an array")
            .iter()
            .find(|r| !r["evidence"].is_null())
            .expect("a risk with evidence");
        let mut evidence = keys(&measured["evidence"]);
        evidence.sort();
        assert_eq!(
            evidence,
            [
                "count",
                "estimated",
                "measure",
                "query",
                "table_pages",
                "table_rows_estimate"
            ]
        );
        let mut summary = keys(&value["summary"]);
        summary.sort();
        assert_eq!(
            summary,
            [
                "high",
                "info",
                "low",
                "medium",
                "statements",
                "total",
                "worst"
            ]
        );
        let mut diff = keys(&value["definition_diffs"][0]);
        diff.sort();
        assert_eq!(
            diff,
            ["after", "before", "change", "kind", "object", "unified"]
        );
        assert_eq!(keys(&value["warnings"][0]), ["kind", "message", "object"]);
    }

    #[test]
    fn absent_values_are_null() {
        let value: serde_json::Value =
            serde_json::from_str(&render(&sample::quiet_report())).expect("valid JSON");
        assert_eq!(value["summary"]["worst"], serde_json::Value::Null);
        let report: serde_json::Value =
            serde_json::from_str(&render(&sample::report())).expect("valid JSON");
        let without_evidence = report["risks"]
            .as_array()
            .expect("an array")
            .iter()
            .find(|r| {
                r["category"] == "breaks-clients" && r["object"] == "public.users.legacy_email"
            })
            .expect("the breaks-clients risk of the dropped column");
        assert_eq!(without_evidence["evidence"], serde_json::Value::Null);
        assert_eq!(without_evidence["lock"], serde_json::Value::Null);
    }
}
