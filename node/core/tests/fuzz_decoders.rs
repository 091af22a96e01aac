//! Fuzzing every decoder of the domain on the stable toolchain: valid samples of
//! each format, mutated (bits flipped, bytes inserted, deleted, duplicated,
//! truncated, spliced with other samples) by a seeded generator, and fed to the
//! decoder and the checks behind it. A decoder may refuse anything; it must never
//! panic. A failure prints the seed, the iteration and the input (hex), so it can
//! be replayed.
//!
//! `make test` runs a short budget (3,000 mutated inputs per decoder); `make fuzz`
//! a long one (`REMEDY_FUZZ_ITERATIONS`, 1,000,000 by default there).

#![allow(clippy::unwrap_used)]

use remedy_core::case::{Date, Header};
use remedy_core::checkpoint::{Checkpoint, SignedCheckpoint, key_name, origin_line};
use remedy_core::fuzzing::fuzz;
use remedy_core::login::Login;
use remedy_core::manifest::{Body, Federation, Manifest, Member, Policy, Role};
use remedy_core::payload::{Note, Payload};
use remedy_core::release::{Release, Source};
use remedy_core::tables::{Period, compute};
use remedy_core::{ChainHead, LogKind, MemberId, PayloadKind, SignedEvent, SigningKey};

fn kh() -> MemberId {
    MemberId::new("KH").unwrap()
}

fn release(period: &str, cases: u64) -> Release {
    let records: Vec<_> = remedy_core::synthetic::generate(
        &kh(),
        cases,
        5,
        Date::parse("2024-01-01").unwrap(),
        Date::parse("2024-12-31").unwrap(),
    )
    .collect();
    let tables = compute(Period::parse(period).unwrap(), &records);
    let source = Source {
        private_seq: 1,
        private_hash: "ab".repeat(32),
    };
    remedy_core::release::build(&tables, 5, 1, source, &[]).unwrap()
}

/// Valid events: notes (signed and linked), a release, a plan record.
fn events() -> Vec<Vec<u8>> {
    let key = SigningKey::from_seed([7; 32]);
    let drafts = [
        Note {
            text: "workshop minutes".into(),
        }
        .to_draft(),
        release("2024-Q3", 400).to_draft(),
    ];
    let mut head = ChainHead::EMPTY;
    let mut out = Vec::new();
    for (i, draft) in drafts.iter().enumerate() {
        let event = SignedEvent::seal(
            &key,
            &kh(),
            LogKind::Shared,
            i as u64 + 1,
            head.hash,
            0,
            draft,
        );
        head = ChainHead::of(&event);
        out.push(event.raw().to_vec());
    }
    // A body alone (a linked event): the body of the first without its signature.
    let first = SignedEvent::decode(out[0].clone()).unwrap();
    out.push(first.body().to_vec());
    out
}

