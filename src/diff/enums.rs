//! Enum types. Labels added without disturbing the order of the existing
//! ones are added in place (`ADD VALUE … BEFORE/AFTER`); a label removed or
//! moved recreates the type: the old type is renamed aside, the new one is
//! created, columns are retyped through `text`, and the old type is dropped.

use sha2::{Digest, Sha256};

use super::Delta;
use crate::catalog::{EnumType, QualName};
use crate::sql::{EnumPosition, Ident, Literal, Stmt};

pub fn compare(old: &EnumType, new: &EnumType) -> Delta {
    if old.labels == new.labels {
        return Delta::Same;
    }
    if recreates(old, new) {
        return Delta::Alter(vec![
            Stmt::RenameType {
                name: old.name.clone(),
                new_name: Ident(aside_name(&old.name.name)),
            },
            Stmt::CreateEnum {
                name: new.name.clone(),
                labels: labels(new),
            },
        ]);
    }
    let mut stmts = Vec::new();
    for (i, label) in new.labels.iter().enumerate() {
        if old.labels.contains(label) {
            continue;
        }
        let position = match i.checked_sub(1).map(|p| &new.labels[p]) {
            Some(previous) => EnumPosition::After(Literal(previous.clone())),
            None => match new.labels.get(1) {
                Some(next) => EnumPosition::Before(Literal(next.clone())),
                None => EnumPosition::End,
            },
        };
        stmts.push(Stmt::AlterEnumAddValue {
            name: new.name.clone(),
            label: Literal(label.clone()),
            position,
        });
    }
    Delta::Alter(stmts)
}

/// True when labels were removed or the existing ones reordered, which
/// PostgreSQL cannot do in place.
pub fn recreates(old: &EnumType, new: &EnumType) -> bool {
    let kept: Vec<&String> = new
        .labels
        .iter()
        .filter(|l| old.labels.contains(l))
        .collect();
    kept.len() != old.labels.len() || kept.iter().zip(&old.labels).any(|(a, b)| *a != b)
}

/// The statement that ends a recreation: the old type, renamed aside, goes.
pub fn finish_recreate(old: &EnumType) -> Vec<Stmt> {
    vec![Stmt::DropType(QualName::new(
        old.name.schema.clone(),
        aside_name(&old.name.name),
    ))]
}

/// The name the old type takes while columns move to the new one, kept
/// within PostgreSQL's 63-byte limit on identifiers. A name too long to
/// take the suffix whole is cut, and the cut one carries a digest of the
/// whole name: two long names that share their first bytes (two types
/// recreated by one script) must not be set aside under one name.
fn aside_name(name: &str) -> String {
    const SUFFIX: &str = "__pgrift_old";
    if name.len() + SUFFIX.len() <= 63 {
        return format!("{name}{SUFFIX}");
    }
    let digest = hex::encode(&Sha256::digest(name.as_bytes())[..4]);
    let room = 63 - SUFFIX.len() - digest.len() - 1;
    let mut end = room;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_{digest}{SUFFIX}", &name[..end])
}

fn labels(ty: &EnumType) -> Vec<Literal> {
    ty.labels.iter().cloned().map(Literal).collect()
}

pub fn create(ty: &EnumType) -> Vec<Stmt> {
    vec![Stmt::CreateEnum {
        name: ty.name.clone(),
        labels: labels(ty),
    }]
}

pub fn drop(ty: &EnumType) -> Vec<Stmt> {
    vec![Stmt::DropType(ty.name.clone())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(labels: &[&str]) -> EnumType {
        EnumType {
            name: QualName::new("public", "mood"),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            comment: None,
        }
    }

    fn render(delta: Delta) -> Vec<String> {
        match delta {
            Delta::Alter(stmts) => stmts.iter().map(|s| s.to_string()).collect(),
            other => panic!("expected an alter, got {other:?}"),
        }
    }

    #[test]
    fn added_labels_go_in_place() {
        let out = render(compare(&ty(&["b", "d"]), &ty(&["a", "b", "c", "d", "e"])));
        assert_eq!(
            out,
            [
                "ALTER TYPE public.mood ADD VALUE 'a' BEFORE 'b'",
                "ALTER TYPE public.mood ADD VALUE 'c' AFTER 'b'",
                "ALTER TYPE public.mood ADD VALUE 'e' AFTER 'd'",
            ]
        );
    }

    #[test]
    fn removed_or_reordered_labels_recreate() {
        assert!(recreates(&ty(&["a", "b"]), &ty(&["a"])));
        assert!(recreates(&ty(&["a", "b"]), &ty(&["b", "a"])));
        assert!(!recreates(&ty(&["a", "b"]), &ty(&["a", "x", "b"])));
    }

    #[test]
    fn aside_name_fits_63_bytes() {
        let long = "é".repeat(31);
        let aside = aside_name(&long);
        assert!(aside.len() <= 63);
        assert!(aside.ends_with("__pgrift_old"));
        assert_eq!(aside_name("mood"), "mood__pgrift_old");
    }

    #[test]
    fn long_names_sharing_their_start_are_set_aside_apart() {
        let a = format!("{}_e5", "n".repeat(60));
        let b = format!("{}_e9", "n".repeat(60));
        assert_ne!(aside_name(&a), aside_name(&b));
        assert!(aside_name(&a).len() <= 63 && aside_name(&b).len() <= 63);
    }
}
