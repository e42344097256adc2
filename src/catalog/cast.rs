//! Casts a schema defines itself (`CREATE CAST`), between its own types or
//! from and to built-in ones; not the built-in casts, and not those of an
//! extension or the ones a range type comes with. A cast is named by its
//! two types and has no `ALTER`: a new function, method or context drops
//! and creates it, and so does a change to the function or a type it uses.

use serde::{Deserialize, Serialize};

use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown,
};
use crate::names::{CastContext, CastMethod, Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CastDef, CommentTarget, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cast {
    /// The source and target types as `format_type` prints them.
    pub source: Name,
    pub target: Name,
    pub method: CastMethod,
    /// The function of a `WITH FUNCTION` cast, as `regprocedure` prints it
    /// (`public.to_mood(text)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    pub context: CastContext,
    pub comment: Option<String>,
}

fn definition(cast: &Cast) -> CastDef {
    CastDef {
        source: ServerSql(cast.source.to_string()),
        target: ServerSql(cast.target.to_string()),
        method: cast.method,
        function: cast.function.clone().map(ServerSql),
        context: cast.context,
    }
}

fn target(cast: &Cast) -> CommentTarget {
    CommentTarget::Cast {
        source: ServerSql(cast.source.to_string()),
        target: ServerSql(cast.target.to_string()),
    }
}

/// The casts between a range type and its multirange come with the range
/// type, which the server records as an internal dependency: they are part
/// of it, as the warnings' query says too.
const QUERY: &str = concat!(
    "SELECT k.oid, pg_catalog.format_type(k.castsource, NULL) AS source, \
     pg_catalog.format_type(k.casttarget, NULL) AS target, \
     k.castmethod AS method, k.castcontext AS context, \
     CASE WHEN k.castfunc <> 0 \
          THEN k.castfunc::pg_catalog.regprocedure::pg_catalog.text END AS function, \
     cm.description AS comment \
     FROM pg_catalog.pg_cast k",
    comment_join!("pg_cast", "k.oid", "cm"),
    "WHERE k.oid >= 16384 AND ",
    not_extension_member!("pg_cast", "k.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
     WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass \
     AND d.objid = k.oid AND d.deptype = 'i')",
);

impl ReadKind for Cast {
    type Raw = (u32, Cast);
    const WHAT: &'static str = "casts";
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_cast k WHERE k.oid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<(u32, Cast), IntrospectError> {
        let source: Name = row.get_name("source")?;
        let target: Name = row.get_name("target")?;
        let what = || format!("cast ({source} AS {target})");
        let method = match row.get_char("method")? {
            'f' => CastMethod::Function,
            'i' => CastMethod::InOut,
            'b' => CastMethod::Binary,
            other => return Err(IntrospectError::unknown_code(what(), "castmethod", other)),
        };
        let context = match row.get_char("context")? {
            'e' => CastContext::Explicit,
            'a' => CastContext::Assignment,
            'i' => CastContext::Implicit,
            other => return Err(IntrospectError::unknown_code(what(), "castcontext", other)),
        };
        Ok((
            row.get("oid")?,
            Cast {
                method,
                function: row.get("function")?,
                context,
                comment: row.get("comment")?,
                source,
                target,
            },
        ))
    }

    fn build(
        rows: Vec<(u32, Cast)>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Cast>, IntrospectError> {
        Ok(
            objects.register_each(classes.pg_cast, rows, |x| ObjectId::Cast {
                source: x.source.clone(),
                target: x.target.clone(),
            }),
        )
    }
}

impl<'a> ObjectKind<'a> for Cast {
    type Ref = &'a Cast;
    const NOUN: &'static str = "cast";
    const SHAPE: Shape = Shape::Cast;
    const FOLLOWS: Follows = Follows::Replaced;
    const MODELS: &'static [&'static str] = &["cast"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.casts.iter().map(Obj::Cast));
    }

    fn key(cast: &'a Cast) -> [&'a str; 3] {
        [&cast.source, &cast.target, ""]
    }

    in_no_schema!(Cast);

    fn compare(old: &'a Cast, new: &'a Cast) -> Delta {
        if definition(old) == definition(new) {
            Delta::Same
        } else {
            Delta::Replace
        }
    }

    fn create(cast: &'a Cast) -> Vec<Stmt> {
        vec![Stmt::CreateCast(definition(cast))]
    }

    fn drop(cast: &'a Cast) -> Vec<Stmt> {
        vec![Stmt::DropCast {
            source: ServerSql(cast.source.to_string()),
            target: ServerSql(cast.target.to_string()),
        }]
    }

    fn comment(cast: &'a Cast) -> Option<&'a Option<String>> {
        Some(&cast.comment)
    }

    fn comment_target(cast: &'a Cast) -> Option<CommentTarget> {
        Some(target(cast))
    }

    fn shown(cast: &'a Cast) -> Option<Shown> {
        Some(Shown {
            kind: "cast",
            statements: Self::create(cast),
        })
    }

    /// Its types and its function's signature are text the server printed,
    /// written back into `CREATE CAST`.
    fn deparsed(cast: &'a Cast) -> Vec<(&'a str, TextShape)> {
        let mut texts = vec![
            (cast.source.as_str(), TextShape::Fragment),
            (cast.target.as_str(), TextShape::Fragment),
        ];
        texts.extend(cast.function.as_deref().map(|f| (f, TextShape::Fragment)));
        texts
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
    fn a_cast_is_written_with_its_method_and_context() {
        let cast = Cast {
            source: "text".into(),
            target: "public.\"mood\n*/\"".into(),
            method: CastMethod::Function,
            function: Some("public.\"to mood\"(text)".into()),
            context: CastContext::Assignment,
            comment: None,
        };
        assert_eq!(
            Cast::create(&cast)[0].to_string(),
            "CREATE CAST (text AS public.\"mood\n*/\") WITH FUNCTION public.\"to mood\"(text) AS ASSIGNMENT"
        );
        let inout = Cast {
            method: CastMethod::InOut,
            function: None,
            context: CastContext::Explicit,
            ..cast.clone()
        };
        assert_eq!(
            Cast::create(&inout)[0].to_string(),
            "CREATE CAST (text AS public.\"mood\n*/\") WITH INOUT"
        );
        assert_eq!(
            Cast::drop(&inout)[0].to_string(),
            "DROP CAST (text AS public.\"mood\n*/\")"
        );
        assert!(matches!(Cast::compare(&cast, &inout), Delta::Replace));
        assert!(matches!(Cast::compare(&cast, &cast), Delta::Same));
    }
}
