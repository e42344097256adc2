//! Owners: who an object belongs to, compared by role name.
//!
//! Not a kind of its own: an owner belongs to its object (a schema, a table,
//! view, materialized view or sequence, a function or procedure, a type or
//! domain, a statistics object, an event trigger, an operator, an
//! operator family or class) and is compared with it. Extensions have an
//! owner too, but `ALTER EXTENSION` cannot change it (only `REASSIGN OWNED`
//! can), so theirs is not compared. A sequence owned by a column follows its
//! table: `ALTER TABLE … OWNER TO` carries it along, and PostgreSQL refuses
//! to give it an owner of its own while the link lasts.
//!
//! An owner is `None` when the object belongs to whoever runs the script:
//! in a database pgrift loaded `.sql` files into, what the loading role
//! created (the files did not say who should own it, so a schema file
//! compared with a live database changes no owner), and `public` while it
//! keeps the owner the server created it with (the bootstrap superuser
//! before PostgreSQL 15, `pg_database_owner` from 15), whatever its name.
//!
//! A script changes an owner only to a named one: `None` on TO's side is no
//! wish. An object the script creates with a named owner gets `ALTER …
//! OWNER TO` after its `CREATE` and its privileges, even when the role that
//! runs the script may be that very owner: the script cannot know who runs
//! it, and only an explicit owner makes the result TO's whoever does. The
//! owner comes after the privileges because `ALTER … OWNER TO` carries the
//! owner's privileges over to the new owner, so the privileges name the
//! owner as it was (`CURRENT_USER` for an object the script creates).

use super::Catalog;
use crate::names::{Name, QualName};
use crate::sql::{Ident, Keyword, ObjectName, OwnedObject, RoleSpec, Stmt};

/// The `ALTER … OWNER TO` that gives an object with the owner `old` the
/// owner `new`; nothing when `new` names none or the same.
pub fn alter(
    old: Option<&Name>,
    new: Option<&Name>,
    object: impl FnOnce() -> OwnedObject,
) -> Vec<Stmt> {
    match new {
        Some(new) if old != Some(new) => vec![Stmt::AlterOwner {
            object: object(),
            owner: Ident(new.to_string()),
        }],
        _ => Vec::new(),
    }
}

/// The `ALTER … OWNER TO` of an object the script creates, which belongs
/// to the role that runs it until then.
pub fn on_create(owner: Option<&Name>, object: impl FnOnce() -> OwnedObject) -> Vec<Stmt> {
    alter(None, owner, object)
}

/// The owner of a type from `old` to `new`: changed in place, or, for a
/// type set aside and created again, that of a new type.
pub fn of_type(
    old: Option<&Name>,
    new: Option<&Name>,
    set_aside: bool,
    object: impl FnOnce() -> OwnedObject,
) -> Vec<Stmt> {
    if set_aside {
        on_create(new, object)
    } else {
        alter(old, new, object)
    }
}

/// A schema-qualified object by its keyword (`TABLE`, `TYPE`).
pub fn named(keyword: &'static str, name: &QualName) -> OwnedObject {
    OwnedObject::Named(ObjectName {
        keyword: Keyword(keyword),
        name: name.clone(),
    })
}

/// How a script names the owner of an object that exists: by name, or as
/// `CURRENT_USER` when it belongs to whoever runs the script.
pub fn role(owner: Option<&Name>) -> RoleSpec {
    match owner {
        Some(name) => RoleSpec::Role(Ident(name.to_string())),
        None => RoleSpec::CurrentUser,
    }
}

/// Takes the default privileges of `runner`, the role a deployment runs
/// as, in the live catalog `live` as the role's that runs the script
/// wherever `expected` has them so and not by `runner`'s name: a plan made
/// from `.sql` files writes them without `FOR ROLE`, which gives them to
/// the role that ran it.
pub fn runner_defaults_as_in(live: &mut Catalog, expected: &Catalog, runner: &str) {
    let sites = |role: Option<&str>| -> std::collections::BTreeSet<(Option<&Name>, crate::names::DefaultObjects)> {
        expected
            .default_acls
            .iter()
            .filter(|x| x.role.as_deref() == role)
            .map(|x| (x.schema.as_ref(), x.objects))
            .collect()
    };
    let (unnamed, named) = (sites(None), sites(Some(runner)));
    for x in &mut live.default_acls {
        let site = (x.schema.as_ref(), x.objects);
        if x.role.as_deref() == Some(runner) && unnamed.contains(&site) && !named.contains(&site) {
            x.role = None;
        }
    }
    live.normalize();
}

/// Calls `$apply!(list, key)` for each list of a catalog whose objects have
/// an owner, with a closure that gives an object's identity in its list.
macro_rules! ownable {
    ($apply:ident) => {
        $apply!(schemas, |x| x.name.clone());
        $apply!(tables, |x| x.name.clone());
        $apply!(views, |x| x.name.clone());
        $apply!(sequences, |x| x.name.clone());
        $apply!(functions, |x| (x.name.clone(), x.identity_args.clone()));
        $apply!(enums, |x| x.name.clone());
        $apply!(domains, |x| x.name.clone());
        $apply!(composites, |x| x.name.clone());
        $apply!(ranges, |x| x.name.clone());
        $apply!(statistics, |x| x.name.clone());
        $apply!(collations, |x| x.name.clone());
        $apply!(publications, |x| x.name.clone());
        $apply!(aggregates, |x| (x.name.clone(), x.identity_args.clone()));
        $apply!(ts_dictionaries, |x| x.name.clone());
        $apply!(ts_configs, |x| x.name.clone());
        $apply!(event_triggers, |x| x.name.clone());
        $apply!(operators, |x| (x.name.clone(), x.args.clone()));
        $apply!(operator_families, |x| (x.name.clone(), x.method.clone()));
        $apply!(operator_classes, |x| (x.name.clone(), x.method.clone()));
        $apply!(foreign_data_wrappers, |x| x.name.clone());
        $apply!(foreign_servers, |x| x.name.clone());
        $apply!(subscriptions, |x| x.name.clone());
    };
}

