//! Randomized round trips: schema pairs generated from a seed, each run
//! through the same round trip as the fixtures (both orientations, the
//! `pg_dump` oracle, rows kept, a forward script failing at its end).
//!
//! A pair starts from a base of objects of every kind pgrift models, with
//! names that are plain or hostile (line breaks, quotes, comment markers,
//! backslashes, bidi controls, non-ASCII, 63 bytes). Each side then keeps,
//! drops or varies each object on its own: types within a family whose
//! values convert, defaults, `NOT NULL`, checks, unique and foreign keys,
//! indexes, views, functions, triggers, enum labels, sequence options,
//! comments. FROM gets rows that are valid on both sides, so every script
//! must apply and every row must survive.
//!
//! `cargo test` runs a few pairs from a seed that changes with every run and
//! is printed; a failure names the seed of the failing pair and keeps its
//! files. `PGRIFT_RANDOM_SEED=S PGRIFT_RANDOM_PAIRS=N cargo test random`
//! replays or runs more (`scripts/random-roundtrip` runs thousands).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, stream};
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

use crate::{roundtrip, support};

/// Pairs a plain `cargo test` runs.
const DEFAULT_PAIRS: u64 = 6;

/// Name stems. Most are plain; the others are what someone else's schema
/// may hold.
const STEMS: &[&str] = &[
    "t",
    "orders",
    "Mixed Case",
    "select",
    "x\nDROP TABLE public.victim; --",
    "q\"uo'te",
    "*/ end",
    "-- c",
    "a;b",
    "back\\slash",
    "é日本",
    "\r\n\\! false",
    "\u{202e}rtl",
    "tab\tx",
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
];

/// Comment texts, hostile ones included.
const COMMENTS: &[&str] = &[
    "plain comment",
    "line one\nDROP TABLE public.victim; -- */",
    "it's \\ back",
    "日本語 \u{202e} */ --",
];

/// The values a column holds, and the types it may have on either side:
/// any value converts between the types of its family.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    Int,
    Text,
    Bool,
    Date,
    Enum(usize),
    /// A reference to the `id` of a table with a lower index.
    Fk(usize),
}

impl Family {
    fn types(self) -> &'static [&'static str] {
        match self {
            Family::Int => &["integer", "bigint", "numeric(12,0)", "text", "varchar(20)"],
            Family::Text => &["text", "varchar(60)", "varchar(80)"],
            Family::Bool => &["boolean"],
            Family::Date => &["date", "timestamp"],
            Family::Enum(_) | Family::Fk(_) => &[],
        }
    }
}

struct Names {
    counter: u32,
}

impl Names {
    /// A fresh name: a stem chosen at random, made unique by a counter and
    /// cut at 63 bytes (PostgreSQL's limit) on a character boundary.
    fn next(&mut self, rng: &mut Xoshiro256PlusPlus, kind: &str) -> String {
        self.counter += 1;
        let suffix = format!("_{kind}{}", self.counter);
        let stem = if rng.random_bool(0.4) {
            *STEMS.choose(rng).unwrap_or(&"t")
        } else {
            "n"
        };
        let mut end = stem.len().min(63 - suffix.len());
        while !stem.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}{suffix}", &stem[..end])
    }
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

struct Column {
    name: String,
    family: Family,
    /// The names of a check and a unique constraint on the column: names of
    /// their own, since a prefix added to a 63-byte name would be cut off
    /// by the server, and two such names could meet.
    check: String,
    unique: String,
}

struct Table {
    schema: usize,
    name: String,
    /// The primary key's name, which is also its index's.
    pk: String,
    columns: Vec<Column>,
    rows: usize,
    /// Present on both sides: only such tables are referenced by foreign
    /// keys, views and triggers of the other tables' choices.
    kept: bool,
}

struct Enum {
    schema: usize,
    name: String,
    /// `labels[0]` is on both sides and is the only label rows hold.
    labels: Vec<String>,
}

