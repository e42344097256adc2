//! Whether a column default is volatile: PostgreSQL 11 and later add a
//! column with a non-volatile default without touching the rows (the
//! value is stored once in the catalog), but a volatile default is
//! evaluated per row, which rewrites the table.
//!
//! Defaults come as `pg_get_expr` printed them with an empty `search_path`:
//! built-in functions bare (`now()`, `gen_random_uuid()`), every other
//! function schema-qualified (`public.next_code()`). Built-ins are judged
//! by a list of the volatile ones; other functions by their definition in
//! the catalog, where `pg_get_functiondef` prints `IMMUTABLE` or `STABLE`
//! and leaves `VOLATILE`, the default, out.

use crate::catalog::Catalog;

/// Volatile built-in functions that can appear in a default. `now()`,
/// `statement_timestamp()` and `CURRENT_TIMESTAMP` are stable, not in here.
const VOLATILE_BUILTINS: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_uuid",
    "lastval",
    "nextval",
    "pg_current_wal_lsn",
    "pg_sequence_last_value",
    "random",
    "random_normal",
    "set_config",
    "setseed",
    "setval",
    "timeofday",
    "txid_status",
    "uuidv4",
    "uuidv7",
];

/// Volatile functions of common extensions (`uuid-ossp`, `pgcrypto`), which
/// the catalog does not hold because they belong to an extension.
const VOLATILE_EXTENSION_FUNCTIONS: &[&str] = &[
    "gen_random_bytes",
    "gen_random_uuid",
    "gen_salt",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
];

/// Words the server prints before `(` that are type names with a modifier
/// (`::character varying(20)`) rather than function calls.
const TYPE_WORDS: &[&str] = &[
    "bit",
    "char",
    "character",
    "decimal",
    "interval",
    "numeric",
    "time",
    "timestamp",
    "varchar",
    "varying",
];

/// How a default behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Volatility {
    /// Constant or stable: evaluated once when the column is added.
    NotVolatile,
    /// Calls this volatile function.
    Volatile(String),
    /// Calls this function, whose volatility pgrift cannot tell.
    Unknown(String),
}

/// A function call in an expression: its schema (absent for built-ins) and
/// name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    schema: Option<String>,
    name: String,
}

impl Call {
    fn display(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}()", self.name),
            None => format!("{}()", self.name),
        }
    }
}

/// The volatility of a default expression; `catalog` holds the functions
/// it may call (TO's, where the column is added).
pub fn of_default(expression: &str, catalog: &Catalog) -> Volatility {
    let mut unknown = None;
    for call in calls(expression) {
        match &call.schema {
            None if VOLATILE_BUILTINS.contains(&call.name.as_str()) => {
                return Volatility::Volatile(call.display());
            }
            None => {}
            Some(schema) => {
                let overloads: Vec<bool> = catalog
                    .functions
                    .iter()
                    .filter(|f| f.name.schema == *schema && f.name.name == call.name)
                    .map(|f| declared_not_volatile(&f.definition))
                    .collect();
                if overloads.is_empty() {
                    if VOLATILE_EXTENSION_FUNCTIONS.contains(&call.name.as_str()) {
                        return Volatility::Volatile(call.display());
                    }
                    unknown.get_or_insert(call.display());
                } else if overloads.iter().all(|v| !v) {
                    return Volatility::Volatile(call.display());
                } else if !overloads.iter().all(|v| *v) {
                    unknown.get_or_insert(call.display());
                }
            }
        }
    }
    match unknown {
        Some(call) => Volatility::Unknown(call),
        None => Volatility::NotVolatile,
    }
}

/// Whether a `pg_get_functiondef` definition declares `IMMUTABLE` or
/// `STABLE`; the attributes stand on indented lines before the body.
fn declared_not_volatile(definition: &str) -> bool {
    definition
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .any(|line| {
            line.split_whitespace()
                .any(|word| word == "IMMUTABLE" || word == "STABLE")
        })
}

/// The function calls in a deparsed expression: a name, possibly
/// qualified, directly followed by `(`. String literals and quoted names
/// are read as such; upper-case words are keywords (`COALESCE(`), since the
/// server prints every unquoted name in lower case.
fn calls(expression: &str) -> Vec<Call> {
    let chars: Vec<char> = expression.chars().collect();
    let mut out = Vec::new();
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' && chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                } else if chars[i] == '\'' {
                    break;
                } else {
                    i += 1;
                }
            }
            i += 1;
            parts.clear();
        } else if c == '"' {
            let mut name = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' && chars.get(i + 1) == Some(&'"') {
                    name.push('"');
                    i += 2;
                } else if chars[i] == '"' {
                    break;
                } else {
                    name.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            parts.push((name, true));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            parts.push((chars[start..i].iter().collect(), false));
        } else if c == '.' && !parts.is_empty() {
            i += 1;
        } else {
            if c == '(' && !parts.is_empty() {
                let (name, quoted) = parts[parts.len() - 1].clone();
                let keyword = !quoted && name.chars().any(|ch| ch.is_uppercase());
                let type_word = !quoted && parts.len() == 1 && TYPE_WORDS.contains(&name.as_str());
                let number = name.chars().next().is_some_and(|ch| ch.is_ascii_digit());
                if !keyword && !type_word && !number {
                    let schema = (parts.len() >= 2).then(|| parts[parts.len() - 2].0.clone());
                    out.push(Call { schema, name });
                }
            }
            i += 1;
            parts.clear();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Function, FunctionKind, QualName};

    fn function(name: &str, attributes: &str) -> Function {
        Function {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", name),
            kind: FunctionKind::Function,
            identity_args: String::new(),
            arguments: String::new(),
            result: Some("integer".into()),
            definition: format!(
                "CREATE OR REPLACE FUNCTION public.{name}()\n RETURNS integer\n LANGUAGE sql\n{attributes}AS $function$select 1$function$\n"
            ),
            comment: None,
        }
    }

    #[test]
    fn defaults() {
        let catalog = Catalog {
            functions: vec![
                function("stable_code", " STABLE\n"),
                function("volatile_code", ""),
            ],
            ..Catalog::default()
        };
        let cases = [
            ("now()", Volatility::NotVolatile),
            ("CURRENT_TIMESTAMP", Volatility::NotVolatile),
            ("'now()'::text", Volatility::NotVolatile),
            ("0", Volatility::NotVolatile),
            ("ARRAY[]::text[]", Volatility::NotVolatile),
            ("'x'::character varying(20)", Volatility::NotVolatile),
            ("COALESCE(NULL::integer, 1)", Volatility::NotVolatile),
            (
                "gen_random_uuid()",
                Volatility::Volatile("gen_random_uuid()".into()),
            ),
            (
                "(floor((random() * (16)::double precision)))::integer",
                Volatility::Volatile("random()".into()),
            ),
            (
                "nextval('public.t_id_seq'::regclass)",
                Volatility::Volatile("nextval()".into()),
            ),
            ("public.stable_code()", Volatility::NotVolatile),
            (
                "public.volatile_code()",
                Volatility::Volatile("public.volatile_code()".into()),
            ),
            (
                "public.uuid_generate_v4()",
                Volatility::Volatile("public.uuid_generate_v4()".into()),
            ),
            (
                "\"My Schema\".\"f\"()",
                Volatility::Unknown("My Schema.f()".into()),
            ),
        ];
        for (expression, expected) in cases {
            assert_eq!(of_default(expression, &catalog), expected, "{expression}");
        }
    }
}
