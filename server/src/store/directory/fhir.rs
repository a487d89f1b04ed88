//! The Annuaire Santé FHIR API (v2) as a directory source, when `ANNUAIRE_FHIR_URL` and
//! `ESANTE_API_KEY` are set: one real-time call per question (ANN/va1.04), searching mailboxes
//! with `mailbox-mss` (exact for a lookup, `:contains` for a search) on PractitionerRole (personal
//! mailboxes, with their Practitioner and Organization included) or Organization (team and
//! software mailboxes). The API finds by address only: a search asks for the longest word typed
//! and the other words are checked on what comes back. Answers are bounded in size and time.

use super::Directory;
use super::query::{self, matches_all};
use crate::error::Error;
use app::directory::{BalKind, Correspondent, DirectoryCriteria, DirectoryPage, SUGGESTIONS};
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// How long a call may take, how much it may answer, and how many mailboxes one call asks for.
const TIMEOUT: Duration = Duration::from_secs(3);
const MAX_ANSWER: usize = 4 * 1024 * 1024;
const PER_CALL: usize = 50;
/// Addresses looked up at once (a message's sender and first recipients).
pub const MAX_LOOKUPS: usize = 10;

const EMAIL_TYPE: &str = "fr-core-contact-point-email-type";
const MSS_METADATA: &str = "as-ext-mailbox-mss-metadata";

pub struct FhirDirectory {
    base: String,
    key: String,
    http: reqwest::Client,
}

fn unavailable(e: impl std::fmt::Display) -> Error {
    tracing::warn!("annuaire FHIR : {e}");
    Error::DirectoryUnavailable
}

/// The text of `value` at `path` (object keys; numbers index arrays).
fn text<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    let mut at = value;
    for step in path {
        at = match step.parse::<usize>() {
            Ok(i) => &at[i],
            Err(_) => &at[*step],
        };
    }
    at.as_str().unwrap_or_default()
}

/// The MSSanté mailboxes among a resource's `telecom`: address, type and service.
fn mailboxes(resource: &Value) -> Vec<(String, BalKind, String)> {
    let Some(telecoms) = resource["telecom"].as_array() else { return vec![] };
    telecoms
        .iter()
        .filter(|t| t["system"] == "email")
        .filter_map(|t| {
            let extensions = t["extension"].as_array()?;
            let by = |name: &str| extensions.iter().find(|e| e["url"].as_str().is_some_and(|u| u.ends_with(name)));
            (by(EMAIL_TYPE)?["valueCoding"]["code"] == "MSSANTE").then_some(())?;
            let metadata = by(MSS_METADATA).and_then(|m| m["extension"].as_array()).cloned().unwrap_or_default();
            let meta = |name: &str| metadata.iter().find(|e| e["url"] == name).cloned().unwrap_or(Value::Null);
            let kind = BalKind::from_code(text(&meta("type"), &["valueCodeableConcept", "coding", "0", "code"])).unwrap_or(BalKind::Personal);
            let address = t["value"].as_str()?.trim().to_lowercase();
            Some((address, kind, text(&meta("service"), &["valueString"]).to_string()))
        })
        .collect()
}

