//! ManageSieve (RFC 5804) to the operator's Sieve server (Dovecot Pigeonhole, 4190): STARTTLS
//! with the same certificate checks as IMAP, SASL XOAUTH2 with the user's PSC token, then the
//! few commands the settings page needs. Every answer is bounded: line length, literal size,
//! number of scripts, and time.

use super::Exchange;
use super::tls::OperatorTls;
use crate::error::Error;
use base64::Engine;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One whole conversation (connection, sign-in, commands) takes at most this long.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// Longest line read from the server.
const MAX_LINE: usize = 8 * 1024;
/// Largest script read or written (Pigeonhole's default limit is 1 MB; ours are a few KB).
pub const MAX_SCRIPT: usize = 256 * 1024;
/// Most scripts listed.
const MAX_SCRIPTS: usize = 200;

pub struct SieveGateway {
    host: String,
    port: u16,
    tls: OperatorTls,
    delegation_separator: Option<String>,
}

/// A script on the server and whether it is the active one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptEntry {
    pub name: String,
    pub active: bool,
}

/// How the server ended a command.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Ok,
    /// NO or BYE, with the response code (e.g. `QUOTA`) and the server's text.
    No { code: String, text: String },
}

pub struct SieveSession {
    stream: BufReader<tokio_rustls::client::TlsStream<TcpStream>>,
    exchanges: Vec<Exchange>,
}

impl SieveGateway {
    pub fn new(host: String, port: u16, tls: OperatorTls, delegation_separator: Option<String>) -> Self {
        Self { host, port, tls, delegation_separator }
    }

    /// The name `user` signs in with to act for `mailbox` (an organisational mailbox they
    /// administer), `None` when the operator has no delegation rule.
    pub fn delegated_login(&self, mailbox: &str, user: &str) -> Option<String> {
        self.delegation_separator.as_ref().map(|separator| format!("{mailbox}{separator}{user}"))
    }

    /// A signed-in session as `user` (a mailbox, or a [`Self::delegated_login`]) with the access
    /// token of the person signed in. A refused token is [`Error::OperatorRefused`] (the caller
    /// renews it once).
    pub async fn open(&self, user: &str, token: &str) -> Result<SieveSession, Error> {
        let unreachable = |e: std::io::Error| Error::RulesUnreachable(e.to_string());
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await.map_err(unreachable)?;
        let mut plain = BufReader::new(tcp);
        // the greeting is the capability list; STARTTLS must be in it
        let (greeting, status) = read_response(&mut plain).await?;
        if status != Status::Ok || !greeting.iter().any(|line| line.eq_ignore_ascii_case("\"STARTTLS\"")) {
            return Err(Error::RulesUnreachable("le serveur Sieve ne propose pas STARTTLS".into()));
        }
        plain.write_all(b"STARTTLS\r\n").await.map_err(unreachable)?;
        if read_response(&mut plain).await?.1 != Status::Ok {
            return Err(Error::RulesUnreachable("STARTTLS refusé".into()));
        }
        let tls = self.tls.connect(plain.into_inner()).await?;
        let mut session = SieveSession { stream: BufReader::new(tls), exchanges: Vec::new() };
        // the capabilities again, now that no one on the way can have changed them
        session.read().await?;
        let xoauth2 = format!("user={user}\x01auth=Bearer {token}\x01\x01");
        let encoded = base64::engine::general_purpose::STANDARD.encode(xoauth2);
        session.write(format!("AUTHENTICATE \"XOAUTH2\" \"{encoded}\"\r\n").as_bytes()).await?;
        let status = loop {
            let (lines, status) = session.read_or_challenge().await?;
            match (lines, status) {
                // a challenge (the error details of XOAUTH2): answered empty, the NO follows
                (Some(_), _) => session.write(b"\"\"\r\n").await?,
                (None, Some(status)) => break status,
                (None, None) => return Err(Error::RulesUnreachable("réponse Sieve inattendue".into())),
            }
        };
        session.note("AUTHENTICATE XOAUTH2", &status);
        match status {
            Status::Ok => Ok(session),
            Status::No { .. } => Err(Error::OperatorRefused("le serveur Sieve a refusé le jeton".into())),
        }
    }
}

