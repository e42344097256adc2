//! Two catalogs in, changes out. No IO.
//!
//! The diff works on identities ([`ObjectId`]): an object only in FROM is
//! dropped, one only in TO is created, one in both is compared by its kind's
//! module, which says whether it is the same, can be altered in place, or must
//! be replaced (dropped and created again). Replacement then spreads along
//! FROM's dependencies: whatever depends on an object that goes away must go
//! away first and come back afterwards (the *closure*). Columns are never
//! replaced because of something they depend on, since that would lose data;
//! they are altered instead.
//!
//! The result is a [`Changeset`]: unordered changes, each with the statements
//! that carry it out. Ordering is the job of [`crate::plan`].

use std::cmp::Ordering;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

pub use crate::catalog::{Delta, Ix, Obj, Objects};

use crate::catalog::{self as catalog, Catalog, DefaultAcl, Follows, ObjectId, Warning, column_id};
use crate::sql::Stmt;

/// What a change does to its object.
///
/// The order of the variants is the order of changes to one object:
/// a replaced object is dropped, then created; a comment comes last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Drop,
    Alter,
    Create,
    /// Work that must follow everything else done to the object and its
    /// dependents: dropping the old copy of a recreated enum, setting a
    /// sequence's `OWNED BY` once its column exists.
    Finish,
    Comment,
}

impl ChangeKind {
    /// The verb a script comment and a plan file use.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Drop => "drop",
            ChangeKind::Alter => "alter",
            ChangeKind::Create => "create",
            ChangeKind::Finish => "finish",
            ChangeKind::Comment => "comment",
        }
    }
}

/// One change to one object.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: ObjectId,
    pub kind: ChangeKind,
    /// Why an object is replaced although it did not change itself, e.g.
    /// "depends on public.t.c, whose type changes".
    pub reason: Option<String>,
    /// The statements that carry out the change. Empty when another change's
    /// statement does this one too (see `absorbed_into`).
    #[serde(skip)]
    pub statements: Vec<Stmt>,
    /// The change whose statement also carries out this one: a column
    /// created inside `CREATE TABLE`, an index dropped with its table.
    /// Boxed: an identity is the largest part of a change, and a script
    /// that creates a large schema holds a change for every column.
    pub absorbed_into: Option<Box<(ObjectId, ChangeKind)>>,
    /// Names this change frees or takes in a schema's namespace of relations
    /// and types, for ordering a drop before a create of the same name.
    #[serde(skip)]
    pub frees: Vec<crate::catalog::QualName>,
    #[serde(skip)]
    pub claims: Vec<crate::catalog::QualName>,
}

/// The unordered result of a diff.
pub struct Changeset<'a> {
    pub from: Indexed<'a>,
    pub to: Indexed<'a>,
    pub changes: Vec<Change>,
    /// Warnings of both catalogs: objects neither side's diff covers.
    pub warnings: Vec<Warning>,
}

/// A catalog's [`Objects`] as a [`Changeset`] holds them: built by [`diff`]
/// for this diff alone, or lent by a caller that indexed the catalogs itself
/// and diffs them in both directions (`pgrift::compare`), so that each is
/// indexed once.
pub enum Indexed<'a> {
    Built(Objects<'a>),
    Lent(&'a Objects<'a>),
}

impl<'a> std::ops::Deref for Indexed<'a> {
    type Target = Objects<'a>;

    fn deref(&self) -> &Objects<'a> {
        match self {
            Indexed::Built(objects) => objects,
            Indexed::Lent(objects) => objects,
        }
    }
}

/// What the diff decided for one identity, before statements are written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Create,
    Drop,
    Alter(Vec<Stmt>),
    Replace(Option<String>),
}

/// The identities of both catalogs, matched: one entry per identity present
/// on either side, in identity order, with its index on each side.
///
/// A large catalog has hundreds of thousands of identities and both sides'
/// are held at once, so a pair is two plain numbers, [`ABSENT`] for a side
/// that lacks it, rather than two options at twice the size.
struct Pairs {
    /// `[index in FROM, index in TO]` per identity.
    pairs: Vec<[Ix; 2]>,
    /// The pair of each FROM object.
    of_from: Vec<u32>,
}

