//! Where `pg_depend` finds an object, and the map from those addresses to
//! identities that each kind's read fills in.

use rustc_hash::FxHashMap as HashMap;

use super::ObjectId;
use crate::names::QualName;
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
#[derive(Debug, Default)]
pub struct ObjectMap {
    addresses: HashMap<Address, u32>,
    ids: Vec<ObjectId>,
}

impl ObjectMap {
    /// A map with room for `n` objects, so that the list of identities
    /// (the bulk of a large catalog's map) is not grown by doubling.
    pub fn with_capacity(n: usize) -> Self {
        ObjectMap {
            addresses: HashMap::with_capacity_and_hasher(n, Default::default()),
            ids: Vec::with_capacity(n),
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
        let index = match self.ids.last() {
            Some(last) if *last == id => self.ids.len() - 1,
            _ => {
                self.ids.push(id);
                self.ids.len() - 1
            }
        };
        self.addresses.insert((class, oid, subid), index as u32);
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
        match self.get(classes.pg_class, oid, 0) {
            Some(ObjectId::Table { name } | ObjectId::View { name }) => Ok(name.clone()),
            _ => Err(IntrospectError::Inconsistent {
                what: what(),
                missing: format!("table oid {oid}"),
            }),
        }
    }

    /// The object at an address. A sub-object that is not modelled on its
    /// own (a column of a view) stands for its whole object.
    pub fn get(&self, class: u32, oid: u32, subid: i32) -> Option<&ObjectId> {
        self.index(class, oid, subid).map(|index| self.id(index))
    }

    /// Where [`ObjectMap::get`] finds the object at an address in the list
    /// of identities: one number for each identity, however many addresses
    /// it has, so that edges between objects can be collected and
    /// deduplicated as pairs of numbers before any identity is cloned.
    pub fn index(&self, class: u32, oid: u32, subid: i32) -> Option<u32> {
        self.addresses
            .get(&(class, oid, subid))
            .or_else(|| {
                if subid != 0 {
                    self.addresses.get(&(class, oid, 0))
                } else {
                    None
                }
            })
            .copied()
    }

    /// The identity at a number that [`ObjectMap::index`] returned.
    pub fn id(&self, index: u32) -> &ObjectId {
        &self.ids[index as usize]
    }

    /// The identities by the numbers [`ObjectMap::index`] returned, without
    /// the addresses: what is left to read once every address is looked up.
    pub fn into_ids(self) -> Vec<ObjectId> {
        self.ids
    }
}
