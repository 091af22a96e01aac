//! The line a CSV record starts on, whatever the file's line endings.
//!
//! The csv crate gives each record the position where the reader stood when it
//! began reading it: just after the first byte of the previous record's line
//! ending. Its `Position::line()` counts the `\n` bytes before that point, which
//! is the record's first line only after a lone `\n`. After a CRLF ending the
//! reader stops at the `\r`, so the `\n` is counted with the next record and every
//! record of a file from Excel on Windows is reported one line too early
//! (BurntSushi/rust-csv#395); blank lines, which the reader skips, are not counted
//! either (#208), nor is a lone `\r` (an old Mac ending) counted at all.
//!
//! [`LineCounter`] sits between the file and the csv reader. It notes each run of
//! line-ending bytes (`\r`, `\n`) the reader has not yet passed, with the number of
//! line breaks before the run's end. A record whose reading began inside a run
//! starts where the run ends; one whose reading began elsewhere starts right there.
//! A line break is `\n`, `\r\n` or a `\r` not followed by `\n`, as editors count
//! them. A UTF-8 byte order mark at the start is skipped like line-ending bytes
//! but breaks no line (the csv reader drops it without moving the position). Breaks
//! inside quoted fields count too, so a record after a field holding a newline is
//! reported at its own line, and a record holding one at its first.
//!
//! Memory is one small entry per line ending the csv reader has buffered ahead of
//! the record being read, not one per line of the file.

use std::collections::VecDeque;
use std::io::Read;

/// A reader that keeps what [`LineCounter::record_line`] needs.
#[derive(Debug)]
pub(crate) struct LineCounter<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Line breaks in the bytes read so far, not counting a `\r` that is the last
    /// byte read (it is one break with a following `\n`).
    breaks: u64,
    /// Whether the last byte read is a `\r`.
    cr_last: bool,
    /// Runs of line-ending bytes the caller has not yet passed, in order.
    runs: VecDeque<Run>,
    /// Line breaks before the end of the last run passed.
    passed: u64,
    /// Bytes of a byte order mark seen at the start.
    bom: u64,
}

/// The UTF-8 byte order mark (Excel's "CSV UTF-8" starts with it).
const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// A run of consecutive `\r` and `\n` bytes.
#[derive(Debug)]
struct Run {
    /// Offset of its first byte.
    start: u64,
    /// Offset just after its last byte.
    end: u64,
    /// Line breaks before `end`.
    breaks: u64,
}

impl<R> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            read: 0,
            breaks: 0,
            cr_last: false,
            runs: VecDeque::new(),
            passed: 0,
            bom: 0,
        }
    }

    /// The 1-based line on which `record`, just read through this counter, starts.
    /// Records must be asked about in the order they were read.
    pub(crate) fn record_line(&mut self, record: &csv::ByteRecord) -> u64 {
        let began = record.position().map_or(0, csv::Position::byte);
        while let Some(run) = self.runs.front() {
            if run.end > began {
                break;
            }
            self.passed = run.breaks;
            self.runs.pop_front();
        }
        match self.runs.front() {
            // The reader skipped the rest of the run: the record starts after it.
            Some(run) if run.start <= began => run.breaks + 1,
            _ => self.passed + 1,
        }
    }

    fn note(&mut self, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            let at = self.read + i as u64;
            // A byte order mark is skipped like a line ending, without a break:
            // the csv reader drops it without counting it in the record's position.
            if self.bom == at && usize::try_from(at).ok().and_then(|k| BOM.get(k)) == Some(&b) {
                self.bom += 1;
                self.extend_run(at, self.breaks);
                continue;
            }
            match b {
                b'\n' => {
                    // Alone or after a `\r`: one break either way.
                    self.breaks += 1;
                    self.cr_last = false;
                }
                b'\r' => {
                    // A `\r` before this one was not followed by `\n`: a break.
                    self.breaks += u64::from(self.cr_last);
                    self.cr_last = true;
                }
                _ => {
                    self.breaks += u64::from(self.cr_last);
                    self.cr_last = false;
                    continue;
                }
            }
            // A final `\r` counts as a break until a `\n` joins it.
            self.extend_run(at, self.breaks + u64::from(self.cr_last));
        }
        self.read += bytes.len() as u64;
    }

    /// Adds the byte at `at` to the last run, or starts one.
    fn extend_run(&mut self, at: u64, breaks: u64) {
        match self.runs.back_mut() {
            Some(run) if run.end == at => {
                run.end = at + 1;
                run.breaks = breaks;
            }
            _ => self.runs.push_back(Run {
                start: at,
                end: at + 1,
                breaks,
            }),
        }
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.note(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Reads one byte at a time, so line endings split across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Each record's line and first field, read as the import reads.
    fn lines(input: impl Read) -> Vec<(u64, String)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineCounter::new(input));
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let line = reader.get_mut().record_line(&record);
            // The csv reader drops a byte order mark only when its first read
            // brings all three bytes; the import strips it from the header itself.
            let first = String::from_utf8_lossy(&record[0]);
            out.push((line, first.trim_start_matches('\u{feff}').to_string()));
        }
        out
    }

    fn check(text: &str, expected: &[(u64, &str)]) {
        let expected: Vec<(u64, String)> = expected
            .iter()
            .map(|(l, f)| (*l, (*f).to_string()))
            .collect();
        assert_eq!(lines(text.as_bytes()), expected, "{text:?}");
        assert_eq!(
            lines(Trickle(text.as_bytes())),
            expected,
            "{text:?}, one byte per read"
        );
    }

    #[test]
    fn lf_crlf_and_mixed_endings_give_the_editors_line() {
        let records = [(1, "head"), (2, "a"), (3, "b"), (4, "c")];
        check("head,x\na,1\nb,2\nc,3\n", &records);
        check("head,x\r\na,1\r\nb,2\r\nc,3\r\n", &records);
        check("head,x\r\na,1\nb,2\r\nc,3", &records);
        check("head,x\ra,1\rb,2\r\nc,3\n", &records);
    }

    #[test]
    fn a_byte_order_mark_changes_no_line() {
        let records = [(1, "head"), (2, "a"), (3, "b")];
        check("\u{feff}head,x\r\na,1\r\nb,2\r\n", &records);
        check("\u{feff}head,x\na,1\nb,2\n", &records);
        // A blank first line after the mark (read whole: the csv reader drops the
        // mark only when its first read brings all of it).
        assert_eq!(
            lines("\u{feff}\r\nhead,x\na,1\nb,2\n".as_bytes()),
            [(2, "head"), (3, "a"), (4, "b")].map(|(l, f)| (l, f.to_string()))
        );
    }

    #[test]
    fn blank_lines_are_counted_though_skipped() {
        check(
            "\n\r\nhead,x\n\na,1\r\n\r\n\r\nb,2\n\n",
            &[(3, "head"), (5, "a"), (8, "b")],
        );
    }

    #[test]
    fn a_quoted_newline_keeps_the_record_on_its_first_line() {
        check(
            "head,x\r\n\"a\r\nstill a\",1\r\nb,\"2\n\n2\"\r\nc,3\r\n",
            &[(1, "head"), (2, "a\r\nstill a"), (4, "b"), (7, "c")],
        );
    }
}
