//! Case imports through the CLI and a real node: every kind of bad input is refused
//! with its file, line, column and reason and stores nothing; good files import
//! once (a second import changes nothing, a changed row is an update); an import
//! cut by SIGKILL happened whole or not at all.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use remedy_tests::{NodeDir, binary, path_arg as path, remedy};

const HEADER: &str = "case_id,opened_on,closed_on,sex,age_band,residence_status,sector,stage,grievances,channel,outcome,compensation_usd";
const GOOD: &str = "KH-1,2024-07-03,2024-09-30,female,25-34,titp,agriculture,in-employment,unpaid-wages;document-retention,mrc,resolved-compensated,1200";
const GOOD2: &str = "KH-2,2024-07-05,,male,15-24,ssw-1,construction,pre-departure,recruitment-fees-debt,hotline,pending,";

fn total(dir: &Path) -> u64 {
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(dir),
        "--format",
        "json",
        "cases",
        "list",
        "--limit",
        "1",
    ])
    .unwrap();
    assert!(ok, "{stderr}");
    serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["total"]
        .as_u64()
        .unwrap()
}

fn import(dir: &Path, file: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["--dir", path(dir), "cases", "import", path(file)];
    args.extend_from_slice(extra);
    remedy(&args).unwrap()
}

#[tokio::test]
async fn bad_input_is_refused_with_its_place_and_reason_and_nothing_is_stored() -> anyhow::Result<()>
{
    let tmp = tempfile::tempdir()?;
    let node_dir = NodeDir::create(&tmp.path().join("KH"), "KH")?;
    let _node = node_dir.start().await?;
    let dir = &node_dir.dir;
    let big = "x".repeat(10 << 20);
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "unknown column",
            format!("{HEADER},passport_number\n{GOOD},P123\n").into_bytes(),
            "f.csv:1: column 13: \"passport_number\" is not a column of the case format".into(),
        ),
        (
            "missing column",
            format!("{}\n", HEADER.replace(",compensation_usd", "")).into_bytes(),
            "f.csv:1: the header lacks the column \"compensation_usd\"".into(),
        ),
        ("empty file", Vec::new(), "f.csv: the file is empty".into()),
        (
            "header only",
            format!("{HEADER}\n").into_bytes(),
            "f.csv: no case rows after the header".into(),
        ),
        (
            "bad date",
            format!("{HEADER}\n{GOOD2}\n{}\n", GOOD.replace("2024-07-03", "2024-02-30")).into_bytes(),
            "f.csv:3:2: column 2 (opened_on): \"2024-02-30\" is not a date; expected YYYY-MM-DD".into(),
        ),
        (
            "closed before opened",
            format!("{HEADER}\n{}\n", GOOD.replace("2024-09-30", "2024-06-30")).into_bytes(),
            "f.csv:2:3: column 3 (closed_on): 2024-06-30 is before opened_on 2024-07-03".into(),
        ),
        (
            "unknown code",
            format!("{HEADER}\n{}\n", GOOD.replace("titp", "tourist")).into_bytes(),
            "f.csv:2:6: column 6 (residence_status): \"tourist\" is not a code; expected one of titp, ssw-1".into(),
        ),
        (
            "an outcome that ends the case, without a closing date",
            format!("{HEADER}\n{}\n", GOOD.replace("2024-09-30", "")).into_bytes(),
            "f.csv:2:3: column 3 (closed_on): is empty, but column 11 (outcome) is \"resolved-compensated\", which ends the case; give the date the case closed".into(),
        ),
        (
            "a pending case with a closing date",
            format!("{HEADER}\n{}\n", GOOD.replace("resolved-compensated,1200", "pending,")).into_bytes(),
            "f.csv:2:3: column 3 (closed_on): 2024-09-30 is given, but column 11 (outcome) is \"pending\", which means the case is still open".into(),
        ),
        (
            "compensation without the compensated outcome",
            format!("{HEADER}\n{}\n", GOOD.replace("resolved-compensated", "withdrawn")).into_bytes(),
            "f.csv:2:12: column 12 (compensation_usd): 1200 dollars recovered, but column 11 (outcome) is \"withdrawn\"; compensation above 0 goes only with the outcome resolved-compensated".into(),
        ),
        (
            "duplicate case id",
            format!("{HEADER}\n{GOOD}\n{GOOD2}\n{GOOD}\n").into_bytes(),
            "f.csv:4:1: case_id \"KH-1\" appears again (first on line 2)".into(),
        ),
        (
            "negative amount",
            format!("{HEADER}\n{}\n", GOOD.replace(",1200", ",-5")).into_bytes(),
            "f.csv:2:12: column 12 (compensation_usd): \"-5\" is not an amount".into(),
        ),
        (
            "non-numeric amount",
            format!("{HEADER}\n{}\n", GOOD.replace(",1200", ",12.50")).into_bytes(),
            "f.csv:2:12: column 12 (compensation_usd): \"12.50\" is not an amount".into(),
        ),
        (
            "a 10 MiB field",
            format!("{HEADER}\n{}\n", GOOD.replace("KH-1", &big)).into_bytes(),
            format!("f.csv:2:1: column 1 (case_id): \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… ({} bytes) is not a case id", big.len()),
        ),
        (
            "invalid UTF-8",
            [format!("{HEADER}\n{GOOD2}\n").into_bytes(), b"KH-\xff\xfe,2024-07-03,,female,25-34,titp,agriculture,return,housing,mrc,pending,\n".to_vec()].concat(),
            // Which encoding two stray bytes look like is a guess; that it
            // names one and the flag is the point.
            "f.csv:3:1: invalid UTF-8: the file is not UTF-8; it looks like ".into(),
        ),
    ];
    for (what, bytes, expected) in &cases {
        let file = tmp.path().join("f.csv");
        std::fs::write(&file, bytes)?;
        let (ok, stdout, stderr) = import(dir, &file, &[]);
        assert!(!ok, "{what}: accepted: {stdout}");
        let stderr = stderr.replace(&format!("{}", file.display()), "f.csv");
        assert!(
            stderr.contains(expected.as_str()),
            "{what}: expected {expected:?} in:\n{stderr}"
        );
        assert!(
            stderr.contains("nothing was imported")
                || stderr.contains("is empty")
                || stderr.contains("is not a column")
                || stderr.contains("lacks the column"),
            "{what}: {stderr}"
        );
        assert_eq!(total(dir), 0, "{what}: something was stored");
    }

    // Accepted: CRLF line endings, a quoted field holding a comma, and standard input.
    let file = tmp.path().join("crlf.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\r\n{}\r\n{GOOD2}\r\n",
            GOOD.replace("KH-1,", "\"KH-1, Phnom Penh office\",")
        ),
    )?;
    let (ok, stdout, stderr) = import(dir, &file, &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("2 new"), "{stdout}");
    let (ok, stdout, _) = remedy(&[
        "--dir",
        path(dir),
        "cases",
        "show",
        "KH-1, Phnom Penh office",
    ])?;
    assert!(ok && stdout.contains("resolved-compensated"), "{stdout}");

    let mut child = Command::new(binary("remedy"))
        .args(["--dir", path(dir), "cases", "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{HEADER}\n{}\n", GOOD.replace("KH-1", "KH-3")).as_bytes())?;
    let out = child.wait_with_output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(total(dir), 3);

    // --skip-invalid stores the good rows and writes the bad ones with reasons.
    let file = tmp.path().join("mixed.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\n{}\n{}\n",
            GOOD.replace("KH-1", "KH-4"),
            GOOD.replace("KH-1", "KH-5").replace("mrc", "pigeon")
        ),
    )?;
    let rejects = tmp.path().join("rejects.csv");
    let (ok, stdout, stderr) = import(dir, &file, &["--skip-invalid", path(&rejects)]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("1 new") && stdout.contains("1 invalid rows set aside"),
        "{stdout}"
    );
    let rejected = std::fs::read_to_string(&rejects)?;
    assert!(rejected.starts_with("line,reason,case_id,"), "{rejected}");
    assert!(
        rejected.contains("3,")
            && rejected.contains("\"\"pigeon\"\" is not a code")
            && rejected.contains("KH-5"),
        "{rejected}"
    );
    assert_eq!(total(dir), 4);

    // The rejects file, corrected, imports as it is (its `line` and `reason`
    // columns are ignored).
    std::fs::write(&rejects, rejected.replace("pigeon", "hotline"))?;
    let (ok, stdout, stderr) = import(dir, &rejects, &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 new"), "{stdout}");
    assert_eq!(total(dir), 5);
    Ok(())
}

