//! Property tests of the parsers a user feeds directly: schema arguments,
//! declared renames (`--rename`), connection strings, the password file, snapshot files, the SQL lexer,
//! the definition checker, the escaping of text for comments and
//! terminals, and the filling in of secrets.
//!
//! Each property says what must hold for every input, and proptest makes
//! the inputs: arbitrary text, and text built from the pieces each parser
//! treats specially, so that the interesting paths are reached often. A
//! property runs 256 cases by default; `PROPTEST_CASES=100000 cargo test
//! --lib fuzz_tests` fuzzes longer (see TESTING.md). A failure is shrunk
//! to a small input and printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;

use crate::catalog::{
    ConstraintKind, Function, FunctionKind, Identity, Index as CatalogIndex, Rename, Sequence,
    Trigger, TriggerEnabled, View,
};
use crate::risk::rules::testing::{
    bigint_sequence, catalog, col, constraint, name, table, with_constraints, with_default,
};
use crate::source::snapshot::{self, Snapshot};
use crate::source::{ConnInfo, Env, Host, SourceError, SourceSpec, parse_with};
use crate::sql::lex::{Token, TokenKind, tokenize};
use crate::sql::verify::{INDEX, Shape, TRIGGER, check};
use crate::sql::{comment, secret, visible};

/// Pieces of text that the lexer and the checker treat specially, mixed
/// with ordinary words and characters.
const SQL_PIECES: &[&str] = &[
    "'",
    "''",
    "\"",
    "\"\"",
    "$",
    "$$",
    "$a$",
    "$1",
    "E'",
    "e'",
    "\\",
    "\\'",
    "--",
    "/*",
    "*/",
    "\n",
    "\r",
    " ",
    "\t",
    ";",
    "(",
    ")",
    "[",
    "]",
    "::",
    ":",
    "-",
    "/",
    "*",
    ",",
    ".",
    "SELECT",
    "CREATE",
    "INDEX",
    "UNIQUE",
    "TRIGGER",
    "CONSTRAINT",
    "OR",
    "REPLACE",
    "FUNCTION",
    "PROCEDURE",
    "BEGIN",
    "ATOMIC",
    "END",
    "CASE",
    "PRIMARY",
    "KEY",
    "CHECK",
    "WITH",
    "x",
    "1",
    "é",
    "日本",
    "\u{2028}",
    "\u{a0}",
    "\0",
];

/// Arbitrary text, or text made of [`SQL_PIECES`].
fn sqlish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(select(SQL_PIECES), 0..24).prop_map(|pieces| pieces.concat()),
    ]
}

/// Text a server could have printed: words, punctuation, and literals,
/// quoted names and dollar quotes holding arbitrary text (with `;`,
/// comment starts and quotes inside), properly closed. Most of it passes
/// the checker, so the properties about what it accepts are not vacuous.
fn well_formed() -> impl Strategy<Value = String> {
    let inner = || prop_oneof![any::<String>(), sqlish()];
    let piece = prop_oneof![
        select(
            &[
                "x", "1", "public.t", "::", "(", ")", ",", "=", "ARRAY[1]", "END", "CASE"
            ][..]
        )
        .prop_map(str::to_owned),
        inner().prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        inner().prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
        inner().prop_map(|s| format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))),
        inner()
            .prop_filter("holds no closing tag", |s| !s.contains("$q$"))
            .prop_map(|s| format!("$q${s}$q$")),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.join(" "))
}

/// Checker input: arbitrary, piecewise or well-formed text, behind the
/// words some shape starts with and before an end some shape allows.
fn checker_input() -> impl Strategy<Value = String> {
    let start = select(
        &[
            "",
            "SELECT ",
            "CHECK ",
            "CREATE INDEX i ON t ",
            "CREATE TRIGGER tr ",
            "CREATE OR REPLACE FUNCTION f() ",
            "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC ",
        ][..],
    );
    let body = prop_oneof![sqlish(), well_formed()];
    let end = select(&["", ";", " END", "; END", ";\n"][..]);
    (start, body, end).prop_map(|(start, body, end)| format!("{start}{body}{end}"))
}

