//! Partner organisations: bar associations, civil-society organisations,
//! recruitment agencies and their associations, migrant worker resource
//! centres, Japan-side support organisations. A partner never runs a node. Its
//! member registers it in the member's shared log (`partner`, with the
//! organisation's ed25519 key and TLS certificate fingerprint) and may retire it
//! (`partner-retirement`). The partner signs its statements with its own key
//! and submits them through its member's node, which carries them in the
//! member's shared log (a `statement` naming the partner): every receiver and
//! auditor checks the partner's signature against the key registered *at that
//! point of the member's log*, so a retired or unregistered key is refused,
//! and a statement signed before a retirement stays valid.
//!
//! [`PartnerBook`] is that state for one member's log, advanced event by event
//! in the log's order.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use crate::keys::verifying_key_from_hex;
use crate::member::MemberId;
use crate::payload::{Payload as _, PayloadKind};
use crate::plan::{MAX_TEXT, MAX_TITLE, slug, text};

/// The stakeholder groups a partner belongs to: the actor codes of the
/// recommendations, with the legal experts and the associations the project
/// names.
pub const GROUPS: &[&str] = &[
    "government",
    "bar-association",
    "legal-expert",
    "cso",
    "recruitment-agency",
    "recruitment-agency-association",
    "mrc",
    "japan-support-org",
    "employer",
    "union",
];

/// The plan kinds a partner may sign: a recommendation, a comment, an advisory
/// position on a work-plan item (an endorsement or objection that is shown and
/// never counted), and values for an item's indicators or a pilot it runs
/// (`pilot-progress`; the older `pilot-report` too).
pub const PARTNER_KINDS: &[PayloadKind] = &[
    PayloadKind::RECOMMENDATION,
    PayloadKind::COMMENT,
    PayloadKind::ENDORSEMENT,
    PayloadKind::OBJECTION,
    PayloadKind::ITEM_UPDATE,
    PayloadKind::PILOT_REPORT,
    PayloadKind::PILOT_PROGRESS,
    PayloadKind::TRANSLATION,
];

/// `partner`: a member registers a partner organisation (or gives a retired
/// one's id a new key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// Unique within the member (a slug): `kh-bar`.
    pub id: String,
    pub name: String,
    /// One of [`GROUPS`].
    pub group: String,
    /// ISO 3166-1 alpha-2 code of the country it works in (`KH`, `JP`).
    pub country: String,
    /// Its ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// SHA-256 of its TLS certificate, 64 hex digits: its member's node accepts
    /// its connections by it.
    pub tls_fingerprint: String,
}

/// `partner-retirement`: the partner's key signs nothing after this event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerRetirement {
    pub partner: String,
    pub note: String,
}

fn hex64(what: &str, value: &str) -> Result<(), String> {
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("the {what} {value:?} is not 64 hex digits"))
    }
}

/// An ISO 3166-1 alpha-2 code: two capital letters.
pub(crate) fn country(value: &str) -> Result<(), String> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!(
            "country {value:?} is not an ISO 3166-1 alpha-2 code such as KH or JP"
        ))
    }
}

impl Partner {
    pub fn validate(&self) -> Result<(), String> {
        slug("partner id", &self.id)?;
        text("name", &self.name, MAX_TITLE, true)?;
        if !GROUPS.contains(&self.group.as_str()) {
            return Err(format!(
                "stakeholder group {:?} is not one of {}",
                self.group,
                GROUPS.join(", ")
            ));
        }
        country(&self.country)?;
        verifying_key_from_hex(&self.public_key).map_err(|e| format!("the public key: {e}"))?;
        hex64("TLS fingerprint", &self.tls_fingerprint)
    }
}

crate::payload::json_payload!(Partner, PayloadKind::PARTNER, 1, Partner::validate);
crate::payload::json_payload!(
    PartnerRetirement,
    PayloadKind::PARTNER_RETIREMENT,
    1,
    |r: &PartnerRetirement| {
        slug("partner id", &r.partner)?;
        text("note", &r.note, MAX_TEXT, false)
    }
);

/// A partner as its member's log stands at some point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerState {
    #[serde(flatten)]
    pub partner: Partner,
    /// The event that registered its current key.
    pub registered: u64,
    /// The event that retired it, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<u64>,
    /// Keys it signed with before, each with the event that retired it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_keys: Vec<(String, u64)>,
}

/// One member's partners, advanced event by event in its log's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartnerBook {
    partners: BTreeMap<String, PartnerState>,
}

