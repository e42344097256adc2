//! Comments on every commentable object.

use super::Obj;
use crate::sql::{CommentTarget, Ident, Literal, ServerSql, Stmt};

fn target_and_text<'a>(obj: Obj<'a>) -> Option<(CommentTarget, &'a Option<String>)> {
    Some(match obj {
        Obj::Schema(s) => (CommentTarget::Schema(Ident(s.name.clone())), &s.comment),
        Obj::Type(t) => (CommentTarget::Type(t.name.clone()), &t.comment),
        Obj::Sequence(s) => (CommentTarget::Sequence(s.name.clone()), &s.comment),
        Obj::Table(t) => (CommentTarget::Table(t.name.clone()), &t.comment),
        Obj::Column(t, c) => (
            CommentTarget::Column(t.name.clone(), Ident(c.name.clone())),
            &c.comment,
        ),
        Obj::Constraint(t, c) => (
            CommentTarget::Constraint(t.name.clone(), Ident(c.name.clone())),
            &c.comment,
        ),
        Obj::Index(i) => (CommentTarget::Index(i.name.clone()), &i.comment),
        Obj::View(v) => (
            CommentTarget::View {
                name: v.name.clone(),
                materialized: v.materialized,
            },
            &v.comment,
        ),
        Obj::Function(f) => (
            CommentTarget::Function {
                kind: f.kind,
                name: f.name.clone(),
                args: ServerSql(f.identity_args.clone()),
            },
            &f.comment,
        ),
        Obj::Trigger(t) => (
            CommentTarget::Trigger(t.table.clone(), Ident(t.name.clone())),
            &t.comment,
        ),
        Obj::Extension(_) | Obj::Default(..) => return None,
    })
}

fn comment(target: CommentTarget, text: &Option<String>) -> Stmt {
    Stmt::Comment {
        target,
        text: text.clone().map(Literal),
    }
}

/// The comment of a newly created object, if it has one.
pub fn on_create(obj: Obj<'_>) -> Option<Stmt> {
    let (target, text) = target_and_text(obj)?;
    text.is_some().then(|| comment(target, text))
}

/// The statement that turns `old`'s comment into `new`'s, if they differ.
pub fn changed(old: Obj<'_>, new: Obj<'_>) -> Option<Stmt> {
    let (_, before) = target_and_text(old)?;
    let (target, after) = target_and_text(new)?;
    (before != after).then(|| comment(target, after))
}