/// True when `gap`, the text between two tokens, is whitespace or starts
/// a comment after whitespace: anything else is text the lexer lost.
fn blank_or_comment(gap: &str) -> bool {
    let rest = gap.trim_start_matches(|c: char| c.is_ascii_whitespace());
    rest.is_empty() || rest.starts_with("--") || rest.starts_with("/*")
}

/// True when the token's text is what its kind says.
fn kind_fits(token: &Token) -> bool {
    let text = token.text;
    match token.kind {
        TokenKind::Word => {
            !text.starts_with('$')
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii())
        }
        TokenKind::Quoted => text.starts_with('"'),
        TokenKind::Literal => ["'", "$", "E'", "e'"].iter().any(|p| text.starts_with(p)),
        TokenKind::Punct => text == "::" || text.chars().count() == 1,
    }
}

proptest! {
    #[test]
    fn tokens_cover_the_input_in_order(sql in sqlish()) {
        let mut rebuilt = String::new();
        let mut previous_end = 0;
        for token in tokenize(&sql) {
            prop_assert!(token.start >= previous_end, "{token:?} overlaps the one before");
            prop_assert!(!token.text.is_empty(), "empty token at {}", token.start);
            // `get` is `None` unless both ends are character boundaries.
            prop_assert_eq!(sql.get(token.start..token.end()), Some(token.text));
            prop_assert!(kind_fits(&token), "{token:?}");
            let gap = &sql[previous_end..token.start];
            prop_assert!(blank_or_comment(gap), "lost text {gap:?} before {token:?}");
            rebuilt.push_str(gap);
            rebuilt.push_str(token.text);
            previous_end = token.end();
        }
        let tail = &sql[previous_end..];
        prop_assert!(blank_or_comment(tail), "lost text {tail:?} at the end");
        rebuilt.push_str(tail);
        prop_assert_eq!(rebuilt, sql);
    }

    #[test]
    fn a_checked_fragment_is_one_expression_in_a_select(text in checker_input()) {
        if check(&text, Shape::Fragment).is_ok() {
            let sql = format!("SELECT {text} ;");
            let tokens = tokenize(&sql);
            let separators: Vec<&Token> = tokens.iter().filter(|t| t.is(";")).collect();
            prop_assert_eq!(separators.len(), 1, "{:?}", sql);
            prop_assert_eq!(separators[0].start, sql.len() - 1, "{:?}", sql);
        }
    }

    #[test]
    fn what_the_checker_accepts_has_no_stray_separator(text in checker_input()) {
        let tokens = tokenize(&text);
        let separators: Vec<usize> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is(";"))
            .map(|(i, _)| i)
            .collect();
        for shape in [Shape::Fragment, Shape::FragmentStarting(&["CHECK"]), INDEX, TRIGGER] {
            if check(&text, shape).is_ok() {
                prop_assert!(separators.is_empty(), "{shape:?} accepted {text:?}");
            }
        }
        if check(&text, Shape::Query).is_ok() {
            prop_assert!(
                separators.is_empty() || separators == [tokens.len() - 1],
                "a query {text:?}"
            );
        }
        if check(&text, Shape::Routine).is_ok() && !separators.is_empty() {
            // Separators stand only inside a BEGIN ATOMIC body, whose END
            // is the last token.
            let begin = tokens
                .windows(2)
                .position(|w| w[0].text.eq_ignore_ascii_case("BEGIN")
                    && w[1].text.eq_ignore_ascii_case("ATOMIC"));
            prop_assert!(begin.is_some_and(|b| b < separators[0]), "a routine {text:?}");
            prop_assert!(tokens.last().is_some_and(|t| t.text.eq_ignore_ascii_case("END")));
        }
        // Whatever any shape accepts has no comment and nothing unterminated:
        // the text between tokens is blank.
        let any_ok = [Shape::Fragment, Shape::Query, Shape::Routine, INDEX, TRIGGER]
            .into_iter()
            .any(|shape| check(&text, shape).is_ok());
        if any_ok {
            let mut previous_end = 0;
            for token in &tokens {
                prop_assert!(text[previous_end..token.start].trim().is_empty(), "{text:?}");
                previous_end = token.end();
            }
            prop_assert!(text[previous_end..].trim().is_empty(), "{text:?}");
        }
    }
}

/// Characters that must never reach a comment or a terminal as they are:
/// they end a line, hide text or reorder it.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}'
                | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Reads back the escapes [`visible`] writes; `None` for any other