/// The index of a side that lacks the identity of a pair; no catalog holds
/// that many objects.
const ABSENT: Ix = Ix::MAX;

/// What the diff decided for the pairs it changes, by pair: only a few in a
/// hundred pairs change, so a map is smaller than a slot for every pair.
/// It iterates in pair order, which is identity order.
type Decisions = std::collections::BTreeMap<usize, Decision>;

impl Pairs {
    /// Merges the two sorted identity lists.
    fn new(from: &Objects<'_>, to: &Objects<'_>) -> Pairs {
        let (n, m) = (from.len(), to.len());
        // Room for the most pairs there can be, handed back once they are
        // known: growing by doubling would keep up to twice the room
        // through the rest of the diff.
        let mut pairs = Vec::with_capacity(n + m);
        let mut of_from = Vec::with_capacity(n);
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            let order = if i < n && j < m {
                from.key(i as Ix).cmp(&to.key(j as Ix))
            } else if i < n {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            match order {
                Ordering::Less => {
                    of_from.push(pairs.len() as u32);
                    pairs.push([i as Ix, ABSENT]);
                    i += 1;
                }
                Ordering::Greater => {
                    pairs.push([ABSENT, j as Ix]);
                    j += 1;
                }
                Ordering::Equal => {
                    of_from.push(pairs.len() as u32);
                    pairs.push([i as Ix, j as Ix]);
                    i += 1;
                    j += 1;
                }
            }
        }
        pairs.shrink_to_fit();
        Pairs { pairs, of_from }
    }

    fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Pair `p`: its index in FROM and in TO, where it has one.
    fn get(&self, p: usize) -> (Option<Ix>, Option<Ix>) {
        let [i, j] = self.pairs[p];
        (
            Some(i).filter(|&i| i != ABSENT),
            Some(j).filter(|&j| j != ABSENT),
        )
    }

    /// The pair of FROM's object `i`.
    fn of_from(&self, i: Ix) -> usize {
        self.of_from[i as usize] as usize
    }

    /// The identity of pair `p`, from whichever side has it.
    fn id(&self, p: usize, from: &Objects<'_>, to: &Objects<'_>) -> ObjectId {
        match self.get(p) {
            (Some(i), _) => from.id(i),
            (None, Some(j)) => to.id(j),
            // Every pair has at least one side, by construction.
            (None, None) => unreachable!("a pair of two missing objects"),
        }
    }
}

