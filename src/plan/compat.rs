//! Whether a plan's statements can run on a given server version. No IO.
//!
//! pgrift's own statements are written in syntax every supported version
//! (14 and later) accepts, but for what an object read from a newer server
//! can have and an older one cannot: an unlogged sequence (15), a storage
//! parameter by its name (`security_invoker` 15, two of 18). What else can
//! be newer is the text PostgreSQL deparsed itself: a constraint, index, view or function definition read from a
//! PostgreSQL 15 server may use `NULLS NOT DISTINCT`, which a PostgreSQL 14
//! server rejects. [`check`] finds such features in the statements of a plan
//! before a script is written, so that the user gets one clear error instead
//! of a script that fails half-way.
//!
//! The features are recognised in server-deparsed text by their keywords.
//! PostgreSQL prints keywords in upper case, and a name either in lower case
//! or in double quotes, so an upper-case word outside string literals and
//! quoted names is a keyword: a column called `period` is not the `PERIOD`
//! of a temporal foreign key. Function bodies in dollar quotes (PL/pgSQL, or
//! SQL not written as a standard body) are string literals to the server
//! and are not looked into; a standard body (`BEGIN ATOMIC … END`,
//! `RETURN …`) is deparsed, and is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use thiserror::Error;

use super::{Plan, Step};
use crate::catalog::{Grantee, ObjectId};
use crate::names::CollationProvider;
use crate::sql::lex::{TokenKind, tokenize};
use crate::sql::{
    ColumnDef, DomainAction, GrantTarget, ObjectAction, PolicyChange, PolicyDef, RoleSpec, Stmt,
    StorageParams, TableAction, quote_ident,
};

/// A feature newer than PostgreSQL 14 that a statement may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// `UNIQUE NULLS NOT DISTINCT`, in a constraint or an index (15).
    NullsNotDistinct,
    /// `ON DELETE SET NULL (columns)` or `SET DEFAULT (columns)` in a
    /// foreign key (15).
    SetNullColumns,
    /// `MERGE` in a standard SQL function body (15).
    Merge,
    /// The `security_invoker` option of a view (15).
    SecurityInvokerView,
    /// SQL/JSON constructors and the `IS JSON` predicate (16).
    SqlJsonConstructors,
    /// `SYSTEM_USER` (16).
    SystemUser,
    /// `JSON_TABLE` (17).
    JsonTable,
    /// `JSON_EXISTS`, `JSON_QUERY`, `JSON_VALUE`, `JSON_SCALAR` and
    /// `JSON_SERIALIZE` (17).
    SqlJsonQueryFunctions,
    /// `MERGE … WHEN NOT MATCHED BY SOURCE` (17).
    MergeNotMatchedBySource,
    /// A `NOT ENFORCED` constraint (18).
    NotEnforced,
    /// `WITHOUT OVERLAPS` in a primary key or unique constraint (18).
    WithoutOverlaps,
    /// `PERIOD` in a foreign key (18).
    Period,
    /// An unlogged sequence (15).
    UnloggedSequence,
    /// An ICU collation with tailoring rules (16).
    IcuRules,
    /// A collation of the builtin provider (17).
    BuiltinCollation,
    /// The storage parameters `vacuum_max_eager_freeze_failure_rate` and
    /// `autovacuum_vacuum_max_threshold` (18).
    StorageParameter18,
}

impl Feature {
    /// The first `server_version_num` that accepts the feature.
    pub fn min_version_num(self) -> i32 {
        match self {
            Feature::NullsNotDistinct
            | Feature::SetNullColumns
            | Feature::Merge
            | Feature::SecurityInvokerView
            | Feature::UnloggedSequence => 150000,
            Feature::SqlJsonConstructors | Feature::SystemUser | Feature::IcuRules => 160000,
            Feature::BuiltinCollation
            | Feature::JsonTable
            | Feature::SqlJsonQueryFunctions
            | Feature::MergeNotMatchedBySource => 170000,
            Feature::NotEnforced
            | Feature::WithoutOverlaps
            | Feature::Period
            | Feature::StorageParameter18 => 180000,
        }
    }

