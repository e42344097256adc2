//! Where `pg_depend` finds an object, and the map from those addresses to
//! identities that each kind's read fills in.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use super::{Dependency, ObjectId};
use crate::names::{Name, QualName};
use crate::read::{IntrospectError, Reader};

/// The OIDs of the system catalogs that `pg_depend.classid` names, read
/// from the server rather than written down: one field per catalog of the
/// registry's `classes`.
macro_rules! class_ids {
    (
        kinds: [$($kinds:tt)*],
        modules: [$($modules:tt)*],
        read: [$($read:tt)*],
        ranks: [$($ranks:tt)*],
        classes: [$($class:ident),* $(,)?],
        snapshot_version: $version:literal $(,)?
    ) => {
        #[derive(Debug, Clone, Copy)]
        pub struct ClassIds {
            $(pub $class: u32,)*
        }

        impl ClassIds {
            /// The end of a select list that reads every catalog's OID
            /// under its own name, each item after a comma; the names are
            /// qualified, so they resolve whatever the path, and a catalog
            /// an older server lacks (`pg_publication_namespace` before
            /// PostgreSQL 15) reads as 0, which no row names.
            pub const SELECT: &'static str = concat!(
                $(", COALESCE(pg_catalog.to_regclass('pg_catalog.", stringify!($class),
                  "')::pg_catalog.oid, 0::pg_catalog.oid) AS ", stringify!($class),)*
            );

            /// Distinct made-up OIDs, for tests that map addresses
            /// without a server.
            #[cfg(test)]
            pub const fn numbered() -> ClassIds {
                let mut next = 0;
                $(let $class = { next += 1; next };)*
                ClassIds { $($class,)* }
            }

            pub fn read(row: &Reader<'_>) -> Result<Self, IntrospectError> {
                Ok(ClassIds {
                    $($class: row.get(stringify!($class))?,)*
                })
            }
        }
    };
}

every_kind!(class_ids);

/// Where `pg_depend` finds an object: its catalog, its OID and, for a
/// column, its number (0 for the whole object).
pub type Address = (u32, u32, i32);

/// The modelled objects by their `pg_depend` address.
///
/// An object has several addresses (a table: its relation, its row type and
/// that type's array), so each identity is stored once and the addresses
/// point at it.
///
/// Columns are most of a large catalog's objects, and each is stored as its
/// name and the number of its table's identity rather than as a whole
/// identity, which repeats the table's name: a third of the size. Their
/// numbers have [`COLUMN`] set.
#[derive(Debug, Default)]
pub struct ObjectMap {
    addresses: HashMap<Address, u32>,
    ids: Vec<ObjectId>,
    columns: Vec<(u32, Name)>,
    /// The number of the last table or view stored, whose columns follow.
    last_relation: Option<u32>,
    /// Whether the map stores only the addresses it was made with (and
    /// tables' and views'), which wait for their objects as [`UNSET`]
    /// ([`ObjectMap::keeping`]); otherwise it stores every address.
    keeping: bool,
}

/// The bit that marks a number of [`ObjectMap::index`] as a column's.
const COLUMN: u32 = 1 << 31;

/// The number of a wanted address whose object is not registered (yet).
const UNSET: u32 = u32::MAX;

impl ObjectMap {
    /// A map that stores only the objects at `wanted` addresses, and every
    /// table and view (the kinds on a table look it up by OID). A reader
    /// that has `pg_depend`'s rows before it registers objects knows every
    /// address the dependencies will look up, and on a large catalog most
    /// objects are at none of them (a column no index, constraint or view
    /// uses, a default, a key's constraint).
    ///
    /// The wanted addresses are the map's own keys from the start, so that
    /// no second set holds them; `capacity` is about how many there are.
    pub fn keeping(wanted: impl IntoIterator<Item = Address>, capacity: usize) -> Self {
        let mut addresses = HashMap::with_capacity_and_hasher(capacity, Default::default());
        let (mut objects, mut columns) = (0, 0);
        for address in wanted {
            if addresses.insert(address, UNSET).is_none() {
                if address.2 == 0 {
                    objects += 1;
                } else {
                    columns += 1;
                }
            }
        }
        // Room for every wanted address: a whole object's address stands
        // for at most one identity, a column's for at most one column. The
        // tables and views that no dependency names come on top, so the
        // identities may still grow once.
        ObjectMap {
            addresses,
            ids: Vec::with_capacity(objects),
            columns: Vec::with_capacity(columns),
            last_relation: None,
            keeping: true,
        }
    }

    /// Registers objects that are each one row of the catalog `class`,
    /// read with their OID, under the identity `id` gives each, and
    /// returns them: the `build` of most kinds.
    pub fn register_each<T>(
        &mut self,
        class: u32,
        rows: Vec<(u32, T)>,
        id: impl Fn(&T) -> ObjectId,
    ) -> Vec<T> {
        rows.into_iter()
            .map(|(oid, object)| {
                self.insert(class, oid, 0, id(&object));
                object
            })
            .collect()
    }

