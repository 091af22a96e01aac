//! Translations of the members' texts (`translation`, kind 24). A
//! recommendation written in Khmer stays the reference; any member, partner
//! organisation or coordinator may add a signed translation of its texts into
//! one of the federation's languages, and every view shows the language asked
//! for, saying whose translation it is, or shows the original and says so.
//!
//! A translation names the record it translates by id. For a work-plan item
//! that is the event that made the version translated (the item, or an
//! amendment), so a translation never silently covers a later text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::payload::PayloadKind;
use crate::plan::{MAX_TEXT, MAX_TITLE, Record, RecordId, Registry, text};

/// The languages of the federation: English, Khmer, Bahasa Indonesia,
/// Vietnamese, Japanese (ISO 639-1).
pub const LANGUAGES: &[&str] = &["en", "km", "id", "vi", "ja"];

/// `translation`: the texts of record `of` in language `lang`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    pub of: RecordId,
    pub lang: String,
    /// Field name to its translated text; the fields a kind has are in
    /// [`fields_of`].
    pub fields: BTreeMap<String, String>,
}

/// The translatable fields of a record, with their limits.
pub fn fields_of(record: &Record) -> &'static [(&'static str, usize)] {
    match record {
        Record::Recommendation(_) => &[("title", MAX_TITLE), ("text", MAX_TEXT)],
        Record::Item(_) | Record::Amendment(_) => &[("title", MAX_TITLE), ("objective", MAX_TEXT)],
        Record::Workshop(_) => &[("title", MAX_TITLE), ("summary", MAX_TEXT)],
        Record::PilotRecord(_) => &[("title", MAX_TITLE), ("description", MAX_TEXT)],
        Record::Progress(_) => &[("lessons", MAX_TEXT), ("problems", MAX_TEXT)],
        _ => &[],
    }
}

impl Translation {
    pub fn validate(&self) -> Result<(), String> {
        if !LANGUAGES.contains(&self.lang.as_str()) {
            return Err(format!(
                "language {:?} is not one of {}",
                self.lang,
                LANGUAGES.join(", ")
            ));
        }
        if self.fields.is_empty() {
            return Err("the translation translates no field".into());
        }
        if self.fields.len() > 2 {
            return Err("a translation has at most two fields".into());
        }
        for (name, value) in &self.fields {
            crate::plan::slug("field", name)?;
            text(name, value, MAX_TEXT, true)?;
        }
        Ok(())
    }

    pub(crate) fn texts(&self) -> Vec<(&'static str, &str, bool)> {
        self.fields
            .values()
            .map(|v| ("translation", v.as_str(), true))
            .collect()
    }
}

crate::payload::json_payload!(
    Translation,
    PayloadKind::TRANSLATION,
    1,
    Translation::validate
);