/// Every owner a catalog holds, to change in place.
pub(super) fn each_mut(catalog: &mut Catalog, mut f: impl FnMut(&mut Option<Name>)) {
    macro_rules! each {
        ($list:ident, $key:expr) => {
            catalog.$list.iter_mut().for_each(|x| f(&mut x.owner))
        };
    }
    ownable!(each);
}

/// Takes the objects `role` owns as owned by whoever runs the script: the
/// role that loaded `.sql` files into a shadow database stands for that
/// role, and its name is pgrift's own.
/// The default privileges of that role are those of whoever runs the
/// script too (a file's `ALTER DEFAULT PRIVILEGES` without `FOR ROLE`).
pub fn forget(catalog: &mut Catalog, role: &str) {
    let forget = |owner: &mut Option<Name>| {
        if owner.as_ref().is_some_and(|name| name.as_str() == role) {
            *owner = None;
        }
    };
    each_mut(catalog, forget);
    catalog
        .default_acls
        .iter_mut()
        .for_each(|defaults| forget(&mut defaults.role));
    // A role is part of default privileges' identity: they sort anew.
    catalog.normalize();
}

/// Takes the objects of `live` as owned by whoever runs the script where
/// the same object of `expected` is: a plan made from `.sql` files knows
/// no owner for what they create, so the database it is applied to may
/// give them any (the drift guard of `deploy`).
pub fn unknown_as_in(live: &mut Catalog, expected: &Catalog) {
    fn align<T, K: Ord>(
        live: &mut [T],
        expected: &[T],
        key: impl Fn(&T) -> K,
        unknown: impl Fn(&T) -> bool,
        owner: impl Fn(&mut T) -> &mut Option<Name>,
    ) {
        let unknown: std::collections::BTreeSet<K> =
            expected.iter().filter(|x| unknown(x)).map(&key).collect();
        for x in live.iter_mut() {
            if unknown.contains(&key(x)) {
                *owner(x) = None;
            }
        }
    }
    macro_rules! each {
        ($list:ident, $key:expr) => {
            align(
                &mut live.$list,
                &expected.$list,
                $key,
                |x| x.owner.is_none(),
                |x| &mut x.owner,
            )
        };
    }
    ownable!(each);
}

/// Takes every object as owned by whoever runs the script, for `--ignore
/// owners`: both sides then hold no owner to compare. Returns how many
/// objects had an owner.
pub fn leave_out_owners(catalog: &mut Catalog) -> usize {
    let mut count = 0;
    each_mut(catalog, |owner| {
        count += usize::from(owner.take().is_some())
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(old: Option<&str>, new: Option<&str>, expected: &[&str]) {
        let (old, new) = (old.map(Name::from), new.map(Name::from));
        let object = || named("TABLE", &QualName::new("public", "t"));
        let stmts: Vec<String> = alter(old.as_ref(), new.as_ref(), object)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(stmts, expected, "{old:?} -> {new:?}");
    }

    #[test]
    fn changes_only_to_a_named_owner() {
        check(Some("a"), Some("a"), &[]);
        check(Some("a"), None, &[]);
        check(None, None, &[]);
        check(Some("a"), Some("b"), &["ALTER TABLE public.t OWNER TO b"]);
        check(
            None,
            Some("we\"ird */ -- rôle\nx"),
            &["ALTER TABLE public.t OWNER TO \"we\"\"ird */ -- rôle\nx\""],
        );
    }

    fn tables(owners: &[(&str, Option<&str>)]) -> Catalog {
        Catalog {
            tables: owners
                .iter()
                .map(|(name, owner)| {
                    let mut table =
                        crate::catalog::Table::new(QualName::new("s", *name), Vec::new());
                    table.owner = owner.map(Name::from);
                    table
                })
                .collect(),
            ..Catalog::default()
        }
    }

    fn owners(catalog: &Catalog) -> Vec<Option<&str>> {
        catalog.tables.iter().map(|t| t.owner.as_deref()).collect()
    }

    #[test]
    fn the_loader_the_unknown_and_the_ignored_belong_to_whoever_runs_the_script() {
        let mut catalog = tables(&[("a", Some("loader")), ("b", Some("app")), ("c", None)]);
        forget(&mut catalog, "loader");
        assert_eq!(owners(&catalog), [None, Some("app"), None]);

        let expected = tables(&[("a", None), ("b", Some("app")), ("d", None)]);
        let mut live = tables(&[("a", Some("x")), ("b", Some("y")), ("c", Some("z"))]);
        unknown_as_in(&mut live, &expected);
        assert_eq!(owners(&live), [None, Some("y"), Some("z")]);

        leave_out_owners(&mut live);
        assert_eq!(owners(&live), [None, None, None]);
    }

    #[test]
    fn an_existing_owner_is_named_and_the_runner_is_current_user() {
        assert_eq!(role(None).to_string(), "CURRENT_USER");
        assert_eq!(role(Some(&Name::from("App"))).to_string(), "\"App\"");
    }
}