/// backslash sequence. Since `decode(visible(x)) == x` for every `x`, two
/// different texts can never be shown the same.
fn decode(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' if chars.next() == Some('{') => {
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Arbitrary text, or text made of what [`visible`] escapes and of the
/// characters its escapes are written with.
fn escapable() -> impl Strategy<Value = String> {
    let chars = select(
        &[
            '\\', 'n', 'u', '{', '}', '1', 'b', 'a', 'é', '\n', '\r', '\t', '\u{0}', '\u{1b}',
            '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}', '\u{2066}', '\u{61c}',
            '\u{200e}', '\u{feff}',
        ][..],
    );
    prop_oneof![
        any::<String>(),
        prop::collection::vec(chars, 0..16).prop_map(String::from_iter),
    ]
}

proptest! {
    #[test]
    fn visible_text_is_safe_and_reads_back(text in escapable()) {
        let shown = visible(&text);
        prop_assert!(!shown.chars().any(unsafe_char), "{shown:?}");
        prop_assert_eq!(decode(&shown), Some(text.clone()));
        let line = comment(&text);
        prop_assert!(line.starts_with("-- "));
        prop_assert!(!line.chars().any(unsafe_char), "{line:?}");
    }
}

proptest! {
    /// `apply` fills a secret's variable in as one literal wherever it
    /// stands, whatever the text around it and the value: nothing of the
    /// value is left outside that literal, and no variable is left.
    #[test]
    fn secrets_are_filled_in_as_literals(
        pieces in prop::collection::vec(
            prop_oneof![sqlish(), Just(":'pgrift_secret_a_1'".to_owned())],
            0..8,
        ),
        value in prop_oneof![any::<String>(), sqlish()],
    ) {
        let sql = pieces.concat();
        let names = secret::variables(&sql);
        let values: BTreeMap<String, String> =
            names.iter().map(|n| (n.clone(), value.clone())).collect();
        let filled = secret::substitute(&sql, &values);
        prop_assert!(filled.is_ok(), "{:?}", filled);
        let filled = filled.unwrap_or_default();
        prop_assert!(secret::variables(&filled).is_empty(), "{:?}", filled);
        if names.is_empty() {
            prop_assert_eq!(filled, sql);
        }
    }
}

/// Arbitrary text, or text made of what a `--rename` treats specially.
fn rename_text() -> impl Strategy<Value = String> {
    let chars = select(&['"', '.', '=', 'a', 'B', 'é', ' ', '\n', '*'][..]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(chars, 0..12).prop_map(String::from_iter),
    ]
}

/// A name as a catalog may hold it: anything but the empty name.
fn rename_part() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(select(&['"', '.', '=', 'a', 'B', ' ', '\n'][..]), 0..6)
            .prop_map(String::from_iter),
    ]
    .prop_filter("a name is not empty", |name| !name.is_empty())
}

proptest! {
    #[test]
    fn any_rename_reads_or_says_why(text in rename_text()) {
        match Rename::parse(&text) {
            Ok(rename) => {
                prop_assert!((1..=3).contains(&rename.path.len()));
                prop_assert_eq!(Rename::parse(&rename.to_string()), Ok(rename));
            }
            Err(message) => prop_assert!(message.starts_with(&format!("{text:?}: ")), "{message}"),
        }
    }

    #[test]
    fn a_rename_of_any_names_reads_back(
        path in prop::collection::vec(rename_part(), 1..=3),
        to in rename_part(),
    ) {
        let rename = Rename { path, to };
        prop_assert_eq!(Rename::parse(&rename.to_string()), Ok(rename));
    }
}

/// An environment with a user name and nothing else: no variables, no home
/// directory, no socket directories.
fn env() -> Env {
    Env {
        os_user: Some("osuser".into()),
        ..Env::default()
    }
}

/// A non-empty value (an empty one means "not given"), without NUL, which
/// neither a command-line argument nor an environment variable can hold.
fn value() -> impl Strategy<Value = String> {
    let char = any::<char>().prop_filter("not NUL", |c| *c != '\0');
    prop_oneof![
        prop::collection::vec(char, 1..12).prop_map(String::from_iter),
        "[a-z][a-z0-9_ .@:/'\\\\=-]{0,10}",
    ]
}

