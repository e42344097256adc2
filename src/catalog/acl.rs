//! Privileges: an object's ACL, as the `GRANT`s and `REVOKE`s that set it.
//!
//! Not a kind of its own: privileges belong to their object (a schema, a
//! table, view or materialized view, a column, a sequence, a function or
//! procedure, a type or domain, a foreign-data wrapper or server), are compared with it, written after its
//! `CREATE` and go with its `DROP`. An object that is replaced gets its
//! privileges again with its new `CREATE`.
//!
//! An ACL is held relative to its default (`acldefault` for the kind and
//! the owner; for `public`, what the server created it with): what it
//! grants beyond the default and what of the default it no longer grants.
//! A NULL ACL is the default, so it is no privilege at all to compare. The
//! server version's default does not show (PostgreSQL 17 gives an owner
//! `MAINTAIN` on its tables): only a change to it does.
//!
//! The object's owner is a grantee of its own ([`AclGrantee::Owner`]),
//! whatever its name, since `ALTER … OWNER TO` carries the owner's
//! privileges over to the new owner: a database whose objects belong to
//! `app` and one whose objects belong to the role that loaded a schema file
//! hold the same privileges. A script writes the owner as `CURRENT_USER`
//! for an object it creates (the role that runs it owns it) and by name
//! for one that exists. Privileges are compared by grantee, privilege and
//! grant option; who granted them is not compared, and a script's `REVOKE`
//! takes away what the owner granted, as run by the owner or a superuser.

use serde::{Deserialize, Serialize};

use super::{Catalog, Column};

use crate::names::{Name, Privilege, QualName};
use crate::read::IntrospectError;
use crate::sql::{GrantDef, GrantTarget, Ident, RoleSpec, Stmt};

/// Who a privilege is granted to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AclGrantee {
    Public,
    /// The object's owner, whatever its name.
    Owner,
    Role(Name),
}

/// One privilege of one grantee.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AclEntry {
    pub grantee: AclGrantee,
    pub privilege: Privilege,
    /// `WITH GRANT OPTION`.
    #[serde(default)]
    pub grant_option: bool,
}

/// No privileges beyond the default: what a column without grants of its
/// own holds.
pub static DEFAULT: Acl = Acl {
    granted: Vec::new(),
    revoked: Vec::new(),
};

/// An object's privileges, relative to its default. Both lists are sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// What it grants that the default does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub granted: Vec<AclEntry>,
    /// What the default grants that it does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<AclEntry>,
}

/// How much of one privilege a grantee holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Plain,
    GrantOption,
}

impl Level {
    fn of(grant_option: bool) -> Level {
        if grant_option {
            Level::GrantOption
        } else {
            Level::Plain
        }
    }
}

/// What a script does to one grantee's privileges, in the order it does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Revoke,
    RevokeGrantOption,
    Grant,
    GrantWithOption,
}

impl Acl {
    /// Reads the JSON of `read::acl_json!`; `None` (SQL NULL) is the default.
    pub fn from_json(text: Option<&str>) -> Result<Acl, String> {
        let Some(text) = text else {
            return Ok(Acl::default());
        };
        type Row = (String, String, Option<String>, String, bool);
        let rows: Vec<Row> =
            serde_json::from_str(text).map_err(|e| format!("unreadable ACL: {e}"))?;
        let mut acl = Acl::default();
        for (sign, who, role, privilege, grant_option) in rows {
            let grantee = match (who.as_str(), role) {
                ("p", _) => AclGrantee::Public,
                ("o", _) => AclGrantee::Owner,
                ("r", Some(role)) => AclGrantee::Role(role.into()),
                _ => return Err(format!("unknown grantee {who:?} in an ACL")),
            };
            let privilege = Privilege::from_name(&privilege)
                .ok_or_else(|| format!("unknown privilege {privilege:?} in an ACL"))?;
            let entry = AclEntry {
                grantee,
                privilege,
                grant_option,
            };
            match sign.as_str() {
                "+" => acl.granted.push(entry),
                "-" => acl.revoked.push(entry),
                _ => return Err(format!("unknown sign {sign:?} in an ACL")),
            }
        }
        acl.granted.sort();
        acl.granted.dedup();
        acl.revoked.sort();
        acl.revoked.dedup();
        Ok(acl)
    }

    /// The privileges of `what` (`table public.t`) from
    /// `read::acl_json!`'s text.
    pub fn read(text: Option<&str>, what: impl FnOnce() -> String) -> Result<Acl, IntrospectError> {
        Acl::from_json(text).map_err(|reason| IntrospectError::Privileges {
            what: what(),
            reason,
        })
    }