    /// How a message names the feature.
    pub fn describe(self) -> &'static str {
        match self {
            Feature::NullsNotDistinct => "NULLS NOT DISTINCT",
            Feature::SetNullColumns => "a column list in ON DELETE SET NULL or SET DEFAULT",
            Feature::Merge => "MERGE in a SQL-standard function body",
            Feature::SecurityInvokerView => "the security_invoker view option",
            Feature::SqlJsonConstructors => "SQL/JSON constructors or IS JSON",
            Feature::SystemUser => "SYSTEM_USER",
            Feature::JsonTable => "JSON_TABLE",
            Feature::SqlJsonQueryFunctions => "SQL/JSON query functions (JSON_QUERY, JSON_VALUE …)",
            Feature::MergeNotMatchedBySource => "MERGE … WHEN NOT MATCHED BY SOURCE",
            Feature::NotEnforced => "NOT ENFORCED",
            Feature::WithoutOverlaps => "WITHOUT OVERLAPS",
            Feature::Period => "PERIOD in a foreign key",
            Feature::UnloggedSequence => "an unlogged sequence",
            Feature::IcuRules => "an ICU collation with rules",
            Feature::BuiltinCollation => "a collation of the builtin provider",
            Feature::StorageParameter18 => {
                "the storage parameter vacuum_max_eager_freeze_failure_rate or autovacuum_vacuum_max_threshold"
            }
        }
    }
}

/// The features storage parameters use, by their names: PostgreSQL 14
/// rejects a name it does not know.
fn params_features(params: &StorageParams) -> Vec<Feature> {
    let named = |param: &str, name: &str| {
        param
            .split_once('=')
            .map_or(param, |(n, _)| n)
            .trim_start_matches("toast.")
            == name
    };
    let mut found = Vec::new();
    for param in &params.0 {
        if named(param, "security_invoker") {
            found.push(Feature::SecurityInvokerView);
        } else if named(param, "vacuum_max_eager_freeze_failure_rate")
            || named(param, "autovacuum_vacuum_max_threshold")
        {
            found.push(Feature::StorageParameter18);
        }
    }
    found
}

/// One object of a plan that uses a feature the target server lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    /// The object whose statement uses the feature.
    pub object: ObjectId,
    pub feature: Feature,
}

/// The statements of a plan use features the target server does not have.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct CompatError {
    /// The target's `server_version_num`.
    pub target_server_version_num: i32,
    /// Each offending object and feature, in plan order, without duplicates.
    pub incompatibilities: Vec<Incompatibility>,
}

impl fmt::Display for CompatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = major(self.target_server_version_num);
        write!(
            f,
            "the script uses features PostgreSQL {target} does not support:"
        )?;
        for problem in &self.incompatibilities {
            write!(
                f,
                "\n  {} {} uses {}, which PostgreSQL {target} does not support (needs {})",
                problem.object.kind_name(),
                problem.object,
                problem.feature.describe(),
                major(problem.feature.min_version_num()),
            )?;
        }
        Ok(())
    }
}

impl CompatError {
    /// The oldest major version that supports everything the plan uses.
    pub fn needs_major(&self) -> i32 {
        self.incompatibilities
            .iter()
            .map(|p| major(p.feature.min_version_num()))
            .max()
            .unwrap_or_else(|| major(self.target_server_version_num))
    }
}

/// The major version of a `server_version_num` (`150004` is 15).
pub fn major(server_version_num: i32) -> i32 {
    server_version_num / 10000
}

/// Checks that every statement of `plan` can run on a server of
/// `target_server_version_num`.
///
/// Returns an error listing each object whose statement uses a feature the
/// target does not support, with the feature and the version that added it.
pub fn check(plan: &Plan, target_server_version_num: i32) -> Result<(), CompatError> {
    let mut incompatibilities = Vec::new();
    for step in &plan.steps {
        for stmt in &step.statements {
            for (object, feature) in uses(step, stmt) {
                let problem = Incompatibility { object, feature };
                if feature.min_version_num() > target_server_version_num
                    && !incompatibilities.contains(&problem)
                {
                    incompatibilities.push(problem);
                }
            }
        }
    }
    if incompatibilities.is_empty() {
        Ok(())
    } else {
        Err(CompatError {
            target_server_version_num,
            incompatibilities,
        })
    }
}

