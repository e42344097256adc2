//! Indexes. A change of storage parameters, or of whether the index is its
//! table's replica identity, alters it in place; any other change of
//! definition drops and creates it.
//!
//! Indexes are read by `introspect::indexes`, with the keys of the tables.

use serde::{Deserialize, Serialize};

use super::table::{alter_params, identity_reset, identity_using_index};
use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown,
};
use crate::names::QualName;
use crate::sql::lex::{TokenKind, tokenize};
use crate::sql::verify::{self, Shape as TextShape};
use crate::sql::{CommentTarget, Keyword, ObjectName, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: QualName,
    pub table: QualName,
    /// The complete `CREATE INDEX` statement as `pg_get_indexdef` prints it,
    /// storage parameters (`WITH (…)`) included, in the order they were set.
    pub definition: String,
    /// The storage parameters (`reloptions`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Whether it is its table's replica identity (`indisreplident`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replica_identity: bool,
    pub comment: Option<String>,
}

pub fn compare(old: &Index, new: &Index) -> Delta {
    if old.definition != new.definition
        && without_params(&old.definition) != without_params(&new.definition)
    {
        return Delta::Replace;
    }
    let object = ObjectName {
        keyword: Keyword("INDEX"),
        name: new.name.clone(),
    };
    let mut stmts = alter_params(&object, &old.options, &new.options);
    // An index that stops being the identity is replaced as such by
    // whatever the table's identity becomes (see `table.rs`).
    if new.replica_identity && !old.replica_identity {
        stmts.push(identity_using_index(&new.table, &new.name.name));
    }
    if stmts.is_empty() {
        Delta::Same
    } else {
        Delta::Alter(stmts)
    }
}

/// A definition without its `WITH (…)`: `pg_get_indexdef` prints the
/// storage parameters in the order they were set, after the columns (and
/// `INCLUDE`, `NULLS NOT DISTINCT`) and before any `WHERE`, so the first
/// `WITH` outside brackets before a `WHERE` is theirs. A definition
/// without one comes back as it is.
fn without_params(definition: &str) -> String {
    let tokens = tokenize(definition);
    let mut depth = 0usize;
    let word = |i: usize, text: &str| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(text))
    };
    for (i, token) in tokens.iter().enumerate() {
        match token.text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ if depth == 0 && word(i, "WHERE") => break,
            _ if depth == 0
                && word(i, "WITH")
                && tokens.get(i + 1).is_some_and(|t| t.text == "(") =>
            {
                let mut inner = 0usize;
                for close in &tokens[i + 1..] {
                    match close.text {
                        "(" => inner += 1,
                        ")" => {
                            inner -= 1;
                            if inner == 0 {
                                let start = token.start;
                                let head = definition[..start].trim_end();
                                return format!("{head}{}", &definition[close.end()..]);
                            }
                        }
                        _ => {}
                    }
                }
                break;
            }
            _ => {}
        }
    }
    definition.to_owned()
}

/// `CREATE INDEX`, then the replica identity when the index is it.
pub fn create(index: &Index) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::CreateIndex(ServerSql(index.definition.clone()))];
    if index.replica_identity {
        stmts.push(identity_using_index(&index.table, &index.name.name));
    }
    stmts
}

/// `DROP INDEX`, after the table gives the index up as its replica identity.
pub fn drop(index: &Index) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = index
        .replica_identity
        .then(|| identity_reset(&index.table))
        .into_iter()
        .collect();
    stmts.push(Stmt::DropIndex(index.name.clone()));
    stmts
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

#[cfg(test)]
mod tests {
    use super::without_params;

    #[test]
    fn storage_parameters_are_cut_from_a_definition() {
        let cases = [
            (
                "CREATE INDEX i ON public.t USING btree (a) WITH (fillfactor='70')",
                "CREATE INDEX i ON public.t USING btree (a)",
            ),
            (
                "CREATE INDEX i ON public.t USING btree (a) INCLUDE (b) WITH (fillfactor='70', deduplicate_items=off) WHERE (a > 0)",
                "CREATE INDEX i ON public.t USING btree (a) INCLUDE (b) WHERE (a > 0)",
            ),
            (
                "CREATE INDEX \"with\" ON public.t USING btree (\"with\") WHERE (b = 'WITH (')",
                "CREATE INDEX \"with\" ON public.t USING btree (\"with\") WHERE (b = 'WITH (')",
            ),
            (
                "CREATE INDEX i ON public.t USING gist (r) WHERE (r && '[1,2)'::int4range)",
                "CREATE INDEX i ON public.t USING gist (r) WHERE (r && '[1,2)'::int4range)",
            ),
        ];
        for (definition, expected) in cases {
            assert_eq!(without_params(definition), expected, "{definition}");
        }
    }
}