/// Everything both sides are drawn from.
struct Base {
    schemas: Vec<String>,
    /// Schemas on both sides (public is); kept tables live in them.
    kept_schemas: Vec<bool>,
    enums: Vec<Enum>,
    tables: Vec<Table>,
    /// Objects that live in a schema: (schema, name).
    sequences: Vec<(usize, String)>,
    functions: Vec<(usize, String)>,
    procedures: Vec<(usize, String)>,
    views: Vec<(usize, String, bool)>,
    /// (name, table).
    indexes: Vec<(String, usize)>,
    triggers: Vec<(String, usize)>,
    trigger_function: String,
}

impl Base {
    fn generate(rng: &mut Xoshiro256PlusPlus) -> Base {
        let mut names = Names { counter: 0 };
        // Schema 0 is public; the others are created by the sides.
        let mut schemas = vec!["public".to_owned()];
        let mut kept_schemas = vec![true];
        for _ in 0..rng.random_range(0..3) {
            schemas.push(names.next(rng, "s"));
            kept_schemas.push(rng.random_bool(0.5));
        }
        let kept_schema_list: Vec<usize> =
            (0..schemas.len()).filter(|&s| kept_schemas[s]).collect();
        let schema = |rng: &mut Xoshiro256PlusPlus| rng.random_range(0..schemas.len());
        let mut enums = Vec::new();
        for _ in 0..rng.random_range(0..3) {
            let labels = (0..rng.random_range(1..4))
                .map(|_| names.next(rng, "l"))
                .collect();
            enums.push(Enum {
                schema: schema(rng),
                name: names.next(rng, "e"),
                labels,
            });
        }
        let mut tables: Vec<Table> = Vec::new();
        for i in 0..rng.random_range(1..6) {
            let mut columns = Vec::new();
            for _ in 0..rng.random_range(1..6) {
                let family = match rng.random_range(0..7) {
                    0 | 1 => Family::Int,
                    2 | 3 => Family::Text,
                    4 => Family::Bool,
                    5 => Family::Date,
                    _ if !enums.is_empty() => Family::Enum(rng.random_range(0..enums.len())),
                    _ => Family::Int,
                };
                columns.push(Column {
                    name: names.next(rng, "c"),
                    family,
                    check: names.next(rng, "ck"),
                    unique: names.next(rng, "uq"),
                });
            }
            let parents: Vec<usize> = (0..i).filter(|&p| tables[p].kept).collect();
            if let Some(&parent) = parents.choose(rng)
                && rng.random_bool(0.5)
            {
                columns.push(Column {
                    name: names.next(rng, "fk"),
                    family: Family::Fk(parent),
                    check: names.next(rng, "ck"),
                    unique: names.next(rng, "uq"),
                });
            }
            let kept = i == 0 || rng.random_bool(0.7);
            tables.push(Table {
                schema: if kept {
                    kept_schema_list.choose(rng).copied().unwrap_or(0)
                } else {
                    schema(rng)
                },
                name: names.next(rng, "t"),
                pk: names.next(rng, "pk"),
                columns,
                rows: rng.random_range(0..4),
                kept,
            });
        }
        let named = |rng: &mut Xoshiro256PlusPlus, names: &mut Names, kind: &str, most: usize| {
            (0..rng.random_range(0..most))
                .map(|_| (rng.random_range(0..schemas.len()), names.next(rng, kind)))
                .collect::<Vec<_>>()
        };
        let sequences = named(rng, &mut names, "q", 3);
        let functions = named(rng, &mut names, "f", 3);
        let procedures = named(rng, &mut names, "p", 2);
        let views = named(rng, &mut names, "v", 3)
            .into_iter()
            .map(|(s, n)| (s, n, rng.random_bool(0.3)))
            .collect();
        let on_table = |rng: &mut Xoshiro256PlusPlus, names: &mut Names, kind: &str| {
            (0..rng.random_range(0..3))
                .map(|_| (names.next(rng, kind), rng.random_range(0..tables.len())))
                .collect::<Vec<_>>()
        };
        let indexes = on_table(rng, &mut names, "i");
        let triggers = on_table(rng, &mut names, "tr");
        Base {
            trigger_function: names.next(rng, "tf"),
            schemas,
            kept_schemas,
            enums,
            tables,
            sequences,
            functions,
            procedures,
            views,
            indexes,
            triggers,
        }
    }
}

