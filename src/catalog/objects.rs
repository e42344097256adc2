//! A flat, indexed view of a catalog: every object and sub-object under its
//! [`ObjectId`], with the dependencies between them (recorded and structural).
//!
//! Objects are *interned*: each gets an index ([`Ix`]), its rank in
//! [`ObjectId`] order, once, when the view is built. Everything after that
//! (matching FROM against TO, spreading replacement, ordering the plan) works
//! with indices, so that no identity is cloned, compared or hashed again per
//! dependency. Because indices follow identity order, iterating indices in
//! ascending order is iterating identities in sorted order, which keeps every
//! result deterministic.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::{Catalog, Dependency, Holder, Obj, ObjectId, QualName, Tag};

/// The index of an object in one catalog's [`Objects`].
pub type Ix = u32;

/// An identity as parts borrowed from the catalog, so that objects are
/// stored, compared and looked up without building (and cloning names into)
/// an [`ObjectId`]. Unused parts are empty; the tag tells the kinds apart,
/// and within a kind the parts are the identity's fields in order, so keys
/// sort exactly as identities do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key<'k>(pub Tag, pub [&'k str; 3]);

impl Key<'_> {
    /// Whether this is the schema that an object named by `parts` is in.
    pub fn is_schema_of(&self, parts: [&str; 3]) -> bool {
        *self == Key(Tag::Schema, [parts[0], "", ""])
    }

    /// Whether this is the table that an object named by `parts` is on.
    pub fn is_table_of(&self, parts: [&str; 3]) -> bool {
        *self == Key(Tag::Table, [parts[0], parts[1], ""])
    }

    /// Whether this is the table or view that an object named by `parts`
    /// is on.
    pub fn is_relation_of(&self, parts: [&str; 3]) -> bool {
        self.is_table_of(parts) || *self == Key(Tag::View, [parts[0], parts[1], ""])
    }

    fn hash(&self) -> u64 {
        let mut hasher = FxBuildHasher.build_hasher();
        Hash::hash(self, &mut hasher);
        hasher.finish()
    }
}

/// Every object of one catalog by identity, plus dependency lookups.
pub struct Objects<'a> {
    pub catalog: &'a Catalog,
    /// Objects in identity order; an object's index is its position here.
    /// Identities are not stored: an object's [`Key`] is read off it.
    objs: Vec<Obj<'a>>,
    /// Indices into `objs`, hashed by identity.
    lookup: HashTable<Ix>,
    /// `dependent -> referenced`, recorded by `pg_depend` or implied by the
    /// structure of the model (a column belongs to its table), as adjacency
    /// lists: the dependencies of object `i` are
    /// `depends_on[depends_on_start[i]..depends_on_start[i + 1]]`, sorted.
    depends_on_start: Vec<u32>,
    depends_on: Vec<Ix>,
    /// `referenced -> dependents`, the reverse of `depends_on`, laid out the
    /// same way.
    dependents_start: Vec<u32>,
    dependents: Vec<Ix>,
}

