//! Whole mailboxes in and out: mbox (mboxrd: `From ` lines quoted, the IMAP flags in `Status` and
//! `X-Status` as mail programs write them) and ZIP of `.eml` files (the folder tree kept). Writers
//! take one message at a time and readers give one at a time, so that neither holds a mailbox.

use std::io::{self, BufRead, Read, Seek, Write};

/// The IMAP flags an archive keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeptFlags {
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
    pub draft: bool,
}

impl KeptFlags {
    /// As IMAP APPEND takes them: `(\Seen \Flagged)`; none when there are none.
    pub fn imap(&self) -> Option<String> {
        let names: Vec<&str> = [(self.seen, "\\Seen"), (self.answered, "\\Answered"), (self.flagged, "\\Flagged"), (self.draft, "\\Draft")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        (!names.is_empty()).then(|| format!("({})", names.join(" ")))
    }
}

/// One message taken out of an archive: where it was (1-based), and its text with CRLF line
/// ends, or why it cannot be used.
#[derive(Debug)]
pub struct Taken {
    pub position: usize,
    /// The folder it was in, for a ZIP (its path without the file name).
    pub folder: Option<String>,
    pub message: Result<(Vec<u8>, KeptFlags), String>,
}

/// Largest message taken from an archive (the largest the operator accepts, with room).
pub const MAX_MESSAGE: usize = 50 * 1024 * 1024;
/// Most messages one archive may hold.
pub const MAX_MESSAGES: usize = 500_000;

pub enum ArchiveWriter<W: Write> {
    Mbox(W),
    Zip(Box<zip::ZipWriter<zip::write::StreamWriter<W>>>),
}

impl<W: Write> ArchiveWriter<W> {
    pub fn mbox(out: W) -> Self {
        Self::Mbox(out)
    }

    pub fn zip(out: W) -> Self {
        Self::Zip(Box::new(zip::ZipWriter::new_stream(out)))
    }

    /// Add message `n` of `folder` (a display path, `/`-separated), received at `received` (Unix).
    pub fn add(&mut self, folder: &str, n: usize, raw: &[u8], flags: KeptFlags, received: i64) -> io::Result<()> {
        match self {
            Self::Mbox(out) => out.write_all(&mbox_record(raw, flags, received)),
            Self::Zip(zip) => {
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .large_file(raw.len() as u64 >= u32::MAX as u64);
                zip.start_file(format!("{}/{n:06}.eml", zip_path(folder)), options).map_err(io::Error::other)?;
                zip.write_all(raw)
            }
        }
    }

