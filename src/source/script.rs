//! What pgrift makes of a `.sql` file before the server sees it: psql's
//! meta-commands are followed or refused, statements the shadow must not
//! run as written are set aside, and the file is cut where something other
//! than the loading role has to act. Pure: the caller reads the files and
//! runs the steps.
//!
//! Whatever is left out of the text the server sees is replaced by spaces
//! (newlines kept, as many bytes as it had), so that the server's error
//! positions still point into the file as written.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::error::SourceError;
use crate::sql::lex::{Token, TokenKind, statements, tokenize};
use crate::sql::{CreateExtension, Ident, Literal, ShadowStmt};

/// A file, ready to run.
#[derive(Debug)]
pub(crate) struct Script {
    /// The file with what the server must not see blanked out.
    pub text: String,
    /// The byte ranges of the statements the loading role runs, in order.
    pub statements: Vec<Range<usize>>,
    /// What to do, in order.
    pub steps: Vec<Step>,
    /// The roles the file names, as the server spells them.
    pub roles: BTreeSet<String>,
    /// What was set aside that the user should hear of: the file's
    /// statements about roles themselves.
    pub notes: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Run these statements (a byte range of [`Script::text`]) as the
    /// loading role.
    Sql(Range<usize>),
    /// `\i` or `\ir`: run another file here; `target` is as written.
    Include { target: String, line: usize },
    /// A statement only a superuser may run (creating an untrusted
    /// extension), at `range` of the text.
    Superuser {
        stmt: ShadowStmt,
        range: Range<usize>,
    },
}

/// What the steps before this file decided, and what the server allows.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    /// The extensions only a superuser may create; empty when the loading
    /// role is a superuser itself.
    pub untrusted: &'a BTreeSet<String>,
    /// The database a `\connect` named: the one the source stands for.
    pub database: Option<String>,
}

/// The psql meta-commands pgrift follows, for the hint of the others.
const FOLLOWED: &str = "pgrift follows \\connect to the source's one database, \\set, \\unset, \
                        \\i, \\ir, \\restrict and \\unrestrict, and refuses every other psql \
                        meta-command; run that part with psql, or take it out of the file";

/// Prepares `text`, the contents of `file`.
///
/// Fails on a psql meta-command pgrift does not follow, and on `\connect`
/// to a second database.
pub(crate) fn prepare(
    file: &Path,
    text: &str,
    cx: &mut Context<'_>,
) -> Result<Script, SourceError> {
    let (text, includes) = follow_meta_commands(file, text, cx)?;
    let tokens = tokenize(&text);
    let mut blanked = Vec::new();
    let mut kept = Vec::new();
    let mut superuser = Vec::new();
    let mut roles = BTreeSet::new();
    let mut role_lines = Vec::new();
    for range in statements(&tokens) {
        let stmt = &tokens[range.clone()];
        let bytes = stmt[0].start..stmt[stmt.len() - 1].end();
        let body = match stmt.split_last() {
            Some((last, body)) if last.is(";") => body,
            _ => stmt,
        };
        let skipped = is_owner_change(body)
            || cx
                .database
                .as_deref()
                .is_some_and(|db| names_database(body, db));
        if skipped {
            blanked.push(bytes);
        } else if let Some(named) = role_statement(body).or_else(|| do_role_statements(body)) {
            role_lines.push(text[..bytes.start].matches('\n').count() + 1);
            blanked.push(bytes);
            roles.extend(named);
        } else if let Some(stmt) = as_superuser(body, cx.untrusted) {
            blanked.push(bytes.clone());
            superuser.push((bytes, stmt));
        } else {
            roles.extend(role_names(body));
            kept.push(bytes);
        }
    }
    let text = blank(&text, &blanked);

    // The steps in the order of the text: runs of kept statements, cut at
    // each include and each statement for the superuser.
    enum Cut {
        Include(String, usize),
        Superuser(ShadowStmt, Range<usize>),
    }
    let mut cuts: Vec<(usize, Cut)> = includes
        .into_iter()
        .map(|(at, target, line)| (at, Cut::Include(target, line)))
        .chain(
            superuser
                .into_iter()
                .map(|(range, stmt)| (range.start, Cut::Superuser(stmt, range))),
        )
        .collect();
    cuts.sort_by_key(|(at, _)| *at);
    let mut steps = Vec::new();
    let mut next = kept.iter().peekable();
    for (at, cut) in cuts {
        push_run(&mut steps, &mut next, at);
        steps.push(match cut {
            Cut::Include(target, line) => Step::Include { target, line },
            Cut::Superuser(stmt, range) => Step::Superuser { stmt, range },
        });
    }
    push_run(&mut steps, &mut next, usize::MAX);
    let notes = if role_lines.is_empty() {
        Vec::new()
    } else {
        let lines: Vec<String> = role_lines.iter().map(ToString::to_string).collect();
        vec![format!(
            "{}: {} statement{} about roles themselves (line{} {}) left out: roles are the \
             cluster's, and a schema file's stand in as NOLOGIN roles without attributes or \
             memberships; --roles compares them between live databases or snapshots taken \
             with --roles",
            file.display(),
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", ")
        )]
    };
    Ok(Script {
        text,
        statements: kept,
        steps,
        roles,
        notes,
    })
}

