//! The version-neutral model of a database schema.
//!
//! A [`Catalog`] is what the introspector reads from `pg_catalog` and what a
//! snapshot file stores. It holds no server version, no OIDs and no positions
//! that differ between two databases holding the same schema, so two catalogs
//! can be compared field by field. Every list is sorted by its key, which makes
//! serialisation and everything derived from it deterministic.
//!
//! Expressions and definitions that PostgreSQL deparses itself (column types,
//! defaults, constraint, index, view, function and trigger definitions) are
//! stored as the server printed them with an empty `search_path`, so every name
//! in them is schema-qualified and quoted by PostgreSQL.

#[macro_use]
mod registry;

pub mod acl;
mod address;
mod filter;
mod id;
#[macro_use]
mod kind;
mod objects;
#[macro_use]
mod opfamily_member;
pub mod options;
pub mod owner;
pub mod parked;
pub mod rename;
pub mod role_map;

pub use crate::names::{
    ColumnRef, Compression, FunctionKind, Grantee, Name, PolicyCommand, QualName, ReplicaIdentity,
    SequenceOptions, Storage, TriggerEnabled,
};
pub use acl::{Acl, AclEntry, AclGrantee};
pub use address::{Address, ClassIds, NumberedDependencies, ObjectMap};
pub use column::{ColumnDefault, column_id, conversion, is_type_change, move_to_recreated};
pub use default_acl::settle_on_create;
pub use filter::{Filter, Ignore};
pub use kind::{
    CreatedAcl, Delta, Follows, Holder, ObjectKind, ReadKind, Shape, Shown, comment,
    compare_firing, create_firing, rename_aside,
};
pub use objects::{Ix, Key, Objects};
pub use policy::RowSecurity;
pub use rename::{Rename, RenameError, RenameMap};
pub use role::{
    Membership, QUERY as ROLE_QUERY, from_row as role_from_row, settle as settle_roles,
    settle_live as settle_live_roles,
};
pub use subscription::connection_variable as subscription_connection;
#[cfg(test)]
pub(crate) use subscription::tests::subscription as sample_subscription;
pub use table::{
    Column, ColumnExtra, ColumnSettings, Constraint, ConstraintKind, Conversion, ForeignTable,
    Identity, PartitionOf, StorageSetting, converts, repartition,
};
pub use view::ColumnComment;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::sql::Stmt;

