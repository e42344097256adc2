//! Views and materialized views. A changed view is dropped and created again
//! (with everything that depends on it): `CREATE OR REPLACE VIEW` only
//! accepts appended columns, and a materialized view has no replace at all.
//! Storage parameters and options (`fillfactor`, `security_barrier`,
//! `check_option` …, a materialized view's toast table's too) and
//! privileges alter in place; a view created again gets them again.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::table::alter_params;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, comment,
};
use crate::names::{Name, QualName};
use crate::read::deparse::view_definition;
use crate::read::{IntrospectError, Reader, storage_params};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, GrantTarget, Ident, Keyword, ObjectName, OwnedObject, ServerSql, Stmt,
    StorageParams,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: QualName,
    pub materialized: bool,
    /// The query as `pg_get_viewdef(oid, true)` prints it.
    pub definition: String,
    /// Options and storage parameters (`security_barrier=true`,
    /// `check_option=local`, `fillfactor=70` …), a materialized view's
    /// toast table's prefixed `toast.`, sorted.
    pub options: Vec<String>,
    pub comment: Option<String>,
    /// Comments on the view's columns, sorted by column name.
    #[serde(default)]
    pub column_comments: Vec<ColumnComment>,
    /// Its privileges (see `acl.rs`), as a table's.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
    /// Each column's name, type and collation, in order, as one text: what
    /// `CREATE OR REPLACE VIEW` must keep. Empty in a snapshot written
    /// before it was read, which then never replaces a view in place.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

/// A comment on one column of a view.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnComment {
    pub column: String,
    pub comment: String,
}

pub fn compare(old: &View, new: &View) -> Delta {
    let privileges = || acl::alter(&old.acl, &new.acl, &grant_target(new), old.owner.as_ref());
    let owner_change = || owner::alter(old.owner.as_ref(), new.owner.as_ref(), || owned(new));
    if old.materialized != new.materialized {
        Delta::Replace
    } else if old.definition == new.definition {
        let object = ObjectName {
            keyword: Keyword(if new.materialized {
                "MATERIALIZED VIEW"
            } else {
                "VIEW"
            }),
            name: new.name.clone(),
        };
        Delta::Same
            .and(alter_params(&object, &old.options, &new.options))
            .and(privileges())
            .and(owner_change())
    } else if replaces_in_place(old, new) {
        Delta::Alter(vec![Stmt::CreateView {
            name: new.name.clone(),
            materialized: false,
            or_replace: true,
            options: StorageParams(new.options.clone()),
            query: ServerSql(new.definition.clone()),
        }])
        .and(privileges())
        .and(owner_change())
    } else {
        Delta::Replace
    }
}

/// Whether `CREATE OR REPLACE VIEW` turns `old` into `new`, so that what
/// is built on the view stays: a plain view whose new query keeps every
/// column (name, type and collation, in order) and may add more at the
/// end, with the same options (the statement sets options, but cannot
/// reset one).
fn replaces_in_place(old: &View, new: &View) -> bool {
    !old.materialized
        && !new.materialized
        && old.options == new.options
        && !old.columns.is_empty()
        && new.columns.starts_with(&old.columns)
}

/// `ALTER … OWNER TO` names each by its own keyword.
fn owned(view: &View) -> OwnedObject {
    let keyword = if view.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    owner::named(keyword, &view.name)
}

/// `GRANT` names a view, as a materialized view, as a table.
fn grant_target(view: &View) -> GrantTarget {
    GrantTarget::Table(view.name.clone())
}

pub fn create(view: &View) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::CreateView {
        name: view.name.clone(),
        materialized: view.materialized,
        or_replace: false,
        options: StorageParams(view.options.clone()),
        query: ServerSql(view.definition.clone()),
    }];
    stmts.extend(acl::on_create(&view.acl, &grant_target(view), None));
    stmts.extend(owner::on_create(view.owner.as_ref(), || owned(view)));
    stmts
}

pub fn drop(view: &View) -> Vec<Stmt> {
    vec![Stmt::DropView {
        name: view.name.clone(),
        materialized: view.materialized,
    }]
}

pub struct Raw {
    oid: u32,
    name: QualName,
    materialized: bool,
    definition: String,
    options: Vec<String>,
    /// The view's `_RETURN` rule: `pg_depend` records a view's references
    /// as dependencies of this rule, not of the view.
    rule: Option<u32>,
    row_type: u32,
    row_array_type: Option<u32>,
    comment: Option<String>,
    column_comments: Vec<ColumnComment>,
    acl: Acl,
    owner: Option<Name>,
    columns: Vec<String>,
}