/// One column as a side has it.
struct ColumnChoice {
    ty: String,
    not_null: bool,
    default: bool,
}

/// The choices of one side.
struct Side {
    schemas: Vec<bool>,
    extension: bool,
    /// Labels per enum, `None` where the enum is absent.
    labels: Vec<Option<Vec<String>>>,
    /// Per table (absent: `None`), per column.
    tables: Vec<Option<Vec<Option<ColumnChoice>>>>,
}

fn choose_side(rng: &mut Xoshiro256PlusPlus, base: &Base, names: &mut Names) -> Side {
    let schemas: Vec<bool> = base
        .kept_schemas
        .iter()
        .map(|&kept| kept || rng.random_bool(0.6))
        .collect();
    let labels = base
        .enums
        .iter()
        .map(|e| {
            if !schemas[e.schema] || rng.random_bool(0.15) {
                return None;
            }
            let mut labels = vec![e.labels[0].clone()];
            labels.extend(
                e.labels[1..]
                    .iter()
                    .filter(|_| rng.random_bool(0.8))
                    .cloned(),
            );
            if rng.random_bool(0.3) {
                let at = rng.random_range(0..=labels.len());
                labels.insert(at, names.next(rng, "nl"));
            }
            Some(labels)
        })
        .collect::<Vec<_>>();
    let present: Vec<bool> = base
        .tables
        .iter()
        .map(|table| schemas[table.schema] && (table.kept || rng.random_bool(0.6)))
        .collect();
    let tables = base
        .tables
        .iter()
        .zip(&present)
        .map(|(table, &here)| {
            here.then(|| {
                table
                    .columns
                    .iter()
                    .map(|column| choose_column(rng, column, &labels, &present))
                    .collect()
            })
        })
        .collect();
    Side {
        schemas,
        extension: rng.random_bool(0.5),
        labels,
        tables,
    }
}

fn choose_column(
    rng: &mut Xoshiro256PlusPlus,
    column: &Column,
    labels: &[Option<Vec<String>>],
    present: &[bool],
) -> Option<ColumnChoice> {
    let kept = match column.family {
        Family::Enum(e) => labels[e].is_some(),
        Family::Fk(p) => present[p],
        _ => true,
    };
    if !kept || rng.random_bool(0.15) {
        return None;
    }
    let ty = match column.family {
        Family::Enum(_) | Family::Fk(_) => String::new(),
        family => family
            .types()
            .choose(rng)
            .copied()
            .unwrap_or("text")
            .to_owned(),
    };
    Some(ColumnChoice {
        ty,
        not_null: !matches!(column.family, Family::Fk(_)) && rng.random_bool(0.3),
        default: !matches!(column.family, Family::Fk(_)) && rng.random_bool(0.4),
    })
}

/// A generated pair and the rows of FROM.
struct Pair {
    from: String,
    to: String,
    seed: String,
}

impl Pair {
    fn generate(seed: u64) -> Pair {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let base = Base::generate(&mut rng);
        let mut names = Names { counter: 10_000 };
        let mut from = choose_side(&mut rng, &base, &mut names);
        let mut to = choose_side(&mut rng, &base, &mut names);
        relax_one_sided_columns(&base, &mut from, &to);
        relax_one_sided_columns(&base, &mut to, &from);
        let from_sql = render(&mut rng, &base, &from, &to);
        let to_sql = render(&mut rng, &base, &to, &from);
        let seed_sql = rows(&base, &from);
        Pair {
            from: from_sql,
            to: to_sql,
            seed: seed_sql,
        }
    }

    fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::write(dir.join("from.sql"), &self.from)?;
        std::fs::write(dir.join("to.sql"), &self.to)?;
        std::fs::write(dir.join("seed.sql"), &self.seed)
    }
}

