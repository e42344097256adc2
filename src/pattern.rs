//! Name patterns as `pg_dump` and `psql` read them (`-n`, `-N`, `-t`):
//! `*` matches any run of characters, `?` any one; outside double quotes
//! letters are folded to lower case and `.` separates the schema from the
//! name; inside double quotes every character stands for itself (`""` for
//! a double quote). No IO.

/// One part of a pattern: a character to match exactly, or a wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Char(char),
    Any,
    One,
}

/// A pattern for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern(Vec<Piece>);

impl NamePattern {
    /// True when the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        glob(&self.0, &name)
    }
}

/// A pattern for a schema, or for an object with an optional schema part
/// (`public.users`, `*.audit_*`, `users`: any schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub schema: Option<NamePattern>,
    pub name: NamePattern,
}

impl Pattern {
    /// Reads a pattern; fails on an unterminated quote or more than two
    /// dotted parts, naming the pattern.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let mut parts = vec![Vec::new()];
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            let part = parts.last_mut().expect("there is always a part");
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    part.push(Piece::Char('"'));
                }
                ('"', _) => quoted = !quoted,
                (c, true) => part.push(Piece::Char(c)),
                ('.', false) => parts.push(Vec::new()),
                ('*', false) => part.push(Piece::Any),
                ('?', false) => part.push(Piece::One),
                (c, false) => part.extend(c.to_lowercase().map(Piece::Char)),
            }
        }
        if quoted {
            return Err(format!("{text:?}: a double quote is not closed"));
        }
        let mut parts = parts.into_iter().map(NamePattern);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(name), None, None) => Ok(Pattern { schema: None, name }),
            (Some(schema), Some(name), None) => Ok(Pattern {
                schema: Some(schema),
                name,
            }),
            _ => Err(format!(
                "{text:?}: a pattern is a name or schema.name, with at most one dot outside double quotes"
            )),
        }
    }

    /// For a schema pattern: whether it names `schema`.
    pub fn matches_schema(&self, schema: &str) -> bool {
        self.schema.is_none() && self.name.matches(schema)
    }

    /// For an object pattern: whether it names `name` in `schema`.
    pub fn matches_object(&self, schema: &str, name: &str) -> bool {
        self.schema.as_ref().is_none_or(|s| s.matches(schema)) && self.name.matches(name)
    }
}

/// Splits a dotted name as `pg_dump` reads one, without wildcards
/// (`public."Users".email`): outside double quotes letters are folded to
/// lower case and `.` separates the parts; inside them every character
/// stands for itself (`""` for a double quote). Reading stops at the first
/// `stop` outside quotes; returns the parts and the rest after it, if
/// there was one. Fails on an unterminated quote or an empty part.
pub fn split_names(text: &str, stop: char) -> Result<(Vec<String>, Option<&str>), String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut rest = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let part = parts.last_mut().expect("there is always a part");
        match (c, quoted) {
            ('"', true) if chars.peek().map(|(_, c)| *c) == Some('"') => {
                chars.next();
                part.push('"');
            }
            ('"', _) => quoted = !quoted,
            (c, true) => part.push(c),
            (c, false) if c == stop => {
                rest = Some(&text[i + c.len_utf8()..]);
                break;
            }
            ('.', false) => parts.push(String::new()),
            (c, false) => part.extend(c.to_lowercase()),
        }
    }
    if quoted {
        return Err(format!("{text:?}: a double quote is not closed"));
    }
    if parts.iter().any(String::is_empty) {
        return Err(format!(
            "{text:?}: a name is empty (names are separated by one dot)"
        ));
    }
    Ok((parts, rest))
}

/// Whether `pieces` match all of `name`: the classic two-pointer glob, in
/// time linear in the product of the lengths at worst.
fn glob(pieces: &[Piece], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pieces.get(p) {
            Some(Piece::Char(c)) if *c == name[n] => {
                p += 1;
                n += 1;
            }
            Some(Piece::One) => {
                p += 1;
                n += 1;
            }
            Some(Piece::Any) => {
                star = Some((p, n));
                p += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pieces[p..].iter().all(|piece| *piece == Piece::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_split_as_pg_dump_reads_them() {
        let split = |text| split_names(text, '=');
        assert_eq!(
            split("Public.\"Users\".Email=x"),
            Ok((
                vec!["public".into(), "Users".into(), "email".into()],
                Some("x")
            ))
        );
        assert_eq!(
            split("\"a.b=c\"\"d\".e"),
            Ok((vec!["a.b=c\"d".into(), "e".into()], None))
        );
        assert!(split("\"\"").is_err());
        assert!(split("a..b").is_err());
        assert!(split("a.").is_err());
        assert!(split("\"a").is_err());
        assert!(split("").is_err());
    }

    fn object(pattern: &str, schema: &str, name: &str) -> bool {
        Pattern::parse(pattern)
            .expect("a pattern")
            .matches_object(schema, name)
    }

    #[test]
    fn wildcards_case_and_quotes_read_as_pg_dump_reads_them() {
        assert!(object("public.users", "public", "users"));
        assert!(object("users", "audit", "users"));
        assert!(object("PUBLIC.Users", "public", "users"));
        assert!(!object("public.users", "public", "Users"));
        assert!(object("public.\"Users\"", "public", "Users"));
        assert!(object("*.audit_*", "app", "audit_log"));
        assert!(!object("*.audit_*", "app", "audits"));
        assert!(object("app.t?", "app", "t1"));
        assert!(!object("app.t?", "app", "t12"));
        assert!(object("\"a.b*\".x", "a.b*", "x"));
        assert!(!object("\"a.b*\".x", "a.bc", "x"));
        assert!(object("\"say \"\"hi\"\"\"", "s", "say \"hi\""));
        assert!(object("é*", "s", "étude"));
        assert!(Pattern::parse("\"open").is_err());
        assert!(Pattern::parse("a.b.c").is_err());
    }

    #[test]
    fn a_schema_pattern_has_no_dot() {
        let p = Pattern::parse("tenant_*").expect("a pattern");
        assert!(p.matches_schema("tenant_42"));
        assert!(!p.matches_schema("public"));
        assert!(
            !Pattern::parse("a.b")
                .expect("a pattern")
                .matches_schema("b")
        );
    }
}
