//! The directory's on-disk index: one SQLite file per extraction, built once, then only read.
//! Rows are stored in name order, and an FTS5 table (unicode61, accents removed, 2- and 3-letter
//! prefix indexes) finds them by the beginning of any word; since FTS5 yields matches in row
//! order, a page of suggestions stops after its first rows instead of ranking every match.

use super::extraction::{Columns, Entry, MAX_LINE, name_of};
use super::query::{self, matches_all};
use crate::error::Error;
use app::directory::{BalKind, Correspondent, DirectoryCriteria, DirectoryPage};
use std::io::BufRead;
use std::path::Path;
use tower_sessions_sqlx_store::sqlx::{self, Row, SqlitePool, sqlite::SqliteConnectOptions};

/// The layout of the index file: an index built by an older layout is built again.
pub const FORMAT: &str = "v1";
/// Rows read from one extraction at most (the national file has about 500 000).
const MAX_ROWS: usize = 5_000_000;
/// Rows written per INSERT while building.
const BATCH: usize = 400;
/// Matches counted for a search page (beyond it the page says « plus de … »), and the deepest
/// page served.
const MAX_COUNTED: u32 = 1_000;
/// Candidates read for a suggestion before single letters are checked.
const CANDIDATES: i64 = 200;

const ENTRY_COLUMNS: &str = "kind, address, identifier, numbers, title, family, given, profession, specialty, organisation, service, town, postcode, departement";

fn store(e: sqlx::Error) -> Error {
    Error::Store(format!("annuaire : {e}"))
}

/// What a build read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Built {
    pub entries: u64,
    /// Lines that were not entries (unreadable, unknown type, no address, too long).
    pub skipped: u64,
}

/// Build the index of `source` into `target` (a new file). The extraction is read line by line
/// (never whole in memory); a file without the key columns or without a single entry is refused.
pub async fn build(source: &Path, target: &Path, stamp: &str) -> Result<Built, String> {
    let file = std::fs::File::open(source).map_err(|e| format!("{} illisible : {e}", source.display()))?;
    let mut lines = std::io::BufReader::with_capacity(1 << 20, file);
    let mut header = String::new();
    lines.read_line(&mut header).map_err(|e| format!("en-tête illisible : {e}"))?;
    let columns = Columns::of(&header)?;
    let _ = std::fs::remove_file(target);
    let options = SqliteConnectOptions::new()
        .filename(target)
        .create_if_missing(true)
        .pragma("journal_mode", "OFF")
        .pragma("synchronous", "OFF")
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "FILE");
    use sqlx::{ConnectOptions, Connection};
    let mut db = options.connect().await.map_err(|e| e.to_string())?;
    let fail = |e: sqlx::Error| e.to_string();
    let typed_columns = ENTRY_COLUMNS.split(", ").map(|c| format!("{c} TEXT NOT NULL")).collect::<Vec<_>>().join(", ");
    for ddl in [
        format!("CREATE TABLE load ({typed_columns})"),
        format!("CREATE TABLE entry (id INTEGER PRIMARY KEY, {typed_columns})"),
        "CREATE TABLE meta (stamp TEXT NOT NULL, entries INTEGER NOT NULL)".into(),
    ] {
        sqlx::query(&ddl).execute(&mut db).await.map_err(fail)?;
    }
    let mut built = Built::default();
    let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
    let mut line = Vec::with_capacity(1024);
    let mut transaction = db.begin().await.map_err(fail)?;
    loop {
        line.clear();
        // read at most a bounded line: a file without line breaks cannot fill the memory
        let read = std::io::Read::take(&mut lines, MAX_LINE as u64 + 1).read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        if line.len() > MAX_LINE {
            built.skipped += 1;
            // skip the rest of an overlong line
            let mut rest = Vec::new();
            while !rest.ends_with(b"\n") {
                rest.clear();
                if std::io::Read::take(&mut lines, MAX_LINE as u64).read_until(b'\n', &mut rest).map_err(|e| e.to_string())? == 0 {
                    break;
                }
            }
            continue;
        }
        match std::str::from_utf8(&line).ok().and_then(|l| columns.entry(l)) {
            Some(entry) => batch.push(entry),
            None => {
                if !line.iter().all(u8::is_ascii_whitespace) {
                    built.skipped += 1;
                }
                continue;
            }
        }
        if batch.len() == BATCH {
            insert(&mut transaction, &batch).await.map_err(fail)?;
            built.entries += batch.len() as u64;
            batch.clear();
            if built.entries as usize >= MAX_ROWS {
                tracing::warn!("annuaire : plus de {MAX_ROWS} lignes, la suite du fichier est ignorée");
                break;
            }
        }
    }
    insert(&mut transaction, &batch).await.map_err(fail)?;
    built.entries += batch.len() as u64;
    if built.entries == 0 {
        return Err(format!("aucune boîte aux lettres lisible ({} lignes ignorées)", built.skipped));
    }
    // rows in the order suggestions are shown: people by name, teams by service and structure;
    // compound family names after the simple ones, so that « dub » shows the DUBOIS before the
    // ANDRÉ-DUBOIS (who sort under A but match on their second part)
    let order = "kind = 'PER' AND (instr(family, '-') > 0 OR instr(family, ' ') > 0), \
                 CASE kind WHEN 'PER' THEN family || ' ' || given ELSE service || ' ' || organisation END COLLATE NOCASE, address";
    for statement in [
        format!("INSERT INTO entry ({ENTRY_COLUMNS}) SELECT {ENTRY_COLUMNS} FROM load ORDER BY {order}"),
        "DROP TABLE load".into(),
        "CREATE INDEX entry_address ON entry (address)".into(),
        "CREATE INDEX entry_profession ON entry (profession, departement)".into(),
        "CREATE INDEX entry_departement ON entry (departement)".into(),
        "CREATE INDEX entry_postcode ON entry (postcode)".into(),
        "CREATE VIRTUAL TABLE words USING fts5 (name, number, job, structure, place, content='', columnsize=0, \
         detail='column', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
            .into(),
        "INSERT INTO words (rowid, name, number, job, structure, place) SELECT id, \
         title || ' ' || given || ' ' || family || CASE kind WHEN 'PER' THEN '' ELSE ' ' || service || ' ' || organisation END, \
         numbers, profession || ' ' || specialty, organisation || ' ' || service, town || ' ' || postcode || ' ' || departement FROM entry"
            .into(),
        "INSERT INTO words (words) VALUES ('optimize')".into(),
    ] {
        sqlx::query(&statement).execute(&mut *transaction).await.map_err(fail)?;
    }
    sqlx::query("INSERT INTO meta (stamp, entries) VALUES (?, ?)").bind(stamp).bind(built.entries as i64).execute(&mut *transaction).await.map_err(fail)?;
    transaction.commit().await.map_err(fail)?;
    sqlx::query("VACUUM").execute(&mut db).await.map_err(fail)?;
    db.close().await.map_err(fail)?;
    Ok(built)
}

