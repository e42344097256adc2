//! Reading the parts pgrift needs out of definitions PostgreSQL deparsed
//! itself (`pg_get_constraintdef`, `pg_get_indexdef`).
//!
//! This is not a SQL parser: it understands exactly the shapes the server
//! prints, with quoted identifiers, string literals and balanced
//! parentheses, and answers `None` for anything else. The risk rules use it
//! to find the columns of a key and the table a foreign key references, and
//! the probes to measure them.

use super::ServerSql;
use crate::names::QualName;

/// The kind of a table constraint, as its definition starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintDefKind {
    Check,
    Unique,
    PrimaryKey,
    ForeignKey,
    Exclusion,
}

impl ConstraintDefKind {
    /// Reads the kind from the first words of a constraint definition.
    pub fn of(definition: &str) -> Option<ConstraintDefKind> {
        let words = words(definition, 2);
        match (
            words.first().map(String::as_str),
            words.get(1).map(String::as_str),
        ) {
            (Some("CHECK"), _) => Some(ConstraintDefKind::Check),
            (Some("UNIQUE"), _) => Some(ConstraintDefKind::Unique),
            (Some("PRIMARY"), Some("KEY")) => Some(ConstraintDefKind::PrimaryKey),
            (Some("FOREIGN"), Some("KEY")) => Some(ConstraintDefKind::ForeignKey),
            (Some("EXCLUDE"), _) => Some(ConstraintDefKind::Exclusion),
            _ => None,
        }
    }

    /// The noun a message uses.
    pub fn noun(self) -> &'static str {
        match self {
            ConstraintDefKind::Check => "check constraint",
            ConstraintDefKind::Unique => "unique constraint",
            ConstraintDefKind::PrimaryKey => "primary key",
            ConstraintDefKind::ForeignKey => "foreign key",
            ConstraintDefKind::Exclusion => "exclusion constraint",
        }
    }
}

/// The columns of a `UNIQUE` or `PRIMARY KEY` constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDef {
    pub primary: bool,
    pub columns: Vec<String>,
    /// False for `UNIQUE NULLS NOT DISTINCT`, where rows with NULLs collide.
    pub nulls_distinct: bool,
}

/// The parts of a `FOREIGN KEY` constraint a probe needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyDef {
    pub columns: Vec<String>,
    pub referenced: QualName,
    pub referenced_columns: Vec<String>,
    /// `MATCH FULL`: a row with some but not all key columns NULL violates.
    pub match_full: bool,
}

/// The parts of a `CREATE INDEX` statement a probe needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub unique: bool,
    pub table: QualName,
    /// The key columns, when every key is a plain column (no expression,
    /// operator class or collation); `None` otherwise.
    pub columns: Option<Vec<String>>,
    pub nulls_distinct: bool,
    /// The predicate of a partial index, without `WHERE`.
    pub predicate: Option<ServerSql>,
}

/// Reads `UNIQUE [NULLS NOT DISTINCT] (a, b)` or `PRIMARY KEY (a, b)`.
pub fn key(definition: &str) -> Option<KeyDef> {
    let tokens = lex(definition)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
    };
    let primary = if p.word("PRIMARY") {
        p.expect_word("KEY")?;
        true
    } else {
        p.expect_word("UNIQUE")?;
        false
    };
    let nulls_distinct = !(p.word("NULLS") && p.word("NOT") && p.word("DISTINCT"));
    let columns = p.ident_list()?;
    Some(KeyDef {
        primary,
        columns,
        nulls_distinct,
    })
}

/// Reads `FOREIGN KEY (a) REFERENCES s.t(b) [MATCH FULL] …`.
pub fn foreign_key(definition: &str) -> Option<ForeignKeyDef> {
    let tokens = lex(definition)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
    };
    p.expect_word("FOREIGN")?;
    p.expect_word("KEY")?;
    let columns = p.ident_list()?;
    p.expect_word("REFERENCES")?;
    let referenced = p.qualified_name()?;
    let referenced_columns = p.ident_list()?;
    let mut match_full = false;
    while let Some(token) = p.next() {
        if token.is_word("MATCH") && p.word("FULL") {
            match_full = true;
        }
    }
    (columns.len() == referenced_columns.len()).then_some(ForeignKeyDef {
        columns,
        referenced,
        referenced_columns,
        match_full,
    })
}

/// The expression of `CHECK ((expr)) [NO INHERIT]`, with the parentheses
/// the server always prints around it.
pub fn check_expression(definition: &str) -> Option<ServerSql> {
    let tokens = lex(definition)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
    };
    p.expect_word("CHECK")?;
    let (start, end) = p.parenthesised()?;
    Some(ServerSql(definition[start..end].trim().to_owned()))
}

