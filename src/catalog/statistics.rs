//! Extended statistics (`CREATE STATISTICS`): objects that tell the planner
//! how columns and expressions of one table relate (kinds `ndistinct`,
//! `dependencies`, `mcv`). A changed definition has no `ALTER`, so it drops
//! and creates the object; the statistics target and the owner alter in
//! place.
//!
//! Only statistics on tables (foreign ones too) and materialized views
//! pgrift models are read: those on a foreign table that is a partition or
//! an inheritance child hang off a table that is a warning of its own. An extension's statistics are left out by their
//! table, since PostgreSQL records no extension membership for the
//! statistics object itself.
//!
//! A type change of a column the object uses rebuilds it with the default
//! target, and a recreated materialized view drops it: the object is
//! replaced around both ([`Follows::Replaced`]), so its target and comment
//! come back.

use serde::{Deserialize, Serialize};

use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Keyword, ObjectAction, ObjectName, OwnedObject, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub name: QualName,
    /// The table or materialized view it is on.
    pub table: QualName,
    /// The complete `CREATE STATISTICS` statement as
    /// `pg_get_statisticsobjdef` prints it.
    pub definition: String,
    /// The target set by `ALTER STATISTICS … SET STATISTICS`; `None` for
    /// the default (`-1` before PostgreSQL 17, `NULL` from 17).
    pub target: Option<i32>,
    pub comment: Option<String>,
    /// Its owner, which is not its table's; `None` for whoever runs the
    /// script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("STATISTICS");

/// What `pg_get_statisticsobjdef` prints.
const DEFINITION: TextShape = TextShape::Statement(&[&["CREATE", "STATISTICS"]]);

fn object(statistics: &Statistics) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: statistics.name.clone(),
    }
}

fn set_target(statistics: &Statistics) -> Stmt {
    Stmt::AlterObject {
        object: object(statistics),
        action: ObjectAction::SetStatistics(statistics.target),
    }
}

pub struct Raw {
    oid: u32,
    name: QualName,
    table: u32,
    definition: String,
    target: Option<i32>,
    comment: Option<String>,
    owner: Name,
}

/// `stxstattarget` is an `integer` with `-1` for the default before
/// PostgreSQL 17 and a nullable `smallint` from 17; `NULL` stands for the
/// default on every version. The definition is printed with the session's
/// empty `search_path`, so every name in it is qualified.
const QUERY: &str = concat!(
    "SELECT s.oid, n.nspname AS schema, s.stxname AS name, s.stxrelid AS table_oid, \
     pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition, \
     CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget::pg_catalog.int4 END AS target, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(s.stxowner)::pg_catalog.text AS owner \
     FROM pg_catalog.pg_statistic_ext s \
     JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace \
     JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid \
     JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace",
    comment_join!("pg_statistic_ext", "s.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    user_schema!("cn"),
    " AND ",
    not_extension_member!("pg_statistic_ext", "s.oid"),
    " AND (",
    modelled_table!("c"),
    " OR ",
    modelled_view!("c"),
    ")",
);

const WHAT: &str = "statistics objects";

impl ReadKind for Statistics {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_statistic_ext s WHERE s.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            name: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?),
            table: row.get("table_oid")?,
            definition: row.get("definition")?,
            target: row.get("target")?,
            comment: row.get("comment")?,
            owner: row.get_name("owner")?,
        })
    }

    /// Runs after tables and views are registered, to name the relation
    /// each object is on.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Statistics>, IntrospectError> {
        rows.into_iter()
            .map(|row| {
                let table = objects.relation(classes, row.table, || {
                    format!("statistics object {}", row.name)
                })?;
                let id = ObjectId::Statistics {
                    name: row.name.clone(),
                };
                objects.insert(classes.pg_statistic_ext, row.oid, 0, id);
                Ok(Statistics {
                    name: row.name,
                    table,
                    definition: row.definition,
                    target: row.target,
                    comment: row.comment,
                    owner: Some(row.owner),
                })
            })
            .collect()
    }
}

