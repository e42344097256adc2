//! The one place where names and literals become SQL text.
//!
//! This module sits below `catalog`, whose names display quoted
//! (`QualName`'s `Display`), so that `catalog` needs nothing from `sql`;
//! `sql` re-exports it, and the rest of the crate and its users call it as
//! `sql::quote_ident`.

/// Keywords that cannot stand bare as a name in every position: PostgreSQL's
/// reserved, type/function-name and column-name keywords, across versions 14
/// to 18. A superset is harmless (the name is quoted when it need not be); a
/// missing word would be a bug, which a test checks against the server's own
/// `pg_get_keywords()`.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Quotes an identifier when PostgreSQL would not read it back unchanged:
/// anything but lower-case ASCII letters, digits (not leading) and `_`, and
/// keywords. Embedded double quotes are doubled. This is the rule of the
/// server's own `quote_ident`, with the keywords of every supported version.
pub fn quote_ident(name: &str) -> String {
    quote_ident_with(name, |word| KEYWORDS.contains(&word))
}

/// Quotes an identifier as [`quote_ident`] does, but with the keyword list
/// given as `is_keyword`: the introspector builds definitions that must read
/// exactly as one server's `quote_identifier` prints them, and a server
/// quotes only its own version's keywords, where [`quote_ident`] quotes
/// those of every version.
pub fn quote_ident_with(name: &str, is_keyword: impl FnOnce(&str) -> bool) -> String {
    let bare = name
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == b'_')
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && !is_keyword(name);
    if bare {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Renders a string literal. Scripts run with `standard_conforming_strings`
/// on (set in their header), so only single quotes need doubling.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Quotes one part of a name for a pattern of `pg_dump` or `psql`
/// (`--table schema.name`): always in double quotes, inside which the
/// pattern characters (`*`, `?`, `.`, and the rest of regular
/// expressions) match themselves and a double quote is written twice.
pub fn quote_pattern(part: &str) -> String {
    format!("\"{}\"", part.replace('"', "\"\""))
}

/// The keyword list, for the test that compares it with a server's.
pub fn keywords() -> &'static [&'static str] {
    KEYWORDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        let cases = [
            ("users", "users"),
            ("Users", "\"Users\""),
            ("user", "\"user\""),
            ("order", "\"order\""),
            ("a b", "\"a b\""),
            ("a\"b", "\"a\"\"b\""),
            ("1abc", "\"1abc\""),
            ("_x1", "_x1"),
            ("_x$1", "\"_x$1\""),
            ("café", "\"café\""),
            ("", "\"\""),
        ];
        for (input, expected) in cases {
            assert_eq!(quote_ident(input), expected, "quote_ident({input:?})");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "'a\\b'");
        assert_eq!(quote_literal(""), "''");
    }
}
