//! The architecture's invariants as a test, in the manner of
//! rust-analyzer's `xtask/src/tidy.rs`: the layer diagram of
//! `ARCHITECTURE.md` (no import runs back up, no import circles), no SQL
//! built with `format!` outside `src/sql/` but in a named allow-list, a
//! fixture for every kind of object, and every risk rule in the README.
//!
//! It reads the source tree as text, so it needs neither a server nor a
//! Rust parser. The scanning is deliberately simple: comments and the
//! insides of string and character literals are blanked first, so that
//! what is left can be read token by token without being fooled by a path
//! in a doc comment or a brace in a string.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Files outside `src/sql/` that may build SQL text with `format!` or
/// `write!`, each with its reason. Test code (`#[cfg(test)]`) is not
/// checked: it builds text that stands for what a server printed, and
/// runs nothing. An entry that no longer needs it fails
/// the test, so the list only shrinks.
const SQL_FORMAT_ALLOWED: &[&str] = &[
    // `Cluster`'s helpers create and drop databases on the test server by a
    // name the caller gives, quoted through `quote_ident`.
    "src/source/cluster.rs",
    // The shadow's `DROP DATABASE`, with `WITH (FORCE)` on servers that have
    // it, and the same statement in the hint for dropping it by hand; the
    // name is quoted through `quote_ident`.
    "src/source/shadow.rs",
    // B-tree index definitions built as `pg_get_indexdef` prints them, to
    // spare the server that deparsing; names are quoted through
    // `quote_ident_with` with the server's keywords. A test compares them
    // with the server's.
    "src/read/indexdef.rs",
];

/// Statement verbs that start SQL. A literal holding one of them in upper
/// case, followed later by an interpolation, builds SQL. Clause words
/// (`FROM`, `TO`) are not among them: pgrift's messages name the two
/// schemas FROM and TO.
const SQL_VERBS: &[&str] = &[
    "ALTER", "ANALYZE", "COMMENT", "CREATE", "DELETE", "DROP", "EXPLAIN", "GRANT", "INSERT",
    "LOCK", "REINDEX", "RESET", "REVOKE", "SELECT", "SET", "TRUNCATE", "UPDATE", "VACUUM",
];

#[test]
fn modules_import_only_from_the_layers_below() {
    let tree = SourceTree::read();
    let layers = Layers::read();
    let mut problems = layers.check_modules(&tree);
    for import in &tree.imports {
        let from = tree.files[import.file].top();
        let to = tree.files[import.target].top();
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        if from == to {
            continue;
        }
        let (Some(&from_layer), Some(&to_layer)) = (layers.of.get(from), layers.of.get(to)) else {
            // A module missing from the diagram is reported by `check_modules`.
            continue;
        };
        if to_layer >= from_layer {
            let which = if to_layer == from_layer {
                "its own layer"
            } else {
                "a layer above"
            };
            problems.push(format!(
                "{}: `{}`: {from} (layer {from_layer}) imports {to} (layer {to_layer}), {which}; \
                 a module imports only from the layers below its own (ARCHITECTURE.md, `layers`)",
                tree.location(import),
                import.path,
            ));
        }
    }
    assert_none(&problems);
}

/// Circles between files. A circle between top-level modules always holds
/// an import within a layer or up, which the test above reports; this one
/// finds circles between the files of one module.
#[test]
fn no_import_circles() {
    let tree = SourceTree::read();
    let mut problems = Vec::new();
    for circle in tree.circles() {
        let mut message = String::from("import circle:");
        for import in circle {
            message.push_str(&format!(
                "\n  {}: `{}` -> {}",
                tree.location(import),
                import.path,
                tree.files[import.target].path.display(),
            ));
        }
        problems.push(message);
    }
    assert_none(&problems);
}

#[test]
fn sql_is_built_only_in_sql() {
    let tree = SourceTree::read();
    let mut problems = Vec::new();
    let mut needed = BTreeSet::new();
    for file in &tree.files {
        let path = file.path.to_string_lossy().into_owned();
        if path.starts_with("src/sql/") {
            continue;
        }
        for (line, literal) in file.formatted_sql() {
            if SQL_FORMAT_ALLOWED.contains(&path.as_str()) {
                needed.insert(path.clone());
            } else {
                problems.push(format!(
                    "{path}:{line}: SQL built with a format string, {literal:?}: build it as a \
                     statement of `src/sql/` (rendered through `Display`), or add the file to \
                     SQL_FORMAT_ALLOWED in tests/it/tidy.rs with the reason"
                ));
            }
        }
    }
    for allowed in SQL_FORMAT_ALLOWED {
        if !needed.contains(*allowed) {
            problems.push(format!(
                "{allowed}: listed in SQL_FORMAT_ALLOWED (tests/it/tidy.rs) but builds no SQL \
                 with a format string any more: remove it from the list"
            ));
        }
    }
    assert_none(&problems);
}

