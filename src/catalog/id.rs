//! The parts of an identity. An [`ObjectId`](super::ObjectId) is generated
//! from the registry with each kind's fields; these turn its fields into
//! the borrowed parts of a [`Key`](super::Key) and back, so that keys sort
//! exactly as identities do.

use crate::names::{Name, QualName};

/// Up to three borrowed parts, filled in field order.
#[derive(Default)]
pub(super) struct Parts<'a> {
    parts: [&'a str; 3],
    len: usize,
}

impl<'a> Parts<'a> {
    fn push(&mut self, part: &'a str) {
        self.parts[self.len] = part;
        self.len += 1;
    }

    pub fn into_array(self) -> [&'a str; 3] {
        self.parts
    }
}

/// A field of an identity: one name, or a qualified name as two parts.
pub(super) trait Part {
    fn push<'a>(&'a self, parts: &mut Parts<'a>);
    fn take<'a>(parts: &mut impl Iterator<Item = &'a str>) -> Self;
}

impl Part for Name {
    fn push<'a>(&'a self, parts: &mut Parts<'a>) {
        parts.push(self);
    }

    fn take<'a>(parts: &mut impl Iterator<Item = &'a str>) -> Self {
        parts.next().unwrap_or_default().into()
    }
}

impl Part for QualName {
    fn push<'a>(&'a self, parts: &mut Parts<'a>) {
        parts.push(&self.schema);
        parts.push(&self.name);
    }

    fn take<'a>(parts: &mut impl Iterator<Item = &'a str>) -> Self {
        let schema = parts.next().unwrap_or_default();
        let name = parts.next().unwrap_or_default();
        QualName::new(schema, name)
    }
}