/// A column only one side has is added by a script to a table that may
/// hold rows, so it must accept them: nullable, or with a default.
fn relax_one_sided_columns(base: &Base, side: &mut Side, other: &Side) {
    for (t, table) in base.tables.iter().enumerate() {
        let (Some(columns), Some(others)) = (&mut side.tables[t], &other.tables[t]) else {
            continue;
        };
        for (c, _) in table.columns.iter().enumerate() {
            if let Some(choice) = &mut columns[c]
                && others[c].is_none()
                && !choice.default
            {
                choice.not_null = false;
            }
        }
    }
}

/// The type of a column on a side.
fn type_of(base: &Base, column: &Column, choice: &ColumnChoice) -> String {
    match column.family {
        Family::Enum(e) => {
            let e = &base.enums[e];
            format!("{}.{}", ident(&base.schemas[e.schema]), ident(&e.name))
        }
        Family::Fk(_) => "integer".to_owned(),
        _ => choice.ty.clone(),
    }
}

fn numeric(ty: &str) -> bool {
    ["integer", "bigint", "numeric(12,0)"].contains(&ty)
}

/// A value of `family` for row `row` of column `column`, as a literal of
/// type `ty`: unique per column, valid on both sides.
fn value(base: &Base, family: Family, ty: &str, row: usize, column: usize) -> String {
    match family {
        Family::Int if numeric(ty) => (row * 10 + column).to_string(),
        Family::Int => literal(&(row * 10 + column).to_string()),
        Family::Text => literal(&format!(
            "{}{row}",
            STEMS[(row + column) % STEMS.len()]
                .chars()
                .take(30)
                .collect::<String>()
        )),
        Family::Bool => row.is_multiple_of(2).to_string(),
        Family::Date => literal(&format!("2024-01-{:02}", row + 1)),
        Family::Enum(e) => literal(&base.enums[e].labels[0]),
        Family::Fk(parent) if base.tables[parent].rows > row => (row + 1).to_string(),
        Family::Fk(_) => "NULL".to_owned(),
    }
}

fn qualified(base: &Base, schema: usize, name: &str) -> String {
    format!("{}.{}", ident(&base.schemas[schema]), ident(name))
}

/// Columns of a table that both sides have, in order.
fn shared_columns(
    side: &[Option<ColumnChoice>],
    other: Option<&[Option<ColumnChoice>]>,
) -> Vec<usize> {
    (0..side.len())
        .filter(|&c| side[c].is_some() && other.is_some_and(|o| o[c].is_some()))
        .collect()
}