impl<'a> Objects<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        Objects::with_dependencies(catalog, catalog.dependencies.iter().map(Dependency::pair))
    }

    /// The index of `catalog` with `dependencies` (dependent, referenced)
    /// as its recorded dependencies: for a caller that has them apart from
    /// the catalog, so that the index, which holds them as numbers, is all
    /// that holds them (`pgrift::compare` with
    /// `Options::without_dependencies`). A dependency on or of an object
    /// the catalog lacks (one a filter left out) is skipped.
    pub fn with_dependencies<'d>(
        catalog: &'a Catalog,
        dependencies: impl Iterator<Item = (Cow<'d, ObjectId>, Cow<'d, ObjectId>)>,
    ) -> Self {
        let mut objs = catalog.objects();
        // A stable sort keeps duplicates (which only a hand-edited snapshot
        // could hold) in catalog order, so that the last one wins, as it
        // would when inserted into a map one after the other. Keys are read
        // off the objects as they are compared rather than stored beside
        // them: a key is three times the size of an object reference, and
        // on a large catalog the copy was a tenth of the peak memory.
        // A normalized catalog lists every object once, in order, which one
        // pass checks; only a hand-edited snapshot needs the sort.
        let in_order = objs.windows(2).all(|pair| pair[0].key() < pair[1].key());
        if !in_order {
            objs.sort_by(|a, b| a.key().cmp(&b.key()));
            let mut kept = 0;
            for read in 0..objs.len() {
                if kept > 0 && objs[kept - 1].key() == objs[read].key() {
                    objs[kept - 1] = objs[read];
                } else {
                    objs[kept] = objs[read];
                    kept += 1;
                }
            }
            objs.truncate(kept);
        }
        let mut lookup = HashTable::with_capacity(objs.len());
        for (i, obj) in objs.iter().enumerate() {
            lookup.insert_unique(obj.key().hash(), i as Ix, |&j| {
                objs[j as usize].key().hash()
            });
        }
        let mut objects = Objects {
            catalog,
            objs,
            lookup,
            depends_on_start: Vec::new(),
            depends_on: Vec::new(),
            dependents_start: Vec::new(),
            dependents: Vec::new(),
        };

        let mut edges: Vec<(Ix, Ix)> =
            Vec::with_capacity(dependencies.size_hint().0 + objects.objs.len());
        // Dependencies come sorted by dependent, so runs share one: its
        // index is looked up once per run.
        let mut last: Option<(Cow<'d, ObjectId>, Option<Ix>)> = None;
        for (dependent, referenced) in dependencies {
            let dependent = match &last {
                Some((id, index)) if *id == dependent => *index,
                _ => {
                    let index = objects.index_of(&dependent);
                    last = Some((dependent, index));
                    index
                }
            };
            if let (Some(a), Some(b)) = (dependent, objects.index_of(&referenced)) {
                edges.push((a, b));
            }
        }
        for i in 0..objects.objs.len() {
            if let Some(c) = objects.container(i as Ix) {
                edges.push((i as Ix, c));
            }
        }
        // A child in an inheritance tree leaves its parent (`NO INHERIT`)
        // before the parent drops a column the child inherits, which would
        // otherwise take the child's column along; and joins it after the
        // parent has the columns it is to inherit.
        for table in catalog.tables.iter().filter(|t| !t.inherits.is_empty()) {
            let Some(child) = objects.index_of(&ObjectId::Table {
                name: table.name.clone(),
            }) else {
                continue;
            };
            for column in table.columns.iter().filter(|c| c.inherited) {
                for parent in &table.inherits {
                    let id = super::column_id(parent, &column.name);
                    if let Some(c) = objects.index_of(&id) {
                        edges.push((child, c));
                    }
                }
            }
        }
        let n = objects.objs.len();
        let edges = edges.iter().copied().filter(|(a, b)| a != b);
        (objects.depends_on_start, objects.depends_on) = adjacency(n, edges);
        (objects.dependents_start, objects.dependents) =
            transpose(&objects.depends_on_start, &objects.depends_on);
        objects
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.objs.len()
    }

    /// True when the catalog holds no object.
    pub fn is_empty(&self) -> bool {
        self.objs.is_empty()
    }

    /// The index of an object, if the catalog has it.
    pub fn index_of(&self, id: &ObjectId) -> Option<Ix> {
        self.find(id.key())
    }

    /// The index of the object with identity `key`, if the catalog has it.
    pub fn find(&self, key: Key<'_>) -> Option<Ix> {
        self.lookup
            .find(key.hash(), |&i| self.objs[i as usize].key() == key)
            .copied()
    }

    /// The identity of the object at `i`, built on demand: only changed
    /// objects need theirs.
    pub fn id(&self, i: Ix) -> ObjectId {
        ObjectId::from_key(self.key(i))
    }

    /// The identity of the object at `i`, for ordering against the other
    /// side's objects.
    pub fn key(&self, i: Ix) -> Key<'a> {
        self.objs[i as usize].key()
    }

    /// The object at `i`.
    pub fn obj(&self, i: Ix) -> Obj<'a> {
        self.objs[i as usize]
    }

    /// The object with identity `id`, if the catalog has it.
    pub fn get(&self, id: &ObjectId) -> Option<Obj<'a>> {
        self.index_of(id).map(|i| self.obj(i))
    }

    /// What the object at `i` depends on, in index (so identity) order.
    pub fn dependencies(&self, i: Ix) -> &[Ix] {
        let i = i as usize;
        &self.depends_on[self.depends_on_start[i] as usize..self.depends_on_start[i + 1] as usize]
    }

    /// What depends on the object at `i`, in index (so identity) order.
    pub fn dependents(&self, i: Ix) -> &[Ix] {
        let i = i as usize;
        &self.dependents[self.dependents_start[i] as usize..self.dependents_start[i + 1] as usize]
    }

    /// The object that structurally holds the object at `i`: its table, or
    /// its schema. Looked up by borrowed names, without building the
    /// container's identity.
    fn container(&self, i: Ix) -> Option<Ix> {
        match self.obj(i).container() {
            Holder::Nothing => None,
            Holder::Object(key) => self.find(key),
            Holder::Relation(name) => self.relation(name),
        }
    }

    /// The table, or else the view, of this name.
    fn relation(&self, name: &QualName) -> Option<Ix> {
        self.find(Key(Tag::Table, [&name.schema, &name.name, ""]))
            .or_else(|| self.find(Key(Tag::View, [&name.schema, &name.name, ""])))
    }

    /// The identity of a relation that may be a table or a (materialized)
    /// view, as indexes and triggers name it.
    pub fn relation_id(&self, name: &QualName) -> ObjectId {
        if self
            .find(Key(Tag::Table, [&name.schema, &name.name, ""]))
            .is_some()
        {
            ObjectId::Table { name: name.clone() }
        } else {
            ObjectId::View { name: name.clone() }
        }
    }
}