/// A host: a name, an IPv6 address, a socket directory, or arbitrary text
/// without the comma that would make it a list of hosts.
fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9.-]{0,12}",
        "[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}",
        "/[a-z/ ]{0,12}",
        value().prop_filter("one host", |h| !h.contains(',')),
    ]
}

/// `value` in single quotes, as a `key=value` connection string takes it.
fn quote_value(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `value` unquoted, with a backslash before each character that would end
/// it or start a quote.
fn escape_value(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if c.is_whitespace() || c == '\\' || (i == 0 && c == '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Every byte but the URL-unreserved ones as `%XX`.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn expected_host(host: &str) -> Host {
    match host.starts_with('/') {
        true => Host::Socket(PathBuf::from(host)),
        false => Host::Tcp(host.to_owned()),
    }
}

/// The connection `info` names, as its `Display` shows it, reads back as
/// the same server, port, user and database.
fn check_display_reads_back(info: &ConnInfo) -> Result<(), TestCaseError> {
    let shown = info.to_string();
    let back = ConnInfo::parse_with(&shown, &env())
        .map_err(|e| TestCaseError::fail(format!("{shown:?} does not parse: {e}")))?;
    prop_assert_eq!(&back.host, &info.host, "{}", shown);
    prop_assert_eq!(back.port, info.port);
    prop_assert_eq!(&back.user, &info.user);
    prop_assert_eq!(&back.dbname, &info.dbname);
    Ok(())
}

/// A password that nothing else in a generated connection string holds:
/// the rest is drawn without a `Z`.
fn secret() -> impl Strategy<Value = String> {
    "Z[A-Ya-z0-9/?@:#&=%]{4,10}"
}

/// Text for around a password: anything but a `Z`.
fn no_z() -> impl Strategy<Value = String> {
    prop_oneof!["[^Z]{0,12}", "[a-z@:/?%&=.\\[\\],]{0,12}"]
}

/// Well-formed `key=value` pairs without a `Z`.
fn pairs() -> impl Strategy<Value = String> {
    let key = select(
        &[
            "host", "port", "user", "dbname", "sslmode", "bogus", "options",
        ][..],
    );
    prop::collection::vec((key, "[^Z\\s'\\\\]{1,8}"), 0..3).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Schema arguments: arbitrary text, or text made of the pieces that tell
/// the kinds of argument apart.
fn schema_argument() -> impl Strategy<Value = String> {
    let pieces = select(
        &[
            "postgres://",
            "postgresql://",
            "empty",
            "=",
            "@",
            ":",
            "/",
            ".sql",
            ".json",
            "host",
            "dbname",
            "'",
            "\\",
            " ",
            "%",
            "%2F",
            "%zz",
            "%00",
            "[",
            "]",
            "::1",
            ",",
            "?",
            "&",
            "/tmp",
            ".",
            "u",
            "5432",
            "ssl=true",
            "sslmode",
            "passfile=/dev/null",
        ][..],
    );
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat()),
    ]
}

proptest! {
    #[test]
    fn any_schema_argument_parses_or_says_why(arg in schema_argument()) {
        match parse_with(&arg, &env()) {
            Ok(SourceSpec::Url(info)) => check_display_reads_back(&info)?,
            Ok(_) => {}
            Err(error) => {
                prop_assert!(!error.to_string().is_empty());
                prop_assert!(error.hint().is_some(), "{error} has no hint");
            }
        }
    }

    #[test]
    fn keyword_values_read_back(
        host in host(),
        port in 1u16..,
        user in value(),
        password in value(),
        dbname in value(),
        quoted in any::<bool>(),
    ) {
        let encode = if quoted { quote_value } else { escape_value };
        let input = format!(
            "host={} port = {port} user={} password={}\tdbname={}",
            encode(&host), encode(&user), encode(&password), encode(&dbname)
        );
        let info = ConnInfo::parse_with(&input, &env())
            .map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        prop_assert_eq!(&info.host, &expected_host(&host));
        prop_assert_eq!(info.port, port);
        prop_assert_eq!(&info.user, &user);
        prop_assert_eq!(info.password.as_ref(), Some(&password));
        prop_assert_eq!(&info.dbname, &dbname);
        check_display_reads_back(&info)?;
    }

    #[test]
    fn urls_read_back(
        host in host(),
        port in 1u16..,
        user in value(),
        password in value(),
        dbname in value(),
        application_name in value(),
    ) {
        // An IPv6 address goes in brackets, as it is; anything else
        // percent-encoded.
        let netloc = match host.contains(':') && host.chars().all(|c| c == ':' || c.is_ascii_hexdigit()) {
            true => format!("[{host}]"),
            false => percent_encode(&host),
        };
        let input = format!(
            "postgresql://{}:{}@{netloc}:{port}/{}?application_name={}&ssl=true",
            percent_encode(&user), percent_encode(&password), percent_encode(&dbname),
            percent_encode(&application_name),
        );
        let info = ConnInfo::parse_with(&input, &env())
            .map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        prop_assert_eq!(&info.host, &expected_host(&host));
        prop_assert_eq!(info.port, port);
        prop_assert_eq!(&info.user, &user);
        prop_assert_eq!(info.password.as_ref(), Some(&password));
        prop_assert_eq!(&info.dbname, &dbname);
        prop_assert_eq!(info.application_name.as_ref(), Some(&application_name));
        check_display_reads_back(&info)?;
    }

    #[test]
    fn no_message_shows_a_password(
        before in no_z(),
        password in secret(),
        after in no_z(),
        pairs in pairs(),
        form in 0..4,
    ) {
        // The text before the password is a user name: a `/` or `?` in it
        // would make the password part of the database name or the query,
        // a `[` part of an IPv6 address.
        let user = before.replace(['/', '?', '['], "");
        let input = match form {
            0 => format!("postgres://{user}:{password}@{after}"),
            // No `@` at all: what follows the user's `:` reads as a port.
            1 => format!(
                "postgres://{}:{}{}",
                user.replace('@', ""),
                password.replace('@', ""),
                after.replace('@', "")
            ),
            2 => format!("postgres://{before}?{after}&password={password}&{after}"),
            _ => format!("{pairs} password={password} {pairs}"),
        };
        let shown = match ConnInfo::parse_with(&input, &env()) {
            Ok(info) => format!("{info} {info:?}"),
            Err(error) => format!("{error} {:?}", error.hint()),
        };
        prop_assert!(!shown.contains('Z'), "{input:?} shows {shown:?}");
    }
}

/// What stands in a password file: fields with `*`, escapes and comments.
fn pgpass_text() -> impl Strategy<Value = String> {
    let pieces = select(
        &[
            "*", ":", "\\:", "\\\\", "\\", "#", "\n", "\r\n", "h", "5432", "d", "u", "pw", "é",
            "*:*:*:*:", "",
        ][..],
    );
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..24).prop_map(|p| p.concat()),
    ]
}

