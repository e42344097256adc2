//! Sequences: options, persistence and privileges alter in place; `OWNED BY` is set once the owning
//! column exists, as a change of its own.
//!
//! Sequences are read by `introspect::sequences`, together with the
//! identity columns they back.

use serde::{Deserialize, Serialize};

use super::acl::{self, Acl};
use super::owner;
use super::{
    Catalog, Delta, Follows, Holder, Ix, Key, Obj, ObjectId, ObjectKind, Objects, Shape, Shown,
};
use crate::names::{ColumnRef, Name, QualName, SequenceOptions};
use crate::sql::verify::Shape as TextShape;
use crate::sql::{
    CommentTarget, GrantTarget, Keyword, ObjectAction, ObjectName, OwnedObject, Stmt,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualName,
    pub options: SequenceOptions,
    /// The column this sequence is `OWNED BY`, if any.
    pub owned_by: Option<ColumnRef>,
    /// `UNLOGGED` (PostgreSQL 15). A sequence owned by a column of an
    /// unlogged table is created unlogged with it, and changes with it, so
    /// it is not counted as unlogged of its own (nor on 14, where it stays
    /// logged).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlogged: bool,
    pub comment: Option<String>,
    /// Its privileges (see `acl.rs`).
    #[serde(default, skip_serializing_if = "Acl::is_default")]
    pub acl: Acl,
    /// Its owner; `None` for whoever runs the script (see `owner.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Name>,
}

fn grant_target(sequence: &Sequence) -> GrantTarget {
    GrantTarget::Sequence(sequence.name.clone())
}

fn owned(sequence: &Sequence) -> OwnedObject {
    owner::named("SEQUENCE", &sequence.name)
}

/// Options, persistence, privileges, then the owner alter in place. A
/// sequence owned by a column has its table's owner, and PostgreSQL refuses
/// to change it on its own: the table's `OWNER TO` carries it along.
pub fn compare(old: &Sequence, new: &Sequence) -> Delta {
    let persistence: Vec<Stmt> = (old.unlogged != new.unlogged)
        .then(|| Stmt::AlterObject {
            object: ObjectName {
                keyword: Keyword("SEQUENCE"),
                name: new.name.clone(),
            },
            action: ObjectAction::SetLogged(!new.unlogged),
        })
        .into_iter()
        .collect();
    let owner = if old.owned_by.is_some() {
        Vec::new()
    } else {
        owner::alter(old.owner.as_ref(), new.owner.as_ref(), || owned(new))
    };
    compare_options(old, new)
        .and(persistence)
        .and(acl::alter(
            &old.acl,
            &new.acl,
            &grant_target(new),
            old.owner.as_ref(),
        ))
        .and(owner)
}

fn compare_options(old: &Sequence, new: &Sequence) -> Delta {
    if old.options == new.options {
        // An ownership change alone is carried by the finishing change.
        return if old.owned_by == new.owned_by {
            Delta::Same
        } else {
            Delta::Alter(Vec::new())
        };
    }
    let alter = |options: SequenceOptions| Stmt::AlterSequence {
        name: new.name.clone(),
        options,
    };
    Delta::Alter(rebound(&old.name, &old.options, &new.options, alter))
}

/// The statements that give a sequence (plain, or behind an identity
/// column) new options through `set`, which writes the statement that sets
/// them. PostgreSQL refuses bounds that exclude the current value, so the
/// value moves into the new bounds first: up to a raised `MINVALUE` (never
/// down, which could repeat values already handed out), or down to a
/// lowered `MAXVALUE` as used. When the old and new bounds do not overlap,
/// that move is out of the old bounds too, and the bounds are widened to
/// span both first.
pub fn rebound(
    sequence: &QualName,
    old: &SequenceOptions,
    new: &SequenceOptions,
    set: impl Fn(SequenceOptions) -> Stmt,
) -> Vec<Stmt> {
    let raise_min = new.min_value > old.min_value;
    let lower_max = new.max_value < old.max_value;
    let mut stmts = Vec::new();
    if (raise_min && new.min_value > old.max_value) || (lower_max && new.max_value < old.min_value)
    {
        stmts.push(set(SequenceOptions {
            data_type: wider(&old.data_type, &new.data_type).to_owned(),
            min_value: old.min_value.min(new.min_value),
            max_value: old.max_value.max(new.max_value),
            ..old.clone()
        }));
    }
    if raise_min {
        stmts.push(Stmt::SequenceAtLeast {
            name: sequence.clone(),
            value: new.min_value,
        });
    }
    if lower_max {
        stmts.push(Stmt::SequenceAtMost {
            name: sequence.clone(),
            value: new.max_value,
        });
    }
    stmts.push(set(new.clone()));
    stmts
}