/// Adjacency lists of `n` nodes, without duplicates and each sorted: the
/// second nodes of node `i` are `targets[start[i]..start[i + 1]]`. A
/// counting sort by first node, then a sort of each (short) list, so the
/// cost grows linearly with the number of edges.
fn adjacency(n: usize, edges: impl Iterator<Item = (Ix, Ix)> + Clone) -> (Vec<u32>, Vec<Ix>) {
    let mut start = vec![0u32; n + 1];
    for (a, _) in edges.clone() {
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next: Vec<u32> = start[..n].to_vec();
    let mut targets = vec![0; start[n] as usize];
    for (a, b) in edges {
        targets[next[a as usize] as usize] = b;
        next[a as usize] += 1;
    }
    // Sort and deduplicate each list, compacting as we go.
    let mut write = 0usize;
    let mut compact_start = vec![0u32; n + 1];
    for i in 0..n {
        let (lo, hi) = (start[i] as usize, start[i + 1] as usize);
        targets[lo..hi].sort_unstable();
        let mut last = None;
        for k in lo..hi {
            let b = targets[k];
            if last != Some(b) {
                targets[write] = b;
                write += 1;
                last = Some(b);
            }
        }
        compact_start[i + 1] = write as u32;
    }
    targets.truncate(write);
    (compact_start, targets)
}

/// The reverse of adjacency lists: for each node, the nodes that list it,
/// sorted (they are visited in ascending order).
fn transpose(start: &[u32], targets: &[Ix]) -> (Vec<u32>, Vec<Ix>) {
    let n = start.len() - 1;
    let mut rstart = vec![0u32; n + 1];
    for &b in targets {
        rstart[b as usize + 1] += 1;
    }
    for i in 0..n {
        rstart[i + 1] += rstart[i];
    }
    let mut next: Vec<u32> = rstart[..n].to_vec();
    let mut sources = vec![0; targets.len()];
    for a in 0..n {
        for &b in &targets[start[a] as usize..start[a + 1] as usize] {
            sources[next[b as usize] as usize] = a as Ix;
            next[b as usize] += 1;
        }
    }
    (rstart, sources)
}
