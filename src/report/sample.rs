//! A small report built the way the CLI builds one: two catalogs, diffed and
//! planned both ways, with hand-written risks attached to real statements.
//! Every renderer's snapshot test renders it.

use super::{Report, Section, Side, build};
use crate::catalog::{
    Catalog, Column, Constraint, ConstraintKind, Dependency, Function, FunctionKind, ObjectId,
    QualName, Schema, Table, Trigger, TriggerEnabled, View, Warning,
};
use crate::plan::Plan;
use crate::risk::{
    Assessment, Category, Evidence, LockLevel, Risk, Rule, Severity, StatementRisks,
};

fn column(name: &str, data_type: &str, not_null: bool) -> Column {
    let mut column = Column::new(name, data_type);
    column.not_null = not_null;
    column
}

fn users(legacy: bool) -> Table {
    let mut columns = vec![column("id", "bigint", true), column("email", "text", true)];
    if legacy {
        columns.push(column("legacy_email", "text", false));
    }
    Table::new(QualName::new("public", "users"), columns)
}

fn orders(note_type: &str, check: bool) -> Table {
    let columns = vec![
        column("id", "bigint", true),
        column("user_id", "bigint", true),
        column("note", note_type, false),
    ];
    let mut table = Table::new(QualName::new("public", "orders"), columns);
    if check {
        table.constraints.push(Constraint {
            name: "orders_note_check".into(),
            kind: ConstraintKind::Check,
            definition: "CHECK (((note)::text !~ '^(x|y)$'::text))".into(),
            validated: true,
            inherited: false,
            replica_identity: false,
            options: Vec::new(),
            comment: None,
        });
    }
    table
}

fn touch(body: &str) -> Function {
    Function {
        acl: Default::default(),
        owner: Default::default(),
        name: QualName::new("public", "touch"),
        kind: FunctionKind::Function,
        identity_args: String::new(),
        arguments: String::new(),
        result: Some("trigger".into()),
        definition: format!(
            "CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nbegin\n{body}  return new;\nend\n$function$\n"
        ),
        comment: None,
    }
}

fn warnings() -> Vec<Warning> {
    vec![
        Warning {
            kind: "domain".into(),
            object: "public.us_postal_code".into(),
            message: "domain public.us_postal_code is not modelled by pgrift and is left out of the diff".into(),
        },
        Warning {
            kind: "policy".into(),
            object: "own_orders on public.orders".into(),
            message: "policy own_orders on public.orders is not modelled by pgrift and is left out of the diff".into(),
        },
    ]
}

pub fn from_catalog() -> Catalog {
    let mut catalog = Catalog {
        schemas: vec![Schema {
            acl: Default::default(),
            owner: Default::default(),
            name: "public".into(),
            comment: None,
        }],
        tables: vec![users(true), orders("character varying(64)", false)],
        views: vec![View {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "active_users"),
            materialized: false,
            definition: " SELECT id,\n    email,\n    legacy_email\n   FROM public.users\n  WHERE legacy_email IS NOT NULL;".into(),
            options: Vec::new(),
            comment: None,
            column_comments: Vec::new(),
            columns: Vec::new(),
        }],
        functions: vec![touch("  new.email := lower(new.email);\n")],
        triggers: vec![Trigger {
            table: QualName::new("public", "users"),
            name: "users_touch".into(),
            definition: "CREATE TRIGGER users_touch BEFORE INSERT OR UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.touch()".into(),
            enabled: TriggerEnabled::Origin,
            comment: None,
        }],
        dependencies: vec![
            Dependency {
                dependent: ObjectId::View {
                    name: QualName::new("public", "active_users"),
                },
                referenced: ObjectId::Column {
                    table: QualName::new("public", "users"),
                    column: "legacy_email".into(),
                },
            },
            Dependency {
                dependent: ObjectId::Trigger {
                    table: QualName::new("public", "users"),
                    name: "users_touch".into(),
                },
                referenced: ObjectId::Function {
                    name: QualName::new("public", "touch"),
                    args: crate::catalog::Name::default(),
                },
            },
        ],
        warnings: warnings(),
        ..Catalog::default()
    };
    catalog.normalize();
    catalog
}