    pub fn is_default(&self) -> bool {
        self.granted.is_empty() && self.revoked.is_empty()
    }

    /// The roles it names by name.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.granted
            .iter()
            .chain(&self.revoked)
            .filter_map(|entry| match &entry.grantee {
                AclGrantee::Role(name) => Some(name.as_str()),
                _ => None,
            })
    }

    /// What `grantee` holds of `privilege`, given what the default holds.
    fn level(&self, grantee: &AclGrantee, privilege: Privilege, default: Level) -> Level {
        let matching = |list: &[AclEntry]| -> Option<Level> {
            list.iter()
                .filter(|e| &e.grantee == grantee && e.privilege == privilege)
                .map(|e| Level::of(e.grant_option))
                .max()
        };
        match (matching(&self.granted), matching(&self.revoked)) {
            (Some(level), _) => level,
            (None, Some(_)) => Level::None,
            (None, None) => default,
        }
    }
}

/// The `GRANT`s and `REVOKE`s that turn the privileges `old` into `new` on
/// `target` (on its `column`, for a column's). `owner` is how the script
/// names the object's owner.
pub fn changes(
    old: &Acl,
    new: &Acl,
    target: &GrantTarget,
    column: Option<&str>,
    owner: &RoleSpec,
) -> Vec<Stmt> {
    if old == new {
        return Vec::new();
    }
    // Every (grantee, privilege) either side names, with what the default
    // holds of it: a revoked entry says, else the default holds nothing.
    let mut keys: Vec<(&AclGrantee, Privilege)> = old
        .granted
        .iter()
        .chain(&old.revoked)
        .chain(&new.granted)
        .chain(&new.revoked)
        .map(|e| (&e.grantee, e.privilege))
        .collect();
    keys.sort();
    keys.dedup();
    let mut actions: Vec<(&AclGrantee, Action, Privilege)> = Vec::new();
    for (grantee, privilege) in keys {
        let default = old
            .revoked
            .iter()
            .chain(&new.revoked)
            .filter(|e| e.grantee == *grantee && e.privilege == privilege)
            .map(|e| Level::of(e.grant_option))
            .max()
            .unwrap_or(Level::None);
        let before = old.level(grantee, privilege, default);
        let after = new.level(grantee, privilege, default);
        let action = match (before, after) {
            (a, b) if a == b => continue,
            (_, Level::None) => Action::Revoke,
            (Level::GrantOption, Level::Plain) => Action::RevokeGrantOption,
            (_, Level::Plain) => Action::Grant,
            (_, Level::GrantOption) => Action::GrantWithOption,
        };
        actions.push((grantee, action, privilege));
    }
    actions.sort();
    let mut stmts: Vec<Stmt> = Vec::new();
    for group in actions.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        let (grantee, action, _) = group[0];
        let def = GrantDef {
            privileges: group.iter().map(|(_, _, p)| *p).collect(),
            column: column.map(|c| Ident(c.to_owned())),
            target: target.clone(),
            role: match grantee {
                AclGrantee::Public => RoleSpec::Public,
                AclGrantee::Owner => owner.clone(),
                AclGrantee::Role(name) => RoleSpec::Role(Ident(name.to_string())),
            },
            grant_option: matches!(action, Action::RevokeGrantOption | Action::GrantWithOption),
        };
        stmts.push(match action {
            Action::Revoke | Action::RevokeGrantOption => Stmt::Revoke(def),
            Action::Grant | Action::GrantWithOption => Stmt::Grant(def),
        });
    }
    stmts
}

/// Every ACL a catalog holds (columns' own included), to change in place.
pub(super) fn each_mut(catalog: &mut Catalog, mut f: impl FnMut(&mut Acl)) {
    catalog.schemas.iter_mut().for_each(|x| f(&mut x.acl));
    for table in &mut catalog.tables {
        f(&mut table.acl);
        for extra in table.columns.iter_mut().filter_map(Column::extra_mut) {
            extra.acl.iter_mut().for_each(&mut f);
            extra
                .identity
                .iter_mut()
                .for_each(|identity| f(&mut identity.acl));
        }
    }
    catalog.views.iter_mut().for_each(|x| f(&mut x.acl));
    catalog.sequences.iter_mut().for_each(|x| f(&mut x.acl));
    catalog.functions.iter_mut().for_each(|x| f(&mut x.acl));
    catalog.enums.iter_mut().for_each(|x| f(&mut x.acl));
    catalog.domains.iter_mut().for_each(|x| f(&mut x.acl));
    catalog.composites.iter_mut().for_each(|x| f(&mut x.acl));
    catalog.ranges.iter_mut().for_each(|x| f(&mut x.acl));
    catalog
        .foreign_data_wrappers
        .iter_mut()
        .for_each(|x| f(&mut x.acl));
    catalog
        .foreign_servers
        .iter_mut()
        .for_each(|x| f(&mut x.acl));
    catalog.default_acls.iter_mut().for_each(|x| f(&mut x.acl));
}

