//! `CREATE UNIQUE INDEX` fails if existing rows hold duplicates. (Its lock,
//! SHARE for the whole build, is the lock rule's.)

use crate::catalog::ObjectId;
use crate::sql::Stmt;
use crate::sql::read;

use super::super::phrase;
use super::{Category, Context, Risk, RiskExt, Rule, Severity, Site, risk};

pub fn check(cx: &Context<'_>, site: &Site<'_>) -> Vec<Risk> {
    let (Stmt::CreateIndex(definition) | Stmt::CreateIndexConcurrently(definition)) = site.stmt
    else {
        return Vec::new();
    };
    let Some(def) = read::index(&definition.0) else {
        return Vec::new();
    };
    let table = match &site.change.id {
        ObjectId::Index { name } => cx.index_after(name).map(|i| i.table.clone()),
        _ => None,
    }
    .unwrap_or(def.table);
    if !def.unique || !cx.existing(&table) {
        return Vec::new();
    }
    // The same unique index dropped and built again already holds.
    if let ObjectId::Index { name } = &site.change.id
        && cx
            .index_before(name)
            .is_some_and(|old| old.definition == definition.0)
    {
        return Vec::new();
    }
    vec![
        risk(
            Rule::UniqueIndex,
            site,
            Category::MayFail,
            Severity::Medium,
            format!("{} fails if rows hold duplicates", phrase::action(site.change, site.stmt)),
            "check for duplicates first; build the index with CREATE UNIQUE INDEX CONCURRENTLY outside a transaction to keep writes going",
        )
        .on([&table]),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::*;

    #[test]
    fn a_unique_index_may_fail() {
        let t = || table("users", vec![col("email", "text")]);
        let from = catalog(vec![t()]);
        let mut to = catalog(vec![t()]);
        index(&mut to, "users_email_idx", "users", &["email"], true);
        check(
            Rule::UniqueIndex,
            &from,
            &to,
            &[
                "medium may-fail public.users_email_idx: Creating unique index public.users_email_idx fails if rows hold duplicates",
            ],
        );
        let mut plain = catalog(vec![t()]);
        index(&mut plain, "users_email_idx", "users", &["email"], false);
        check(Rule::UniqueIndex, &from, &plain, &[]);
    }
}