const QUERY: &str = concat!(
    "SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, \
     pg_catalog.pg_get_viewdef(c.oid, true) AS definition, \
     c.reloptions AS options, \
     (SELECT tc.reloptions FROM pg_catalog.pg_class tc WHERE tc.oid = c.reltoastrelid) \
      AS toast_options, \
     (SELECT r.oid FROM pg_catalog.pg_rewrite r \
      WHERE r.ev_class = c.oid AND r.rulename = '_RETURN') AS rule_oid, \
     c.reltype AS row_type, t.typarray AS row_array_type, cm.description AS comment, \
     ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a \
      JOIN pg_catalog.pg_description d ON d.objoid = c.oid \
       AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum \
      WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS commented_columns, \
     ARRAY(SELECT d.description FROM pg_catalog.pg_attribute a \
      JOIN pg_catalog.pg_description d ON d.objoid = c.oid \
       AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum \
      WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS column_comments, \
     ARRAY(SELECT pg_catalog.quote_ident(a.attname) OPERATOR(pg_catalog.||) ' ' \
       OPERATOR(pg_catalog.||) pg_catalog.format_type(a.atttypid, a.atttypmod) \
       OPERATOR(pg_catalog.||) COALESCE(' COLLATE ' OPERATOR(pg_catalog.||) \
        (SELECT pg_catalog.quote_ident(co.collname) FROM pg_catalog.pg_collation co \
         WHERE co.oid = a.attcollation), '') \
      FROM pg_catalog.pg_attribute a \
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
      ORDER BY a.attnum) AS columns, \
     pg_catalog.pg_get_userbyid(c.relowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "c.relacl",
        "c.relowner",
        "pg_catalog.acldefault('r', c.relowner)"
    ),
    " AS acl \
     FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_type t ON t.oid = c.reltype",
    comment_join!("pg_class", "c.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    modelled_view!("c"),
);

const WHAT: &str = "views";

/// Pairs the commented columns with their comments, sorted by column name.
fn column_comments(columns: Vec<String>, comments: Vec<String>) -> Vec<ColumnComment> {
    let mut pairs: Vec<ColumnComment> = columns
        .into_iter()
        .zip(comments)
        .map(|(column, comment)| ColumnComment { column, comment })
        .collect();
    pairs.sort();
    pairs
}

