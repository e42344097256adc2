//! Orders a changeset into a plan, through a dependency graph. No IO.
//!
//! Every change that carries statements is a node of a petgraph graph.
//! Edges come from the dependencies of both catalogs: FROM's order the drops
//! (a dependent goes before what it depends on), TO's order the creates (what
//! is depended on comes first). Changes absorbed by another change (a column
//! created inside `CREATE TABLE`) are folded into that change's node, so
//! their dependencies order it.
//!
//! The order is a topological sort (Kahn's algorithm) that always takes, of
//! the changes that are ready, the one with the smallest priority: drops
//! before alters before creates, then object kind, then name. The same
//! changeset therefore always gives the same plan.

pub mod compat;
mod error;
pub mod expand;
mod online;
mod park;
mod roles;
mod subscriptions;
mod summary;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Duration;

use rustc_hash::FxHashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;
use serde::{Deserialize, Serialize};

pub use compat::{
    CompatError, ExtensionError, RoleError, check as check_compat, check_extensions, check_roles,
    named_roles,
};
pub use error::PlanError;
pub use online::{PARTITION_CHECK, clean_up_after, online};
pub use park::{park, unpark};
pub use roles::roles_first;
pub use subscriptions::subscriptions;
pub use summary::{Counts, KindCounts, Summary, summarize};

use crate::catalog::{ObjectId, Tag, Warning};
use crate::diff::{Change, ChangeKind, Changeset, Ix, Obj};
use crate::sql::{Stmt, TableAction};

/// An ordered list of steps, ready to be written as a script.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub warnings: Vec<Warning>,
    /// The limits the script sets for its session before its first
    /// statement.
    pub timeouts: Timeouts,
    /// Rewritten for `--online` (`plan::online`).
    pub online: bool,
    /// The tables and columns it parks instead of dropping
    /// (`--park-drops`, `plan::park`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parked: Vec<crate::catalog::parked::Parked>,
}

/// How long a script's statements may wait, set in its header: with
/// `lock_timeout` a statement that waits for a lock gives up (and the
/// script fails, its transaction rolled back) instead of queueing every
/// later query on the table behind it; `statement_timeout` bounds each
/// statement's run. `None` leaves the server's setting alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    pub lock: Option<Duration>,
    pub statement: Option<Duration>,
}

impl Default for Timeouts {
    /// Five seconds for a lock, long enough for the brief locks of normal
    /// traffic to pass and short enough that a queue behind the script is
    /// not felt; no statement limit, since a rewrite of a large table may
    /// rightly take hours.
    fn default() -> Self {
        Timeouts {
            lock: Some(Duration::from_secs(5)),
            statement: None,
        }
    }
}

/// One change and the statements that carry it out, in script order.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: ObjectId,
    pub kind: ChangeKind,
    pub reason: Option<String>,
    #[serde(skip)]
    pub statements: Vec<Stmt>,
    /// Other changes that this step's statements carry out as well.
    pub includes: Vec<(ObjectId, ChangeKind)>,
    /// How the step stands to the transaction of the step before it.
    pub boundary: Boundary,
}