pub fn to_catalog() -> Catalog {
    let mut catalog = Catalog {
        schemas: vec![Schema {
            acl: Default::default(),
            owner: Default::default(),
            name: "public".into(),
            comment: None,
        }],
        tables: vec![users(false), orders("character varying(20)", true)],
        views: vec![View {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "active_users"),
            materialized: false,
            definition: " SELECT id,\n    email\n   FROM public.users\n  WHERE email IS NOT NULL;".into(),
            options: Vec::new(),
            comment: None,
            column_comments: Vec::new(),
            columns: Vec::new(),
        }],
        functions: vec![
            touch("  new.email := lower(btrim(new.email));\n"),
            Function {
                acl: Default::default(),
                owner: Default::default(),
                name: QualName::new("public", "order_count"),
                kind: FunctionKind::Function,
                identity_args: "p_user bigint".into(),
                arguments: "p_user bigint".into(),
                result: Some("bigint".into()),
                definition: "CREATE OR REPLACE FUNCTION public.order_count(p_user bigint)\n RETURNS bigint\n LANGUAGE sql\n STABLE\nAS $function$select count(*) from public.orders where user_id = p_user$function$\n".into(),
                comment: None,
            },
        ],
        warnings: warnings(),
        ..Catalog::default()
    };
    catalog.normalize();
    catalog
}

pub fn plan(from: &Catalog, to: &Catalog) -> Plan {
    crate::plan::plan(crate::diff::diff(from, to)).expect("the sample plans")
}

/// Where a statement containing `needle` sits in a plan, and its text.
fn locate(plan: &Plan, needle: &str) -> (usize, usize, String) {
    for (s, step) in plan.steps.iter().enumerate() {
        for (i, stmt) in step.statements.iter().enumerate() {
            let text = format!("{stmt};");
            if text.contains(needle) {
                return (s, i, text);
            }
        }
    }
    panic!("no statement contains {needle:?}");
}

struct Spec {
    needle: &'static str,
    rule: Rule,
    category: Category,
    severity: Severity,
    object: &'static str,
    message: &'static str,
    mitigation: &'static str,
    lock: Option<LockLevel>,
    tables: &'static [&'static str],
    evidence: Option<Evidence>,
}

fn assess(plan: &Plan, specs: Vec<Spec>) -> Assessment {
    let mut statements: Vec<StatementRisks> = Vec::new();
    for spec in specs {
        let (step, index, statement) = locate(plan, spec.needle);
        let risk = Risk {
            rule: spec.rule,
            category: spec.category,
            severity: spec.severity,
            object: spec.object.into(),
            statement,
            message: spec.message.into(),
            mitigation: spec.mitigation.into(),
            lock: spec.lock,
            tables: spec.tables.iter().map(|t| t.to_string()).collect(),
            evidence: spec.evidence,
        };
        match statements
            .iter_mut()
            .find(|s| s.step == step && s.index == index)
        {
            Some(s) => s.risks.push(risk),
            None => statements.push(StatementRisks {
                step,
                index,
                risks: vec![risk],
            }),
        }
    }
    Assessment { statements }
}