async fn insert(db: &mut sqlx::SqliteConnection, batch: &[Entry]) -> Result<(), sqlx::Error> {
    if batch.is_empty() {
        return Ok(());
    }
    let row = format!("({})", vec!["?"; 14].join(", "));
    let sql = format!("INSERT INTO load ({ENTRY_COLUMNS}) VALUES {}", vec![row.as_str(); batch.len()].join(", "));
    let mut statement = sqlx::query(&sql);
    for e in batch {
        let c = &e.shown;
        let texts: [&str; 14] = [c.kind.code(), &c.address, &c.identifier, &e.numbers, &e.title, &e.family, &e.given, &c.profession, &c.specialty, &c.organisation, &c.service, &c.town, &c.postcode, &e.departement];
        for text in texts {
            statement = statement.bind(text);
        }
    }
    statement.execute(db).await.map(|_| ())
}

/// A built index, open for reading.
pub struct Index {
    db: SqlitePool,
    pub stamp: String,
    pub entries: u64,
    professions: Vec<String>,
}

fn correspondent(row: &sqlx::sqlite::SqliteRow) -> Correspondent {
    let text = |c: &str| row.try_get::<String, _>(c).unwrap_or_default();
    let kind = BalKind::from_code(&text("kind")).unwrap_or(BalKind::Personal);
    let (service, organisation) = (text("service"), text("organisation"));
    Correspondent {
        name: name_of(kind, &text("title"), &text("given"), &text("family"), &service, &organisation),
        kind,
        address: text("address"),
        identifier: text("identifier"),
        profession: text("profession"),
        specialty: text("specialty"),
        organisation,
        service,
        town: text("town"),
        postcode: text("postcode"),
    }
}

impl Index {
    pub async fn open(path: &Path) -> Result<Self, Error> {
        let options = SqliteConnectOptions::new().filename(path).read_only(true).immutable(true);
        let db = sqlx::pool::PoolOptions::new().max_connections(4).connect_with(options).await.map_err(store)?;
        let meta: sqlx::sqlite::SqliteRow = sqlx::query("SELECT stamp, entries FROM meta").fetch_one(&db).await.map_err(store)?;
        let professions = sqlx::query_scalar("SELECT DISTINCT profession FROM entry WHERE profession != '' ORDER BY profession LIMIT 500")
            .fetch_all(&db)
            .await
            .map_err(store)?;
        Ok(Self { stamp: meta.get("stamp"), entries: meta.get::<i64, _>("entries") as u64, db, professions })
    }