/// `pg_get_indexdef` prints the index of a partitioned table as `ON ONLY
/// parent`, which creates the parent's index alone, invalid until an index
/// of every partition is attached to it. The definition pgrift writes
/// leaves `ONLY` out, so that PostgreSQL builds each partition's index, or
/// attaches one the partition already has.
pub fn index_on_partitions(definition: &str) -> String {
    let Some(tokens) = lex(definition) else {
        return definition.to_owned();
    };
    let unique = usize::from(tokens.get(1).is_some_and(|t| t.is_word("UNIQUE")));
    // CREATE [UNIQUE] INDEX name ON ONLY …
    let at = 4 + unique;
    match (tokens.get(at - 1), tokens.get(at), tokens.get(at + 1)) {
        (Some(on), Some(only), Some(next)) if on.is_word("ON") && only.is_word("ONLY") => {
            format!("{}{}", &definition[..only.start], &definition[next.start..])
        }
        _ => definition.to_owned(),
    }
}

/// Reads a `CREATE [UNIQUE] INDEX` statement as `pg_get_indexdef` prints it.
pub fn index(definition: &str) -> Option<IndexDef> {
    let tokens = lex(definition)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
    };
    p.expect_word("CREATE")?;
    let unique = p.word("UNIQUE");
    p.expect_word("INDEX")?;
    p.next()?; // The index's own name, unqualified.
    p.expect_word("ON")?;
    p.word("ONLY");
    let table = p.qualified_name()?;
    p.expect_word("USING")?;
    p.next()?; // The access method.
    let (start, end) = p.parenthesised()?;
    let columns = plain_columns(&definition[start..end]);
    let mut nulls_distinct = true;
    let mut predicate = None;
    while let Some(token) = p.next() {
        if token.is_word("NULLS") && p.word("NOT") && p.word("DISTINCT") {
            nulls_distinct = false;
        } else if token.is_word("WHERE") {
            let rest = definition[token.end..].trim();
            predicate = Some(ServerSql(rest.to_owned()));
            break;
        } else if token.is_punct('(') {
            p.skip_to_close()?;
        }
    }
    Some(IndexDef {
        unique,
        table,
        columns,
        nulls_distinct,
        predicate,
    })
}

/// The key list of an index when each key is a plain column, optionally
/// with a sort order, which does not change what counts as a duplicate.
fn plain_columns(list: &str) -> Option<Vec<String>> {
    let tokens = lex(list)?;
    let mut columns = Vec::new();
    let mut current: Option<String> = None;
    for token in &tokens {
        match &token.kind {
            Kind::Punct(',') => columns.push(current.take()?),
            Kind::Word(w) if current.is_some() => {
                if !matches!(w.as_str(), "ASC" | "DESC" | "NULLS" | "FIRST" | "LAST") {
                    return None;
                }
            }
            Kind::Word(w) if is_bare_identifier(w) => current = Some(w.clone()),
            Kind::Quoted(name) if current.is_none() => current = Some(name.clone()),
            _ => return None,
        }
    }
    columns.push(current?);
    Some(columns)
}

/// An unquoted name as the server prints one: lower case, digits, `_`, `$`.
fn is_bare_identifier(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
}