fn forward_risks(plan: &Plan) -> Assessment {
    assess(
        plan,
        vec![
            Spec {
                needle: "DROP COLUMN legacy_email",
                rule: Rule::DropColumn,
                category: Category::DataLoss,
                severity: Severity::High,
                object: "public.users.legacy_email",
                message: "Dropping column public.users.legacy_email deletes its data",
                mitigation: "Export the column first, or stop using it and drop it in a later release",
                lock: None,
                tables: &["public.users"],
                evidence: Some(Evidence {
                    measure: "non-null values that would be lost".into(),
                    count: 3,
                    estimated: false,
                    table_pages: Some(12),
                    table_rows_estimate: Some(1040),
                    query: "SELECT count(legacy_email) FROM public.users".into(),
                }),
            },
            Spec {
                needle: "DROP COLUMN legacy_email",
                rule: Rule::DropColumn,
                category: Category::BreaksClients,
                severity: Severity::Medium,
                object: "public.users.legacy_email",
                message: "Dropping column public.users.legacy_email breaks queries that still read it",
                mitigation: "Find the callers and deploy them without the column first",
                lock: None,
                tables: &["public.users"],
                evidence: None,
            },
            Spec {
                needle: "TYPE character varying(20)",
                rule: Rule::NarrowingType,
                category: Category::MayFail,
                severity: Severity::High,
                object: "public.orders.note",
                message: "Narrowing public.orders.note to character varying(20) will fail: 2 values do not fit",
                mitigation: "Shorten or move the long values first, then change the type",
                lock: Some(LockLevel::AccessExclusive),
                tables: &["public.orders"],
                evidence: Some(Evidence {
                    measure: "values that do not fit".into(),
                    count: 2,
                    estimated: false,
                    table_pages: Some(8400),
                    table_rows_estimate: Some(512000),
                    query: "SELECT count(*) FROM public.orders WHERE length(note) > 20".into(),
                }),
            },
            Spec {
                needle: "TYPE character varying(20)",
                rule: Rule::TypeRewrite,
                category: Category::TableRewrite,
                severity: Severity::Medium,
                object: "public.orders",
                message: "Changing the type of public.orders.note rewrites public.orders under an ACCESS EXCLUSIVE lock",
                mitigation: "Run it in a maintenance window, or add a new column and backfill it in batches",
                lock: Some(LockLevel::AccessExclusive),
                tables: &["public.orders"],
                evidence: Some(Evidence {
                    measure: "rows to rewrite".into(),
                    count: 512000,
                    estimated: true,
                    table_pages: Some(8400),
                    table_rows_estimate: Some(512000),
                    query: "SELECT reltuples::bigint FROM pg_class WHERE oid = 'public.orders'::regclass".into(),
                }),
            },
            Spec {
                needle: "ADD CONSTRAINT orders_note_check",
                rule: Rule::AddCheck,
                category: Category::ValidationScan,
                severity: Severity::Low,
                object: "orders_note_check on public.orders",
                message: "Adding CHECK (((note)::text !~ '^(x|y)$'::text)) reads every row of public.orders under a <SHARE ROW EXCLUSIVE> lock",
                mitigation: "Add the constraint NOT VALID, then VALIDATE CONSTRAINT in a separate transaction",
                lock: Some(LockLevel::ShareRowExclusive),
                tables: &["public.orders"],
                evidence: None,
            },
            // No rule reports a dropped trigger yet; this hand-written risk
            // shows an info row, and borrows the lock rule's id.
            Spec {
                needle: "DROP TRIGGER users_touch",
                rule: Rule::Lock,
                category: Category::BreaksClients,
                severity: Severity::Info,
                object: "users_touch on public.users",
                message: "Dropping trigger users_touch on public.users: rows are no longer normalised on write",
                mitigation: "Make sure the application does the trigger's work before it goes",
                lock: Some(LockLevel::ShareRowExclusive),
                tables: &["public.users"],
                evidence: None,
            },
        ],
    )
}

fn reverse_risks(plan: &Plan) -> Assessment {
    assess(
        plan,
        vec![Spec {
            needle: "ADD COLUMN legacy_email",
            rule: Rule::IrreversibleRecreate,
            category: Category::Irreversible,
            severity: Severity::High,
            object: "public.users.legacy_email",
            message: "Re-adding column public.users.legacy_email brings it back empty: the values the forward script dropped are gone",
            mitigation: "Export public.users.legacy_email before the forward script runs, and load it back after this one",
            lock: Some(LockLevel::AccessExclusive),
            tables: &["public.users"],
            evidence: None,
        }],
    )
}

/// The sample report every renderer's snapshot shows.
pub fn report() -> Report {
    let from = from_catalog();
    let to = to_catalog();
    let forward = plan(&from, &to);
    let reverse = plan(&to, &from);
    build(
        Side::new(
            "shop on db.internal",
            "postgres://app@db.internal:5432/shop",
        ),
        Side::new("schema/", "schema/"),
        &from,
        &to,
        Section::new(&forward, &forward_risks(&forward)),
        Section::new(&reverse, &reverse_risks(&reverse)),
    )
}

/// A report of a plan without risks, for the renderers' empty states.
pub fn quiet_report() -> Report {
    let from = Catalog::default();
    build(
        Side::new("empty", "empty"),
        Side::new("empty", "empty"),
        &from,
        &from,
        Section::default(),
        Section::default(),
    )
}

/// What a renderer wrote for `report` through `write`, as text.
pub fn render(
    report: &Report,
    write: impl FnOnce(&Report, &mut Vec<u8>) -> std::io::Result<()>,
) -> String {
    let mut out = Vec::new();
    write(report, &mut out).expect("writing to a Vec");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// Snapshots a renderer's output for the sample report and the quiet one,
/// as `snapshots/report__<name>.snap` and `report__<name>_quiet.snap`.
pub fn assert_snapshots(name: &str, render: impl Fn(&Report) -> String) {
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("report__{name}"), render(&report()));
        insta::assert_snapshot!(format!("report__{name}_quiet"), render(&quiet_report()));
    });
}
