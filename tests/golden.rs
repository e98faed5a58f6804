//! Golden tests over the synthetic pages in fixtures/pages: each `<name>.png` is read and
//! compared with `<name>.json` beside it. `PV_REGENERATE=1 cargo test --test golden`
//! rewrites the JSON files after a deliberate change (review the diff before committing).

mod common;

use passport_vision::report::FileReport;
use passport_vision::vision::ReadOptions;
use serde_json::Value;

fn report_json(path: &std::path::Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let result = common::reader().read_bytes(&bytes, &ReadOptions::default());
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut v = serde_json::to_value(FileReport::new(name, result, 0.0)).unwrap();
    // Timing and sub-pixel geometry vary between machines; the rest must not.
    let obj = v.as_object_mut().unwrap();
    obj.remove("elapsed_ms");
    if let Some(doc) = obj.get_mut("document").and_then(Value::as_object_mut) {
        doc.remove("quad");
    }
    round_floats(&mut v);
    v
}

/// Rounds every fractional number to one decimal: confidences and tilts differ in their
/// last bits between builds and CPUs.
fn round_floats(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            let r = (n.as_f64().unwrap() * 10.0).round() / 10.0;
            *v = Value::from(r);
        }
        Value::Array(a) => a.iter_mut().for_each(round_floats),
        Value::Object(o) => o.values_mut().for_each(round_floats),
        _ => {}
    }
}

#[test]
fn synthetic_pages_read_as_recorded() {
    let dir = common::repo_path("fixtures/pages");
    let regenerate = std::env::var_os("PV_REGENERATE").is_some();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("png") {
            continue;
        }
        seen += 1;
        let got = report_json(&path);
        let expected_path = path.with_extension("json");
        if regenerate {
            std::fs::write(
                &expected_path,
                serde_json::to_string_pretty(&got).unwrap() + "\n",
            )
            .unwrap();
            continue;
        }
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
                panic!(
                    "missing {}; run with PV_REGENERATE=1",
                    expected_path.display()
                )
            }),
        )
        .unwrap();
        assert_eq!(
            got,
            expected,
            "{} differs from its golden JSON",
            path.display()
        );
    }
    assert!(seen >= 3, "expected the fixture pages in {}", dir.display());
}

#[test]
fn passport_page_reads_its_printed_mrz() {
    let v = report_json(&common::repo_path("fixtures/pages/td3_passport.png"));
    assert_eq!(v["mrz"]["format"], "TD3");
    assert_eq!(v["mrz"]["valid"], true);
    assert_eq!(
        v["mrz"]["lines"][0],
        "P<UTOQUINTERO<<ALMA<LUZ<<<<<<<<<<<<<<<<<<<<<"
    );
    assert_eq!(
        v["mrz"]["lines"][1],
        "XK42719037UTO8709158F3306024<<<<<<<<<<<<<<04"
    );
}

#[test]
fn page_without_mrz_yields_nothing() {
    let v = report_json(&common::repo_path("fixtures/pages/blank_page.png"));
    assert!(v["mrz"].is_null());
    assert_eq!(v["error"]["type"], "text_not_found");
}