/// Generates, from the registry, everything that lists the kinds: see
/// `registry.rs`.
macro_rules! define_kinds {
    (
        kinds: [$(
            $(#[$meta:meta])*
            $variant:ident => $module:ident::$kind:ident { $($field:ident: $field_type:ty),* }
            $(in $list:ident: $model:ident)?
            $(part: $part:ident)?
        ),* $(,)?],
        modules: [$($kind_module:ident),* $(,)?],
        read: [$($read_list:ident: $read_module:ident::$read_kind:ident),* $(,)?],
        ranks: [$($ranked:ident),* $(,)?],
        classes: [$($class:ident),* $(,)?],
        snapshot_version: $version:literal $(,)?
    ) => {
        $(mod $kind_module;)*
        $($(pub use $module::$model;)?)*

        /// The identity of one modelled object: what stays the same when the
        /// object is altered, and what tells it apart from every other object
        /// in a catalog.
        ///
        /// Sub-objects of a table (columns, defaults, constraints, triggers)
        /// are objects of their own, so that the dependency graph can order a
        /// default that calls a function apart from the column that holds the
        /// data.
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        pub enum ObjectId {
            $($(#[$meta])* $variant { $($field: $field_type),* },)*
        }

        /// A whole schema: every modelled object of one database, plus the
        /// dependencies between them and warnings about what is not modelled.
        ///
        /// Every list may be missing from a snapshot: one written before a
        /// kind was modelled reads as holding none of that kind.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct Catalog {
            $($(pub $list: Vec<$model>,)?)*
            /// Edges `dependent -> referenced` between modelled objects, as
            /// recorded by `pg_depend`, sorted and without duplicates.
            pub dependencies: Vec<Dependency>,
            /// Objects present in the database that pgrift does not model.
            pub warnings: Vec<Warning>,
        }

        /// The kind part of a [`Key`], one per [`ObjectId`] variant, in the
        /// same order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Tag {
            $($variant,)*
        }

        /// One object of a catalog, borrowed.
        #[derive(Debug, Clone, Copy)]
        pub enum Obj<'a> {
            $($variant($(&'a $model)? $((&'a Table, &'a $part))?),)*
        }

        /// The kinds in the order a person writes their creates.
        #[derive(Clone, Copy)]
        enum Rank {
            $($ranked,)*
        }

        /// The version of the snapshot file format.
        pub const SNAPSHOT_VERSION: u64 = $version;

        impl Tag {
            /// The noun a user reads in a message.
            pub fn noun(self) -> &'static str {
                match self {
                    $(Tag::$variant => <$module::$kind as ObjectKind<'_>>::NOUN,)*
                }
            }

            fn shape(self) -> Shape {
                match self {
                    $(Tag::$variant => <$module::$kind as ObjectKind<'_>>::SHAPE,)*
                }
            }

            /// What becomes of an object of this kind when something it
            /// depends on changes.
            pub fn follows(self) -> Follows {
                match self {
                    $(Tag::$variant => <$module::$kind as ObjectKind<'_>>::FOLLOWS,)*
                }
            }

            /// The place of the kind among creates; drops run the other way.
            pub fn create_rank(self) -> u8 {
                match self {
                    $(Tag::$variant => Rank::$variant as u8,)*
                }
            }

            /// The number of kinds.
            pub const COUNT: u8 = [$(Tag::$variant),*].len() as u8;

            fn named_container(self, parts: [&str; 3], container: Key<'_>) -> bool {
                match self {
                    $(Tag::$variant => <$module::$kind as ObjectKind<'_>>::named_container(parts, container),)*
                }
            }
        }

        impl ObjectId {
            /// The identity's key: its kind and its parts, borrowed.
            pub fn key(&self) -> Key<'_> {
                match self {
                    $(ObjectId::$variant { $($field),* } => {
                        let mut parts = id::Parts::default();
                        $(id::Part::push($field, &mut parts);)*
                        Key(Tag::$variant, parts.into_array())
                    })*
                }
            }

            /// The identity a key stands for.
            pub fn from_key(Key(tag, parts): Key<'_>) -> ObjectId {
                let mut parts = parts.into_iter();
                match tag {
                    $(Tag::$variant => ObjectId::$variant {
                        $($field: <$field_type as id::Part>::take(&mut parts),)*
                    },)*
                }
            }
        }

        impl<'a> Obj<'a> {
            /// The object's identity, as parts borrowed from it.
            pub fn key(self) -> Key<'a> {
                match self {
                    $(Obj::$variant(obj) => Key(Tag::$variant, <$module::$kind as ObjectKind<'a>>::key(obj)),)*
                }
            }

            pub fn tag(self) -> Tag {
                match self {
                    $(Obj::$variant(_) => Tag::$variant,)*
                }
            }

            /// What structurally holds the object.
            pub fn container(self) -> Holder<'a> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::container(obj),)*
                }
            }

            /// The schema the object is in; a schema's own name for a
            /// schema.
            pub fn schema(self) -> &'a str {
                match self.container() {
                    Holder::Nothing => self.key().1[0],
                    Holder::Object(Key(_, parts)) => parts[0],
                    Holder::Relation(table) => &table.schema,
                }
            }

            /// The schema and name of an object a schema holds directly
            /// (for an extension, whose identity does not say its schema,
            /// its own name); `None` for a schema, and for what a table,
            /// view or other object holds.
            pub fn in_schema(self) -> Option<(&'a str, &'a str)> {
                match self.container() {
                    Holder::Object(Key(Tag::Schema, [schema, ..])) => {
                        let parts = self.key().1;
                        Some((schema, if parts[1].is_empty() { parts[0] } else { parts[1] }))
                    }
                    _ => None,
                }
            }

            /// The table the object is, or belongs to.
            pub fn table(self) -> Option<&'a QualName> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::table(obj),)*
                }
            }

            /// The names the object takes in its schema's namespace of
            /// relations and types.
            pub fn claimed_names(self) -> Vec<QualName> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::claimed_names(obj),)*
                }
            }

            pub fn create(self) -> Vec<Stmt> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::create(obj),)*
                }
            }

            pub fn drop(self) -> Vec<Stmt> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::drop(obj),)*
                }
            }

            /// The object whose drop also drops this one (see
            /// [`ObjectKind::dropped_with`]).
            pub fn dropped_with(self, objects: &Objects<'a>, i: Ix) -> Option<ObjectId> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::dropped_with(obj, objects, i),)*
                }
            }

            /// The object whose create also creates this one.
            pub fn created_with(self) -> Option<ObjectId> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::created_with(obj),)*
                }
            }

            /// What `COMMENT ON` names the object by; `None` for an
            /// object PostgreSQL keeps no comment on (a column default).
            pub fn comment_target(self) -> Option<crate::sql::CommentTarget> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::comment_target(obj),)*
                }
            }

            pub fn comments_on_create(self) -> Vec<Stmt> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::comments_on_create(obj),)*
                }
            }

            pub fn finish_create(self) -> Option<Stmt> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::finish_create(obj),)*
                }
            }

            /// The privileges its `CREATE` gives a new object, as default
            /// privileges see it.
            pub fn created_acl(self) -> Option<CreatedAcl<'a>> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::created_acl(obj),)*
                }
            }

            /// The privileges its `CREATE` gives a new object and what
            /// comes with it, as default privileges see them.
            pub fn created_acls(self) -> Vec<CreatedAcl<'a>> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::created_acls(obj),)*
                }
            }

            /// The deparsed text the object holds, with the shape each
            /// piece must have.
            pub fn deparsed(self) -> Vec<(&'a str, crate::sql::verify::Shape)> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::deparsed(obj),)*
                }
            }

            /// The definition the review report shows.
            pub fn shown(self) -> Option<Shown> {
                match self {
                    $(Obj::$variant(obj) => <$module::$kind as ObjectKind<'a>>::shown(obj),)*
                }
            }

            /// Applies `f` to two objects of one kind; `None` when their
            /// kinds differ, which two objects of one identity never do.
            fn pair<T>(old: Obj<'a>, new: Obj<'a>, f: impl PairFn<'a, T>) -> Option<T> {
                match (old, new) {
                    $((Obj::$variant(a), Obj::$variant(b)) => Some(f.call::<$module::$kind>(a, b)),)*
                    _ => None,
                }
            }
        }

        /// The labels of the warnings for what the kinds model.
        pub fn modelled() -> impl Iterator<Item = &'static str> {
            [$(<$module::$kind as ObjectKind<'_>>::MODELS),*].into_iter().flatten().copied()
        }

        impl Catalog {
            /// Every object of the catalog, grouped by kind in identity
            /// order, each group in the order of the catalog's lists.
            pub fn objects(&self) -> Vec<Obj<'_>> {
                let mut out = Vec::with_capacity(self.object_count());
                $(<$module::$kind as ObjectKind<'_>>::each(self, &mut out);)*
                out
            }

            /// Sorts every list by its key (a table's constraints by name)
            /// and removes duplicate dependencies, so that two catalogs of
            /// the same schema are equal and serialise the same.
            pub fn normalize(&mut self) {
                for table in &mut self.tables {
                    table.constraints.sort_by(|a, b| a.name.cmp(&b.name));
                }
                $($(sort_stably(&mut self.$list, |a, b| {
                    <$module::$kind as ObjectKind<'_>>::key(a).cmp(&<$module::$kind as ObjectKind<'_>>::key(b))
                });)?)*
                // Unstable sorts need no scratch space, which for the
                // dependencies of a large catalog is tens of megabytes;
                // equal elements are identical, so their order does not
                // matter.
                self.dependencies.sort_unstable();
                self.dependencies.dedup();
                self.warnings.sort();
                self.warnings.dedup();
            }

            /// Leaves out every table `leave_out` picks, with everything
            /// on it (columns, constraints, defaults, indexes, triggers,
            /// statistics) and every dependency to or from any of them, as
            /// if they were not in the database; returns the tables left
            /// out.
            pub fn leave_out_tables(
                &mut self,
                leave_out: impl Fn(&QualName) -> bool,
            ) -> Vec<QualName> {
                let gone: Vec<QualName> = self
                    .tables
                    .iter()
                    .filter(|table| leave_out(&table.name))
                    .map(|table| table.name.clone())
                    .collect();
                if gone.is_empty() {
                    return gone;
                }
                let on_gone = |table: Option<&QualName>| table.is_some_and(|t| gone.contains(t));
                let removed: std::collections::HashSet<ObjectId> = self
                    .objects()
                    .into_iter()
                    .filter(|obj| on_gone(obj.table()))
                    .map(|obj| ObjectId::from_key(obj.key()))
                    .collect();
                $($(self.$list.retain(|x| !on_gone(<$module::$kind as ObjectKind<'_>>::table(x)));)?)*
                self.dependencies.retain(|d| {
                    !removed.contains(&d.dependent) && !removed.contains(&d.referenced)
                });
                gone
            }

            /// Leaves out every object, and every dependency to or from
            /// one, whose schema `keep` refuses (a schema goes by its own
            /// name), as if it were not in the database; returns the
            /// schemas left out.
            pub fn keep_schemas(&mut self, keep: impl Fn(&str) -> bool) -> Vec<String> {
                let removed: std::collections::HashSet<ObjectId> = self
                    .objects()
                    .into_iter()
                    .filter(|obj| !keep(obj.schema()))
                    .map(|obj| ObjectId::from_key(obj.key()))
                    .collect();
                if removed.is_empty() {
                    return Vec::new();
                }
                let gone: Vec<String> = self
                    .schemas
                    .iter()
                    .filter(|s| !keep(&s.name))
                    .map(|s| s.name.to_string())
                    .collect();
                $($(self.$list.retain(|x| keep(Obj::$variant(x).schema()));)?)*
                self.dependencies.retain(|d| {
                    !removed.contains(&d.dependent) && !removed.contains(&d.referenced)
                });
                gone
            }

            /// Leaves out every object held directly by a schema (a
            /// table, view, sequence, type, function, extension …) that
            /// `keep` refuses by its schema and name, with everything on
            /// it and every dependency to or from any of them; returns
            /// the objects left out, as `kind schema.name`.
            pub fn keep_objects(&mut self, keep: impl Fn(&str, &str) -> bool) -> Vec<String> {
                let kept = |obj: Obj<'_>| obj.in_schema().is_none_or(|(s, n)| keep(s, n));
                let gone: Vec<Obj<'_>> =
                    self.objects().into_iter().filter(|obj| !kept(*obj)).collect();
                if gone.is_empty() {
                    return Vec::new();
                }
                let named: Vec<String> = gone
                    .iter()
                    .map(|obj| {
                        let id = ObjectId::from_key(obj.key());
                        format!("{} {id}", id.kind_name())
                    })
                    .collect();
                let tables: std::collections::HashSet<QualName> =
                    gone.iter().filter_map(|obj| obj.table().cloned()).collect();
                let removed: std::collections::HashSet<ObjectId> =
                    gone.iter().map(|obj| ObjectId::from_key(obj.key())).collect();
                self.leave_out_tables(|table| tables.contains(table));
                $($(self.$list.retain(|x| kept(Obj::$variant(x)));)?)*
                self.dependencies.retain(|d| {
                    !removed.contains(&d.dependent) && !removed.contains(&d.referenced)
                });
                named
            }

            /// True when the catalog holds no modelled object at all.
            pub fn is_empty(&self) -> bool {
                true $($(&& self.$list.is_empty())?)*
            }

            /// Roughly the number of objects, to size what holds them.
            fn object_count(&self) -> usize {
                let per_table: usize = self
                    .tables
                    .iter()
                    .map(|table| 2 * table.columns.len() + table.constraints.len())
                    .sum();
                per_table $($(+ self.$list.len())?)*
            }
        }
    };
}

every_kind!(define_kinds);

/// A function of two objects of one kind, generic over the kind, for
/// [`Obj::pair`].
trait PairFn<'a, T> {
    fn call<K: ObjectKind<'a>>(self, old: K::Ref, new: K::Ref) -> T;
}

/// How two objects of one identity compare; see [`ObjectKind::compare`].
pub fn compare<'a>(old: Obj<'a>, new: Obj<'a>) -> Delta {
    struct Compare;
    impl<'a> PairFn<'a, Delta> for Compare {
        fn call<K: ObjectKind<'a>>(self, old: K::Ref, new: K::Ref) -> Delta {
            K::compare(old, new)
        }
    }
    // Identities encode the kind, so both sides are of one kind.
    Obj::pair(old, new, Compare).unwrap_or(Delta::Replace)
}

