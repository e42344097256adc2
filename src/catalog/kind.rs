//! What every object kind says about itself: [`ObjectKind`] for the diff,
//! [`ReadKind`] for a kind whose catalog query is in its own file.
//!
//! The methods that decide something for the diff have no default, so a new
//! kind that forgets one does not compile; the few with a default are hooks
//! that only one or two kinds need, and their default is what every other
//! kind does.

use std::fmt;

use super::acl::Acl;
use super::objects::{Ix, Key, Objects};
use super::{Catalog, Obj, ObjectId, Tag};
use crate::names::{DefaultObjects, QualName, TriggerEnabled};
use crate::read::{IntrospectError, Reader};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{CommentTarget, GrantTarget, Ident, Keyword, Literal, ObjectName, Stmt};

use super::address::{ClassIds, ObjectMap};

/// How an object present on both sides compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delta {
    Same,
    /// Altered in place by these statements.
    Alter(Vec<Stmt>),
    /// Dropped and created again.
    Replace,
}

impl Delta {
    /// This delta with `stmts` (privileges, an owner) altered in place
    /// after what it alters; a replaced object is created with them.
    pub fn and(self, stmts: Vec<Stmt>) -> Delta {
        match self {
            _ if stmts.is_empty() => self,
            Delta::Same => Delta::Alter(stmts),
            Delta::Alter(mut before) => {
                before.extend(stmts);
                Delta::Alter(before)
            }
            Delta::Replace => Delta::Replace,
        }
    }
}

/// How an identity reads in a message, from its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One name: a schema, an extension.
    Name,
    /// A schema-qualified name: `public.users`.
    Qualified,
    /// A part of a table: `public.users.email`.
    Member,
    /// An object named within a table: `users_pkey on public.users`.
    On,
    /// A function and its arguments: `public.f(integer)`.
    Call,
    /// A cast by its two types, which the server printed: `(text AS
    /// public.mood)`.
    Cast,
    /// Default privileges by their schema, role and kind of objects:
    /// `on tables of app in schema s`; an empty role is the role that runs
    /// the script, an empty schema every schema.
    Defaults,
    /// An operator by its symbol, which is never quoted, and its argument
    /// types: `public.===(integer, integer)`.
    Operator,
    /// An operator family or class with its access method: `public.ops
    /// USING btree`.
    Using,
    /// A user mapping by its server and role (empty for `PUBLIC`): `for
    /// app on server remote`.
    Mapping,
}

impl Shape {
    /// Writes an identity's parts as SQL names.
    pub(super) fn write(self, f: &mut fmt::Formatter<'_>, [a, b, c]: [&str; 3]) -> fmt::Result {
        let q = crate::quote::quote_ident;
        match self {
            Shape::Name => write!(f, "{}", q(a)),
            Shape::Qualified => write!(f, "{}.{}", q(a), q(b)),
            Shape::Member => write!(f, "{}.{}.{}", q(a), q(b), q(c)),
            Shape::On => write!(f, "{} on {}.{}", q(c), q(a), q(b)),
            Shape::Call => write!(f, "{}.{}({c})", q(a), q(b)),
            Shape::Cast => write!(f, "({a} AS {b})"),
            Shape::Defaults => {
                match b {
                    "" => write!(f, "on {c} of the role that runs the script")?,
                    role => write!(f, "on {c} of {}", q(role))?,
                }
                match a {
                    "" => Ok(()),
                    schema => write!(f, " in schema {}", q(schema)),
                }
            }
            Shape::Operator => write!(f, "{}.{b}({c})", q(a)),
            Shape::Using => write!(f, "{}.{} USING {}", q(a), q(b), q(c)),
            Shape::Mapping if b.is_empty() => write!(f, "for PUBLIC on server {}", q(a)),
            Shape::Mapping => write!(f, "for {} on server {}", q(b), q(a)),
        }
    }
}

/// What becomes of an object when something it depends on is dropped,
/// replaced or retyped (see `diff::close_over_dependents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follows {
    /// Never replaced because of a dependency: it holds data or other
    /// objects (a table, a schema), or PostgreSQL keeps it (a sequence).
    Stays,
    /// Dropped first and created again afterwards.
    Replaced,
    /// Rebuilt by PostgreSQL itself when a column it is on changes type, so
    /// replaced only when the column is dropped or replaced.
    RebuiltWithColumn,
    /// A column: retyped when its enum type or domain is recreated,
    /// replaced when it is generated from a column that changes.
    Column,
}

