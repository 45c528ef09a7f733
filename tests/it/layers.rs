//! The layers of `lib.rs` hold: no module imports a module of a higher layer (or
//! a peer, for the surfaces), checked over every source file.

use std::collections::HashMap;
use std::path::Path;

/// Top-level modules named in `use crate::…` / `crate::…` paths of one file.
fn imported(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        // `adlens::crate::` cannot occur; skip `$crate::` in macros.
        if text[..i].ends_with('$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(stripped) = rest.strip_prefix('{') {
            // `crate::{a, b::c}`: every name at the top level of the braces.
            let inner = stripped.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_higher_layer() {
    let layer: HashMap<&str, u8> = adlens::LAYERS.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut bad = Vec::new();
    let mut checked = 0;
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some(&mine) = layer.get(top.as_str()) else {
            assert!(
                ["lib", "main"].contains(&top.as_str()),
                "{} is not in lib.rs LAYERS",
                rel.display()
            );
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        for name in imported(&text) {
            if name == top || name == "LAYERS" {
                continue;
            }
            let theirs = *layer
                .get(name.as_str())
                .unwrap_or_else(|| panic!("{} imports unknown `crate::{name}`", rel.display()));
            checked += 1;
            if theirs >= mine {
                bad.push(format!(
                    "{} (layer {mine}) imports {name} (layer {theirs})",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} imports seen: is the parser right?"
    );
    assert!(
        bad.is_empty(),
        "imports that point up or sideways:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_import_parser_sees_braces_and_paths() {
    let names = imported(
        "use crate::signals::{self, A};\nuse crate::{model::x, trust};\nlet a = crate::text::normalize(s);",
    );
    assert_eq!(names, ["signals", "model", "trust", "text"]);
}
