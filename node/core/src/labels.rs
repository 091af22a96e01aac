//! Labels of the code lists in the federation's languages, kept as Fluent
//! files (`node/core/locales/{en,km,id,vi,ja}.ftl`) that a translator reviews
//! without reading code. Codes are what is stored and exchanged; labels are
//! only shown. A label missing in a language falls back to English, and says
//! so (`Label::lang` is then `en`), so a reader sees the gap.
//!
//! The words of the dashboard (and of reports) are Fluent messages too, in
//! `node/core/locales/ui-{en,km,id,vi,ja}.ftl`: [`ui`] formats one for a page
//! the node writes itself, [`ui_strings`] hands all of a language to the
//! dashboard's script, which fills in their `{ $name }` placeables.
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

/// The words of the dashboard and reports, each language's file.
const UI_FILES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/ui-en.ftl")),
    ("km", include_str!("../locales/ui-km.ftl")),
    ("id", include_str!("../locales/ui-id.ftl")),
    ("vi", include_str!("../locales/ui-vi.ftl")),
    ("ja", include_str!("../locales/ui-ja.ftl")),
];

/// Each language and its name in itself, as a language switch shows it.
pub const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("en", "English"),
    ("km", "ខ្មែរ"),
    ("id", "Bahasa Indonesia"),
    ("vi", "Tiếng Việt"),
    ("ja", "日本語"),
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
        (
            "table",
            crate::tables::COUNT_TABLES
                .iter()
                .map(|t| t.name)
                .chain([crate::release::RESOLUTION])
                .collect(),
        ),
        ("measure", crate::regional::RESOLUTION_COLUMNS.to_vec()),
    ]
}

/// The code lists of the rows and the columns of a table of the releases
/// (`grievance-outcome` has grievances by outcomes); `None` for a name that
/// is no table.
pub fn table_lists(table: &str) -> Option<(&'static str, &'static str)> {
    Some(match table {
        "grievance-outcome" => ("grievance", "outcome"),
        "channel-outcome" => ("channel", "outcome"),
        "sector-sex" => ("sector", "sex"),
        "status-grievance" => ("residence-status", "grievance"),
        "resolution" => ("channel", "measure"),
        _ => return None,
    })
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
    BUNDLES.get_or_init(|| parse(FILES))
}

fn ui_bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(|| parse(UI_FILES))
}

fn parse(files: &'static [(&'static str, &'static str)]) -> Bundles {
    {
        files
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
    }
}

fn message(lang: &str, id: &str) -> Option<String> {
    format(bundles(), lang, id, None)
}

fn format(
    bundles: &Bundles,
    lang: &str,
    id: &str,
    args: Option<&fluent_bundle::FluentArgs>,
) -> Option<String> {
    let bundle = bundles.get(lang)?;
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned(),
    )
}

/// The ids of the dashboard's and reports' messages, in English's order.
pub fn ui_ids() -> Vec<&'static str> {
    UI_FILES[0]
        .1
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(id, _)| id))
        .filter(|id| !id.starts_with('#') && !id.starts_with(' '))
        .collect()
}

/// The dashboard's or a report's message `id` in `lang` with `args` filled
/// in, falling back to English (then `lang` says `en`); the id itself when
/// not even English has it.
pub fn ui(lang: &str, id: &str, args: &[(&str, &str)]) -> Label {
    let mut fluent = fluent_bundle::FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, *value);
    }
    if let Some((l, _)) = UI_FILES.iter().find(|(l, _)| *l == lang)
        && let Some(text) = format(ui_bundles(), l, id, Some(&fluent))
    {
        return Label { text, lang: l };
    }
    Label {
        text: format(ui_bundles(), "en", id, Some(&fluent)).unwrap_or_else(|| id.to_string()),
        lang: "en",
    }
}

/// Every message of the dashboard and reports in `lang` as a template, its
/// placeables left as `{$name}` for the page to fill in, and the ids shown in
/// English because `lang` lacks them.
pub fn ui_strings(lang: &str) -> (BTreeMap<&'static str, String>, Vec<&'static str>) {
    let mut strings = BTreeMap::new();
    let mut fallback = Vec::new();
    for id in ui_ids() {
        // A variable not given is written as `{$name}`: the template.
        let text = format(ui_bundles(), lang, id, None).or_else(|| {
            fallback.push(id);
            format(ui_bundles(), "en", id, None)
        });
        strings.insert(id, text.unwrap_or_else(|| id.to_string()));
    }
    (strings, fallback)
}

