//! Dependencies between modelled objects, from one read of `pg_depend`.
//!
//! Every kind registers its objects in an [`ObjectMap`] under the
//! `(classid, objid, objsubid)` address that `pg_depend` uses. Each row of
//! `pg_depend` is then mapped on both sides; rows with a side that maps to no
//! modelled object (system objects, things pgrift does not model) are
//! dropped, and so are self-edges.

use rustc_hash::FxHashMap as HashMap;
use tokio_postgres::Client;

use crate::catalog::{Address, ClassIds, ObjectMap};
use crate::catalog::{NumberedDependencies, ObjectId};
use crate::read::{IntrospectError, query_read};

/// One row of `pg_depend`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawDepend {
    pub dependent: Address,
    pub referenced: Address,
    pub deptype: char,
}

/// Reads the kinds of dependency that order DDL: normal (`n`: a view on a
/// table, a default calling a function), automatic (`a`: a constraint on
/// its columns, a sequence owned by a column) and internal (`i`: an index
/// implementing a constraint, an identity sequence, a view's rule), plus
/// extension membership (`e`) to map a member to its extension.
///
/// Rows whose dependent was created by `initdb` are left out, which keeps the
/// read small: user objects always get OIDs from `FirstNormalObjectId`
/// (16384) up, also after the OID counter wraps around. Membership rows are
/// few and are all read, since `initdb` creates `plpgsql` and its language,
/// which user functions depend on.
///
/// Four kinds of internal dependency never give an edge, because both sides
/// map to the same object or the dependent is not modelled, and are left
/// out on the server, where they are a quarter of the rows: an array type on
/// its element type and a row type on its relation (both stand for the
/// relation or enum), the index of a key on its constraint (the index stands
/// for the constraint), and a system trigger of a foreign key on its
/// constraint (system triggers are not read; a constraint trigger's own
/// constraint is not modelled).
///
/// So do the dependencies of relations, types and functions on their own
/// schema (a tenth of the rows): the schema is in the object's name, and the
/// diff derives that edge from the name (see `keep_edge`). Two more kinds
/// are a fifth of the rows and never an edge either: a default's automatic
/// dependency on its own column (the default is named after the column),
/// and a TOAST table's internal dependency on its table (the only internal
/// dependency of a relation on a whole relation; TOAST tables are not read).
///
/// The columns are read by position, in this order.
const QUERY: &str = "SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, \
    d.refobjsubid, d.deptype \
    FROM pg_catalog.pg_depend d \
    WHERE (d.deptype IN ('n', 'a', 'i') AND d.objid >= 16384 \
    AND NOT (d.deptype = 'i' AND (d.classid, d.refclassid) IN ( \
    ('pg_catalog.pg_type'::pg_catalog.regclass, 'pg_catalog.pg_type'::pg_catalog.regclass), \
    ('pg_catalog.pg_type'::pg_catalog.regclass, 'pg_catalog.pg_class'::pg_catalog.regclass), \
    ('pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass), \
    ('pg_catalog.pg_trigger'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass))) \
    AND NOT (d.deptype = 'n' AND d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass \
    AND d.classid IN ('pg_catalog.pg_class'::pg_catalog.regclass, \
    'pg_catalog.pg_type'::pg_catalog.regclass, 'pg_catalog.pg_proc'::pg_catalog.regclass)) \
    AND NOT (d.deptype = 'a' AND d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass) \
    AND NOT (d.deptype = 'i' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid = 0)) \
    OR d.deptype = 'e'";

const WHAT: &str = "dependencies";

pub(super) async fn fetch(client: &Client) -> Result<Vec<RawDepend>, IntrospectError> {
    // By position rather than by name: this is the longest result of all
    // (several rows per table), and a lookup by name costs as much as the
    // value it reads.
    query_read(client, WHAT, QUERY, |row| {
        Ok(RawDepend {
            dependent: (row.get(0)?, row.get(1)?, row.get(2)?),
            referenced: (row.get(3)?, row.get(4)?, row.get(5)?),
            deptype: row.get_char(6)?,
        })
    })
    .await
}

/// Every address that [`build`] will look up in the rows, with `more` that
/// another reader will (a sequence's `OWNED BY` column), for
/// [`ObjectMap::keeping`], some more than once. A sub-object's address comes
/// with its whole object's, which stands for a sub-object that is not
/// modelled on its own (a view's column).
pub(super) fn addresses(
    rows: &[RawDepend],
    more: impl Iterator<Item = Address>,
) -> impl Iterator<Item = Address> {
    let ends = rows.iter().flat_map(|row| [row.dependent, row.referenced]);
    ends.chain(more)
        .flat_map(|(class, oid, subid)| [(class, oid, subid), (class, oid, 0)])
}

/// Maps `pg_depend` rows to edges between modelled objects.
///
/// An object that belongs to an extension (a `citext` column type, a
/// `pgcrypto` function in a default) is not modelled, but as a referenced
/// object it maps to its extension, so that the extension is created first.
///
/// It takes the rows and the map, and frees the rows and the addresses
/// once the edges are found: at the end of a large catalog's read they are a
/// third of its memory.
pub(super) fn build(
    rows: Vec<RawDepend>,
    classes: &ClassIds,
    objects: ObjectMap,
) -> NumberedDependencies {
    let members: HashMap<(u32, u32), u32> = rows
        .iter()
        .filter(|row| row.deptype == 'e' && row.referenced.0 == classes.pg_extension)
        .map(|row| ((row.dependent.0, row.dependent.1), row.referenced.1))
        .collect();
    let resolve = |(class, oid, subid): Address| {
        objects.index(class, oid, subid).or_else(|| {
            let extension = members.get(&(class, oid))?;
            objects.index(classes.pg_extension, *extension, 0)
        })
    };
    // Many rows map to the same edge (a view's rule on each column of a
    // table, an index on a table's row type and on the table); as pairs of
    // numbers they are sorted and deduplicated in an eighth of the memory
    // the identities would take.
    let edges: Vec<(u32, u32)> = rows
        .iter()
        .filter(|row| row.deptype != 'e')
        .filter_map(|row| {
            let (class, oid, subid) = row.dependent;
            let dependent = objects.index(class, oid, subid)?;
            let referenced = resolve(row.referenced)?;
            keep_edge(&objects.id(dependent), &objects.id(referenced), row.deptype)
                .then_some((dependent, referenced))
        })
        .collect();
    drop(members);
    drop(rows);
    NumberedDependencies::new(objects, edges)
}

