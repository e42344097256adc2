//! Introspection of real databases.
//!
//! Each test loads a fixture into a scratch database, reads it back with
//! [`introspect`], renders the catalog as one line per object, property,
//! dependency and warning, and checks that the lines it expects are there
//! and the lines it rules out are not. Lines are compared exactly; a line
//! ending in `*` matches every line that starts with the rest.
//!
//! The server is the shared test cluster, which needs the `citext` and
//! `pgcrypto` extensions (Debian's `postgresql-contrib`).

use pgrift::catalog::{Acl, AclEntry, AclGrantee, Catalog, Column, ObjectId, SequenceOptions};
use pgrift::introspect::{IntrospectError, Introspected, introspect};
use tokio_postgres::Client;

use crate::support;

const RICH: &str = include_str!("fixtures/introspect.sql");
const PG18: &str = include_str!("fixtures/introspect_pg18.sql");
const DEFINITIONS: &str = include_str!("fixtures/definitions.sql");

#[tokio::test]
async fn empty_database() {
    check(
        "empty",
        "",
        &[
            "schema public -- standard public schema",
            "extension plpgsql 1.0 in pg_catalog",
        ],
        &["table *", "warning *", "dependency *", "function *"],
    )
    .await;
}

#[tokio::test]
async fn rich_schema() {
    check(
        "rich",
        RICH,
        &[
            // Objects and their properties.
            "schema app -- Application objects",
            "extension citext * in public",
            "extension pgcrypto * in app",
            "enum app.mood (sad, meh, ok, happy) -- How a user feels",
            "sequence app.invoice_no integer start 1000 increment 10 min 1 max 2147483647 \
             cache 5 cycle owned by app.teams.invoice -- Invoice numbers",
            "sequence app.teams_id_seq integer start 1 increment 1 min 1 max 2147483647 \
             cache 1 owned by app.teams.id",
            "table app.users row security forced -- People",
            "table app.scratch unlogged",
            "column app.users.id bigint not null identity always app.users_id_seq bigint start 7 \
             increment 3 min 1 max 9223372036854775807 cache 1",
            "column app.users.email public.citext not null -- Login",
            "column app.users.name text collate pg_catalog.\"C\"",
            "column app.users.mood app.mood not null default 'ok'::app.mood",
            "column app.users.moods app.mood[]",
            "column app.users.code text default app.next_code()",
            "column app.users.doubled integer generated (score * 2)",
            "column app.teams.id integer not null default nextval('app.teams_id_seq'::regclass)",
            "column app.teams.legacy_id integer not null identity by default \
             app.teams_legacy_id_seq integer start 1 increment 1 min 1 max 2147483647 cache 1",
            "column app.tokens.salt text default app.gen_salt('md5'::text)",
            "constraint users_pkey on app.users primary-key: PRIMARY KEY (id)",
            "constraint users_score_check on app.users check: CHECK (app.is_positive(score))",
            "constraint users_team_fk on app.users foreign-key not valid: \
             FOREIGN KEY (team_id) REFERENCES app.teams(id) -- Mutual reference",
            "constraint teams_lead_id_fkey on app.teams foreign-key: \
             FOREIGN KEY (lead_id) REFERENCES app.users(id) DEFERRABLE INITIALLY DEFERRED",
            "constraint slots_during_excl on app.slots exclusion: \
             EXCLUDE USING gist (during WITH &&)",
            "index app.users_lower_code on app.users: \
             CREATE INDEX users_lower_code ON app.users USING btree (lower(code)) \
             -- Case-insensitive code",
            "index app.users_name on app.users: \
             CREATE INDEX users_name ON app.users USING btree (name) WHERE (score > 0)",
            "index app.team_sizes_team on app.team_sizes: \
             CREATE UNIQUE INDEX team_sizes_team ON app.team_sizes USING btree (team_id)",
            "view app.happy_users with (security_barrier=true)",
            "view app.happy_emails -- View on a view",
            "materialized view app.team_sizes",
            "function app.is_positive(n integer) returns boolean",
            "function app.is_positive(n bigint) returns boolean",
            "table \"Sales\".\"Order Items\"",
            "column \"Sales\".\"Order Items\".Qty integer",
            "constraint Order Items_Qty_check on \"Sales\".\"Order Items\" check: \
             CHECK ((\"Qty\" > 0))",
            "dependency view \"Sales\".\"Big Orders\" -> column \"Sales\".\"Order Items\".\"user\"",
            "column app.addresses.zip app.us_postal_code",
            "column app.scratch.v integer",
            "function app.user_label(u app.users) returns text",
            "procedure app.reset(*",
            "trigger users_touch on app.users disabled: CREATE TRIGGER users_touch BEFORE INSERT \
             OR UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch() \
             -- Keeps code fresh",
            "trigger happy_insert on app.happy_users origin: *",
            // Dependencies the planner orders by.
            "dependency view app.happy_users -> column app.users.email",
            "dependency view app.happy_emails -> view app.happy_users",
            "dependency view app.team_sizes -> column app.users.team_id",
            "dependency default app.teams.invoice -> sequence app.invoice_no",
            "dependency default app.users.code -> function app.next_code()",
            "dependency default app.tokens.salt -> extension pgcrypto",
            "dependency constraint users_score_check on app.users -> \
             function app.is_positive(n integer)",
            "dependency index app.users_mood_text -> function app.lower_email(e app.mood)",
            "dependency index app.users_name -> column app.users.score",
            "dependency constraint users_team_fk on app.users -> constraint teams_pkey on app.teams",
            "dependency constraint teams_lead_id_fkey on app.teams -> \
             constraint users_pkey on app.users",
            "dependency trigger users_touch on app.users -> function app.touch()",
            "dependency trigger happy_insert on app.happy_users -> function app.instead()",
            "dependency column app.users.mood -> type app.mood",
            "dependency column app.users.moods -> type app.mood",
            "dependency column app.users.email -> extension citext",
            "dependency column app.users.doubled -> column app.users.score",
            "dependency function app.lower_email(e app.mood) -> type app.mood",
            "dependency function app.user_count() -> table app.users",
            "dependency function app.user_label(u app.users) -> table app.users",
            "dependency extension pgcrypto -> schema app",
            "dependency function app.touch() -> extension plpgsql",
            // What is not modelled.
            "domain app.us_postal_code text",
            "domain check us_postal_code_check on app.us_postal_code: \
             CHECK ((VALUE ~ '^\\d{5}$'::text))",
            "dependency column app.addresses.zip -> domain app.us_postal_code",
            "composite type app.pair (a integer, b integer)",
            "table app.events partition by RANGE (at)",
            "table app.events_2024 partition of app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            "table app.child inherits app.parent",
            "column app.child.id integer inherited",
            "column app.child.extra text",
            "column app.events_2024.at date not null inherited",
            "table app.pairs of app.pair",
            "policy own_rows on app.users permissive all to PUBLIC: using true",
            "policy positive on app.users restrictive update to pg_monitor, pg_read_all_stats: \
             using (score > 0) with check app.is_positive(score) -- Only positive scores",
            "dependency policy positive on app.users -> function app.is_positive(n integer)",
            "table app.tuned with fillfactor=70, toast.autovacuum_enabled=false \
             replica identity Full",
            "column app.tuned.id integer statistics 500",
            "column app.tuned.body text storage External (type Extended) compression Pglz",
            "privileges app.tuned.id: +PUBLIC SELECT",
            "aggregate app.total(integer) returns integer: \
             [{\"s-func\":\"int4pl\"},{\"s-type\":\"integer\"}]",
            "rule scratch_noop on app.scratch origin: CREATE RULE scratch_noop AS \
             ON DELETE TO app.scratch DO INSTEAD NOTHING",
            "statistics object app.users_stats on app.users: CREATE STATISTICS \
             app.users_stats ON score, team_id FROM app.users",
            "privileges app.users: +pgrift_it_reader SELECT",
            "text search configuration app.english_copy parser pg_catalog.\"default\" \
             with 19 mappings, asciiword: pg_catalog.english_stem",
            "collation app.german libc collate Some(\"C\") ctype Some(\"C\") locale None \
             deterministic true",
            "event trigger no_op on ddl_command_start tags [] executes app.noop_event Origin",
        ],
        &[
            // Extension members, identity sequences and indexes behind
            // constraints.
            "function app.gen_salt(*",
            "function public.citext(*",
            "sequence app.users_id_seq *",
            "sequence app.teams_legacy_id_seq *",
            "index app.users_pkey *",
            "index app.users_email_key *",
            "function app.total(*",
            "column app.scratch.*pg.dropped*",
            // `OWNED BY` is a property of the sequence, not an edge.
            "dependency sequence app.invoice_no -> column app.teams.invoice",
            "dependency sequence app.teams_id_seq -> column app.teams.id",
            // The public schema's own privileges are the default, and the
            // privileges of tables and columns are modelled.
            "warning privileges public*",
            "warning privileges app.*",
            "warning storage parameters *",
            "warning replica identity *",
            "warning statistics target *",
            "warning storage *",
            "warning compression *",
            "warning type *",
        ],
    )
    .await;
}