/// The language to show: `chosen` (a switch the reader set) when it is one
/// of ours, else the first of the `Accept-Language` header's ranges, by
/// weight, whose primary subtag is one (`km-KH;q=0.9`), else English.
pub fn negotiate(chosen: Option<&str>, accept_language: Option<&str>) -> &'static str {
    let ours = |tag: &str| -> Option<&'static str> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        LANGUAGE_NAMES
            .iter()
            .map(|(code, _)| *code)
            .find(|code| *code == primary)
    };
    if let Some(lang) = chosen.and_then(ours) {
        return lang;
    }
    let mut ranges: Vec<(u32, usize, &str)> = accept_language
        .unwrap_or("")
        .split(',')
        .take(32)
        .enumerate()
        .filter_map(|(i, range)| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                .unwrap_or(1.0);
            // Weights have at most three decimals.
            let weight = (q.clamp(0.0, 1.0) * 1000.0).round() as u32;
            (weight > 0).then_some((weight, i, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges
        .into_iter()
        .find_map(|(_, _, tag)| ours(tag))
        .unwrap_or("en")
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

    /// The `{ $name }` placeables of a message's source line.
    fn placeables(line: &str) -> Vec<String> {
        let mut found: Vec<String> = line
            .split("{ $")
            .skip(1)
            .map(|rest| rest.split(' ').next().unwrap_or_default().to_string())
            .collect();
        found.sort();
        found
    }

    fn ui_messages(text: &str) -> Vec<(&str, &str)> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split_once(" = ").unwrap_or((l, "")))
            .collect()
    }

    #[test]
    fn every_language_has_every_dashboard_message_with_the_same_placeables() {
        let english = ui_messages(UI_FILES[0].1);
        assert!(english.len() > 150, "{}", english.len());
        for (lang, text) in UI_FILES {
            if let Err((_, errors)) = FluentResource::try_new(text.to_string()) {
                panic!("ui-{lang}.ftl does not parse: {errors:?}");
            }
            assert!(
                text.contains("REVIEW") || *lang == "en",
                "ui-{lang}.ftl is marked for review"
            );
            let messages = ui_messages(text);
            let ids: Vec<&str> = messages.iter().map(|(id, _)| *id).collect();
            let english_ids: Vec<&str> = english.iter().map(|(id, _)| *id).collect();
            assert_eq!(
                ids, english_ids,
                "ui-{lang}.ftl: the ids of ui-en.ftl, in order"
            );
            for ((id, value), (_, reference)) in messages.iter().zip(&english) {
                assert!(!value.is_empty(), "ui-{lang}.ftl: {id} is empty");
                assert_eq!(
                    placeables(value),
                    placeables(reference),
                    "ui-{lang}.ftl: {id} has other placeables than English"
                );
                // Only plain variables: the dashboard's script fills them in.
                assert_eq!(
                    value.matches('{').count(),
                    placeables(value).len(),
                    "ui-{lang}.ftl: {id}"
                );
            }
            assert_eq!(ui_strings(lang).1, Vec::<&str>::new(), "{lang}");
        }
    }

    #[test]
    fn a_dashboard_message_is_a_template_for_the_page_or_filled_in_for_the_node() {
        let (strings, fallback) = ui_strings("ja");
        assert!(fallback.is_empty());
        assert!(
            strings["ui-cases-by-outcome"].contains("{$period}"),
            "{}",
            strings["ui-cases-by-outcome"]
        );
        let filled = ui("km", "ui-signin-refused", &[("reason", "the link expired")]);
        assert_eq!(filled.lang, "km");
        assert!(filled.text.contains("the link expired") && !filled.text.contains('{'));
        // A language without the file: English, and it says so.
        let english = ui("fr", "ui-nav-network", &[]);
        assert_eq!((english.text.as_str(), english.lang), ("Network", "en"));
        let (strings, fallback) = ui_strings("fr");
        assert_eq!(strings["ui-nav-network"], "Network");
        assert_eq!(fallback.len(), ui_ids().len());
    }

    #[test]
    fn the_language_is_the_readers_choice_then_the_browsers_wish_by_weight() {
        assert_eq!(negotiate(None, Some("km-KH,km;q=0.9,en;q=0.8")), "km");
        assert_eq!(negotiate(None, Some("fr-FR, ja;q=0.5, vi;q=0.7")), "vi");
        assert_eq!(negotiate(None, Some("fr, de;q=0.9")), "en");
        assert_eq!(negotiate(None, Some("ja;q=0, id")), "id");
        assert_eq!(negotiate(None, Some("*")), "en");
        assert_eq!(negotiate(None, None), "en");
        assert_eq!(negotiate(Some("vi"), Some("ja")), "vi");
        assert_eq!(negotiate(Some("xx"), Some("ja")), "ja");
        assert_eq!(negotiate(None, Some("ID")), "id");
    }

    #[test]
    fn every_table_has_its_rows_and_columns_code_lists() {
        for (name, rows, columns) in crate::tables::COUNT_TABLES
            .iter()
            .map(|t| (t.name, t.rows, t.columns))
        {
            let (r, c) = table_lists(name).unwrap();
            let codes = |list: &str| lists().into_iter().find(|(l, _)| *l == list).unwrap().1;
            assert!(rows.iter().all(|x| codes(r).contains(x)), "{name} rows");
            assert!(
                columns.iter().all(|x| codes(c).contains(x)),
                "{name} columns"
            );
        }
        assert_eq!(table_lists("resolution"), Some(("channel", "measure")));
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
