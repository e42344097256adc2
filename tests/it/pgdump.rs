//! An oracle independent of pgrift's own introspection: `pg_dump
//! --schema-only`, normalised so that two dumps of the same schema compare
//! equal whatever order objects were created in.

/// Normalises a schema-only dump: drops comments, blank lines and session
/// settings, sorts the column lines of every `CREATE TABLE` and `CREATE
/// FOREIGN TABLE` (a column added later lands at the end of the table) and the storage parameters of every
/// `WITH (…)` (they print in the order they were set), and sorts the
/// statements.
pub fn normalize(dump: &str) -> String {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in dump.lines() {
        let trimmed = line.trim_end();
        if trimmed.is_empty()
            || trimmed.starts_with("--")
            || trimmed.starts_with("SET ")
            || trimmed.starts_with("SELECT pg_catalog.set_config")
            || trimmed.starts_with("\\restrict")
            || trimmed.starts_with("\\unrestrict")
        {
            continue;
        }
        current.push_str(trimmed);
        current.push('\n');
        if trimmed.ends_with(';') && !in_dollar_quote(&current) {
            statements.push(normalize_statement(&current));
            current.clear();
        }
    }
    if !current.is_empty() {
        statements.push(normalize_statement(&current));
    }
    statements.sort();
    statements.join("\n")
}

/// True while a dollar-quoted body (`$function$ … $function$`) is open, so
/// that a `;` inside a function body does not end the statement.
fn in_dollar_quote(text: &str) -> bool {
    let mut open: Option<String> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$'
            && let Some(end) = text[i + 1..].find('$')
        {
            let tag = &text[i..i + end + 2];
            let valid = tag[1..tag.len() - 1]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_');
            if valid {
                match &open {
                    Some(t) if t == tag => open = None,
                    None => open = Some(tag.to_owned()),
                    _ => {}
                }
                i += tag.len();
                continue;
            }
        }
        i += 1;
    }
    open.is_some()
}

/// Sorts the storage parameters of each `WITH (name=value, …)`. A list
/// whose items are not all `name=value` (something else in brackets after
/// a `WITH`) is left as it is.
fn sort_storage_parameters(statement: &str) -> String {
    let mut out = String::new();
    let mut rest = statement;
    while let Some(at) = rest.find("WITH (") {
        let (head, tail) = rest.split_at(at + "WITH (".len());
        out.push_str(head);
        let Some(end) = tail.find(')') else {
            rest = tail;
            break;
        };
        let mut items: Vec<&str> = tail[..end].split(", ").collect();
        let parameters = items.iter().all(|item| {
            item.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
            })
        });
        if parameters {
            items.sort_unstable();
        }
        out.push_str(&items.join(", "));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn normalize_statement(statement: &str) -> String {
    let statement = &sort_storage_parameters(statement);
    let foreign = statement.starts_with("CREATE FOREIGN TABLE");
    if !foreign
        && !statement.starts_with("CREATE TABLE")
        && !statement.starts_with("CREATE UNLOGGED TABLE")
    {
        return statement.to_owned();
    }
    let lines: Vec<&str> = statement.lines().collect();
    // A foreign table's server and options follow its columns' `)`.
    let end = if foreign {
        lines.iter().position(|l| *l == ")")
    } else {
        Some(lines.len().saturating_sub(1))
    };
    let Some(end) = end.filter(|end| *end >= 2) else {
        return statement.to_owned();
    };
    let mut columns: Vec<String> = lines[1..end]
        .iter()
        .map(|l| l.trim().trim_end_matches(',').to_owned())
        .collect();
    columns.sort();
    format!(
        "{}\n    {}\n{}\n",
        lines[0],
        columns.join(",\n    "),
        lines[end..].join("\n")
    )
}

#[test]
fn column_order_and_statement_order_do_not_matter() {
    let a = "CREATE TABLE public.t (\n    a integer,\n    b text\n);\n\nCREATE INDEX i ON public.t USING btree (a);\n";
    let b = "-- comment\nCREATE INDEX i ON public.t USING btree (a);\nCREATE TABLE public.t (\n    b text,\n    a integer\n);\n";
    assert_eq!(normalize(a), normalize(b));
    let c = "CREATE TABLE public.t (\n    a bigint,\n    b text\n);\n";
    assert_ne!(normalize(a), normalize(c));
    let foreign = |columns: &str, server: &str| {
        format!(
            "CREATE FOREIGN TABLE public.f (\n{columns}\n)\nSERVER {server}\nOPTIONS (\n    a '1'\n);\n"
        )
    };
    let (ab, ba) = ("    a integer,\n    b text", "    b text,\n    a integer");
    assert_eq!(normalize(&foreign(ab, "s")), normalize(&foreign(ba, "s")));
    assert_ne!(normalize(&foreign(ab, "s")), normalize(&foreign(ab, "t")));
}

#[test]
fn storage_parameter_order_does_not_matter() {
    let a = "CREATE INDEX i ON public.t USING btree (a) WITH (fillfactor='70', deduplicate_items=off);\n";
    let b = "CREATE INDEX i ON public.t USING btree (a) WITH (deduplicate_items=off, fillfactor='70');\n";
    assert_eq!(normalize(a), normalize(b));
    let c = "CREATE INDEX i ON public.t USING btree (a) WITH (deduplicate_items=off, fillfactor='80');\n";
    assert_ne!(normalize(a), normalize(c));
}

#[test]
fn semicolons_inside_function_bodies_do_not_split() {
    let dump = "CREATE FUNCTION f() RETURNS void\n    LANGUAGE plpgsql\n    AS $$\nbegin\n  perform 1;\nend;\n$$;\n";
    assert_eq!(normalize(dump).matches("CREATE FUNCTION").count(), 1);
    assert!(normalize(dump).contains("perform 1;"));
}