/// Why a translation does not fit what it translates, if it does not: a
/// record of a kind that has no texts to translate, a field the kind lacks, a
/// text over the field's limit.
pub fn problem(registry: &Registry, t: &Translation) -> Option<String> {
    let Some(target) = registry.get(&t.of) else {
        return Some(format!(
            "{} is not a record this node holds (check the id, or wait until it has replicated)",
            t.of
        ));
    };
    let fields = fields_of(&target.record);
    if fields.is_empty() {
        return Some(format!("{} has no text to translate", t.of));
    }
    for (name, value) in &t.fields {
        let Some((_, max)) = fields.iter().find(|(f, _)| f == name) else {
            return Some(format!(
                "{} has no field {name:?} to translate; its fields are {}",
                t.of,
                fields
                    .iter()
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        if let Err(e) = text(name, value, *max, true) {
            return Some(e);
        }
    }
    None
}

/// A text as shown in a language asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    /// The language asked for.
    pub lang: String,
    /// Whether the texts shown are a translation (else the original).
    pub translated: bool,
    /// The translation's record and who made it (`ILO`, `KH/kh-mrc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<RecordId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Fields shown in the original, for want of a translation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub original_fields: Vec<String>,
}

impl Registry {
    /// The newest valid translation of each field of `of` into `lang` (by
    /// signed time, then id), with its id and author.
    pub fn translated(
        &self,
        of: &RecordId,
        lang: &str,
    ) -> BTreeMap<String, (String, RecordId, String)> {
        let mut best: BTreeMap<String, (i64, RecordId, String, String)> = BTreeMap::new();
        for (id, entry) in self.entries() {
            let Record::Translation(t) = &entry.record else {
                continue;
            };
            if &t.of != of || t.lang != lang || problem(self, t).is_some() {
                continue;
            }
            for (field, value) in &t.fields {
                let newer = best
                    .get(field)
                    .is_none_or(|(time, held, ..)| (entry.time_ms, id) > (*time, held));
                if newer {
                    best.insert(
                        field.clone(),
                        (entry.time_ms, id.clone(), entry.by(), value.clone()),
                    );
                }
            }
        }
        best.into_iter()
            .map(|(field, (_, id, by, value))| (field, (value, id, by)))
            .collect()
    }

    /// Replaces `fields` (name, text) of record `of` with their translation
    /// into `lang` where there is one, and says what was shown.
    pub fn show_in(&self, of: &RecordId, lang: &str, fields: &mut [(&str, &mut String)]) -> Shown {
        let found = self.translated(of, lang);
        let mut shown = Shown {
            lang: lang.to_string(),
            translated: false,
            translation: None,
            by: None,
            original_fields: Vec::new(),
        };
        for (name, value) in fields.iter_mut() {
            match found.get(*name) {
                Some((text, id, by)) => {
                    **value = text.clone();
                    shown.translated = true;
                    shown.translation = Some(id.clone());
                    shown.by = Some(by.clone());
                }
                None => shown.original_fields.push(name.to_string()),
            }
        }
        shown
    }

    /// Each version of `items` in `lang`: its title and objective from a
    /// translation of the event that made that version, when there is one.
    pub fn translate_items(&self, items: &mut [crate::workplan::ItemView], lang: &str) {
        for item in items {
            for v in &mut item.versions {
                let content = &mut v.content;
                v.shown = Some(self.show_in(
                    &v.id,
                    lang,
                    &mut [
                        ("title", &mut content.title),
                        ("objective", &mut content.objective),
                    ],
                ));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::payload::Payload as _;
    use crate::plan::testing::{Histories, key, member, recommendation};
    use crate::statement::Statement;

    fn translation(of: &RecordId, lang: &str, title: &str) -> Translation {
        Translation {
            of: of.clone(),
            lang: lang.into(),
            fields: [("title".to_string(), title.to_string())].into(),
        }
    }

    #[test]
    fn a_khmer_recommendation_shows_in_english_with_whose_translation_it_is() {
        let mut h = Histories::new();
        let rec = h.add("KH", recommendation("ខ្សែទូរស័ព្ទជំនួយ").to_draft());
        let ilo = Statement::sign(
            &member("ILO"),
            &key("ILO"),
            &translation(&rec, "en", "A helpline").to_draft(),
        );
        let tr = h.add("KH", ilo.to_draft());
        let mut r = Registry::new();
        for e in &h.events {
            r.apply(e);
        }
        let views = r.recommendations_in(Some("en"));
        let v = &views[0];
        assert_eq!(v.recommendation.title, "A helpline");
        let shown = v.shown.as_ref().unwrap();
        assert!(shown.translated);
        assert_eq!(shown.translation.as_ref(), Some(&tr));
        assert_eq!(shown.by.as_deref(), Some("ILO"));
        assert_eq!(shown.original_fields, vec!["text".to_string()]);
        // Asked in Khmer (no translation): the original, and it says so.
        let views = r.recommendations_in(Some("km"));
        assert_eq!(views[0].recommendation.title, "ខ្សែទូរស័ព្ទជំនួយ");
        assert!(!views[0].shown.as_ref().unwrap().translated);
        // Not asked: the original, nothing added.
        assert!(r.recommendations_in(None)[0].shown.is_none());
    }

    #[test]
    fn a_translation_must_fit_what_it_translates() {
        let mut h = Histories::new();
        let rec = h.add("KH", recommendation("Hotline").to_draft());
        let mut r = Registry::new();
        for e in &h.events {
            r.apply(e);
        }
        let mut t = translation(&rec, "ja", "ホットライン");
        assert_eq!(problem(&r, &t), None);
        t.fields.insert("objective".into(), "x".into());
        assert!(
            problem(&r, &t)
                .unwrap()
                .contains("has no field \"objective\"")
        );
        let t = translation(&RecordId::parse("VN-9").unwrap(), "ja", "x");
        assert!(
            problem(&r, &t)
                .unwrap()
                .contains("not a record this node holds")
        );
        let mut bad = translation(&rec, "fr", "x");
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("not one of en, km, id, vi, ja")
        );
        bad.lang = "en".into();
        bad.fields.clear();
        assert!(bad.validate().is_err());
    }
}