fn render(rng: &mut Xoshiro256PlusPlus, base: &Base, side: &Side, other: &Side) -> String {
    let mut sql = String::from(
        "-- generated by tests/it/random.rs\ncreate table public.victim (id integer primary key);\n",
    );
    let mut out = |line: String| {
        sql.push_str(&line);
        sql.push('\n');
    };
    for (s, name) in base.schemas.iter().enumerate().skip(1) {
        if side.schemas[s] {
            out(format!("create schema {};", ident(name)));
            if rng.random_bool(0.3) {
                out(format!(
                    "comment on schema {} is {};",
                    ident(name),
                    literal(COMMENTS.choose(rng).unwrap_or(&""))
                ));
            }
        }
    }
    if side.extension {
        out("create extension citext version '1.6' schema public;".to_owned());
    }
    for (e, labels) in base.enums.iter().zip(&side.labels) {
        if let Some(labels) = labels {
            let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
            out(format!(
                "create type {} as enum ({});",
                qualified(base, e.schema, &e.name),
                labels.join(", ")
            ));
        }
    }
    for (schema, name) in &base.sequences {
        if side.schemas[*schema] && rng.random_bool(0.8) {
            out(format!(
                "create sequence {} increment by {} start with {};",
                qualified(base, *schema, name),
                rng.random_range(1..4),
                rng.random_range(1..3)
            ));
        }
    }
    out(format!(
        "create function public.{}() returns trigger language plpgsql as $$ begin return new; end $$;",
        ident(&base.trigger_function)
    ));
    for (schema, name) in &base.functions {
        if side.schemas[*schema] && rng.random_bool(0.8) {
            let f = qualified(base, *schema, name);
            out(format!(
                "create function {f}(integer) returns integer language sql immutable as $$ select $1 + {} $$;",
                rng.random_range(0..3)
            ));
            if rng.random_bool(0.3) {
                out(format!(
                    "comment on function {f}(integer) is {};",
                    literal(COMMENTS.choose(rng).unwrap_or(&""))
                ));
            }
        }
    }
    for (schema, name) in &base.procedures {
        if side.schemas[*schema] && rng.random_bool(0.8) {
            out(format!(
                "create procedure {}() language sql as $$ select {} $$;",
                qualified(base, *schema, name),
                rng.random_range(0..3)
            ));
        }
    }
    for (t, table) in base.tables.iter().enumerate() {
        let Some(columns) = &side.tables[t] else {
            continue;
        };
        let name = qualified(base, table.schema, &table.name);
        let shared = shared_columns(columns, other.tables[t].as_deref());
        let mut lines = vec![format!(
            "    id integer constraint {} primary key",
            ident(&table.pk)
        )];
        for (column, choice) in table.columns.iter().zip(columns) {
            let Some(choice) = choice else { continue };
            let ty = type_of(base, column, choice);
            let mut line = format!("    {} {ty}", ident(&column.name));
            if choice.default {
                write!(line, " default {}", value(base, column.family, &ty, 7, 0)).ok();
            }
            if choice.not_null {
                line.push_str(" not null");
            }
            if let Family::Fk(parent) = column.family
                && rng.random_bool(0.7)
            {
                let parent = &base.tables[parent];
                write!(
                    line,
                    " references {} (id)",
                    qualified(base, parent.schema, &parent.name)
                )
                .ok();
            }
            lines.push(line);
        }
        if let Some(&c) = shared.choose(rng) {
            let column = &table.columns[c];
            let ty = columns[c]
                .as_ref()
                .map(|choice| type_of(base, column, choice))
                .unwrap_or_default();
            if matches!(column.family, Family::Int) && numeric(&ty) && rng.random_bool(0.5) {
                lines.push(format!(
                    "    constraint {} check ({} >= 0)",
                    ident(&column.check),
                    ident(&column.name)
                ));
            }
            if matches!(column.family, Family::Int | Family::Text) && rng.random_bool(0.4) {
                lines.push(format!(
                    "    constraint {} unique ({})",
                    ident(&column.unique),
                    ident(&column.name)
                ));
            }
        }
        out(format!("create table {name} (\n{}\n);", lines.join(",\n")));
        if rng.random_bool(0.3) {
            out(format!(
                "comment on table {name} is {};",
                literal(COMMENTS.choose(rng).unwrap_or(&""))
            ));
        }
        if let Some(&c) = shared.choose(rng)
            && rng.random_bool(0.3)
        {
            out(format!(
                "comment on column {name}.{} is {};",
                ident(&table.columns[c].name),
                literal(COMMENTS.choose(rng).unwrap_or(&""))
            ));
        }
    }
    for (index, table) in &base.indexes {
        let Some(columns) = &side.tables[*table] else {
            continue;
        };
        let present: Vec<usize> = (0..columns.len())
            .filter(|&c| columns[c].is_some())
            .collect();
        if let Some(&c) = present.choose(rng)
            && rng.random_bool(0.8)
        {
            let t = &base.tables[*table];
            out(format!(
                "create index {} on {} ({}{});",
                ident(index),
                qualified(base, t.schema, &t.name),
                ident(&t.columns[c].name),
                if rng.random_bool(0.3) { ", id" } else { "" }
            ));
        }
    }
    for (schema, name, materialized) in &base.views {
        let candidates: Vec<usize> = (0..base.tables.len())
            .filter(|&t| {
                side.tables[t].is_some()
                    && base.tables[t].schema == *schema
                    && side.schemas[*schema]
            })
            .collect();
        let Some(&t) = candidates.choose(rng) else {
            continue;
        };
        let table = &base.tables[t];
        let columns = side.tables[t].as_deref().unwrap_or_default();
        let mut selected = vec!["id".to_owned()];
        selected.extend(
            (0..columns.len())
                .filter(|&c| columns[c].is_some() && rng.random_bool(0.5))
                .map(|c| ident(&table.columns[c].name)),
        );
        let kind = if *materialized {
            "materialized view"
        } else {
            "view"
        };
        out(format!(
            "create {kind} {} as select {} from {};",
            qualified(base, *schema, name),
            selected.join(", "),
            qualified(base, table.schema, &table.name)
        ));
        if rng.random_bool(0.3) {
            out(format!(
                "comment on {kind} {} is {};",
                qualified(base, *schema, name),
                literal(COMMENTS.choose(rng).unwrap_or(&""))
            ));
        }
    }
    for (trigger, table) in &base.triggers {
        if side.tables[*table].is_none() || rng.random_bool(0.2) {
            continue;
        }
        let t = &base.tables[*table];
        let events = ["insert", "insert or update", "update"]
            .choose(rng)
            .copied()
            .unwrap_or("insert");
        out(format!(
            "create trigger {} before {events} on {} for each row execute function public.{}();",
            ident(trigger),
            qualified(base, t.schema, &t.name),
            ident(&base.trigger_function)
        ));
    }
    sql
}