impl SieveSession {
    /// The scripts on the server, the active one marked.
    pub async fn list(&mut self) -> Result<Vec<ScriptEntry>, Error> {
        self.write(b"LISTSCRIPTS\r\n").await?;
        let (lines, status) = self.read().await?;
        self.note("LISTSCRIPTS", &status);
        self.ok(status)?;
        let mut scripts = Vec::new();
        for line in lines.into_iter().take(MAX_SCRIPTS) {
            let (name, rest) = quoted(&line).ok_or_else(|| Error::RulesUnreachable("liste de scripts illisible".into()))?;
            scripts.push(ScriptEntry { name, active: rest.trim().eq_ignore_ascii_case("ACTIVE") });
        }
        Ok(scripts)
    }

    /// The text of script `name`.
    pub async fn get(&mut self, name: &str) -> Result<String, Error> {
        self.write(format!("GETSCRIPT {}\r\n", quote(name)).as_bytes()).await?;
        let (lines, status) = self.read().await?;
        self.note("GETSCRIPT", &status);
        self.ok(status)?;
        Ok(lines.into_iter().next().unwrap_or_default())
    }

    /// Store `script` as `name` (the server compiles it first and refuses it whole if it fails).
    pub async fn put(&mut self, name: &str, script: &str) -> Result<(), Error> {
        if script.len() > MAX_SCRIPT {
            return Err(Error::TooLarge("Ces règles sont trop longues pour votre opérateur.".into()));
        }
        let mut command = format!("PUTSCRIPT {} {{{}+}}\r\n", quote(name), script.len()).into_bytes();
        command.extend_from_slice(script.as_bytes());
        command.extend_from_slice(b"\r\n");
        self.write(&command).await?;
        let (_, status) = self.read().await?;
        self.note(&format!("PUTSCRIPT ({} octets)", script.len()), &status);
        self.ok(status)
    }

    /// Make `name` the active script (only one is).
    pub async fn activate(&mut self, name: &str) -> Result<(), Error> {
        self.write(format!("SETACTIVE {}\r\n", quote(name)).as_bytes()).await?;
        let (_, status) = self.read().await?;
        self.note("SETACTIVE", &status);
        self.ok(status)
    }

    pub async fn logout(mut self) {
        let _ = self.write(b"LOGOUT\r\n").await;
        let _ = self.read().await;
    }

    /// What was sent and answered, for the access trace.
    pub fn take_exchanges(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.exchanges)
    }

    fn note(&mut self, request: &str, status: &Status) {
        let answer = match status {
            Status::Ok => "OK".to_string(),
            Status::No { code, .. } if code.is_empty() => "NO".to_string(),
            Status::No { code, .. } => format!("NO [{code}]"),
        };
        self.exchanges.push(Exchange::new(request.to_string(), answer));
    }

    fn ok(&self, status: Status) -> Result<(), Error> {
        match status {
            Status::Ok => Ok(()),
            Status::No { code, text } => Err(Error::RulesRefused { code, text }),
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        write_all(self.stream.get_mut(), bytes).await
    }

    async fn read(&mut self) -> Result<(Vec<String>, Status), Error> {
        read_response(&mut self.stream).await
    }

    /// During SASL: a challenge (a lone string) or the final status.
    async fn read_or_challenge(&mut self) -> Result<(Option<String>, Option<Status>), Error> {
        let line = read_line(&mut self.stream).await?;
        if let Some(status) = status_of(&line) {
            return Ok((None, Some(status)));
        }
        let challenge = item(&mut self.stream, &line).await?;
        Ok((Some(challenge), None))
    }
}

async fn write_all<W: AsyncWrite + Unpin>(stream: &mut W, bytes: &[u8]) -> Result<(), Error> {
    stream.write_all(bytes).await.map_err(|e| Error::RulesUnreachable(e.to_string()))?;
    stream.flush().await.map_err(|e| Error::RulesUnreachable(e.to_string()))
}