/// The features one statement uses, each with the object it belongs to.
fn uses(step: &Step, stmt: &Stmt) -> Vec<(ObjectId, Feature)> {
    let in_text = |object: ObjectId, text: &str| -> Vec<(ObjectId, Feature)> {
        features(text)
            .into_iter()
            .map(|feature| (object.clone(), feature))
            .collect()
    };
    let in_column = |table: &crate::catalog::QualName, column: &ColumnDef| {
        let object = ObjectId::Column {
            table: table.clone(),
            column: column.name.0.as_str().into(),
        };
        let mut found = Vec::new();
        for text in [&column.default, &column.generated].into_iter().flatten() {
            found.extend(in_text(object.clone(), &text.0));
        }
        found
    };
    let in_params = |params: &StorageParams| -> Vec<(ObjectId, Feature)> {
        params_features(params)
            .into_iter()
            .map(|feature| (step.id.clone(), feature))
            .collect()
    };
    match stmt {
        Stmt::CreateTable {
            name,
            columns,
            options,
            ..
        } => {
            let mut found: Vec<_> = columns
                .iter()
                .flat_map(|column| in_column(name, column))
                .collect();
            found.extend(in_params(options));
            found
        }
        Stmt::AlterObject {
            action: ObjectAction::SetParams(params),
            ..
        } => in_params(params),
        Stmt::CreateCollation(collation) => {
            let mut found = Vec::new();
            if collation.rules.is_some() {
                found.push((step.id.clone(), Feature::IcuRules));
            }
            if collation.provider == CollationProvider::Builtin {
                found.push((step.id.clone(), Feature::BuiltinCollation));
            }
            found
        }
        Stmt::CreateSequence { unlogged: true, .. }
        | Stmt::AlterObject {
            action: ObjectAction::SetLogged(_),
            ..
        } => vec![(step.id.clone(), Feature::UnloggedSequence)],
        Stmt::AlterTable { table, action } => match action {
            TableAction::SetParams(params) => in_params(params),
            TableAction::AddColumn(column) => in_column(table, column),
            TableAction::SetDefault(column, expr) => in_text(
                ObjectId::Default {
                    table: table.clone(),
                    column: column.0.as_str().into(),
                },
                &expr.0,
            ),
            TableAction::AddConstraint {
                name, definition, ..
            } => in_text(
                ObjectId::Constraint {
                    table: table.clone(),
                    name: name.0.as_str().into(),
                },
                &definition.0,
            ),
            _ => Vec::new(),
        },
        Stmt::CreateView {
            name,
            options,
            query,
            ..
        } => {
            let object = ObjectId::View { name: name.clone() };
            let mut found = in_text(object.clone(), &query.0);
            found.extend(
                params_features(options)
                    .into_iter()
                    .map(|feature| (object.clone(), feature)),
            );
            found
        }
        Stmt::CreateIndex(definition)
        | Stmt::CreateIndexConcurrently(definition)
        | Stmt::CreateFunction(definition)
        | Stmt::CreateTrigger(definition) => in_text(step.id.clone(), &definition.0),
        Stmt::CreateDomain(domain) => domain
            .default
            .iter()
            .flat_map(|text| in_text(step.id.clone(), &text.0))
            .collect(),
        Stmt::AlterDomain {
            action: DomainAction::AddConstraint { check: text, .. } | DomainAction::SetDefault(text),
            ..
        } => in_text(step.id.clone(), &text.0),
        Stmt::CreatePolicy(PolicyDef {
            using, with_check, ..
        })
        | Stmt::AlterPolicy(PolicyChange {
            using, with_check, ..
        }) => [using, with_check]
            .into_iter()
            .flatten()
            .flat_map(|text| in_text(step.id.clone(), &text.0))
            .collect(),
        _ => Vec::new(),
    }
}