/// A value for a password file line: no line break, since a line holds one
/// entry, and nothing libpq reads differently at the start of a line.
fn pgpass_value() -> impl Strategy<Value = String> {
    value().prop_filter("one line", |v| {
        !v.contains(['\n', '\r']) && !v.starts_with('#') && !v.contains(',')
    })
}

/// `field` with `:` and `\` escaped, as a password file writes them.
fn pgpass_escape(field: &str) -> String {
    field.replace('\\', "\\\\").replace(':', "\\:")
}

/// `line` with every backslash escape undone: a field read from the line
/// is a part of this.
fn pgpass_unescape(line: &str) -> String {
    let mut chars = line.trim_end_matches('\r').chars();
    std::iter::from_fn(|| match chars.next()? {
        '\\' => chars.next(),
        c => Some(c),
    })
    .collect()
}

/// A password file with mode 0600 that each case rewrites.
struct PassFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl PassFile {
    fn new() -> PassFile {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("pgpass");
        PassFile { _dir: dir, path }
    }

    /// Writes `text` and reads the password for a connection to `host`.
    fn password(
        &self,
        text: &str,
        host: &str,
        port: u16,
        dbname: &str,
        user: &str,
    ) -> Option<String> {
        use std::os::unix::fs::PermissionsExt;

        std::fs::write(&self.path, text).expect("the password file is written");
        std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o600))
            .expect("the password file is private");
        let input = format!(
            "host={} port={port} dbname={} user={} passfile={}",
            quote_value(host),
            quote_value(dbname),
            quote_value(user),
            quote_value(&self.path.display().to_string()),
        );
        let info = ConnInfo::parse_with(&input, &env()).expect("the connection string is valid");
        assert_eq!(info.warnings, Vec::<String>::new(), "{input}");
        info.password
    }
}

