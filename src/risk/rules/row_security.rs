//! Row-level security decides which rows each role sees and writes, so a
//! change to it changes who may read what. Disabling it, or `NO FORCE` for
//! the table's owner, lets every row through; dropping a restrictive
//! policy, or changing a `USING` to `true`, widens access; dropping a
//! permissive one narrows it; a policy whose roles or expressions change,
//! or that is created again with another command or kind, moves the line
//! either way, and a reviewer must read which. Enabling it on a table with
//! no policy hides every row from everyone but the owner, which breaks the
//! applications that read the table.
//!
//! Policies count only on a table that exists before the script (nobody
//! reads a new one yet) and applies row-level security before and after
//! it. A policy dropped and created again unchanged (around a function it
//! calls, or a column type change) changes nothing anyone sees, since the
//! script runs in one transaction.

use crate::catalog::{ObjectId, Policy, QualName};
use crate::sql::{PolicyChange, PolicyDef, Stmt, TableAction};

use super::{Category, Context, Risk, Rule, Severity, Site, risk};

const REVIEW: &str = "check with the table's owners that the roles it names should see and write exactly the rows the new policies allow";

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    match site.stmt {
        Stmt::AlterTable { table, action } if cx.existing(table) => match action {
            TableAction::RowSecurity(false) => vec![risk(
                Rule::RowSecurity,
                site,
                Category::Security,
                Severity::High,
                format!(
                    "Disabling row-level security on {table} lets every role with privileges on it read and write every row, whatever its policies say"
                ),
                "keep row-level security enabled and change the policies instead, or make sure no role that should see only some rows can read the table",
            )],
            TableAction::ForceRowSecurity(false) => vec![risk(
                Rule::RowSecurity,
                site,
                Category::Security,
                Severity::Medium,
                format!(
                    "Ending forced row-level security on {table} lets its owner read and write every row again"
                ),
                "check that no application connects as the table's owner expecting its policies to apply",
            )],
            TableAction::RowSecurity(true) if cx.to.policies_on(table).is_empty() => vec![risk(
                Rule::RowSecurity,
                site,
                Category::BreaksClients,
                Severity::Medium,
                format!(
                    "Enabling row-level security on {table}, which has no policy, hides every row from every role but its owner and those that bypass row-level security"
                ),
                "create the policies the table's readers and writers need in the same script",
            )],
            _ => Vec::new(),
        },
        Stmt::DropOn(_) => match &site.change.id {
            ObjectId::Policy { table, name } => dropped(cx, site, table, name),
            _ => Vec::new(),
        },
        Stmt::AlterPolicy(change) if applies(cx, &change.table) => altered(site, change),
        Stmt::CreatePolicy(policy) => created(cx, site, policy),
        _ => Vec::new(),
    }
}

/// A policy dropped from a table that stays: for good, or to be created
/// again with another command or kind, or unchanged around something it
/// uses.
fn dropped(cx: &Context<'_>, site: &Site<'_>, table: &QualName, name: &str) -> Vec<Risk> {
    let Some(old) = cx.from.policy(table, name) else {
        return Vec::new();
    };
    let again = cx.to.policy(table, name);
    if !applies(cx, table) || again.is_some_and(|new| same_access(old, new)) {
        return Vec::new();
    }
    let id = &site.change.id;
    let (severity, message) = match again {
        Some(new) => (
            Severity::Medium,
            format!(
                "Policy {id} is dropped and created again with another {}: which rows of {table} its roles see and write changes",
                differences(old, new).join(" and ")
            ),
        ),
        None if old.permissive => (
            Severity::Medium,
            format!(
                "Dropping permissive policy {id} narrows access: the rows of {table} only it let through are hidden from its roles"
            ),
        ),
        None => (
            Severity::High,
            format!(
                "Dropping restrictive policy {id} widens access: the rows of {table} it held back become visible to its roles"
            ),
        ),
    };
    vec![risk(
        Rule::RowSecurity,
        site,
        Category::Security,
        severity,
        message,
        REVIEW,
    )]
}

/// A policy whose roles or expressions change in place.
fn altered(site: &Site<'_>, change: &PolicyChange) -> Vec<Risk> {
    let mut changed = Vec::new();
    if change.roles.is_some() {
        changed.push("roles");
    }
    if change.using.is_some() {
        changed.push("USING");
    }
    if change.with_check.is_some() {
        changed.push("WITH CHECK");
    }
    let table = &change.table;
    let everything = change.using.as_ref().is_some_and(|using| is_true(&using.0));
    let (severity, effect) = if everything {
        (
            Severity::High,
            format!("its roles now see every row of {table}"),
        )
    } else {
        (
            Severity::Medium,
            format!("access to the rows of {table} widens or narrows"),
        )
    };
    let id = &site.change.id;
    vec![risk(
        Rule::RowSecurity,
        site,
        Category::Security,
        severity,
        format!(
            "Changing the {} of policy {id}: {effect}",
            changed.join(" and ")
        ),
        REVIEW,
    )]
}

/// A permissive policy added on a table that stays: any permissive policy
/// lets a row through, so the new one widens access.
fn created(cx: &Context<'_>, site: &Site<'_>, policy: &PolicyDef) -> Vec<Risk> {
    let table = &policy.table;
    if !policy.permissive || !applies(cx, table) || cx.from.policy(table, &policy.name.0).is_some()
    {
        return Vec::new();
    }
    let id = &site.change.id;
    vec![risk(
        Rule::RowSecurity,
        site,
        Category::Security,
        Severity::Medium,
        format!(
            "Adding permissive policy {id} widens access: its roles see the rows of {table} it admits, whatever the other permissive policies say"
        ),
        REVIEW,
    )]
}

