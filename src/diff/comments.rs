//! Comments on every commentable object.

use super::Obj;
use crate::sql::{CommentTarget, Ident, Literal, ServerSql, Stmt};

/// The comment of an object that can have one.
fn text<'a>(obj: Obj<'a>) -> Option<&'a Option<String>> {
    Some(match obj {
        Obj::Schema(s) => &s.comment,
        Obj::Type(t) => &t.comment,
        Obj::Sequence(s) => &s.comment,
        Obj::Table(t) => &t.comment,
        Obj::Column(_, c) => &c.comment,
        Obj::Constraint(_, c) => &c.comment,
        Obj::Index(i) => &i.comment,
        Obj::View(v) => &v.comment,
        Obj::Function(f) => &f.comment,
        Obj::Trigger(t) => &t.comment,
        Obj::Extension(_) | Obj::Default(..) => return None,
    })
}

/// What `COMMENT ON` names for an object that can have a comment. Built
/// only for a comment that is written: most objects' comments do not change.
fn target(obj: Obj<'_>) -> Option<CommentTarget> {
    Some(match obj {
        Obj::Schema(s) => CommentTarget::Schema(Ident(s.name.clone())),
        Obj::Type(t) => CommentTarget::Type(t.name.clone()),
        Obj::Sequence(s) => CommentTarget::Sequence(s.name.clone()),
        Obj::Table(t) => CommentTarget::Table(t.name.clone()),
        Obj::Column(t, c) => CommentTarget::Column(t.name.clone(), Ident(c.name.to_string())),
        Obj::Constraint(t, c) => {
            CommentTarget::Constraint(t.name.clone(), Ident(c.name.to_string()))
        }
        Obj::Index(i) => CommentTarget::Index(i.name.clone()),
        Obj::View(v) => CommentTarget::View {
            name: v.name.clone(),
            materialized: v.materialized,
        },
        Obj::Function(f) => CommentTarget::Function {
            kind: f.kind,
            name: f.name.clone(),
            args: ServerSql(f.identity_args.clone()),
        },
        Obj::Trigger(t) => CommentTarget::Trigger(t.table.clone(), Ident(t.name.clone())),
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
    let mut stmts: Vec<Stmt> = text(obj)
        .filter(|text| text.is_some())
        .zip(target(obj))
        .map(|(text, target)| comment(target, text))
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
    if let (Some(before), Some(after)) = (text(old), text(new))
        && before != after
        && let Some(target) = target(new)
    {
        stmts.push(comment(target, after));
    }
    if let (Obj::View(old), Obj::View(new)) = (old, new)
        && old.column_comments != new.column_comments
    {
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
