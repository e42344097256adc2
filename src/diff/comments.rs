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

/// The comments of a newly created object, if it has any.
pub fn on_create(obj: Obj<'_>) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = target_and_text(obj)
        .filter(|(_, text)| text.is_some())
        .map(|(target, text)| comment(target, text))
        .into_iter()
        .collect();
    if let Obj::View(view) = obj {
        stmts.extend(view.column_comments.iter().map(|c| {
            comment(
                CommentTarget::Column(view.name.clone(), Ident(c.column.clone())),
                &Some(c.comment.clone()),
            )
        }));
    }
    stmts
}

/// The statements that turn `old`'s comments into `new`'s.
pub fn changed(old: Obj<'_>, new: Obj<'_>) -> Vec<Stmt> {
    let mut stmts = Vec::new();
    if let (Some((_, before)), Some((target, after))) = (target_and_text(old), target_and_text(new))
        && before != after
    {
        stmts.push(comment(target, after));
    }
    if let (Obj::View(old), Obj::View(new)) = (old, new) {
        let text_of = |view: &crate::catalog::View, column: &str| {
            view.column_comments
                .iter()
                .find(|c| c.column == column)
                .map(|c| c.comment.clone())
        };
        let mut columns: Vec<&String> = old
            .column_comments
            .iter()
            .chain(&new.column_comments)
            .map(|c| &c.column)
            .collect();
        columns.sort();
        columns.dedup();
        for column in columns {
            let after = text_of(new, column);
            if text_of(old, column) != after {
                stmts.push(comment(
                    CommentTarget::Column(new.name.clone(), Ident(column.clone())),
                    &after,
                ));
            }
        }
    }
    stmts
}