/// A register as Excel saves it on a Japanese or Vietnamese Windows, and as a
/// workbook: the CSV in Shift_JIS or Windows-1258 is refused with the encoding
/// it looks like and the flag, and imports with `--encoding`; the `.xlsx`
/// (dates as Excel day numbers, numbers as numbers) imports as its CSV would;
/// the template, filled in, imports as it is.
#[tokio::test]
async fn registers_in_other_encodings_and_spreadsheets_import() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node_dir = NodeDir::create(&tmp.path().join("JP"), "JP")?;
    let _node = node_dir.start().await?;
    let dir = &node_dir.dir;
    // Case ids are free text: a register keeps its own (here in Japanese and
    // Vietnamese, so that the encodings matter).
    let rows = |prefix: &str, n: u32| -> String {
        (1..=n)
            .map(|i| format!("{}\n", GOOD.replace("KH-1,", &format!("{prefix}-{i},"))))
            .collect()
    };
    for (label, prefix, expected) in [
        ("shift_jis", "東京相談窓口", "Shift_JIS"),
        // Windows-1258 writes tones as combining marks (ộ is ô and U+0323).
        (
            "windows-1258",
            "Ngươ\u{300}i lao đô\u{323}ng Hà Nô\u{323}i",
            "windows-1258",
        ),
    ] {
        let text = format!("{HEADER}\n{}", rows(prefix, 20));
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
        let (bytes, _, unmappable) = encoding.encode(&text);
        assert!(!unmappable, "{label}");
        let file = tmp.path().join(format!("{label}.csv"));
        std::fs::write(&file, &bytes)?;
        let (ok, _, stderr) = import(dir, &file, &[]);
        assert!(!ok, "{label} imported as UTF-8");
        assert!(
            stderr.contains(&format!("it looks like {expected}"))
                && stderr.contains(&format!("--encoding {}", expected.to_ascii_lowercase())),
            "{stderr}"
        );
        let before = total(dir);
        let (ok, stdout, stderr) = import(dir, &file, &["--encoding", label]);
        assert!(ok, "{label}: {stderr}");
        assert!(stdout.contains("20 new"), "{stdout}");
        assert_eq!(total(dir), before + 20);
    }

    // Labels in place of codes, in Japanese with --lang ja (English labels are
    // read in any language): the codes are stored.
    let labelled = tmp.path().join("labels.csv");
    std::fs::write(
        &labelled,
        format!(
            "{HEADER}\nLB-1,2024-07-03,,女性,25-34,技能実習,農業,就労中,賃金未払い;Housing,移住労働者リソースセンター,対応中,\n"
        ),
    )?;
    let (ok, stdout, stderr) = remedy(&[
        "--lang",
        "ja",
        "--dir",
        path(dir),
        "cases",
        "import",
        path(&labelled),
    ])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 new"), "{stdout}");
    let (ok, stdout, _) = remedy(&[
        "--dir",
        path(dir),
        "--format",
        "json",
        "cases",
        "show",
        "LB-1",
    ])?;
    assert!(ok);
    let case = &serde_json::from_str::<serde_json::Value>(&stdout)?["cases"][0];
    assert_eq!(case["sex"], "female", "{case}");
    assert_eq!(case["outcome"], "pending");
    assert_eq!(case["channel"], "mrc");
    assert_eq!(
        case["grievances"],
        serde_json::json!(["housing", "unpaid-wages"]),
        "{case}"
    );

    // A workbook: dates typed as dates, the amount as a number, the grievances
    // as text.
    let xlsx = tmp.path().join("register.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, name) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, name)?;
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for r in 1..=30u32 {
        let fields: Vec<&str> = GOOD.split(',').collect();
        sheet.write_string(r, 0, format!("XL-{r}"))?;
        for (c, day) in [(1u16, (2024, 7, 3)), (2, (2024, 9, 30))] {
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(day.0, day.1, day.2)?;
            sheet.write_datetime_with_format(r, c, &d, &date)?;
        }
        for c in 3..11u16 {
            sheet.write_string(r, c, fields[c as usize])?;
        }
        sheet.write_number(r, 11, 1200.0)?;
    }
    book.save(&xlsx)?;
    let before = total(dir);
    let (ok, stdout, stderr) = import(dir, &xlsx, &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("30 new"), "{stdout}");
    assert_eq!(total(dir), before + 30);
    let (ok, stdout, _) = remedy(&[
        "--dir",
        path(dir),
        "--format",
        "json",
        "cases",
        "show",
        "XL-7",
    ])?;
    assert!(ok);
    let shown: serde_json::Value = serde_json::from_str(&stdout)?;
    let case = &shown["cases"][0];
    assert_eq!(case["opened_on"], "2024-07-03", "{shown}");
    assert_eq!(case["compensation_usd"], "1200", "{shown}");
    // A bad cell is named by its row, as the sheet numbers it.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, name) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, name)?;
    }
    for (r, row) in [
        GOOD,
        &GOOD.replace("KH-1", "KH-9").replace("titp", "tourist"),
    ]
    .iter()
    .enumerate()
    {
        for (c, f) in row.split(',').enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, f)?;
        }
    }
    let bad = tmp.path().join("bad.xlsx");
    book.save(&bad)?;
    let (ok, _, stderr) = import(dir, &bad, &[]);
    assert!(!ok);
    assert!(stderr.contains("bad.xlsx:3:6:"), "{stderr}");

    // The template as a workbook imports as it is (its example row); as CSV,
    // filled in with another case, too.
    let file = tmp.path().join("template.xlsx");
    let (ok, _, stderr) = remedy(&["cases", "template", "--out", path(&file)])?;
    assert!(ok, "{stderr}");
    let before = total(dir);
    let (ok, stdout, stderr) = import(dir, &file, &[]);
    assert!(ok, "template.xlsx: {stderr}");
    assert!(stdout.contains("1 new"), "{stdout}");
    assert_eq!(total(dir), before + 1);
    let file = tmp.path().join("template.csv");
    let (ok, _, stderr) = remedy(&["cases", "template", "--out", path(&file)])?;
    assert!(ok, "{stderr}");
    let filled = std::fs::read_to_string(&file)?.replace("KH-2024-0001", "KH-2024-0002");
    std::fs::write(&file, filled)?;
    let (ok, stdout, stderr) = import(dir, &file, &[]);
    assert!(ok, "template.csv: {stderr}");
    assert!(stdout.contains("1 new"), "{stdout}");
    assert_eq!(total(dir), before + 2);
    let (ok, stdout, _) = remedy(&["cases", "template"])?;
    assert!(ok && stdout.starts_with(HEADER), "{stdout}");
    // --format chooses whatever the file's name says.
    let file = tmp.path().join("register-template");
    let (ok, _, stderr) = remedy(&[
        "--format",
        "xlsx",
        "cases",
        "template",
        "--out",
        path(&file),
    ])?;
    assert!(ok, "{stderr}");
    assert!(
        std::fs::read(&file)?.starts_with(b"PK\x03\x04"),
        "a workbook is a zip"
    );
    let (ok, stdout, _) = remedy(&["--format", "csv", "cases", "template"])?;
    assert!(ok && stdout.starts_with(HEADER), "{stdout}");
    Ok(())
}

