//! The report for a terminal: a table of risks per script, worst first, and a
//! summary line at the end, where a reader's eye lands.

use std::ffi::OsStr;
use std::io::{self, IsTerminal, Write};

use tabled::builder::Builder;
use tabled::settings::object::{Cell, Rows};
use tabled::settings::{Color, Style};

use super::{Report, Section, Summary, count_of, evidence_count, evidence_table_size, plural};
use crate::risk::{Risk, Severity};
use crate::sql::visible;

/// The width of a report that does not go to a terminal (a pipe, a file,
/// a CI log), and of a terminal whose width is unknown.
pub const DEFAULT_WIDTH: usize = 80;

/// The narrowest and widest the tables are laid out for.
const MIN_WIDTH: usize = 60;
const MAX_WIDTH: usize = 200;

/// From this width on, the category and the evidence have columns of their
/// own; below it they are lines of the risk cell.
const WIDE: usize = 110;

/// Widths of the narrow columns; the risk column takes what is left.
const SEVERITY_WIDTH: usize = "severity".len();
const CATEGORY_WIDTH: usize = "validation-scan".len();
const EVIDENCE_WIDTH: usize = 18;

/// Whether the report on standard output should be coloured: only when it is
/// a terminal, and not when `NO_COLOR` is set to a non-empty value
/// (<https://no-color.org>).
pub fn use_color() -> bool {
    color_wanted(
        io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

fn color_wanted(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Writes the report as tables of risks, grouped by severity, then the
/// changed definitions, what is not modelled, and a summary line, laid out
/// for a terminal `width` columns wide (see [`DEFAULT_WIDTH`]). ANSI
/// colours are used only when `color` is true (see [`use_color`]).
pub fn write_terminal<W: Write + ?Sized>(
    report: &Report,
    out: &mut W,
    color: bool,
    width: usize,
) -> io::Result<()> {
    let paint = Paint(color);
    writeln!(
        out,
        "{}",
        paint.bold(&visible(&format!(
            "pgrift report: {} → {}",
            report.from.name, report.to.name
        )))
    )?;
    if report.names_abbreviate() {
        writeln!(out, "  from {}", visible(&report.from.source))?;
        writeln!(out, "  to   {}", visible(&report.to.source))?;
    }

    write_section(out, paint, width, "Forward script", &report.forward)?;
    write_section(out, paint, width, "Reverse script", &report.reverse)?;

    if !report.definition_diffs.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint.bold("Changed definitions"))?;
        for diff in &report.definition_diffs {
            writeln!(
                out,
                "  {:<8} {} {}",
                diff.change.as_str(),
                diff.kind,
                visible(&diff.object)
            )?;
        }
    }

    if !report.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint.bold("Not modelled (left out of the diff)"))?;
        for warning in &report.warnings {
            writeln!(out, "  - {}", visible(&warning.message))?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", summary_line(&report.summary, paint))?;
    Ok(())
}

fn write_section<W: Write + ?Sized>(
    out: &mut W,
    paint: Paint,
    width: usize,
    title: &str,
    section: &Section,
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "{title}: {} {} in {}",
            section.risks.len(),
            plural(section.risks.len(), "risk", "risks"),
            count_of(section.statements, "statement", "statements"),
        ))
    )?;
    write!(out, "{}", changes_text(&section.changes))?;
    if let Some(online) = &section.online {
        writeln!(out, "{}", wrap(&online.line(), width, ""))?;
        for risk in &online.still_blocking {
            let line = format!(
                "  - {} {}: {}",
                risk.lock.map_or("", |l| l.as_str()),
                visible(&risk.object),
                visible(&risk.message)
            );
            writeln!(out, "{}", wrap(&line, width, "    "))?;
        }
    }
    if section.risks.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        risk_table(&section.by_severity(), paint.0, width)
    )
}

/// The plan's line, then a line per kind with the counts that are not zero,
/// the kinds aligned: what `pgrift diff --stat` prints, and what heads each
/// script's section of the report.
pub fn changes_text(changes: &crate::plan::Summary) -> String {
    let width = changes
        .kinds
        .iter()
        .map(|k| k.kind.len())
        .max()
        .unwrap_or(0);
    let mut text = format!("{}\n", changes.line());
    for kind in &changes.kinds {
        text.push_str(&format!(
            "  {:<width$}  {}\n",
            kind.kind,
            kind.counts.nonzero()
        ));
    }
    text
}