#[tokio::test]
async fn postgresql_18_tables() {
    // Older servers reject the fixture's syntax, so there is nothing to
    // check on them.
    if let Some(reason) = support::skip_reason(Some(18), server_version_num().await) {
        support::note(&format!("skipped postgresql_18_tables: {reason}"));
        return;
    }
    check(
        "pg18",
        PG18,
        &[
            "column public.t.id integer not null",
            "column public.t.a integer not null",
            "column public.t.c integer generated (a + 1)",
            // Not enforced is not the same as added `NOT VALID`.
            "constraint a_pos on public.t check: CHECK ((a > 0)) NOT ENFORCED",
            "constraint a_small on public.t check not valid: CHECK ((a < 100))",
            // The view's reference to the virtual column stands for the table.
            "dependency view public.tv -> table public.t",
            "dependency view public.tv -> column public.t.id",
            "warning virtual generated column public.t.b: *",
            "warning not-valid not-null constraint a_nn on public.t: *",
        ],
        &[
            "column public.t.b *",
            "constraint t_id_nn *",
            "constraint a_nn *",
            "dependency * -> column public.t.b",
        ],
    )
    .await;
}

/// pgrift builds the definitions of plain B-tree indexes and keys itself
/// rather than call `pg_get_indexdef` and `pg_get_constraintdef`
/// (src/introspect/indexdef.rs, keydef.rs), and leaves the rest to the
/// server: every index and constraint of a fixture of shapes (types whose
/// default operator class is found through a binary-coercible cast or a
/// pseudo-type, explicit classes, orderings, `INCLUDE`, keywords and quoted
/// names, collations, domains, other access methods; composite, deferrable,
/// `NOT VALID` keys, every match type and action, a key referencing a
/// partitioned table) must read exactly as the server prints it.
#[tokio::test]
async fn definitions_read_as_the_server_prints_them() {
    let (introspected, (indexes, constraints)) =
        read_fixture_and("definitions", DEFINITIONS, server_definitions).await;
    let catalog = introspected.catalog;
    let mut ours: Vec<(String, String)> = catalog
        .indexes
        .iter()
        .map(|index| (index.name.to_string(), index.definition.clone()))
        .collect();
    ours.sort();
    assert!(ours.len() >= 20, "too few indexes read: {ours:#?}");
    assert_eq!(ours, indexes);

    // The catalog keeps `NOT VALID` apart from the definition.
    let mut ours: Vec<(String, String)> = catalog
        .tables
        .iter()
        .flat_map(|table| {
            table.constraints.iter().map(move |constraint| {
                let not_valid = if constraint.validated {
                    ""
                } else {
                    " NOT VALID"
                };
                (
                    format!("{}.{}", table.name, constraint.name),
                    format!("{}{not_valid}", constraint.definition),
                )
            })
        })
        .collect();
    ours.sort();
    assert!(ours.len() >= 15, "too few constraints read: {ours:#?}");
    assert_eq!(ours, constraints);
}

