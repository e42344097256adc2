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

use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::catalog::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, Extension, Function, Index, ObjectId,
    QualName, Schema, Sequence, Table, Trigger, View,
};

/// The index of an object in one catalog's [`Objects`].
pub type Ix = u32;

/// One object of a catalog, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Obj<'a> {
    Schema(&'a Schema),
    Extension(&'a Extension),
    Type(&'a EnumType),
    Sequence(&'a Sequence),
    Table(&'a Table),
    Column(&'a Table, &'a Column),
    Default(&'a Table, &'a Column),
    Constraint(&'a Table, &'a Constraint),
    Index(&'a Index),
    View(&'a View),
    Function(&'a Function),
    Trigger(&'a Trigger),
}

/// An identity as parts borrowed from the catalog, so that objects are
/// stored, compared and looked up without building (and cloning names into)
/// an [`ObjectId`]. Unused parts are empty; the tag tells the kinds apart,
/// and within a kind the parts are the identity's fields in order, so keys
/// sort exactly as identities do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Key<'k>(Tag, [&'k str; 3]);

/// The kind part of a [`Key`], one per [`ObjectId`] variant, in the same
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Tag {
    Schema,
    Extension,
    Type,
    Sequence,
    Table,
    Column,
    Default,
    Constraint,
    Index,
    View,
    Function,
    Trigger,
}

impl<'k> Key<'k> {
    fn of(id: &'k ObjectId) -> Key<'k> {
        let qual = |tag, q: &'k QualName| Key(tag, [&q.schema, &q.name, ""]);
        let sub = |tag, q: &'k QualName, s: &'k str| Key(tag, [&q.schema, &q.name, s]);
        match id {
            ObjectId::Schema { name } => Key(Tag::Schema, [name, "", ""]),
            ObjectId::Extension { name } => Key(Tag::Extension, [name, "", ""]),
            ObjectId::Type { name } => qual(Tag::Type, name),
            ObjectId::Sequence { name } => qual(Tag::Sequence, name),
            ObjectId::Table { name } => qual(Tag::Table, name),
            ObjectId::Column { table, column } => sub(Tag::Column, table, column),
            ObjectId::Default { table, column } => sub(Tag::Default, table, column),
            ObjectId::Constraint { table, name } => sub(Tag::Constraint, table, name),
            ObjectId::Index { name } => qual(Tag::Index, name),
            ObjectId::View { name } => qual(Tag::View, name),
            ObjectId::Function { name, args } => sub(Tag::Function, name, args),
            ObjectId::Trigger { table, name } => sub(Tag::Trigger, table, name),
        }
    }

    /// The identity of an object, read off the object.
    fn of_obj(obj: Obj<'k>) -> Key<'k> {
        match obj {
            Obj::Schema(s) => Key(Tag::Schema, [&s.name, "", ""]),
            Obj::Extension(e) => Key(Tag::Extension, [&e.name, "", ""]),
            Obj::Type(t) => Key::qualified(Tag::Type, &t.name),
            Obj::Sequence(s) => Key::qualified(Tag::Sequence, &s.name),
            Obj::Table(t) => Key::qualified(Tag::Table, &t.name),
            Obj::Column(t, c) => Key::sub(Tag::Column, &t.name, &c.name),
            Obj::Default(t, c) => Key::sub(Tag::Default, &t.name, &c.name),
            Obj::Constraint(t, c) => Key::sub(Tag::Constraint, &t.name, &c.name),
            Obj::Index(i) => Key::qualified(Tag::Index, &i.name),
            Obj::View(v) => Key::qualified(Tag::View, &v.name),
            Obj::Function(f) => Key::sub(Tag::Function, &f.name, &f.identity_args),
            Obj::Trigger(t) => Key::sub(Tag::Trigger, &t.table, &t.name),
        }
    }

    fn qualified(tag: Tag, name: &'k QualName) -> Key<'k> {
        Key(tag, [&name.schema, &name.name, ""])
    }

    fn sub(tag: Tag, table: &'k QualName, name: &'k str) -> Key<'k> {
        Key(tag, [&table.schema, &table.name, name])
    }

    /// The identity this key stands for.
    fn to_id(self) -> ObjectId {
        let Key(tag, [a, b, c]) = self;
        let qual = || QualName::new(a, b);
        match tag {
            Tag::Schema => ObjectId::Schema { name: a.into() },
            Tag::Extension => ObjectId::Extension { name: a.into() },
            Tag::Type => ObjectId::Type { name: qual() },
            Tag::Sequence => ObjectId::Sequence { name: qual() },
            Tag::Table => ObjectId::Table { name: qual() },
            Tag::Column => ObjectId::Column {
                table: qual(),
                column: c.into(),
            },
            Tag::Default => ObjectId::Default {
                table: qual(),
                column: c.into(),
            },
            Tag::Constraint => ObjectId::Constraint {
                table: qual(),
                name: c.into(),
            },
            Tag::Index => ObjectId::Index { name: qual() },
            Tag::View => ObjectId::View { name: qual() },
            Tag::Function => ObjectId::Function {
                name: qual(),
                args: c.into(),
            },
            Tag::Trigger => ObjectId::Trigger {
                table: qual(),
                name: c.into(),
            },
        }
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
        let mut objs = entries(catalog);
        // A stable sort keeps duplicates (which only a hand-edited snapshot
        // could hold) in catalog order, so that the last one wins, as it
        // would when inserted into a map one after the other. Keys are read
        // off the objects as they are compared rather than stored beside
        // them: a key is three times the size of an object reference, and
        // on a large catalog the copy was a tenth of the peak memory.
        // A normalized catalog lists every object once, in order, which one
        // pass checks; only a hand-edited snapshot needs the sort.
        let in_order = objs
            .windows(2)
            .all(|pair| Key::of_obj(pair[0]) < Key::of_obj(pair[1]));
        if !in_order {
            objs.sort_by(|a, b| Key::of_obj(*a).cmp(&Key::of_obj(*b)));
            let mut kept = 0;
            for read in 0..objs.len() {
                if kept > 0 && Key::of_obj(objs[kept - 1]) == Key::of_obj(objs[read]) {
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
            lookup.insert_unique(Key::of_obj(*obj).hash(), i as Ix, |&j| {
                Key::of_obj(objs[j as usize]).hash()
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
            Vec::with_capacity(catalog.dependencies.len() + objects.objs.len());
        // Dependencies are sorted by dependent, so runs share one: its index
        // is looked up once per run.
        let mut last: Option<(&ObjectId, Option<Ix>)> = None;
        for dep in &catalog.dependencies {
            let dependent = match last {
                Some((id, index)) if *id == dep.dependent => index,
                _ => {
                    let index = objects.index_of(&dep.dependent);
                    last = Some((&dep.dependent, index));
                    index
                }
            };
            if let (Some(a), Some(b)) = (dependent, objects.index_of(&dep.referenced)) {
                edges.push((a, b));
            }
        }
        for i in 0..objects.objs.len() {
            if let Some(c) = objects.container(i as Ix) {
                edges.push((i as Ix, c));
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
        self.find(Key::of(id))
    }

    /// The index of the object with identity `key`, if the catalog has it.
    fn find(&self, key: Key<'_>) -> Option<Ix> {
        self.lookup
            .find(key.hash(), |&i| Key::of_obj(self.objs[i as usize]) == key)
            .copied()
    }

    /// The identity of the object at `i`, built on demand: only changed
    /// objects need theirs.
    pub fn id(&self, i: Ix) -> ObjectId {
        self.key(i).to_id()
    }

    /// The identity of the object at `i`, for ordering against the other
    /// side's objects.
    pub(super) fn key(&self, i: Ix) -> Key<'a> {
        Key::of_obj(self.objs[i as usize])
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
        let schema = |name: &'a str| Key(Tag::Schema, [name, "", ""]);
        let relation = |tag, name: &'a QualName| Key(tag, [&name.schema, &name.name, ""]);
        let key = match self.obj(i) {
            Obj::Schema(_) => return None,
            Obj::Extension(e) => schema(&e.schema),
            Obj::Type(t) => schema(&t.name.schema),
            Obj::Sequence(s) => schema(&s.name.schema),
            Obj::Table(t) => schema(&t.name.schema),
            Obj::View(v) => schema(&v.name.schema),
            Obj::Function(f) => schema(&f.name.schema),
            Obj::Column(t, _) | Obj::Constraint(t, _) => relation(Tag::Table, &t.name),
            Obj::Default(t, c) => Key(Tag::Column, [&t.name.schema, &t.name.name, &c.name]),
            Obj::Index(i) => return self.relation(&i.table),
            Obj::Trigger(t) => return self.relation(&t.table),
        };
        self.find(key)
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

    /// The relation name an object takes in its schema's namespace of
    /// relations and types, so that a drop that frees a name can be ordered
    /// before a create that takes it.
    pub fn claimed_names(&self, obj: &Obj<'a>) -> Vec<QualName> {
        match obj {
            Obj::Type(t) => vec![t.name.clone()],
            Obj::Sequence(s) => vec![s.name.clone()],
            Obj::Table(t) => vec![t.name.clone()],
            Obj::View(v) => vec![v.name.clone()],
            Obj::Index(i) => vec![i.name.clone()],
            Obj::Constraint(t, c) => match c.kind {
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
                    vec![QualName::new(t.name.schema.clone(), c.name.clone())]
                }
                ConstraintKind::Check | ConstraintKind::ForeignKey => Vec::new(),
            },
            Obj::Column(_, c) => c
                .identity
                .as_ref()
                .map(|i| i.sequence.clone())
                .into_iter()
                .collect(),
            // These take no name in the namespace of relations and types:
            // each kind is listed, so that a new kind must say whether it
            // does.
            Obj::Schema(_)
            | Obj::Extension(_)
            | Obj::Default(..)
            | Obj::Function(_)
            | Obj::Trigger(_) => Vec::new(),
        }
    }
}

pub fn column_id(table: &QualName, column: &str) -> ObjectId {
    ObjectId::Column {
        table: table.clone(),
        column: column.into(),
    }
}

/// Every object of a catalog with its identity, grouped by kind in the order
/// of [`ObjectId`]'s variants, each group in the order of the catalog's
/// sorted lists (a table's columns by name). For a normalized catalog this is
/// already identity order, so sorting it costs one pass.
fn entries(catalog: &Catalog) -> Vec<Obj<'_>> {
    let per_table: usize = catalog
        .tables
        .iter()
        .map(|table| 1 + 2 * table.columns.len() + table.constraints.len())
        .sum();
    let mut out: Vec<Obj<'_>> = Vec::with_capacity(
        per_table
            + catalog.schemas.len()
            + catalog.extensions.len()
            + catalog.enums.len()
            + catalog.sequences.len()
            + catalog.indexes.len()
            + catalog.views.len()
            + catalog.functions.len()
            + catalog.triggers.len(),
    );
    out.extend(catalog.schemas.iter().map(Obj::Schema));
    out.extend(catalog.extensions.iter().map(Obj::Extension));
    out.extend(catalog.enums.iter().map(Obj::Type));
    out.extend(catalog.sequences.iter().map(Obj::Sequence));
    out.extend(catalog.tables.iter().map(Obj::Table));
    // Columns are kept in physical order; identity order is by name.
    let mut defaults = Vec::new();
    for table in &catalog.tables {
        let mut columns: Vec<&Column> = table.columns.iter().collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        for column in columns {
            out.push(Obj::Column(table, column));
            if column.default.is_some() {
                defaults.push(Obj::Default(table, column));
            }
        }
    }
    out.append(&mut defaults);
    for table in &catalog.tables {
        out.extend(table.constraints.iter().map(|c| Obj::Constraint(table, c)));
    }
    out.extend(catalog.indexes.iter().map(Obj::Index));
    out.extend(catalog.views.iter().map(Obj::View));
    out.extend(catalog.functions.iter().map(Obj::Function));
    out.extend(catalog.triggers.iter().map(Obj::Trigger));
    out
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