/// How a step stands to the transaction of the step before it. Plans are
/// made of `Joined` steps; `--online` (`plan::online`) adds the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Boundary {
    /// In the same transaction as the step before, unless new enum labels
    /// must commit between them (`Plan::transactions`).
    #[default]
    Joined,
    /// In a transaction that starts with it.
    Own,
    /// Outside any transaction, one statement after the other, each
    /// committing by itself: `CREATE INDEX CONCURRENTLY` and the like.
    Alone,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The transaction each step runs in, numbered from 0.
    ///
    /// A plan runs in one transaction, so that a failure leaves the
    /// database as it was. The exception is a new enum label that a later
    /// statement uses: PostgreSQL refuses to read a label before the
    /// transaction that added it commits. Then the steps that add labels,
    /// which the ordering puts first, run and commit in a transaction of
    /// their own (0), and everything else in the next (1): a failure leaves
    /// the database as it was plus new labels nothing uses yet, never with
    /// something dropped.
    pub fn transactions(&self) -> Vec<usize> {
        // Declared renames come first, before the labels, which may be
        // added to an enum type under its new name.
        let prelude = self
            .steps
            .iter()
            .take_while(|step| step.adds_enum_labels() || step.renames())
            .count();
        let (labels, rest) = self.steps.split_at(prelude);
        let added: Vec<_> = labels
            .iter()
            .flat_map(|step| &step.statements)
            .filter_map(|add| match add {
                Stmt::AlterEnumAddValue { name, label, .. } => Some((name, label)),
                _ => None,
            })
            .collect();
        let used = rest
            .iter()
            .flat_map(|step| &step.statements)
            .any(|stmt| stmt.uses_enum_labels(&added));
        let mut transactions = Vec::with_capacity(self.steps.len());
        let mut current = 0;
        for (i, step) in self.steps.iter().enumerate() {
            let starts = i > 0
                && (step.boundary != Boundary::Joined
                    || self.steps[i - 1].boundary == Boundary::Alone
                    || (used && i == prelude));
            if starts {
                current += 1;
            }
            transactions.push(current);
        }
        transactions
    }

    /// True for a step whose statements run outside any transaction.
    pub fn alone(&self, step: usize) -> bool {
        self.steps
            .get(step)
            .is_some_and(|s| s.boundary == Boundary::Alone)
    }
}

impl Step {
    /// True for a step that only adds labels to an enum type.
    pub fn adds_enum_labels(&self) -> bool {
        adds_enum_labels(&self.statements)
    }

    /// True for a table or column parked instead of dropped, or moved
    /// back (`--park-drops`).
    pub fn parks(&self) -> bool {
        self.statements
            .iter()
            .any(|stmt| matches!(stmt, Stmt::Park(_)))
    }

    /// True for a declared rename (`--rename`).
    pub fn renames(&self) -> bool {
        !self.statements.is_empty()
            && self
                .statements
                .iter()
                .all(|stmt| matches!(stmt, Stmt::Rename(_)))
    }
}

/// Puts the declared renames (`catalog::RenameMap::steps`) before every
/// other step of `plan`, in the order given: the plan was made from the
/// renamed catalog, so its statements name the objects by their new names.
pub fn with_renames(mut plan: Plan, renames: Vec<(ObjectId, ObjectId, Stmt)>) -> Plan {
    let steps = renames.into_iter().map(|(id, was, stmt)| Step {
        id,
        kind: ChangeKind::Alter,
        reason: Some(format!("was {was}")),
        statements: vec![stmt],
        includes: Vec::new(),
        boundary: Boundary::Joined,
    });
    plan.steps.splice(0..0, steps);
    plan
}

/// True for statements that only add enum labels (and are not empty).
fn adds_enum_labels(statements: &[Stmt]) -> bool {
    !statements.is_empty() && statements.iter().all(Stmt::adds_enum_label)
}

type Key = (ObjectId, ChangeKind);

/// How many kinds of change there are, for per-object slot arrays.
const KINDS: usize = ChangeKind::Comment as usize + 1;

