//! Text with control characters is refused where a member writes it: a
//! recommendation's title holding an escape sequence (which would recolour or
//! clear the terminal of everyone who reads the plan), a note with a bell, a
//! member's name in `remedy init`. Line feeds and tabs in long texts are kept.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use remedy_tests::{NodeDir, bootstrap, path_arg as path, remedy};

fn recommend(dir: &Path, title: &str, text: &str) -> (bool, String, String) {
    remedy(&[
        "--dir",
        path(dir),
        "recommend",
        "add",
        "--title",
        title,
        "--text",
        text,
        "--theme",
        "legal-aid",
        "--actors",
        "government",
        "--priority",
        "high",
        "--workshop",
        "Phnom Penh, 2024-05-14",
    ])
    .unwrap()
}

#[tokio::test]
async fn control_characters_are_refused_with_the_field_and_the_character() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH", &[])?;
    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let _kh = kh_dir.start().await?;

    let (ok, stdout, stderr) = recommend(&kh_dir.dir, "\x1b[31mred", "Run a hotline.");
    assert!(!ok, "accepted: {stdout}");
    assert!(
        stderr.contains("title") && stderr.contains("U+001B"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "the error repeats the escape: {stderr:?}"
    );
    let (ok, _, stderr) = recommend(&kh_dir.dir, "Hotline", "Ring\x07 the bell");
    assert!(!ok);
    assert!(
        stderr.contains("text") && stderr.contains("U+0007"),
        "{stderr}"
    );

    // A long text keeps its lines and tabs; shown back as written.
    let (ok, stdout, stderr) = recommend(&kh_dir.dir, "Hotline", "First\n\tsecond");
    assert!(ok, "{stdout}{stderr}");
    let id = stdout.lines().last().unwrap().trim().to_string();
    let (ok, stdout, stderr) = remedy(&["--dir", path(&kh_dir.dir), "recommend", "show", &id])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("First\n\tsecond"), "{stdout}");

    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&tmp.path().join("solo")),
        "init",
        "--member",
        "VN",
        "--name",
        "Agency\x1b]0;owned\x07",
        "--role",
        "auditor",
    ])?;
    assert!(!ok);
    assert!(
        stderr.contains("name") && stderr.contains("U+001B"),
        "{stderr}"
    );
    Ok(())
}
