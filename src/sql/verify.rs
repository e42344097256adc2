//! Checks that text said to be deparsed by PostgreSQL has the shape the
//! server would have given it, before it is copied into a script.
//!
//! A catalog read from a live server holds what the server printed. A
//! snapshot file holds whatever its author wrote: a view "definition" of
//! `SELECT 1; DROP TABLE users` would otherwise be copied into the script
//! verbatim and run. Each definition is taken apart by the lexer and must
//! be one statement (or one fragment) of the kind its field holds: no
//! statement separator outside literals (but those of a `BEGIN ATOMIC`
//! body), no comment, no psql meta-command, nothing unterminated, no
//! unbalanced bracket.

use super::lex::{Token, TokenKind, tokenize};

/// What a piece of deparsed text must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A fragment inside a statement: an expression, a constraint's body, a
    /// type, an argument list.
    Fragment,
    /// A fragment that starts with these words (`PRIMARY KEY`, `CHECK` …).
    FragmentStarting(&'static [&'static str]),
    /// A query, as `pg_get_viewdef` prints it: it may end with one `;`.
    Query,
    /// One statement starting with one of these word sequences, as
    /// `pg_get_indexdef` or `pg_get_triggerdef` print them.
    Statement(&'static [&'static [&'static str]]),
    /// `CREATE OR REPLACE FUNCTION|PROCEDURE …`, whose SQL-standard body
    /// (`BEGIN ATOMIC … END`) may hold statements of its own.
    Routine,
    /// `CREATE RULE …`, whose list of actions (`DO ( … ; … )`) holds
    /// statements of its own, separated inside its brackets.
    Rule,
    /// An operator's symbol, which statements write unquoted: operator
    /// characters only. The check every shape has refuses `--` and `/*`
    /// in it, which would start a comment (PostgreSQL refuses both in a
    /// name too).
    Operator,
}

/// The shape of `CREATE [UNIQUE] INDEX`.
pub const INDEX: Shape = Shape::Statement(&[&["CREATE", "INDEX"], &["CREATE", "UNIQUE", "INDEX"]]);
/// The shape of `CREATE [CONSTRAINT] TRIGGER`.
pub const TRIGGER: Shape =
    Shape::Statement(&[&["CREATE", "TRIGGER"], &["CREATE", "CONSTRAINT", "TRIGGER"]]);

/// Checks `text` against `shape`; the error says what is wrong.
pub fn check(text: &str, shape: Shape) -> Result<(), String> {
    if text.contains('\0') {
        return Err("it holds a NUL character".into());
    }
    let tokens = tokenize(text);
    let mut previous_end = 0;
    for token in &tokens {
        let gap = &text[previous_end..token.start];
        if !gap.chars().all(char::is_whitespace) {
            return Err("it holds a comment".into());
        }
        if !closed(token) {
            return Err(format!("{} is not terminated", describe(token)));
        }
        if token.is("\\") {
            return Err("it holds a backslash outside quotes (a psql meta-command)".into());
        }
        previous_end = token.end();
    }
    if !text[previous_end..].chars().all(char::is_whitespace) {
        return Err("it holds a comment".into());
    }
    balanced(&tokens)?;
    let words: Vec<&Token> = tokens.iter().collect();
    let starts = |sequence: &[&str]| {
        sequence.len() <= words.len()
            && sequence
                .iter()
                .zip(&words)
                .all(|(word, token)| is_word(token, word))
    };
    let separators = |tokens: &[&Token]| tokens.iter().filter(|t| t.is(";")).count();
    match shape {
        Shape::Fragment => no_separator(separators(&words)),
        Shape::FragmentStarting(start) => {
            no_separator(separators(&words))?;
            expect_start(starts(start), &[start])
        }
        Shape::Statement(starts_with) => {
            no_separator(separators(&words))?;
            expect_start(starts_with.iter().any(|s| starts(s)), starts_with)
        }
        Shape::Query => {
            let body = match words.last() {
                Some(last) if last.is(";") => &words[..words.len() - 1],
                _ => &words[..],
            };
            no_separator(separators(body))?;
            let first = body.first().map(|t| t.text.to_ascii_uppercase());
            match first.as_deref() {
                Some("SELECT" | "WITH" | "VALUES" | "TABLE" | "(") => Ok(()),
                _ => Err("it is not a query (SELECT, WITH, VALUES or TABLE)".into()),
            }
        }
        Shape::Operator => operator(text),
        Shape::Rule => {
            expect_start(starts(&["CREATE", "RULE"]), &[&["CREATE", "RULE"]])?;
            let mut depth = 0usize;
            let mut outside = 0;
            for token in &words {
                if token.is("(") {
                    depth += 1;
                } else if token.is(")") {
                    depth = depth.saturating_sub(1);
                } else if token.is(";") && depth == 0 {
                    outside += 1;
                }
            }
            no_separator(outside)
        }
        Shape::Routine => {
            expect_start(
                starts(&["CREATE", "OR", "REPLACE", "FUNCTION"])
                    || starts(&["CREATE", "OR", "REPLACE", "PROCEDURE"]),
                &[
                    &["CREATE", "OR", "REPLACE", "FUNCTION"],
                    &["CREATE", "OR", "REPLACE", "PROCEDURE"],
                ],
            )?;
            atomic_body(&words)
        }
    }
}

/// Checks an operator's symbol (see [`Shape::Operator`]).
fn operator(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(other) = text.chars().find(|c| !"+-*/<>=~!@#%^&|`?".contains(*c)) {
        return Err(format!("it holds {other:?}, which no operator's name can"));
    }
    Ok(())
}

fn no_separator(count: usize) -> Result<(), String> {
    match count {
        0 => Ok(()),
        _ => Err("it holds more than one statement (a `;` outside quotes)".into()),
    }
}

fn expect_start(found: bool, expected: &[&[&str]]) -> Result<(), String> {
    if found {
        return Ok(());
    }
    let expected: Vec<String> = expected.iter().map(|words| words.join(" ")).collect();
    Err(format!("it does not start with {}", expected.join(" or ")))
}

/// A routine's statement separators may only stand inside its
/// `BEGIN ATOMIC … END` body, whose `END` ends the text. Inside the body,
/// `CASE … END` nests; any other `END` closes it.
fn atomic_body(words: &[&Token]) -> Result<(), String> {
    let begin = words
        .windows(2)
        .position(|pair| is_word(pair[0], "BEGIN") && is_word(pair[1], "ATOMIC"));
    let Some(begin) = begin else {
        return no_separator(words.iter().filter(|t| t.is(";")).count());
    };
    if words[..begin].iter().any(|t| t.is(";")) {
        return no_separator(1);
    }
    let mut depth = 0usize;
    for (i, token) in words.iter().enumerate().skip(begin + 2) {
        if is_word(token, "CASE") {
            depth += 1;
        } else if is_word(token, "END") {
            if depth == 0 {
                return match i + 1 == words.len() {
                    true => Ok(()),
                    false => Err("it goes on after the END of its BEGIN ATOMIC body".into()),
                };
            }
            depth -= 1;
        }
    }
    Err("its BEGIN ATOMIC body has no END".into())
}

/// Brackets close in the order they open, and all of them do.
fn balanced(tokens: &[Token]) -> Result<(), String> {
    let mut open = Vec::new();
    for token in tokens.iter().filter(|t| t.kind == TokenKind::Punct) {
        match token.text {
            "(" | "[" => open.push(token.text),
            ")" | "]" => {
                let expected = if token.text == ")" { "(" } else { "[" };
                if open.pop() != Some(expected) {
                    return Err(format!("it closes a `{}` it did not open", token.text));
                }
            }
            _ => {}
        }
    }
    match open.last() {
        None => Ok(()),
        Some(bracket) => Err(format!("a `{bracket}` is not closed")),
    }
}

/// True when a literal or quoted name ends where the lexer stopped it,
/// rather than running to the end of the text.
fn closed(token: &Token) -> bool {
    let text = token.text;
    match token.kind {
        TokenKind::Word | TokenKind::Punct => true,
        TokenKind::Quoted => quoted_closed(text, '"'),
        TokenKind::Literal if text.starts_with('$') => {
            let tag_end = text[1..].find('$').map_or(0, |i| i + 2);
            let tag = &text[..tag_end];
            tag_end > 0 && text.len() >= 2 * tag.len() && text.ends_with(tag)
        }
        TokenKind::Literal if text.starts_with('\'') => quoted_closed(text, '\''),
        TokenKind::Literal => escaped_closed(&text[1..]),
    }
}

/// `"…"` or `'…'` whose inner quotes all come doubled.
fn quoted_closed(text: &str, quote: char) -> bool {
    let inner = text
        .strip_prefix(quote)
        .and_then(|rest| rest.strip_suffix(quote));
    inner.is_some_and(|inner| {
        let doubled = format!("{quote}{quote}");
        !inner.replace(&doubled, "").contains(quote)
    })
}

/// `'…'` with backslash escapes (the text of `E'…'` after the `E`).
fn escaped_closed(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('\'') else {
        return false;
    };
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
            }
            '\'' => return chars.next().is_none(),
            _ => {}
        }
    }
    false
}

