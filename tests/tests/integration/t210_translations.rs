//! Translations of members' texts through real nodes: KH writes a
//! recommendation in Khmer (a 150-character title, which a byte limit would
//! have refused); the coordinator ILO adds a signed English translation
//! through KH's node; ID shows it in English with the translation marked and
//! whose it is, KH in Khmer as the original; a translation of a field the
//! record lacks is refused with the reason, nothing stored. A work-plan item
//! KH proposes in Khmer reads in English at ID (`workplan show`, `view
//! workplan`) once ILO translated its version.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use remedy_tests::federation::{Started, converge, start_all};
use remedy_tests::{bootstrap, create_at as create, refused_at as refused, remedy_at as at};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_khmer_recommendation_reads_in_english_at_id_and_in_khmer_at_kh() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID", &["--coordinator", "ILO"])?;
    let Started {
        running,
        channels,
        addrs,
    } = start_all(&fed, &["KH", "ID"]).await?;
    let node = |m: &str| fed.join(m);
    // 150 characters as a reader counts them (a consonant with a vowel sign
    // is one), 675 bytes.
    let title: String = "កា".repeat(75) + &"ក".repeat(75);
    assert_eq!(title.len(), 675);
    let text = "ផ្តល់ជំនួយផ្លូវច្បាប់ដល់ពលករចំណាកស្រុក។";
    let rec = create(
        &node("KH"),
        &[
            "recommend",
            "add",
            "--title",
            &title,
            "--text",
            text,
            "--theme",
            "legal-aid",
            "--actors",
            "government;cso",
            "--priority",
            "high",
            "--workshop-place",
            "ភ្នំពេញ",
            "--workshop-date",
            "2024-05-14",
        ],
    );
    let ilo = node("ILO");
    let e = refused(
        &ilo,
        &[
            "--node",
            &addrs["KH"],
            "translate",
            &rec,
            "--into",
            "en",
            "--field",
            "summary=not a field of a recommendation",
        ],
    );
    assert!(e.contains("has no field \"summary\""), "{e}");
    let translation = create(
        &ilo,
        &[
            "--node",
            &addrs["KH"],
            "translate",
            &rec,
            "--into",
            "en",
            "--field",
            "title=A multilingual helpline with legal aid",
        ],
    );
    converge(&channels, Duration::from_secs(30)).await?;

    // ID, in English: the translation, marked, with whose it is; the text not
    // translated stays in Khmer and says so.
    let (ok, out, err) = at(
        &node("ID"),
        &[
            "--lang",
            "en",
            "--format",
            "json",
            "view",
            "recommendations",
        ],
    );
    assert!(ok, "{err}");
    let r = &serde_json::from_str::<serde_json::Value>(&out)?[0];
    assert_eq!(r["title"], "A multilingual helpline with legal aid", "{r}");
    assert_eq!(r["text"], text);
    assert_eq!(r["shown"]["translated"], true);
    assert_eq!(r["shown"]["by"], "ILO");
    assert_eq!(r["shown"]["translation"], translation.as_str());
    assert_eq!(r["shown"]["original_fields"][0], "text");
    let (ok, out, err) = at(&node("ID"), &["--lang", "en", "recommend", "show", &rec]);
    assert!(ok, "{err}");
    assert!(
        out.contains("A multilingual helpline with legal aid")
            && out.contains(&format!(
                "translated into en by ILO ({translation}); the original is the reference"
            )),
        "{out}"
    );

    // KH, in Khmer: the original, and it says there is no Khmer translation
    // (it is the original); without a language, the original as it is.
    let (ok, out, err) = at(
        &node("KH"),
        &[
            "--lang",
            "km",
            "--format",
            "json",
            "view",
            "recommendations",
        ],
    );
    assert!(ok, "{err}");
    let r = &serde_json::from_str::<serde_json::Value>(&out)?[0];
    assert_eq!(r["title"], title.as_str());
    assert_eq!(r["shown"]["translated"], false);
    let (ok, out, _) = at(
        &node("KH"),
        &["--format", "json", "recommend", "show", &rec],
    );
    assert!(ok);
    let r: serde_json::Value = serde_json::from_str(&out)?;
    assert_eq!(r["title"], title.as_str());
    assert!(r.get("shown").is_none(), "{r}");

    // The table labels the codes in the language asked for, as the Fluent
    // files have them.
    let (ok, out, err) = at(&node("KH"), &["--lang", "km", "view", "recommendations"]);
    assert!(ok, "{err}");
    for (list, code) in [
        ("theme", "legal-aid"),
        ("priority", "high"),
        ("recommendation-status", "proposed"),
    ] {
        let label = remedy_core::labels::label("km", list, code);
        assert_eq!(label.lang, "km");
        assert!(out.contains(&label.text), "{list} {code}: {out}");
    }

    // A work-plan item in Khmer, its version translated by ILO: English at ID.
    let item = create(
        &node("KH"),
        &[
            "workplan",
            "propose",
            "--title",
            "បណ្តាញបញ្ជូនករណីឆ្លងដែន",
            "--objective",
            "ពលករទទួលបានដំណោះស្រាយ។",
            "--draws-on",
            &rec,
            "--lead",
            "KH",
            "--members",
            "KH,ID",
            "--due",
            "2026-06",
        ],
    );
    let item_translation = create(
        &ilo,
        &[
            "--node",
            &addrs["KH"],
            "translate",
            &item,
            "--into",
            "en",
            "--field",
            "title=A cross-border referral network",
            "--field",
            "objective=Workers reach a remedy.",
        ],
    );
    converge(&channels, Duration::from_secs(30)).await?;
    let (ok, out, err) = at(&node("ID"), &["--lang", "en", "workplan", "show", &item]);
    assert!(ok, "{err}");
    assert!(
        out.contains("A cross-border referral network")
            && out.contains("Workers reach a remedy.")
            && out.contains(&format!("translated into en by ILO ({item_translation})")),
        "{out}"
    );
    let (ok, out, err) = at(&node("KH"), &["--lang", "km", "workplan", "show", &item]);
    assert!(ok, "{err}");
    assert!(
        out.contains("បណ្តាញបញ្ជូនករណីឆ្លងដែន") && out.contains("original: no translation into km yet"),
        "{out}"
    );
    let (ok, out, err) = at(
        &node("ID"),
        &["--lang", "en", "--format", "json", "view", "workplan"],
    );
    assert!(ok, "{err}");
    let v = &serde_json::from_str::<serde_json::Value>(&out)?[0]["versions"][0];
    assert_eq!(
        v["content"]["title"], "A cross-border referral network",
        "{v}"
    );
    assert_eq!(v["shown"]["by"], "ILO", "{v}");

    // A language the federation does not use is refused, naming it.
    let (ok, _, err) = at(&node("ID"), &["--lang", "fr", "view", "recommendations"]);
    assert!(!ok && err.contains("fr"), "{err}");
    drop(running);
    Ok(())
}