/// The correspondents a searchset Bundle describes.
fn read_bundle(bundle: &Value) -> Vec<Correspondent> {
    let entries: Vec<&Value> = bundle["entry"].as_array().map(|e| e.iter().map(|e| &e["resource"]).collect()).unwrap_or_default();
    let by_reference: HashMap<String, &Value> =
        entries.iter().map(|r| (format!("{}/{}", text(r, &["resourceType"]), text(r, &["id"])), *r)).collect();
    let place = |organisation: &Value| (text(organisation, &["address", "0", "city"]).to_string(), text(organisation, &["address", "0", "postalCode"]).to_string());
    let mut found = Vec::new();
    for resource in &entries {
        match text(resource, &["resourceType"]) {
            "PractitionerRole" => {
                let practitioner = by_reference.get(text(resource, &["practitioner", "reference"])).copied().unwrap_or(&Value::Null);
                let organisation = by_reference.get(text(resource, &["organization", "reference"])).copied().unwrap_or(&Value::Null);
                let name = &practitioner["name"][0];
                let title = match text(name, &["prefix", "0"]).to_ascii_uppercase().as_str() {
                    "DR" => "Dr",
                    "PR" => "Pr",
                    "M" => "M.",
                    "MME" => "Mme",
                    _ => "",
                };
                let person = [title, text(name, &["given", "0"]), text(name, &["family"])].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ");
                let national = text(practitioner, &["identifier", "0", "value"]);
                let identifier = match national.chars().next() {
                    Some('8') => format!("RPPS {}", &national[1..]),
                    Some('0') => format!("ADELI {}", &national[1..]),
                    _ => national.to_string(),
                };
                let (town, postcode) = place(organisation);
                for (address, kind, _) in mailboxes(resource) {
                    found.push(Correspondent {
                        address,
                        kind,
                        name: person.clone(),
                        identifier: identifier.clone(),
                        profession: text(resource, &["code", "0", "coding", "0", "display"]).to_string(),
                        specialty: text(resource, &["specialty", "0", "coding", "0", "display"]).to_string(),
                        organisation: text(organisation, &["name"]).to_string(),
                        service: String::new(),
                        town: town.clone(),
                        postcode: postcode.clone(),
                    });
                }
            }
            "Organization" => {
                let (town, postcode) = place(resource);
                let organisation = text(resource, &["name"]).to_string();
                for (address, kind, service) in mailboxes(resource).into_iter().filter(|(_, k, _)| *k != BalKind::Personal) {
                    found.push(Correspondent {
                        address,
                        kind,
                        name: if service.is_empty() { organisation.clone() } else { service.clone() },
                        identifier: String::new(),
                        profession: String::new(),
                        specialty: String::new(),
                        organisation: organisation.clone(),
                        service,
                        town: town.clone(),
                        postcode: postcode.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    found.truncate(PER_CALL * 2);
    found
}

impl FhirDirectory {
    pub fn new(base: &str, key: &str) -> Result<Self, Error> {
        let http = reqwest::Client::builder().timeout(TIMEOUT).build().map_err(|e| Error::Store(e.to_string()))?;
        Ok(Self { base: base.trim_end_matches('/').to_string(), key: key.to_string(), http })
    }

    /// One search on `resource` (`PractitionerRole` or `Organization`) by mailbox.
    async fn call(&self, resource: &str, exact: bool, text: &str) -> Result<Vec<Correspondent>, Error> {
        let mut query = vec![(if exact { "mailbox-mss" } else { "mailbox-mss:contains" }, text.to_string()), ("_count", PER_CALL.to_string())];
        if resource == "PractitionerRole" {
            query.push(("_include", "PractitionerRole:practitioner".into()));
            query.push(("_include", "PractitionerRole:organization".into()));
        }
        let response = self
            .http
            .get(format!("{}/{resource}", self.base))
            .header("ESANTE-API-KEY", &self.key)
            .header("accept", "application/fhir+json")
            .query(&query)
            .send()
            .await
            .map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(unavailable(format!("{resource} : HTTP {}", response.status())));
        }
        if response.content_length().is_some_and(|n| n as usize > MAX_ANSWER) {
            return Err(unavailable("réponse trop volumineuse"));
        }
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_ANSWER {
                return Err(unavailable("réponse trop volumineuse"));
            }
        }
        let bundle: Value = serde_json::from_slice(&body).map_err(unavailable)?;
        Ok(read_bundle(&bundle))
    }

    /// The mailboxes whose address contains the longest of `words`, then holding every word;
    /// teams' mailboxes asked of Organization when the words say so (or nothing personal matched).
    async fn search_words(&self, words: &[String], kind: Option<BalKind>) -> Result<Vec<Correspondent>, Error> {
        let Some(longest) = words.iter().filter(|w| w.chars().count() >= 2).max_by_key(|w| w.chars().count()) else { return Ok(vec![]) };
        let needle = query::folded(longest);
        let resource = if kind.is_some_and(|k| k != BalKind::Personal) { "Organization" } else { "PractitionerRole" };
        let all: Vec<&String> = words.iter().collect();
        let mut found: Vec<Correspondent> = self.call(resource, false, &needle).await?.into_iter().filter(|c| matches_all(c, &all)).collect();
        if found.is_empty() && kind.is_none() {
            found = self.call("Organization", false, &needle).await?.into_iter().filter(|c| matches_all(c, &all)).collect();
        }
        Ok(found)
    }
}

impl Directory for FhirDirectory {
    fn ready(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    fn loaded(&self) -> bool {
        true
    }

    fn suggest<'a>(&'a self, text: &'a str, recent: &'a [String]) -> BoxFuture<'a, Result<Vec<Correspondent>, Error>> {
        Box::pin(async move {
            let words = query::words(text);
            if query::too_short(&words) {
                return Ok(vec![]);
            }
            let mut found = self.search_words(&words, None).await?;
            // the one answer, recently used correspondents first
            found.sort_by_key(|c| recent.iter().position(|r| r == &c.address).unwrap_or(usize::MAX));
            found.truncate(SUGGESTIONS);
            Ok(found)
        })
    }

    fn search_page<'a>(&'a self, criteria: &'a DirectoryCriteria) -> BoxFuture<'a, Result<DirectoryPage, Error>> {
        Box::pin(async move {
            let mut words = query::words(&criteria.name);
            words.extend(query::words(&criteria.organisation));
            if words.is_empty() {
                if criteria.is_empty() {
                    return Ok(DirectoryPage::paged(vec![], 0, true, vec![]));
                }
                return Err(Error::BadInput("Avec l'API de l'Annuaire Santé, indiquez au moins un nom ou une structure.".into()));
            }
            let mut others: Vec<String> = [&criteria.identifier, &criteria.specialty, &criteria.place].iter().flat_map(|t| query::words(t)).collect();
            others.extend(words.iter().cloned());
            let all: Vec<&String> = others.iter().collect();
            let profession = criteria.profession.trim();
            let matching: Vec<Correspondent> = self
                .search_words(&words, criteria.kind)
                .await?
                .into_iter()
                .filter(|c| matches_all(c, &all) && (profession.is_empty() || c.profession == profession) && criteria.kind.is_none_or(|k| c.kind == k))
                .collect();
            let mut professions: Vec<String> = matching.iter().map(|c| c.profession.clone()).filter(|p| !p.is_empty()).collect();
            professions.sort();
            professions.dedup();
            let complete = matching.len() < PER_CALL;
            Ok(DirectoryPage::paged(matching, criteria.page, complete, professions))
        })
    }

    fn find<'a>(&'a self, addresses: &'a [String]) -> BoxFuture<'a, Result<Vec<Correspondent>, Error>> {
        Box::pin(async move {
            // one exact lookup per address, side by side
            let lookups = addresses.iter().take(MAX_LOOKUPS).map(|address| async move {
                let address = address.trim().to_lowercase();
                let mut hits = self.call("PractitionerRole", true, &address).await?;
                if hits.is_empty() {
                    hits = self.call("Organization", true, &address).await?;
                }
                Ok::<_, Error>(hits.into_iter().find(|c| c.address == address))
            });
            let found = futures::future::join_all(lookups).await;
            Ok(found.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect())
        })
    }
}