/// Whether an edge between two mapped objects belongs in the list. Self-edges
/// come from an object's parts mapping to the object (a view's rule, an
/// identity sequence), and a sequence's automatic dependency on a column is
/// its `OWNED BY`, which [`crate::catalog::Sequence::owned_by`] holds. An
/// edge to the object's container (a default on its column, a table on its
/// schema) says no more than the dependent's name does, and the diff derives
/// it from the name; leaving it out keeps a third of the edges of a large
/// catalog out of memory.
fn keep_edge(dependent: &ObjectId, referenced: &ObjectId, deptype: char) -> bool {
    if dependent == referenced || dependent.is_named_container(referenced) {
        return false;
    }
    let owned_by = deptype == 'a'
        && matches!(dependent, ObjectId::Sequence { .. })
        && matches!(referenced, ObjectId::Column { .. });
    !owned_by
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::QualName;

    const CLASSES: ClassIds = ClassIds::numbered();

    fn table(name: &str) -> QualName {
        QualName::new("public", name)
    }

    fn depend(dependent: Address, referenced: Address, deptype: char) -> RawDepend {
        RawDepend {
            dependent,
            referenced,
            deptype,
        }
    }

    /// Maps `rows` against a small set of objects and returns the edges as
    /// `dependent -> referenced` lines.
    fn check(rows: &[RawDepend], expected: &[&str]) {
        let c = CLASSES;
        let mut objects = ObjectMap::default();
        objects.insert(c.pg_class, 100, 0, ObjectId::Table { name: table("t") });
        objects.insert(
            c.pg_class,
            100,
            1,
            ObjectId::Column {
                table: table("t"),
                column: "id".into(),
            },
        );
        objects.insert(c.pg_class, 200, 0, ObjectId::View { name: table("v") });
        objects.insert(c.pg_rewrite, 201, 0, ObjectId::View { name: table("v") });
        objects.insert(c.pg_class, 300, 0, ObjectId::Sequence { name: table("s") });
        objects.insert(
            c.pg_extension,
            400,
            0,
            ObjectId::Extension {
                name: "citext".into(),
            },
        );
        let mut edges: Vec<String> = build(rows.to_vec(), &CLASSES, objects)
            .into_list()
            .iter()
            .map(|d| {
                format!(
                    "{} {} -> {} {}",
                    d.dependent.kind_name(),
                    d.dependent,
                    d.referenced.kind_name(),
                    d.referenced
                )
            })
            .collect();
        // The catalog sorts its edges; this sorts their lines.
        edges.sort();
        assert_eq!(edges, expected);
    }

    #[test]
    fn the_query_is_qualified() {
        crate::read::filter::tests::assert_qualified(QUERY);
    }

    #[test]
    fn a_view_rule_on_a_column_and_on_its_view() {
        let c = CLASSES;
        check(
            &[
                depend((c.pg_rewrite, 201, 0), (c.pg_class, 100, 1), 'n'),
                depend((c.pg_rewrite, 201, 0), (c.pg_class, 200, 0), 'i'),
            ],
            &["view public.v -> column public.t.id"],
        );
    }

    #[test]
    fn a_view_column_stands_for_the_view() {
        let c = CLASSES;
        check(
            &[depend((c.pg_rewrite, 201, 0), (c.pg_class, 200, 3), 'n')],
            &[],
        );
        check(
            &[depend((c.pg_class, 100, 1), (c.pg_class, 200, 3), 'n')],
            &["column public.t.id -> view public.v"],
        );
    }

    #[test]
    fn owned_by_is_not_an_edge_but_a_default_on_the_sequence_is() {
        let c = CLASSES;
        check(
            &[
                depend((c.pg_class, 300, 0), (c.pg_class, 100, 1), 'a'),
                depend((c.pg_class, 100, 1), (c.pg_class, 300, 0), 'n'),
            ],
            &["column public.t.id -> sequence public.s"],
        );
    }

    #[test]
    fn extension_members_map_to_their_extension_when_referenced() {
        let c = CLASSES;
        check(
            &[
                // The citext type (OID 500) belongs to the extension.
                depend((c.pg_type, 500, 0), (c.pg_extension, 400, 0), 'e'),
                depend((c.pg_class, 100, 1), (c.pg_type, 500, 0), 'n'),
                // An unknown referenced object (a system type) is dropped.
                depend((c.pg_class, 100, 1), (c.pg_type, 25, 0), 'n'),
            ],
            &["column public.t.id -> extension citext"],
        );
    }

    #[test]
    fn duplicate_edges_collapse() {
        let c = CLASSES;
        check(
            &[
                depend((c.pg_class, 200, 0), (c.pg_class, 100, 1), 'n'),
                depend((c.pg_rewrite, 201, 0), (c.pg_class, 100, 1), 'n'),
            ],
            &["view public.v -> column public.t.id"],
        );
    }
}