impl<'a> ObjectKind<'a> for Statistics {
    type Ref = &'a Statistics;
    const NOUN: &'static str = "statistics object";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["statistics object"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.statistics.iter().map(Obj::Statistics));
    }

    fn key(statistics: &'a Statistics) -> [&'a str; 3] {
        [&statistics.name.schema, &statistics.name.name, ""]
    }

    fn container(statistics: &'a Statistics) -> Holder<'a> {
        Holder::schema(&statistics.name.schema)
    }

    /// Its own schema, which need not be its table's.
    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(statistics: &'a Statistics) -> Option<&'a QualName> {
        Some(&statistics.table)
    }

    /// Statistics objects have a namespace of their own, apart from
    /// relations and types.
    fn claimed_names(_: &'a Statistics) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a Statistics, new: &'a Statistics) -> Delta {
        let delta = if old.definition != new.definition {
            Delta::Replace
        } else if old.target != new.target {
            Delta::Alter(vec![set_target(new)])
        } else {
            Delta::Same
        };
        delta.and(owner::alter(old.owner.as_ref(), new.owner.as_ref(), || {
            OwnedObject::Named(object(new))
        }))
    }

    /// `CREATE STATISTICS` takes no target: a target other than the
    /// default is set after it.
    fn create(statistics: &'a Statistics) -> Vec<Stmt> {
        let mut stmts = vec![Stmt::Deparsed(ServerSql(statistics.definition.clone()))];
        if statistics.target.is_some() {
            stmts.push(set_target(statistics));
        }
        stmts.extend(owner::on_create(statistics.owner.as_ref(), || {
            OwnedObject::Named(object(statistics))
        }));
        stmts
    }

    fn drop(statistics: &'a Statistics) -> Vec<Stmt> {
        vec![Stmt::DropObject(object(statistics))]
    }

    /// Dropping the table drops its statistics.
    fn dropped_with(statistics: &'a Statistics, objects: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        Some(objects.relation_id(&statistics.table))
    }

    fn created_with(_: &'a Statistics) -> Option<ObjectId> {
        None
    }

    fn comment(statistics: &'a Statistics) -> Option<&'a Option<String>> {
        Some(&statistics.comment)
    }

    fn comment_target(statistics: &'a Statistics) -> Option<CommentTarget> {
        Some(CommentTarget::Object(object(statistics)))
    }

    fn shown(statistics: &'a Statistics) -> Option<Shown> {
        Some(Shown {
            kind: "statistics object",
            statements: Self::create(statistics),
        })
    }

    fn deparsed(statistics: &'a Statistics) -> Vec<(&'a str, TextShape)> {
        vec![(&statistics.definition, DEFINITION)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statistics(definition: &str, target: Option<i32>) -> Statistics {
        Statistics {
            name: QualName::new("public", "s"),
            table: QualName::new("public", "t"),
            definition: definition.to_owned(),
            target,
            comment: None,
            owner: None,
        }
    }

    #[test]
    fn query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn a_new_definition_replaces_and_a_new_target_alters() {
        let old = statistics(
            "CREATE STATISTICS public.s ON a, b FROM public.t",
            Some(500),
        );
        let kinds = statistics(
            "CREATE STATISTICS public.s (mcv) ON a, b FROM public.t",
            Some(500),
        );
        assert_eq!(Statistics::compare(&old, &kinds), Delta::Replace);
        let reset = statistics("CREATE STATISTICS public.s ON a, b FROM public.t", None);
        let Delta::Alter(stmts) = Statistics::compare(&old, &reset) else {
            panic!("a target change alters in place");
        };
        assert_eq!(
            stmts.iter().map(Stmt::to_string).collect::<Vec<_>>(),
            ["ALTER STATISTICS public.s SET STATISTICS -1"]
        );
        assert_eq!(Statistics::compare(&old, &old), Delta::Same);
    }

    #[test]
    fn create_sets_a_target_after_the_definition() {
        let s = statistics("CREATE STATISTICS public.s ON a, b FROM public.t", Some(0));
        assert_eq!(
            Statistics::create(&s)
                .iter()
                .map(Stmt::to_string)
                .collect::<Vec<_>>(),
            [
                "CREATE STATISTICS public.s ON a, b FROM public.t",
                "ALTER STATISTICS public.s SET STATISTICS 0",
            ]
        );
    }

    /// A snapshot's definition is copied into scripts, so anything but one
    /// `CREATE STATISTICS` statement is refused.
    #[test]
    fn a_snapshot_definition_must_be_one_create_statistics() {
        let check = |definition: &str| {
            let s = statistics(definition, None);
            Statistics::deparsed(&s)
                .into_iter()
                .try_for_each(|(text, shape)| crate::sql::verify::check(text, shape))
        };
        assert_eq!(
            check("CREATE STATISTICS public.\"s\n--*/\" ON a, b FROM public.t"),
            Ok(())
        );
        for hostile in [
            "CREATE STATISTICS public.s ON a, b FROM public.t; DROP TABLE public.victim",
            "DROP TABLE public.victim",
            "CREATE STATISTICS public.s ON a, b FROM public.t -- */",
            "CREATE STATISTICS public.s ON a, b FROM public.t\n\\! rm -rf /",
        ] {
            assert!(check(hostile).is_err(), "{hostile:?} is refused");
        }
    }
}
