//! The design card's layers, checked on the source: each top-level module of `src/` may
//! import (`crate::...`) only modules of a lower layer, so there is no import circle, no API
//! adapter imports another, and the shared HTTP layer imports neither the adapters nor the
//! CLI.

use std::collections::BTreeMap;
use std::path::Path;

/// Layer of each top-level module, lowest first.
const LAYERS: &[(&str, u8)] = &[
    // Decoded images and options in, typed results out.
    ("vision", 0),
    ("clock", 1),
    ("transform", 1),
    ("ids", 2),
    // The shared report, model loading, storage, configuration, URL fetching.
    ("report", 3),
    ("models", 3),
    ("storage", 3),
    ("config", 3),
    ("fetch", 3),
    // The CLI and the shared HTTP layer.
    ("cli", 4),
    ("server", 4),
    // One module per API.
    ("native", 5),
    ("kredibel", 5),
    ("signzy", 5),
    // Builds the state and merges the routers.
    ("startup", 6),
];

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .unwrap_or_else(|| panic!("src/{module} is not in the layer table of tests/layers.rs"))
        .1
}

/// The top-level modules named after `crate::` in a Rust source text.
fn crate_imports(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_imports_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut wrong = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let own = layer(&module);
        let text = std::fs::read_to_string(&file).unwrap();
        for import in crate_imports(&text) {
            if import != module && layer(&import) >= own {
                wrong
                    .entry(rel.display().to_string())
                    .or_insert_with(Vec::new)
                    .push(import);
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports of an equal or higher layer: {wrong:?}"
    );
}

#[test]
fn vision_knows_nothing_of_http_or_the_async_runtime() {
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/vision"),
        &mut files,
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in ["tokio::", "axum::", "hyper::", "crate::config"] {
            assert!(!text.contains(word), "{} uses {word}", file.display());
        }
    }
}

#[test]
fn the_checker_sees_imports_in_use_lines_and_paths() {
    let text = "use crate::server::AppState;\nlet x = crate::clock::now_ms();";
    assert_eq!(crate_imports(text), vec!["server", "clock"]);
}

#[test]
fn no_signzy_file_is_over_300_lines() {
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/signzy"),
        &mut files,
    );
    for file in files {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        assert!(lines <= 300, "{} has {lines} lines", file.display());
    }
}