/// Every kind is created by the forward or reverse script of a fixture
/// (so, the round trip being both ways, dropped by the other): a step
/// comment of a script in `snapshots/` reads `create`, `add` or `set`, then
/// the kind's noun (its `ObjectKind::NOUN`).
#[test]
fn every_kind_has_a_fixture() {
    let nouns = kind_nouns();
    let scripts: Vec<String> = fs::read_dir(root().join("snapshots"))
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let mut problems = Vec::new();
    for (variant, module, kind) in registry_kinds() {
        let Some(noun) = nouns.get(&kind) else {
            problems.push(format!(
                "src/catalog/{module}.rs: no `impl ObjectKind for {kind}` with its NOUN \
                 (the registry names it for {variant})"
            ));
            continue;
        };
        let created = ["create", "add", "set"].iter().any(|verb| {
            let step = format!("-- {verb} {noun} ");
            scripts.iter().any(|script| script.contains(&step))
        });
        if !created {
            problems.push(format!(
                "{variant} ({noun}): no script in snapshots/ creates one: add a fixture \
                 (fixtures/<case>/from.sql, to.sql) whose FROM or TO has one that the other \
                 lacks"
            ));
        }
    }
    assert_none(&problems);
}

/// The noun of each type that implements `ObjectKind` in `src/catalog/`.
fn kind_nouns() -> BTreeMap<String, String> {
    let mut nouns = BTreeMap::new();
    for path in rs_files(&root().join("src/catalog")) {
        let text = fs::read_to_string(&path).unwrap();
        for (start, _) in text.match_indices("ObjectKind<'a> for ") {
            let rest = &text[start + "ObjectKind<'a> for ".len()..];
            let kind: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let noun = rest
                .split("const NOUN: &'static str = \"")
                .nth(1)
                .and_then(|after| after.split('"').next());
            if let Some(noun) = noun {
                nouns.insert(kind, noun.to_owned());
            }
        }
    }
    nouns
}

/// A file of `src/catalog/` that implements `ObjectKind` is a kind, and a
/// kind the registry does not list is never read, diffed or written.
#[test]
fn every_kind_file_is_registered() {
    let registered: BTreeSet<String> = registry_kinds()
        .into_iter()
        .map(|(_, module, _)| module)
        .collect();
    let mut problems = Vec::new();
    for path in rs_files(&root().join("src/catalog")) {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        if text.contains("ObjectKind<'a> for") && !registered.contains(&stem) {
            problems.push(format!(
                "src/catalog/{stem}.rs implements ObjectKind but is not in the `kinds` list \
                 of src/catalog/registry.rs: add its line"
            ));
        }
    }
    for module in &registered {
        if !root().join(format!("src/catalog/{module}.rs")).exists() {
            problems.push(format!(
                "src/catalog/registry.rs names the module {module}, which has no file"
            ));
        }
    }
    assert_none(&problems);
}