impl<'a> ObjectKind<'a> for View {
    type Ref = &'a View;
    const NOUN: &'static str = "view";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.views.iter().map(Obj::View));
    }

    fn key(view: &'a View) -> [&'a str; 3] {
        [&view.name.schema, &view.name.name, ""]
    }

    fn container(view: &'a View) -> Holder<'a> {
        Holder::schema(&view.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(_: &'a View) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(view: &'a View) -> Vec<QualName> {
        vec![view.name.clone()]
    }

    fn created_acl(x: &'a View) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: grant_target(x),
            objects: crate::names::DefaultObjects::Tables,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a View, new: &'a View) -> Delta {
        compare(old, new)
    }

    fn create(view: &'a View) -> Vec<Stmt> {
        create(view)
    }

    fn drop(view: &'a View) -> Vec<Stmt> {
        drop(view)
    }

    fn dropped_with(_: &'a View, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a View) -> Option<ObjectId> {
        None
    }

    fn comment(view: &'a View) -> Option<&'a Option<String>> {
        Some(&view.comment)
    }

    fn comment_target(view: &'a View) -> Option<CommentTarget> {
        Some(CommentTarget::View {
            name: view.name.clone(),
            materialized: view.materialized,
        })
    }

    fn shown(view: &'a View) -> Option<Shown> {
        Some(Shown {
            kind: if view.materialized {
                "materialized view"
            } else {
                "view"
            },
            statements: create(view),
        })
    }

    /// The view's comment and its columns' comments.
    fn comments_on_create(view: &'a View) -> Vec<Stmt> {
        let mut stmts: Vec<Stmt> = view
            .comment
            .is_some()
            .then(|| Self::comment_target(view).map(|target| comment(target, &view.comment)))
            .flatten()
            .into_iter()
            .collect();
        stmts.extend(view.column_comments.iter().map(|c| {
            comment(
                CommentTarget::Column(view.name.clone(), Ident(c.column.clone())),
                &Some(c.comment.clone()),
            )
        }));
        stmts
    }

    fn comments_changed(old: &'a View, new: &'a View) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        if old.comment != new.comment
            && let Some(target) = Self::comment_target(new)
        {
            stmts.push(comment(target, &new.comment));
        }
        if old.column_comments == new.column_comments {
            return stmts;
        }
        let text_of = |view: &View, column: &str| {
            view.column_comments
                .iter()
                .find(|c| c.column == column)
                .map(|c| c.comment.clone())
        };
        let mut columns: Vec<&String> = old
            .column_comments
            .iter()
            .chain(&new.column_comments)
            .map(|c| &c.column)
            .collect();
        columns.sort();
        columns.dedup();
        for column in columns {
            let after = text_of(new, column);
            if text_of(old, column) != after {
                stmts.push(comment(
                    CommentTarget::Column(new.name.clone(), Ident(column.clone())),
                    &after,
                ));
            }
        }
        stmts
    }

    fn deparsed(view: &'a View) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![(view.definition.as_str(), TextShape::Query)];
        texts.extend(
            view.options
                .iter()
                .map(|o| (o.as_str(), TextShape::Fragment)),
        );
        texts
    }
}

impl ReadKind for View {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> =
        Some("pg_catalog.pg_rewrite r WHERE r.oid >= 16384 AND r.rulename = '_RETURN'");

    fn raw(row: &Reader<'_>, server_version_num: i32) -> Result<Raw, IntrospectError> {
        let name = QualName::new(row.get::<String>("schema")?, row.get::<String>("name")?);
        Ok(Raw {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || format!("view {name}"))?,
            owner: Some(row.get_name("owner")?),
            name,
            materialized: row.get("materialized")?,
            definition: view_definition(row.get("definition")?, server_version_num),
            options: storage_params(row.get("options")?, row.get("toast_options")?),
            rule: row.get("rule_oid")?,
            row_type: row.get("row_type")?,
            row_array_type: row.get("row_array_type")?,
            comment: row.get("comment")?,
            column_comments: column_comments(
                row.get("commented_columns")?,
                row.get("column_comments")?,
            ),
            columns: row.get("columns")?,
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<View>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::View {
                    name: row.name.clone(),
                };
                if let Some(rule) = row.rule {
                    objects.insert(classes.pg_rewrite, rule, 0, id.clone());
                }
                objects.insert(classes.pg_type, row.row_type, 0, id.clone());
                if let Some(array) = row.row_array_type.filter(|oid| *oid != 0) {
                    objects.insert(classes.pg_type, array, 0, id.clone());
                }
                objects.insert(classes.pg_class, row.oid, 0, id);
                View {
                    name: row.name,
                    materialized: row.materialized,
                    definition: row.definition,
                    options: row.options,
                    comment: row.comment,
                    column_comments: row.column_comments,
                    acl: row.acl,
                    owner: row.owner,
                    columns: row.columns,
                }
            })
            .collect())
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
    fn only_appended_columns_replace_in_place() {
        let view = |columns: &[&str], materialized| View {
            name: QualName::new("public", "v"),
            materialized,
            definition: format!("SELECT {}", columns.join(", ")),
            options: Vec::new(),
            comment: None,
            column_comments: Vec::new(),
            acl: Acl::default(),
            owner: None,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        };
        let in_place = |old: &View, new: &View| matches!(compare(old, new), Delta::Alter(_));
        let ab = view(&["a integer", "b text COLLATE \"C\""], false);
        assert!(in_place(
            &ab,
            &view(&["a integer", "b text COLLATE \"C\"", "c date"], false)
        ));
        assert!(
            !in_place(&ab, &view(&["a integer"], false)),
            "a column goes"
        );
        assert!(!in_place(
            &ab,
            &view(&["a bigint", "b text COLLATE \"C\""], false)
        ));
        assert!(!in_place(
            &ab,
            &view(&["b text COLLATE \"C\"", "a integer"], false)
        ));
        assert!(
            !in_place(&ab, &view(&["a integer", "b text"], false)),
            "a collation"
        );
        let mat = view(&["a integer"], true);
        assert!(!in_place(&mat, &view(&["a integer", "b date"], true)));
        assert!(!in_place(&view(&[], false), &ab), "an older snapshot");
    }
}