/// One row per risk, worst first, within `width` columns. The risk column
/// holds the message and, on lines of their own, what to do about it and
/// the rule that found it (a rule id is longer than the category column is
/// wide). Narrower than [`WIDE`], the category and the evidence move into
/// the risk cell too. The object column is as wide as the longest piece of
/// a name (up to a dot or a space) needs, within a quarter of the width, so
/// that an identifier is split only when it cannot fit.
fn risk_table(risks: &[&Risk], color: bool, width: usize) -> String {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    let wide = width >= WIDE;
    let with_evidence = wide && risks.iter().any(|r| r.evidence.is_some());
    let objects: Vec<String> = risks
        .iter()
        .map(|r| visible(&r.object).into_owned())
        .collect();
    let object_width = objects
        .iter()
        .flat_map(|object| object.split(' ').flat_map(|word| word.split_inclusive('.')))
        .map(|piece| piece.chars().count())
        .max()
        .unwrap_or(0)
        .clamp("object".len(), width / 4);
    let mut widths = vec![SEVERITY_WIDTH];
    if wide {
        widths.push(CATEGORY_WIDTH);
    }
    widths.push(object_width);
    if with_evidence {
        widths.push(EVIDENCE_WIDTH);
    }
    // Borders take one column more than there are columns, and every cell
    // is padded by a space on both sides; the risk column takes the rest.
    let columns = widths.len() + 1;
    let risk_width = width - widths.iter().sum::<usize>() - (columns + 1) - 2 * columns;

    let mut builder = Builder::default();
    let mut header = vec!["severity"];
    if wide {
        header.push("category");
    }
    header.extend(["object", "risk"]);
    if with_evidence {
        header.push("evidence");
    }
    builder.push_record(header);
    let advice = Section::advice(risks);
    for ((risk, object), advice) in risks.iter().zip(&objects).zip(advice) {
        let mut what = wrap(&visible(&risk.message), risk_width, "");
        what.push('\n');
        what.push_str(&wrap(&visible(&format!("→ {advice}")), risk_width, "  "));
        what.push('\n');
        if wide {
            what.push_str(&wrap(&format!("rule: {}", risk.rule.id()), risk_width, ""));
        } else {
            what.push_str(&wrap(
                &format!("rule: {} ({})", risk.rule.id(), risk.category.as_str()),
                risk_width,
                "",
            ));
            for line in evidence_lines(risk) {
                what.push('\n');
                what.push_str(&wrap(&format!("evidence: {line}"), risk_width, "  "));
            }
        }
        let mut row = vec![risk.severity.as_str().to_string()];
        if wide {
            row.push(wrap(risk.category.as_str(), CATEGORY_WIDTH, ""));
        }
        row.push(wrap(object, object_width, ""));
        row.push(what);
        if with_evidence {
            row.push(
                evidence_lines(risk)
                    .iter()
                    .map(|line| wrap(line, EVIDENCE_WIDTH, ""))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        builder.push_record(row);
    }

    let mut table = builder.build();
    table.with(Style::modern_rounded());
    if color {
        table.modify(Rows::first(), Color::BOLD);
        for (i, risk) in risks.iter().enumerate() {
            table.modify(Cell::new(i + 1, 0), severity_color(risk.severity));
        }
    }
    table.to_string()
}

/// Wraps text at spaces to at most `width` characters a line, indenting
/// continuation lines. A word longer than a line (a long qualified name)
/// breaks after a `.` or `,` where it can, else anywhere.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    // Leave room for at least a few characters after the indent, so that a
    // narrow width cannot stop the loop below from making progress.
    let width = width.max(indent.chars().count() + 8);
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let used = line.chars().count();
            if used > 0 && used + 1 + word.chars().count() <= width {
                line.push(' ');
                line.push_str(word);
                continue;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                line.push_str(indent);
            } else if !lines.is_empty() {
                line.push_str(indent);
            }
            let mut rest = word;
            loop {
                let room = width - line.chars().count();
                if rest.chars().count() <= room {
                    line.push_str(rest);
                    break;
                }
                let cut = break_point(rest, room);
                line.push_str(&rest[..cut]);
                lines.push(std::mem::take(&mut line));
                line.push_str(indent);
                rest = &rest[cut..];
            }
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// Where to break a word that does not fit in `room` characters: after the
/// last `.` or `,` that fits, else after `room` characters. Always a char
/// boundary, and never zero, so that wrapping makes progress.
fn break_point(word: &str, room: usize) -> usize {
    let room = room.max(1);
    let hard = word
        .char_indices()
        .nth(room)
        .map(|(i, _)| i)
        .unwrap_or(word.len());
    match word[..hard].rfind(['.', ',']) {
        Some(i) if i > 0 => i + 1,
        _ => hard,
    }
}

/// What a probe measured for the risk: the count, then the table's size.
fn evidence_lines(risk: &Risk) -> Vec<String> {
    match &risk.evidence {
        None => Vec::new(),
        Some(evidence) => std::iter::once(evidence_count(evidence))
            .chain(evidence_table_size(evidence))
            .collect(),
    }
}

fn severity_color(severity: Severity) -> Color {
    match severity {
        Severity::High => Color::FG_RED | Color::BOLD,
        Severity::Medium => Color::FG_YELLOW,
        Severity::Low => Color::FG_CYAN,
        Severity::Info => Color::DIMMED,
    }
}

/// The summary line, with each non-zero count in its severity's colour.
fn summary_line(summary: &Summary, paint: Paint) -> String {
    if !paint.0 {
        return summary.line();
    }
    let plain = summary.line();
    let mut line = String::new();
    let mut rest = plain.as_str();
    for severity in super::SEVERITIES {
        let count = summary.count(severity);
        let part = format!("{count} {}", severity.as_str());
        if let Some(at) = rest.find(&part) {
            line.push_str(&rest[..at]);
            if count > 0 {
                line.push_str(&paint.severity(severity, &part));
            } else {
                line.push_str(&part);
            }
            rest = &rest[at + part.len()..];
        }
    }
    line.push_str(rest);
    line
}

/// Colours text with ANSI escapes, or leaves it alone.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, prefix: &str, text: &str) -> String {
        if self.0 {
            format!("{prefix}{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(self, text: &str) -> String {
        self.wrap("\u{1b}[1m", text)
    }

    fn severity(self, severity: Severity, text: &str) -> String {
        let prefix = match severity {
            Severity::High => "\u{1b}[1;31m",
            Severity::Medium => "\u{1b}[33m",
            Severity::Low => "\u{1b}[36m",
            Severity::Info => "\u{1b}[2m",
        };
        self.wrap(prefix, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn render(report: &Report, color: bool) -> String {
        render_at(report, color, 120)
    }

    fn render_at(report: &Report, color: bool, width: usize) -> String {
        sample::render(report, |r, out| write_terminal(r, out, color, width))
    }

    #[test]
    fn snapshot() {
        sample::assert_snapshots("terminal", |r| render(r, false));
    }

    #[test]
    fn snapshot_in_80_columns() {
        sample::assert_snapshots("terminal_80", |r| render_at(r, false, 80));
    }

    #[test]
    fn fits_the_width_it_is_given() {
        let report = sample::report();
        for width in [60, 80, 100, 110, 120, 160, 200] {
            let text = render_at(&report, false, width);
            for line in text.lines().filter(|l| l.starts_with(['│', '╭', '├', '╰'])) {
                assert!(line.chars().count() <= width, "wider than {width}: {line}");
            }
        }
    }

    /// An identifier is split only where a dot or a space allows, when
    /// the object column can hold its longest piece.
    #[test]
    fn names_break_at_dots_not_inside_identifiers() {
        let report = sample::report();
        for width in [80, 120] {
            let text = render_at(&report, false, width);
            for risk in &report.forward.risks {
                for piece in risk.object.split(' ').flat_map(|w| w.split_inclusive('.')) {
                    assert!(
                        text.contains(piece),
                        "{width}: {piece:?} of {:?} is split:\n{text}",
                        risk.object
                    );
                }
            }
        }
    }

    #[test]
    fn colours_only_when_asked() {
        let report = sample::report();
        assert!(!render(&report, false).contains('\u{1b}'));
        let coloured = render(&report, true);
        assert!(coloured.contains("\u{1b}[31m"), "{coloured}");
        assert!(
            coloured.contains("\u{1b}[1;31m2 high\u{1b}[0m"),
            "{coloured}"
        );
    }

    #[test]
    fn severities_are_grouped_worst_first() {
        let text = render(&sample::report(), false);
        let forward = &text[..text.find("Reverse script").expect("a reverse section")];
        let positions: Vec<usize> = ["│ high ", "│ medium ", "│ low ", "│ info "]
            .iter()
            .map(|s| forward.find(s).expect("every severity is present"))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{forward}");
        assert!(forward.rfind("│ high ") < forward.find("│ medium "));
    }

    #[test]
    fn every_risk_names_its_rule() {
        let report = sample::report();
        let text = render(&report, false);
        let forward = &text[..text.find("Reverse script").expect("a reverse section")];
        for risk in &report.forward.risks {
            let line = format!("│ rule: {}", risk.rule.id());
            assert!(forward.contains(&line), "no {line:?} in\n{forward}");
        }
        assert_eq!(
            forward.matches("│ rule: ").count(),
            report.forward.risks.len()
        );
    }

    #[test]
    fn wraps_at_spaces_then_at_dots() {
        assert_eq!(wrap("a b c", 10, ""), "a b c");
        assert_eq!(
            wrap("→ Export the column first", 14, "  "),
            "→ Export the\n  column first"
        );
        assert_eq!(
            wrap("public.users.legacy_email", 22, ""),
            "public.users.\nlegacy_email"
        );
        assert_eq!(wrap("abcdefghijklmnop", 10, ""), "abcdefghij\nklmnop");
        assert_eq!(wrap("one\ntwo", 10, ""), "one\ntwo");
    }

    #[test]
    fn no_color_is_honoured_only_when_non_empty() {
        assert!(color_wanted(true, None));
        assert!(color_wanted(true, Some(OsStr::new(""))));
        assert!(!color_wanted(true, Some(OsStr::new("1"))));
        assert!(!color_wanted(false, None));
    }
}
