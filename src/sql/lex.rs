//! A small lexer for SQL that PostgreSQL deparsed: enough to tell keywords
//! and names from string literals, quoted names and comments, and to know
//! where each token is. It does not parse.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword, an unquoted name or a number.
    Word,
    /// A name in double quotes, quotes included.
    Quoted,
    /// A string literal (`'…'`, `E'…'`, `$tag$…$tag$`), quotes included.
    Literal,
    /// `::`, or any other single character.
    Punct,
}

/// One token: its kind, its text and where that text starts (in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub start: usize,
}

impl Token<'_> {
    /// The byte offset just after the token.
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// True for a word or punctuation that is exactly `text`.
    pub fn is(&self, text: &str) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::Punct) && self.text == text
    }

    /// True for a name: a word or a quoted name.
    pub fn is_name(&self) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::Quoted)
    }
}

/// Splits SQL into tokens, leaving out whitespace and comments. Words keep
/// their case. An unterminated literal, quoted name or comment runs to the
/// end of the text.
pub fn tokenize(sql: &str) -> Vec<Token<'_>> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let token = |kind, start: usize, end: usize| Token {
        kind,
        text: &sql[start..end],
        start,
    };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = skip_block_comment(bytes, i);
        } else if c == b'\'' {
            i = skip_quoted(bytes, i, b'\'', false);
            tokens.push(token(TokenKind::Literal, start, i));
        } else if c == b'"' {
            i = skip_quoted(bytes, i, b'"', false);
            tokens.push(token(TokenKind::Quoted, start, i));
        } else if c == b'$'
            && let Some(tag) = dollar_tag(bytes, i)
        {
            i = skip_dollar_quoted(bytes, i, tag);
            tokens.push(token(TokenKind::Literal, start, i));
        } else if is_word_byte(c) {
            while i < bytes.len() && (is_word_byte(bytes[i]) || bytes[i] == b'$') {
                i += 1;
            }
            if bytes.get(i) == Some(&b'\'') && sql[start..i].eq_ignore_ascii_case("e") {
                // `E'…'`: backslash escapes.
                i = skip_quoted(bytes, i, b'\'', true);
                tokens.push(token(TokenKind::Literal, start, i));
            } else {
                tokens.push(token(TokenKind::Word, start, i));
            }
        } else if c == b':' && bytes.get(i + 1) == Some(&b':') {
            i += 2;
            tokens.push(token(TokenKind::Punct, start, i));
        } else {
            // One character, which may take several bytes.
            i += sql[i..].chars().next().map_or(1, char::len_utf8);
            tokens.push(token(TokenKind::Punct, start, i));
        }
    }
    tokens
}

