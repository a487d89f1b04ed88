//! Conversations from the References and In-Reply-To fields (RFC 5322 §3.6.4): messages naming a
//! common identifier belong together, even when the message it names is not among those looked
//! through (older, or deleted). Used instead of IMAP THREAD, whose answer the IMAP parser does not
//! read, and on a window of the newest messages only, never the whole folder.

use super::message::parse;
use std::collections::HashMap;

/// Identifiers taken from one message: its own, the first of its References (the conversation's
/// start) and the nearest ones. Enough to join it to its conversation, bounded whatever it says.
const IDS_PER_MESSAGE: usize = 24;
const ID_BYTES: usize = 250;

/// What threading needs of a message: its UID and the identifiers it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Threaded {
    pub uid: u32,
    pub ids: Vec<String>,
}

/// The identifiers of a message, from its Message-ID, In-Reply-To and References fields.
pub fn threaded(uid: u32, header: &[u8]) -> Threaded {
    let Some(message) = parse(header) else { return Threaded { uid, ids: vec![] } };
    let references = message.references().as_text_list().unwrap_or_default();
    let nearest = references.len().saturating_sub(IDS_PER_MESSAGE - 3);
    let ids = message
        .message_id()
        .into_iter()
        .chain(references.first().map(|r| r.as_ref()))
        .chain(references[nearest.max(1).min(references.len())..].iter().map(|r| r.as_ref()))
        .chain(message.in_reply_to().as_text_list().unwrap_or_default().iter().map(|r| r.as_ref()))
        .map(|id| id.trim().trim_matches(['<', '>']).to_ascii_lowercase())
        .filter(|id| !id.is_empty() && id.len() <= ID_BYTES)
        .take(IDS_PER_MESSAGE)
        .collect();
    Threaded { uid, ids }
}

/// The conversations of `messages`, the one with the newest message first, each as its UIDs,
/// newest first.
pub fn conversations(messages: &[Threaded]) -> Vec<Vec<u32>> {
    // union-find over the messages' positions, joined through the identifiers they share
    let mut parent: Vec<usize> = (0..messages.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, message) in messages.iter().enumerate() {
        for id in &message.ids {
            match first_with.get(id.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first_with.insert(id, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<u32>> = HashMap::new();
    for (i, message) in messages.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(message.uid);
    }
    let mut conversations: Vec<Vec<u32>> = groups
        .into_values()
        .map(|mut uids| {
            uids.sort_unstable_by(|a, b| b.cmp(a));
            uids.dedup();
            uids
        })
        .collect();
    conversations.sort_unstable_by(|a, b| b[0].cmp(&a[0]));
    conversations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(id: &str, in_reply_to: &str, references: &str) -> Vec<u8> {
        let mut h = format!("Message-ID: <{id}>\r\nSubject: x\r\n");
        if !in_reply_to.is_empty() {
            h += &format!("In-Reply-To: {in_reply_to}\r\n");
        }
        if !references.is_empty() {
            h += &format!("References: {references}\r\n");
        }
        (h + "\r\n").into_bytes()
    }

    #[test]
    fn replies_join_their_conversation_even_when_its_start_is_gone() {
        let messages = [
            threaded(10, &header("a@h.fr", "", "")),
            threaded(11, &header("b@h.fr", "", "")),
            // replies to a, one through In-Reply-To only, one through References only
            threaded(12, &header("c@h.fr", "<A@h.fr>", "")),
            threaded(14, &header("d@h.fr", "", "<a@h.fr> <c@h.fr>")),
            // two answers to a message not in the window: together, apart from the rest
            threaded(13, &header("e@h.fr", "<old@h.fr>", "<old@h.fr>")),
            threaded(15, &header("f@h.fr", "", "<old@h.fr>")),
            // no identifier at all: alone
            threaded(9, b"Subject: sans identifiant\r\n\r\n"),
        ];
        assert_eq!(conversations(&messages), vec![vec![15, 13], vec![14, 12, 10], vec![11], vec![9]]);
    }

    #[test]
    fn a_long_references_field_keeps_its_start_and_nearest_identifiers_only() {
        let references: Vec<String> = (0..500).map(|n| format!("<r{n}@h.fr>")).collect();
        let t = threaded(1, &header("self@h.fr", "<r499@h.fr>", &references.join(" ")));
        assert_eq!(t.ids.len(), IDS_PER_MESSAGE);
        assert_eq!(&t.ids[..3], ["self@h.fr", "r0@h.fr", "r479@h.fr"]);
        assert!(t.ids.contains(&"r499@h.fr".to_string()));
        let huge = format!("<{}@h.fr>", "x".repeat(400));
        assert_eq!(threaded(2, &header("y@h.fr", &huge, "")).ids, ["y@h.fr"]);
    }
}