/// The features a piece of server-deparsed SQL uses, each once, in the
/// order of [`Feature`].
pub fn features(sql: &str) -> Vec<Feature> {
    let tokens = tokenize(sql);
    let at = |i: usize, words: &[&str]| {
        words
            .iter()
            .enumerate()
            .all(|(k, w)| tokens.get(i + k).is_some_and(|t| t.is(w)))
    };
    let mut found = Vec::new();
    let mut merge = false;
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != TokenKind::Word {
            continue;
        }
        let feature = match token.text {
            "NULLS" if at(i, &["NULLS", "NOT", "DISTINCT"]) => Feature::NullsNotDistinct,
            "SET" if at(i, &["SET", "NULL", "("]) || at(i, &["SET", "DEFAULT", "("]) => {
                Feature::SetNullColumns
            }
            "MERGE" if at(i, &["MERGE", "INTO"]) => {
                merge = true;
                Feature::Merge
            }
            "NOT" if merge && at(i, &["NOT", "MATCHED", "BY", "SOURCE"]) => {
                Feature::MergeNotMatchedBySource
            }
            "JSON_OBJECT" | "JSON_ARRAY" | "JSON_OBJECTAGG" | "JSON_ARRAYAGG"
                if at(i + 1, &["("]) =>
            {
                Feature::SqlJsonConstructors
            }
            "IS" if at(i, &["IS", "JSON"]) || at(i, &["IS", "NOT", "JSON"]) => {
                Feature::SqlJsonConstructors
            }
            "SYSTEM_USER" => Feature::SystemUser,
            "JSON_TABLE" if at(i + 1, &["("]) => Feature::JsonTable,
            "JSON_EXISTS" | "JSON_QUERY" | "JSON_VALUE" | "JSON_SCALAR" | "JSON_SERIALIZE"
                if at(i + 1, &["("]) =>
            {
                Feature::SqlJsonQueryFunctions
            }
            "NOT" if at(i, &["NOT", "ENFORCED"]) => Feature::NotEnforced,
            "WITHOUT" if at(i, &["WITHOUT", "OVERLAPS"]) => Feature::WithoutOverlaps,
            "PERIOD" => Feature::Period,
            _ => continue,
        };
        found.push(feature);
    }
    found.sort();
    found.dedup();
    found
}

/// An extension version a plan installs that the target server does not
/// offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingExtension {
    pub name: String,
    pub version: String,
    /// The versions the server offers; empty when it has no package of the
    /// extension at all.
    pub offered: Vec<String>,
}

/// The plan installs extension versions the target server cannot.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ExtensionError {
    /// Each extension version, in plan order, without duplicates.
    pub missing: Vec<MissingExtension>,
}

impl fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the script installs extension versions the server does not offer:"
        )?;
        for missing in &self.missing {
            write!(
                f,
                "\n  extension {} version {}",
                missing.name, missing.version
            )?;
            if missing.offered.is_empty() {
                write!(f, " (the server has no package of it)")?;
            } else {
                write!(f, " (the server offers {})", missing.offered.join(", "))?;
            }
        }
        Ok(())
    }
}

/// Checks that every extension version `plan` creates or updates to is one
/// the target server offers (`available`: versions by extension name, as
/// `pg_available_extension_versions` lists them). `CREATE EXTENSION … VERSION`
/// and `ALTER EXTENSION … UPDATE TO` fail otherwise, after the statements
/// before them have run.
pub fn check_extensions(
    plan: &Plan,
    available: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), ExtensionError> {
    let mut missing: Vec<MissingExtension> = Vec::new();
    for stmt in plan.steps.iter().flat_map(|step| &step.statements) {
        let (name, version) = match stmt {
            Stmt::CreateExtension {
                name,
                version: Some(version),
                ..
            }
            | Stmt::AlterExtensionUpdate { name, version } => (&name.0, &version.0),
            _ => continue,
        };
        let offered = available.get(name);
        if offered.is_some_and(|versions| versions.contains(version))
            || missing
                .iter()
                .any(|m| m.name == *name && m.version == *version)
        {
            continue;
        }
        missing.push(MissingExtension {
            name: name.clone(),
            version: version.clone(),
            offered: offered.into_iter().flatten().cloned().collect(),
        });
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ExtensionError { missing })
    }
}