/// Every index that is not a constraint's, and every constraint pgrift reads
/// (of modelled tables), named and printed by the server with the empty
/// `search_path` introspection uses, in name order.
async fn server_definitions(client: &Client) -> (Vec<(String, String)>, Vec<(String, String)>) {
    client
        .batch_execute("BEGIN; SET LOCAL search_path = ''")
        .await
        .expect("a transaction starts");
    let indexes = client
        .query(
            "SELECT n.nspname::text, c.relname::text, pg_catalog.pg_get_indexdef(c.oid) \
             FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
             AND i.indexrelid NOT IN (SELECT conindid FROM pg_catalog.pg_constraint) \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class t \
                 WHERE t.oid = i.indrelid AND t.relkind = 'p')",
            &[],
        )
        .await
        .expect("the server prints the indexes");
    let constraints = client
        .query(
            "SELECT n.nspname::text, c.relname::text, pg_catalog.pg_get_constraintdef(k.oid), \
             k.conname::text \
             FROM pg_catalog.pg_constraint k \
             JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
             AND c.relkind IN ('r', 'p') AND k.conparentid = 0 \
             AND k.contype IN ('p', 'u', 'f', 'c', 'x')",
            &[],
        )
        .await
        .expect("the server prints the constraints");
    client.batch_execute("ROLLBACK").await.expect("rollback");
    // A constraint is named after its table, as the test names it.
    let named = |rows: Vec<tokio_postgres::Row>| {
        let mut named: Vec<(String, String)> = rows
            .iter()
            .map(|row| {
                let mut name = pgrift::catalog::QualName::new(
                    row.get::<_, String>(0),
                    row.get::<_, String>(1),
                )
                .to_string();
                if row.len() > 3 {
                    name = format!("{name}.{}", row.get::<_, String>(3));
                }
                (name, row.get(2))
            })
            .collect();
        named.sort();
        named
    };
    (named(indexes), named(constraints))
}