#[test]
fn events_and_every_payload_kind_decode_without_panicking() {
    let key = SigningKey::from_seed([7; 32]);
    let corpus = events();
    fuzz("event envelope", 1, &corpus, |bytes| {
        if let Ok(event) = SignedEvent::decode(bytes.to_vec()) {
            let _ = event.verify_strict(&key.verifying_key());
            let _ = remedy_core::kinds::check(event.kind(), event.version(), event.payload());
            let _ =
                remedy_core::plan::check_event(&event, &Default::default(), &Default::default());
        }
    });
    // Payload bytes of every kind, from JSON and text samples.
    let mut payloads: Vec<Vec<u8>> = corpus
        .iter()
        .filter_map(|raw| SignedEvent::decode(raw.clone()).ok())
        .map(|e| e.payload().to_vec())
        .collect();
    payloads.push(br#"{"title":"t","text":"x","theme":"legal-aid","actors":["cso"],"priority":"high","workshop":{"place":"Phnom Penh","date":"2024-05-14"}}"#.to_vec());
    payloads.push(br#"{"recommendation":"KH-1","status":"endorsed","note":""}"#.to_vec());
    payloads.push(br#"{"item":"JP-6"}"#.to_vec());
    // Work-plan records with versions (payload version 2 and the new kinds).
    let item = br#"{"proposed":false,"content":{"title":"Referral protocol","objective":"Workers reach a remedy","outputs":["A protocol"],"activities":[{"what":"Draft","responsible":"JP","start":"2026-01-01","end":"2026-06-30"}],"draws_on":["KH-1"],"lead":"JP","members":["KH","JP"],"milestones":[{"id":"signed","title":"Signed","due":"2026-12-01"}],"indicators":[{"id":"referred","name":"Referred","unit":"count","baseline":{"value":"40","date":"2025-12-31"},"target":{"value":"120.5","date":"2027-12-31"},"source":{"series":{"members":["KH"],"table":"channel-outcome","row":"mrc","column":"total"}}}],"due":"2027-06"}}"#;
    payloads.push(item.to_vec());
    let version = r#"{"version":2,"hash":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}"#;
    payloads.push(format!(r#"{{"item":"JP-6","version":{version},"note":"ok"}}"#).into_bytes());
    payloads.push(
        format!(r#"{{"item":"JP-6","version":{version},"reason":"no","contests_editorial":true}}"#)
            .into_bytes(),
    );
    payloads.push(br#"{"item":"JP-6","date":"2026-03-01","status":"in-progress","milestones":["signed"],"values":[{"indicator":"referred","value":"12.5","date":"2026-03-01"}],"note":""}"#.to_vec());
    let statement = remedy_core::statement::Statement::sign(
        &remedy_core::MemberId::new("ILO").unwrap(),
        &key,
        &remedy_core::Draft {
            kind: PayloadKind::WORKPLAN_ITEM,
            version: 2,
            payload: item.to_vec(),
        },
    );
    payloads.push(serde_json::to_vec(&statement).unwrap());
    fuzz("payloads", 2, &payloads, |bytes| {
        for &(kind, _) in PayloadKind::KNOWN {
            for version in [0, 1, 2] {
                let _ = remedy_core::kinds::check(kind, version, bytes);
            }
        }
    });
}

#[test]
fn releases_decode_and_check_without_panicking() {
    let corpus: Vec<Vec<u8>> = [("2024-Q3", 400), ("2024-Q4", 3000), ("2024-Q1", 160)]
        .iter()
        .map(|(p, n)| release(p, *n).encode())
        .collect();
    fuzz("release", 3, &corpus, |bytes| {
        if let Ok(release) = Release::decode(2, bytes) {
            let mut ledger = remedy_core::ledger::ReleaseLedger::new(
                remedy_core::ledger::ReleaseRules::default(),
            );
            let _ = ledger.admit(&release);
            for table in remedy_core::regional::table_names(&release) {
                if let Some(t) = remedy_core::regional::member_table("KH", &release, &table) {
                    let _ = remedy_core::regional::MemberTable::decode(&t.encode());
                }
            }
        }
        let _ = remedy_core::regional::MemberTable::decode(bytes);
    });
}

#[test]
fn manifests_checkpoints_and_sign_in_tokens_parse_without_panicking() {
    let key = SigningKey::from_seed([3; 32]);
    let key_of = |id: &str| {
        let mut seed = [3; 32];
        seed[..id.len()].copy_from_slice(id.as_bytes());
        SigningKey::from_seed(seed)
    };
    let member = |id: &str, role: Role| Member {
        id: MemberId::new(id).unwrap(),
        name: format!("{id} agency"),
        role,
        public_key: hex::encode(key_of(id).verifying_key().as_bytes()),
        tls_fingerprint: format!("{:0>64}", hex::encode(id)),
        endpoint: if role == Role::Node {
            "127.0.0.1:7401".into()
        } else {
            String::new()
        },
        retired_keys: Vec::new(),
    };
    let mut manifest = Manifest::new(Body {
        federation: Federation {
            name: "pilot".into(),
            version: 1,
            previous: None,
        },
        policy: Policy::default(),
        members: vec![member("KH", Role::Node), member("ILO", Role::Coordinator)],
    });
    manifest.sign(&kh(), &key_of("KH"));
    let manifests = vec![manifest.to_text().into_bytes()];
    fuzz("manifest", 4, &manifests, |bytes| {
        if let Ok(text) = std::str::from_utf8(bytes)
            && let Ok(m) = Manifest::parse(text)
        {
            let _ = m.verify_genesis();
        }
    });

    let checkpoint = SignedCheckpoint::sign(
        Checkpoint {
            origin: origin_line("pilot", "KH"),
            size: 12,
            root: [5; 32],
        },
        &key_name("KH"),
        &key,
    );
    let mut cosigned = checkpoint.clone();
    cosigned.cosign(
        &key_name("VN"),
        &SigningKey::from_seed([4; 32]),
        1_700_000_000,
    );
    let checkpoints = vec![
        checkpoint.to_text().into_bytes(),
        cosigned.to_text().into_bytes(),
    ];
    fuzz("checkpoint", 5, &checkpoints, |bytes| {
        if let Ok(text) = std::str::from_utf8(bytes)
            && let Ok(c) = SignedCheckpoint::parse(text)
        {
            let _ = c.signed_by(&key_name("KH"), &key.verifying_key());
            let _ = c.cosigned_by(&key_name("VN"), &key.verifying_key());
        }
    });

    let login = Login {
        member: MemberId::new("ILO").unwrap(),
        partner: None,
        node: kh(),
        expires: 1_900_000_000,
        nonce: [7; 16],
    };
    let partner = Login {
        member: kh(),
        partner: Some("kh-mrc".into()),
        ..login.clone()
    };
    let tokens = vec![
        login.sign(&key).into_bytes(),
        partner.sign(&key).into_bytes(),
    ];
    fuzz("sign-in token", 6, &tokens, |bytes| {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = Login::parse(text);
        }
    });
}

#[test]
fn case_rows_parse_without_panicking() {
    let header = Header::standard();
    let rows: Vec<Vec<u8>> = remedy_core::synthetic::generate(
        &kh(),
        20,
        9,
        Date::parse("2024-01-01").unwrap(),
        Date::parse("2024-12-31").unwrap(),
    )
    .map(|c| c.to_row().join(",").into_bytes())
    .collect();
    fuzz("case row", 7, &rows, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let fields: Vec<&str> = text.split(',').collect();
        let _ = header.parse_row(&fields);
        let _ = Header::parse(fields.iter().copied());
    });
}