/// The lines of a register with LF endings: the header, then rows. Line 3, 6 and 8
/// are bad; lines 4 and 5 are one record (a quoted cell holding a line break, as
/// Alt+Enter in Excel makes); line 7 is blank.
fn register_lines(prefix: &str) -> Vec<String> {
    let row = |n: u32| GOOD.replace("KH-1,", &format!("{prefix}-{n},"));
    vec![
        HEADER.to_string(),
        row(1),
        row(2).replace("titp", "tourist"),
        row(3).replace(
            "unpaid-wages;document-retention",
            "\"unpaid-wages;\ndocument-retention\"",
        ),
        row(4).replace("resolved-compensated,1200", "pending,"),
        String::new(),
        row(1),
        row(5),
    ]
}

#[tokio::test]
async fn line_numbers_are_right_whatever_the_line_endings() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node_dir = NodeDir::create(&tmp.path().join("KH"), "KH")?;
    let _node = node_dir.start().await?;
    let dir = &node_dir.dir;
    let join = |lines: &[String], ending: &dyn Fn(usize) -> &'static str| -> String {
        lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                // A line break inside a quoted cell takes the file's ending too.
                format!("{}{}", line.replace('\n', ending(i)), ending(i))
            })
            .collect()
    };
    let variants: [(&str, String); 4] = [
        ("LF", join(&register_lines("LF"), &|_| "\n")),
        ("CRLF", join(&register_lines("CRLF"), &|_| "\r\n")),
        (
            "BOM",
            format!("\u{feff}{}", join(&register_lines("BOM"), &|_| "\r\n")),
        ),
        (
            "mixed",
            join(&register_lines("MIX"), &|i| {
                if i % 2 == 0 { "\r\n" } else { "\n" }
            }),
        ),
    ];
    let mut stored = 0;
    for (what, text) in &variants {
        let file = tmp.path().join("f.csv");
        std::fs::write(&file, text)?;

        // All or nothing: every bad row named at its line.
        let (ok, stdout, stderr) = import(dir, &file, &[]);
        assert!(!ok, "{what}: accepted: {stdout}");
        let stderr = stderr.replace(&format!("{}", file.display()), "f.csv");
        for expected in [
            "f.csv:3:6: column 6 (residence_status): \"tourist\" is not a code",
            "f.csv:6:3: column 3 (closed_on): 2024-09-30 is given, but column 11 (outcome) is \"pending\"",
            "(first on line 2); case ids are unique within a file",
            "f.csv:8:1: case_id",
            "3 of 6 rows are invalid; nothing was imported",
        ] {
            assert!(
                stderr.contains(expected),
                "{what}: expected {expected:?} in:\n{stderr}"
            );
        }
        assert_eq!(total(dir), stored, "{what}: something was stored");

        // Set aside: the rejects file names the same lines.
        let rejects = tmp.path().join("rejects.csv");
        let (ok, stdout, stderr) = import(dir, &file, &["--skip-invalid", path(&rejects)]);
        assert!(ok, "{what}: {stderr}");
        assert!(
            stdout.contains("3 new") && stdout.contains("3 invalid rows set aside"),
            "{what}: {stdout}"
        );
        stored += 3;
        assert_eq!(total(dir), stored, "{what}");
        // One record a line here (no rejected row holds a line break); the line first.
        let rejected = std::fs::read_to_string(&rejects)?;
        let lines: Vec<&str> = rejected
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or_default())
            .collect();
        assert_eq!(lines, ["3", "6", "8"], "{what}: {rejected}");
    }
    Ok(())
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_a_changed_row_is_an_update() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node_dir = NodeDir::create(&tmp.path().join("VN"), "VN")?;
    let _node = node_dir.start().await?;
    let dir = &node_dir.dir;
    let file = tmp.path().join("vn.csv");
    let (ok, csv, stderr) = remedy(&[
        "cases", "generate", "--member", "VN", "--count", "5000", "--seed", "9",
    ])?;
    assert!(ok, "{stderr}");
    std::fs::write(&file, &csv)?;
    let (ok, stdout, stderr) = import(dir, &file, &["--format", "json"]);
    assert!(ok, "{stderr}");
    let first: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(
        (first["new"].as_u64(), first["unchanged"].as_u64()),
        (Some(5000), Some(0))
    );
    let listing = |dir: &Path| {
        remedy(&[
            "--dir",
            path(dir),
            "--format",
            "json",
            "cases",
            "list",
            "--limit",
            "10000",
        ])
        .unwrap()
        .1
    };
    let before = listing(dir);

    let (ok, stdout, _) = import(dir, &file, &["--format", "json"]);
    assert!(ok);
    let second: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(
        (second["new"].as_u64(), second["events"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        second["private_head"], first["private_head"],
        "nothing appended"
    );
    assert_eq!(listing(dir), before, "identical state");

    // One row changes: one update, still 5000 cases.
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let fields: Vec<&str> = lines[10].split(',').collect();
    let id = fields[0].to_string();
    let changed = format!(
        "{},{},{},{}",
        fields[..2].join(","),
        fields[1],
        fields[3..10].join(","),
        "withdrawn,"
    );
    lines[10] = changed;
    std::fs::write(&file, lines.join("\n") + "\n")?;
    let (ok, stdout, stderr) = import(dir, &file, &["--format", "json"]);
    assert!(ok, "{stderr}");
    let third: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(
        (
            third["new"].as_u64(),
            third["updated"].as_u64(),
            third["unchanged"].as_u64(),
            third["events"].as_u64()
        ),
        (Some(0), Some(1), Some(4999), Some(2)),
        "one batch with the changed case, and the import's commit"
    );
    assert_eq!(total(dir), 5000);
    let (_, shown, _) = remedy(&["--dir", path(dir), "cases", "show", &id])?;
    assert!(shown.contains("withdrawn"), "{shown}");
    Ok(())
}

#[tokio::test]
async fn an_import_cut_by_sigkill_happened_whole_or_not_at_all() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node_dir = NodeDir::create(&tmp.path().join("ID"), "ID")?;
    let mut node = node_dir.start().await?;
    let file = tmp.path().join("id.csv");
    let out = Command::new(binary("remedy"))
        .args([
            "cases", "generate", "--member", "ID", "--count", "300000", "--seed", "4",
        ])
        .output()?;
    std::fs::write(&file, &out.stdout)?;
    let mut import = Command::new(binary("remedy"))
        .args(["--dir", path(&node_dir.dir), "cases", "import", path(&file)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    // Kill the node once the import is under way: at its first progress line.
    let mut stderr = std::io::BufReader::new(import.stderr.take().unwrap());
    let mut line = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !line.contains("rows checked") {
        line.clear();
        if std::io::BufRead::read_line(&mut stderr, &mut line)? == 0 {
            break; // the import finished before a progress line: still a valid outcome
        }
        assert!(std::time::Instant::now() < deadline);
    }
    node.kill9();
    let _ = import.wait();
    let _node = node_dir.start().await?; // verifies the private log from disk
    let held = total(&node_dir.dir);
    assert!(
        held == 0 || held == 300_000,
        "a partial import: {held} cases"
    );
    Ok(())
}

#[test]
fn a_reader_that_goes_away_ends_the_cli_quietly() -> anyhow::Result<()> {
    use std::io::Read;
    // `remedy cases generate ... | head -c 100`: the CLI ends with status 141, as
    // a shell reports a filter ended by SIGPIPE, with no panic and no message.
    let mut child = Command::new(binary("remedy"))
        .args(["cases", "generate", "--member", "VN", "--count", "2000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 100];
    stdout.read_exact(&mut head)?;
    drop(stdout);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still writing to a closed pipe"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr)?;
    assert_eq!(status.code(), Some(141), "{status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    Ok(())
}