#[tokio::test]
async fn a_session_in_a_transaction_is_left_alone() {
    let client = connect("postgres").await;
    client
        .batch_execute("BEGIN; SET LOCAL search_path = mine")
        .await
        .expect("a transaction starts");
    let error = introspect(&client)
        .await
        .expect_err("introspection refuses");
    assert!(
        matches!(error, IntrospectError::InTransaction),
        "unexpected error: {error}"
    );
    // The caller's transaction is still open, with its settings.
    let row = client
        .query_one("SELECT current_setting('search_path')", &[])
        .await
        .expect("the transaction is still usable");
    assert_eq!(row.get::<_, String>(0), "mine");
    client
        .batch_execute("ROLLBACK")
        .await
        .expect("the caller ends it");
}

/// Loads `fixture` into a new database, reads it back and checks the
/// rendered lines.
async fn check(name: &str, fixture: &str, expected: &[&str], absent: &[&str]) {
    let introspected = read_fixture(name, fixture).await;
    assert!(introspected.server_version_num >= 140000);
    let catalog = &introspected.catalog;
    let lines = render(catalog);
    let text = lines.join("\n");
    for line in expected {
        assert!(
            lines.iter().any(|actual| matches(line, actual)),
            "missing line:\n{line}\n\ncatalog:\n{text}"
        );
    }
    for line in absent {
        assert!(
            !lines.iter().any(|actual| matches(line, actual)),
            "unexpected line matching:\n{line}\n\ncatalog:\n{text}"
        );
    }

    // A catalog is sorted and survives a snapshot file unchanged.
    let mut normalized = catalog.clone();
    normalized.normalize();
    assert_eq!(&normalized, catalog, "the catalog is not normalized");
    let json = serde_json::to_string(catalog).expect("a catalog serializes");
    let back: Catalog = serde_json::from_str(&json).expect("a catalog deserializes");
    assert_eq!(&back, catalog);
}

/// `*` inside an expected line matches any text.
fn matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == line;
    };
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