/// The range of a sequence's integer type.
pub fn type_range(data_type: &str) -> (i64, i64) {
    match data_type {
        "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "integer" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// The wider of two sequence types.
fn wider<'t>(a: &'t str, b: &'t str) -> &'t str {
    if type_range(b).1 > type_range(a).1 {
        b
    } else {
        a
    }
}

pub fn create(sequence: &Sequence) -> Vec<Stmt> {
    let mut stmts = vec![Stmt::CreateSequence {
        name: sequence.name.clone(),
        options: sequence.options.clone(),
        unlogged: sequence.unlogged,
    }];
    stmts.extend(acl::on_create(&sequence.acl, &grant_target(sequence), None));
    // Before its `OWNED BY`, which wants the table's owner.
    stmts.extend(owner::on_create(sequence.owner.as_ref(), || {
        owned(sequence)
    }));
    stmts
}

pub fn drop(sequence: &Sequence) -> Vec<Stmt> {
    vec![Stmt::DropSequence(sequence.name.clone())]
}

/// `OWNED BY` for a new sequence that has an owner.
pub fn owned_by(sequence: &Sequence) -> Option<Stmt> {
    sequence.owned_by.as_ref().map(|_| owned_by_stmt(sequence))
}

/// `OWNED BY` (or `OWNED BY NONE`) for a sequence whose owner changes.
pub fn owned_by_change(sequence: &Sequence) -> Option<Stmt> {
    Some(owned_by_stmt(sequence))
}

fn owned_by_stmt(sequence: &Sequence) -> Stmt {
    Stmt::AlterSequenceOwnedBy {
        name: sequence.name.clone(),
        owner: sequence.owned_by.clone(),
    }
}

impl<'a> ObjectKind<'a> for Sequence {
    type Ref = &'a Sequence;
    const NOUN: &'static str = "sequence";
    const SHAPE: Shape = Shape::Qualified;
    const FOLLOWS: Follows = Follows::Stays;
    const MODELS: &'static [&'static str] = &["persistence"];

    fn each(catalog: &'a Catalog, out: &mut Vec<Obj<'a>>) {
        out.extend(catalog.sequences.iter().map(Obj::Sequence));
    }

    fn key(sequence: &'a Sequence) -> [&'a str; 3] {
        [&sequence.name.schema, &sequence.name.name, ""]
    }

    fn container(sequence: &'a Sequence) -> Holder<'a> {
        Holder::schema(&sequence.name.schema)
    }

    fn named_container(parts: [&str; 3], container: Key<'_>) -> bool {
        container.is_schema_of(parts)
    }

    fn table(_: &'a Sequence) -> Option<&'a QualName> {
        None
    }

    fn claimed_names(sequence: &'a Sequence) -> Vec<QualName> {
        vec![sequence.name.clone()]
    }

    fn created_acl(x: &'a Sequence) -> Option<super::CreatedAcl<'a>> {
        Some(super::CreatedAcl {
            acl: &x.acl,
            target: grant_target(x),
            objects: crate::names::DefaultObjects::Sequences,
            schema: Some(&x.name.schema),
        })
    }

    fn compare(old: &'a Sequence, new: &'a Sequence) -> Delta {
        compare(old, new)
    }

    fn create(sequence: &'a Sequence) -> Vec<Stmt> {
        create(sequence)
    }

    fn drop(sequence: &'a Sequence) -> Vec<Stmt> {
        drop(sequence)
    }

    /// A sequence `OWNED BY` a column goes with the column.
    fn dropped_with(sequence: &'a Sequence, _: &Objects<'a>, _: Ix) -> Option<ObjectId> {
        sequence.owned_by.as_ref().map(|owner| ObjectId::Column {
            table: owner.table.clone(),
            column: owner.column.as_str().into(),
        })
    }

    fn created_with(_: &'a Sequence) -> Option<ObjectId> {
        None
    }

    fn comment(sequence: &'a Sequence) -> Option<&'a Option<String>> {
        Some(&sequence.comment)
    }

    fn comment_target(sequence: &'a Sequence) -> Option<CommentTarget> {
        Some(CommentTarget::Sequence(sequence.name.clone()))
    }

    fn shown(_: &'a Sequence) -> Option<Shown> {
        None
    }

    fn finish_create(sequence: &'a Sequence) -> Option<Stmt> {
        owned_by(sequence)
    }

    fn finish_alter(old: &'a Sequence, new: &'a Sequence) -> Vec<Stmt> {
        if old.owned_by == new.owned_by {
            return Vec::new();
        }
        owned_by_change(new).into_iter().collect()
    }

    fn deparsed(sequence: &'a Sequence) -> Vec<(&'a str, TextShape)> {
        vec![(&sequence.options.data_type, TextShape::Fragment)]
    }
}
