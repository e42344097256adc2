//! What a comparison leaves out of both sides before the diff: schemas
//! (`--schema`, `--exclude-schema`) and objects (`--exclude`), by the
//! patterns of `crate::pattern`, and parts of every object (`--ignore`)
//! that environments keep different on purpose.

use serde::{Deserialize, Serialize};

use super::Catalog;
use super::acl::leave_out_privileges;
use super::owner::leave_out_owners;
use crate::pattern::Pattern;

/// A part of the schema that a comparison leaves out of both sides
/// (`--ignore`), for teams whose environments differ there on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ignore {
    /// Every object's privileges are taken as its default: no `GRANT` or
    /// `REVOKE` is compared or written.
    Privileges,
    /// Every object is taken as owned by whoever runs the script: no owner
    /// is compared and no `OWNER TO` written.
    Owners,
    /// No `COMMENT ON` is compared or written.
    Comments,
    /// Row-level security policies are left out (whether a table enables
    /// row-level security is still compared).
    Policies,
    /// Extensions are compared by name and schema; a created one gets the
    /// server's default version.
    ExtensionVersions,
    /// No note is made of columns that stand in another order. The diff
    /// never writes a statement for it, so this leaves nothing out of a
    /// catalog.
    ColumnOrder,
}

impl Ignore {
    /// The name `--ignore` takes.
    pub fn name(self) -> &'static str {
        match self {
            Ignore::Privileges => "privileges",
            Ignore::Owners => "owners",
            Ignore::Comments => "comments",
            Ignore::Policies => "policies",
            Ignore::ExtensionVersions => "extension-versions",
            Ignore::ColumnOrder => "column-order",
        }
    }

    /// Leaves this part out of `catalog`; returns what was left out, in
    /// words, or nothing when there was nothing to leave out.
    fn leave_out(self, catalog: &mut Catalog) -> Option<String> {
        let (count, one, many) = match self {
            Ignore::Privileges => (
                leave_out_privileges(catalog),
                "the privileges of 1 object",
                "objects' privileges",
            ),
            Ignore::Owners => (
                leave_out_owners(catalog),
                "the owner of 1 object",
                "objects' owners",
            ),
            Ignore::Comments => (catalog.leave_out_comments(), "1 comment", "comments"),
            Ignore::Policies => {
                let count = catalog.policies.len();
                catalog.policies.clear();
                (count, "1 policy", "policies")
            }
            Ignore::ExtensionVersions => {
                let count = catalog.extensions.len();
                for extension in &mut catalog.extensions {
                    extension.version.clear();
                    extension.update_targets = None;
                }
                (count, "the version of 1 extension", "extensions' versions")
            }
            Ignore::ColumnOrder => (0, "", ""),
        };
        match count {
            0 => None,
            1 => Some(format!("--ignore {} left out {one}", self.name())),
            n => Some(format!("--ignore {} left out {n} {many}", self.name())),
        }
    }
}

/// The patterns as the user gave them, so that a plan file can carry them
/// to `apply`, which must leave out of the live database what the plan
/// left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Only these schemas, when any is given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_schemas: Vec<String>,
    /// Objects a schema holds (`schema.name` or `name`), with everything
    /// on them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Parts of every object left out, sorted and without repeats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<Ignore>,
}

impl Filter {
    /// True when the filter leaves nothing out.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
            && self.exclude_schemas.is_empty()
            && self.exclude.is_empty()
            && self.ignore.is_empty()
    }

    /// Whether `--ignore` names `part`.
    pub fn ignores(&self, part: Ignore) -> bool {
        self.ignore.contains(&part)
    }

    /// Checks every pattern; the error names the one that does not read.
    pub fn check(&self) -> Result<(), String> {
        self.patterns().map(|_| ())
    }

    fn patterns(&self) -> Result<[Vec<Pattern>; 3], String> {
        let parse = |list: &[String]| -> Result<Vec<Pattern>, String> {
            list.iter().map(|p| Pattern::parse(p)).collect()
        };
        Ok([
            parse(&self.schemas)?,
            parse(&self.exclude_schemas)?,
            parse(&self.exclude)?,
        ])
    }

    /// Leaves out of `catalog` what the filter names; returns what was
    /// left out, in words, one line per option that left something out.
    pub fn apply(&self, catalog: &mut Catalog) -> Result<Vec<String>, String> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        let [schemas, exclude_schemas, exclude] = self.patterns()?;
        let mut notes = Vec::new();
        let gone = catalog.keep_schemas(|schema| {
            (schemas.is_empty() || schemas.iter().any(|p| p.matches_schema(schema)))
                && !exclude_schemas.iter().any(|p| p.matches_schema(schema))
        });
        if !gone.is_empty() {
            notes.push(format!(
                "--schema/--exclude-schema left out {} {}",
                if gone.len() == 1 { "schema" } else { "schemas" },
                gone.iter()
                    .map(|s| crate::quote::quote_ident(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let gone = catalog
            .keep_objects(|schema, name| !exclude.iter().any(|p| p.matches_object(schema, name)));
        if !gone.is_empty() {
            notes.push(format!("--exclude left out {}", gone.join(", ")));
        }
        notes.extend(
            self.ignore
                .iter()
                .filter_map(|part| part.leave_out(catalog)),
        );
        Ok(notes)
    }
}

impl Catalog {
    /// Removes every comment, for `--ignore comments`; returns how many
    /// there were. `leave_out_comments_covers_every_kind` (in
    /// `tests/it/coverage.rs`) fails on a comment this leaves behind.
    pub fn leave_out_comments(&mut self) -> usize {
        let mut count = 0;
        let mut view_columns = 0;
        let mut clear = |comment: &mut Option<String>| {
            count += usize::from(comment.take().is_some());
        };
        for schema in &mut self.schemas {
            clear(&mut schema.comment);
        }
        for table in &mut self.tables {
            clear(&mut table.comment);
            for column in table.columns.iter_mut().filter(|c| c.comment().is_some()) {
                column.update_extra(|extra| clear(&mut extra.comment));
            }
            table
                .constraints
                .iter_mut()
                .for_each(|c| clear(&mut c.comment));
        }
        for view in &mut self.views {
            clear(&mut view.comment);
            view_columns += view.column_comments.len();
            view.column_comments.clear();
        }
        for composite in &mut self.composites {
            clear(&mut composite.comment);
            composite
                .attributes
                .iter_mut()
                .for_each(|a| clear(&mut a.comment));
        }
        self.enums.iter_mut().for_each(|x| clear(&mut x.comment));
        self.sequences
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.indexes.iter_mut().for_each(|x| clear(&mut x.comment));
        self.functions
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.triggers.iter_mut().for_each(|x| clear(&mut x.comment));
        self.statistics
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.rules.iter_mut().for_each(|x| clear(&mut x.comment));
        self.domains.iter_mut().for_each(|x| clear(&mut x.comment));
        self.domain_checks
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.ranges.iter_mut().for_each(|x| clear(&mut x.comment));
        self.policies.iter_mut().for_each(|x| clear(&mut x.comment));
        self.collations
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.ts_dictionaries
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.ts_parsers
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.ts_templates
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.ts_configs
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.casts.iter_mut().for_each(|x| clear(&mut x.comment));
        self.publications
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.aggregates
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.event_triggers
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.subscriptions
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.operators
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.operator_families
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.operator_classes
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.foreign_data_wrappers
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        self.foreign_servers
            .iter_mut()
            .for_each(|x| clear(&mut x.comment));
        count + view_columns
    }
}