    pub fn insert(&mut self, class: u32, oid: u32, subid: i32, id: ObjectId) {
        let unwanted = self.keeping && !self.addresses.contains_key(&(class, oid, subid));
        if unwanted && relation_name(&id).is_none() {
            return;
        }
        let index = match id {
            ObjectId::Column { table, column } => match self.last_relation {
                Some(relation) if relation_name(&self.ids[relation as usize]) == Some(&table) => {
                    match self.columns.last() {
                        Some((t, c)) if *t == relation && *c == column => {}
                        _ => self.columns.push((relation, column)),
                    }
                    COLUMN | (self.columns.len() - 1) as u32
                }
                _ => self.push(ObjectId::Column { table, column }),
            },
            id => {
                let index = self.push(id);
                if relation_name(&self.ids[index as usize]).is_some() {
                    self.last_relation = Some(index);
                }
                index
            }
        };
        self.addresses.insert((class, oid, subid), index);
    }

    /// Makes the table or view at an address the one whose columns come
    /// next, for a reader that registers its relations first and their
    /// columns after: without it, only the last relation's columns would be
    /// stored compactly.
    pub fn columns_of(&mut self, class: u32, oid: u32) {
        self.last_relation = self
            .at((class, oid, 0))
            .filter(|&index| index & COLUMN == 0)
            .filter(|&index| relation_name(&self.ids[index as usize]).is_some());
    }

    /// Stores an identity whole, once when it comes twice in a row.
    fn push(&mut self, id: ObjectId) -> u32 {
        if self.ids.last() != Some(&id) {
            self.ids.push(id);
        }
        (self.ids.len() - 1) as u32
    }

    /// The name of the table or view whose `pg_class` OID is `oid`, which
    /// must be registered already; `what` names the object on it, for the
    /// error when it is not.
    pub fn relation(
        &self,
        classes: &ClassIds,
        oid: u32,
        what: impl FnOnce() -> String,
    ) -> Result<QualName, IntrospectError> {
        self.get(classes.pg_class, oid, 0)
            .as_deref()
            .and_then(relation_name)
            .cloned()
            .ok_or_else(|| IntrospectError::Inconsistent {
                what: what(),
                missing: format!("table oid {oid}"),
            })
    }

    /// The object at an address. A sub-object that is not modelled on its
    /// own (a column of a view) stands for its whole object.
    pub fn get(&self, class: u32, oid: u32, subid: i32) -> Option<Cow<'_, ObjectId>> {
        self.index(class, oid, subid).map(|index| self.id(index))
    }

    /// Where [`ObjectMap::get`] finds the object at an address in the list
    /// of identities: one number for each identity, however many addresses
    /// it has, so that edges between objects can be collected and
    /// deduplicated as pairs of numbers before any identity is cloned.
    pub fn index(&self, class: u32, oid: u32, subid: i32) -> Option<u32> {
        self.at((class, oid, subid)).or_else(|| {
            if subid != 0 {
                self.at((class, oid, 0))
            } else {
                None
            }
        })
    }

    /// The number stored at exactly `address`, if an object is there.
    fn at(&self, address: Address) -> Option<u32> {
        self.addresses
            .get(&address)
            .copied()
            .filter(|&index| index != UNSET)
    }

    /// The identity at a number that [`ObjectMap::index`] returned; a
    /// column's is put together from its table's.
    pub fn id(&self, index: u32) -> Cow<'_, ObjectId> {
        if index & COLUMN == 0 {
            return Cow::Borrowed(&self.ids[index as usize]);
        }
        let (relation, column) = &self.columns[(index & !COLUMN) as usize];
        let table = relation_name(&self.ids[*relation as usize])
            .expect("a column is stored compactly only after its table")
            .clone();
        Cow::Owned(ObjectId::Column {
            table,
            column: column.clone(),
        })
    }

    /// Frees the addresses, for a caller that has looked up every one it
    /// needs and goes on with the numbers [`ObjectMap::index`] returned;
    /// the identities are trimmed to their count, since no more come.
    fn drop_addresses(&mut self) {
        self.addresses = HashMap::default();
        self.ids.shrink_to_fit();
        self.columns.shrink_to_fit();
    }
}

/// A catalog's dependencies as pairs of numbers into an [`ObjectMap`]
/// (dependent, referenced), each pair once: how the introspector finds
/// them, before any identity is cloned.
///
/// A caller that only indexes the dependencies
/// ([`crate::catalog::Objects::with_dependencies`]) takes them in this form
/// ([`crate::introspect::introspect_numbered`]): as a list, each edge holds
/// two whole identities, which on a large catalog is a fifth of its memory.
#[derive(Debug, Default)]
pub struct NumberedDependencies {
    objects: ObjectMap,
    pairs: Vec<(u32, u32)>,
}

impl NumberedDependencies {
    /// The pairs, sorted and deduplicated, with the map whose numbers they
    /// are.
    pub fn new(mut objects: ObjectMap, mut pairs: Vec<(u32, u32)>) -> Self {
        objects.drop_addresses();
        pairs.sort_unstable();
        pairs.dedup();
        pairs.shrink_to_fit();
        NumberedDependencies { objects, pairs }
    }

