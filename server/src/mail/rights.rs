//! The readable rights sets of an organisational mailbox as RFC 4314 rights letters. The operator
//! enforces them (Dovecot ACLs); the webmail only reads and sets them, never widens access itself.

use app::organisation::Rights;

/// Letters of each set, in the order of [`Rights::as_array`].
const SETS: [&str; 5] = [
    "lr",    // lire: lookup, read
    "sw",    // marquer: \Seen, other flags
    "itekx", // classer et supprimer: insert (move in), delete flag, expunge, create/delete folders
    "p",     // envoyer au nom de la boîte: post
    "a",     // administrer
];

/// The sets fully held with these rights letters (obsolete letters such as c and d are ignored).
pub fn from_letters(letters: &str) -> Rights {
    Rights::from_array(SETS.map(|set| set.chars().all(|c| letters.contains(c))))
}

/// The letters to grant for these sets; every set needs to read the mailbox, so any set brings "lr".
pub fn to_letters(rights: &Rights) -> String {
    let mut letters = String::new();
    let held = rights.as_array();
    if held.iter().any(|h| *h) {
        letters.push_str(SETS[0]);
    }
    for (set, held) in SETS.iter().zip(held).skip(1) {
        if held {
            letters.push_str(set);
        }
    }
    letters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_round_trip_and_imply_reading() {
        let admin = Rights { read: true, mark: true, organise: true, send_as: true, administer: true };
        assert_eq!(to_letters(&admin), "lrswitekxpa");
        assert_eq!(from_letters("lrwstipekxacd"), admin, "Dovecot adds the obsolete c and d");
        let sender = Rights { send_as: true, ..Rights::default() };
        assert_eq!(to_letters(&sender), "lrp", "sending as the mailbox needs reading it");
        assert_eq!(from_letters("lrswip"), Rights { read: true, mark: true, send_as: true, ..Rights::default() });
        assert_eq!(to_letters(&Rights::default()), "");
    }
}