/// The first `n` words of a definition, for telling its kind.
fn words(definition: &str, n: usize) -> Vec<String> {
    lex(definition)
        .unwrap_or_default()
        .into_iter()
        .take(n)
        .filter_map(|t| match t.kind {
            Kind::Word(w) => Some(w),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// An unquoted word: a keyword or a bare identifier, as printed.
    Word(String),
    /// A double-quoted identifier, unquoted.
    Quoted(String),
    /// A string literal, or any other token that only needs skipping.
    Other,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    fn is_word(&self, word: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w == word)
    }

    fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// Splits deparsed SQL into tokens. `None` on an unterminated quote.
fn lex(text: &str) -> Option<Vec<Token>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c == b'"' || c == b'\'' {
            // Both quote characters escape themselves by doubling.
            let mut value = Vec::new();
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return None,
                    Some(&q) if q == c && bytes.get(i + 1) == Some(&c) => {
                        value.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&b) => {
                        value.push(b);
                        i += 1;
                    }
                }
            }
            if c == b'"' {
                Kind::Quoted(String::from_utf8(value).ok()?)
            } else {
                Kind::Other
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            Kind::Word(text[start..i].to_owned())
        } else {
            i += 1;
            Kind::Punct(c as char)
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Some(tokens)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Option<&'a Token> {
        let token = self.tokens.get(self.at)?;
        self.at += 1;
        Some(token)
    }

    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.at)
    }

    /// Takes the word if it comes next.
    fn word(&mut self, word: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_word(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, word: &str) -> Option<()> {
        self.word(word).then_some(())
    }

    fn punct(&mut self, c: char) -> bool {
        if self.peek().is_some_and(|t| t.is_punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        match &self.next()?.kind {
            Kind::Word(w) if is_bare_identifier(w) => Some(w.clone()),
            Kind::Quoted(name) => Some(name.clone()),
            _ => None,
        }
    }

    /// `schema.name`; the server qualifies every name it prints with an
    /// empty `search_path`.
    fn qualified_name(&mut self) -> Option<QualName> {
        let schema = self.ident()?;
        if !self.punct('.') {
            return None;
        }
        let name = self.ident()?;
        Some(QualName::new(schema, name))
    }

    /// `(a, "B", c)`.
    fn ident_list(&mut self) -> Option<Vec<String>> {
        if !self.punct('(') {
            return None;
        }
        let mut names = vec![self.ident()?];
        loop {
            if self.punct(')') {
                return Some(names);
            }
            if !self.punct(',') {
                return None;
            }
            names.push(self.ident()?);
        }
    }

    /// The byte range inside the next balanced pair of parentheses.
    fn parenthesised(&mut self) -> Option<(usize, usize)> {
        let open = self.next()?;
        if !open.is_punct('(') {
            return None;
        }
        let start = open.end;
        let end = self.skip_to_close()?;
        Some((start, end))
    }

    /// Skips past the parenthesis that closes one already taken; returns
    /// where the closing one starts.
    fn skip_to_close(&mut self) -> Option<usize> {
        let mut depth = 1;
        while let Some(token) = self.next() {
            if token.is_punct('(') {
                depth += 1;
            } else if token.is_punct(')') {
                depth -= 1;
                if depth == 0 {
                    return Some(token.start);
                }
            }
        }
        None
    }
}

/// What a function's definition (`pg_get_functiondef`) says about whose
/// rights it runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSecurity {
    /// `SECURITY DEFINER`: it runs with its owner's rights.
    pub definer: bool,
    /// `SET search_path …`: it resolves names the same way whoever calls
    /// it.
    pub search_path: bool,
}

