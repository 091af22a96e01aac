//! An attacker nobody here wrote the rules for: `tests/attack/attack.py` (Python,
//! scipy's HiGHS) takes what a peer holds of one member (an audit bundle of its
//! shared log) and bounds every suppressed figure by integer programming, over
//! each release's linked tables, every release of the same register state, and
//! the revisions of a period; every bound is checked against the true register.
//!
//! The releases come from the real binaries along the paths the CLI allows
//! (`tests/attack/collect_demo.sh`): the demo's quarters, a revision at a higher
//! threshold, months and years (refused: one grain), revisions after cases were
//! added and after cases were updated, thresholds 5 to 11, a noised release in
//! between; once with 800 cases a year (about 200 a quarter) and once with 240
//! (about 60). No hidden figure may be exact or pinned inside 1..K−1, except one
//! whose value an earlier release published under a lower threshold (raising K
//! in a revision cannot take back what is public; the attacker labels these).

use std::path::{Path, PathBuf};
use std::process::Command;

use remedy_tests::binary;

/// Debian's Python, where `.ci/run` installs python3-scipy.
const PYTHON: &str = "/usr/bin/python3";

/// Already public: the value a suppressed figure has was published by another
/// release of the same register state.
const PUBLIC: &str = "published in another release of the same register state";

fn attack_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("attack")
}

fn run(command: &mut Command) -> (bool, String) {
    let out = command.output().expect("the command runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_attackers_own_cases_come_out_as_known() {
    let (ok, text) = run(Command::new(PYTHON).arg(attack_dir().join("test_attack.py")));
    assert!(ok, "{text}");
}

#[test]
fn an_integer_programming_attacker_works_out_no_hidden_figure() {
    let bin = binary("remedy");
    let bin_dir = bin.parent().expect("binary folder");
    for cases in ["800", "240"] {
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = tmp.path().join("data");
        let (ok, log) = run(Command::new("sh")
            .arg(attack_dir().join("collect_demo.sh"))
            .arg(&out)
            .arg(cases)
            .env("REMEDY_BIN_DIR", bin_dir));
        assert!(ok, "collecting with {cases} cases: {log}");
        let published = std::fs::read_to_string(out.join("publish.log")).expect("log");
        assert!(
            published.contains("period 2024-08 is a month; the federation publishes one quarter"),
            "{published}"
        );
        let (_, report) = run(Command::new("sh")
            .arg(out.join("attack.sh"))
            .arg("--require-truth"));
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("attack.json")).expect("the attack wrote its answer"),
        )
        .expect("JSON");
        let figures = json["cells"].as_array().expect("cells");
        let mut public = 0;
        for f in figures {
            assert_eq!(f["sound"], true, "an interval misses the truth: {f}");
            let verdict = f["verdict"].as_str().unwrap_or_default();
            if ["exact", "pinned", "narrow", "undecided"].contains(&verdict) {
                assert_eq!(
                    f["cause"], PUBLIC,
                    "{cases} cases: a hidden figure is worked out: {f}\n{report}"
                );
                // Public means published: the same figure at the same value.
                public += 1;
            }
        }
        let summary = &json["summary"];
        assert!(summary["attacked"].as_u64().unwrap_or(0) > 500, "{summary}");
        // The peer held a noised release beside the exact ones (published with
        // --accept-noise: a quarter of 60 to 200 cases is too small for ε 0.5).
        let noised = summary["noised_releases"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            noised.len() == 1
                && noised[0]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("2024-Q1 r"),
            "{summary}\n{published}"
        );
        eprintln!(
            "{cases} cases a year: {} hidden figures attacked in {} s, {public} already public, none worked out",
            summary["attacked"], summary["seconds"]["total"]
        );
    }
}