/// FROM's rows: for each table, `rows` rows valid on both sides.
fn rows(base: &Base, from: &Side) -> String {
    let mut sql = String::from("insert into public.victim values (1);\n");
    for (t, table) in base.tables.iter().enumerate() {
        let Some(columns) = &from.tables[t] else {
            continue;
        };
        for row in 0..table.rows {
            let mut names = vec!["id".to_owned()];
            let mut values = vec![(row + 1).to_string()];
            for (c, (column, choice)) in table.columns.iter().zip(columns).enumerate() {
                let Some(choice) = choice else { continue };
                let ty = type_of(base, column, choice);
                names.push(ident(&column.name));
                values.push(value(base, column.family, &ty, row, c));
            }
            writeln!(
                sql,
                "insert into {} ({}) values ({});",
                qualified(base, table.schema, &table.name),
                names.join(", "),
                values.join(", ")
            )
            .ok();
        }
    }
    sql
}

/// Where a failing pair's files are kept.
fn failures_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("random-failures")
}

#[test]
fn random_schema_pairs_round_trip() {
    let seed = std::env::var("PGRIFT_RANDOM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    let pairs: u64 = std::env::var("PGRIFT_RANDOM_PAIRS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_PAIRS);
    support::note(&format!(
        "random pairs: {pairs} from seed {seed} (replay: PGRIFT_RANDOM_SEED={seed} cargo test random)"
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cluster = runtime.block_on(support::shared_cluster());
    let failures: Vec<String> = runtime.block_on(
        stream::iter(0..pairs)
            .map(|i| {
                let cluster = cluster.clone();
                let pair_seed = seed.wrapping_add(i);
                async move {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let pair = Pair::generate(pair_seed);
                    pair.write(dir.path()).expect("write the pair");
                    let (seeded, swapped) = roundtrip::run_dir(&cluster, dir.path()).await;
                    let error = match (seeded, swapped) {
                        (Ok(_), Ok(())) => return None,
                        (Err(e), _) => e,
                        (_, Err(e)) => format!("(swapped) {e}"),
                    };
                    let kept = failures_dir().join(pair_seed.to_string());
                    let _ = std::fs::create_dir_all(&kept);
                    let _ = pair.write(&kept);
                    Some(format!(
                        "pair {pair_seed} (files in {}; replay: PGRIFT_RANDOM_SEED={pair_seed} PGRIFT_RANDOM_PAIRS=1 cargo test random): {error}",
                        kept.display()
                    ))
                }
            })
            .buffer_unordered(roundtrip::PARALLEL)
            .filter_map(|failure| async move { failure })
            .collect(),
    );
    assert!(
        failures.is_empty(),
        "{} of {pairs} random pairs failed (seed {seed}):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_same_seed_gives_the_same_pair() {
    let (a, b) = (Pair::generate(42), Pair::generate(42));
    assert_eq!((a.from, a.to, a.seed), (b.from, b.to, b.seed));
    assert_ne!(Pair::generate(42).to, Pair::generate(43).to);
}