/// Orders the changes of a changeset.
///
/// Fails only if the changes depend on each other in a circle, which would
/// be a bug in the diff; the error names the changes involved.
pub fn plan(changeset: Changeset<'_>) -> Result<Plan, PlanError> {
    let changes = &changeset.changes;
    // The changes of each object by kind, in one slot per object that
    // changes, looked up without cloning keys.
    let mut slot_of: FxHashMap<&ObjectId, usize> = FxHashMap::default();
    let mut slots: Vec<[Option<usize>; KINDS]> = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let next = slots.len();
        let s = *slot_of.entry(&change.id).or_insert(next);
        if s == next {
            slots.push([None; KINDS]);
        }
        slots[s][change.kind as usize] = Some(i);
    }
    let find =
        |id: &ObjectId, kind: ChangeKind| slot_of.get(id).and_then(|&s| slots[s][kind as usize]);
    // Each side's changed objects by their index there, so that the
    // dependencies of a changed object are followed by index alone. Maps
    // rather than a slot per object: few of a large catalog's objects
    // change, and both sides' lists were a twentieth of the peak memory.
    // The order they are walked in does not matter: the edges are sorted
    // before they go into the graph.
    let mut from_slot: FxHashMap<Ix, usize> = FxHashMap::default();
    let mut to_slot: FxHashMap<Ix, usize> = FxHashMap::default();
    for (&id, &s) in &slot_of {
        if let Some(i) = changeset.from.index_of(id) {
            from_slot.insert(i, s);
        }
        if let Some(j) = changeset.to.index_of(id) {
            to_slot.insert(j, s);
        }
    }

    // Resolve each change to the change that carries it out.
    let root = |mut i: usize| {
        let mut hops = 0;
        while let Some((parent, kind)) = changes[i].absorbed_into.as_deref() {
            match find(parent, *kind) {
                Some(p) if hops < changes.len() => {
                    i = p;
                    hops += 1;
                }
                _ => break,
            }
        }
        i
    };

    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let mut node_of: Vec<Option<NodeIndex>> = vec![None; changes.len()];
    for (i, change) in changes.iter().enumerate() {
        if change.absorbed_into.is_none() || root(i) == i {
            node_of[i] = Some(graph.add_node(i));
        }
    }
    let node_of: Vec<Option<NodeIndex>> = (0..changes.len()).map(|i| node_of[root(i)]).collect();

    let mut edges: Vec<(NodeIndex, NodeIndex)> = Vec::new();
    let mut link = |before: Option<usize>, after: Option<usize>| {
        if let (Some(a), Some(b)) = (before, after)
            && let (Some(a), Some(b)) = (node_of[a], node_of[b])
            && a != b
        {
            edges.push((a, b));
        }
    };

    use ChangeKind::*;
    for (&i, &sa) in &from_slot {
        for &r in changeset.from.dependencies(i) {
            let Some(&sb) = from_slot.get(&r) else {
                continue;
            };
            let (a, b) = (&slots[sa], &slots[sb]);
            let (a, b) = (|k: ChangeKind| a[k as usize], |k: ChangeKind| b[k as usize]);
            link(a(Drop), b(Drop));
            // A label added to a type disturbs nothing that uses the type,
            // so it need not wait for their drops; running first, the
            // labels can commit on their own (see `Plan::transactions`).
            if !b(Alter).is_some_and(|c| adds_enum_labels(&changes[c].statements)) {
                link(a(Drop), b(Alter));
            }
            link(a(Drop), b(Finish));
            link(a(Alter), b(Drop));
            link(a(Alter), b(Finish));
        }
    }
    for (&j, &sa) in &to_slot {
        for &r in changeset.to.dependencies(j) {
            let Some(&sb) = to_slot.get(&r) else {
                continue;
            };
            let (a, b) = (&slots[sa], &slots[sb]);
            let (a, b) = (|k: ChangeKind| a[k as usize], |k: ChangeKind| b[k as usize]);
            link(b(Create), a(Create));
            link(b(Alter), a(Create));
            link(b(Create), a(Alter));
            link(b(Alter), a(Alter));
            link(b(Create), a(Finish));
        }
    }
    for own in &slots {
        for (before, after) in [
            (Drop, Alter),
            (Drop, Create),
            (Alter, Create),
            (Create, Finish),
            (Alter, Finish),
            (Create, Comment),
            (Alter, Comment),
            (Finish, Comment),
        ] {
            link(own[before as usize], own[after as usize]);
        }
    }
    // A drop that frees a name comes before the create that takes it.
    let mut freed: BTreeMap<&crate::catalog::QualName, Vec<usize>> = BTreeMap::new();
    for (i, change) in changes.iter().enumerate() {
        for name in &change.frees {
            freed.entry(name).or_default().push(i);
        }
    }
    for (i, change) in changes.iter().enumerate() {
        for name in &change.claims {
            for freer in freed.get(name).into_iter().flatten() {
                link(Some(*freer), Some(i));
            }
        }
    }
    // A sequence whose owning column goes away must be given its new owner
    // first, or the column's drop would take the sequence along.
    for (i, change) in changes.iter().enumerate().filter(|(_, c)| c.kind == Finish) {
        if let Some(Obj::Sequence(old)) = changeset.from.get(&change.id)
            && let Some(owner) = &old.owned_by
        {
            let column = ObjectId::Column {
                table: owner.table.clone(),
                column: owner.column.as_str().into(),
            };
            link(Some(i), find(&column, Drop));
        }
    }

    // A table that starts to inherit must match its new parent, so it
    // waits for the columns the parent drops.
    for (i, change) in changes.iter().enumerate() {
        for statement in &change.statements {
            let Stmt::AlterTable {
                action: TableAction::Inherit(parent),
                ..
            } = statement
            else {
                continue;
            };
            for (j, dropped) in changes.iter().enumerate() {
                if dropped.kind == Drop
                    && matches!(&dropped.id, ObjectId::Column { table, .. } if table == parent)
                {
                    link(Some(j), Some(i));
                }
            }
        }
    }
    edges.sort();
    edges.dedup();
    for (a, b) in edges {
        graph.add_edge(a, b, ());
    }
    after_new_function_bodies(&changeset, &find, &node_of, &mut graph);

    let order = priority_toposort(&graph, changes)?;
    let mut included: FxHashMap<NodeIndex, Vec<Key>> = FxHashMap::default();
    for (i, change) in changes.iter().enumerate() {
        if let Some(n) = node_of[i]
            && graph[n] != i
        {
            included
                .entry(n)
                .or_default()
                .push((change.id.clone(), change.kind));
        }
    }
    // Each change is carried out by one step at most, so a step takes its
    // change's statements rather than a copy: in a script that creates a
    // whole schema, the copies were a tenth of the peak memory.
    let Changeset {
        mut changes,
        warnings,
        ..
    } = changeset;
    let steps = order
        .into_iter()
        .map(|n| {
            let change = &mut changes[graph[n]];
            Step {
                id: change.id.clone(),
                kind: change.kind,
                reason: change.reason.take(),
                statements: std::mem::take(&mut change.statements),
                includes: included.remove(&n).unwrap_or_default(),
                boundary: Boundary::Joined,
            }
        })
        .filter(|s| !s.statements.is_empty())
        .collect();
    Ok(Plan {
        steps,
        online: false,
        warnings,
        timeouts: Timeouts::default(),
        parked: Vec::new(),
    })
}