/// One line without its CRLF, at most [`MAX_LINE`] bytes.
async fn read_line<R: AsyncBufRead + Unpin>(stream: &mut R) -> Result<String, Error> {
    let mut line = Vec::new();
    let read = stream.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line).await.map_err(|e| Error::RulesUnreachable(e.to_string()))?;
    if read == 0 {
        return Err(Error::RulesUnreachable("connexion fermée par le serveur Sieve".into()));
    }
    if line.len() > MAX_LINE || !line.ends_with(b"\n") {
        return Err(Error::RulesUnreachable("ligne trop longue du serveur Sieve".into()));
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// The lines of a response up to its status; a literal (`{n}` then n bytes) is one item.
async fn read_response<R: AsyncBufRead + Unpin>(stream: &mut R) -> Result<(Vec<String>, Status), Error> {
    let mut items = Vec::new();
    loop {
        let line = read_line(stream).await?;
        if let Some(status) = status_of(&line) {
            return Ok((items, status));
        }
        if items.len() >= MAX_SCRIPTS * 2 {
            return Err(Error::RulesUnreachable("réponse Sieve trop longue".into()));
        }
        items.push(item(stream, &line).await?);
    }
}

/// A line that is a literal's announcement gives the literal's bytes; any other, itself.
async fn item<R: AsyncBufRead + Unpin>(stream: &mut R, line: &str) -> Result<String, Error> {
    let Some(size) = line.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')).map(|n| n.trim_end_matches('+')) else {
        return Ok(line.to_string());
    };
    let size: usize = size.parse().map_err(|_| Error::RulesUnreachable("littéral Sieve illisible".into()))?;
    if size > MAX_SCRIPT {
        return Err(Error::RulesUnreachable("script trop long".into()));
    }
    let mut bytes = vec![0; size];
    stream.read_exact(&mut bytes).await.map_err(|e| Error::RulesUnreachable(e.to_string()))?;
    // the end of the line the literal was on
    read_line(stream).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `OK`, `NO`, `BYE` lines end a response: `NO (CODE) "text"`.
fn status_of(line: &str) -> Option<Status> {
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    match word.to_ascii_uppercase().as_str() {
        "OK" => Some(Status::Ok),
        "NO" | "BYE" => {
            let rest = rest.trim();
            let (code, rest) = match rest.strip_prefix('(') {
                Some(inner) => inner.split_once(')').map(|(c, r)| (c.trim().to_string(), r.trim())).unwrap_or_default(),
                None => (String::new(), rest),
            };
            let text = quoted(rest).map(|(t, _)| t).unwrap_or_else(|| rest.to_string());
            Some(Status::No { code: crate::mail::message::one_line(&code, 40), text: crate::mail::message::one_line(&text, 300) })
        }
        _ => None,
    }
}

/// A quoted string at the start of `s` (backslash escapes undone) and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let inner = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => {
                out.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '"' => return Some((out, &inner[i + 1..])),
            _ => out.push(c),
        }
    }
    None
}

/// A ManageSieve quoted string.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes() {
        assert_eq!(status_of("OK \"Logged in.\""), Some(Status::Ok));
        assert_eq!(status_of("NO (QUOTA/MAXSIZE) \"Script too large\""), Some(Status::No { code: "QUOTA/MAXSIZE".into(), text: "Script too large".into() }));
        assert_eq!(status_of("NO \"line 3: error\""), Some(Status::No { code: String::new(), text: "line 3: error".into() }));
        assert_eq!(status_of("\"SIEVE\" \"fileinto\""), None);
    }

    #[test]
    fn quoting_both_ways() {
        assert_eq!(quoted("\"a\\\"b\" ACTIVE"), Some(("a\"b".to_string(), " ACTIVE")));
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quoted("\"unterminated"), None);
    }

    #[tokio::test]
    async fn a_response_with_a_literal_and_its_bounds() {
        let mut input: &[u8] = b"{5}\r\nab\r\nc\r\nOK\r\n";
        let (items, status) = read_response(&mut input).await.unwrap();
        assert_eq!((items, status), (vec!["ab\r\nc".to_string()], Status::Ok));
        let huge = format!("{{{}}}\r\n", MAX_SCRIPT + 1);
        let mut input = huge.as_bytes();
        assert!(read_response(&mut input).await.is_err(), "a literal larger than any script is refused unread");
        let long = format!("\"{}\"\r\nOK\r\n", "x".repeat(MAX_LINE + 10));
        let mut input = long.as_bytes();
        assert!(read_response(&mut input).await.is_err());
    }
}
