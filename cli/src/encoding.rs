//! Files in other encodings than UTF-8. Excel saves "CSV" in the system's code
//! page: Windows-1258 on a Vietnamese Windows, Shift_JIS on a Japanese one.
//! `--encoding LABEL` (a WHATWG label, as browsers take them: `shift_jis`,
//! `windows-1258`, `utf-8`) decodes such a file to UTF-8 as it is read
//! (`encoding_rs`); without it the file must be UTF-8, with or without a byte
//! order mark, and a file that is not says which encoding it looks like
//! (`chardetng`, Firefox's detector) and which flag to pass.

use std::io::Read;

use anyhow::bail;

/// Labels to show as examples.
const EXAMPLES: &str = "shift_jis, windows-1258, windows-874, euc-kr, gbk, big5, iso-8859-1";

/// `input` decoded to UTF-8 from the encoding `label` names; `input` itself
/// without a label. A UTF-8 or UTF-16 byte order mark wins over the label.
pub fn decoding(
    input: Box<dyn Read + Send>,
    label: Option<&str>,
) -> anyhow::Result<Box<dyn Read + Send>> {
    let Some(label) = label else {
        return Ok(input);
    };
    let Some(encoding) = encoding_rs::Encoding::for_label(label.trim().as_bytes()) else {
        bail!(
            "--encoding {label:?} is not an encoding label; WHATWG labels are such as {EXAMPLES} (https://encoding.spec.whatwg.org/#names-and-labels)"
        );
    };
    Ok(Box::new(
        encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .build(input),
    ))
}

/// What to tell someone whose file is not UTF-8, from some of its bytes: the
/// encoding they look like and the flag that reads it.
pub fn not_utf8_advice(sample: &[u8]) -> String {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, true);
    let guess = detector.guess(None, false);
    if guess == encoding_rs::UTF_8 {
        return format!(
            "the file must be UTF-8 (or name its encoding with --encoding, such as {EXAMPLES})"
        );
    }
    let label = guess.name().to_ascii_lowercase();
    format!(
        "the file is not UTF-8; it looks like {} (Excel saves CSV in the system's code page): import it with --encoding {label}, or save it as \"CSV UTF-8\"",
        guess.name()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn encoded(text: &str, label: &str) -> Vec<u8> {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
        encoding.encode(text).0.into_owned()
    }

    #[test]
    fn a_shift_jis_or_windows_1258_file_reads_with_its_label_and_is_named_without() {
        let japanese =
            "case_id,notes\nJP-1,賃金未払い 技能実習生 東京都\nJP-2,パスポートの取り上げ\n";
        let bytes = encoded(japanese, "shift_jis");
        let advice = not_utf8_advice(&bytes);
        assert!(advice.contains("--encoding shift_jis"), "{advice}");
        let mut text = String::new();
        decoding(Box::new(std::io::Cursor::new(bytes)), Some("shift_jis"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, japanese);

        // As Windows-1258 holds Vietnamese: base letters with combining tone
        // marks (ờ is ơ and U+0300), which is what Excel writes.
        let vietnamese = "case_id,notes\n\
            VN-1,Ngươ\u{300}i lao đô\u{323}ng bi\u{323} giư\u{303} hô\u{323} chiê\u{301}u\n\
            VN-2,Không đươ\u{323}c tra\u{309} lương đâ\u{300}y đu\u{309} tiê\u{300}n làm thêm giơ\u{300}\n";
        let bytes = encoded(vietnamese, "windows-1258");
        assert!(
            !bytes.contains(&b'&'),
            "every character has a byte in windows-1258"
        );
        let advice = not_utf8_advice(&bytes);
        assert!(advice.contains("--encoding windows-1258"), "{advice}");
        let mut text = String::new();
        decoding(Box::new(std::io::Cursor::new(bytes)), Some("windows-1258"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, vietnamese);

        let e = decoding(Box::new(std::io::empty()), Some("klingon"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("is not an encoding label"));
    }
}
