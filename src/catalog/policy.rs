//! Row-level security: whether a table applies it (`ENABLE`, and `FORCE`
//! for the table's owner too), which is a property of the table
//! ([`RowSecurity`], compared and altered in place with it), and the
//! policies it applies (`CREATE POLICY`), a kind of their own on their
//! table.
//!
//! A policy's roles, `USING` and `WITH CHECK` expressions alter in place
//! (`ALTER POLICY`), except that `ALTER POLICY` cannot take an expression
//! away; that, a new command or a change between permissive and
//! restrictive drops and creates the policy. PostgreSQL has no
//! `pg_get_policydef`: the statement is built from the policy's parts, its
//! expressions as `pg_get_expr` prints them and its roles by name.
//!
//! A policy depends on the functions and tables its expressions use, so it
//! is created after them and dropped before them. PostgreSQL refuses a
//! type change of a column a policy uses, so the policy is replaced around
//! it ([`Follows::Replaced`]), and its comment comes back. A dropped table
//! takes along its policies that use nothing but the table.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Grantee, PolicyCommand, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, Ident, Keyword, ObjectOn, PolicyChange, PolicyDef, ServerSql, Stmt, TableAction,
};

/// Whether a table applies row-level security (`relrowsecurity`) and
/// whether it applies it to the table's owner as well
/// (`relforcerowsecurity`). The two are independent: a table may be forced
/// and not enabled, which applies nothing until it is enabled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSecurity {
    pub enabled: bool,
    pub forced: bool,
}