/// Adds a step for the kept statements that start before `until`.
fn push_run<'a>(
    steps: &mut Vec<Step>,
    next: &mut std::iter::Peekable<impl Iterator<Item = &'a Range<usize>>>,
    until: usize,
) {
    let mut run: Option<Range<usize>> = None;
    while let Some(range) = next.next_if(|range| range.start < until) {
        run = Some(match run {
            Some(run) => run.start..range.end,
            None => range.clone(),
        });
    }
    if let Some(run) = run {
        steps.push(Step::Sql(run));
    }
}

/// A `\i` or `\ir`: its byte offset, the file as written, its line.
type Include = (usize, String, usize);

/// Follows the psql meta-commands of `text`: returns the text with their
/// lines blanked, and the includes.
fn follow_meta_commands(
    file: &Path,
    text: &str,
    cx: &mut Context<'_>,
) -> Result<(String, Vec<Include>), SourceError> {
    let mut lines = Vec::new();
    let mut includes = Vec::new();
    let mut cursor = 0;
    // True once a statement has begun and its `;` has not come yet.
    let mut in_statement = false;
    'scan: while cursor < text.len() {
        for token in tokenize(&text[cursor..]) {
            let at = cursor + token.start;
            if !token.is("\\") {
                in_statement = !token.is(";");
                continue;
            }
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let line = text[..at].matches('\n').count() + 1;
            let command = text[at + 1..end].trim_end();
            let (name, args) = command
                .split_once(char::is_whitespace)
                .map_or((command, ""), |(name, args)| (name, args.trim()));
            let error = |message: String, hint: &str| SourceError::Meta {
                path: file.to_path_buf(),
                line,
                message,
                hint: hint.to_owned(),
            };
            let between_statements = |what: &str| {
                if in_statement {
                    Err(error(
                        format!("psql meta-command \\{what} inside a statement is not supported"),
                        "put it on a line of its own, after the `;` of the statement before",
                    ))
                } else {
                    Ok(())
                }
            };
            match name {
                "restrict" | "unrestrict" | "set" | "unset" => {}
                "connect" | "c" => {
                    between_statements(name)?;
                    let Some(database) = connect_target(args) else {
                        return Err(error(
                            format!("psql meta-command \\{name} {args} is not supported"),
                            "pgrift follows \\connect with a database name only, as pg_dump \
                             writes it",
                        ));
                    };
                    match &cx.database {
                        Some(first) if *first != database => {
                            return Err(error(
                                format!(
                                    "psql meta-command \\{name} to database {} after {}: a \
                                     source is one database",
                                    Ident(database),
                                    Ident(first.clone())
                                ),
                                "give each database's schema as a source of its own",
                            ));
                        }
                        Some(_) => {}
                        None => cx.database = Some(database),
                    }
                }
                "i" | "include" | "ir" | "include_relative" => {
                    between_statements(name)?;
                    let target = unquote_meta_arg(args);
                    if target.is_empty() {
                        return Err(error(
                            format!("psql meta-command \\{name} names no file"),
                            "write the file to include after it, relative to this file",
                        ));
                    }
                    includes.push((at, target, line));
                }
                _ => {
                    return Err(error(
                        format!("psql meta-command \\{name} is not supported"),
                        FOLLOWED,
                    ));
                }
            }
            lines.push(at..end);
            cursor = end;
            // The rest of the line was the command's arguments, which the
            // SQL lexer must not read: start again after it.
            continue 'scan;
        }
        break;
    }
    Ok((blank(text, &lines), includes))
}