proptest! {
    #[test]
    fn any_password_file_is_read_without_failing(text in pgpass_text()) {
        let file = PassFile::new();
        let found = file.password(&text, "h", 5432, "d", "u");
        // A password is the end of a line of the file, its escapes undone.
        if let Some(password) = found {
            prop_assert!(
                text.lines().any(|line| pgpass_unescape(line).ends_with(&password)),
                "{password:?}"
            );
        }
    }

    #[test]
    fn an_escaped_password_file_line_reads_back(
        host in pgpass_value(),
        port in 1u16..,
        dbname in pgpass_value(),
        user in pgpass_value(),
        password in pgpass_value(),
    ) {
        let file = PassFile::new();
        let fields = |user: &str, password: &str| {
            [host.as_str(), &port.to_string(), &dbname, user, password]
                .map(pgpass_escape)
                .join(":")
        };
        // A line for another user comes first, and must not match.
        let text = format!(
            "# a comment\n{}\r\n\n{}\n*:*:*:*:fallback\n",
            fields(&format!("{user}x"), "decoy"),
            fields(&user, &password),
        );
        let found = file.password(&text, &host, port, &dbname, &user);
        prop_assert_eq!(found, Some(password), "{:?}", text);
    }
}

/// A snapshot with one object of each kind that has a definition, each
/// definition as a server prints it.
fn rich_snapshot() -> Snapshot {
    let function = |n: &str, kind, args: &str, result: Option<&str>, definition: &str| Function {
        acl: Default::default(),
        owner: Default::default(),
        name: name(n),
        kind,
        identity_args: args.into(),
        arguments: args.into(),
        result: result.map(str::to_owned),
        definition: definition.into(),
        comment: None,
    };
    let columns = vec![
        col("id", "bigint").with_extra(|extra| {
            extra.identity = Some(Identity {
                always: true,
                sequence: name("t_id_seq"),
                options: bigint_sequence(),
                acl: Default::default(),
            })
        }),
        with_default(col("n", "text"), "'it''s; --'::text"),
        col("g", "bigint").with_extra(|extra| extra.generated = Some("(id * 2)".into())),
    ];
    let constraints = vec![
        constraint("t_n_check", ConstraintKind::Check, "CHECK ((n <> ''))"),
        constraint("t_pkey", ConstraintKind::PrimaryKey, "PRIMARY KEY (id)"),
    ];
    let mut catalog = catalog(vec![with_constraints(table("t", columns), constraints)]);
    catalog.sequences.push(Sequence {
        acl: Default::default(),
        owner: Default::default(),
        name: name("s"),
        options: bigint_sequence(),
        owned_by: None,
        unlogged: false,
        comment: None,
    });
    catalog.indexes.push(CatalogIndex {
        name: name("t_n_idx"),
        table: name("t"),
        definition: "CREATE INDEX t_n_idx ON public.t USING btree (n)".into(),
        options: vec!["fillfactor=70".into()],
        replica_identity: false,
        comment: None,
    });
    catalog.views.push(View {
        acl: Default::default(),
        owner: Default::default(),
        name: name("v"),
        materialized: false,
        definition: " SELECT t.id\n   FROM public.t;".into(),
        options: vec!["security_barrier=true".into()],
        comment: None,
        column_comments: Vec::new(),
        columns: Vec::new(),
    });
    catalog.functions = vec![
        function(
            "f",
            FunctionKind::Function,
            "a integer",
            Some("integer"),
            "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n \
             LANGUAGE sql\nAS $function$ SELECT a; $function$\n",
        ),
        function(
            "p",
            FunctionKind::Procedure,
            "",
            None,
            "CREATE OR REPLACE PROCEDURE public.p()\n LANGUAGE sql\nBEGIN ATOMIC\n \
             SELECT CASE WHEN true THEN 1 END;\nEND\n",
        ),
    ];
    catalog.triggers.push(Trigger {
        table: name("t"),
        name: "tr".into(),
        definition: "CREATE TRIGGER tr BEFORE UPDATE ON public.t FOR EACH ROW \
                     EXECUTE FUNCTION public.f()"
            .into(),
        enabled: TriggerEnabled::Origin,
        comment: None,
    });
    Snapshot {
        server_version_num: Some(170000),
        roles: false,
        catalog,
    }
}

