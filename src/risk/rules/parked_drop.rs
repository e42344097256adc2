//! A parked drop (`--park-drops`) keeps the table or column and its rows
//! aside, where the reverse script finds them, so it loses no data; but
//! whatever still uses the object by its old name fails from the moment
//! the script commits, as after a drop. The rows stay until `pgrift purge`
//! drops them for good.

use crate::catalog::parked;
use crate::sql::{ParkStmt, Stmt};

use super::super::phrase;
use super::{Category, Context, LockLevel, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(_: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let (noun, name, table) = match site.stmt {
        Stmt::Park(ParkStmt::SetSchema { table, schema }) if schema.0 == parked::SCHEMA => {
            ("table", table.to_string(), table)
        }
        Stmt::Park(ParkStmt::RenameColumn {
            table,
            column,
            new_name,
        }) if new_name.0.starts_with(parked::COLUMN_PREFIX) => {
            ("column", phrase::column(table, column), table)
        }
        _ => return Vec::new(),
    };
    vec![
        risk(
            Rule::ParkedDrop,
            site,
            Category::BreaksClients,
            Severity::Medium,
            format!(
                "Parking {noun} {name} keeps its rows for the reverse script, but the queries \
                 and applications that still use it break"
            ),
            "deploy application code that no longer uses it first; once the change is final, \
             pgrift purge drops what is parked",
        )
        .on([table])
        .lock(LockLevel::AccessExclusive),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn a_parked_table_and_column_break_clients_but_keep_their_rows() {
        let from = catalog(vec![
            table("users", vec![col("id", "integer"), col("email", "text")]),
            table("logs", vec![col("id", "integer")]),
        ]);
        let to = catalog(vec![table("users", vec![col("id", "integer")])]);
        check_parked(
            Rule::ParkedDrop,
            &from,
            &to,
            &[
                "medium breaks-clients public.users.email: Parking column public.users.email keeps its rows for the reverse script, but the queries and applications that still use it break [ACCESS EXCLUSIVE public.users]",
                "medium breaks-clients public.logs: Parking table public.logs keeps its rows for the reverse script, but the queries and applications that still use it break [ACCESS EXCLUSIVE public.logs]",
            ],
        );
        for rule in [Rule::DropTable, Rule::DropColumn] {
            check_parked(rule, &from, &to, &[]);
        }
    }
}