impl PartnerBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in the member's event `seq` of `kind`; other kinds change nothing.
    /// Refuses what would make the book wrong: registering an id that is in
    /// use, a key another partner of the member holds, retiring one that is
    /// unknown or retired.
    pub fn apply(
        &mut self,
        seq: u64,
        kind: PayloadKind,
        version: u16,
        payload: &[u8],
    ) -> Result<(), String> {
        match kind {
            PayloadKind::PARTNER => {
                let p = Partner::decode(version, payload).map_err(|e| e.to_string())?;
                if let Some(held) = self.partners.values().find(|s| {
                    s.partner.id != p.id
                        && (s.partner.public_key == p.public_key
                            || s.partner.tls_fingerprint == p.tls_fingerprint)
                }) {
                    return Err(format!(
                        "partner {}: its key or certificate is {}'s",
                        p.id, held.partner.id
                    ));
                }
                match self.partners.get_mut(&p.id) {
                    Some(s) if s.retired.is_none() => Err(format!(
                        "partner {} is registered already (event {}); retire it first to give it a new key",
                        p.id, s.registered
                    )),
                    Some(s) => {
                        let retired = s.retired.unwrap_or(seq);
                        s.earlier_keys.push((s.partner.public_key.clone(), retired));
                        s.partner = p;
                        s.registered = seq;
                        s.retired = None;
                        Ok(())
                    }
                    None => {
                        self.partners.insert(
                            p.id.clone(),
                            PartnerState {
                                partner: p,
                                registered: seq,
                                retired: None,
                                earlier_keys: Vec::new(),
                            },
                        );
                        Ok(())
                    }
                }
            }
            PayloadKind::PARTNER_RETIREMENT => {
                let r = PartnerRetirement::decode(version, payload).map_err(|e| e.to_string())?;
                match self.partners.get_mut(&r.partner) {
                    None => Err(format!("partner {} is not registered", r.partner)),
                    Some(s) if s.retired.is_some() => {
                        Err(format!("partner {} is retired already", r.partner))
                    }
                    Some(s) => {
                        s.retired = Some(seq);
                        Ok(())
                    }
                }
            }
            _ => Ok(()),
        }
    }

    /// The key a statement by `partner` may be signed with now (at the next
    /// event of the log), or why there is none.
    pub fn key(&self, member: &MemberId, partner: &str) -> Result<VerifyingKey, String> {
        match self.partners.get(partner) {
            None => Err(format!(
                "{partner} is not a partner {member} has registered"
            )),
            Some(s) => match s.retired {
                Some(at) => Err(format!(
                    "partner {partner} of {member} was retired at event {at}: its key signs nothing after it"
                )),
                None => verifying_key_from_hex(&s.partner.public_key).map_err(|e| e.to_string()),
            },
        }
    }

    pub fn get(&self, partner: &str) -> Option<&PartnerState> {
        self.partners.get(partner)
    }

    pub fn all(&self) -> impl Iterator<Item = &PartnerState> {
        self.partners.values()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::chain::ChainHead;
    use crate::event::{LogKind, SignedEvent};
    use crate::ingest::{Ingest, Outcome};
    use crate::keys::SigningKey;
    use crate::payload::Draft;
    use crate::plan::testing::{key, member};
    use crate::statement::Statement;

    fn partner(id: &str, seed: u8) -> (Partner, SigningKey) {
        let k = SigningKey::from_seed([seed; 32]);
        (
            Partner {
                id: id.into(),
                name: format!("{id} association"),
                group: "bar-association".into(),
                country: "KH".into(),
                public_key: hex::encode(k.verifying_key().as_bytes()),
                tls_fingerprint: hex::encode([seed; 32]),
            },
            k,
        )
    }

    fn comment(text: &str) -> Draft {
        crate::workplan::Comment {
            on: crate::plan::RecordId::parse("KH-1").unwrap(),
            text: text.into(),
        }
        .to_draft()
    }

    #[test]
    fn the_book_follows_registrations_and_retirements_in_log_order() {
        let kh = member("KH");
        let mut book = PartnerBook::new();
        let (bar, _) = partner("kh-bar", 1);
        let p = bar.to_draft();
        book.apply(3, p.kind, p.version, &p.payload).unwrap();
        assert!(book.key(&kh, "kh-bar").is_ok());
        let err = book.apply(4, p.kind, p.version, &p.payload).unwrap_err();
        assert!(err.contains("registered already"), "{err}");
        let mut twin = partner("kh-mrc", 1).0;
        twin.id = "kh-mrc".into();
        let t = twin.to_draft();
        let err = book.apply(5, t.kind, t.version, &t.payload).unwrap_err();
        assert!(err.contains("is kh-bar's"), "{err}");
        let retire = PartnerRetirement {
            partner: "kh-bar".into(),
            note: "key lost".into(),
        }
        .to_draft();
        book.apply(6, retire.kind, retire.version, &retire.payload)
            .unwrap();
        let err = book.key(&kh, "kh-bar").unwrap_err();
        assert!(err.contains("retired at event 6"), "{err}");
        let err = book
            .apply(7, retire.kind, retire.version, &retire.payload)
            .unwrap_err();
        assert!(err.contains("retired already"), "{err}");
        // The id gets a new key: the old one is kept as retired.
        let (again, new_key) = partner("kh-bar", 2);
        let a = again.to_draft();
        book.apply(8, a.kind, a.version, &a.payload).unwrap();
        assert_eq!(book.key(&kh, "kh-bar").unwrap(), new_key.verifying_key());
        assert_eq!(book.get("kh-bar").unwrap().earlier_keys.len(), 1);
        assert!(
            book.key(&kh, "kh-mrc")
                .unwrap_err()
                .contains("not a partner KH has registered")
        );
        let mut bad = partner("kh-x", 3).0;
        bad.group = "police".into();
        assert!(
            Partner::decode(1, &bad.encode())
                .unwrap_err()
                .to_string()
                .contains("stakeholder group")
        );
        bad.group = "cso".into();
        bad.country = "Cambodia".into();
        assert!(
            Partner::decode(1, &bad.encode())
                .unwrap_err()
                .to_string()
                .contains("ISO 3166-1")
        );
    }

    /// KH's log: a partner registered (1), its comment (2), its retirement (3),
    /// then a comment signed with the retired key (4): every receiver takes the
    /// first three, the comment made before the retirement included, and
    /// refuses the fourth with the reason. A partner of KH carried by VN, a
    /// forged signature and a partner's status of an item are refused too.
    #[test]
    fn receivers_check_a_partners_signature_against_the_key_at_that_point_of_the_log() {
        let kh = member("KH");
        let kh_key = key("KH");
        let (bar, bar_key) = partner("kh-bar", 9);
        let drafts = [
            bar.to_draft(),
            Statement::sign_partner(
                &kh,
                "kh-bar",
                &bar_key,
                &comment("The bar will staff the desk"),
            )
            .to_draft(),
            PartnerRetirement {
                partner: "kh-bar".into(),
                note: String::new(),
            }
            .to_draft(),
            Statement::sign_partner(&kh, "kh-bar", &bar_key, &comment("Still here")).to_draft(),
        ];
        let mut head = ChainHead::EMPTY;
        let events: Vec<SignedEvent> = drafts
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let e =
                    SignedEvent::seal(&kh_key, &kh, LogKind::Shared, i as u64 + 1, head.hash, 0, d);
                head = ChainHead::of(&e);
                e
            })
            .collect();
        let mut ingest = Ingest::new(kh.clone(), kh_key.verifying_key(), ChainHead::EMPTY);
        let raws: Vec<Vec<u8>> = events.iter().map(|e| e.raw().to_vec()).collect();
        let outcomes = ingest.decide(raws, |_| None);
        assert!(matches!(outcomes[0], Outcome::Append(_)));
        assert!(matches!(outcomes[1], Outcome::Append(_)));
        assert!(matches!(outcomes[2], Outcome::Append(_)));
        let Outcome::Reject { reason, .. } = &outcomes[3] else {
            panic!("{:?}", outcomes[3]);
        };
        assert!(
            reason.to_string().contains("retired at event 3"),
            "{reason}"
        );

        // Through another member's node.
        let vn = member("VN");
        let mut book = PartnerBook::new();
        let d = bar.to_draft();
        book.apply(1, d.kind, d.version, &d.payload).unwrap();
        let s = Statement::sign_partner(&kh, "kh-bar", &bar_key, &comment("x"));
        assert!(
            s.verify_partner(&vn, &book)
                .unwrap_err()
                .contains("submits only through KH's node")
        );
        assert!(s.verify_partner(&kh, &book).is_ok());
        // A signature by another key, and one over other bytes.
        let forged = Statement::sign_partner(
            &kh,
            "kh-bar",
            &SigningKey::from_seed([5; 32]),
            &comment("x"),
        );
        assert!(
            forged
                .verify_partner(&kh, &book)
                .unwrap_err()
                .contains("has not registered")
        );
        let mut changed = s.clone();
        changed.payload = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            comment("y").payload,
        );
        assert!(
            changed
                .verify_partner(&kh, &book)
                .unwrap_err()
                .contains("does not verify")
        );
        // A partner reports values, not an item's status; and signs no draft.
        let status = crate::workplan::ItemUpdate {
            item: crate::plan::RecordId::parse("KH-3").unwrap(),
            date: "2026-03-01".into(),
            status: Some("done".into()),
            milestones: Vec::new(),
            values: Vec::new(),
            note: String::new(),
        };
        let s = Statement::sign_partner(&kh, "kh-bar", &bar_key, &status.to_draft());
        let err = crate::kinds::check(PayloadKind::STATEMENT, 1, &s.encode()).unwrap_err();
        assert!(
            err.to_string()
                .contains("a partner reports values and notes"),
            "{err}"
        );
        let draft = crate::workplan::WorkplanItem {
            proposed: false,
            content: crate::workplan::ItemContent {
                title: "t".into(),
                objective: "o".into(),
                outputs: Vec::new(),
                activities: Vec::new(),
                draws_on: vec![crate::plan::RecordId::parse("KH-1").unwrap()],
                lead: kh.clone(),
                members: vec![kh.clone()],
                milestones: Vec::new(),
                indicators: Vec::new(),
                due: "2027-01".into(),
            },
        };
        let s = Statement::sign_partner(&kh, "kh-bar", &bar_key, &draft.to_draft());
        let err = crate::kinds::check(PayloadKind::STATEMENT, 1, &s.encode()).unwrap_err();
        assert!(err.to_string().contains("a partner may sign only"), "{err}");
    }
}