fn snapshot_text(snapshot: &Snapshot) -> String {
    let mut out = Vec::new();
    snapshot::write(&mut out, snapshot).expect("a snapshot is written to memory");
    String::from_utf8(out).expect("a snapshot is UTF-8")
}

/// Every definition in a snapshot's JSON, by JSON pointer, with the shape
/// it must have. Written from the catalog's model, apart from the reader's
/// own list, so that a definition the reader forgets to check shows up.
fn definitions(envelope: &Value) -> Vec<(String, Shape)> {
    let count = |pointer: &str| {
        envelope
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let mut found = Vec::new();
    let mut add = |pointer: String, shape| {
        if envelope.pointer(&pointer).is_some_and(Value::is_string) {
            found.push((pointer, shape));
        }
    };
    for i in 0..count("/catalog/sequences") {
        add(
            format!("/catalog/sequences/{i}/options/data_type"),
            Shape::Fragment,
        );
    }
    for i in 0..count("/catalog/tables") {
        let table = format!("/catalog/tables/{i}");
        for j in 0..count(&format!("{table}/columns")) {
            for field in [
                "data_type",
                "default",
                "generated",
                "identity/options/data_type",
            ] {
                add(format!("{table}/columns/{j}/{field}"), Shape::Fragment);
            }
        }
        for j in 0..count(&format!("{table}/constraints")) {
            let constraint = format!("{table}/constraints/{j}");
            let kind = envelope
                .pointer(&format!("{constraint}/kind"))
                .and_then(Value::as_str);
            let start: &'static [&'static str] = match kind {
                Some("primary-key") => &["PRIMARY", "KEY"],
                Some("unique") => &["UNIQUE"],
                Some("check") => &["CHECK"],
                Some("foreign-key") => &["FOREIGN", "KEY"],
                Some("exclusion") => &["EXCLUDE"],
                _ => continue,
            };
            add(
                format!("{constraint}/definition"),
                Shape::FragmentStarting(start),
            );
        }
    }
    for i in 0..count("/catalog/indexes") {
        add(format!("/catalog/indexes/{i}/definition"), INDEX);
    }
    for i in 0..count("/catalog/views") {
        add(format!("/catalog/views/{i}/definition"), Shape::Query);
        for j in 0..count(&format!("/catalog/views/{i}/options")) {
            add(format!("/catalog/views/{i}/options/{j}"), Shape::Fragment);
        }
    }
    for i in 0..count("/catalog/functions") {
        add(format!("/catalog/functions/{i}/definition"), Shape::Routine);
        for field in ["identity_args", "arguments", "result"] {
            add(format!("/catalog/functions/{i}/{field}"), Shape::Fragment);
        }
    }
    for i in 0..count("/catalog/triggers") {
        add(format!("/catalog/triggers/{i}/definition"), TRIGGER);
    }
    found
}

/// Checks what must hold of any snapshot text the reader saw: either it
/// read, and then every definition in it has its shape and the snapshot
/// reads back the same once written again, or the error names the file
/// first and has a hint.
fn check_read(result: Result<Snapshot, SourceError>, path: &Path) -> Result<(), TestCaseError> {
    match result {
        Ok(read) => {
            let text = snapshot_text(&read);
            let envelope: Value = serde_json::from_str(&text).expect("a written snapshot is JSON");
            for (pointer, shape) in definitions(&envelope) {
                let definition = envelope.pointer(&pointer).and_then(Value::as_str);
                let definition = definition.expect("definitions() lists strings");
                prop_assert_eq!(check(definition, shape), Ok(()), "{}", pointer);
            }
            let again = snapshot::parse(&text, path)
                .map_err(|e| TestCaseError::fail(format!("written again, it fails: {e}")))?;
            prop_assert_eq!(again, read);
        }
        Err(error) => {
            let message = error.to_string();
            prop_assert!(
                message.starts_with(&path.display().to_string()),
                "{message}"
            );
            prop_assert!(error.hint().is_some(), "{message} has no hint");
        }
    }
    Ok(())
}

