//! Range types (`CREATE TYPE … AS RANGE`) and the multirange type each
//! comes with. PostgreSQL alters nothing of a range type but its name,
//! owner, schema and comment, so any other change recreates it as an enum
//! is recreated: the old type and its multirange are renamed aside, the new
//! ones created, columns of either (and arrays of them) retyped through
//! `text`, everything else that uses them (exclusion constraints, indexes,
//! functions, views) replaced, and the old types dropped.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, ClassIds, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, ObjectMap,
    Objects, ReadKind, Shape, Shown, rename_aside,
};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{ArgType, CommentTarget, Ident, Keyword, ObjectName, RangeDef, ServerSql, Stmt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeType {
    pub name: QualName,
    /// As `format_type` prints it.
    pub subtype: String,
    /// The B-tree operator class of the subtype, when it is not the
    /// subtype's default one.
    pub subtype_opclass: Option<QualName>,
    /// The collation, when it differs from the subtype's default.
    pub collation: Option<QualName>,
    pub canonical: Option<QualName>,
    pub subtype_diff: Option<QualName>,
    /// The multirange type that comes with it.
    pub multirange: QualName,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`): by default `PUBLIC` may use it.
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

const KEYWORD: Keyword = Keyword("TYPE");

fn object(name: &QualName) -> ObjectName {
    ObjectName {
        keyword: KEYWORD,
        name: name.clone(),
    }
}

/// The parts of a range type that need it recreated: all but its comment.
fn definition(range: &RangeType) -> RangeDef {
    RangeDef {
        name: range.name.clone(),
        subtype: ServerSql(range.subtype.clone()),
        subtype_opclass: range.subtype_opclass.clone(),
        collation: range.collation.clone(),
        canonical: range.canonical.clone(),
        subtype_diff: range.subtype_diff.clone(),
        multirange: range.multirange.clone(),
    }
}

fn recreates(old: &RangeType, new: &RangeType) -> bool {
    definition(old) != definition(new)
}

pub fn compare(old: &RangeType, new: &RangeType) -> Delta {
    if !recreates(old, new) {
        return Delta::Same;
    }
    let aside = |name: &QualName| Ident(name.set_aside().name.to_string());
    let subtype = || ArgType::Server(ServerSql(old.subtype.clone()));
    let constructors = [
        (&old.name, vec![subtype(), subtype()]),
        (&old.name, vec![subtype(), subtype(), ArgType::Text]),
        (&old.multirange, vec![]),
        (&old.multirange, vec![ArgType::Named(old.name.clone())]),
        (&old.multirange, vec![ArgType::ArrayOf(old.name.clone())]),
    ];
    let mut stmts: Vec<Stmt> = constructors
        .into_iter()
        .map(|(name, args)| Stmt::RenameFunction {
            name: name.clone(),
            args,
            new_name: aside(name),
        })
        .collect();
    stmts.push(rename_aside("TYPE", &old.name));
    stmts.push(rename_aside("TYPE", &old.multirange));
    stmts.push(Stmt::CreateRange(definition(new)));
    Delta::Alter(stmts)
}

pub struct Raw {
    oid: u32,
    array_oid: u32,
    multirange_oid: u32,
    multirange_array_oid: u32,
    name: QualName,
    subtype: String,
    subtype_opclass: Option<QualName>,
    collation: Option<QualName>,
    canonical: Option<QualName>,
    subtype_diff: Option<QualName>,
    multirange: QualName,
    comment: Option<String>,
    acl: Acl,
    owner: Option<Name>,
}

/// The operator class is read only when it is not the subtype's default
/// B-tree class, the collation only when it differs from the subtype's.
/// Multirange types came with PostgreSQL 14, the oldest version pgrift
/// reads.
const QUERY: &str = concat!(
    "SELECT t.oid, t.typarray AS array_oid, r.rngmultitypid AS multirange_oid, \
     mt.typarray AS multirange_array_oid, n.nspname AS schema, t.typname AS name, \
     pg_catalog.format_type(r.rngsubtype, NULL) AS subtype, \
     CASE WHEN NOT opc.opcdefault THEN opcn.nspname END AS opclass_schema, \
     CASE WHEN NOT opc.opcdefault THEN opc.opcname END AS opclass_name, \
     CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation \
          THEN con.nspname END AS collation_schema, \
     CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation \
          THEN co.collname END AS collation_name, \
     cpn.nspname AS canonical_schema, cp.proname AS canonical_name, \
     dpn.nspname AS diff_schema, dp.proname AS diff_name, \
     mn.nspname AS multirange_schema, mt.typname AS multirange_name, \
     cm.description AS comment, \
     pg_catalog.pg_get_userbyid(t.typowner)::pg_catalog.text AS owner, ",
    acl_json!(
        "t.typacl",
        "t.typowner",
        "pg_catalog.acldefault('T', t.typowner)"
    ),
    " AS acl \
     FROM pg_catalog.pg_range r \
     JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype \
     JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid \
     JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace \
     JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc \
     JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace \
     LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation \
     LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace \
     LEFT JOIN pg_catalog.pg_proc cp ON cp.oid = r.rngcanonical \
     LEFT JOIN pg_catalog.pg_namespace cpn ON cpn.oid = cp.pronamespace \
     LEFT JOIN pg_catalog.pg_proc dp ON dp.oid = r.rngsubdiff \
     LEFT JOIN pg_catalog.pg_namespace dpn ON dpn.oid = dp.pronamespace",
    comment_join!("pg_type", "t.oid", "cm"),
    "WHERE ",
    user_schema!("n"),
    " AND ",
    not_extension_member!("pg_type", "t.oid"),
);

const WHAT: &str = "range types";

impl<'a> ObjectKind<'a> for RangeType {
    type Ref = &'a RangeType;
    const NOUN: &'static str = "range type";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["range type"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.ranges.iter().map(Obj::Range));
    }

    fn key(range: &'a RangeType) -> [&'a str; 3] {
        [&range.name.schema, &range.name.name, ""]
    }

    fn container(range: &'a RangeType) -> Holder<'a> {
        Holder::schema(&range.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(_: &'a RangeType) -> Option<&'a QualName> {
        None
    }

    /// The range type's name and its multirange's.
    fn claimed_names(range: &'a RangeType) -> Vec<QualName> {
        vec![range.name.clone(), range.multirange.clone()]
    }

    /// A type set aside and created again gets its privileges and owner
    /// as a new one; otherwise they alter in place.
    fn created_acl(x: &'a RangeType) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: crate::sql::GrantTarget::Type(x.name.clone()),
            objects: crate::names::DefaultObjects::Types,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a RangeType, new: &'a RangeType) -> Delta {
        let set_aside = Self::sets_aside(old, new);
        let privileges = acl::of_type(&old.acl, old.owner.as_ref(), &new.acl, &new.name, set_aside);
        let owner = owner::of_type(old.owner.as_ref(), new.owner.as_ref(), set_aside, || {
            owner::named("TYPE", &new.name)
        });
        compare(old, new).and(privileges).and(owner)
    }

    fn create(range: &'a RangeType) -> Vec<Stmt> {
        let mut stmts = acl::create_type(
            vec![Stmt::CreateRange(definition(range))],
            &range.acl,
            &range.name,
        );
        stmts.extend(owner::on_create(range.owner.as_ref(), || {
            owner::named("TYPE", &range.name)
        }));
        stmts
    }

    /// Its multirange type goes with it.
    fn drop(range: &'a RangeType) -> Vec<Stmt> {
        vec![Stmt::DropObject(object(&range.name))]
    }

    fn dropped_with(_: &'a RangeType, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        None
    }

    fn created_with(_: &'a RangeType) -> Option<ObjectId> {
        None
    }

    fn comment(range: &'a RangeType) -> Option<&'a Option<String>> {
        Some(&range.comment)
    }

    fn comment_target(range: &'a RangeType) -> Option<CommentTarget> {
        Some(CommentTarget::Object(object(&range.name)))
    }

    fn shown(range: &'a RangeType) -> Option<Shown> {
        Some(Shown {
            kind: "range type",
            statements: vec![Stmt::CreateRange(definition(range))],
        })
    }

    /// The old range type goes, and its multirange with it.
    fn finish_alter(old: &'a RangeType, new: &'a RangeType) -> Vec<Stmt> {
        if recreates(old, new) {
            vec![Stmt::DropObject(object(&old.name.set_aside()))]
        } else {
            Vec::new()
        }
    }

    fn sets_aside(old: &'a RangeType, new: &'a RangeType) -> bool {
        recreates(old, new)
    }

    fn deparsed(range: &'a RangeType) -> Vec<(&'a str, TextShape)> {
        vec![(&range.subtype, TextShape::Fragment)]
    }
}

impl ReadKind for RangeType {
    type Raw = Raw;
    const WHAT: &'static str = WHAT;
    const QUERY: &'static str = QUERY;
    const FOUND_IN: Option<&'static str> = Some("pg_catalog.pg_range r WHERE r.rngtypid >= 16384");

    fn raw(row: &Reader<'_>, _server_version_num: i32) -> Result<Raw, IntrospectError> {
        Ok(Raw {
            oid: row.get("oid")?,
            acl: Acl::read(row.get("acl")?, || {
                format!("range type {}", row.get::<&str>("name").unwrap_or_default())
            })?,
            owner: Some(row.get_name("owner")?),
            array_oid: row.get("array_oid")?,
            multirange_oid: row.get("multirange_oid")?,
            multirange_array_oid: row.get("multirange_array_oid")?,
            name: QualName::new(row.get::<&str>("schema")?, row.get::<&str>("name")?),
            subtype: row.get("subtype")?,
            subtype_opclass: row.get_qual_name("opclass_schema", "opclass_name")?,
            collation: row.get_qual_name("collation_schema", "collation_name")?,
            canonical: row.get_qual_name("canonical_schema", "canonical_name")?,
            subtype_diff: row.get_qual_name("diff_schema", "diff_name")?,
            multirange: QualName::new(
                row.get::<&str>("multirange_schema")?,
                row.get::<&str>("multirange_name")?,
            ),
            comment: row.get("comment")?,
        })
    }

    /// Registers the range type, its multirange type and the arrays of both
    /// as one object, so that a column of any of them depends on it.
    fn build(
        rows: Vec<Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<RangeType>, IntrospectError> {
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = ObjectId::Range {
                    name: row.name.clone(),
                };
                for oid in [row.array_oid, row.multirange_oid, row.multirange_array_oid] {
                    if oid != 0 {
                        objects.insert(classes.pg_type, oid, 0, id.clone());
                    }
                }
                objects.insert(classes.pg_type, row.oid, 0, id);
                RangeType {
                    name: row.name,
                    subtype: row.subtype,
                    subtype_opclass: row.subtype_opclass,
                    collation: row.collation,
                    canonical: row.canonical,
                    subtype_diff: row.subtype_diff,
                    multirange: row.multirange,
                    comment: row.comment,
                    acl: row.acl,
                    owner: row.owner,
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

    fn range(subtype: &str) -> RangeType {
        RangeType {
            acl: Default::default(),
            owner: Default::default(),
            name: QualName::new("public", "floatrange"),
            subtype: subtype.into(),
            subtype_opclass: None,
            collation: None,
            canonical: None,
            subtype_diff: Some(QualName::new("pg_catalog", "float8mi")),
            multirange: QualName::new("public", "floatmultirange"),
            comment: None,
        }
    }

    #[test]
    fn a_changed_range_type_sets_both_types_aside() {
        match compare(&range("double precision"), &range("numeric")) {
            Delta::Alter(stmts) => assert_eq!(
                stmts.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                [
                    "ALTER FUNCTION public.floatrange(double precision, double precision) \
                     RENAME TO floatrange__pgrift_old",
                    "ALTER FUNCTION public.floatrange(double precision, double precision, text) \
                     RENAME TO floatrange__pgrift_old",
                    "ALTER FUNCTION public.floatmultirange() RENAME TO floatmultirange__pgrift_old",
                    "ALTER FUNCTION public.floatmultirange(public.floatrange) \
                     RENAME TO floatmultirange__pgrift_old",
                    "ALTER FUNCTION public.floatmultirange(public.floatrange[]) \
                     RENAME TO floatmultirange__pgrift_old",
                    "ALTER TYPE public.floatrange RENAME TO floatrange__pgrift_old",
                    "ALTER TYPE public.floatmultirange RENAME TO floatmultirange__pgrift_old",
                    "CREATE TYPE public.floatrange AS RANGE (SUBTYPE = numeric, \
                     SUBTYPE_DIFF = pg_catalog.float8mi, \
                     MULTIRANGE_TYPE_NAME = public.floatmultirange)",
                ]
            ),
            other => panic!("expected an alter, got {other:?}"),
        }
    }
}
