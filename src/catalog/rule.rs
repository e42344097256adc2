//! Rewrite rules (`CREATE RULE`) on tables and views, other than the
//! `_RETURN` rule that is a view's query. A changed definition drops and
//! creates the rule; whether a table's rule fires (`ENABLE`, `DISABLE`,
//! `ENABLE REPLICA`, `ENABLE ALWAYS`) alters in place. A view's rules always
//! fire: PostgreSQL cannot disable them.
//!
//! A rule is rebuilt by the server when a column it uses changes type, and
//! goes with a recreated view, so it is replaced around both
//! ([`Follows::Replaced`]) and its enabled state and comment come back.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, compare_firing, create_firing,
};
use crate::names::{QualName, TriggerEnabled};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, Keyword, ObjectOn, ServerSql, Stmt, TableAction};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The table or view the rule is on.
    pub table: QualName,
    pub name: String,
    /// The complete `CREATE RULE` statement as `pg_get_ruledef` prints it,
    /// without its final semicolon.
    pub definition: String,
    pub enabled: TriggerEnabled,
    pub comment: Option<String>,
}

/// What `pg_get_ruledef` prints.
const DEFINITION: TextShape = TextShape::Rule;

fn object(rule: &Rule) -> ObjectOn {
    ObjectOn {
        keyword: Keyword("RULE"),
        name: Ident(rule.name.clone()),
        table: rule.table.clone(),
    }
}

fn enable(rule: &Rule) -> Stmt {
    Stmt::AlterTable {
        table: rule.table.clone(),
        action: TableAction::EnableRule(Ident(rule.name.clone()), rule.enabled),
    }
}

pub struct Raw {
    oid: u32,
    table: u32,
    name: String,
    definition: String,
    enabled: char,
    comment: Option<String>,
}

/// The definition is printed with the session's empty `search_path`, so
/// every name in it is qualified.
const QUERY: &str = concat!(
    "SELECT r.oid, r.ev_class AS table_oid, r.rulename AS name, \
     pg_catalog.pg_get_ruledef(r.oid, true) AS definition, r.ev_enabled AS enabled, \
     cm.description AS comment \
     FROM pg_catalog.pg_rewrite r \
     JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
    comment_join!("pg_rewrite", "r.oid", "cm"),
    "WHERE r.rulename <> '_RETURN' AND ",
    user_schema!("n"),
    " AND (",
    modelled_table!("c"),
    " OR ",
    modelled_view!("c"),
    ")",
);

const WHAT: &str = "rules";

impl<'a> ObjectKind<'a> for Rule {
    type Ref = &'a Rule;
    const NOUN: &'static str = "rule";
    const SHAPE: Shape = Shape::On;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["rule"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.rules.iter().map(Obj::Rule));
    }

    fn key(rule: &'a Rule) -> [&'a str; 3] {
        [&rule.table.schema, &rule.table.name, &rule.name]
    }

    fn container(rule: &'a Rule) -> Holder<'a> {
        Holder::Relation(&rule.table)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_relation_of(parts)
    }

    fn table(rule: &'a Rule) -> Option<&'a QualName> {
        Some(&rule.table)
    }

    fn claimed_names(_: &'a Rule) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a Rule, new: &'a Rule) -> Delta {
        compare_firing(
            (&old.definition, old.enabled),
            (&new.definition, new.enabled),
            || enable(new),
        )
    }

    fn create(rule: &'a Rule) -> Vec<Stmt> {
        create_firing(
            Stmt::Deparsed(ServerSql(rule.definition.clone())),
            rule.enabled,
            || enable(rule),
        )
    }

    fn drop(rule: &'a Rule) -> Vec<Stmt> {
        vec![Stmt::DropOn(object(rule))]
    }

    fn dropped_with(rule: &'a Rule, objects: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        Some(objects.relation_id(&rule.table))
    }

    fn created_with(_: &'a Rule) -> Option<ObjectId> {
        None
    }

    fn comment(rule: &'a Rule) -> Option<&'a Option<String>> {
        Some(&rule.comment)
    }

    fn comment_target(rule: &'a Rule) -> Option<CommentTarget> {
        Some(CommentTarget::On(object(rule)))
    }

    fn shown(rule: &'a Rule) -> Option<Shown> {
        Some(Shown {
            kind: "rule",
            statements: Self::create(rule),
        })
    }

    fn deparsed(rule: &'a Rule) -> Vec<(&'a str, TextShape)> {
        vec![(&rule.definition, DEFINITION)]
    }
}

impl ReadKind for Rule {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_rewrite r WHERE r.oid >= 16384 AND r.rulename <> '_RETURN'");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            table: row.get("table_oid")?,
            name: row.get("name")?,
            definition: row.get("definition")?,
            enabled: row.get_char("enabled")?,
            comment: row.get("comment")?,
        })
    }

    /// Runs after tables and views are registered, to name the relation
    /// each rule is on.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Rule>, IntrospectError> {
        rows.into_iter()
            .map(|row| {
                let table =
                    objects.relation(classes, row.table, || format!("rule {}", row.name))?;
                let enabled = TriggerEnabled::from_code(row.enabled).ok_or_else(|| {
                    IntrospectError::unknown_code(
                        format!("rule {} on {table}", row.name),
                        "ev_enabled",
                        row.enabled,
                    )
                })?;
                let id = ObjectId::Rule {
                    table: table.clone(),
                    name: row.name.as_str().into(),
                };
                objects.insert(classes.pg_rewrite, row.oid, 0, id);
                // The statement ends with a semicolon, which the script
                // writes itself.
                let definition = row.definition.trim_end().trim_end_matches(';').to_owned();
                Ok(Rule {
                    table,
                    name: row.name,
                    definition,
                    enabled,
                    comment: row.comment,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn a_definition_reads_as_one_rule() {
        let good = "CREATE RULE r2 AS\n    ON INSERT TO public.t\n   WHERE new.id > 5 DO ( \
                    INSERT INTO public.log (id)\n  VALUES (new.id);\n INSERT INTO public.log (id)\n  \
                    VALUES (new.id + 1);\n)";
        assert_eq!(crate::sql::verify::check(good, DEFINITION), Ok(()));
        for bad in [
            "CREATE RULE r AS ON DELETE TO public.t DO INSTEAD NOTHING; DROP TABLE public.t",
            "CREATE RULE r AS ON DELETE TO public.t DO (NOTHING); DROP TABLE public.t; (SELECT 1)",
            "CREATE TABLE x (a int)",
        ] {
            assert!(crate::sql::verify::check(bad, DEFINITION).is_err(), "{bad}");
        }
    }
}