/// The statements that turn `old`'s comments into `new`'s.
pub fn comments_changed<'a>(old: Obj<'a>, new: Obj<'a>) -> Vec<Stmt> {
    struct Comments;
    impl<'a> PairFn<'a, Vec<Stmt>> for Comments {
        fn call<K: ObjectKind<'a>>(self, old: K::Ref, new: K::Ref) -> Vec<Stmt> {
            K::comments_changed(old, new)
        }
    }
    Obj::pair(old, new, Comments).unwrap_or_default()
}

/// Work that must follow an alter of `old` into `new`.
pub fn finish_alter<'a>(old: Obj<'a>, new: Obj<'a>) -> Vec<Stmt> {
    struct Finish;
    impl<'a> PairFn<'a, Vec<Stmt>> for Finish {
        fn call<K: ObjectKind<'a>>(self, old: K::Ref, new: K::Ref) -> Vec<Stmt> {
            K::finish_alter(old, new)
        }
    }
    Obj::pair(old, new, Finish).unwrap_or_default()
}

/// The names an alter of `old` into `new` frees and takes.
pub fn alter_names<'a>(old: Obj<'a>, new: Obj<'a>) -> (Vec<QualName>, Vec<QualName>) {
    struct Names;
    impl<'a> PairFn<'a, (Vec<QualName>, Vec<QualName>)> for Names {
        fn call<K: ObjectKind<'a>>(
            self,
            old: K::Ref,
            new: K::Ref,
        ) -> (Vec<QualName>, Vec<QualName>) {
            K::alter_names(old, new)
        }
    }
    Obj::pair(old, new, Names).unwrap_or_default()
}