/// The database a `\connect` argument names: a plain name (which psql
/// folds to lower case), a quoted one, or pg_dump's
/// `-reuse-previous=on "dbname='…'"`.
fn connect_target(args: &str) -> Option<String> {
    let args = args
        .strip_prefix("-reuse-previous=on")
        .map_or(args, str::trim_start);
    if let Some(quoted) = args.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
        let inner = quoted.replace("\"\"", "\"");
        return match inner.strip_prefix("dbname=") {
            Some(value) => conninfo_value(value),
            None => (!inner.contains('=')).then_some(inner),
        };
    }
    (!args.is_empty() && !args.contains(char::is_whitespace) && !args.contains('='))
        .then(|| args.to_lowercase())
}

/// A libpq connection-string value: `'…'` with backslash escapes, or bare.
fn conninfo_value(value: &str) -> Option<String> {
    let Some(quoted) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else {
        return (!value.contains(char::is_whitespace)).then(|| value.to_owned());
    };
    let mut out = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(out)
}

/// A meta-command's file argument, without the single quotes psql allows.
fn unquote_meta_arg(args: &str) -> String {
    match args.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => args.to_owned(),
    }
}

/// `text` with every byte of `ranges` but line breaks replaced by spaces.
pub(crate) fn blank(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = text.as_bytes().to_vec();
    for range in ranges {
        for byte in &mut out[range.clone()] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    // Whole characters were replaced, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `text` with everything outside `keep` blanked.
pub(crate) fn keep_only(text: &str, keep: &Range<usize>) -> String {
    blank(text, &[0..keep.start, keep.end..text.len()])
}

/// A name as the server spells it: unquoted words fold to lower case.
fn name_of(token: &Token<'_>) -> Option<String> {
    match token.kind {
        TokenKind::Word => Some(token.text.to_lowercase()),
        TokenKind::Quoted => Some(token.text[1..token.text.len() - 1].replace("\"\"", "\"")),
        _ => None,
    }
}

fn is_word(token: Option<&Token<'_>>, word: &str) -> bool {
    token.is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(word))
}

/// `ALTER … OWNER TO role`. The loading role could not hand its objects to
/// a role without `CREATE` on their schema (nor a schema to one without
/// `CREATE` on the database, as `pg_dump`'s output asks), so the shadow
/// keeps every object with the loading role, and the catalog takes them as
/// owned by whoever runs the script (`catalog::owner`).
fn is_owner_change(body: &[Token<'_>]) -> bool {
    let n = body.len();
    n > 3
        && is_word(body.first(), "ALTER")
        && is_word(body.get(n - 3), "OWNER")
        && is_word(body.get(n - 2), "TO")
        && body[n - 1].is_name()
}

/// `CREATE|ALTER|COMMENT ON|DROP DATABASE [IF EXISTS] database …`: the
/// database a `\connect` named is the shadow database itself, which pgrift
/// creates.
fn names_database(body: &[Token<'_>], database: &str) -> bool {
    let rest = match body {
        [first, second, rest @ ..]
            if (is_word(Some(first), "CREATE")
                || is_word(Some(first), "ALTER")
                || is_word(Some(first), "DROP"))
                && is_word(Some(second), "DATABASE") =>
        {
            rest
        }
        [first, on, second, rest @ ..]
            if is_word(Some(first), "COMMENT")
                && is_word(Some(on), "ON")
                && is_word(Some(second), "DATABASE") =>
        {
            rest
        }
        _ => return false,
    };
    let rest = match rest {
        [if_, exists, rest @ ..] if is_word(Some(if_), "IF") && is_word(Some(exists), "EXISTS") => {
            rest
        }
        _ => rest,
    };
    rest.first().and_then(name_of).as_deref() == Some(database)
}

/// The statement to run as the superuser instead of the loading role:
/// `CREATE EXTENSION` of an untrusted extension, and `COMMENT ON
/// EXTENSION` of one, which only its owner may comment on.
fn as_superuser(body: &[Token<'_>], untrusted: &BTreeSet<String>) -> Option<ShadowStmt> {
    match body {
        [create, extension, rest @ ..]
            if is_word(Some(create), "CREATE") && is_word(Some(extension), "EXTENSION") =>
        {
            let create = parse_create_extension(rest)?;
            untrusted
                .contains(&create.name.0)
                .then_some(ShadowStmt::CreateExtension(create))
        }
        [comment, on, extension, name, is, value]
            if is_word(Some(comment), "COMMENT")
                && is_word(Some(on), "ON")
                && is_word(Some(extension), "EXTENSION")
                && is_word(Some(is), "IS") =>
        {
            let name = name_of(name)?;
            if !untrusted.contains(&name) {
                return None;
            }
            let comment = if is_word(Some(value), "NULL") {
                None
            } else {
                Some(Literal(plain_literal(value)?))
            };
            Some(ShadowStmt::CommentOnExtension {
                name: Ident(name),
                comment,
            })
        }
        _ => None,
    }
}

/// The value of a plain `'…'` literal; `None` for other forms.
fn plain_literal(token: &Token<'_>) -> Option<String> {
    let inner = token.text.strip_prefix('\'')?.strip_suffix('\'')?;
    (token.kind == TokenKind::Literal).then(|| inner.replace("''", "'"))
}

/// `[IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]`, the rest
/// of a `CREATE EXTENSION`; `None` for anything else (`FROM`), which the
/// loading role then runs as written.
fn parse_create_extension(tokens: &[Token<'_>]) -> Option<CreateExtension> {
    let (if_not_exists, tokens) = match tokens {
        [if_, not, exists, rest @ ..]
            if is_word(Some(if_), "IF")
                && is_word(Some(not), "NOT")
                && is_word(Some(exists), "EXISTS") =>
        {
            (true, rest)
        }
        _ => (false, tokens),
    };
    let (name, mut rest) = tokens.split_first()?;
    let mut create = CreateExtension {
        if_not_exists,
        name: Ident(name_of(name)?),
        schema: None,
        version: None,
        cascade: false,
    };
    if is_word(rest.first(), "WITH") {
        rest = &rest[1..];
    }
    while let Some((option, after)) = rest.split_first() {
        rest = after;
        if is_word(Some(option), "CASCADE") {
            create.cascade = true;
            continue;
        }
        let (value, after) = rest.split_first()?;
        rest = after;
        if is_word(Some(option), "SCHEMA") {
            create.schema = Some(Ident(name_of(value)?));
        } else if is_word(Some(option), "VERSION") {
            let version = match value.kind {
                TokenKind::Literal => plain_literal(value)?,
                _ => name_of(value)?,
            };
            create.version = Some(Literal(version));
        } else {
            return None;
        }
    }
    Some(create)
}

/// A statement about roles themselves, which the shadow sets aside:
/// `CREATE`, `ALTER` or `DROP ROLE`, `USER` or `GROUP` (not a user
/// mapping), `COMMENT ON ROLE`, and `GRANT` or `REVOKE` of a role (no
/// `ON`). Running them would take rights the loading role must not have,
/// and would change the cluster rather than the database; the roles they
/// name (but a dropped one) become stand-ins. `None` for any other
/// statement.
fn role_statement(body: &[Token<'_>]) -> Option<Vec<String>> {
    let first = body.first();
    let about_roles = |i: usize| {
        ["ROLE", "USER", "GROUP"]
            .iter()
            .any(|word| is_word(body.get(i), word))
            && !is_word(body.get(i + 1), "MAPPING")
    };
    if (is_word(first, "CREATE") || is_word(first, "ALTER")) && about_roles(1) {
        return Some(
            body.get(2)
                .and_then(name_of)
                .filter(|name| !NOT_ROLES.contains(&name.as_str()) && name != "all")
                .into_iter()
                .collect(),
        );
    }
    if is_word(first, "DROP") && about_roles(1)
        || is_word(first, "COMMENT") && is_word(body.get(1), "ON") && is_word(body.get(2), "ROLE")
    {
        return Some(Vec::new());
    }
    let role_grant = (is_word(first, "GRANT") || is_word(first, "REVOKE"))
        && !body.iter().any(|token| is_word(Some(token), "ON"));
    role_grant.then(|| role_names(body))
}

/// The roles of a `DO` block that only creates or alters roles, in the
/// idioms of a file that may run twice: `BEGIN CREATE ROLE r; EXCEPTION
/// WHEN duplicate_object THEN NULL; END`, and `IF NOT EXISTS (SELECT …
/// pg_roles …) THEN CREATE ROLE r; END IF`. `None` for any other
/// statement, and for a block that does anything else too, which runs as
/// written.
fn do_role_statements(body: &[Token<'_>]) -> Option<Vec<String>> {
    if !is_word(body.first(), "DO") {
        return None;
    }
    let code = body
        .iter()
        .find(|token| token.kind == TokenKind::Literal && token.text.starts_with('$'))?;
    let tag_end = code.text[1..].find('$')? + 2;
    let inner = code
        .text
        .get(tag_end..code.text.len().checked_sub(tag_end)?)?;
    let tokens = tokenize(inner);
    let mut roles = Vec::new();
    let mut any = false;
    for range in statements(&tokens) {
        let mut stmt = &tokens[range];
        if stmt.last().is_some_and(|last| last.is(";")) {
            stmt = &stmt[..stmt.len() - 1];
        }
        if is_word(stmt.first(), "BEGIN") {
            stmt = &stmt[1..];
        }
        if is_word(stmt.first(), "IF") {
            let then = stmt.iter().position(|t| is_word(Some(t), "THEN"))?;
            let about_roles = stmt[..then]
                .iter()
                .any(|t| t.text.eq_ignore_ascii_case("pg_roles"));
            if !about_roles {
                return None;
            }
            stmt = &stmt[then + 1..];
        }
        let words: Vec<String> = stmt.iter().map(|t| t.text.to_ascii_uppercase()).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            [] | ["END"] | ["END", "IF"] => {}
            ["EXCEPTION", "WHEN", "DUPLICATE_OBJECT", "THEN", "NULL"] => {}
            _ => {
                roles.extend(role_statement(stmt)?);
                any = true;
            }
        }
    }
    any.then_some(roles)
}

/// Names that stand for something other than a role where a role may be
/// written.
const NOT_ROLES: &[&str] = &[
    "public",
    "current_user",
    "current_role",
    "session_user",
    "group",
];

/// The roles a statement names: grantees and granted roles of `GRANT` and
/// `REVOKE`, `FOR ROLE` of default privileges, `AUTHORIZATION`, the roles
/// of a policy, `SET ROLE`, the role of a user mapping.
fn role_names(body: &[Token<'_>]) -> Vec<String> {
    let first = body.first();
    let mut names = Vec::new();
    let mut depth = 0i32;
    let mut saw_on = false;
    for (i, token) in body.iter().enumerate() {
        if token.is("(") {
            depth += 1;
        } else if token.is(")") {
            depth -= 1;
        }
        if depth != 0 || token.kind != TokenKind::Word {
            continue;
        }
        let word = token.text.to_ascii_uppercase();
        let list = match word.as_str() {
            "ON" => {
                saw_on = true;
                false
            }
            "TO" => {
                is_word(first, "GRANT")
                    || is_word(first, "ALTER") && is_word(body.get(1), "DEFAULT")
                    || body.get(1).is_some_and(|t| is_word(Some(t), "POLICY"))
            }
            "FROM" => {
                is_word(first, "REVOKE")
                    || is_word(first, "ALTER") && is_word(body.get(1), "DEFAULT")
            }
            "AUTHORIZATION" => true,
            // `USER MAPPING FOR role SERVER s` names one role.
            "FOR" if is_word(body.get(i.wrapping_sub(1)), "MAPPING") => {
                names.extend(name_list(&body[i + 1..body.len().min(i + 2)]));
                false
            }
            "ROLE" | "USER" => {
                is_word(body.get(i.wrapping_sub(1)), "FOR")
                    || is_word(first, "SET") && !is_word(body.get(i.wrapping_sub(1)), "DEFAULT")
            }
            _ => false,
        };
        if list {
            names.extend(name_list(&body[i + 1..]));
        }
        // `GRANT a, b TO c` and `REVOKE a FROM c` grant roles themselves.
        if (word == "TO" && is_word(first, "GRANT") || word == "FROM" && is_word(first, "REVOKE"))
            && !saw_on
        {
            names.extend(name_list(&body[1..i]));
        }
    }
    names
}

/// The names of a comma-separated list of roles, up to the first word that
/// ends it.
fn name_list(tokens: &[Token<'_>]) -> Vec<String> {
    const END: &[&str] = &[
        "WITH", "GRANTED", "CASCADE", "RESTRICT", "IN", "GRANT", "REVOKE", "USING", "FROM", "TO",
        "OPTION", "FOR", "ADMIN", "INHERIT", "SET",
    ];
    let mut names = Vec::new();
    for token in tokens {
        if token.is(",") {
            continue;
        }
        if token.kind == TokenKind::Word
            && END.iter().any(|end| token.text.eq_ignore_ascii_case(end))
        {
            break;
        }
        match name_of(token) {
            Some(name)
                if token.kind == TokenKind::Quoted || !NOT_ROLES.contains(&name.as_str()) =>
            {
                names.push(name)
            }
            Some(_) => {}
            None => break,
        }
    }
    names
}

/// Resolves an include's `target` against the directory of the file that
/// includes it.
pub(crate) fn include_path(including: &Path, target: &str) -> PathBuf {
    including
        .parent()
        .map_or_else(|| PathBuf::from(target), |dir| dir.join(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(text: &str, untrusted: &[&str]) -> Result<(Script, Option<String>), String> {
        let untrusted = untrusted.iter().map(|s| s.to_string()).collect();
        let mut cx = Context {
            untrusted: &untrusted,
            database: None,
        };
        prepare(Path::new("f.sql"), text, &mut cx)
            .map(|script| (script, cx.database))
            .map_err(|e| match e.hint() {
                Some(hint) => format!("{e}\nhint: {hint}"),
                None => e.to_string(),
            })
    }

    fn sent(script: &Script) -> Vec<String> {
        script
            .steps
            .iter()
            .map(|step| match step {
                Step::Sql(range) => script.text[range.clone()]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                Step::Include { target, line } => format!("include {target} at {line}"),
                Step::Superuser { stmt, .. } => format!("superuser {stmt}"),
            })
            .collect()
    }

    #[test]
    fn a_pg_dump_with_create_database_loads_into_the_shadow() {
        let dump = "\\restrict abc\nSET x = 1;\nCREATE DATABASE \"Shop\" WITH TEMPLATE = template0;\n\
                    ALTER DATABASE \"Shop\" OWNER TO app;\n\\connect -reuse-previous=on \"dbname='Shop'\"\n\
                    CREATE TABLE t (id int);\nALTER TABLE public.t OWNER TO app;\n\
                    GRANT SELECT ON TABLE public.t TO readers, \"Auditors\" WITH GRANT OPTION;\n\
                    \\unrestrict abc\n";
        let (script, database) = prepared(dump, &[]).unwrap();
        assert_eq!(database.as_deref(), Some("Shop"));
        assert_eq!(
            sent(&script),
            [
                "SET x = 1; CREATE TABLE t (id int); GRANT SELECT ON TABLE public.t TO readers, \
              \"Auditors\" WITH GRANT OPTION;"
            ]
        );
        // Left-out lines stay, blank, so that lines and columns are those
        // of the file.
        assert_eq!(script.text.lines().nth(5), Some("CREATE TABLE t (id int);"));
        assert_eq!(script.text.lines().nth(3).map(str::trim), Some(""));
        assert_eq!(script.text.len(), dump.len());
        assert_eq!(
            script.roles.iter().collect::<Vec<_>>(),
            ["Auditors", "readers"]
        );
    }

    #[test]
    fn meta_commands_are_followed_or_refused_with_their_line() {
        let (script, _) = prepared(
            "\\set ON_ERROR_STOP on\nCREATE TABLE a ();\n\\ir 'sub dir/b.sql'\nCREATE TABLE c ();\n",
            &[],
        )
        .unwrap();
        assert_eq!(
            sent(&script),
            [
                "CREATE TABLE a ();",
                "include sub dir/b.sql at 3",
                "CREATE TABLE c ();"
            ]
        );
        assert_eq!(
            prepared("SELECT 1;\n\n  \\gset\n", &[]).unwrap_err(),
            format!("f.sql:3: psql meta-command \\gset is not supported\nhint: {FOLLOWED}")
        );
        assert_eq!(
            prepared("CREATE TABLE t (\n\\i cols.sql\n);", &[]).unwrap_err(),
            "f.sql:2: psql meta-command \\i inside a statement is not supported\n\
             hint: put it on a line of its own, after the `;` of the statement before"
        );
        assert_eq!(
            prepared("\\c one\nSELECT 1;\n\\c two\n", &[]).unwrap_err(),
            "f.sql:3: psql meta-command \\c to database two after one: a source is one \
             database\nhint: give each database's schema as a source of its own"
        );
        // A backslash in a literal or a comment is no meta-command.
        let (script, _) = prepared("SELECT '\\x'; -- \\q\nSELECT 1;", &[]).unwrap();
        assert_eq!(script.statements.len(), 2);
        // An unterminated quote in a meta-command's arguments does not hide
        // the statements after it.
        let (script, _) = prepared("\\set q 'it\nSELECT 1;\n", &[]).unwrap();
        assert_eq!(script.statements.len(), 1);
    }

    #[test]
    fn untrusted_extensions_are_cut_out_for_the_superuser() {
        let (script, _) = prepared(
            "CREATE SCHEMA ext;\nCREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA ext VERSION '1.2';\n\
             COMMENT ON EXTENSION dblink IS 'connect to other PostgreSQL databases';\n\
             CREATE EXTENSION citext;\nCREATE TABLE t ();",
            &["dblink"],
        )
        .unwrap();
        assert_eq!(
            sent(&script),
            [
                "CREATE SCHEMA ext;",
                "superuser CREATE EXTENSION IF NOT EXISTS dblink SCHEMA ext VERSION '1.2'",
                "superuser COMMENT ON EXTENSION dblink IS 'connect to other PostgreSQL databases'",
                "CREATE EXTENSION citext; CREATE TABLE t ();",
            ]
        );
    }

    #[test]
    fn roles_named_by_grants_policies_and_authorization() {
        let check = |sql: &str, expected: &[&str]| {
            let (script, _) = prepared(sql, &[]).unwrap();
            assert_eq!(script.roles.iter().collect::<Vec<_>>(), expected, "{sql}");
        };
        check(
            "GRANT ALL ON SCHEMA s TO GROUP admins, PUBLIC;",
            &["admins"],
        );
        check("REVOKE SELECT (a, b) ON t FROM x CASCADE;", &["x"]);
        check(
            "ALTER DEFAULT PRIVILEGES FOR ROLE owner1 IN SCHEMA s GRANT SELECT ON TABLES TO r1;",
            &["owner1", "r1"],
        );
        check("CREATE SCHEMA IF NOT EXISTS s AUTHORIZATION app;", &["app"]);
        check(
            "CREATE POLICY p ON t TO manager, CURRENT_USER USING (true);",
            &["manager"],
        );
        check("SET ROLE app;", &["app"]);
        check(
            "CREATE USER MAPPING FOR \"fdw user\" SERVER s OPTIONS (user 'x');",
            &["fdw user"],
        );
        check(
            "ALTER USER MAPPING FOR PUBLIC SERVER s OPTIONS (SET a 'b');",
            &[],
        );
        check("CREATE USER MAPPING FOR CURRENT_USER SERVER s;", &[]);
        check("GRANT SELECT ON t TO current_role;", &[]);
        check("SELECT 'GRANT x TO y';", &[]);
    }

    #[test]
    fn statements_about_roles_are_set_aside_with_a_note() {
        let text = "CREATE ROLE \"Ad\nmin */\" LOGIN SUPERUSER;\n\
                    CREATE USER MAPPING FOR app SERVER s;\n\
                    GRANT reader, \"Writer\" TO app WITH ADMIN OPTION;\n\
                    GRANT SELECT ON t TO app;\n\
                    ALTER ROLE app SET search_path = x;\n\
                    COMMENT ON ROLE app IS 'x';\n\
                    REVOKE reader FROM app;\n\
                    DROP ROLE IF EXISTS gone;\n\
                    ALTER GROUP readers ADD USER app;\n\
                    DO $$ BEGIN CREATE ROLE \"do r\" NOLOGIN; EXCEPTION WHEN duplicate_object \
                    THEN NULL; END $$;\n\
                    DO $body$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE \
                    rolname = 'x') THEN CREATE USER x; END IF; END $body$;\n\
                    DO $$ BEGIN CREATE ROLE y; PERFORM pg_sleep(1); END $$;\n";
        let (script, _) = prepared(text, &[]).unwrap();
        assert_eq!(
            sent(&script),
            [
                "CREATE USER MAPPING FOR app SERVER s; GRANT SELECT ON t TO app; \
                 DO $$ BEGIN CREATE ROLE y; PERFORM pg_sleep(1); END $$;"
            ]
        );
        assert_eq!(
            script.roles.iter().collect::<Vec<_>>(),
            [
                "Ad\nmin */",
                "Writer",
                "app",
                "do r",
                "reader",
                "readers",
                "x"
            ]
        );
        assert_eq!(
            script.notes,
            [
                "f.sql: 9 statements about roles themselves (lines 1, 4, 6, 7, 8, 9, 10, 11, 12) left out: \
              roles are the cluster's, and a schema file's stand in as NOLOGIN roles without \
              attributes or memberships; --roles compares them between live databases or \
              snapshots taken with --roles"
            ]
        );
    }

    #[test]
    fn connect_targets() {
        assert_eq!(connect_target("shop").as_deref(), Some("shop"));
        assert_eq!(connect_target("Shop").as_deref(), Some("shop"));
        assert_eq!(connect_target("\"My Db\"").as_deref(), Some("My Db"));
        assert_eq!(
            connect_target("-reuse-previous=on \"dbname='it\\'s \"\"x\"\"'\"").as_deref(),
            Some("it's \"x\"")
        );
        assert_eq!(connect_target("shop alice"), None);
        assert_eq!(connect_target("host=h dbname=x"), None);
    }
}
