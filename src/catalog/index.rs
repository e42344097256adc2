//! Indexes. Any change of definition drops and creates the index.
//!
//! Indexes are read by `introspect::indexes`, with the keys of the tables.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown,
};
use crate::names::QualName;
use crate::sql::verify::{self, Shape as TextShape};
use crate::sql::{CommentTarget, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: QualName,
    pub table: QualName,
    /// The complete `CREATE INDEX` statement as `pg_get_indexdef` prints it.
    pub definition: String,
    pub comment: Option<String>,
}

pub fn compare(old: &Index, new: &Index) -> Delta {
    if old.definition == new.definition {
        Delta::Same
    } else {
        Delta::Replace
    }
}

pub fn create(index: &Index) -> Vec<Stmt> {
    vec![Stmt::CreateIndex(ServerSql(index.definition.clone()))]
}

pub fn drop(index: &Index) -> Vec<Stmt> {
    vec![Stmt::DropIndex(index.name.clone())]
}

impl<'a> ObjectKind<'a> for Index {
    type Ref = &'a Index;
    const NOUN: &'static str = "index";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::RebuiltWithColumn;
    const MODELS: &'static [&'static str] = &[];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.indexes.iter().map(Obj::Index));
    }

    fn key(index: &'a Index) -> [&'a str; 3] {
        [&index.name.schema, &index.name.name, ""]
    }

    fn container(index: &'a Index) -> Holder<'a> {
        Holder::Relation(&index.table)
    }

    /// An index's identity does not name its table: the diff reads it off
    /// the index.
    fn named_container(_parts: [&str; 3], _container: Key<'_>) -> bool {
        false
    }

    fn table(index: &'a Index) -> Option<&'a QualName> {
        Some(&index.table)
    }

    fn claimed_names(index: &'a Index) -> Vec<QualName> {
        vec![index.name.clone()]
    }

    fn compare(old: &'a Index, new: &'a Index) -> Delta {
        compare(old, new)
    }

    fn create(index: &'a Index) -> Vec<Stmt> {
        create(index)
    }

    fn drop(index: &'a Index) -> Vec<Stmt> {
        drop(index)
    }

    fn dropped_with(index: &'a Index, objects: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        Some(objects.relation_id(&index.table))
    }

    fn created_with(_: &'a Index) -> Option<ObjectId> {
        None
    }

    fn comment(index: &'a Index) -> Option<&'a Option<String>> {
        Some(&index.comment)
    }

    fn comment_target(index: &'a Index) -> Option<CommentTarget> {
        Some(CommentTarget::Index(index.name.clone()))
    }

    fn shown(_: &'a Index) -> Option<Shown> {
        None
    }

    fn deparsed(index: &'a Index) -> Vec<(&'a str, TextShape)> {
        vec![(&index.definition, verify::INDEX)]
    }
}