/// The `ALTER TABLE` statements that turn the row-level security of
/// `table` from `old` into `new`; for a new table, `old` is the default
/// (neither), which `CREATE TABLE` gives.
pub fn alter_row_security(table: &QualName, old: RowSecurity, new: RowSecurity) -> Vec<Stmt> {
    let alter = |action| Stmt::AlterTable {
        table: table.clone(),
        action,
    };
    let mut stmts = Vec::new();
    if old.enabled != new.enabled {
        stmts.push(alter(TableAction::RowSecurity(new.enabled)));
    }
    if old.forced != new.forced {
        stmts.push(alter(TableAction::ForceRowSecurity(new.forced)));
    }
    stmts
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The table the policy is on.
    pub table: QualName,
    pub name: String,
    /// `AS PERMISSIVE` (any permissive policy lets a row through) when
    /// true, `AS RESTRICTIVE` (every restrictive one must) when false.
    pub permissive: bool,
    pub command: PolicyCommand,
    /// The roles it applies to, sorted: `[Public]` for every role.
    pub roles: Vec<Grantee>,
    /// `USING`, as `pg_get_expr` prints it.
    pub using: Option<String>,
    /// `WITH CHECK`, as `pg_get_expr` prints it.
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

fn object(policy: &Policy) -> ObjectOn {
    ObjectOn {
        keyword: Keyword("POLICY"),
        name: Ident(policy.name.clone()),
        table: policy.table.clone(),
    }
}

fn server_sql(expression: &Option<String>) -> Option<ServerSql> {
    expression.clone().map(ServerSql)
}

/// How a policy compares: `ALTER POLICY` for what it can change, a drop
/// and create for the rest.
fn compare(old: &Policy, new: &Policy) -> Delta {
    let loses =
        |before: &Option<String>, after: &Option<String>| before.is_some() && after.is_none();
    if old.command != new.command
        || old.permissive != new.permissive
        || loses(&old.using, &new.using)
        || loses(&old.with_check, &new.with_check)
    {
        return Delta::Replace;
    }
    let changed = |before: &Option<String>, after: &Option<String>| {
        if before == after {
            None
        } else {
            server_sql(after)
        }
    };
    let change = PolicyChange {
        name: Ident(new.name.clone()),
        table: new.table.clone(),
        roles: (old.roles != new.roles).then(|| new.roles.clone()),
        using: changed(&old.using, &new.using),
        with_check: changed(&old.with_check, &new.with_check),
    };
    if change.roles.is_none() && change.using.is_none() && change.with_check.is_none() {
        Delta::Same
    } else {
        Delta::Alter(vec![Stmt::AlterPolicy(change)])
    }
}

pub struct Raw {
    oid: u32,
    table: u32,
    name: String,
    permissive: bool,
    command: char,
    /// The role names, `NULL` for PUBLIC (role OID 0).
    roles: Vec<Option<String>>,
    using: Option<String>,
    with_check: Option<String>,
    comment: Option<String>,
}

/// The expressions are printed with the session's empty `search_path`, so
/// every name in them is qualified. `pg_roles` is readable by every role,
/// unlike `pg_authid`.
const QUERY: &str = concat!(
    "SELECT pol.oid, pol.polrelid AS table_oid, pol.polname AS name, \
     pol.polpermissive AS permissive, pol.polcmd AS command, \
     ARRAY(SELECT r.rolname::pg_catalog.text \
           FROM pg_catalog.unnest(pol.polroles) AS u(id) \
           LEFT JOIN pg_catalog.pg_roles r ON r.oid = u.id) AS roles, \
     pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS using_expression, \
     pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expression, \
     cm.description AS comment \
     FROM pg_catalog.pg_policy pol \
     JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
    comment_join!("pg_policy", "pol.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    modelled_table!("c"),
);

const WHAT: &str = "policies";

impl<'a> ObjectKind<'a> for Policy {
    type Ref = &'a Policy;
    const NOUN: &'static str = "policy";
    const SHAPE: Shape = Shape::On;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["policy"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.policies.iter().map(Obj::Policy));
    }

    fn key(policy: &'a Policy) -> [&'a str; 3] {
        [&policy.table.schema, &policy.table.name, &policy.name]
    }

    fn container(policy: &'a Policy) -> Holder<'a> {
        Holder::table(&policy.table)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_table_of(parts)
    }

    fn table(policy: &'a Policy) -> Option<&'a QualName> {
        Some(&policy.table)
    }

    fn claimed_names(_: &'a Policy) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a Policy, new: &'a Policy) -> Delta {
        compare(old, new)
    }

    fn create(policy: &'a Policy) -> Vec<Stmt> {
        vec![Stmt::CreatePolicy(PolicyDef {
            name: Ident(policy.name.clone()),
            table: policy.table.clone(),
            permissive: policy.permissive,
            command: policy.command,
            roles: policy.roles.clone(),
            using: server_sql(&policy.using),
            with_check: server_sql(&policy.with_check),
        })]
    }

    fn drop(policy: &'a Policy) -> Vec<Stmt> {
        vec![Stmt::DropOn(object(policy))]
    }

    /// Dropping the table drops its policies, but one that uses another
    /// object (a view or a function on the table, another table) is
    /// dropped on its own, before it: that object may depend on the table
    /// and be dropped too, after the policy and before the table.
    fn dropped_with(policy: &'a Policy, objects: &Objects<'a>, i: Ix) -> Option<ObjectId> {
        let own = objects
            .dependencies(i)
            .iter()
            .all(|&d| objects.obj(d).table() == Some(&policy.table));
        own.then(|| ObjectId::Table {
            name: policy.table.clone(),
        })
    }

    fn created_with(_: &'a Policy) -> Option<ObjectId> {
        None
    }

    fn comment(policy: &'a Policy) -> Option<&'a Option<String>> {
        Some(&policy.comment)
    }

    fn comment_target(policy: &'a Policy) -> Option<CommentTarget> {
        Some(CommentTarget::On(object(policy)))
    }

    fn shown(policy: &'a Policy) -> Option<Shown> {
        Some(Shown {
            kind: "policy",
            statements: Self::create(policy),
        })
    }

    fn deparsed(policy: &'a Policy) -> Vec<(&'a str, TextShape)> {
        [&policy.using, &policy.with_check]
            .into_iter()
            .flatten()
            .map(|expression| (expression.as_str(), TextShape::Fragment))
            .collect()
    }
}

impl ReadKind for Policy {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_policy pol WHERE pol.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            table: row.get("table_oid")?,
            name: row.get("name")?,
            permissive: row.get("permissive")?,
            command: row.get_char("command")?,
            roles: row.get("roles")?,
            using: row.get("using_expression")?,
            with_check: row.get("check_expression")?,
            comment: row.get("comment")?,
        })
    }

    /// Runs after tables are registered, to name the table each policy is
    /// on.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Policy>, IntrospectError> {
        rows.into_iter()
            .map(|row| {
                let table =
                    objects.relation(classes, row.table, || format!("policy {}", row.name))?;
                let command = PolicyCommand::from_code(row.command).ok_or_else(|| {
                    IntrospectError::unknown_code(
                        format!("policy {} on {table}", row.name),
                        "polcmd",
                        row.command,
                    )
                })?;
                let mut roles: Vec<Grantee> = row
                    .roles
                    .into_iter()
                    .map(|role| role.map_or(Grantee::Public, |name| Grantee::Role(name.into())))
                    .collect();
                roles.sort();
                roles.dedup();
                let id = ObjectId::Policy {
                    table: table.clone(),
                    name: row.name.as_str().into(),
                };
                objects.insert(classes.pg_policy, row.oid, 0, id);
                Ok(Policy {
                    table,
                    name: row.name,
                    permissive: row.permissive,
                    command,
                    roles,
                    using: row.using,
                    with_check: row.with_check,
                    comment: row.comment,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(command: PolicyCommand, using: Option<&str>, with_check: Option<&str>) -> Policy {
        Policy {
            table: QualName::new("public", "t"),
            name: "p".into(),
            permissive: true,
            command,
            roles: vec![Grantee::Public],
            using: using.map(str::to_owned),
            with_check: with_check.map(str::to_owned),
            comment: None,
        }
    }

    fn rendered(stmts: &[Stmt]) -> Vec<String> {
        stmts.iter().map(Stmt::to_string).collect()
    }

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn create_names_every_part() {
        let mut p = policy(PolicyCommand::Update, Some("(a > 0)"), Some("true"));
        p.permissive = false;
        p.roles = vec![
            Grantee::Role("pg_monitor".into()),
            Grantee::Role("x\n\"--".into()),
        ];
        assert_eq!(
            rendered(&Policy::create(&p)),
            [
                "CREATE POLICY p ON public.t AS RESTRICTIVE FOR UPDATE TO pg_monitor, \"x\n\"\"--\" \
              USING ((a > 0)) WITH CHECK (true)"
            ]
        );
    }

    #[test]
    fn roles_and_expressions_alter_in_place() {
        let old = policy(PolicyCommand::All, Some("(a > 0)"), None);
        let mut new = policy(PolicyCommand::All, Some("(a > 1)"), Some("(a < 9)"));
        new.roles = vec![Grantee::Role("pg_monitor".into())];
        let Delta::Alter(stmts) = Policy::compare(&old, &new) else {
            panic!("roles and expressions alter in place");
        };
        assert_eq!(
            rendered(&stmts),
            ["ALTER POLICY p ON public.t TO pg_monitor USING ((a > 1)) WITH CHECK ((a < 9))"]
        );
        assert_eq!(Policy::compare(&old, &old), Delta::Same);
    }

    #[test]
    fn what_alter_policy_cannot_do_replaces() {
        let old = policy(PolicyCommand::All, Some("(a > 0)"), Some("true"));
        let lost_check = policy(PolicyCommand::All, Some("(a > 0)"), None);
        let select = policy(PolicyCommand::Select, Some("(a > 0)"), Some("true"));
        let mut restrictive = old.clone();
        restrictive.permissive = false;
        for new in [lost_check, select, restrictive] {
            assert_eq!(Policy::compare(&old, &new), Delta::Replace, "{new:?}");
        }
    }

    #[test]
    fn row_security_alters_each_flag_that_changes() {
        let table = QualName::new("public", "t");
        let on = RowSecurity {
            enabled: true,
            forced: true,
        };
        assert_eq!(
            rendered(&alter_row_security(&table, RowSecurity::default(), on)),
            [
                "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY",
                "ALTER TABLE public.t FORCE ROW LEVEL SECURITY",
            ]
        );
        let unforced = RowSecurity {
            enabled: true,
            forced: false,
        };
        assert_eq!(
            rendered(&alter_row_security(&table, on, unforced)),
            ["ALTER TABLE public.t NO FORCE ROW LEVEL SECURITY"]
        );
        assert!(alter_row_security(&table, on, on).is_empty());
    }

    /// A snapshot's expressions are copied into scripts inside brackets,
    /// so anything but one balanced expression is refused.
    #[test]
    fn a_snapshot_expression_must_be_one_fragment() {
        let check = |using: &str| {
            let p = policy(PolicyCommand::All, Some(using), None);
            Policy::deparsed(&p)
                .into_iter()
                .try_for_each(|(text, shape)| crate::sql::verify::check(text, shape))
        };
        assert_eq!(check("(tenant = CURRENT_USER)"), Ok(()));
        for hostile in [
            "true); DROP TABLE public.victim; --",
            "true) WITH CHECK (true",
            "true -- */",
            "true\n\\! rm -rf /",
        ] {
            assert!(check(hostile).is_err(), "{hostile:?} is refused");
        }
    }
}
