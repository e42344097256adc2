//! Roles (`--roles`) are cluster objects that the database's objects name
//! (as owners, grantees, the roles of policies) but that depend on none of
//! them, and no `pg_depend` row links the two. So a plan creates and
//! alters its roles before everything else, where every later `OWNER TO`
//! or `GRANT` finds them, and drops them after everything else, once
//! nothing in the database names them any more. No IO.

use super::{Plan, Step};
use crate::catalog::ObjectId;
use crate::diff::ChangeKind;

/// `plan` with its roles' steps moved: creates and alters right after the
/// declared renames and new enum labels (which must come first, see
/// `Plan::transactions`), drops at the end. Among themselves they keep
/// the order of the plan, which the memberships between them set.
pub fn roles_first(mut plan: Plan) -> Plan {
    let is_role = |step: &Step| matches!(step.id, ObjectId::Role { .. });
    if !plan.steps.iter().any(is_role) {
        return plan;
    }
    let prelude = plan
        .steps
        .iter()
        .take_while(|step| step.adds_enum_labels() || step.renames())
        .count();
    let mut steps = std::mem::take(&mut plan.steps);
    let rest = steps.split_off(prelude);
    let (roles, others): (Vec<Step>, Vec<Step>) = rest.into_iter().partition(is_role);
    let (drops, made): (Vec<Step>, Vec<Step>) = roles
        .into_iter()
        .partition(|step| step.kind == ChangeKind::Drop);
    steps.extend(made);
    steps.extend(others);
    steps.extend(drops);
    plan.steps = steps;
    plan
}