/// Whether altering `old` into `new` by `statements` makes the object's
/// dependents go away.
pub fn alter_spreads<'a>(old: Obj<'a>, new: Obj<'a>, statements: &[Stmt]) -> bool {
    struct Spreads<'s>(&'s [Stmt]);
    impl<'a> PairFn<'a, bool> for Spreads<'_> {
        fn call<K: ObjectKind<'a>>(self, old: K::Ref, new: K::Ref) -> bool {
            K::alter_spreads(old, new, self.0)
        }
    }
    Obj::pair(old, new, Spreads(statements)).unwrap_or(false)
}

/// Whether an alter states the object's whole new definition (`CREATE OR
/// REPLACE VIEW`), or the part of it that uses other objects (a text search
/// configuration's mappings, which name its dictionaries): nothing its old
/// definition used is needed afterwards, so a dependency that is dropped
/// need not replace it, as long as the alter runs before the drop.
pub fn alter_redefines(statements: &[Stmt]) -> bool {
    statements.iter().any(|s| {
        matches!(
            s,
            Stmt::CreateView {
                or_replace: true,
                ..
            } | Stmt::AlterTsConfig { .. }
        )
    })
}

impl ObjectId {
    /// The noun a user reads in a message (`table`, `column` …).
    pub fn kind_name(&self) -> &'static str {
        self.key().0.noun()
    }

    /// Whether `container` is the object that this identity names as
    /// holding it.
    pub fn is_named_container(&self, container: &ObjectId) -> bool {
        let Key(tag, parts) = self.key();
        tag.named_container(parts, container.key())
    }
}

