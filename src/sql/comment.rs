//! The one place where text becomes a SQL comment, and where text from a
//! schema is made safe to show on a terminal.
//!
//! Names, risk messages, evidence, file names and connection strings all
//! come from people other than the one reading the output: a schema file in
//! a pull request, another team's database. A line break inside a `--`
//! comment ends it, and whatever follows runs as SQL when the script is
//! applied; a terminal escape sequence in a name can rewrite what a reviewer
//! sees. So every such text is passed through [`visible`] before it is
//! printed outside a quoted identifier or literal.

use std::borrow::Cow;
use std::fmt::Write;

/// Text with every character that could end a line, hide text or reorder
/// it written as an escape, so that it prints as one line whose characters
/// are all there to read.
///
/// Escaped: control characters (`\n`, `\r`, `\t` by their usual letters,
/// the others, including ESC, DEL and the C1 controls, as `\u{…}`), the
/// Unicode line and paragraph separators, and the directional formatting
/// characters that reorder what is displayed (the "Trojan Source" ones).
/// A backslash is doubled, so that an escape cannot be confused with the
/// same characters typed in a name. Everything else, including other
/// non-ASCII letters, is kept as it is.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A `--` comment line holding `text`, made safe by [`visible`]. The line
/// has no line break of its own; the caller ends it.
pub fn comment(text: &str) -> String {
    format!("-- {}", visible(text))
}

fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for text in ["add column public.t.\"x\"", "café 日本 -- */ ;", ""] {
            assert!(matches!(visible(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn everything_that_breaks_or_hides_a_line_is_escaped() {
        let cases = [
            ("x\nDROP TABLE victim; --", "x\\nDROP TABLE victim; --"),
            ("a\r\nb", "a\\r\\nb"),
            ("tab\there", "tab\\there"),
            ("back\\slash", "back\\\\slash"),
            ("esc\u{1b}[2J", "esc\\u{1b}[2J"),
            ("nul\u{0}del\u{7f}", "nul\\u{0}del\\u{7f}"),
            (
                "nel\u{85}ls\u{2028}ps\u{2029}",
                "nel\\u{85}ls\\u{2028}ps\\u{2029}",
            ),
            ("rlo\u{202e}txt\u{2066}", "rlo\\u{202e}txt\\u{2066}"),
        ];
        for (input, expected) in cases {
            assert_eq!(visible(input), expected, "visible({input:?})");
        }
    }

    #[test]
    fn a_comment_is_one_line_whatever_it_holds() {
        let line = comment("add column public.t.\"x\nDROP TABLE public.victim; --\"\r*/");
        assert_eq!(line.lines().count(), 1);
        assert!(line.starts_with("-- add column"));
        assert!(!line.contains(['\n', '\r']));
    }
}
