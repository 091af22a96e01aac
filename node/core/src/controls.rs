//! Control characters in text people typed: refused in what a member writes now,
//! escaped wherever a terminal shows text from a log or a manifest.
//!
//! A title such as `"\x1b[31mred"` or a name ending in `"\x1b[2J"` would otherwise
//! recolour, move or clear the terminal of whoever reads the plan or reviews a
//! manifest before signing it, and could hide or fake what they are asked to
//! approve. The C0 and C1 sets and DEL (Unicode's `Cc`, `char::is_control`) are
//! refused, except a line feed and a tab in long texts, which a terminal shows as
//! what they are.
//!
//! Pure: the caller decides where text is new (an append at the member's own node,
//! `remedy init`) and where it is old (events already signed, in logs that must
//! keep verifying): old text is escaped when shown, never refused.

use std::borrow::Cow;

/// Whether a field is one line (a title, a name) or a long text that may hold
/// line feeds and tabs (a recommendation's text, a note, a reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

fn allowed(c: char, lines: Lines) -> bool {
    !c.is_control() || (lines == Lines::Many && matches!(c, '\n' | '\t'))
}

/// Refuses a control character in `value`, naming the field, the character as
/// `U+001B` and its place (in characters, from 1).
pub fn refuse(field: &str, value: &str, lines: Lines) -> Result<(), String> {
    match value.chars().enumerate().find(|(_, c)| !allowed(*c, lines)) {
        None => Ok(()),
        Some((at, c)) => Err(format!(
            "the {field} holds the control character U+{:04X} at character {}; {}",
            u32::from(c),
            at + 1,
            match lines {
                Lines::One => "a single line allows none",
                Lines::Many => "only line feeds and tabs are allowed",
            }
        )),
    }
}

/// `value` with every control character except line feed and tab written as
/// `<U+001B>`, safe to print to a terminal; borrowed when there is none.
pub fn escape(value: &str) -> Cow<'_, str> {
    if value.chars().all(|c| allowed(c, Lines::Many)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if allowed(c, Lines::Many) {
            out.push(c);
        } else {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        }
    }
    Cow::Owned(out)
}

/// Like `escape`, for a field shown on one line: line feeds and tabs too.
pub fn escape_line(value: &str) -> Cow<'_, str> {
    if value.chars().all(|c| allowed(c, Lines::One)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if allowed(c, Lines::One) {
            out.push(c);
        } else {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn c0_c1_and_del_are_refused_with_the_field_and_the_character() {
        for (value, code, at) in [
            ("\u{1b}[31mred", "U+001B", 1),
            ("a\u{7f}", "U+007F", 2),
            ("abc\u{9b}31m", "U+009B", 4),
            ("line\rover", "U+000D", 5),
            ("nul\0", "U+0000", 4),
        ] {
            for lines in [Lines::One, Lines::Many] {
                let err = refuse("title", value, lines).unwrap_err();
                assert!(
                    err.contains("the title") && err.contains(code),
                    "{value:?}: {err}"
                );
                assert!(err.contains(&format!("at character {at}")), "{err}");
            }
        }
    }

    #[test]
    fn long_texts_keep_line_feeds_and_tabs_and_every_printable_character() {
        let text = "Two lines\n\tindented, ខ្មែរ, tiếng Việt, «quotes», emoji 🙂, U+00A0:\u{a0}.";
        assert_eq!(refuse("text", text, Lines::Many), Ok(()));
        assert!(
            refuse("title", "a\nb", Lines::One)
                .unwrap_err()
                .contains("U+000A")
        );
        assert!(
            refuse("title", "a\tb", Lines::One)
                .unwrap_err()
                .contains("U+0009")
        );
        assert_eq!(refuse("title", "Référence ខ្មែរ", Lines::One), Ok(()));
    }

    #[test]
    fn escaping_leaves_nothing_a_terminal_acts_on() {
        assert!(matches!(escape("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(
            escape("\u{1b}[31mred\u{9b}2J\n\u{7}"),
            "<U+001B>[31mred<U+009B>2J\n<U+0007>"
        );
        assert_eq!(escape_line("a\nb\tc"), "a<U+000A>b<U+0009>c");
        for c in (0u32..0x100).filter_map(char::from_u32) {
            let shown = escape_line(&c.to_string()).into_owned();
            assert!(!shown.chars().any(char::is_control), "{c:?}");
            assert_eq!(refuse("x", &shown, Lines::One), Ok(()));
        }
    }
}