/// Arbitrary JSON, with the keys and values of a snapshot among the
/// arbitrary ones.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        select(
            &[
                "format",
                "version",
                "catalog",
                "tables",
                "views",
                "definition",
                "name"
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(Value::from(snapshot::FORMAT)),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Flip(Index, u8),
    Delete(Index, usize),
    Insert(Index, &'static str),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let piece = select(
        &[
            ";", "\"", "'", "\\", "\\u0000", "\\n", "--", "$$", "{", "}", "[", "]", ",", ":",
            "null", "1", "-1e999", "\"x\"", "\u{feff}", "\\ud800",
        ][..],
    );
    prop_oneof![
        (any::<Index>(), 1u8..).prop_map(|(at, mask)| Edit::Flip(at, mask)),
        (any::<Index>(), 1usize..16).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<Index>(), piece).prop_map(|(at, piece)| Edit::Insert(at, piece)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |index: &Index, bytes: &Vec<u8>| index.index(bytes.len() + 1);
    match edit {
        Edit::Flip(index, mask) if !bytes.is_empty() => {
            let i = index.index(bytes.len());
            bytes[i] ^= mask;
        }
        Edit::Flip(..) => {}
        Edit::Delete(index, n) => {
            let start = at(index, bytes);
            let end = (start + n).min(bytes.len());
            bytes.drain(start..end);
        }
        Edit::Insert(index, piece) => {
            let i = at(index, bytes);
            bytes.splice(i..i, piece.bytes());
        }
        Edit::Truncate(index) => bytes.truncate(at(index, bytes)),
    }
}

#[test]
fn the_rich_snapshot_reads_back_with_all_its_definitions() {
    let text = snapshot_text(&rich_snapshot());
    let path = Path::new("s.json");
    assert_eq!(snapshot::parse(&text, path).unwrap(), rich_snapshot());
    let envelope: Value = serde_json::from_str(&text).unwrap();
    // Six of the columns, two constraints, the sequence, the index, the
    // view and its option, four of the function, three of the procedure
    // (which has no result) and the trigger.
    assert_eq!(definitions(&envelope).len(), 20);
}

proptest! {
    #[test]
    fn any_json_is_a_snapshot_or_says_why(
        text in prop_oneof![
            json().prop_map(|v| v.to_string()),
            json().prop_map(|catalog| serde_json::json!({
                "format": snapshot::FORMAT,
                "version": snapshot::VERSION,
                "catalog": catalog,
            }).to_string()),
            any::<String>(),
        ],
    ) {
        let path = Path::new("dir/s.json");
        check_read(snapshot::parse(&text, path), path)?;
    }

    #[test]
    fn a_damaged_snapshot_file_reads_or_says_why(
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut bytes = snapshot_text(&rich_snapshot()).into_bytes();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("s.json");
        std::fs::write(&path, &bytes).expect("the snapshot is written");
        check_read(snapshot::read(&path), &path)?;
    }

    #[test]
    fn a_snapshot_reads_exactly_when_its_definitions_check(
        field in any::<Index>(),
        text in checker_input(),
    ) {
        let mut envelope: Value =
            serde_json::from_str(&snapshot_text(&rich_snapshot())).expect("JSON");
        let fields = definitions(&envelope);
        let (pointer, shape) = &fields[field.index(fields.len())];
        *envelope.pointer_mut(pointer).expect("the field exists") = Value::from(text.as_str());
        let path = Path::new("s.json");
        let result = snapshot::parse(&envelope.to_string(), path);
        match (result, check(&text, *shape)) {
            (Ok(_), Ok(())) => {}
            (Err(error), Err(reason)) => {
                let message = error.to_string();
                prop_assert!(
                    message.starts_with("s.json: invalid snapshot: the definition of "),
                    "{message}"
                );
                prop_assert!(message.ends_with(&format!(" is refused: {reason}")), "{message}");
            }
            (result, expected) => prop_assert!(
                false,
                "{pointer} = {text:?}: read {:?}, the checker says {expected:?}",
                result.map(|_| ()).map_err(|e| e.to_string()),
            ),
        }
    }
}
