//! Labels of the code lists in the federation's languages, kept as Fluent
//! files (`node/core/locales/{en,km,id,vi,ja}.ftl`) that a translator reviews
//! without reading code. Codes are what is stored and exchanged; labels are
//! only shown. A label missing in a language falls back to English, and says
//! so (`Label::lang` is then `en`), so a reader sees the gap.
//!
//! The files are compiled in (no file is read at run time) and parsed once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;

/// Each language and its file.
const FILES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en.ftl")),
    ("km", include_str!("../locales/km.ftl")),
    ("id", include_str!("../locales/id.ftl")),
    ("vi", include_str!("../locales/vi.ftl")),
    ("ja", include_str!("../locales/ja.ftl")),
];

/// Every code list with labels: its message prefix and its codes.
pub fn lists() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut sexes: Vec<&str> = crate::case::SEX.to_vec();
    sexes.extend(
        crate::workshop::SEXES
            .iter()
            .filter(|s| !crate::case::SEX.contains(s)),
    );
    vec![
        ("theme", crate::plan::THEMES.to_vec()),
        ("group", crate::partner::GROUPS.to_vec()),
        ("priority", crate::plan::PRIORITIES.to_vec()),
        (
            "recommendation-status",
            crate::plan::RECOMMENDATION_VIEW_STATUSES.to_vec(),
        ),
        ("item-stage", crate::workplan::STAGES.to_vec()),
        ("sex", sexes),
        ("age-band", crate::case::AGE_BAND.to_vec()),
        ("residence-status", crate::case::RESIDENCE_STATUS.to_vec()),
        ("sector", crate::case::SECTOR.to_vec()),
        ("case-stage", crate::case::STAGE.to_vec()),
        ("grievance", crate::case::GRIEVANCE.to_vec()),
        ("channel", crate::case::CHANNEL.to_vec()),
        ("outcome", crate::case::OUTCOME.to_vec()),
        ("unit", crate::workplan::UNITS.to_vec()),
    ]
}

/// A label, and the language it is in (English when the language asked for
/// lacks it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub text: String,
    pub lang: &'static str,
}

type Bundles = BTreeMap<&'static str, FluentBundle<FluentResource>>;

fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        FILES
            .iter()
            .map(|(lang, text)| {
                // A file that does not parse keeps what did: the tests refuse
                // such a file, so this is only ever the whole file.
                let resource = FluentResource::try_new(text.to_string())
                    .unwrap_or_else(|(partial, _)| partial);
                let id = lang.parse().unwrap_or_default();
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                bundle.set_use_isolating(false);
                let _ = bundle.add_resource(resource);
                (*lang, bundle)
            })
            .collect()
    })
}

fn message(lang: &str, id: &str) -> Option<String> {
    let bundle = bundles().get(lang)?;
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, None, &mut errors)
            .into_owned(),
    )
}

/// The label of `code` in `list` in `lang`, falling back to English; the code
/// itself when not even English has one.
pub fn label(lang: &str, list: &str, code: &str) -> Label {
    let id = format!("{list}-{code}");
    if let Some((l, _)) = FILES.iter().find(|(l, _)| *l == lang)
        && let Some(text) = message(l, &id)
    {
        return Label { text, lang: l };
    }
    Label {
        text: message("en", &id).unwrap_or_else(|| code.to_string()),
        lang: "en",
    }
}

/// The code of `list` whose label in `lang` (or in English) is `text`, when
/// exactly one has it (compared without case and surrounding space).
pub fn code_of_label(lang: &str, list: &str, text: &str) -> Option<&'static str> {
    let wanted = text.trim().to_lowercase();
    let codes = lists().into_iter().find(|(l, _)| *l == list)?.1;
    let matches: Vec<&'static str> = codes
        .into_iter()
        .filter(|code| {
            [lang, "en"]
                .iter()
                .any(|l| label(l, list, code).text.to_lowercase() == wanted)
        })
        .collect();
    match matches.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The message ids of `lang` that English has and it lacks (shown in English).
pub fn missing(lang: &str) -> Vec<String> {
    lists()
        .into_iter()
        .flat_map(|(list, codes)| codes.into_iter().map(move |c| format!("{list}-{c}")))
        .filter(|id| message(lang, id).is_none())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_every_code_has_an_english_label() {
        for (lang, text) in FILES {
            if let Err((_, errors)) = FluentResource::try_new(text.to_string()) {
                panic!("{lang}.ftl does not parse: {errors:?}");
            }
        }
        assert_eq!(missing("en"), Vec::<String>::new());
        // Every translation covers every code today; a gap would show in English.
        for lang in ["km", "id", "vi", "ja"] {
            assert_eq!(missing(lang), Vec::<String>::new(), "{lang}");
        }
    }

    #[test]
    fn no_file_has_an_id_english_lacks() {
        let english: Vec<String> = lists()
            .into_iter()
            .flat_map(|(list, codes)| codes.into_iter().map(move |c| format!("{list}-{c}")))
            .collect();
        for (lang, text) in FILES {
            for line in text.lines() {
                if let Some((id, _)) = line.split_once(" = ")
                    && !id.starts_with('#')
                {
                    assert!(
                        english.contains(&id.to_string()),
                        "{lang}.ftl: {id} is no code"
                    );
                }
            }
        }
    }

    #[test]
    fn the_register_documentation_shows_every_case_label_in_every_language() {
        let doc = include_str!("../../../docs/case-register.md");
        for (list, codes) in lists() {
            let case_list = [
                "sex",
                "age-band",
                "residence-status",
                "sector",
                "case-stage",
                "grievance",
                "channel",
                "outcome",
            ]
            .contains(&list);
            if !case_list {
                continue;
            }
            for code in codes {
                if list == "sex" && code == "not-stated" {
                    continue;
                }
                let row: Vec<String> = FILES
                    .iter()
                    .map(|(lang, _)| label(lang, list, code).text)
                    .collect();
                let line = format!("| `{code}` | {} |", row.join(" | "));
                assert!(doc.contains(&line), "docs/case-register.md lacks {line}");
            }
        }
    }

    #[test]
    fn a_label_falls_back_to_english_visibly_and_reads_back_as_its_code() {
        assert_eq!(label("ja", "grievance", "unpaid-wages").text, "賃金未払い");
        assert_eq!(label("km", "theme", "legal-aid").lang, "km");
        let unknown = label("fr", "theme", "legal-aid");
        assert_eq!((unknown.text.as_str(), unknown.lang), ("Legal aid", "en"));
        assert_eq!(
            code_of_label("vi", "outcome", "Đang xử lý"),
            Some("pending")
        );
        // English labels are read in any language; a text that is no label is not.
        assert_eq!(code_of_label("vi", "outcome", "Pending "), Some("pending"));
        assert_eq!(code_of_label("ja", "outcome", "保留"), None);
        assert_eq!(
            code_of_label("id", "sector", " pertanian "),
            Some("agriculture")
        );
        // "Other" is the label of several lists' codes, but once per list.
        assert_eq!(code_of_label("en", "sector", "Other"), Some("other"));
    }
}