fn render(catalog: &Catalog) -> Vec<String> {
    let comment = |comment: &Option<String>| match comment {
        Some(text) => format!(" -- {text}"),
        None => String::new(),
    };
    let mut lines = Vec::new();
    for schema in &catalog.schemas {
        lines.push(format!(
            "schema {}{}",
            schema.name,
            comment(&schema.comment)
        ));
    }
    for extension in &catalog.extensions {
        lines.push(format!(
            "extension {} {} in {}",
            extension.name, extension.version, extension.schema
        ));
    }
    for enum_type in &catalog.enums {
        lines.push(format!(
            "enum {} ({}){}",
            enum_type.name,
            enum_type.labels.join(", "),
            comment(&enum_type.comment)
        ));
    }
    for sequence in &catalog.sequences {
        let owned_by = match &sequence.owned_by {
            Some(column) => format!(" owned by {}.{}", column.table, column.column),
            None => String::new(),
        };
        lines.push(format!(
            "sequence {} {}{owned_by}{}",
            sequence.name,
            render_options(&sequence.options),
            comment(&sequence.comment)
        ));
    }
    for table in &catalog.tables {
        let unlogged = if table.unlogged { " unlogged" } else { "" };
        let mut tree = String::new();
        if let Some(key) = &table.partition_by {
            tree.push_str(&format!(" partition by {key}"));
        }
        if let Some(partition) = &table.partition_of {
            tree.push_str(&format!(
                " partition of {} {}",
                partition.parent, partition.bound
            ));
        }
        for parent in &table.inherits {
            tree.push_str(&format!(" inherits {parent}"));
        }
        if let Some(of_type) = &table.of_type {
            tree.push_str(&format!(" of {of_type}"));
        }
        let enabled = if table.row_security.enabled {
            " row security"
        } else {
            ""
        };
        let forced = if table.row_security.forced {
            " forced"
        } else {
            ""
        };
        let options = if table.options.is_empty() {
            String::new()
        } else {
            format!(" with {}", table.options.join(", "))
        };
        let identity = if table.replica_identity.is_default() {
            String::new()
        } else {
            format!(" replica identity {:?}", table.replica_identity)
        };
        lines.push(format!(
            "table {}{unlogged}{enabled}{forced}{tree}{options}{identity}{}",
            table.name,
            comment(&table.comment)
        ));
        for column in &table.columns {
            lines.push(format!(
                "column {}.{} {}",
                table.name,
                column.name,
                render_column(column)
            ));
        }
        for constraint in &table.constraints {
            let kind = serde_json::to_value(constraint.kind).expect("a kind serializes");
            let not_valid = if constraint.validated {
                ""
            } else {
                " not valid"
            };
            lines.push(format!(
                "constraint {} on {} {}{not_valid}: {}{}",
                constraint.name,
                table.name,
                kind.as_str().unwrap_or_default(),
                constraint.definition,
                comment(&constraint.comment)
            ));
        }
    }
    for index in &catalog.indexes {
        lines.push(format!(
            "index {} on {}: {}{}",
            index.name,
            index.table,
            index.definition,
            comment(&index.comment)
        ));
    }
    for view in &catalog.views {
        let kind = if view.materialized {
            "materialized view"
        } else {
            "view"
        };
        let options = if view.options.is_empty() {
            String::new()
        } else {
            format!(" with ({})", view.options.join(", "))
        };
        lines.push(format!(
            "{kind} {}{options}{}",
            view.name,
            comment(&view.comment)
        ));
    }
    for function in &catalog.functions {
        let returns = match &function.result {
            Some(result) => format!(" returns {result}"),
            None => String::new(),
        };
        let kind = function.kind.noun();
        lines.push(format!(
            "{kind} {}({}){returns}{}",
            function.name,
            function.identity_args,
            comment(&function.comment)
        ));
    }
    for trigger in &catalog.triggers {
        let enabled = serde_json::to_value(trigger.enabled).expect("a state serializes");
        lines.push(format!(
            "trigger {} on {} {}: {}{}",
            trigger.name,
            trigger.table,
            enabled.as_str().unwrap_or_default(),
            trigger.definition,
            comment(&trigger.comment)
        ));
    }
    for statistics in &catalog.statistics {
        let target = statistics
            .target
            .map(|target| format!(" target {target}"))
            .unwrap_or_default();
        lines.push(format!(
            "statistics object {} on {}: {}{target}{}",
            statistics.name,
            statistics.table,
            statistics.definition,
            comment(&statistics.comment)
        ));
    }
    for aggregate in &catalog.aggregates {
        let options = serde_json::to_string(&aggregate.options).expect("options serialize");
        lines.push(format!(
            "aggregate {}({}) returns {}: {options}{}",
            aggregate.name,
            aggregate.identity_args,
            aggregate.result,
            comment(&aggregate.comment)
        ));
    }
    for collation in &catalog.collations {
        let provider = serde_json::to_value(collation.provider).expect("a provider serializes");
        lines.push(format!(
            "collation {} {} collate {:?} ctype {:?} locale {:?} deterministic {}{}",
            collation.name,
            provider.as_str().unwrap_or_default(),
            collation.lc_collate,
            collation.lc_ctype,
            collation.locale,
            collation.deterministic,
            comment(&collation.comment)
        ));
    }
    for trigger in &catalog.event_triggers {
        lines.push(format!(
            "event trigger {} on {} tags {:?} executes {} {:?}{}",
            trigger.name,
            trigger.event,
            trigger.tags,
            trigger.function,
            trigger.enabled,
            comment(&trigger.comment)
        ));
    }
    for config in &catalog.ts_configs {
        let asciiword: Vec<String> = config
            .mappings
            .iter()
            .filter(|m| m.token == "asciiword")
            .flat_map(|m| m.dictionaries.iter().map(ToString::to_string))
            .collect();
        lines.push(format!(
            "text search configuration {} parser {} with {} mappings, asciiword: {}{}",
            config.name,
            config.parser,
            config.mappings.len(),
            asciiword.join(", "),
            comment(&config.comment)
        ));
    }
    for domain in &catalog.domains {
        let collation = domain
            .collation
            .as_ref()
            .map(|c| format!(" collate {c}"))
            .unwrap_or_default();
        let default = domain
            .default
            .as_ref()
            .map(|d| format!(" default {d}"))
            .unwrap_or_default();
        let not_null = if domain.not_null { " not null" } else { "" };
        lines.push(format!(
            "domain {} {}{collation}{default}{not_null}{}",
            domain.name,
            domain.base_type,
            comment(&domain.comment)
        ));
    }
    for check in &catalog.domain_checks {
        let state = if check.validated { "" } else { " not valid" };
        lines.push(format!(
            "domain check {} on {}: {}{state}{}",
            check.name,
            check.domain,
            check.definition,
            comment(&check.comment)
        ));
    }
    for ty in &catalog.composites {
        let attributes: Vec<String> = ty
            .attributes
            .iter()
            .map(|a| format!("{} {}{}", a.name, a.data_type, comment(&a.comment)))
            .collect();
        lines.push(format!(
            "composite type {} ({}){}",
            ty.name,
            attributes.join(", "),
            comment(&ty.comment)
        ));
    }
    for rule in &catalog.rules {
        let enabled = serde_json::to_value(rule.enabled).expect("a state serializes");
        lines.push(format!(
            "rule {} on {} {}: {}{}",
            rule.name,
            rule.table,
            enabled.as_str().unwrap_or_default(),
            rule.definition
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            comment(&rule.comment)
        ));
    }
    for policy in &catalog.policies {
        let kind = if policy.permissive {
            "permissive"
        } else {
            "restrictive"
        };
        let command = serde_json::to_value(policy.command).expect("a command serializes");
        let roles: Vec<String> = policy.roles.iter().map(|r| r.to_string()).collect();
        let mut line = format!(
            "policy {} on {} {kind} {} to {}:",
            policy.name,
            policy.table,
            command.as_str().unwrap_or_default(),
            roles.join(", ")
        );
        if let Some(using) = &policy.using {
            line.push_str(&format!(" using {using}"));
        }
        if let Some(with_check) = &policy.with_check {
            line.push_str(&format!(" with check {with_check}"));
        }
        line.push_str(&comment(&policy.comment));
        lines.push(line);
    }
    for table in &catalog.tables {
        if !table.acl.is_default() {
            lines.push(format!(
                "privileges {}: {}",
                table.name,
                render_acl(&table.acl)
            ));
        }
        for column in &table.columns {
            if let Some(acl) = &column.extra().acl {
                lines.push(format!(
                    "privileges {}.{}: {}",
                    table.name,
                    column.name,
                    render_acl(acl)
                ));
            }
        }
    }
    for dependency in &catalog.dependencies {
        lines.push(format!(
            "dependency {} -> {}",
            render_id(&dependency.dependent),
            render_id(&dependency.referenced)
        ));
    }
    for warning in &catalog.warnings {
        lines.push(format!(
            "warning {} {}: {}",
            warning.kind, warning.object, warning.message
        ));
    }
    lines
}