/// Sets every privilege of `catalog` to its default, for `--ignore
/// privileges`: both sides then hold none to compare. Returns how many
/// objects held privileges other than their default.
pub fn leave_out_privileges(catalog: &mut Catalog) -> usize {
    let mut count = 0;
    let mut clear = |acl: &mut Acl| {
        count += usize::from(!acl.is_default());
        *acl = Acl::default();
    };
    catalog.schemas.iter_mut().for_each(|x| clear(&mut x.acl));
    for table in &mut catalog.tables {
        clear(&mut table.acl);
        for column in &mut table.columns {
            column.update_extra(|extra| {
                if let Some(acl) = extra.acl.as_mut() {
                    clear(acl);
                }
                extra.acl = None;
                if let Some(identity) = extra.identity.as_mut() {
                    clear(&mut identity.acl);
                }
            });
        }
    }
    catalog.views.iter_mut().for_each(|x| clear(&mut x.acl));
    catalog.sequences.iter_mut().for_each(|x| clear(&mut x.acl));
    catalog.functions.iter_mut().for_each(|x| clear(&mut x.acl));
    catalog.enums.iter_mut().for_each(|x| clear(&mut x.acl));
    catalog.domains.iter_mut().for_each(|x| clear(&mut x.acl));
    catalog
        .composites
        .iter_mut()
        .for_each(|x| clear(&mut x.acl));
    catalog.ranges.iter_mut().for_each(|x| clear(&mut x.acl));
    catalog
        .foreign_data_wrappers
        .iter_mut()
        .for_each(|x| clear(&mut x.acl));
    catalog
        .foreign_servers
        .iter_mut()
        .for_each(|x| clear(&mut x.acl));
    // Default privileges are nothing but privileges: they go.
    count += catalog.default_acls.len();
    catalog.default_acls.clear();
    count
}

/// The statements that turn the privileges `old` into `new` on an object
/// that exists, owned by `owner` (see `owner::role`).
pub fn alter(old: &Acl, new: &Acl, target: &GrantTarget, owner: Option<&Name>) -> Vec<Stmt> {
    changes(old, new, target, None, &super::owner::role(owner))
}

/// The privileges of the type `name` from `old` (owned by `owner`) to
/// `new`: altered in place, or, for a type set aside and created again,
/// those of a new type.
pub fn of_type(
    old: &Acl,
    owner: Option<&Name>,
    new: &Acl,
    name: &QualName,
    set_aside: bool,
) -> Vec<Stmt> {
    let target = GrantTarget::Type(name.clone());
    if set_aside {
        on_create(new, &target, None)
    } else {
        alter(old, new, &target, owner)
    }
}

/// The statements that create a type (`create`) followed by its privileges.
pub fn create_type(mut create: Vec<Stmt>, acl: &Acl, name: &QualName) -> Vec<Stmt> {
    create.extend(on_create(acl, &GrantTarget::Type(name.clone()), None));
    create
}

/// The statements that give an object the script has just created exactly
/// what `acl` says of each `(grantee, privilege, grant option)` of `keys`,
/// whatever its `CREATE` gave it, since default privileges of the role
/// that runs the script may have given or withheld it. `held_by_default`
/// says what `acl` is relative to (`acldefault`): where `acl` differs from
/// it, [`on_create`] has granted or revoked the privilege already, and
/// where it does not, it is granted or revoked here; a key whose grant
/// option some default may give loses it explicitly where `acl` grants the
/// privilege alone.
pub fn settle(
    acl: &Acl,
    keys: &[(AclGrantee, Privilege, bool)],
    held_by_default: impl Fn(&AclGrantee, Privilege) -> bool,
    target: &GrantTarget,
) -> Vec<Stmt> {
    let mut stmts = Vec::new();
    for (grantee, privilege, option_given) in keys {
        let default = if held_by_default(grantee, *privilege) {
            Level::Plain
        } else {
            Level::None
        };
        let def = |grant_option| GrantDef {
            privileges: vec![*privilege],
            column: None,
            target: target.clone(),
            role: match grantee {
                AclGrantee::Public => RoleSpec::Public,
                AclGrantee::Owner => RoleSpec::CurrentUser,
                AclGrantee::Role(name) => RoleSpec::Role(Ident(name.to_string())),
            },
            grant_option,
        };
        let level = acl.level(grantee, *privilege, default);
        if level == default {
            stmts.push(match level {
                Level::None => Stmt::Revoke(def(false)),
                Level::Plain => Stmt::Grant(def(false)),
                Level::GrantOption => Stmt::Grant(def(true)),
            });
        }
        if level == Level::Plain && *option_given {
            stmts.push(Stmt::Revoke(def(true)));
        }
    }
    stmts
}