/// A kind whose file reads its own objects is in the registry's `read`
/// list: nothing else would run its query, and its list would stay empty
/// without a word.
#[test]
fn every_read_kind_is_read() {
    let text: Vec<char> = read("src/catalog/registry.rs").chars().collect();
    let code: String = blank(&text).into_iter().collect();
    let list = code
        .split("read: [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("src/catalog/registry.rs has a `read: [` list");
    let read_kinds: BTreeSet<&str> = list
        .split(',')
        .filter_map(|entry| entry.split("::").nth(1))
        .map(str::trim)
        .collect();
    let mut problems = Vec::new();
    for path in rs_files(&root().join("src/catalog")) {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        const IMPL: &str = "impl ReadKind for ";
        for (at, _) in text.match_indices(IMPL) {
            let kind = text[at + IMPL.len()..]
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap_or_default();
            if !read_kinds.contains(kind) {
                problems.push(format!(
                    "src/catalog/{stem}.rs: {kind} implements ReadKind but is not in the `read` \
                     list of src/catalog/registry.rs: add it, or its objects are never read"
                ));
            }
        }
    }
    assert!(!read_kinds.is_empty(), "the `read` list was not found");
    assert_none(&problems);
}

#[test]
fn every_rule_is_in_the_readme() {
    let readme = read("README.md");
    let mut problems = Vec::new();
    for path in rs_files(&root().join("src/risk/rules")) {
        let stem = path.file_stem().unwrap().to_string_lossy();
        if stem == "mod" || stem == "testing" {
            continue;
        }
        let id = stem.replace('_', "-");
        if !readme.contains(&format!("`{id}`")) {
            problems.push(format!(
                "src/risk/rules/{stem}.rs: rule `{id}` is not mentioned in README.md: \
                 add it to the table of risk categories"
            ));
        }
    }
    assert_none(&problems);
}

fn assert_none(problems: &[String]) {
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Every `.rs` file below `dir`, sorted, so that messages come in a stable
/// order.
fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The layer diagram: the fenced `layers` block of ARCHITECTURE.md, one
/// line per layer from the top down, `number: modules`.
struct Layers {
    of: BTreeMap<String, usize>,
}

impl Layers {
    fn read() -> Layers {
        let document = read("ARCHITECTURE.md");
        let block = document
            .split("```layers\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("ARCHITECTURE.md has no ```layers block");
        let mut of = BTreeMap::new();
        for line in block.lines() {
            let line = line.split('#').next().unwrap().trim();
            if line.is_empty() {
                continue;
            }
            let (number, modules) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("ARCHITECTURE.md, layers: {line:?} is not `n: modules`"));
            let number: usize = number
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("ARCHITECTURE.md, layers: {number:?} is no number"));
            for module in modules.split_whitespace() {
                let earlier = of.insert(module.to_owned(), number);
                assert!(
                    earlier.is_none(),
                    "ARCHITECTURE.md, layers: {module} is listed twice"
                );
            }
        }
        Layers { of }
    }

    /// The diagram and the tree name the same modules: every top-level
    /// module of `src/` is in a layer, and every module of a layer exists.
    fn check_modules(&self, tree: &SourceTree) -> Vec<String> {
        let present: BTreeSet<&str> = tree.files.iter().filter_map(SourceFile::top).collect();
        let mut problems = Vec::new();
        for module in &present {
            if !self.of.contains_key(*module) {
                problems.push(format!(
                    "src/{module}: the module is in no layer of ARCHITECTURE.md's `layers` block"
                ));
            }
        }
        for module in self.of.keys() {
            if !present.contains(module.as_str()) {
                problems.push(format!(
                    "ARCHITECTURE.md, layers: {module} is no module under src/"
                ));
            }
        }
        problems
    }
}

/// Which crate a file belongs to: the library (`src/lib.rs` and its
/// modules) or the binary (`src/main.rs` and `src/cli/`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Crate {
    Lib,
    Bin,
}

struct SourceFile {
    /// Relative to the package root.
    path: PathBuf,
    krate: Crate,
    /// The module path the file defines, from its crate's root.
    module: Vec<String>,
    text: Vec<char>,
    /// `text` with comments and the insides of literals blanked.
    code: Vec<char>,
    /// Whether the whole file is test code (`#[cfg(test)] mod name;` in
    /// its parent).
    test_only: bool,
    /// The offsets of the inline test modules (`#[cfg(test)] mod tests
    /// { … }`).
    tests: Vec<Range<usize>>,
}

impl SourceFile {
    /// The module the layer diagram knows the file by: `cli` for the
    /// binary, the top-level module of the library otherwise (`lib.rs`
    /// itself only declares modules).
    fn top(&self) -> Option<&str> {
        match self.krate {
            Crate::Bin => Some("cli"),
            Crate::Lib => self.module.first().map(String::as_str),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        1 + self.text[..offset].iter().filter(|&&c| c == '\n').count()
    }

    /// The literals of `format!`, `write!` and `writeln!` calls that build
    /// SQL: an upper-case statement verb, then an interpolation.
    fn formatted_sql(&self) -> Vec<(usize, String)> {
        let mut found = Vec::new();
        if self.test_only {
            return found;
        }
        let code: String = self.code.iter().collect();
        for name in ["format!(", "write!(", "writeln!("] {
            for (byte, _) in code.match_indices(name) {
                let start = code[..byte].chars().count();
                // `eprintln!(` ends in `println!(`, not in these; but
                // `xformat!(` would end in `format!(`.
                if start > 0 && is_ident_char(self.code[start - 1])
                    || self.tests.iter().any(|range| range.contains(&start))
                {
                    continue;
                }
                let Some(literal) = self.first_literal(start + name.chars().count()) else {
                    continue;
                };
                if builds_sql(&literal) {
                    found.push((self.line_of(start), literal));
                }
            }
        }
        found.sort();
        found
    }

    /// The contents of the first string literal of a macro call whose
    /// arguments start at `from`, if one comes before the call's end.
    fn first_literal(&self, from: usize) -> Option<String> {
        let mut depth = 0usize;
        let mut i = from;
        while i < self.code.len() {
            match self.code[i] {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => return None,
                ')' | ']' | '}' => depth -= 1,
                '"' => {
                    // Blanking left only the delimiters, so the next quote
                    // closes the literal.
                    let end = i + 1 + self.code[i + 1..].iter().position(|&c| c == '"')?;
                    return Some(self.text[i + 1..end].iter().collect());
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether a format string builds SQL: a statement verb as a word of its
/// own, followed by an interpolation (`{`, not the escaped `{{`).
fn builds_sql(literal: &str) -> bool {
    let chars: Vec<char> = literal.chars().collect();
    let mut word_start = None;
    for (i, &c) in chars.iter().enumerate() {
        if is_ident_char(c) {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            let word: String = chars[start..i].iter().collect();
            if SQL_VERBS.contains(&word.as_str()) && has_interpolation(&chars[i..]) {
                return true;
            }
        }
    }
    false
}

fn has_interpolation(chars: &[char]) -> bool {
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' {
            if chars.get(i + 1) == Some(&'{') {
                i += 2;
                continue;
            }
            return true;
        }
        i += 1;
    }
    false
}

/// One path into the crate, as written in a `use` or an expression, and
/// the file it leads to.
struct Import {
    file: usize,
    /// Offset in the file's text, for the line number.
    offset: usize,
    path: String,
    target: usize,
}

struct SourceTree {
    files: Vec<SourceFile>,
    imports: Vec<Import>,
}

impl SourceTree {
    fn read() -> SourceTree {
        let mut files = Vec::new();
        for path in rs_files(&root().join("src")) {
            let relative = path.strip_prefix(root()).unwrap().to_path_buf();
            let parts: Vec<String> = relative
                .iter()
                .skip(1)
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            let krate = if parts[0] == "main.rs" || parts[0] == "cli" {
                Crate::Bin
            } else {
                Crate::Lib
            };
            // `src/a/b.rs` and `src/a/b/mod.rs` define `a::b`; the crate
            // roots define the empty path.
            let mut module: Vec<String> = parts
                .iter()
                .map(|p| p.trim_end_matches(".rs").to_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let text: Vec<char> = fs::read_to_string(&path).unwrap().chars().collect();
            let code = blank(&text);
            files.push(SourceFile {
                path: relative,
                krate,
                module,
                text,
                code,
                test_only: false,
                tests: Vec::new(),
            });
        }
        for index in 0..files.len() {
            for (name, body) in test_modules(&tokenize(&files[index].code)) {
                match body {
                    Some(range) => files[index].tests.push(range),
                    None => {
                        let mut child = files[index].module.clone();
                        child.push(name);
                        let krate = files[index].krate;
                        for file in &mut files {
                            if file.krate == krate && file.module == child {
                                file.test_only = true;
                            }
                        }
                    }
                }
            }
        }
        let mut tree = SourceTree {
            files,
            imports: Vec::new(),
        };
        for file in 0..tree.files.len() {
            let imports = tree.scan(file);
            tree.imports.extend(imports);
        }
        tree
    }

    fn location(&self, import: &Import) -> String {
        let file = &self.files[import.file];
        format!("{}:{}", file.path.display(), file.line_of(import.offset))
    }

    /// The file that defines `module` in `krate`, or the file of its
    /// nearest ancestor that is a file (an inline module, or an item, lives
    /// in its parent's file).
    fn resolve(&self, krate: Crate, module: &[String]) -> Option<usize> {
        (0..=module.len()).rev().find_map(|len| {
            self.files
                .iter()
                .position(|f| f.krate == krate && f.module == module[..len])
        })
    }

    /// The paths into the crate that a file names: the leaves of its `use`
    /// trees, and paths in expressions that start with `crate::`,
    /// `super::`, `self::` (or `pgrift::` in the binary).
    fn scan(&self, index: usize) -> Vec<Import> {
        let file = &self.files[index];
        let tokens = tokenize(&file.code);
        let mut imports = Vec::new();
        // The module the tokens are in: the file's, plus the inline
        // modules (`mod tests { … }`) open at this point, each with the
        // brace depth it opened at.
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let current = |inline: &[(String, usize)]| {
            let mut module = file.module.clone();
            module.extend(inline.iter().map(|(name, _)| name.clone()));
            module
        };
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i].text.as_str() {
                "{" => depth += 1,
                "}" => {
                    depth = depth.saturating_sub(1);
                    if inline.last().is_some_and(|(_, at)| *at == depth) {
                        inline.pop();
                    }
                }
                "mod" if tokens.get(i + 2).is_some_and(|t| t.text == "{") => {
                    inline.push((tokens[i + 1].text.clone(), depth));
                }
                "use" => {
                    let mut leaves = Vec::new();
                    i = use_tree(&tokens, i + 1, &[], &mut leaves);
                    for (path, offset) in leaves {
                        imports.extend(self.import(index, &current(&inline), path, offset));
                    }
                    continue;
                }
                "crate" | "super" | "self" | "pgrift"
                    if tokens.get(i + 1).is_some_and(|t| t.text == "::")
                        && (i == 0 || tokens[i - 1].text != "::") =>
                {
                    let offset = tokens[i].offset;
                    let mut path = vec![tokens[i].text.clone()];
                    let mut j = i + 1;
                    while tokens.get(j).is_some_and(|t| t.text == "::")
                        && tokens.get(j + 1).is_some_and(|t| t.is_ident())
                    {
                        path.push(tokens[j + 1].text.clone());
                        j += 2;
                    }
                    imports.extend(self.import(index, &current(&inline), path, offset));
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        imports
    }

    /// The import of `path`, written in `module` of file `index`, if it
    /// leads into this package. Paths that start with anything but
    /// `crate`, `super`, `self`, `pgrift` or a child module are other
    /// crates' or names already in scope.
    fn import(
        &self,
        index: usize,
        module: &[String],
        path: Vec<String>,
        offset: usize,
    ) -> Option<Import> {
        let file = &self.files[index];
        let mut krate = file.krate;
        let mut absolute = module.to_vec();
        let mut rest = path.as_slice();
        match rest.first().map(String::as_str) {
            Some("crate") => {
                absolute.clear();
                rest = &rest[1..];
            }
            Some("pgrift") if file.krate == Crate::Bin => {
                krate = Crate::Lib;
                absolute.clear();
                rest = &rest[1..];
            }
            Some("super" | "self") => {
                while let Some(step) = rest.first() {
                    match step.as_str() {
                        "super" => {
                            absolute.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            Some(child) => {
                let mut module = module.to_vec();
                module.push(child.to_owned());
                self.files
                    .iter()
                    .find(|f| f.krate == krate && f.module == module)?;
            }
            None => return None,
        }
        absolute.extend(rest.iter().cloned());
        let target = self.resolve(krate, &absolute)?;
        Some(Import {
            file: index,
            offset,
            path: path.join("::"),
            target,
        })
    }

    /// The import circles between files, each as the imports that close
    /// it. A module's imports of its own ancestors and descendants are left
    /// out: a `mod.rs` declares and re-exports its children, and children
    /// use what their parent holds for all of them, which is how Rust
    /// modules are built, not a circle between parts.
    fn circles(&self) -> Vec<Vec<&Import>> {
        let related = |a: &SourceFile, b: &SourceFile| {
            a.krate != b.krate || a.module.starts_with(&b.module) || b.module.starts_with(&a.module)
        };
        let mut edges: BTreeMap<usize, Vec<&Import>> = BTreeMap::new();
        for import in &self.imports {
            if !related(&self.files[import.file], &self.files[import.target]) {
                edges.entry(import.file).or_default().push(import);
            }
        }
        let components = strongly_connected(self.files.len(), |file| {
            edges
                .get(&file)
                .into_iter()
                .flatten()
                .map(|import| import.target)
                .collect()
        });
        components
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                component
                    .iter()
                    .flat_map(|file| edges.get(file).into_iter().flatten())
                    .filter(|import| component.contains(&import.target))
                    .copied()
                    .collect()
            })
            .collect()
    }
}

/// The strongly connected components of a graph of `count` nodes (Tarjan's
/// algorithm), each sorted, in the order of their smallest node.
fn strongly_connected(count: usize, next: impl Fn(usize) -> Vec<usize>) -> Vec<Vec<usize>> {
    struct State {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(node: usize, state: &mut State, next: &dyn Fn(usize) -> Vec<usize>) {
        state.index[node] = Some(state.counter);
        state.low[node] = state.counter;
        state.counter += 1;
        state.stack.push(node);
        state.on_stack[node] = true;
        for target in next(node) {
            match state.index[target] {
                None => {
                    visit(target, state, next);
                    state.low[node] = state.low[node].min(state.low[target]);
                }
                Some(index) if state.on_stack[target] => {
                    state.low[node] = state.low[node].min(index);
                }
                Some(_) => {}
            }
        }
        if Some(state.low[node]) == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack[member] = false;
                component.push(member);
                if member == node {
                    break;
                }
            }
            component.sort();
            state.components.push(component);
        }
    }
    let mut state = State {
        index: vec![None; count],
        low: vec![0; count],
        on_stack: vec![false; count],
        stack: Vec::new(),
        counter: 0,
        components: Vec::new(),
    };
    for node in 0..count {
        if state.index[node].is_none() {
            visit(node, &mut state, &next);
        }
    }
    state.components.sort();
    state.components
}

/// The modules declared under `#[cfg(test)]`: each name with the offsets
/// of its body, or `None` for a module in a file of its own.
fn test_modules(tokens: &[Token]) -> Vec<(String, Option<Range<usize>>)> {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut modules = Vec::new();
    for start in 0..tokens.len() {
        let is_cfg_test = CFG_TEST
            .iter()
            .enumerate()
            .all(|(k, text)| tokens.get(start + k).is_some_and(|t| t.text == *text));
        if !is_cfg_test {
            continue;
        }
        // Skip a visibility (`pub(crate)`) between the attribute and `mod`.
        let mut i = start + CFG_TEST.len();
        while tokens
            .get(i)
            .is_some_and(|t| matches!(t.text.as_str(), "pub" | "(" | "crate" | "super" | ")"))
        {
            i += 1;
        }
        if tokens.get(i).is_none_or(|t| t.text != "mod") {
            continue;
        }
        let Some(name) = tokens.get(i + 1) else {
            continue;
        };
        match tokens.get(i + 2).map(|t| t.text.as_str()) {
            Some(";") => modules.push((name.text.clone(), None)),
            Some("{") => {
                let open = tokens[i + 2].offset;
                let mut depth = 0usize;
                let mut close = open;
                for token in &tokens[i + 2..] {
                    match token.text.as_str() {
                        "{" => depth += 1,
                        "}" => {
                            depth -= 1;
                            if depth == 0 {
                                close = token.offset;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                modules.push((name.text.clone(), Some(open..close)));
            }
            _ => {}
        }
    }
    modules
}

/// Reads one `use` tree from `tokens[i]` on: each leaf path goes to
/// `leaves` with the offset of its last segment (`prefix::{a, b::c}` gives
/// `prefix::a` and `prefix::b::c`; `self` in a group is the group's prefix,
/// and so is a glob). Returns the index of the first token after the tree.
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: &[String],
    leaves: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let mut path = prefix.to_vec();
    while let Some(token) = tokens.get(i) {
        match token.text.as_str() {
            "::" => i += 1,
            "{" => {
                i += 1;
                while tokens.get(i).is_some_and(|t| t.text != "}") {
                    i = use_tree(tokens, i, &path, leaves);
                    if tokens.get(i).is_some_and(|t| t.text == ",") {
                        i += 1;
                    }
                }
                return i + 1;
            }
            "*" => {
                leaves.push((path, token.offset));
                return i + 1;
            }
            _ if token.is_ident() => {
                if token.text != "self" || path.is_empty() {
                    path.push(token.text.clone());
                }
                i += 1;
                if tokens.get(i).is_some_and(|t| t.text == "::") {
                    continue;
                }
                leaves.push((path, token.offset));
                if tokens.get(i).is_some_and(|t| t.text == "as") {
                    i += 2;
                }
                return i;
            }
            _ => return i,
        }
    }
    i
}

struct Token {
    text: String,
    offset: usize,
}

impl Token {
    fn is_ident(&self) -> bool {
        self.text
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    }
}

/// Identifiers, `::` and single punctuation characters of blanked code.
fn tokenize(code: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        if is_ident_char(c) {
            let start = i;
            while i < code.len() && is_ident_char(code[i]) {
                i += 1;
            }
            tokens.push(Token {
                text: code[start..i].iter().collect(),
                offset: start,
            });
            continue;
        }
        if c == ':' && code.get(i + 1) == Some(&':') {
            tokens.push(Token {
                text: "::".into(),
                offset: i,
            });
            i += 2;
            continue;
        }
        if !c.is_whitespace() {
            tokens.push(Token {
                text: c.to_string(),
                offset: i,
            });
        }
        i += 1;
    }
    tokens
}

/// `text` with comments and the insides of string and character literals
/// replaced by spaces (line breaks kept), so that offsets and line numbers
/// stay those of the text. A literal keeps its delimiters.
fn blank(text: &[char]) -> Vec<char> {
    let mut code = text.to_vec();
    let clear = |code: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut code[from..to] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let at = |i: usize| text.get(i).copied().unwrap_or('\0');
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let after_ident = i > 0 && is_ident_char(text[i - 1]);
        if c == '/' && at(i + 1) == '/' {
            let end = (i..text.len())
                .find(|&j| text[j] == '\n')
                .unwrap_or(text.len());
            clear(&mut code, i, end);
            i = end;
        } else if c == '/' && at(i + 1) == '*' {
            // Block comments nest in Rust.
            let (mut j, mut nesting) = (i + 2, 1);
            while j < text.len() && nesting > 0 {
                if at(j) == '/' && at(j + 1) == '*' {
                    nesting += 1;
                    j += 2;
                } else if at(j) == '*' && at(j + 1) == '/' {
                    nesting -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            clear(&mut code, i, j);
            i = j;
        } else if !after_ident
            && ((c == 'r' && matches!(at(i + 1), '"' | '#')) || (c == 'b' && at(i + 1) == 'r'))
        {
            // A raw string: `r"…"`, `r#"…"#`, `br"…"`. Anything else that
            // starts with `r` is an identifier.
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = (start..text.len()).take_while(|&j| text[j] == '#').count();
            if at(start + hashes) != '"' {
                i += 1;
                continue;
            }
            let open = start + hashes;
            let close = (open + 1..text.len())
                .find(|&j| text[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#'))
                .unwrap_or(text.len());
            clear(&mut code, open + 1, close);
            i = close + 1 + hashes;
        } else if c == '"' {
            let mut j = i + 1;
            while j < text.len() && text[j] != '"' {
                j += if text[j] == '\\' { 2 } else { 1 };
            }
            clear(&mut code, i + 1, j.min(text.len()));
            i = j + 1;
        } else if c == '\'' {
            // A character literal (`'x'`, `'\n'`, `'\''`), or a lifetime
            // (`'a`), which is left alone.
            if at(i + 1) == '\\' {
                let close = (i + 3..text.len())
                    .find(|&j| text[j] == '\'')
                    .unwrap_or(text.len());
                clear(&mut code, i + 1, close);
                i = close + 1;
            } else if at(i + 2) == '\'' {
                clear(&mut code, i + 1, i + 2);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    code
}

/// The variants of `ObjectId`, read from its definition.
/// The `kinds` list of the registry, `src/catalog/registry.rs`: each
/// entry's variant, the file (module) that implements it and the type.
fn registry_kinds() -> Vec<(String, String, String)> {
    let text: Vec<char> = read("src/catalog/registry.rs").chars().collect();
    let code: String = blank(&text).into_iter().collect();
    let list = code
        .split("kinds: [")
        .nth(1)
        .and_then(|rest| rest.split("read: [").next())
        .expect("src/catalog/registry.rs has a `kinds: [` list before `read: [`");
    list.lines()
        .filter_map(|line| {
            let (variant, rest) = line.split_once("=>")?;
            let (module, rest) = rest.trim().split_once("::")?;
            let kind = rest.split_whitespace().next()?;
            Some((
                variant.trim().to_owned(),
                module.trim().to_owned(),
                kind.to_owned(),
            ))
        })
        .collect()
}