/// The plan names roles the target server lacks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct RoleError {
    /// Each role, sorted.
    pub missing: Vec<String>,
}

impl fmt::Display for RoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.missing.iter().map(|r| quote_ident(r)).collect();
        write!(
            f,
            "the script names roles the server does not have: {}",
            names.join(", ")
        )
    }
}

/// The roles `plan` names: the grantees of its `GRANT`s and `REVOKE`s (and
/// the `FOR ROLE` of default privileges), the new owners of its `OWNER
/// TO`s, the roles of its policies and those of the user mappings it
/// creates (not `PUBLIC` or `CURRENT_USER`).
pub fn named_roles(plan: &Plan) -> BTreeSet<&str> {
    let mut roles = BTreeSet::new();
    fn policy_role(grantee: &Grantee) -> Option<&str> {
        match grantee {
            Grantee::Role(name) => Some(name.as_str()),
            Grantee::Public => None,
        }
    }
    for stmt in plan.steps.iter().flat_map(|step| &step.statements) {
        match stmt {
            Stmt::Grant(grant) | Stmt::Revoke(grant) => {
                if let RoleSpec::Role(name) = &grant.role {
                    roles.insert(name.0.as_str());
                }
                if let GrantTarget::Defaults {
                    role: Some(name), ..
                } = &grant.target
                {
                    roles.insert(name.0.as_str());
                }
            }
            Stmt::AlterOwner { owner, .. } => {
                roles.insert(owner.0.as_str());
            }
            Stmt::CreatePolicy(policy) => {
                roles.extend(policy.roles.iter().filter_map(policy_role));
            }
            Stmt::AlterPolicy(change) => {
                roles.extend(change.roles.iter().flatten().filter_map(policy_role));
            }
            Stmt::CreateUserMapping {
                role: RoleSpec::Role(name),
                ..
            } => {
                roles.insert(name.0.as_str());
            }
            Stmt::GrantRole { role, .. } => {
                roles.insert(role.0.as_str());
            }
            _ => {}
        }
    }
    roles
}