/// Displays the object as SQL names, for comments and messages
/// (`public.users.email`, `public.f(integer)`).
impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Key(tag, parts) = self.key();
        tag.shape().write(f, parts)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dependency {
    pub dependent: ObjectId,
    pub referenced: ObjectId,
}

impl Dependency {
    /// The dependency as (dependent, referenced), borrowed, as
    /// [`Objects::with_dependencies`] takes it.
    pub fn pair(&self) -> (Cow<'_, ObjectId>, Cow<'_, ObjectId>) {
        (
            Cow::Borrowed(&self.dependent),
            Cow::Borrowed(&self.referenced),
        )
    }
}

/// Sorts `list` stably by `compare`, with scratch space of a number per
/// element. The standard stable sort borrows up to a whole copy of the list,
/// which for a large catalog's tables (300-byte elements) was a brief 7 MB
/// on top of the read's peak; sorting their positions and then moving each
/// element once along the cycles of the permutation needs no copy.
fn sort_stably<T>(list: &mut [T], compare: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if list.is_sorted_by(|a, b| compare(a, b).is_le()) {
        return;
    }
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by(|&a, &b| compare(&list[a], &list[b]));
    // Position `i` takes the element at `order[i]`; a position whose
    // element is in place is marked by `order[i] == i`.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            order[at] = at;
            list.swap(at, from);
            at = from;
        }
        order[at] = at;
    }
}

