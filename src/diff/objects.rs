//! A flat, keyed view of a catalog: every object and sub-object under its
//! [`ObjectId`], with the dependencies between them (recorded and structural).

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use crate::catalog::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, Extension, Function, Index, ObjectId,
    QualName, Schema, Sequence, Table, Trigger, View,
};

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

/// Every object of one catalog by identity, plus dependency lookups.
pub struct Objects<'a> {
    pub catalog: &'a Catalog,
    pub map: BTreeMap<ObjectId, Obj<'a>>,
    /// `dependent -> referenced`, recorded by `pg_depend` or implied by the
    /// structure of the model (a column belongs to its table).
    pub depends_on: HashMap<ObjectId, BTreeSet<ObjectId>>,
    /// `referenced -> dependents`, the reverse of `depends_on`.
    pub dependents: HashMap<ObjectId, BTreeSet<ObjectId>>,
}

impl<'a> Objects<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        let mut map = BTreeMap::new();
        for schema in &catalog.schemas {
            map.insert(
                ObjectId::Schema {
                    name: schema.name.clone(),
                },
                Obj::Schema(schema),
            );
        }
        for extension in &catalog.extensions {
            map.insert(
                ObjectId::Extension {
                    name: extension.name.clone(),
                },
                Obj::Extension(extension),
            );
        }
        for ty in &catalog.enums {
            map.insert(
                ObjectId::Type {
                    name: ty.name.clone(),
                },
                Obj::Type(ty),
            );
        }
        for sequence in &catalog.sequences {
            map.insert(
                ObjectId::Sequence {
                    name: sequence.name.clone(),
                },
                Obj::Sequence(sequence),
            );
        }
        for table in &catalog.tables {
            map.insert(
                ObjectId::Table {
                    name: table.name.clone(),
                },
                Obj::Table(table),
            );
            for column in &table.columns {
                map.insert(
                    column_id(&table.name, &column.name),
                    Obj::Column(table, column),
                );
                if column.default.is_some() {
                    map.insert(
                        ObjectId::Default {
                            table: table.name.clone(),
                            column: column.name.clone(),
                        },
                        Obj::Default(table, column),
                    );
                }
            }
            for constraint in &table.constraints {
                map.insert(
                    ObjectId::Constraint {
                        table: table.name.clone(),
                        name: constraint.name.clone(),
                    },
                    Obj::Constraint(table, constraint),
                );
            }
        }
        for index in &catalog.indexes {
            map.insert(
                ObjectId::Index {
                    name: index.name.clone(),
                },
                Obj::Index(index),
            );
        }
        for view in &catalog.views {
            map.insert(
                ObjectId::View {
                    name: view.name.clone(),
                },
                Obj::View(view),
            );
        }
        for function in &catalog.functions {
            map.insert(function_id(function), Obj::Function(function));
        }
        for trigger in &catalog.triggers {
            map.insert(
                ObjectId::Trigger {
                    table: trigger.table.clone(),
                    name: trigger.name.clone(),
                },
                Obj::Trigger(trigger),
            );
        }

        let mut objects = Objects {
            catalog,
            map,
            depends_on: HashMap::default(),
            dependents: HashMap::default(),
        };
        for dep in &catalog.dependencies {
            objects.add_edge(dep.dependent.clone(), dep.referenced.clone());
        }
        let structural: Vec<(ObjectId, ObjectId)> = objects
            .map
            .iter()
            .filter_map(|(id, obj)| objects.container(id, obj).map(|c| (id.clone(), c)))
            .collect();
        for (dependent, referenced) in structural {
            objects.add_edge(dependent, referenced);
        }
        objects
    }

    fn add_edge(&mut self, dependent: ObjectId, referenced: ObjectId) {
        if dependent == referenced
            || !self.map.contains_key(&dependent)
            || !self.map.contains_key(&referenced)
        {
            return;
        }
        self.dependents
            .entry(referenced.clone())
            .or_default()
            .insert(dependent.clone());
        self.depends_on
            .entry(dependent)
            .or_default()
            .insert(referenced);
    }

    /// The object that structurally holds `id`: its table, or its schema.
    fn container(&self, id: &ObjectId, obj: &Obj<'a>) -> Option<ObjectId> {
        let schema = |name: &str| ObjectId::Schema {
            name: name.to_owned(),
        };
        match obj {
            Obj::Schema(_) => None,
            Obj::Extension(e) => Some(schema(&e.schema)),
            Obj::Type(t) => Some(schema(&t.name.schema)),
            Obj::Sequence(s) => Some(schema(&s.name.schema)),
            Obj::Table(t) => Some(schema(&t.name.schema)),
            Obj::View(v) => Some(schema(&v.name.schema)),
            Obj::Function(f) => Some(schema(&f.name.schema)),
            Obj::Column(t, _) | Obj::Constraint(t, _) => Some(ObjectId::Table {
                name: t.name.clone(),
            }),
            Obj::Default(t, c) => Some(column_id(&t.name, &c.name)),
            Obj::Index(i) => Some(self.relation_id(&i.table)),
            Obj::Trigger(t) => Some(self.relation_id(&t.table)),
        }
        .filter(|c| c != id)
    }

    /// The identity of a relation that may be a table or a (materialized)
    /// view, as indexes and triggers name it.
    pub fn relation_id(&self, name: &QualName) -> ObjectId {
        let table = ObjectId::Table { name: name.clone() };
        if self.map.contains_key(&table) {
            table
        } else {
            ObjectId::View { name: name.clone() }
        }
    }

    pub fn get(&self, id: &ObjectId) -> Option<Obj<'a>> {
        self.map.get(id).copied()
    }

    pub fn dependents_of(&self, id: &ObjectId) -> impl Iterator<Item = &ObjectId> {
        self.dependents.get(id).into_iter().flatten()
    }

    pub fn dependencies_of(&self, id: &ObjectId) -> impl Iterator<Item = &ObjectId> {
        self.depends_on.get(id).into_iter().flatten()
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
            _ => Vec::new(),
        }
    }
}

pub fn column_id(table: &QualName, column: &str) -> ObjectId {
    ObjectId::Column {
        table: table.clone(),
        column: column.to_owned(),
    }
}

pub fn function_id(function: &Function) -> ObjectId {
    ObjectId::Function {
        name: function.name.clone(),
        args: function.identity_args.clone(),
    }
}
