//! The role map (`--map-role dev_owner=prod_owner`): environments that give
//! the same part to roles of different names, compared as one. Every owner,
//! grantee and policy role named as a key of the map, on either side, is
//! read as its value before the diff, so scripts name the value: the role
//! of the environment the map leads to. Applied to both sides, since which
//! side is the one with the other names is the user's to know, not
//! pgrift's; a plan file carries the map so that `apply`, `verify` and the
//! drift guard read the live database the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Catalog;
use super::acl::{Acl, AclGrantee};
use crate::names::{Grantee, Name};

/// Role names and the names they are read as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleMap(pub BTreeMap<String, String>);

impl RoleMap {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads `from=to`, split at the first `=`: a role name with `=` in it
    /// can be mapped to, not from.
    ///
    /// Fails when either side is empty.
    pub fn parse_pair(text: &str) -> Result<(String, String), String> {
        match text.split_once('=') {
            Some((from, to)) if !from.is_empty() && !to.is_empty() => {
                Ok((from.to_owned(), to.to_owned()))
            }
            _ => Err(format!(
                "{text:?} is not a role map: write FROM_ROLE=TO_ROLE, as the server spells the names"
            )),
        }
    }

    /// Adds `from` read as `to`.
    ///
    /// Fails when `from` is already read as another role, or when `to` is
    /// itself read as another (a chain would depend on the order).
    pub fn insert(&mut self, from: String, to: String) -> Result<(), String> {
        if let Some(other) = self.0.get(&from).filter(|other| **other != to) {
            return Err(format!(
                "role {from:?} is mapped twice, to {other:?} and to {to:?}"
            ));
        }
        if self.0.contains_key(&to) || self.0.values().any(|v| *v == from) {
            return Err(format!(
                "role {from:?} maps to {to:?}, and one of them is mapped itself; map each role \
                 straight to its last name"
            ));
        }
        self.0.insert(from, to);
        Ok(())
    }

    /// The map of these pairs.
    ///
    /// Fails as [`RoleMap::insert`] does.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RoleMap, String> {
        let mut map = RoleMap::default();
        for (from, to) in pairs {
            map.insert(from, to)?;
        }
        Ok(map)
    }

    /// The name `role` is read as.
    pub fn role<'a>(&'a self, role: &'a str) -> &'a str {
        self.0.get(role).map_or(role, String::as_str)
    }

    fn name(&self, name: &mut Name) {
        if let Some(to) = self.0.get(name.as_str()) {
            *name = to.as_str().into();
        }
    }

    fn acl(&self, acl: &mut Acl) {
        for list in [&mut acl.granted, &mut acl.revoked] {
            for entry in list.iter_mut() {
                if let AclGrantee::Role(name) = &mut entry.grantee {
                    self.name(name);
                }
            }
            list.sort();
            list.dedup();
        }
    }

    /// Reads every owner, grantee and policy role of `catalog` through the
    /// map.
    pub fn apply(&self, catalog: &mut Catalog) {
        if self.is_empty() {
            return;
        }
        super::owner::each_mut(catalog, |owner| {
            if let Some(name) = owner {
                self.name(name);
            }
        });
        super::acl::each_mut(catalog, |acl| self.acl(acl));
        for defaults in &mut catalog.default_acls {
            if let Some(role) = &mut defaults.role {
                self.name(role);
            }
        }
        // A role is part of default privileges' identity: they sort anew.
        catalog.normalize();
        for policy in &mut catalog.policies {
            for role in &mut policy.roles {
                if let Grantee::Role(name) = role {
                    self.name(name);
                }
            }
            policy.roles.sort();
            policy.roles.dedup();
        }
        // A user mapping is named by its role: a mapped role gives it
        // another identity, and the list its order again.
        for mapping in &mut catalog.user_mappings {
            if !mapping.role.is_empty() {
                self.name(&mut mapping.role);
            }
        }
        catalog
            .user_mappings
            .sort_by(|a, b| (&a.server, &a.role).cmp(&(&b.server, &b.role)));
    }

    /// The roles of a server as a script written through the map sees them:
    /// a server that has a key of the map has its value too, for the map
    /// says the two are one role (the role check of a live target).
    pub fn roles(&self, server: &BTreeSet<String>) -> BTreeSet<String> {
        server
            .iter()
            .flat_map(|role| [role.clone(), self.role(role).to_owned()])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Schema, Table};
    use crate::names::{Privilege, QualName};

    fn map(pairs: &[(&str, &str)]) -> RoleMap {
        RoleMap::from_pairs(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned())),
        )
        .unwrap()
    }

    #[test]
    fn pairs_split_at_the_first_equals_sign() {
        assert_eq!(
            RoleMap::parse_pair("dev=prod=x").unwrap(),
            ("dev".to_owned(), "prod=x".to_owned())
        );
        assert_eq!(
            RoleMap::parse_pair("dév \"owner\"=prod").unwrap(),
            ("dév \"owner\"".to_owned(), "prod".to_owned())
        );
        for bad in ["dev", "=prod", "dev=", ""] {
            assert!(RoleMap::parse_pair(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_role_maps_once_and_straight() {
        let mut m = map(&[("a", "b")]);
        assert!(m.insert("a".into(), "b".into()).is_ok());
        assert!(m.insert("a".into(), "c".into()).is_err());
        assert!(m.insert("b".into(), "c".into()).is_err());
        assert!(m.insert("z".into(), "a".into()).is_err());
    }

    #[test]
    fn owners_grantees_and_policy_roles_are_read_through_the_map() {
        let m = map(&[("dev", "prod"), ("dev_reader", "reader")]);
        let acl = |roles: &[&str]| Acl {
            granted: roles
                .iter()
                .map(|r| crate::catalog::acl::AclEntry {
                    grantee: AclGrantee::Role((*r).into()),
                    privilege: Privilege::Select,
                    grant_option: false,
                })
                .collect(),
            revoked: Vec::new(),
        };
        let mut table = Table::new(QualName::new("s", "t"), Vec::new());
        table.owner = Some("dev".into());
        table.acl = acl(&["reader", "dev_reader", "other"]);
        let mut catalog = Catalog {
            schemas: vec![Schema {
                name: "s".into(),
                comment: None,
                acl: Acl::default(),
                owner: Some("kept".into()),
            }],
            tables: vec![table],
            ..Catalog::default()
        };
        m.apply(&mut catalog);
        assert_eq!(catalog.schemas[0].owner.as_deref(), Some("kept"));
        let table = &catalog.tables[0];
        assert_eq!(table.owner.as_deref(), Some("prod"));
        assert_eq!(table.acl, acl(&["other", "reader"]));
        let server: BTreeSet<String> = ["dev".to_owned()].into();
        assert_eq!(
            m.roles(&server).into_iter().collect::<Vec<_>>(),
            ["dev", "prod"]
        );
    }

    #[test]
    fn user_mappings_are_named_by_the_mapped_role_and_sorted_again() {
        let m = map(&[("dev", "zz_prod")]);
        let mapping = |role: &str| crate::catalog::UserMapping {
            server: "s".into(),
            role: role.into(),
            options: Vec::new(),
        };
        let mut catalog = Catalog {
            user_mappings: vec![mapping(""), mapping("dev"), mapping("other")],
            ..Catalog::default()
        };
        m.apply(&mut catalog);
        let roles: Vec<&str> = catalog
            .user_mappings
            .iter()
            .map(|u| u.role.as_str())
            .collect();
        assert_eq!(roles, ["", "other", "zz_prod"]);
    }
}
