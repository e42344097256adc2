//! The operators and support functions an operator family or class holds
//! (`pg_amop`, `pg_amproc`), which both kinds read the same way. A member
//! belongs to the class it was created with when `pg_depend` ties it to
//! that class; otherwise it is a *loose* member of its family, added with
//! `ALTER OPERATOR FAMILY … ADD` (PostgreSQL also ties a class's
//! cross-type B-tree and hash members to the family, and so they read as
//! the family's, which gives the same catalog when created that way).

use super::ObjectId;
use super::address::{Address, ClassIds, ObjectMap};
use crate::names::{OpMember, QualName};
use crate::read::{IntrospectError, Reader};

/// A `LEFT JOIN LATERAL` of the members that `pg_depend` ties to the
/// object `$oid` of catalog `$catalog` (`pg_opfamily` or `pg_opclass`),
/// one row each, under alias `m`: its kind (`o` or `f`), OID, number,
/// types, operator or function, and an ordering operator's sort family.
/// A loose ordering operator (`FOR ORDER BY`) is tied to its sort family
/// as it is to its own, with an automatic dependency too, so an operator
/// tied to a family must also be in it.
macro_rules! opfamily_members {
    ($catalog:literal, $oid:literal) => {
        concat!(
            " LEFT JOIN LATERAL (\
             SELECT 'o'::pg_catalog.text AS member_kind, ao.oid AS member_oid, \
             ao.amopstrategy AS member_number, \
             pg_catalog.format_type(ao.amoplefttype, NULL) AS member_left, \
             pg_catalog.format_type(ao.amoprighttype, NULL) AS member_right, \
             ao.amopopr::pg_catalog.regoperator::pg_catalog.text AS member, \
             sn.nspname AS sort_schema, sf.opfname AS sort_name \
             FROM pg_catalog.pg_amop ao \
             JOIN pg_catalog.pg_depend md ON md.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass \
             AND md.objid = ao.oid AND md.refclassid = 'pg_catalog.",
            $catalog,
            "'::pg_catalog.regclass AND md.refobjid = ",
            $oid,
            " AND md.deptype IN ('a', 'i') AND (md.refclassid <> 'pg_catalog.pg_opfamily'::pg_catalog.regclass \
             OR ao.amopfamily = md.refobjid) \
             LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily \
             LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace \
             UNION ALL \
             SELECT 'f', ap.oid, ap.amprocnum, \
             pg_catalog.format_type(ap.amproclefttype, NULL), \
             pg_catalog.format_type(ap.amprocrighttype, NULL), \
             ap.amproc::pg_catalog.regprocedure::pg_catalog.text, NULL, NULL \
             FROM pg_catalog.pg_amproc ap \
             JOIN pg_catalog.pg_depend md ON md.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass \
             AND md.objid = ap.oid AND md.refclassid = 'pg_catalog.",
            $catalog,
            "'::pg_catalog.regclass AND md.refobjid = ",
            $oid,
            " AND md.deptype IN ('a', 'i')) m ON true "
        )
    };
}

/// A member of a row of [`opfamily_members!`], with its catalog and OID;
/// `None` for the one row of a family or class without members.
pub type RawMember = Option<(bool, u32, OpMember)>;

/// Reads the member of a row; `what` names its family or class.
pub fn read(row: &Reader<'_>, what: impl Fn() -> String) -> Result<RawMember, IntrospectError> {
    let Some(kind) = row.get::<Option<&str>>("member_kind")? else {
        return Ok(None);
    };
    let number: i16 = row.get("member_number")?;
    let left: String = row.get("member_left")?;
    let right: String = row.get("member_right")?;
    let text: String = row.get("member")?;
    let member = match kind {
        "o" => OpMember::Operator {
            strategy: number,
            left,
            right,
            operator: text,
            order_by: row
                .get::<Option<String>>("sort_schema")?
                .zip(row.get::<Option<String>>("sort_name")?)
                .map(|(schema, name)| QualName::new(schema, name)),
        },
        "f" => OpMember::Function {
            number,
            left,
            right,
            function: text,
        },
        other => {
            return Err(IntrospectError::Inconsistent {
                what: what(),
                missing: format!("a member of kind {other:?}"),
            });
        }
    };
    Ok(Some((kind == "o", row.get("member_oid")?, member)))
}

/// Gathers the rows of each family or class (one per member) into one
/// object each with its members sorted, and registers the object's
/// address in `class` and each member's in `pg_amop` or `pg_amproc`.
pub fn build<T>(
    rows: Vec<(u32, T, RawMember)>,
    class: u32,
    classes: &ClassIds,
    objects: &mut ObjectMap,
    members: impl Fn(&mut T) -> &mut Vec<OpMember>,
    id: impl Fn(&T) -> ObjectId,
) -> Vec<T> {
    // Each object with its OID and its members' addresses.
    let mut built: Vec<(u32, T, Vec<Address>)> = Vec::new();
    for (oid, object, member) in rows {
        if built.last().is_none_or(|(last, _, _)| *last != oid) {
            built.push((oid, object, Vec::new()));
        }
        if let (Some((is_operator, member_oid, member)), Some((_, object, addresses))) =
            (member, built.last_mut())
        {
            members(object).push(member);
            let catalog = if is_operator {
                classes.pg_amop
            } else {
                classes.pg_amproc
            };
            addresses.push((catalog, member_oid, 0));
        }
    }
    built
        .into_iter()
        .map(|(oid, mut object, addresses)| {
            members(&mut object).sort();
            let id = id(&object);
            objects.insert(class, oid, 0, id.clone());
            for (catalog, member_oid, subid) in addresses {
                objects.insert(catalog, member_oid, subid, id.clone());
            }
            object
        })
        .collect()
}

/// The members of `old` that `new` lacks, to drop, and those of `new` that
/// `old` lacks, to add; both lists are sorted.
pub fn changes(old: &[OpMember], new: &[OpMember]) -> (Vec<OpMember>, Vec<OpMember>) {
    let gone = old.iter().filter(|m| new.binary_search(m).is_err());
    let added = new.iter().filter(|m| old.binary_search(m).is_err());
    (gone.cloned().collect(), added.cloned().collect())
}