/// Checks that every role `plan` names is one of the target server's
/// (`roles`) or one the plan creates (`--roles`): otherwise pgrift creates
/// no role, and a `GRANT` to a role that does not exist fails after the
/// statements before it have run.
pub fn check_roles(plan: &Plan, roles: &BTreeSet<String>) -> Result<(), RoleError> {
    let created: BTreeSet<&str> = plan
        .steps
        .iter()
        .filter(|step| step.kind == crate::diff::ChangeKind::Create)
        .filter_map(|step| match &step.id {
            ObjectId::Role { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let missing: Vec<String> = named_roles(plan)
        .into_iter()
        .filter(|role| !roles.contains(*role) && !created.contains(role))
        .map(str::to_owned)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RoleError { missing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FunctionKind, QualName};
    use crate::diff::ChangeKind;
    use crate::sql::{Ident, ServerSql};

    fn check_features(sql: &str, expected: &[Feature]) {
        assert_eq!(features(sql), expected, "{sql}");
    }

    #[test]
    fn features_in_deparsed_definitions() {
        use Feature::*;
        let cases: &[(&str, &[Feature])] = &[
            ("UNIQUE NULLS NOT DISTINCT (serial_no)", &[NullsNotDistinct]),
            (
                "CREATE UNIQUE INDEX d ON public.devices USING btree (vendor, model) NULLS NOT DISTINCT",
                &[NullsNotDistinct],
            ),
            ("UNIQUE (serial_no)", &[]),
            (
                "FOREIGN KEY (tenant, author) REFERENCES public.users(tenant, id) ON DELETE SET NULL (author)",
                &[SetNullColumns],
            ),
            (
                "FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE SET NULL",
                &[],
            ),
            (
                "FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE SET DEFAULT (a)",
                &[SetNullColumns],
            ),
            ("CHECK ((a > 0)) NOT ENFORCED", &[NotEnforced]),
            ("CHECK ((a > 0))", &[]),
            (
                "PRIMARY KEY (id, valid_at WITHOUT OVERLAPS)",
                &[WithoutOverlaps],
            ),
            (
                "FOREIGN KEY (id, PERIOD valid_at) REFERENCES public.rooms(id, PERIOD valid_at)",
                &[Period],
            ),
            (
                " SELECT jt.a\n   FROM public.docs d,\n    LATERAL JSON_TABLE(d.body, '$[*]' COLUMNS (a integer PATH '$.a')) jt",
                &[JsonTable],
            ),
            (
                " SELECT JSON_VALUE(d.body, '$.a' RETURNING integer) AS a\n   FROM public.docs d",
                &[SqlJsonQueryFunctions],
            ),
            (
                " SELECT JSON_OBJECT('a' : d.id RETURNING json) AS o\n   FROM public.docs d",
                &[SqlJsonConstructors],
            ),
            ("CHECK ((body IS JSON OBJECT))", &[SqlJsonConstructors]),
            ("CHECK ((body IS NOT JSON))", &[SqlJsonConstructors]),
            ("SYSTEM_USER", &[SystemUser]),
        ];
        for (sql, expected) in cases {
            check_features(sql, expected);
        }
    }

    #[test]
    fn names_and_literals_are_not_keywords() {
        // A column named period, a function named json_table, quoted names
        // and literals holding the keywords.
        check_features(
            "FOREIGN KEY (id, period) REFERENCES public.t(id, period)",
            &[],
        );
        check_features(
            " SELECT public.json_table(d.body) AS json_table\n   FROM public.docs d",
            &[],
        );
        check_features("CHECK ((note <> 'NULLS NOT DISTINCT'::text))", &[]);
        check_features("CHECK ((note <> E'it\\'s NOT ENFORCED'::text))", &[]);
        check_features("CHECK ((\"NOT ENFORCED\" > 0))", &[]);
        check_features(" SELECT json_object('{a,1}'::text[]) AS o", &[]);
    }

    #[test]
    fn function_bodies_count_only_when_deparsed() {
        let plpgsql = "CREATE OR REPLACE FUNCTION public.f()\n RETURNS void\n LANGUAGE plpgsql\n\
                       AS $function$\nbegin\n  MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;\nend;\n$function$\n";
        check_features(plpgsql, &[]);
        let standard = "CREATE OR REPLACE PROCEDURE public.p()\n LANGUAGE sql\nBEGIN ATOMIC\n \
                        MERGE INTO public.t USING public.s ON (t.id = s.id)\n   WHEN MATCHED THEN DELETE\n   \
                        WHEN NOT MATCHED BY SOURCE THEN DELETE;\nEND\n";
        check_features(
            standard,
            &[Feature::Merge, Feature::MergeNotMatchedBySource],
        );
        // A tag that is part of a name is no dollar quote.
        check_features("CHECK ((a$b > 0)) NOT ENFORCED", &[Feature::NotEnforced]);
    }

    fn step(id: ObjectId, statements: Vec<Stmt>) -> Step {
        Step {
            id,
            kind: ChangeKind::Create,
            reason: None,
            statements,
            includes: Vec::new(),
            boundary: crate::plan::Boundary::Joined,
        }
    }

    fn users() -> QualName {
        QualName::new("public", "users")
    }

    fn plan() -> Plan {
        let constraint = ObjectId::Constraint {
            table: users(),
            name: "users_email_key".into(),
        };
        let index = ObjectId::Index {
            name: QualName::new("public", "users_team"),
        };
        let function = ObjectId::Function {
            name: QualName::new("public", "f"),
            args: crate::catalog::Name::default(),
        };
        Plan {
            steps: vec![
                step(
                    constraint,
                    vec![Stmt::AlterTable {
                        table: users(),
                        action: TableAction::AddConstraint {
                            name: Ident("users_email_key".to_owned()),
                            definition: ServerSql("UNIQUE NULLS NOT DISTINCT (email)".to_owned()),
                            not_valid: false,
                        },
                    }],
                ),
                step(
                    index,
                    vec![Stmt::CreateIndex(ServerSql(
                        "CREATE UNIQUE INDEX users_team ON public.users USING btree (team) NULLS NOT DISTINCT"
                            .to_owned(),
                    ))],
                ),
                step(
                    ObjectId::View {
                        name: QualName::new("public", "mine"),
                    },
                    vec![Stmt::CreateView {
                        or_replace: false,
                        name: QualName::new("public", "mine"),
                        materialized: false,
                        options: StorageParams(vec!["security_invoker=true".to_owned()]),
                        query: ServerSql(" SELECT 1".to_owned()),
                    }],
                ),
                step(
                    function.clone(),
                    vec![
                        Stmt::DropFunction {
                            kind: FunctionKind::Function,
                            name: QualName::new("public", "f"),
                            args: ServerSql(String::new()),
                        },
                        Stmt::CreateFunction(ServerSql(
                            "CREATE OR REPLACE FUNCTION public.f()\n RETURNS boolean\n LANGUAGE sql\nRETURN (SYSTEM_USER IS NULL)\n"
                                .to_owned(),
                        )),
                    ],
                ),
            ],
            warnings: Vec::new(),
            timeouts: Default::default(),
            online: false,
                    parked: Vec::new(),
        }
    }

    fn collation(provider: CollationProvider, rules: Option<&str>) -> Stmt {
        Stmt::CreateCollation(crate::sql::CollationDef {
            name: QualName::new("public", "c"),
            provider,
            lc_collate: None,
            lc_ctype: None,
            locale: Some("und".to_owned()),
            deterministic: true,
            rules: rules.map(str::to_owned),
        })
    }

    /// pgrift's own statements that need 15 to 18: unlogged sequences,
    /// the newest storage parameters, by their names, toast's too, ICU
    /// rules and builtin collations.
    #[test]
    fn unlogged_sequences_and_new_storage_parameters() {
        use crate::catalog::SequenceOptions;
        use crate::sql::{Keyword, ObjectName, StorageParams};
        let sequence = ObjectId::Sequence {
            name: QualName::new("public", "s"),
        };
        let options = SequenceOptions::bigint();
        let cases = [
            (
                Stmt::CreateSequence {
                    name: QualName::new("public", "s"),
                    options: options.clone(),
                    unlogged: true,
                },
                Some(Feature::UnloggedSequence),
            ),
            (
                Stmt::CreateSequence {
                    name: QualName::new("public", "s"),
                    options,
                    unlogged: false,
                },
                None,
            ),
            (
                Stmt::AlterObject {
                    object: ObjectName {
                        keyword: Keyword("SEQUENCE"),
                        name: QualName::new("public", "s"),
                    },
                    action: ObjectAction::SetLogged(true),
                },
                Some(Feature::UnloggedSequence),
            ),
            (
                Stmt::AlterTable {
                    table: users(),
                    action: TableAction::SetParams(StorageParams(vec![
                        "toast.autovacuum_vacuum_max_threshold=100".into(),
                    ])),
                },
                Some(Feature::StorageParameter18),
            ),
            (
                Stmt::AlterTable {
                    table: users(),
                    action: TableAction::SetParams(StorageParams(vec!["fillfactor=70".into()])),
                },
                None,
            ),
            (
                collation(CollationProvider::Icu, Some("&a < b")),
                Some(Feature::IcuRules),
            ),
            (
                collation(CollationProvider::Builtin, None),
                Some(Feature::BuiltinCollation),
            ),
            (collation(CollationProvider::Icu, None), None),
        ];
        for (stmt, expected) in cases {
            let found: Vec<Feature> = uses(&step(sequence.clone(), vec![stmt.clone()]), &stmt)
                .into_iter()
                .map(|(_, feature)| feature)
                .collect();
            assert_eq!(found, expected.into_iter().collect::<Vec<_>>(), "{stmt}");
        }
    }

    #[test]
    fn a_new_enough_target_accepts_everything() {
        assert_eq!(check(&plan(), 160000), Ok(()));
        assert_eq!(check(&plan(), 180004), Ok(()));
        assert_eq!(
            check(
                &Plan {
                    steps: Vec::new(),
                    warnings: Vec::new(),
                    timeouts: Default::default(),
                    online: false,
                    parked: Vec::new(),
                },
                140000
            ),
            Ok(())
        );
    }

    #[test]
    fn an_old_target_gets_every_offending_object() {
        let error = check(&plan(), 140011).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the script uses features PostgreSQL 14 does not support:\n  \
             constraint users_email_key on public.users uses NULLS NOT DISTINCT, which PostgreSQL 14 does not support (needs 15)\n  \
             index public.users_team uses NULLS NOT DISTINCT, which PostgreSQL 14 does not support (needs 15)\n  \
             view public.mine uses the security_invoker view option, which PostgreSQL 14 does not support (needs 15)\n  \
             function public.f() uses SYSTEM_USER, which PostgreSQL 14 does not support (needs 16)"
        );
        assert_eq!(error.needs_major(), 16);
        let error = check(&plan(), 150002).unwrap_err();
        assert_eq!(error.incompatibilities.len(), 1);
        assert_eq!(error.incompatibilities[0].feature, Feature::SystemUser);
    }

    #[test]
    fn the_roles_of_user_mappings_are_named() {
        let mapping = |role: RoleSpec| {
            step(
                ObjectId::UserMapping {
                    server: "s".into(),
                    role: "app".into(),
                },
                vec![Stmt::CreateUserMapping {
                    role,
                    server: Ident("s".into()),
                    options: Vec::new(),
                }],
            )
        };
        let mut plan = plan();
        plan.steps = vec![
            mapping(RoleSpec::Role(Ident("app\n*/".into()))),
            mapping(RoleSpec::Public),
        ];
        assert_eq!(named_roles(&plan), BTreeSet::from(["app\n*/"]));
    }

    #[test]
    fn extension_versions_the_target_lacks_are_named() {
        use crate::sql::Literal;
        let extension = |name: &str| ObjectId::Extension { name: name.into() };
        let plan = Plan {
            steps: vec![
                step(
                    extension("citext"),
                    vec![Stmt::CreateExtension {
                        name: Ident("citext".into()),
                        schema: Ident("public".into()),
                        version: Some(Literal("1.9".into())),
                    }],
                ),
                step(
                    extension("pgcrypto"),
                    vec![Stmt::AlterExtensionUpdate {
                        name: Ident("pgcrypto".into()),
                        version: Literal("1.3".into()),
                    }],
                ),
                step(
                    extension("postgis"),
                    vec![Stmt::CreateExtension {
                        name: Ident("postgis".into()),
                        schema: Ident("public".into()),
                        version: Some(Literal("3.4.0".into())),
                    }],
                ),
            ],
            warnings: Vec::new(),
            timeouts: Default::default(),
            online: false,
            parked: Vec::new(),
        };
        let offered = |versions: &[&str]| versions.iter().map(|v| (*v).to_owned()).collect();
        let mut available = BTreeMap::from([
            ("citext".to_owned(), offered(&["1.4", "1.5", "1.6"])),
            ("pgcrypto".to_owned(), offered(&["1.3"])),
        ]);
        let error = check_extensions(&plan, &available).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the script installs extension versions the server does not offer:\n  \
             extension citext version 1.9 (the server offers 1.4, 1.5, 1.6)\n  \
             extension postgis version 3.4.0 (the server has no package of it)"
        );
        available.insert("citext".to_owned(), offered(&["1.9"]));
        available.insert("postgis".to_owned(), offered(&["3.4.0"]));
        assert_eq!(check_extensions(&plan, &available), Ok(()));
    }
}