/// True for a word that is `word`, in any case.
fn is_word(token: &Token, word: &str) -> bool {
    token.kind == TokenKind::Word && token.text.eq_ignore_ascii_case(word)
}

fn describe(token: &Token) -> &'static str {
    match token.kind {
        TokenKind::Quoted => "a quoted name",
        _ => "a string literal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PK: Shape = Shape::FragmentStarting(&["PRIMARY", "KEY"]);

    #[test]
    fn what_servers_print_passes() {
        let cases = [
            ("character varying(16)", Shape::Fragment),
            ("\"My Schema\".\"Mood \"\"Type\"\"\"[]", Shape::Fragment),
            ("'it''s'::text", Shape::Fragment),
            (
                "nextval('public.\"seq.with.dots\"'::regclass)",
                Shape::Fragment,
            ),
            ("PRIMARY KEY (id)", PK),
            (
                "CHECK ((quantity > 0))",
                Shape::FragmentStarting(&["CHECK"]),
            ),
            (
                "CREATE INDEX orders_open_idx ON public.orders USING btree (created_at) WHERE (status = ANY (ARRAY['pending'::public.order_status]))",
                INDEX,
            ),
            (
                "CREATE TRIGGER t BEFORE UPDATE ON public.o FOR EACH ROW EXECUTE FUNCTION public.f()",
                TRIGGER,
            ),
            (" SELECT o.id\n   FROM public.orders o;", Shape::Query),
            (
                "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE plpgsql\nAS $function$ begin return 1; end $function$\n",
                Shape::Routine,
            ),
            (
                "CREATE OR REPLACE FUNCTION public.d(p integer)\n RETURNS void\n LANGUAGE sql\nBEGIN ATOMIC\n UPDATE public.p SET a = CASE WHEN true THEN 1 ELSE 2 END;\n SELECT 1;\nEND\n",
                Shape::Routine,
            ),
            ("\"x\n-- */ \\! ;\"", Shape::Fragment),
            ("E'a\\'b'", Shape::Fragment),
            ("<->>", Shape::Operator),
            ("@#@", Shape::Operator),
            ("!", Shape::Operator),
        ];
        for (text, shape) in cases {
            assert_eq!(check(text, shape), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        let cases = [
            (
                "1; DROP TABLE users",
                Shape::Fragment,
                "more than one statement",
            ),
            ("1 -- rest of the line", Shape::Fragment, "comment"),
            ("1 /* x */", Shape::Fragment, "comment"),
            ("1\n\\! rm -rf /", Shape::Fragment, "backslash"),
            ("'open", Shape::Fragment, "not terminated"),
            ("\"open", Shape::Fragment, "not terminated"),
            ("$f$ open", Shape::Fragment, "not terminated"),
            ("E'open\\'", Shape::Fragment, "not terminated"),
            ("(1))", Shape::Fragment, "closes"),
            ("((1)", Shape::Fragment, "not closed"),
            ("1\0", Shape::Fragment, "NUL"),
            ("UNIQUE (id)", PK, "does not start with PRIMARY KEY"),
            ("DROP INDEX x", INDEX, "does not start with CREATE INDEX"),
            (
                " SELECT 1; DROP TABLE users;",
                Shape::Query,
                "more than one statement",
            ),
            ("DELETE FROM users", Shape::Query, "not a query"),
            (
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; DROP TABLE users",
                Shape::Routine,
                "goes on after the END",
            ),
            (
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ x $$; DROP TABLE users",
                Shape::Routine,
                "more than one statement",
            ),
            ("DROP TABLE users", Shape::Routine, "does not start with"),
            (
                "= ; DROP TABLE users",
                Shape::Operator,
                "no operator's name",
            ),
            ("\"=\"", Shape::Operator, "no operator's name"),
            ("=--", Shape::Operator, "comment"),
            ("=/**/", Shape::Operator, "comment"),
            ("", Shape::Operator, "empty"),
        ];
        for (text, shape, reason) in cases {
            let error = check(text, shape).expect_err(text);
            assert!(error.contains(reason), "{text:?}: {error}");
        }
    }
}