/// Splits `tokens` into statements the way PostgreSQL's parser does: each
/// is the range of its tokens, up to and including the `;` that ends it
/// (the last one may have none). Empty statements are left out, since the
/// server does not run them either. A function or procedure with a
/// SQL-standard body (`BEGIN ATOMIC … END`) keeps the semicolons of its
/// body, as psql's own splitting does.
pub fn statements(tokens: &[Token<'_>]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut routine = false;
    for (i, token) in tokens.iter().enumerate() {
        if i == start {
            depth = 0;
            routine = false;
        }
        let word = |w: &str| token.kind == TokenKind::Word && token.text.eq_ignore_ascii_case(w);
        if i < start + 4 && (word("FUNCTION") || word("PROCEDURE")) {
            routine = tokens[start].kind == TokenKind::Word
                && tokens[start].text.eq_ignore_ascii_case("CREATE");
        }
        if routine {
            let next_is_atomic = tokens.get(i + 1).is_some_and(|next| {
                next.kind == TokenKind::Word && next.text.eq_ignore_ascii_case("ATOMIC")
            });
            if (word("BEGIN") && next_is_atomic) || (depth > 0 && word("CASE")) {
                depth += 1;
            } else if depth > 0 && word("END") {
                depth -= 1;
            }
        }
        if token.is(";") && depth == 0 {
            if i > start {
                out.push(start..i + 1);
            }
            start = i + 1;
        }
    }
    if start < tokens.len() {
        out.push(start..tokens.len());
    }
    out
}

/// Letters, digits, `_` and every non-ASCII byte, as PostgreSQL's lexer
/// takes them in names.
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The index after a literal or quoted name starting at `start`. A doubled
/// quote stands for itself; with `escapes`, so does a backslashed one.
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if escapes && bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The index after a block comment starting at `start`; they nest.
fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The dollar-quote tag (`$$`, `$function$`) starting at `start`, if one
/// does; a tag does not start with a digit.
fn dollar_tag(bytes: &[u8], start: usize) -> Option<&[u8]> {
    let mut i = start + 1;
    while i < bytes.len() && is_word_byte(bytes[i]) {
        i += 1;
    }
    let starts_with_digit = bytes.get(start + 1).is_some_and(u8::is_ascii_digit);
    (bytes.get(i) == Some(&b'$') && !starts_with_digit).then(|| &bytes[start..=i])
}

/// The index after the dollar-quoted string starting at `start` with `tag`.
fn skip_dollar_quoted(bytes: &[u8], start: usize, tag: &[u8]) -> usize {
    let body = start + tag.len();
    bytes[body..]
        .windows(tag.len())
        .position(|window| window == tag)
        .map_or(bytes.len(), |at| body + at + tag.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str, expected: &[(TokenKind, &str)]) {
        let actual: Vec<(TokenKind, &str)> =
            tokenize(sql).iter().map(|t| (t.kind, t.text)).collect();
        assert_eq!(actual, expected, "{sql}");
    }

    #[test]
    fn words_names_literals_and_punctuation() {
        use TokenKind::*;
        check(
            "SELECT t.\"Id\", 'it''s'::text AS x -- note\nFROM public.t /* a /* nested */ comment */",
            &[
                (Word, "SELECT"),
                (Word, "t"),
                (Punct, "."),
                (Quoted, "\"Id\""),
                (Punct, ","),
                (Literal, "'it''s'"),
                (Punct, "::"),
                (Word, "text"),
                (Word, "AS"),
                (Word, "x"),
                (Word, "FROM"),
                (Word, "public"),
                (Punct, "."),
                (Word, "t"),
            ],
        );
    }

    #[test]
    fn escapes_and_dollar_quotes() {
        use TokenKind::*;
        check(
            "E'a\\'b' $f$ x $$ y $f$ a$b $1 é",
            &[
                (Literal, "E'a\\'b'"),
                (Literal, "$f$ x $$ y $f$"),
                (Word, "a$b"),
                (Punct, "$"),
                (Word, "1"),
                (Word, "é"),
            ],
        );
        check("'open", &[(Literal, "'open")]);
    }

    #[test]
    fn statements_end_at_semicolons_outside_atomic_bodies() {
        let sql = "CREATE TABLE t (x int);;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql\n\
                   BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n\
                   SELECT ';' -- ;\n; COMMENT ON TABLE t IS 'begin atomic'; SELECT 3";
        let tokens = tokenize(sql);
        let texts: Vec<&str> = statements(&tokens)
            .into_iter()
            .map(|range| &sql[tokens[range.start].start..tokens[range.end - 1].end()])
            .collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE t (x int);",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n\
                 BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;",
                "SELECT ';' -- ;\n;",
                "COMMENT ON TABLE t IS 'begin atomic';",
                "SELECT 3",
            ]
        );
    }

    #[test]
    fn positions_point_into_the_text() {
        let sql = "a  ::\"b\"";
        let tokens = tokenize(sql);
        assert_eq!(tokens[1].start, 3);
        assert_eq!(&sql[tokens[2].start..tokens[2].end()], "\"b\"");
    }
}