    /// Each dependency as (dependent, referenced), the dependents in runs.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, ObjectId>, Cow<'_, ObjectId>)> {
        self.pairs.iter().map(|&(dependent, referenced)| {
            (self.objects.id(dependent), self.objects.id(referenced))
        })
    }

    /// The dependencies as a list, as a [`crate::catalog::Catalog`] holds
    /// them.
    pub fn into_list(self) -> Vec<Dependency> {
        self.iter()
            .map(|(dependent, referenced)| Dependency {
                dependent: dependent.into_owned(),
                referenced: referenced.into_owned(),
            })
            .collect()
    }
}

/// The name of a table or view: what [`ObjectMap::relation`] looks up, and
/// the identities whose columns the map stores compactly.
fn relation_name(id: &ObjectId) -> Option<&QualName> {
    match id {
        ObjectId::Table { name } | ObjectId::View { name } => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(table: &str, column: &str) -> ObjectId {
        ObjectId::Column {
            table: QualName::new("public", table),
            column: column.into(),
        }
    }

    fn table(name: &str) -> ObjectId {
        ObjectId::Table {
            name: QualName::new("public", name),
        }
    }

    /// Columns after their table are stored compactly, others whole; both
    /// read back as the identity they were given, under every address.
    #[test]
    fn columns_read_back_whole() {
        let mut map = ObjectMap::default();
        map.insert(1, 10, 0, table("t"));
        map.insert(1, 10, 1, column("t", "a"));
        map.insert(1, 30, 0, column("t", "a"));
        map.insert(1, 10, 2, column("t", "b"));
        map.insert(1, 20, 0, table("u"));
        map.insert(1, 10, 3, column("t", "c"));
        assert_eq!(map.get(1, 10, 1).as_deref(), Some(&column("t", "a")));
        assert_eq!(map.index(1, 10, 1), map.index(1, 30, 0));
        assert_eq!(map.get(1, 10, 2).as_deref(), Some(&column("t", "b")));
        assert_eq!(map.get(1, 10, 3).as_deref(), Some(&column("t", "c")));
        assert_eq!(map.get(1, 20, 0).as_deref(), Some(&table("u")));
        // A column that is not modelled stands for its table.
        assert_eq!(map.get(1, 20, 4).as_deref(), Some(&table("u")));
        assert_eq!(map.columns.len(), 2, "t.c came after u, so it is whole");
    }

    /// A reader that registers every table before any column names the
    /// table whose columns come next, and they are stored compactly.
    #[test]
    fn columns_of_a_table_registered_earlier_are_compact() {
        let mut map = ObjectMap::default();
        map.insert(1, 10, 0, table("t"));
        map.insert(1, 20, 0, table("u"));
        map.columns_of(1, 10);
        map.insert(1, 10, 1, column("t", "a"));
        map.columns_of(1, 20);
        map.insert(1, 20, 1, column("u", "b"));
        map.columns_of(1, 99);
        map.insert(1, 30, 1, column("w", "c"));
        assert_eq!(map.get(1, 10, 1).as_deref(), Some(&column("t", "a")));
        assert_eq!(map.get(1, 20, 1).as_deref(), Some(&column("u", "b")));
        assert_eq!(map.get(1, 30, 1).as_deref(), Some(&column("w", "c")));
        assert_eq!(map.columns.len(), 2, "w is not registered, so w.c is whole");
    }

    /// A map that knows the addresses it will be asked for stores only
    /// those, and every table and view, which the kinds on a table look up
    /// by OID whether or not a dependency names it.
    #[test]
    fn a_keeping_map_stores_only_what_is_wanted() {
        let index = |name: &str| ObjectId::Index {
            name: QualName::new("public", name),
        };
        let wanted = [(1, 10, 2), (1, 10, 0), (2, 40, 0), (2, 60, 0)];
        let mut map = ObjectMap::keeping(wanted, 4);
        map.insert(1, 10, 0, table("t"));
        map.insert(1, 20, 0, table("u"));
        map.columns_of(1, 10);
        map.insert(1, 10, 1, column("t", "a"));
        map.insert(1, 10, 2, column("t", "b"));
        map.insert(2, 40, 0, index("i"));
        map.insert(2, 50, 0, index("j"));
        assert_eq!(map.get(1, 20, 0).as_deref(), Some(&table("u")));
        assert_eq!(map.get(1, 10, 2).as_deref(), Some(&column("t", "b")));
        assert_eq!(
            map.get(1, 10, 1).as_deref(),
            Some(&table("t")),
            "an unwanted column is not stored, so its address stands for its table"
        );
        assert_eq!(map.get(2, 40, 0).as_deref(), Some(&index("i")));
        assert_eq!(map.get(2, 50, 0), None);
        assert_eq!(map.get(2, 60, 0), None, "a wanted address never registered");
        assert_eq!((map.ids.len(), map.columns.len()), (3, 1));
    }
}
