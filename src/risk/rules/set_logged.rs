//! `SET LOGGED` and `SET UNLOGGED` rewrite the table. Going logged writes
//! all of it to the WAL (and so to replicas); going unlogged makes the
//! table empty itself after a crash and vanish from replicas.

use crate::sql::{Stmt, TableAction};

use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let Stmt::AlterTable {
        table,
        action: TableAction::SetLogged(logged),
    } = site.stmt
    else {
        return Vec::new();
    };
    if !cx.existing(table) {
        return Vec::new();
    }
    let (message, mitigation) = if *logged {
        (
            format!(
                "Setting {table} LOGGED rewrites it under ACCESS EXCLUSIVE and writes all of it to the WAL"
            ),
            "run it at a quiet time and watch WAL volume and replica lag",
        )
    } else {
        (
            format!(
                "Setting {table} UNLOGGED rewrites it under ACCESS EXCLUSIVE; an unlogged table is emptied after a crash and not replicated"
            ),
            "make sure the table only holds data that can be lost (a cache) before making it unlogged",
        )
    };
    vec![
        risk(
            Rule::SetLogged,
            site,
            Category::TableRewrite,
            Severity::Medium,
            message,
            mitigation,
        )
        .on([table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;
    use crate::catalog::Table;

    #[test]
    fn persistence_changes_rewrite() {
        let logged = catalog(vec![table("cache", vec![col("k", "text")])]);
        let unlogged = catalog(vec![Table {
            unlogged: true,
            ..table("cache", vec![col("k", "text")])
        }]);
        check(
            Rule::SetLogged,
            &logged,
            &unlogged,
            &[
                "medium table-rewrite public.cache: Setting public.cache UNLOGGED rewrites it under ACCESS EXCLUSIVE; an unlogged table is emptied after a crash and not replicated",
            ],
        );
        check(
            Rule::SetLogged,
            &unlogged,
            &logged,
            &[
                "medium table-rewrite public.cache: Setting public.cache LOGGED rewrites it under ACCESS EXCLUSIVE and writes all of it to the WAL",
            ],
        );
    }
}