    /// Up to `limit` entries matching every word typed, `recent` addresses (most recent first)
    /// before the others.
    pub async fn suggest(&self, text: &str, recent: &[String], limit: usize) -> Result<Vec<Correspondent>, Error> {
        let typed = query::words(text);
        let (long, short) = query::indexed(&typed);
        let all: Vec<&String> = typed.iter().collect();
        if query::too_short(&typed) {
            return Ok(vec![]);
        }
        let mut found: Vec<Correspondent> = self.by_addresses(recent).await?.into_iter().filter(|c| matches_all(c, &all)).collect();
        if !long.is_empty() {
            // without single letters to check, the first rows are the answer
            let wanted = if short.is_empty() { (limit + found.len()) as i64 } else { CANDIDATES };
            let rows = sqlx::query(&format!("SELECT e.* FROM words JOIN entry e ON e.id = words.rowid WHERE words MATCH ? LIMIT {wanted}"))
                .bind(query::prefixes(&long, None))
                .fetch_all(&self.db)
                .await
                .map_err(store)?;
            for c in rows.iter().map(correspondent) {
                if found.len() >= limit {
                    break;
                }
                if matches_all(&c, &short) && !found.iter().any(|f| f.address == c.address) {
                    found.push(c);
                }
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    /// The entries of these addresses, in the order given.
    pub async fn by_addresses(&self, addresses: &[String]) -> Result<Vec<Correspondent>, Error> {
        let addresses: Vec<String> = addresses.iter().take(100).map(|a| a.trim().to_lowercase()).collect();
        if addresses.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!("SELECT * FROM entry WHERE address IN ({})", vec!["?"; addresses.len()].join(", "));
        let mut statement = sqlx::query(&sql);
        for a in &addresses {
            statement = statement.bind(a);
        }
        let rows: Vec<Correspondent> = statement.fetch_all(&self.db).await.map_err(store)?.iter().map(correspondent).collect();
        Ok(addresses.iter().filter_map(|a| rows.iter().find(|c| &c.address == a).cloned()).collect())
    }

    /// A page of the entries matching every criterion.
    pub async fn search(&self, criteria: &DirectoryCriteria) -> Result<DirectoryPage, Error> {
        let page = DirectoryPage { professions: self.professions.clone(), complete: true, ..Default::default() };
        if criteria.is_empty() {
            return Ok(page);
        }
        // each text criterion: word prefixes in its FTS5 column; single letters checked after
        let mut fts = Vec::new();
        let mut checks: Vec<String> = Vec::new();
        let place = criteria.place.trim().to_uppercase();
        let place_code = place.chars().all(|c| c.is_ascii_alphanumeric()) && !place.is_empty() && place.chars().any(|c| c.is_ascii_digit());
        for (text, column) in [
            (criteria.name.as_str(), "name"),
            (criteria.identifier.as_str(), "number"),
            (criteria.specialty.as_str(), "job"),
            (criteria.organisation.as_str(), "structure"),
            (if place_code { "" } else { criteria.place.as_str() }, "place"),
        ] {
            let typed = query::words(text);
            let (long, short) = query::indexed(&typed);
            if !long.is_empty() {
                fts.push(query::prefixes(&long, Some(column)));
            }
            checks.extend(short.into_iter().cloned());
        }
        let mut conditions: Vec<(&str, String)> = Vec::new();
        if !criteria.profession.trim().is_empty() {
            conditions.push(("e.profession = ?", criteria.profession.trim().to_string()));
        }
        if place_code {
            // « 75 », « 2A », « 974 » a département; « 75013 » a postcode; « 7501 » its beginning
            match place.len() {
                5 => conditions.push(("e.postcode = ?", place.clone())),
                4 => conditions.push(("e.postcode LIKE ? || '%'", place.clone())),
                _ => conditions.push(("e.departement = ?", place.clone())),
            }
        }
        if let Some(kind) = criteria.kind {
            conditions.push(("e.kind = ?", kind.code().to_string()));
        }
        let (from, mut clauses) = if fts.is_empty() {
            ("entry e".to_string(), vec![])
        } else {
            ("words JOIN entry e ON e.id = words.rowid".to_string(), vec!["words MATCH ?".to_string()])
        };
        clauses.extend(conditions.iter().map(|(c, _)| c.to_string()));
        if clauses.is_empty() {
            // only single letters: too broad to search
            return Ok(page);
        }
        let filter = format!("FROM {from} WHERE {}", clauses.join(" AND "));
        // the single letters are checked on rows read in order: read up to the bound, count and page
        let sql = format!("SELECT e.* {filter} LIMIT {}", MAX_COUNTED + 1);
        let mut statement = sqlx::query(&sql);
        if !fts.is_empty() {
            statement = statement.bind(fts.join(" "));
        }
        for (_, value) in &conditions {
            statement = statement.bind(value.clone());
        }
        let rows = statement.fetch_all(&self.db).await.map_err(store)?;
        let check_words: Vec<&String> = checks.iter().collect();
        let mut matching: Vec<Correspondent> = rows.iter().map(correspondent).filter(|c| matches_all(c, &check_words)).collect();
        matching.truncate(MAX_COUNTED as usize);
        Ok(DirectoryPage::paged(matching, criteria.page, rows.len() as u32 <= MAX_COUNTED, page.professions))
    }
}