/// The statements that give an object the script creates its privileges:
/// it starts with the default, and belongs to the role that runs the script.
pub fn on_create(acl: &Acl, target: &GrantTarget, column: Option<&str>) -> Vec<Stmt> {
    changes(&Acl::default(), acl, target, column, &RoleSpec::CurrentUser)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(grantee: AclGrantee, privilege: Privilege, grant_option: bool) -> AclEntry {
        AclEntry {
            grantee,
            privilege,
            grant_option,
        }
    }

    fn role(name: &str) -> AclGrantee {
        AclGrantee::Role(name.into())
    }

    fn check(old: &Acl, new: &Acl, expected: &[&str]) {
        let target = GrantTarget::Table(QualName::new("public", "t"));
        let owner = RoleSpec::Role(Ident("app".into()));
        let stmts: Vec<String> = changes(old, new, &target, None, &owner)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(stmts, expected);
    }

    #[test]
    fn reads_the_query_json() {
        let acl = Acl::from_json(Some(
            r#"[["+","r","rea\"der","SELECT",false],["+","p",null,"INSERT",true],
               ["-","o",null,"DELETE",false]]"#,
        ))
        .unwrap();
        assert_eq!(
            acl.granted,
            [
                entry(AclGrantee::Public, Privilege::Insert, true),
                entry(role("rea\"der"), Privilege::Select, false),
            ]
        );
        assert_eq!(
            acl.revoked,
            [entry(AclGrantee::Owner, Privilege::Delete, false)]
        );
        assert_eq!(Acl::from_json(None).unwrap(), Acl::default());
        assert!(Acl::from_json(Some(r#"[["+","r",null,"SELECT",false]]"#)).is_err());
        assert!(Acl::from_json(Some(r#"[["+","p",null,"SELECT; DROP",false]]"#)).is_err());
    }

    #[test]
    fn grants_and_revokes_only_what_differs() {
        let old = Acl {
            granted: vec![
                entry(role("a"), Privilege::Select, false),
                entry(role("b"), Privilege::Update, true),
            ],
            revoked: vec![],
        };
        let new = Acl {
            granted: vec![
                entry(AclGrantee::Public, Privilege::Select, false),
                entry(role("a"), Privilege::Insert, false),
                entry(role("a"), Privilege::Select, false),
                entry(role("b"), Privilege::Update, false),
            ],
            revoked: vec![entry(AclGrantee::Owner, Privilege::Truncate, false)],
        };
        check(
            &old,
            &new,
            &[
                "GRANT SELECT ON TABLE public.t TO PUBLIC",
                "REVOKE TRUNCATE ON TABLE public.t FROM app",
                "GRANT INSERT ON TABLE public.t TO a",
                "REVOKE GRANT OPTION FOR UPDATE ON TABLE public.t FROM b",
            ],
        );
        check(
            &new,
            &old,
            &[
                "REVOKE SELECT ON TABLE public.t FROM PUBLIC",
                "GRANT TRUNCATE ON TABLE public.t TO app",
                "REVOKE INSERT ON TABLE public.t FROM a",
                "GRANT UPDATE ON TABLE public.t TO b WITH GRANT OPTION",
            ],
        );
        check(&old, &old, &[]);
    }

    #[test]
    fn a_new_object_names_its_owner_as_the_current_user() {
        let acl = Acl {
            granted: vec![entry(role("x\"\n*/"), Privilege::Execute, true)],
            revoked: vec![
                entry(AclGrantee::Public, Privilege::Execute, false),
                entry(AclGrantee::Owner, Privilege::Execute, false),
            ],
        };
        let target = GrantTarget::Schema(Ident("s".into()));
        let stmts: Vec<String> = on_create(&acl, &target, Some("c"))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            stmts,
            [
                "REVOKE EXECUTE (c) ON SCHEMA s FROM PUBLIC",
                "REVOKE EXECUTE (c) ON SCHEMA s FROM CURRENT_USER",
                "GRANT EXECUTE (c) ON SCHEMA s TO \"x\"\"\n*/\" WITH GRANT OPTION",
            ]
        );
    }
}
