//! A declared rename (`--rename`) keeps the object and its rows, but every
//! query and application that still names the object by its old name
//! fails from the moment the script commits. Renaming an index or a
//! constraint breaks only what names them (hints, error handling that
//! reads a constraint's name), so it weighs less.

use crate::sql::{RenameStmt, Stmt};

use super::{Category, Context, LockLevel, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(_: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::Rename(rename) = site.stmt else {
        return Vec::new();
    };
    let (noun, old, new, severity) = match rename {
        RenameStmt::Schema { name, new_name } => (
            "schema",
            name.to_string(),
            new_name.to_string(),
            Severity::Medium,
        ),
        RenameStmt::Object { object, new_name } => {
            let noun = object.keyword.0.to_lowercase();
            let severity = if noun == "index" {
                Severity::Low
            } else {
                Severity::Medium
            };
            return vec![finish(
                site,
                &noun,
                &object.name.to_string(),
                &new_name.to_string(),
                severity,
                rename,
            )];
        }
        RenameStmt::Routine {
            kind,
            name,
            args,
            new_name,
        } => (
            kind.noun(),
            format!("{name}({args})"),
            new_name.to_string(),
            Severity::Medium,
        ),
        RenameStmt::Column {
            table,
            column,
            new_name,
        } => (
            "column",
            format!("{table}.{column}"),
            new_name.to_string(),
            Severity::Medium,
        ),
        RenameStmt::Constraint {
            table,
            name,
            new_name,
        } => (
            "constraint",
            format!("{name} on {table}"),
            new_name.to_string(),
            Severity::Low,
        ),
    };
    vec![finish(site, noun, &old, &new, severity, rename)]
}

/// The risk of renaming the `noun` `old` to `new`, with the lock the
/// statement takes on a table it renames or renames a part of.
fn finish(
    site: &Site<'_>,
    noun: &str,
    old: &str,
    new: &str,
    severity: Severity,
    rename: &RenameStmt,
) -> Risk {
    let risk = risk(
        Rule::Rename,
        site,
        Category::BreaksClients,
        severity,
        format!(
            "Renaming {noun} {old} to {new} breaks the queries and applications that still use the old name"
        ),
        "deploy the application code that uses the new name together with the script, or keep \
         the old name working until nothing uses it (for a table, a view under the old name)",
    );
    match rename.table() {
        Some(table) => risk.on([table]).lock(LockLevel::AccessExclusive),
        None => risk,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::Rename;

    #[test]
    fn a_renamed_table_and_column_break_clients_of_the_old_names() {
        let from = catalog(vec![table(
            "users",
            vec![col("id", "integer"), col("fullname", "text")],
        )]);
        let to = catalog(vec![table(
            "people",
            vec![col("id", "integer"), col("name", "text")],
        )]);
        let renames = ["public.users=people", "public.users.fullname=name"]
            .map(|r| Rename::parse(r).expect("a rename"));
        check_renamed(
            Rule::Rename,
            &from,
            &to,
            &renames,
            &[
                "medium breaks-clients public.people: Renaming table public.users to people breaks the queries and applications that still use the old name [ACCESS EXCLUSIVE public.users]",
                "medium breaks-clients public.people.name: Renaming column public.people.fullname to name breaks the queries and applications that still use the old name [ACCESS EXCLUSIVE public.people]",
            ],
        );
    }
}