    pub fn finish(self) -> io::Result<W> {
        match self {
            Self::Mbox(mut out) => {
                out.flush()?;
                Ok(out)
            }
            Self::Zip(zip) => zip.finish().map(|w| w.into_inner()).map_err(io::Error::other),
        }
    }
}

/// A folder's display path as a ZIP path: no empty, `.` or `..` part, no backslash.
fn zip_path(folder: &str) -> String {
    let parts: Vec<String> = folder
        .split('/')
        .map(|p| p.replace(['\\', ':', '\0'], "_"))
        .filter(|p| !p.is_empty() && p != "." && p != "..")
        .collect();
    if parts.is_empty() { "dossier".into() } else { parts.join("/") }
}

/// One mboxrd record: the `From ` line, `Status`/`X-Status`, the message with LF line ends and
/// every `>*From ` line quoted once more, a blank line.
pub fn mbox_record(raw: &[u8], flags: KeptFlags, received: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 128);
    out.extend_from_slice(format!("From MAILER-DAEMON {}\n", asctime(received)).as_bytes());
    let status = if flags.seen { "RO" } else { "O" };
    out.extend_from_slice(format!("Status: {status}\n").as_bytes());
    let x: String = [(flags.answered, 'A'), (flags.flagged, 'F'), (flags.draft, 'T')].iter().filter_map(|(on, c)| on.then_some(*c)).collect();
    if !x.is_empty() {
        out.extend_from_slice(format!("X-Status: {x}\n").as_bytes());
    }
    for line in raw.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().skip_while(|b| **b == b'>').take(5).eq(b"From ".iter()) {
            out.push(b'>');
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    // the split leaves one empty line after a final LF: the record ends with the blank line
    if !raw.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

/// `Thu Dec  3 10:00:00 2026` (UTC), as the `From ` line has it.
fn asctime(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    const WEEK: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {} {d:>2} {:02}:{:02}:{:02} {y}", WEEK[days.rem_euclid(7) as usize], MONTHS[(m - 1) as usize], secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The messages of an mbox, one at a time: a record starts at a `From ` line that begins the file
/// or follows a blank line.
pub struct MboxReader<R: BufRead> {
    input: R,
    /// The `From ` line that starts the next record, once read.
    pending: bool,
    position: usize,
    done: bool,
}

impl<R: BufRead> MboxReader<R> {
    pub fn new(input: R) -> Self {
        Self { input, pending: false, position: 0, done: false }
    }

    fn line(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        buf.clear();
        // a line longer than a message is not read whole
        (&mut self.input).take(MAX_MESSAGE as u64 + 2).read_until(b'\n', buf)
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = Taken;

    fn next(&mut self) -> Option<Taken> {
        let mut line = Vec::new();
        if self.done {
            return None;
        }
        if !self.pending {
            // skip to the first `From ` line
            loop {
                match self.line(&mut line) {
                    Ok(0) => return None,
                    Ok(_) if line.starts_with(b"From ") => break,
                    Ok(_) => continue,
                    Err(e) => return Some(Taken { position: self.position + 1, folder: None, message: Err(e.to_string()) }),
                }
            }
        }
        self.pending = false;
        self.position += 1;
        let mut raw: Vec<u8> = Vec::new();
        let mut too_large = false;
        let mut blank_before = false;
        loop {
            match self.line(&mut line) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(_) => {
                    if blank_before && line.starts_with(b"From ") {
                        self.pending = true;
                        break;
                    }
                    let text = line.strip_suffix(b"\n").unwrap_or(&line);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    blank_before = text.is_empty();
                    if raw.len() + text.len() + 2 > MAX_MESSAGE {
                        too_large = true;
                        continue;
                    }
                    // mboxrd: one `>` less on quoted `From ` lines
                    let unquoted = match text.iter().position(|b| *b != b'>') {
                        Some(first) if first > 0 && text[first..].starts_with(b"From ") => &text[1..],
                        _ => text,
                    };
                    raw.extend_from_slice(unquoted);
                    raw.extend_from_slice(b"\r\n");
                }
                Err(e) => {
                    self.done = true;
                    return Some(Taken { position: self.position, folder: None, message: Err(e.to_string()) });
                }
            }
        }
        // the blank line that separates records is not the message's
        if raw.ends_with(b"\r\n\r\n") {
            raw.truncate(raw.len() - 2);
        }
        let message = if too_large { Err("message trop volumineux".to_string()) } else { checked(take_status(raw)) };
        Some(Taken { position: self.position, folder: None, message })
    }
}

/// The flags of `Status`/`X-Status` in the header, those lines removed (the exporter added them).
fn take_status(raw: Vec<u8>) -> (Vec<u8>, KeptFlags) {
    let header_end = find(&raw, b"\r\n\r\n").map(|i| i + 2).unwrap_or(raw.len());
    let mut flags = KeptFlags::default();
    let mut out = Vec::with_capacity(raw.len());
    let mut skipping = false;
    let mut rest = &raw[..header_end];
    while !rest.is_empty() {
        let end = find(rest, b"\r\n").map(|i| i + 2).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = &rest[end..];
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if folded && skipping {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix(b"status:") {
            flags.seen |= value.contains(&b'r');
            skipping = true;
            continue;
        }
        if let Some(value) = lower.strip_prefix(b"x-status:") {
            flags.answered |= value.contains(&b'a');
            flags.flagged |= value.contains(&b'f');
            flags.draft |= value.contains(&b't');
            skipping = true;
            continue;
        }
        skipping = false;
        out.extend_from_slice(line);
    }
    out.extend_from_slice(&raw[header_end..]);
    (out, flags)
}

/// The Message-ID of a message (or of a header block alone), as duplicates are recognised: the
/// value without its angle brackets, folded lines joined; none when absent or empty.
pub fn message_id(raw: &[u8]) -> Option<String> {
    let header = &raw[..find(raw, b"\r\n\r\n").map(|i| i + 2).unwrap_or(raw.len())];
    let text = String::from_utf8_lossy(header);
    let mut value: Option<String> = None;
    for line in text.split("\r\n") {
        match &mut value {
            Some(v) if line.starts_with([' ', '\t']) => v.push_str(line.trim()),
            Some(_) => break,
            None => {
                if let Some((name, rest)) = line.split_once(':') && name.trim().eq_ignore_ascii_case("message-id") {
                    value = Some(rest.trim().to_string());
                }
            }
        }
    }
    let id = value?.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string();
    (!id.is_empty() && id.len() <= 998).then_some(id)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A message must at least have a header with a colon before its body.
fn checked((raw, flags): (Vec<u8>, KeptFlags)) -> Result<(Vec<u8>, KeptFlags), String> {
    let header = &raw[..find(&raw, b"\r\n\r\n").unwrap_or(raw.len())];
    let first = header.split(|b| *b == b'\n').next().unwrap_or_default();
    let named = first.iter().position(|b| *b == b':').is_some_and(|i| i > 0 && first[..i].iter().all(|b| b.is_ascii_graphic()));
    if raw.is_empty() || !named {
        return Err("ce n'est pas un message (en-tête illisible)".into());
    }
    Ok((raw, flags))
}

/// The `.eml` files of a ZIP, in the archive's order, each read within [`MAX_MESSAGE`] (its
/// declared size is not trusted: the reading stops there).
pub fn zip_messages<R: Read + Seek>(input: R) -> Result<impl Iterator<Item = Taken>, String> {
    let mut archive = zip::ZipArchive::new(input).map_err(|e| format!("archive ZIP illisible : {e}"))?;
    if archive.len() > MAX_MESSAGES {
        return Err(format!("l'archive contient plus de {MAX_MESSAGES} fichiers"));
    }
    let mut index = 0;
    let mut position = 0;
    Ok(std::iter::from_fn(move || {
        loop {
            if index >= archive.len() {
                return None;
            }
            let i = index;
            index += 1;
            let mut entry = match archive.by_index(i) {
                Ok(entry) => entry,
                Err(e) => {
                    position += 1;
                    return Some(Taken { position, folder: None, message: Err(e.to_string()) });
                }
            };
            let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
            if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".eml") {
                continue;
            }
            position += 1;
            let folder = name.rsplit_once('/').map(|(dir, _)| dir.to_string()).filter(|d| !d.is_empty());
            let mut raw = Vec::new();
            let read = (&mut entry).take(MAX_MESSAGE as u64 + 1).read_to_end(&mut raw);
            let message = match read {
                Err(e) => Err(e.to_string()),
                Ok(_) if raw.len() > MAX_MESSAGE => Err("message trop volumineux".to_string()),
                Ok(_) => checked((crlf(&raw), KeptFlags::default())),
            };
            return Some(Taken { position, folder, message });
        }
    }))
}

/// Line ends as CRLF (an `.eml` saved on Unix has LF only).
pub fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &[u8] = b"From: a@x.fr\r\nSubject: Un\r\nMessage-ID: <1@x>\r\n\r\nFrom the start.\r\n>From quoted.\r\nfin\r\n";
    const TWO: &[u8] = b"From: b@x.fr\r\nSubject: Deux\r\n\r\ncorps\r\n\r\n";

    #[test]
    fn an_mbox_gives_back_the_messages_and_flags_it_was_given() {
        let flags = KeptFlags { seen: true, answered: true, flagged: false, draft: false };
        let mut out = ArchiveWriter::mbox(Vec::new());
        out.add("INBOX", 1, ONE, flags, 1_796_292_000).unwrap();
        out.add("INBOX", 2, TWO, KeptFlags::default(), 0).unwrap();
        let mbox = out.finish().unwrap();
        let text = String::from_utf8_lossy(&mbox);
        assert!(text.starts_with("From MAILER-DAEMON Thu Dec  3 10:00:00 2026\nStatus: RO\nX-Status: A\nFrom: a@x.fr\n"), "{text}");
        assert!(text.contains("\n>From the start.\n>>From quoted.\n"), "{text}");
        assert!(text.contains("From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nStatus: O\n"));
        let back: Vec<Taken> = MboxReader::new(&mbox[..]).collect();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].message.as_ref().unwrap(), &(ONE.to_vec(), flags));
        assert_eq!(back[1].message.as_ref().unwrap(), &(TWO.to_vec(), KeptFlags::default()));
        assert_eq!(flags.imap().as_deref(), Some("(\\Seen \\Answered)"));
        assert_eq!(message_id(ONE).as_deref(), Some("1@x"));
        assert_eq!(message_id(b"Subject: x\r\nMessage-Id:\r\n <2@y>\r\n\r\nMessage-ID: <no>\r\n").as_deref(), Some("2@y"));
        assert_eq!(message_id(TWO), None);
    }

    #[test]
    fn a_broken_record_is_reported_by_position_and_the_rest_read() {
        let mbox = b"From x Thu Jan  1 00:00:00 1970\nnot a header at all\n\nFrom x Thu Jan  1 00:00:00 1970\nSubject: ok\n\nbody\n";
        let back: Vec<Taken> = MboxReader::new(&mbox[..]).collect();
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].position, back[0].message.is_err()), (1, true));
        assert_eq!(back[1].message.as_ref().unwrap().0, b"Subject: ok\r\n\r\nbody\r\n");
    }

    #[test]
    fn a_zip_keeps_the_folder_tree_and_is_read_back_within_bounds() {
        let mut out = ArchiveWriter::zip(Vec::new());
        out.add("INBOX", 1, ONE, KeptFlags::default(), 0).unwrap();
        out.add("Archives/../2026", 2, TWO, KeptFlags::default(), 0).unwrap();
        let zip = out.finish().unwrap();
        let back: Vec<Taken> = zip_messages(std::io::Cursor::new(zip)).unwrap().collect();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].folder.as_deref(), Some("INBOX"));
        assert_eq!(back[1].folder.as_deref(), Some("Archives/2026"), "no way out of the tree");
        assert_eq!(back[0].message.as_ref().unwrap().0, ONE);
        assert!(zip_messages(std::io::Cursor::new(b"PK\x03\x04 broken".to_vec())).is_err());
    }
}
