//! The report as GitHub-flavoured Markdown, for a pull-request comment: a
//! summary, the forward script's risks, the reverse script's risks folded
//! away, a diff of every changed definition, and what is not modelled.

use std::io::{self, Write};

use super::{Report, Section, count_of, evidence_count, evidence_table_size, plural};
use crate::risk::{Risk, Severity};

/// Writes the report as Markdown.
pub fn write_markdown<W: Write + ?Sized>(report: &Report, out: &mut W) -> io::Result<()> {
    writeln!(
        out,
        "## pgrift report: {} → {}",
        code(&report.from.name),
        code(&report.to.name)
    )?;
    writeln!(out)?;
    if report.names_abbreviate() {
        writeln!(
            out,
            "FROM {} · TO {}",
            code(&report.from.source),
            code(&report.to.source)
        )?;
        writeln!(out)?;
    }
    writeln!(out, "**{}**", report.summary.line())?;
    writeln!(out)?;

    writeln!(out, "### Forward script")?;
    writeln!(out)?;
    write_changes(out, &report.forward)?;
    if report.forward.risks.is_empty() {
        writeln!(out, "No risks found.")?;
    } else {
        write_table(out, &report.forward)?;
    }
    writeln!(out)?;

    writeln!(out, "<details>")?;
    writeln!(
        out,
        "<summary>Reverse script: {} {} in {}</summary>",
        report.reverse.risks.len(),
        plural(report.reverse.risks.len(), "risk", "risks"),
        count_of(report.reverse.statements, "statement", "statements"),
    )?;
    writeln!(out)?;
    write_changes(out, &report.reverse)?;
    if report.reverse.risks.is_empty() {
        writeln!(out, "No risks found.")?;
    } else {
        write_table(out, &report.reverse)?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")?;

    if !report.definition_diffs.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Changed definitions")?;
        for diff in &report.definition_diffs {
            writeln!(out)?;
            writeln!(
                out,
                "#### {} {} ({})",
                text(diff.kind),
                code(&diff.object),
                diff.change.as_str()
            )?;
            writeln!(out)?;
            let fence = fence_for(&diff.unified);
            writeln!(out, "{fence}diff")?;
            write!(out, "{}", diff.unified)?;
            if !diff.unified.ends_with('\n') {
                writeln!(out)?;
            }
            writeln!(out, "{fence}")?;
        }
    }

    if !report.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Not modelled")?;
        writeln!(out)?;
        writeln!(
            out,
            "pgrift left these objects out of the diff; review them by hand."
        )?;
        writeln!(out)?;
        for warning in &report.warnings {
            writeln!(out, "- {}", text(&warning.message))?;
        }
    }
    Ok(())
}

/// The plan's line and, when it changes anything, a table of what it does
/// to each kind, each followed by a blank line.
fn write_changes<W: Write + ?Sized>(out: &mut W, section: &Section) -> io::Result<()> {
    let changes = &section.changes;
    writeln!(out, "{}", changes.line())?;
    writeln!(out)?;
    if let Some(online) = &section.online {
        writeln!(out, "{}", text(&online.line()))?;
        writeln!(out)?;
        for risk in &online.still_blocking {
            writeln!(
                out,
                "- {} {}: {}",
                risk.lock.map_or("", |l| l.as_str()),
                code(&risk.object),
                text(&risk.message)
            )?;
        }
        if !online.still_blocking.is_empty() {
            writeln!(out)?;
        }
    }
    if changes.kinds.is_empty() {
        return Ok(());
    }
    writeln!(out, "| kind | add | change | replace | drop |")?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for kind in &changes.kinds {
        let c = kind.counts;
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            text(kind.kind),
            c.add,
            c.change,
            c.replace,
            c.drop
        )?;
    }
    writeln!(out)
}

fn write_table<W: Write + ?Sized>(out: &mut W, section: &Section) -> io::Result<()> {
    writeln!(
        out,
        "| severity | category | rule | object | risk | mitigation | evidence |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    let risks = section.by_severity();
    for (risk, advice) in risks.iter().zip(Section::advice(&risks)) {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            severity(risk.severity),
            risk.category.as_str(),
            code(risk.rule.id()),
            code(&risk.object),
            cell(&risk.message),
            cell(advice),
            evidence(risk),
        )?;
    }
    Ok(())
}

fn severity(severity: Severity) -> String {
    match severity {
        Severity::High => format!("**{}**", severity.as_str()),
        _ => severity.as_str().to_string(),
    }
}

fn evidence(risk: &Risk) -> String {
    match &risk.evidence {
        None => String::new(),
        Some(e) => match evidence_table_size(e) {
            Some(size) => format!("{}<br>{}", cell(&evidence_count(e)), cell(&size)),
            None => cell(&evidence_count(e)),
        },
    }
}

/// Escapes text for a table cell: Markdown punctuation is escaped with a
/// backslash (a `|` would otherwise end the cell), and a line break becomes
/// `<br>`, since a cell is one line.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line_or_break in escape(s).split('\n').enumerate() {
        if line_or_break.0 > 0 {
            out.push_str("<br>");
        }
        out.push_str(line_or_break.1);
    }
    out
}

/// Escapes running text outside a table: line breaks become spaces.
fn text(s: &str) -> String {
    escape(s).replace('\n', " ")
}

/// Backslash-escapes the ASCII punctuation that Markdown or HTML would
/// interpret inline, and drops carriage returns.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds any text, also inside a table cell: the fence is
/// longer than any run of backticks inside, `|` is escaped (GitHub splits
/// cells before it reads code spans) and line breaks become spaces.
fn code(s: &str) -> String {
    let body = s.replace(['\r', '\n'], " ").replace('|', "\\|");
    let fence = "`".repeat(longest_backtick_run(&body) + 1);
    if body.starts_with('`') || body.ends_with('`') {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

/// A code-block fence longer than any run of backticks in the block.
fn fence_for(block: &str) -> String {
    "`".repeat((longest_backtick_run(block) + 1).max(3))
}

fn longest_backtick_run(s: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn render(report: &Report) -> String {
        sample::render(report, write_markdown)
    }

    #[test]
    fn snapshot() {
        sample::assert_snapshots("markdown", render);
    }

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a | b\nc"), "a \\| b<br>c");
        assert_eq!(cell("<script>"), "\\<script\\>");
        assert_eq!(cell("x\r\ny"), "x<br>y");
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("public.users"), "`public.users`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
    }

    #[test]
    fn diff_fences_outgrow_backticks_in_the_diff() {
        assert_eq!(fence_for("+ select 1;\n"), "```");
        assert_eq!(fence_for("+ -- ```sql\n"), "````");
    }

    /// The risk tables have seven cells a row, whatever a name or message
    /// holds (the tables of changes, five, hold only kinds and counts).
    #[test]
    fn every_risk_table_row_has_seven_cells() {
        let text = render(&sample::report());
        let risk_rows = text
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| kind |"))
            .filter(|l| {
                !l.trim_matches('|')
                    .split('|')
                    .skip(1)
                    .all(|cell| cell.trim().parse::<usize>().is_ok())
            });
        for line in risk_rows {
            let unescaped_pipes = line
                .char_indices()
                .filter(|&(i, c)| c == '|' && (i == 0 || !line[..i].ends_with('\\')))
                .count();
            assert_eq!(unescaped_pipes, 8, "{line}");
        }
    }
}