/// `+grantee PRIVILEGE` for what an ACL grants beyond the default
/// (`*` with grant option), `-…` for what of the default it lacks.
fn render_acl(acl: &Acl) -> String {
    let entry = |sign: char, e: &AclEntry| {
        let grantee = match &e.grantee {
            AclGrantee::Public => "PUBLIC".to_owned(),
            AclGrantee::Owner => "owner".to_owned(),
            AclGrantee::Role(name) => name.to_string(),
        };
        let option = if e.grant_option { "*" } else { "" };
        format!("{sign}{grantee} {}{option}", e.privilege)
    };
    acl.granted
        .iter()
        .map(|e| entry('+', e))
        .chain(acl.revoked.iter().map(|e| entry('-', e)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_id(id: &ObjectId) -> String {
    format!("{} {id}", id.kind_name())
}

fn render_options(options: &SequenceOptions) -> String {
    let cycle = if options.cycle { " cycle" } else { "" };
    format!(
        "{} start {} increment {} min {} max {} cache {}{cycle}",
        options.data_type,
        options.start,
        options.increment,
        options.min_value,
        options.max_value,
        options.cache
    )
}

fn render_column(column: &Column) -> String {
    let mut text = column.data_type.clone();
    if let Some(collation) = column.collation() {
        text.push_str(&format!(" collate {collation}"));
    }
    if column.not_null {
        text.push_str(" not null");
    }
    if column.inherited {
        text.push_str(" inherited");
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" default {default}"));
    }
    if let Some(identity) = column.identity() {
        let always = if identity.always {
            "always"
        } else {
            "by default"
        };
        text.push_str(&format!(
            " identity {always} {} {}",
            identity.sequence,
            render_options(&identity.options)
        ));
    }
    if let Some(generated) = column.generated() {
        text.push_str(&format!(" generated {generated}"));
    }
    let settings = column.settings();
    if let Some(storage) = settings.storage {
        text.push_str(&format!(
            " storage {:?} (type {:?})",
            storage.storage, storage.type_default
        ));
    }
    if let Some(compression) = settings.compression {
        text.push_str(&format!(" compression {compression:?}"));
    }
    if let Some(target) = settings.statistics {
        text.push_str(&format!(" statistics {target}"));
    }
    if let Some(text_comment) = column.comment() {
        text.push_str(&format!(" -- {text_comment}"));
    }
    text.to_string()
}

/// Creates a database named after the test on the shared cluster, loads
/// `fixture`, introspects it and drops the database again before
/// returning, so that a failed assertion leaves nothing behind.
async fn read_fixture(name: &str, fixture: &str) -> Introspected {
    read_fixture_and(name, fixture, async |_: &Client| ())
        .await
        .0
}

/// Like [`read_fixture`], and also returns what `also` reads from the
/// database before it is dropped.
async fn read_fixture_and<T>(
    name: &str,
    fixture: &str,
    also: impl AsyncFnOnce(&Client) -> T,
) -> (Introspected, T) {
    let cluster = support::shared_cluster().await;
    let database = support::unique_name(&format!("introspect_{name}"));
    cluster
        .create_database(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));
    let client = connect(&database).await;
    let loaded = client.batch_execute(fixture).await;
    let introspected = match &loaded {
        Ok(()) => Some((introspect(&client).await, also(&client).await)),
        Err(_) => None,
    };
    drop(client);
    cluster
        .drop_database(&database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)));

    loaded.expect("the fixture loads");
    match introspected {
        Some((Ok(introspected), also)) => (introspected, also),
        Some((Err(error), _)) => panic!(
            "introspection failed: {error}: {:?} (hint: {:?})",
            std::error::Error::source(&error),
            error.hint()
        ),
        None => unreachable!("the fixture loaded"),
    }
}

async fn server_version_num() -> i32 {
    support::shared_cluster().await.server_version_num()
}

/// A connection to a database of the shared test cluster.
async fn connect(database: &str) -> Client {
    support::shared_cluster()
        .await
        .connect(database)
        .await
        .unwrap_or_else(|e| panic!("{}", support::explain(&e)))
}
