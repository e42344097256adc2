//! What a comparison leaves out of both sides before the diff: schemas
//! (`--schema`, `--exclude-schema`) and objects (`--exclude`), by the
//! patterns of `crate::pattern`.

use serde::{Deserialize, Serialize};

use super::Catalog;
use crate::pattern::Pattern;

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
}

impl Filter {
    /// True when the filter leaves nothing out.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty() && self.exclude_schemas.is_empty() && self.exclude.is_empty()
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
        Ok(notes)
    }
}
