//! Extensions: version and schema change in place, where the extension
//! allows: one without an update path to the wanted version, or one that
//! is not relocatable (`xml2`) and moves to another schema, is dropped and
//! created again. PostgreSQL then refuses the drop while a column uses one
//! of its types, rather than lose the column.
//!
//! All extensions are read, `plpgsql` in `pg_catalog` too: an extension is
//! one object whatever schema it lives in, and the objects it creates are
//! left out of every other list.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::QualName;
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, Ident, Keyword, Literal, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
    /// The versions this server's extension scripts can update the
    /// installed version to. Not part of the schema: it tells the diff
    /// whether `ALTER EXTENSION … UPDATE` can reach another version, or the
    /// extension must be dropped and created again. `None` when unknown (a
    /// snapshot written without it).
    #[serde(default)]
    pub update_targets: Option<Vec<String>>,
    /// Whether `ALTER EXTENSION … SET SCHEMA` can move it. Not part of the
    /// schema either; `None` when unknown (a snapshot written without it),
    /// taken as movable.
    #[serde(default)]
    pub relocatable: Option<bool>,
}

pub fn compare(old: &Extension, new: &Extension) -> Delta {
    // Most extensions ship no downgrade scripts. An unknown set of targets
    // (a snapshot from elsewhere) assumes the update works.
    let no_update_path = old.version != new.version
        && old
            .update_targets
            .as_ref()
            .is_some_and(|targets| !targets.contains(&new.version));
    let cannot_move = old.schema != new.schema && old.relocatable == Some(false);
    if no_update_path || cannot_move {
        return Delta::Replace;
    }
    let mut stmts = Vec::new();
    if old.schema != new.schema {
        stmts.push(Stmt::AlterExtensionSetSchema {
            name: Ident(new.name.clone()),
            schema: Ident(new.schema.clone()),
        });
    }
    if old.version != new.version {
        stmts.push(Stmt::AlterExtensionUpdate {
            name: Ident(new.name.clone()),
            version: Literal(new.version.clone()),
        });
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

pub fn create(extension: &Extension) -> Vec<Stmt> {
    vec![Stmt::CreateExtension {
        name: Ident(extension.name.clone()),
        schema: Ident(extension.schema.clone()),
        // An empty version is one `--ignore extension-versions` left out.
        version: (!extension.version.is_empty()).then(|| Literal(extension.version.clone())),
    }]
}

pub fn drop(extension: &Extension) -> Vec<Stmt> {
    vec![Stmt::DropExtension(Ident(extension.name.clone()))]
}

pub struct Raw {
    oid: u32,
    name: String,
    schema: String,
    version: String,
    update_targets: Vec<String>,
    relocatable: bool,
}

/// Extensions, with the versions their installed scripts can update them to
/// (`pg_extension_update_paths` lists every pair of versions; only the
/// reachable targets from the installed version are kept).
const QUERY: &str = "SELECT e.oid, e.extname AS name, n.nspname AS schema, e.extversion AS version, \
    e.extrelocatable AS relocatable, \
    ARRAY(SELECT p.target FROM pg_catalog.pg_extension_update_paths(e.extname) p \
      WHERE p.source = e.extversion AND p.path IS NOT NULL ORDER BY p.target) AS update_targets \
    FROM pg_catalog.pg_extension e \
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace";

const WHAT: &str = "extensions";

impl<'a> ObjectKind<'a> for Extension {
    type Ref = &'a Extension;
    const NOUN: &'static str = "extension";
    const SHAPE: Shape = Shape::Name;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.extensions.iter().map(Obj::Extension));
    }

    fn key(extension: &'a Extension) -> [&'a str; 3] {
        [&extension.name, "", ""]
    }

    fn container(extension: &'a Extension) -> Holder<'a> {
        Holder::schema(&extension.schema)
    }

    /// An extension is one object whatever schema it is in, and its name
    /// does not say the schema.
    fn named_container(_parts: [&str; 3], _container: Key<'_>) -> bool {
        false
    }

    fn table(_: &'a Extension) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(_: &'a Extension) -> Vec<QualName> {
        Vec::new()
    }

    fn compare(old: &'a Extension, new: &'a Extension) -> Delta {
        compare(old, new)
    }

    fn create(extension: &'a Extension) -> Vec<Stmt> {
        create(extension)
    }

    fn drop(extension: &'a Extension) -> Vec<Stmt> {
        drop(extension)
    }

    fn dropped_with(_: &'a Extension, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a Extension) -> Option<ObjectId> {
        None
    }

    /// Comments on extensions are not modelled: `CREATE EXTENSION` sets the
    /// one its script writes.
    fn comment(_: &'a Extension) -> Option<&'a Option<String>> {
        None
    }

    /// Named though its comment is not compared, so that the object can
    /// be found by it (the coverage test does).
    fn comment_target(extension: &'a Extension) -> Option<CommentTarget> {
        Some(CommentTarget::Global(
            Keyword("EXTENSION"),
            Ident(extension.name.clone()),
        ))
    }

    fn shown(_: &'a Extension) -> Option<Shown> {
        None
    }

    /// An extension holds names and a version, which scripts quote.
    fn deparsed(_: &'a Extension) -> Vec<(&'a str, TextShape)> {
        Vec::new()
    }
}

impl ReadKind for Extension {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = None;

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            name: row.get("name")?,
            schema: row.get("schema")?,
            version: row.get("version")?,
            update_targets: row.get("update_targets")?,
            relocatable: row.get("relocatable")?,
        })
    }

    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Extension>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::Extension {
                    name: row.name.as_str().into(),
                };
                objects.insert(classes.pg_extension, row.oid, 0, id);
                Extension {
                    name: row.name,
                    schema: row.schema,
                    version: row.version,
                    update_targets: Some(row.update_targets),
                    relocatable: Some(row.relocatable),
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
}