/// Compares two catalogs.
/// A note for each table of both sides whose shared columns stand in
/// another order: PostgreSQL cannot reorder a table's columns, so no
/// statement is written for it, and the note says so. A column added or
/// dropped is left out of the comparison (added columns go last).
pub fn column_order(from: &Catalog, to: &Catalog) -> Vec<Warning> {
    let mut notes = Vec::new();
    for table in &to.tables {
        let Some(before) = from.table(&table.name) else {
            continue;
        };
        let shared = |of: &crate::catalog::Table, other: &crate::catalog::Table| -> Vec<String> {
            of.columns
                .iter()
                .filter(|c| !c.inherited && other.columns.iter().any(|o| o.name == c.name))
                .map(|c| c.name.to_string())
                .collect()
        };
        let (old, new) = (shared(before, table), shared(table, before));
        if old != new {
            let list = |names: &[String]| {
                names
                    .iter()
                    .map(|n| crate::sql::quote_ident(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            notes.push(Warning {
                kind: "column order".to_owned(),
                object: table.name.to_string(),
                message: format!(
                    "the columns of table {} stand in another order: FROM ({}), TO ({}); \
                     PostgreSQL cannot reorder columns, so no statement is written for it",
                    table.name,
                    list(&old),
                    list(&new)
                ),
            });
        }
    }
    notes
}

pub fn diff<'a>(from: &'a Catalog, to: &'a Catalog) -> Changeset<'a> {
    // Indexing a catalog is most of the work of a diff, and the two are
    // independent: one is indexed on a second thread.
    let (from_objects, to_objects) = std::thread::scope(|scope| {
        let from_objects = scope.spawn(|| Objects::new(from));
        let to_objects = Objects::new(to);
        let from_objects = from_objects
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (from_objects, to_objects)
    });
    changes(Indexed::Built(from_objects), Indexed::Built(to_objects))
}

/// Compares two catalogs already indexed, which a caller that loads them
/// one after the other can do as each arrives, and which can then diff
/// them the other way round without indexing them again (see
/// `pgrift::compare`).
pub fn diff_indexed<'a>(
    from_objects: &'a Objects<'a>,
    to_objects: &'a Objects<'a>,
) -> Changeset<'a> {
    changes(Indexed::Lent(from_objects), Indexed::Lent(to_objects))
}

/// The diff of two indexed catalogs, however they are held.
fn changes<'a>(from_objects: Indexed<'a>, to_objects: Indexed<'a>) -> Changeset<'a> {
    let pairs = Pairs::new(&from_objects, &to_objects);

    // What was decided for each pair, by pair index (so in identity order).
    let mut decisions = Decisions::new();
    for p in 0..pairs.len() {
        let decision = match pairs.get(p) {
            (Some(_), None) => Some(Decision::Drop),
            (None, Some(_)) => Some(Decision::Create),
            (Some(i), Some(j)) => match catalog::compare(from_objects.obj(i), to_objects.obj(j)) {
                Delta::Same => None,
                Delta::Alter(stmts) => Some(Decision::Alter(stmts)),
                Delta::Replace => Some(Decision::Replace(None)),
            },
            (None, None) => None,
        };
        if let Some(decision) = decision {
            decisions.insert(p, decision);
        }
    }

    close_over_dependents(&from_objects, &to_objects, &pairs, &mut decisions);

    // A change for each decision at least, without the doublings that
    // would hold twice the room on a large create script.
    let mut changes = Vec::with_capacity(decisions.len());
    let mut recreated = vec![false; pairs.len()];
    // Tables partitioned anew, with the partitions their copy creates.
    let mut converted: Vec<(ObjectId, Vec<crate::catalog::QualName>)> = Vec::new();
    for (p, decision) in decisions {
        let id = pairs.id(p, &from_objects, &to_objects);
        let (old, new) = pairs.get(p);
        let old = old.map(|i| (i, from_objects.obj(i)));
        let new = new.map(|j| to_objects.obj(j));
        match (decision, old, new) {
            (Decision::Drop, Some((i, old)), _) => {
                changes.push(drop_change(&from_objects, i, old, None));
            }
            (Decision::Create, _, Some(new)) => {
                let mut created =
                    create_changes(&id, new, None, &from_objects.catalog.default_acls);
                sync_new_sequence(&from_objects, new, &mut created);
                changes.extend(created);
            }
            (Decision::Replace(_), Some((i, Obj::Table(was))), Some(Obj::Table(is)))
                if catalog::converts(was, is) =>
            {
                recreated[p] = true;
                let conversion =
                    catalog::repartition(from_objects.catalog, to_objects.catalog, was, is);
                // The old table is dropped in the middle of its copy's
                // create, after its rows are copied: its drop is carried
                // out there, and so is the create of each new partition,
                // which the rows need to land in.
                let mut dropped = drop_change(&from_objects, i, Obj::Table(was), None);
                dropped.absorbed_into = Some(Box::new((id.clone(), ChangeKind::Create)));
                changes.push(dropped);
                let mut created = create_changes(
                    &id,
                    Obj::Table(is),
                    None,
                    &from_objects.catalog.default_acls,
                );
                created[0].statements = conversion.statements;
                created[0].reason = Some("its partitioning changes: its rows are copied".into());
                changes.extend(created);
                converted.push((id.clone(), conversion.partitions));
            }
            (Decision::Replace(reason), Some((i, old)), Some(new)) => {
                recreated[p] = true;
                changes.push(drop_change(&from_objects, i, old, reason.clone()));
                changes.extend(create_changes(
                    &id,
                    new,
                    reason,
                    &from_objects.catalog.default_acls,
                ));
            }
            (Decision::Alter(statements), Some((_, old)), Some(new)) => {
                changes.extend(alter_changes(&id, old, new, statements));
            }
            // A decision is only ever made for an identity present on the
            // side it needs, so no other combination occurs.
            _ => {}
        }
    }
    for (p, &recreated) in recreated.iter().enumerate() {
        if let (Some(i), Some(j)) = pairs.get(p)
            && !recreated
        {
            let stmts = catalog::comments_changed(from_objects.obj(i), to_objects.obj(j));
            if !stmts.is_empty() {
                changes.push(simple(from_objects.id(i), ChangeKind::Comment, stmts));
            }
        }
    }
    let parent_of: FxHashMap<crate::catalog::QualName, ObjectId> = converted
        .into_iter()
        .flat_map(|(table, partitions)| partitions.into_iter().map(move |p| (p, table.clone())))
        .collect();
    if !parent_of.is_empty() {
        for change in changes.iter_mut().filter(|c| c.kind == ChangeKind::Create) {
            if let ObjectId::Table { name } = &change.id
                && let Some(table) = parent_of.get(name)
            {
                change.absorbed_into = Some(Box::new((table.clone(), ChangeKind::Create)));
            }
        }
    }
    resolve_absorption(&mut changes);
    changes.sort_by(|a, b| (&a.id, a.kind).cmp(&(&b.id, b.kind)));

    let mut warnings: Vec<Warning> = from_objects
        .catalog
        .warnings
        .iter()
        .chain(to_objects.catalog.warnings.iter())
        .cloned()
        .collect();
    warnings.sort();
    warnings.dedup();

    Changeset {
        from: from_objects,
        to: to_objects,
        changes,
        warnings,
    }
}

/// Spreads replacement along FROM's dependencies until nothing more changes.
///
/// A dependent of an object that is dropped or replaced must be dropped
/// first; if TO still has it, it is created again afterwards. Three kinds of
/// change make dependents go away although their object stays:
/// - a column whose type changes: views, functions and triggers over it,
///   generated columns computed from it, and its own default;
/// - a recreated type (an enum, a domain, a composite or range type) or
///   collation: its columns are retyped (a type change; through `text` but
///   for a collation, which leaves the type as it is), and everything else
///   that uses it (defaults, indexes, functions) goes;
/// - a dropped or replaced object: all of its dependents, except one that is
///   redefined in place (`catalog::alter_redefines`) without a dropped
///   object.
fn close_over_dependents(
    from: &Objects<'_>,
    to: &Objects<'_>,
    pairs: &Pairs,
    decisions: &mut Decisions,
) {
    // Pairs, in identity order; the last one pushed is handled first.
    let mut queue: Vec<usize> = decisions
        .iter()
        .filter(|&(&p, d)| spreads(pairs.get(p), d, from, to))
        .map(|(&p, _)| p)
        .collect();
    let mut seen = vec![false; pairs.len()];
    for &p in &queue {
        seen[p] = true;
    }

    while let Some(cause_pair) = queue.pop() {
        // Only an object of FROM can spread: drops, replacements and alters
        // all have one.
        let Some(cause_ix) = pairs.get(cause_pair).0 else {
            continue;
        };
        let cause = from.id(cause_ix);
        let cause_is_type = matches!(
            cause,
            ObjectId::Type { .. }
                | ObjectId::Domain { .. }
                | ObjectId::Composite { .. }
                | ObjectId::Range { .. }
                | ObjectId::Collation { .. }
        );
        // A column keeps its type when only its collation is recreated.
        let through_text = !matches!(cause, ObjectId::Collation { .. });
        let cause_is_column = matches!(cause, ObjectId::Column { .. });
        // A table dropped and created again (a new partition key) takes its
        // columns and partitions with it.
        let cause_is_replaced_table = matches!(cause, ObjectId::Table { .. })
            && matches!(decisions.get(&cause_pair), Some(Decision::Replace(_)));
        let cause_is_dropped = matches!(decisions.get(&cause_pair), Some(Decision::Drop));
        for &dependent_ix in from.dependents(cause_ix) {
            let p = pairs.of_from(dependent_ix);
            let Some(new_ix) = pairs.get(p).1 else {
                continue;
            };
            // Redefined in place before the drop (the plan orders a
            // dependent's alter before the drop of what it used), it keeps
            // what is built on it.
            if cause_is_dropped
                && matches!(decisions.get(&p), Some(Decision::Alter(stmts)) if catalog::alter_redefines(stmts))
            {
                continue;
            }
            let new = to.obj(new_ix);
            let reason = || format!("depends on {} {cause}, which changes", cause.kind_name());
            let replace = || match decisions.get(&p) {
                Some(Decision::Replace(_)) | Some(Decision::Drop) => None,
                _ => Some(Decision::Replace(Some(reason()))),
            };
            // The object's kind on both sides is its identity's kind.
            let next = match (new.tag().follows(), new) {
                (Follows::Column, Obj::Column((table, column))) => {
                    if cause_is_replaced_table || (column.generated().is_some() && cause_is_column)
                    {
                        Some(Decision::Replace(Some(reason())))
                    } else if cause_is_type {
                        retype(decisions.get(&p), &table.name, column, through_text)
                    } else {
                        None
                    }
                }
                (Follows::Stays, Obj::Table(table))
                    if cause_is_replaced_table && table.partition_of.is_some() =>
                {
                    replace()
                }
                // A foreign table holds no rows of its own: it goes and
                // comes back with the server that holds them.
                (Follows::Stays, Obj::Table(table))
                    if table.foreign.is_some()
                        && matches!(cause, ObjectId::ForeignServer { .. }) =>
                {
                    replace()
                }
                (Follows::Column | Follows::Stays, _) => None,
                // An index or constraint on a retyped column is rebuilt by
                // PostgreSQL itself; only the recreated enum's own uses go.
                (Follows::RebuiltWithColumn, _)
                    if cause_is_column
                        && !matches!(
                            decisions.get(&cause_pair),
                            Some(Decision::Replace(_)) | Some(Decision::Drop)
                        ) =>
                {
                    None
                }
                (Follows::RebuiltWithColumn | Follows::Replaced, _) => replace(),
            };
            if let Some(next) = next {
                let first = !seen[p];
                seen[p] = true;
                let spreads_now = spreads(pairs.get(p), &next, from, to);
                decisions.insert(p, next);
                if first || spreads_now {
                    queue.push(p);
                }
            }
        }
    }
}

/// Whether a decision makes the object's dependents go away.
fn spreads(
    (old, new): (Option<Ix>, Option<Ix>),
    decision: &Decision,
    from: &Objects<'_>,
    to: &Objects<'_>,
) -> bool {
    match decision {
        Decision::Drop | Decision::Replace(_) => true,
        Decision::Create => false,
        Decision::Alter(stmts) => match (old, new) {
            (Some(i), Some(j)) => catalog::alter_spreads(from.obj(i), to.obj(j), stmts),
            _ => false,
        },
    }
}

/// Adds a retype through `text` to a column whose enum type or domain is
/// recreated, keeping whatever else the column's own diff decided.
fn retype(
    current: Option<&Decision>,
    table: &crate::catalog::QualName,
    column: &crate::catalog::Column,
    through_text: bool,
) -> Option<Decision> {
    match current {
        Some(Decision::Replace(_)) | Some(Decision::Drop) => None,
        Some(Decision::Alter(stmts)) if stmts.iter().any(catalog::is_type_change) => None,
        Some(Decision::Alter(stmts)) => {
            let mut retyped = catalog::move_to_recreated(table, column, through_text);
            retyped.extend(stmts.iter().cloned());
            Some(Decision::Alter(retyped))
        }
        _ => Some(Decision::Alter(catalog::move_to_recreated(
            table,
            column,
            through_text,
        ))),
    }
}

fn simple(id: ObjectId, kind: ChangeKind, statements: Vec<Stmt>) -> Change {
    Change {
        id,
        kind,
        reason: None,
        statements,
        absorbed_into: None,
        frees: Vec::new(),
        claims: Vec::new(),
    }
}

/// Keeps a change's absorption only where the absorbing change exists (a
/// column is created inside `CREATE TABLE` only when the table is created),
/// and empties the statements of the changes that are absorbed.
fn resolve_absorption(changes: &mut [Change]) {
    let absorbed: Vec<bool> = {
        let present: FxHashSet<(&ObjectId, ChangeKind)> =
            changes.iter().map(|c| (&c.id, c.kind)).collect();
        changes
            .iter()
            .map(|c| {
                c.absorbed_into
                    .as_deref()
                    .is_some_and(|(id, kind)| present.contains(&(id, *kind)))
            })
            .collect()
    };
    for (change, absorbed) in changes.iter_mut().zip(absorbed) {
        if absorbed {
            // Not `clear`, which would keep the list's room: the columns
            // of a created table are most of a large create script's
            // changes.
            change.statements = Vec::new();
        } else {
            change.absorbed_into = None;
        }
    }
}

/// The drop of the FROM object at `i`. Its parent's drop may take it along:
/// see [`resolve_absorption`].
fn drop_change(from: &Objects<'_>, i: Ix, old: Obj<'_>, reason: Option<String>) -> Change {
    Change {
        id: from.id(i),
        kind: ChangeKind::Drop,
        reason,
        statements: old.drop(),
        absorbed_into: old
            .dropped_with(from, i)
            .map(|parent| Box::new((parent, ChangeKind::Drop))),
        frees: old.claimed_names(),
        claims: Vec::new(),
    }
}

/// The create of one object, its comment, and work that must wait for
/// everything else (a sequence's `OWNED BY`, once its column exists).
///
/// An object of a kind that default privileges are for gets, before it is
/// given its owner, the grants and revokes that undo what FROM's default
/// privileges (`defaults`) may have given or withheld.
fn create_changes(
    id: &ObjectId,
    new: Obj<'_>,
    reason: Option<String>,
    defaults: &[DefaultAcl],
) -> Vec<Change> {
    let mut statements = new.create();
    for created in new.created_acls() {
        let settled: Vec<Stmt> = catalog::settle_on_create(defaults, &created)
            .into_iter()
            .filter(|stmt| !statements.contains(stmt))
            .collect();
        let at = statements
            .iter()
            .position(|stmt| matches!(stmt, Stmt::AlterOwner { .. }))
            .unwrap_or(statements.len());
        statements.splice(at..at, settled);
    }
    let mut out = vec![Change {
        id: id.clone(),
        kind: ChangeKind::Create,
        reason,
        statements,
        absorbed_into: new
            .created_with()
            .map(|parent| Box::new((parent, ChangeKind::Create))),
        frees: Vec::new(),
        claims: new.claimed_names(),
    }];
    if let Some(stmt) = new.finish_create() {
        out.push(simple(id.clone(), ChangeKind::Finish, vec![stmt]));
    }
    let stmts = new.comments_on_create();
    if !stmts.is_empty() {
        out.push(simple(id.clone(), ChangeKind::Comment, stmts));
    }
    out
}

/// A new sequence that takes over an existing column (identity to serial)
/// continues after the values the column holds.
fn sync_new_sequence(from: &Objects<'_>, new: Obj<'_>, changes: &mut [Change]) {
    let Obj::Sequence(sequence) = new else {
        return;
    };
    let Some(owner) = &sequence.owned_by else {
        return;
    };
    if from.get(&column_id(&owner.table, &owner.column)).is_none() {
        return;
    }
    if let Some(finish) = changes.iter_mut().find(|c| c.kind == ChangeKind::Finish) {
        finish.statements.push(Stmt::SyncSequenceToColumn {
            sequence: sequence.name.clone(),
            table: owner.table.clone(),
            column: crate::sql::Ident(owner.column.clone()),
        });
    }
}

fn alter_changes(id: &ObjectId, old: Obj<'_>, new: Obj<'_>, statements: Vec<Stmt>) -> Vec<Change> {
    let mut out = Vec::new();
    let mut change = simple(id.clone(), ChangeKind::Alter, statements);
    (change.frees, change.claims) = catalog::alter_names(old, new);
    let finish = catalog::finish_alter(old, new);
    if !finish.is_empty() {
        out.push(simple(id.clone(), ChangeKind::Finish, finish));
    }
    if !change.statements.is_empty() {
        out.insert(0, change);
    }
    out
}