/// Orders what calls a function the plan creates or changes after every
/// function the plan creates or changes, where that makes no circle.
///
/// A function whose body is a quoted string (`AS $$ … $$`) records nothing
/// it calls or reads in `pg_depend`; only a `BEGIN ATOMIC` body does. Yet
/// PostgreSQL runs a function when a check is validated, a materialized
/// view is populated or an index is built, and a SQL function is inlined
/// with everything it calls at that moment: each of those must exist, with
/// its final body. Which ones a body uses is not recorded, so a statement
/// that uses a new or changed function waits for all of them (and, through
/// their own recorded dependencies, for the tables and views they return).
fn after_new_function_bodies(
    changeset: &Changeset<'_>,
    find: &impl Fn(&ObjectId, ChangeKind) -> Option<usize>,
    node_of: &[Option<NodeIndex>],
    graph: &mut DiGraph<usize, ()>,
) {
    let changes = &changeset.changes;
    let defines = |id: &ObjectId| {
        matches!(id, ObjectId::Function { .. })
            && (find(id, ChangeKind::Create).is_some() || find(id, ChangeKind::Alter).is_some())
    };
    let functions: Vec<NodeIndex> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind, ChangeKind::Create | ChangeKind::Alter) && defines(&c.id))
        .filter_map(|(i, _)| node_of[i])
        .collect();
    if functions.is_empty() {
        return;
    }
    let mut reached = Dfs::empty(&*graph);
    for (i, change) in changes.iter().enumerate() {
        if !matches!(change.kind, ChangeKind::Create | ChangeKind::Alter)
            || matches!(change.id, ObjectId::Function { .. })
        {
            continue;
        }
        let Some(j) = changeset.to.index_of(&change.id) else {
            continue;
        };
        let calls_new_function =
            changeset.to.dependencies(j).iter().any(|&r| {
                changeset.to.obj(r).tag() == Tag::Function && defines(&changeset.to.id(r))
            });
        let Some(user) = node_of[i].filter(|_| calls_new_function) else {
            continue;
        };
        // What the user already precedes, found once rather than once for
        // each function: a plan that creates a large schema has hundreds of
        // functions and thousands of their users. The edges added below
        // lead into the user from functions it does not reach, so they
        // cannot make it reach one, and the set stays true through the
        // loop.
        reached.reset(&*graph);
        reached.move_to(user);
        while reached.next(&*graph).is_some() {}
        for &function in &functions {
            if function != user && !reached.discovered.contains(function.index()) {
                graph.add_edge(function, user, ());
            }
        }
    }
}

