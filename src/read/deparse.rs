//! Differences in how server versions deparse the same definition, evened
//! out so that one schema reads the same from every supported version.
//!
//! Up to PostgreSQL 15 a view's query carries two hidden range-table entries
//! (`old` and `new`), so `pg_get_viewdef` qualifies every column of the
//! query's own level, even when it reads one relation: `SELECT orders.id
//! FROM public.orders`. From 16 on those entries are gone, and a level that
//! reads exactly one relation, function or subquery prints its columns bare:
//! `SELECT id FROM public.orders`. The catalog keeps the 16 form; definitions
//! from older servers are rewritten to it by [`unqualify_view`]. Nested
//! queries (sub-selects, CTE bodies, set operations) print qualified names on
//! every version and are left alone.

use crate::sql::lex::{Token, TokenKind, tokenize};

/// The first `server_version_num` whose views print single-relation columns
/// bare.
const BARE_COLUMNS: i32 = 160000;

/// A view's definition as PostgreSQL 16 and later print it.
pub(crate) fn view_definition(definition: String, server_version_num: i32) -> String {
    if server_version_num >= BARE_COLUMNS {
        definition
    } else {
        unqualify_view(&definition).unwrap_or(definition)
    }
}

/// Words that end the `FROM` clause of a query's own level.
const AFTER_FROM: &[&str] = &[
    "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR",
];

/// Words before which `name.` is a schema, not a relation: a type
/// (`::app.pair`, `AS app.pair`, `RETURNING app.pair`) or a collation.
const BEFORE_TYPE: &[&str] = &["::", "AS", "COLLATE", "RETURNING"];