/// Reads the options of a function's definition, the words between its
/// signature and its body (`AS …`, `BEGIN ATOMIC …`, `RETURN …`), outside
/// any parentheses; `None` for a text that is not a `CREATE` statement.
pub fn function_security(definition: &str) -> Option<FunctionSecurity> {
    let tokens = super::lex::tokenize(definition);
    if !tokens.first()?.text.eq_ignore_ascii_case("CREATE") {
        return None;
    }
    let mut security = FunctionSecurity {
        definer: false,
        search_path: false,
    };
    let mut depth = 0usize;
    let word = |t: Option<&super::lex::Token<'_>>, w: &str| {
        t.is_some_and(|t| t.kind == super::lex::TokenKind::Word && t.text.eq_ignore_ascii_case(w))
    };
    for (i, token) in tokens.iter().enumerate() {
        match token.text {
            "(" if token.kind == super::lex::TokenKind::Punct => depth += 1,
            ")" if token.kind == super::lex::TokenKind::Punct => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ if word(Some(token), "AS")
                || word(Some(token), "BEGIN")
                || word(Some(token), "RETURN") =>
            {
                break;
            }
            _ if word(Some(token), "SECURITY") && word(tokens.get(i + 1), "DEFINER") => {
                security.definer = true;
            }
            _ if word(Some(token), "SET")
                && tokens.get(i + 1).is_some_and(|t| {
                    t.is_name() && t.text.trim_matches('"').eq_ignore_ascii_case("search_path")
                }) =>
            {
                security.search_path = true;
            }
            _ => {}
        }
    }
    Some(security)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_kinds() {
        let cases = [
            ("CHECK ((a > 0))", Some(ConstraintDefKind::Check)),
            ("UNIQUE (a)", Some(ConstraintDefKind::Unique)),
            ("PRIMARY KEY (id)", Some(ConstraintDefKind::PrimaryKey)),
            (
                "FOREIGN KEY (a) REFERENCES public.t(id)",
                Some(ConstraintDefKind::ForeignKey),
            ),
            (
                "EXCLUDE USING gist (r WITH &&)",
                Some(ConstraintDefKind::Exclusion),
            ),
            ("NOT NULL a", None),
        ];
        for (definition, expected) in cases {
            assert_eq!(ConstraintDefKind::of(definition), expected, "{definition}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(
            key("UNIQUE (email, \"Tenant Id\") INCLUDE (x)"),
            Some(KeyDef {
                primary: false,
                columns: vec!["email".into(), "Tenant Id".into()],
                nulls_distinct: true,
            })
        );
        assert_eq!(
            key("UNIQUE NULLS NOT DISTINCT (code)").map(|k| k.nulls_distinct),
            Some(false)
        );
        assert_eq!(
            key("PRIMARY KEY (id)").map(|k| (k.primary, k.columns)),
            Some((true, vec!["id".to_owned()]))
        );
        assert_eq!(key("CHECK ((a > 0))"), None);
    }

    #[test]
    fn foreign_keys() {
        let fk = foreign_key(
            "FOREIGN KEY (a, \"B\") REFERENCES \"My Schema\".parent(x, y) MATCH FULL ON DELETE CASCADE",
        );
        assert_eq!(
            fk,
            Some(ForeignKeyDef {
                columns: vec!["a".into(), "B".into()],
                referenced: QualName::new("My Schema", "parent"),
                referenced_columns: vec!["x".into(), "y".into()],
                match_full: true,
            })
        );
        let fk =
            foreign_key("FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL");
        assert_eq!(fk.map(|f| f.match_full), Some(false));
    }

    #[test]
    fn check_expressions() {
        assert_eq!(
            check_expression("CHECK ((price >= (0)::numeric)) NO INHERIT"),
            Some(ServerSql("(price >= (0)::numeric)".into()))
        );
        assert_eq!(
            check_expression("CHECK ((note <> ')'::text))"),
            Some(ServerSql("(note <> ')'::text)".into()))
        );
        assert_eq!(check_expression("UNIQUE (a)"), None);
    }

    #[test]
    fn function_security_reads_the_options_not_the_body() {
        let check = |definition: &str, definer, search_path| {
            assert_eq!(
                function_security(definition),
                Some(FunctionSecurity {
                    definer,
                    search_path
                }),
                "{definition}"
            );
        };
        check(
            "CREATE OR REPLACE FUNCTION public.f(i integer DEFAULT 1)\n RETURNS integer\n \
             LANGUAGE sql\n SECURITY DEFINER\n SET search_path TO 'pg_catalog', 'pg_temp'\n\
             AS $function$SELECT 1$function$\n",
            true,
            true,
        );
        check(
            "CREATE OR REPLACE FUNCTION \"security\".definer(\"SET\" text)\n RETURNS text\n \
             LANGUAGE plpgsql\n SECURITY DEFINER\nAS $function$BEGIN SET search_path TO x; \
             RETURN 'SECURITY DEFINER'; END$function$\n",
            true,
            false,
        );
        check(
            "CREATE OR REPLACE FUNCTION public.g()\n RETURNS integer\n LANGUAGE sql\n\
             BEGIN ATOMIC\n SELECT 1;\nEND\n",
            false,
            false,
        );
        assert_eq!(function_security("SELECT 1"), None);
    }

    #[test]
    fn indexes() {
        let def = index(
            "CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email DESC NULLS LAST, tenant) WHERE (deleted_at IS NULL)",
        );
        assert_eq!(
            def,
            Some(IndexDef {
                unique: true,
                table: QualName::new("public", "users"),
                columns: Some(vec!["email".into(), "tenant".into()]),
                nulls_distinct: true,
                predicate: Some(ServerSql("(deleted_at IS NULL)".into())),
            })
        );
        let def = index("CREATE INDEX i ON ONLY public.t USING btree (lower(name))").unwrap();
        assert_eq!(
            index_on_partitions(
                r#"CREATE UNIQUE INDEX "ON ONLY" ON ONLY public.t USING btree (a)"#
            ),
            r#"CREATE UNIQUE INDEX "ON ONLY" ON public.t USING btree (a)"#
        );
        assert_eq!(
            index_on_partitions("CREATE INDEX i ON public.only USING btree (a)"),
            "CREATE INDEX i ON public.only USING btree (a)"
        );
        assert!(!def.unique);
        assert_eq!(def.columns, None);
        let def = index(
            "CREATE UNIQUE INDEX i ON public.t USING btree (code) INCLUDE (x) NULLS NOT DISTINCT",
        )
        .unwrap();
        assert!(!def.nulls_distinct);
        assert_eq!(def.predicate, None);
        let def = index("CREATE INDEX i ON public.t USING btree (name text_pattern_ops)").unwrap();
        assert_eq!(def.columns, None);
    }
}