/// The priority of a change among those that are ready: new enum labels
/// first (they must be committed before anything can use them), then drops,
/// alters, creates, finishing work and comments; within a group, by object
/// kind in the order a person would write them, then by name.
fn priority(change: &Change) -> (u8, u8, &ObjectId) {
    let group = match change.kind {
        ChangeKind::Alter if adds_enum_labels(&change.statements) => 0,
        ChangeKind::Drop => 1,
        ChangeKind::Alter => 2,
        ChangeKind::Create => 3,
        ChangeKind::Finish => 4,
        ChangeKind::Comment => 5,
    };
    // The registry's `ranks` list is the order of creates; drops undo
    // them, so they run the other way.
    let tag = change.id.key().0;
    let rank = if change.kind == ChangeKind::Drop {
        Tag::COUNT - 1 - tag.create_rank()
    } else {
        tag.create_rank()
    };
    (group, rank, &change.id)
}

fn priority_toposort(
    graph: &DiGraph<usize, ()>,
    changes: &[Change],
) -> Result<Vec<NodeIndex>, PlanError> {
    let mut indices: Vec<NodeIndex> = graph.node_indices().collect();
    indices.sort_by(|a, b| priority(&changes[graph[*a]]).cmp(&priority(&changes[graph[*b]])));
    let mut rank = vec![0; graph.node_count()];
    for (r, n) in indices.iter().enumerate() {
        rank[n.index()] = r;
    }

    let mut in_degree: Vec<usize> = graph
        .node_indices()
        .map(|n| graph.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<(usize, NodeIndex)>> = graph
        .node_indices()
        .filter(|n| in_degree[n.index()] == 0)
        .map(|n| Reverse((rank[n.index()], n)))
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse((_, n))) = ready.pop() {
        order.push(n);
        for next in graph.neighbors_directed(n, Direction::Outgoing) {
            let d = &mut in_degree[next.index()];
            *d -= 1;
            if *d == 0 {
                ready.push(Reverse((rank[next.index()], next)));
            }
        }
    }
    if order.len() == graph.node_count() {
        return Ok(order);
    }
    let mut cycle: Vec<String> = petgraph::algo::tarjan_scc(graph)
        .into_iter()
        .find(|scc| scc.len() > 1)
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            let c = &changes[graph[n]];
            format!("{} {} {}", c.kind.as_str(), c.id.kind_name(), c.id)
        })
        .collect();
    cycle.sort();
    Err(PlanError::Cycle { changes: cycle })
}
