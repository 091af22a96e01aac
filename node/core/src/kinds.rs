//! Every payload kind by its number: which version this build writes, and the
//! schema check that dispatches to each kind's decoder. The kinds' modules
//! (`case`, `plan`, `privacy`, `release`) build on `payload` (the kind numbers,
//! the `Payload` trait, the error); this module is the one place that knows them
//! all, so no kind module imports another through `payload`.

use crate::payload::{Note, Payload, PayloadError, PayloadKind};

/// The version of `kind` this build writes: what `remedy log append` states for a
/// payload given as a file. Every kind is at version 1 but releases and the
/// work-plan kinds that gained versions of items.
pub fn newest_version(kind: PayloadKind) -> u16 {
    use crate::workplan::{Endorsement, ItemUpdate, Objection, WorkplanItem};
    match kind {
        PayloadKind::RELEASE => crate::release::Release::VERSION,
        PayloadKind::WORKPLAN_ITEM => WorkplanItem::VERSION,
        PayloadKind::ENDORSEMENT => Endorsement::VERSION,
        PayloadKind::OBJECTION => Objection::VERSION,
        PayloadKind::ITEM_UPDATE => ItemUpdate::VERSION,
        _ => 1,
    }
}

/// Checks that a payload is a known kind and decodes at its version: the schema
/// check every appended and every received event passes.
pub fn check(kind: PayloadKind, version: u16, bytes: &[u8]) -> Result<(), PayloadError> {
    match kind {
        PayloadKind::NOTE => Note::decode(version, bytes).map(drop),
        PayloadKind::CASES => crate::case::CaseBatch::decode(version, bytes).map(drop),
        PayloadKind::IMPORT_COMMIT => crate::case::ImportCommit::decode(version, bytes).map(drop),
        PayloadKind::RELEASE => crate::release::Release::decode(version, bytes).map(drop),
        PayloadKind::NOISE_SEED => crate::privacy::NoiseSeed::decode(version, bytes).map(drop),
        PayloadKind::PARTNER => crate::partner::Partner::decode(version, bytes).map(drop),
        PayloadKind::PARTNER_RETIREMENT => {
            crate::partner::PartnerRetirement::decode(version, bytes).map(drop)
        }
        other => match crate::plan::Record::of(other, version, bytes) {
            Some(record) => record.map(drop),
            None => Err(PayloadError::UnknownKind(other)),
        },
    }
}

/// `check`, and the rules for text written now: no control characters in a
/// note or in a plan record's titles, texts, notes and reasons (`controls`). The
/// Admin service applies it to every append; receivers and readers apply `check`
/// alone, so events signed before the rule keep verifying and replicating (their
/// text is escaped where it is shown).
pub fn check_new(kind: PayloadKind, version: u16, bytes: &[u8]) -> Result<(), PayloadError> {
    check(kind, version, bytes)?;
    let refused = |reason| PayloadError::Malformed {
        kind,
        version,
        reason,
    };
    if kind == PayloadKind::NOTE {
        let note = Note::decode(version, bytes)?;
        crate::controls::refuse("note", &note.text, crate::controls::Lines::Many)
            .map_err(refused)?;
    } else if let Some(record) = crate::plan::Record::of(kind, version, bytes) {
        record?.refuse_controls().map_err(refused)?;
    }
    Ok(())
}