/// Rewrites the definition of a view printed by PostgreSQL 15 or older to
/// what 16 prints: when the query's own level reads exactly one relation,
/// function or subquery, `ref.column` at that level becomes `column`. Whole
/// rows (`ref.*`) stay qualified, as 16 prints them. `None` when there is
/// nothing to rewrite, or the text is not shaped as expected (it is then
/// kept as it is).
pub fn unqualify_view(definition: &str) -> Option<String> {
    let tokens = tokenize(definition);
    let own = own_level(&tokens);
    let at_own = |i: usize| own[i];
    // A set operation's branches are nested queries on every version.
    if tokens.iter().enumerate().any(|(i, t)| {
        at_own(i) && t.kind == TokenKind::Word && ["UNION", "INTERSECT", "EXCEPT"].contains(&t.text)
    }) {
        return None;
    }
    let depth = depths(&tokens);
    let top = |i: usize| at_own(i) && depth[i] == 0;
    let from = (0..tokens.len()).find(|&i| top(i) && tokens[i].is("FROM"))?;
    let end = (from + 1..tokens.len())
        .find(|&i| top(i) && (tokens[i].is(";") || AFTER_FROM.iter().any(|w| tokens[i].is(w))))
        .unwrap_or(tokens.len());
    let refname = single_item_refname(&tokens[from + 1..end], &depth[from + 1..end])?;

    let mut out = String::with_capacity(definition.len());
    let mut copied = 0;
    for i in 0..tokens.len() {
        if (from..end).contains(&i) || !at_own(i) {
            continue;
        }
        let token = &tokens[i];
        let qualifies = token.is_name()
            && token.text == refname
            && tokens.get(i + 1).is_some_and(|t| t.is("."))
            && tokens.get(i + 2).is_some_and(Token::is_name)
            && !tokens.get(i + 3).is_some_and(|t| t.is("("))
            && !(i > 0
                && (tokens[i - 1].is(".") || BEFORE_TYPE.iter().any(|w| tokens[i - 1].is(w))));
        if qualifies {
            out.push_str(&definition[copied..token.start]);
            copied = tokens[i + 2].start;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&definition[copied..]);
    Some(out)
}

/// For each token, whether it belongs to the query's own level rather than
/// to a nested query: a parenthesis that opens with `SELECT`, `WITH` or
/// `VALUES` holds one.
fn own_level(tokens: &[Token<'_>]) -> Vec<bool> {
    let mut own = Vec::with_capacity(tokens.len());
    // For each open parenthesis, whether it holds a nested query.
    let mut open: Vec<bool> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.is("(") {
            let nested = tokens
                .get(i + 1)
                .is_some_and(|t| t.is("SELECT") || t.is("WITH") || t.is("VALUES"));
            own.push(!open.contains(&true));
            open.push(nested);
        } else if token.is(")") {
            open.pop();
            own.push(!open.contains(&true));
        } else {
            own.push(!open.contains(&true));
        }
    }
    own
}

/// The parenthesis depth of each token; a parenthesis counts as inside.
fn depths(tokens: &[Token<'_>]) -> Vec<usize> {
    let mut depth = 0usize;
    tokens
        .iter()
        .map(|t| {
            if t.is("(") {
                depth += 1;
                depth
            } else if t.is(")") {
                let d = depth;
                depth = depth.saturating_sub(1);
                d
            } else {
                depth
            }
        })
        .collect()
}

/// The name a `FROM` clause's only item is referred to by: its alias, or
/// the relation's own name. `None` for several items, a join, or a shape
/// other than `[ONLY] name[.name…][(args)] [alias[(columns)]]` and
/// `(subquery) alias[(columns)]`.
fn single_item_refname<'a>(tokens: &[Token<'a>], depth: &[usize]) -> Option<&'a str> {
    // The clause at depth 0, each parenthesised group standing as one `(`.
    let items: Vec<&Token<'a>> = tokens
        .iter()
        .zip(depth)
        .filter(|(t, d)| **d == 0 || (t.is("(") && **d == 1))
        .map(|(t, _)| t)
        .collect();
    let mut rest: &[&Token<'a>] = &items;
    if rest.first().is_some_and(|t| t.is("ONLY")) {
        rest = &rest[1..];
    }
    let mut name = None;
    if rest.first().is_some_and(|t| t.is("(")) {
        rest = &rest[1..];
    } else {
        loop {
            let part = rest.first().filter(|t| t.is_name())?;
            name = Some(part.text);
            rest = &rest[1..];
            if rest.first().is_some_and(|t| t.is(".")) {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        if rest.first().is_some_and(|t| t.is("(")) {
            rest = &rest[1..];
        }
    }
    let alias = match rest.first() {
        Some(t) if t.is_name() && !is_clause_word(t) => {
            rest = &rest[1..];
            Some(t.text)
        }
        _ => None,
    };
    if alias.is_some() && rest.first().is_some_and(|t| t.is("(")) {
        rest = &rest[1..];
    }
    if !rest.is_empty() {
        return None;
    }
    alias.or(name)
}

/// Upper-case words that PostgreSQL prints in a `FROM` item (`TABLESAMPLE`,
/// `WITH ORDINALITY`, joins): never an alias, which it prints in lower case
/// or quoted.
fn is_clause_word(token: &Token<'_>) -> bool {
    token.kind == TokenKind::Word
        && token.text.chars().any(|c| c.is_ascii_uppercase())
        && !token.text.chars().any(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pair is what PostgreSQL 15 and 16 print for the same view.
    fn check(v15: &str, v16: &str) {
        let rewritten = unqualify_view(v15);
        assert_eq!(rewritten.as_deref().unwrap_or(v15), v16, "from:\n{v15}");
        // The 16 form is left alone.
        assert_eq!(unqualify_view(v16), None, "from:\n{v16}");
    }

    #[test]
    fn one_relation_loses_its_qualifiers() {
        check(
            " SELECT orders.id,\n    orders.customer\n   FROM public.orders\n  WHERE orders.paid\n  ORDER BY orders.id;",
            " SELECT id,\n    customer\n   FROM public.orders\n  WHERE paid\n  ORDER BY id;",
        );
        check(
            " SELECT DISTINCT ON (t.a) t.a,\n    t.b\n   FROM t\n  ORDER BY t.a, t.b;",
            " SELECT DISTINCT ON (a) a,\n    b\n   FROM t\n  ORDER BY a, b;",
        );
        check(
            " SELECT t.a,\n    count(*) AS n\n   FROM t\n  GROUP BY t.a\n HAVING count(*) > 1;",
            " SELECT a,\n    count(*) AS n\n   FROM t\n  GROUP BY a\n HAVING count(*) > 1;",
        );
        check(
            " SELECT t.a,\n    sum(t.id) OVER (PARTITION BY t.a) AS sum\n   FROM t;",
            " SELECT a,\n    sum(id) OVER (PARTITION BY a) AS sum\n   FROM t;",
        );
        check(
            " SELECT \"UserAccounts\".\"Id\",\n    \"UserAccounts\".\"user\"\n   FROM \"Sales\".\"UserAccounts\"\n  WHERE \"UserAccounts\".\"select\";",
            " SELECT \"Id\",\n    \"user\"\n   FROM \"Sales\".\"UserAccounts\"\n  WHERE \"select\";",
        );
    }

    #[test]
    fn aliases_functions_and_subqueries_in_from() {
        check(
            " SELECT a.id\n   FROM app.app a\n  WHERE a.s IS NOT NULL;",
            " SELECT id\n   FROM app.app a\n  WHERE s IS NOT NULL;",
        );
        check(
            " SELECT x.id,\n    x.s\n   FROM ONLY app.app x(id, pp, s);",
            " SELECT id,\n    s\n   FROM ONLY app.app x(id, pp, s);",
        );
        check(
            " SELECT g.g\n   FROM generate_series(1, 3) g(g);",
            " SELECT g\n   FROM generate_series(1, 3) g(g);",
        );
        check(
            " SELECT s.x\n   FROM ( SELECT t.id AS x\n           FROM t) s;",
            " SELECT x\n   FROM ( SELECT t.id AS x\n           FROM t) s;",
        );
        check(
            " WITH c AS (\n         SELECT t.id\n           FROM t\n        )\n SELECT c.id\n   FROM c;",
            " WITH c AS (\n         SELECT t.id\n           FROM t\n        )\n SELECT id\n   FROM c;",
        );
    }

    #[test]
    fn nested_queries_keep_their_qualifiers() {
        check(
            " SELECT t.id\n   FROM t\n  WHERE (EXISTS ( SELECT 1\n           FROM u\n          WHERE u.t_id = t.id));",
            " SELECT id\n   FROM t\n  WHERE (EXISTS ( SELECT 1\n           FROM u\n          WHERE u.t_id = t.id));",
        );
        check(
            " SELECT ARRAY( SELECT 1\n           FROM app.app b\n          WHERE b.id = app.id) AS arr,\n    app.id\n   FROM app.app;",
            " SELECT ARRAY( SELECT 1\n           FROM app.app b\n          WHERE b.id = app.id) AS arr,\n    id\n   FROM app.app;",
        );
        check(
            " SELECT ( SELECT max(u.id) AS max\n           FROM u\n          WHERE u.t_id = t.id) AS m\n   FROM t;",
            " SELECT ( SELECT max(u.id) AS max\n           FROM u\n          WHERE u.t_id = t.id) AS m\n   FROM t;",
        );
    }

    #[test]
    fn schemas_types_and_whole_rows_stay() {
        // The relation `app.app` shares its name with its schema.
        check(
            " SELECT (app.p).x AS x,\n    app.f(app.id) AS f,\n    app.s::app.pair AS c,\n    app.s COLLATE \"C\" AS sc,\n    app.\"Weird Col\"\n   FROM app.app;",
            " SELECT (p).x AS x,\n    app.f(id) AS f,\n    s::app.pair AS c,\n    s COLLATE \"C\" AS sc,\n    \"Weird Col\"\n   FROM app.app;",
        );
        check(
            " SELECT row_to_json(t.*) AS j,\n    t.\"user\",\n    t.name\n   FROM t;",
            " SELECT row_to_json(t.*) AS j,\n    \"user\",\n    name\n   FROM t;",
        );
        check(
            " SELECT t.id,\n    CASE\n            WHEN t.s = 't.b'::text THEN 1\n            ELSE NULL::integer\n        END AS k\n   FROM t\n FOR UPDATE OF t;",
            " SELECT id,\n    CASE\n            WHEN s = 't.b'::text THEN 1\n            ELSE NULL::integer\n        END AS k\n   FROM t\n FOR UPDATE OF t;",
        );
    }

    #[test]
    fn several_relations_stay_qualified() {
        let unchanged = [
            " SELECT t.id,\n    u.id AS uid\n   FROM t\n     JOIN u ON u.t_id = t.id;",
            " SELECT t.id,\n    x.y\n   FROM t,\n    LATERAL ( SELECT t.a AS y) x;",
            " SELECT t.id\n   FROM t\nUNION\n SELECT u.id\n   FROM u;",
            " SELECT 1 AS one;",
            " SELECT t.a\n   FROM t TABLESAMPLE system ((10)::real);",
        ];
        for definition in unchanged {
            assert_eq!(unqualify_view(definition), None, "{definition}");
        }
    }

    #[test]
    fn only_older_servers_are_rewritten() {
        let v15 = " SELECT t.a\n   FROM t;".to_owned();
        assert_eq!(
            view_definition(v15.clone(), 150004),
            " SELECT a\n   FROM t;"
        );
        assert_eq!(view_definition(v15.clone(), 160000), v15);
    }
}