/// Something present in a database that pgrift does not model, so the user
/// knows the diff does not cover it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Warning {
    /// What kind of object it is (`domain`, `policy`, `privileges` …).
    pub kind: String,
    /// The object, as a user would name it (`public.us_postal_code`).
    pub object: String,
    pub message: String,
}

impl Catalog {
    /// Leaves out the schema `schema` with its tables and everything on
    /// them, as [`Catalog::leave_out_tables`] does; returns whether the
    /// schema was there. For a schema that a tool keeps for itself (the
    /// deployment history), which holds nothing but tables.
    pub fn leave_out_schema(&mut self, schema: &str) -> bool {
        self.leave_out_tables(|table| table.schema == schema);
        let id = ObjectId::Schema {
            name: Name::from(schema),
        };
        let before = self.schemas.len();
        self.schemas.retain(|s| s.name != schema);
        self.dependencies
            .retain(|d| d.dependent != id && d.referenced != id);
        self.schemas.len() != before
    }

    /// The table called `name`. Like the other lookups by name, it expects a
    /// normalized catalog (every list sorted by its key), which introspection
    /// and snapshot files give, and searches it by bisection.
    pub fn table(&self, name: &QualName) -> Option<&Table> {
        find_sorted(&self.tables, name, |t| &t.name)
    }

    pub fn index(&self, name: &QualName) -> Option<&Index> {
        find_sorted(&self.indexes, name, |i| &i.name)
    }

    pub fn view(&self, name: &QualName) -> Option<&View> {
        find_sorted(&self.views, name, |v| &v.name)
    }

    pub fn sequence(&self, name: &QualName) -> Option<&Sequence> {
        find_sorted(&self.sequences, name, |s| &s.name)
    }

    /// The policies on the table called `name`, sorted by name.
    pub fn policies_on(&self, table: &QualName) -> &[Policy] {
        range_sorted(&self.policies, table, |p| &p.table)
    }

    /// The policy called `name` on `table`.
    pub fn policy(&self, table: &QualName, name: &str) -> Option<&Policy> {
        let on = self.policies_on(table);
        on.binary_search_by(|p| p.name.as_str().cmp(name))
            .ok()
            .map(|i| &on[i])
    }

    /// Every overload of the function (or procedure) called `name`.
    pub fn functions_named(&self, name: &QualName) -> &[Function] {
        range_sorted(&self.functions, name, |f| &f.name)
    }

    /// The function called `name` whose identity arguments are `args`.
    pub fn function(&self, name: &QualName, args: &str) -> Option<&Function> {
        self.functions_named(name)
            .iter()
            .find(|f| f.identity_args == args)
    }
}

/// The element of `list`, sorted by `key`, whose key is `name`.
fn find_sorted<'a, T>(
    list: &'a [T],
    name: &QualName,
    key: impl Fn(&T) -> &QualName,
) -> Option<&'a T> {
    list.binary_search_by(|item| key(item).cmp(name))
        .ok()
        .map(|i| &list[i])
}

/// The elements of `list`, sorted by `key`, whose key is `name`.
fn range_sorted<'a, T>(list: &'a [T], name: &QualName, key: impl Fn(&T) -> &QualName) -> &'a [T] {
    let start = list.partition_point(|item| key(item) < name);
    let end = start + list[start..].partition_point(|item| key(item) == name);
    &list[start..end]
}

#[cfg(test)]
mod tests {
    use super::sort_stably;

    /// The sort through the permutation's cycles gives what the standard
    /// stable sort gives, equal keys in their first order, for lists made
    /// of cycles of every length.
    #[test]
    fn sort_stably_matches_the_standard_stable_sort() {
        for n in 0..40u32 {
            // Keys with repeats (by `% 7`), in an order that a multiplier
            // coprime to the length scatters over several cycles.
            let list: Vec<(u32, u32)> = (0..n).map(|i| ((i * 17 + 5) % 7, i)).collect();
            let mut expected = list.clone();
            expected.sort_by_key(|&(key, _)| key);
            let mut sorted = list;
            sort_stably(&mut sorted, |a, b| a.0.cmp(&b.0));
            assert_eq!(sorted, expected, "{n} elements");
        }
    }
}