/// The object that structurally holds another, as the diff looks it up.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    /// Held by nothing (a schema).
    Nothing,
    /// Held by the object with this identity.
    Object(Key<'a>),
    /// Held by the table, or else the view, of this name.
    Relation(&'a QualName),
}

impl<'a> Holder<'a> {
    /// Held by the schema called `name`.
    pub fn schema(name: &'a str) -> Holder<'a> {
        Holder::Object(Key(Tag::Schema, [name, "", ""]))
    }

    /// Held by the table called `name`.
    pub fn table(name: &'a QualName) -> Holder<'a> {
        Holder::Object(Key(Tag::Table, [&name.schema, &name.name, ""]))
    }
}

/// The privileges of an object a script creates, as default privileges
/// see it: what it should hold, what grants them, the kind of objects and
/// the schema it is in (none for a schema).
#[derive(Debug, Clone)]
pub struct CreatedAcl<'a> {
    pub acl: &'a Acl,
    pub target: GrantTarget,
    pub objects: DefaultObjects,
    pub schema: Option<&'a str>,
}

/// A definition the review report shows and compares between FROM and TO.
#[derive(Debug, Clone)]
pub struct Shown {
    /// What the report calls the object (`view`, `materialized view` …).
    pub kind: &'static str,
    /// The statements that create it as it is.
    pub statements: Vec<Stmt>,
}

/// One kind of object, as the diff sees it.
pub trait ObjectKind<'a> {
    /// An object of this kind borrowed from a catalog: the object, and for
    /// a part of a table the table too.
    type Ref: Copy;

    /// The noun a user reads in a message (`table`, `column` …).
    const NOUN: &'static str;
    /// How the identity reads.
    const SHAPE: Shape;
    /// What becomes of it when something it depends on changes.
    const FOLLOWS: Follows;
    /// The labels of the warnings (`introspect::warnings`) for what this
    /// kind models, which are then no longer raised.
    const MODELS: &'static [&'static str];

    /// Every object of this kind in `catalog`, in the order of its lists.
    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>);

    /// The identity's parts: the fields of its `ObjectId` in order, each
    /// qualified name as two parts, unused parts empty.
    fn key(obj: Self::Ref) -> [&'a str; 3];

    /// What structurally holds it.
    fn container(obj: Self::Ref) -> Holder<'a>;

    /// Whether `container` is the object that an identity of this kind,
    /// given by its parts, names as holding it: that `pg_depend` edge says
    /// no more than the name does.
    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool;

    /// The table it is, or belongs to.
    fn table(obj: Self::Ref) -> Option<&'a QualName>;

    /// The names it takes in its schema's namespace of relations and types,
    /// so that a drop that frees a name is ordered before a create that
    /// takes it.
    fn claimed_names(obj: Self::Ref) -> Vec<QualName>;

    /// How the object compares between FROM and TO.
    fn compare(old: Self::Ref, new: Self::Ref) -> Delta;

    /// The statements that create it.
    fn create(obj: Self::Ref) -> Vec<Stmt>;

    /// The statements that drop it.
    fn drop(obj: Self::Ref) -> Vec<Stmt>;

    /// The object whose drop also drops this one, if that object is
    /// dropped (see `diff::resolve_absorption`).
    fn dropped_with(obj: Self::Ref, objects: &Objects<'a>, i: Ix) -> Option<ObjectId>;

    /// The object whose create also creates this one, if that object is
    /// created: a column inside `CREATE TABLE`.
    fn created_with(obj: Self::Ref) -> Option<ObjectId>;

    /// Its comment, for a kind that can have one.
    fn comment(obj: Self::Ref) -> Option<&'a Option<String>>;

    /// What `COMMENT ON` names, for a kind that can have a comment.
    fn comment_target(obj: Self::Ref) -> Option<CommentTarget>;

    /// The definition the review report shows, for a kind whose definition
    /// a reviewer reads.
    fn shown(obj: Self::Ref) -> Option<Shown>;

    /// Every piece of text in the object that PostgreSQL deparsed (a type,
    /// an expression, a definition), with the shape it must have. A
    /// snapshot file may hold anything, and this text is copied into
    /// scripts as it is: a snapshot is refused unless each piece has its
    /// shape (`sql::verify`).
    fn deparsed(obj: Self::Ref) -> Vec<(&'a str, TextShape)>;

    /// The comments of a newly created object.
    fn comments_on_create(obj: Self::Ref) -> Vec<Stmt> {
        match (Self::comment(obj), Self::comment_target(obj)) {
            (Some(text @ Some(_)), Some(target)) => vec![comment(target, text)],
            _ => Vec::new(),
        }
    }

    /// The statements that turn `old`'s comments into `new`'s. An object
    /// set aside and created again has the comments of a new one.
    fn comments_changed(old: Self::Ref, new: Self::Ref) -> Vec<Stmt> {
        if Self::sets_aside(old, new) {
            return Self::comments_on_create(new);
        }
        match (Self::comment(old), Self::comment(new)) {
            (Some(before), Some(after)) if before != after => Self::comment_target(new)
                .map(|target| comment(target, after))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Work that must wait until everything else is created: a sequence's
    /// `OWNED BY`, once its column exists.
    fn finish_create(_obj: Self::Ref) -> Option<Stmt> {
        None
    }

    /// The privileges a new object of a kind that default privileges are
    /// for gets from its `CREATE`, and what it is then (see
    /// `default_acl::settle`).
    fn created_acl(_obj: Self::Ref) -> Option<CreatedAcl<'a>> {
        None
    }

    /// Every object with privileges its `CREATE` makes: the object's own
    /// (`created_acl`), and those that come with it (the sequence of an
    /// identity column).
    fn created_acls(obj: Self::Ref) -> Vec<CreatedAcl<'a>> {
        Self::created_acl(obj).into_iter().collect()
    }

    /// Work that must follow an alter and everything done to the object's
    /// dependents: dropping the old copy of a recreated enum.
    fn finish_alter(_old: Self::Ref, _new: Self::Ref) -> Vec<Stmt> {
        Vec::new()
    }

    /// The names an alter frees and takes (an identity column's sequence).
    fn alter_names(_old: Self::Ref, _new: Self::Ref) -> (Vec<QualName>, Vec<QualName>) {
        (Vec::new(), Vec::new())
    }

    /// Whether `old` becomes `new` by being renamed aside and created
    /// again under its name, its columns moved over and the old one
    /// dropped: a type that cannot change in place (an enum losing a
    /// label, a domain's new base type). Its dependents then go as for a
    /// drop, and its comments are those of a new object.
    fn sets_aside(_old: Self::Ref, _new: Self::Ref) -> bool {
        false
    }

    /// Whether an alter makes the object's dependents go away, as a drop
    /// would (a column's type change, a type set aside).
    fn alter_spreads(old: Self::Ref, new: Self::Ref, _statements: &[Stmt]) -> bool {
        Self::sets_aside(old, new)
    }
}

/// How an object that is a definition the server prints plus whether it
/// fires (a trigger, a rule) compares: a new definition replaces it, and a
/// new state alters it with `enable`.
pub fn compare_firing(
    (old_definition, old_enabled): (&str, TriggerEnabled),
    (new_definition, new_enabled): (&str, TriggerEnabled),
    enable: impl FnOnce() -> Stmt,
) -> Delta {
    if old_definition != new_definition {
        Delta::Replace
    } else if old_enabled != new_enabled {
        Delta::Alter(vec![enable()])
    } else {
        Delta::Same
    }
}

/// The statements that create such an object: `create`, then its state
/// when that is not origin mode, in which a new one fires.
pub fn create_firing(
    create: Stmt,
    enabled: TriggerEnabled,
    enable: impl FnOnce() -> Stmt,
) -> Vec<Stmt> {
    let mut stmts = vec![create];
    stmts.extend((enabled != TriggerEnabled::Origin).then(enable));
    stmts
}

/// `ALTER keyword name RENAME TO` the name it is set aside under: a type,
/// or a collation.
pub fn rename_aside(keyword: &'static str, name: &QualName) -> Stmt {
    Stmt::RenameAside {
        object: ObjectName {
            keyword: Keyword(keyword),
            name: name.clone(),
        },
        new_name: Ident(name.set_aside().name.to_string()),
    }
}

/// `COMMENT ON target IS text`, or `IS NULL` to remove it.
pub fn comment(target: CommentTarget, text: &Option<String>) -> Stmt {
    Stmt::Comment {
        target,
        text: text.clone().map(Literal),
    }
}

/// A kind whose catalog query and row mapping are in its own file; the
/// generic read in `introspect` runs the query with the others and builds
/// the objects in registry order.
pub trait ReadKind: Sized {
    /// A row as read, with the OIDs that building needs.
    type Raw: Send;
    /// What the query reads, for errors (`triggers`).
    const WHAT: &'static str;
    /// The query.
    const QUERY: &'static str;
    /// Where an object of this kind would be if the database had one: a
    /// `FROM` list with its `WHERE` clause, over the system catalog the
    /// kind is read from, that has a row for every object of the kind
    /// made after `initdb` (whose OIDs start at 16384), and may have more.
    /// The read asks for all kinds at once whether there is such a row,
    /// and runs the query of a kind only if there is: a query planned and
    /// run for nothing costs the server about a millisecond, and most
    /// schemas have no text search parsers, operator classes or foreign
    /// servers of their own. `None` runs the query always: for a kind that
    /// `initdb` makes objects of (schemas, extensions), or whose objects
    /// take about as long to look for as to read (composite types).
    const FOUND_IN: Option<&'static str>;
    /// The query for a server of this `server_version_num`, for a kind
    /// whose catalogs differ between versions.
    fn query(_server_version_num: i32) -> &'static str {
        Self::QUERY
    }
    /// The query for a session that may read what PostgreSQL shows only to
    /// a superuser (a subscription's connection string) if `reads_secrets`,
    /// for a kind that reads such a column.
    fn query_as(server_version_num: i32, _reads_secrets: bool) -> &'static str {
        Self::query(server_version_num)
    }
    /// Reads one row of the query.
    fn raw(row: &Reader<'_>, server_version_num: i32) -> Result<Self::Raw, IntrospectError>;
    /// Builds the objects of the rows, registering their `pg_depend`
    /// addresses. Tables, with their columns and constraints, and the kinds
    /// earlier in the registry's `read` list are registered already.
    fn build(
        rows: Vec<Self::Raw>,
        classes: &ClassIds,
        objects: &mut ObjectMap,
    ) -> Result<Vec<Self>, IntrospectError>;
}

/// The methods of [`ObjectKind`] that are the same for every kind of
/// object that is nothing's part and claims no name in the namespace of
/// relations and types: nothing drops or creates it along with itself.
macro_rules! stands_alone {
    ($type:ty) => {
        fn table(_: &'a $type) -> Option<&'a QualName> {
            None
        }

        /// Its kind has a namespace of its own, apart from relations and
        /// types.
        fn claimed_names(_: &'a $type) -> Vec<QualName> {
            Vec::new()
        }

        fn dropped_with(_: &'a $type, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
            None
        }

        fn created_with(_: &'a $type) -> Option<ObjectId> {
            None
        }
    };
}

/// The methods of [`ObjectKind`] for an object of the database that is in
/// no schema (a cast, a publication, an event trigger), besides those of
/// [`stands_alone!`].
macro_rules! in_no_schema {
    ($type:ty) => {
        fn container(_: &'a $type) -> Holder<'a> {
            Holder::Nothing
        }

        fn named_container(_: [&str; 3], _: Key<'_>) -> bool {
            false
        }

        stands_alone!($type);
    };
}

/// The methods of [`ObjectKind`] for an object of the database in no
/// schema that its keyword and `name` alone name (`SERVER remote`) and that
/// holds a `comment` (a foreign-data wrapper, a foreign server), besides
/// those of [`in_no_schema!`]: its identity, its drop and comment by the
/// file's `KEYWORD` and `ident(&x)`, its create as the report shows it,
/// and no deparsed text, since it holds only names and literals, which
/// scripts quote.
macro_rules! keyword_object {
    ($type:ty, $noun:literal) => {
        fn key(x: &'a $type) -> [&'a str; 3] {
            [&x.name, "", ""]
        }

        in_no_schema!($type);

        fn drop(x: &'a $type) -> Vec<Stmt> {
            vec![Stmt::DropGlobal(KEYWORD, ident(x))]
        }

        fn comment(x: &'a $type) -> Option<&'a Option<String>> {
            Some(&x.comment)
        }

        fn comment_target(x: &'a $type) -> Option<CommentTarget> {
            Some(CommentTarget::Global(KEYWORD, ident(x)))
        }

        fn shown(x: &'a $type) -> Option<Shown> {
            Some(Shown {
                kind: $noun,
                statements: Self::create(x),
            })
        }

        fn deparsed(_: &'a $type) -> Vec<(&'a str, TextShape)> {
            Vec::new()
        }
    };
}

/// The identity and container methods of [`ObjectKind`] for an object
/// of a schema whose identity is its `name` and one more part, `$part`:
/// the argument types of an overloaded function, aggregate or operator,
/// or the access method of an operator family or class.
macro_rules! in_schema_with {
    ($type:ty, $part:ident) => {
        fn key(x: &'a $type) -> [&'a str; 3] {
            [&x.name.schema, &x.name.name, &x.$part]
        }

        fn container(x: &'a $type) -> Holder<'a> {
            Holder::schema(&x.name.schema)
        }

        fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
            container.is_schema_of(parts)
        }
    };
}

/// The methods of [`ObjectKind`] that are the same for an operator family
/// and an operator class: its identity is its `name` and access method
/// (`method`), it is nothing's part, it holds a `comment`, and the file's
/// `object` names it for `DROP` and `COMMENT ON`.
macro_rules! named_using_method {
    ($type:ty) => {
        in_schema_with!($type, method);

        stands_alone!($type);

        fn drop(x: &'a $type) -> Vec<Stmt> {
            vec![Stmt::DropUsing(object(x))]
        }

        fn comment(x: &'a $type) -> Option<&'a Option<String>> {
            Some(&x.comment)
        }

        fn comment_target(x: &'a $type) -> Option<CommentTarget> {
            Some(CommentTarget::Using(object(x)))
        }
    };
}

/// The methods of [`ObjectKind`] that are the same for every kind of
/// object that lives in a schema, in a namespace of its own (a collation,
/// a text search dictionary), and is nothing's part: its identity is its
/// `name`, it holds a `comment`, and the file's `object(&QualName)` names
/// it for `DROP` and `COMMENT ON`.
macro_rules! own_namespace_object {
    ($type:ty) => {
        fn key(x: &'a $type) -> [&'a str; 3] {
            [&x.name.schema, &x.name.name, ""]
        }

        fn container(x: &'a $type) -> Holder<'a> {
            Holder::schema(&x.name.schema)
        }

        fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
            container.is_schema_of(parts)
        }

        stands_alone!($type);

        fn drop(x: &'a $type) -> Vec<Stmt> {
            vec![Stmt::DropObject(object(&x.name))]
        }

        fn comment(x: &'a $type) -> Option<&'a Option<String>> {
            Some(&x.comment)
        }

        fn comment_target(x: &'a $type) -> Option<CommentTarget> {
            Some(CommentTarget::Object(object(&x.name)))
        }
    };
}

/// The methods of [`ObjectKind`] for an object that is nothing but the
/// functions it is made of (a text search parser or template), which
/// PostgreSQL cannot alter: the file's `definition(&x)` creates it, any
/// other definition replaces it, the report shows it as `$noun`, and it
/// holds no deparsed text, since its functions are names, which scripts
/// quote.
macro_rules! made_of_functions {
    ($type:ty, $noun:literal) => {
        fn compare(old: &'a $type, new: &'a $type) -> Delta {
            if definition(old) == definition(new) {
                Delta::Same
            } else {
                Delta::Replace
            }
        }

        fn create(x: &'a $type) -> Vec<Stmt> {
            vec![definition(x)]
        }

        fn shown(x: &'a $type) -> Option<Shown> {
            Some(Shown {
                kind: $noun,
                statements: Self::create(x),
            })
        }

        fn deparsed(_: &'a $type) -> Vec<(&'a str, TextShape)> {
            Vec::new()
        }
    };
}