/// Whether the policies of `table` decide what its readers see both
/// before and after the script: it exists, and row-level security is
/// enabled on both sides (turning it on or off is a risk of its own).
fn applies(cx: &Context<'_>, table: &QualName) -> bool {
    let enabled = |t: Option<&crate::catalog::Table>| t.is_some_and(|t| t.row_security.enabled);
    enabled(cx.table_before(table)) && enabled(cx.table_after(table))
}

/// What differs between two policies of one name, as a message names it.
fn differences(old: &Policy, new: &Policy) -> Vec<&'static str> {
    [
        (old.command != new.command, "command"),
        (
            old.permissive != new.permissive,
            "kind (permissive or restrictive)",
        ),
        (old.roles != new.roles, "roles"),
        (old.using != new.using, "USING"),
        (old.with_check != new.with_check, "WITH CHECK"),
    ]
    .into_iter()
    .filter_map(|(differs, what)| differs.then_some(what))
    .collect()
}

/// Whether two policies of one name let the same roles see and write the
/// same rows: everything but the comment is the same.
fn same_access(old: &Policy, new: &Policy) -> bool {
    Policy {
        comment: None,
        ..old.clone()
    } == Policy {
        comment: None,
        ..new.clone()
    }
}

/// Whether an expression as the server prints it is the constant `true`.
fn is_true(expression: &str) -> bool {
    expression.trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace()) == "true"
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::{Catalog, Grantee, Policy, PolicyCommand, RowSecurity};

    fn policy(name: &str, permissive: bool, using: &str) -> Policy {
        Policy {
            table: super::super::testing::name("t"),
            name: name.into(),
            permissive,
            command: PolicyCommand::All,
            roles: vec![Grantee::Public],
            using: Some(using.into()),
            with_check: None,
            comment: None,
        }
    }

    fn schema(enabled: bool, forced: bool, policies: Vec<Policy>) -> Catalog {
        let mut t = table("t", vec![col("id", "integer")]);
        t.row_security = RowSecurity { enabled, forced };
        let mut c = catalog(vec![t]);
        c.policies = policies;
        c.normalize();
        c
    }

    #[test]
    fn disabling_and_no_force_widen_access() {
        check(
            Rule::RowSecurity,
            &schema(true, true, vec![policy("p", true, "(id > 0)")]),
            &schema(false, false, vec![policy("p", true, "(id > 0)")]),
            &[
                "high security public.t: Disabling row-level security on public.t lets every role with privileges on it read and write every row, whatever its policies say",
                "medium security public.t: Ending forced row-level security on public.t lets its owner read and write every row again",
            ],
        );
    }

    #[test]
    fn enabling_without_a_policy_hides_every_row() {
        check(
            Rule::RowSecurity,
            &schema(false, false, Vec::new()),
            &schema(true, false, Vec::new()),
            &[
                "medium breaks-clients public.t: Enabling row-level security on public.t, which has no policy, hides every row from every role but its owner and those that bypass row-level security",
            ],
        );
        check(
            Rule::RowSecurity,
            &schema(false, false, Vec::new()),
            &schema(true, false, vec![policy("p", true, "(id > 0)")]),
            &[],
        );
    }

    #[test]
    fn dropped_policies_say_which_way_access_goes() {
        check(
            Rule::RowSecurity,
            &schema(
                true,
                false,
                vec![
                    policy("allow", true, "(id > 0)"),
                    policy("deny", false, "(id < 9)"),
                ],
            ),
            &schema(true, false, Vec::new()),
            &[
                "medium security allow on public.t: Dropping permissive policy allow on public.t narrows access: the rows of public.t only it let through are hidden from its roles",
                "high security deny on public.t: Dropping restrictive policy deny on public.t widens access: the rows of public.t it held back become visible to its roles",
            ],
        );
    }

    #[test]
    fn changed_policies_name_what_changes() {
        let mut widened = policy("p", true, "true");
        widened.roles = vec![Grantee::Role("pg_monitor".into())];
        check(
            Rule::RowSecurity,
            &schema(true, false, vec![policy("p", true, "(id > 0)")]),
            &schema(true, false, vec![widened]),
            &[
                "high security p on public.t: Changing the roles and USING of policy p on public.t: its roles now see every row of public.t",
            ],
        );
        check(
            Rule::RowSecurity,
            &schema(true, false, vec![policy("p", true, "(id > 0)")]),
            &schema(true, false, vec![policy("p", false, "(id > 0)")]),
            &[
                "medium security p on public.t: Policy p on public.t is dropped and created again with another kind (permissive or restrictive): which rows of public.t its roles see and write changes",
            ],
        );
    }

    #[test]
    fn a_permissive_policy_added_widens_access() {
        check(
            Rule::RowSecurity,
            &schema(true, false, Vec::new()),
            &schema(
                true,
                false,
                vec![policy("more", true, "true"), policy("less", false, "true")],
            ),
            &[
                "medium security more on public.t: Adding permissive policy more on public.t widens access: its roles see the rows of public.t it admits, whatever the other permissive policies say",
            ],
        );
    }
}
