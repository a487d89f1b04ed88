//! The Annuaire santé page (`/annuaire`): a multi-criteria search whose criteria live in the URL
//! (a GET form: it works before the page is hydrated, and a result page can be bookmarked), with
//! paged results and « Écrire » on each.

use super::frame::Problem;
use crate::directory::{BalKind, DirectoryCriteria, search_directory};
use crate::urls;
use leptos::prelude::*;
use leptos_meta::Title;
use super::get_form::GetForm;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const KINDS: [BalKind; 3] = [BalKind::Personal, BalKind::Organisational, BalKind::Applicative];

fn criteria_of(query: &ParamsMap) -> DirectoryCriteria {
    let text = |key: &str| query.get(key).unwrap_or_default().chars().take(crate::directory::MAX_QUERY_CHARS).collect::<String>();
    DirectoryCriteria {
        name: text("nom"),
        identifier: text("numero"),
        profession: text("profession"),
        specialty: text("specialite"),
        place: text("lieu"),
        organisation: text("structure"),
        kind: query.get("type").and_then(|t| BalKind::from_code(&t)),
        page: query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0),
    }
}

/// The URL of another page of the same search.
fn page_url(criteria: &DirectoryCriteria, page: u32) -> String {
    let pairs = [
        ("nom", criteria.name.as_str()),
        ("numero", &criteria.identifier),
        ("profession", &criteria.profession),
        ("specialite", &criteria.specialty),
        ("lieu", &criteria.place),
        ("structure", &criteria.organisation),
        ("type", criteria.kind.map(BalKind::code).unwrap_or_default()),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .chain(std::iter::once(format!("page={page}")))
        .collect();
    format!("{}?{}", urls::annuaire(), query.join("&"))
}

#[component]
pub fn AnnuairePage() -> impl IntoView {
    let query = use_query_map();
    let criteria = Memo::new(move |_| criteria_of(&query.read()));
    let results = Resource::new(move || criteria.get(), search_directory);
    view! {
        <Title text="Annuaire santé"/>
        <section class="annuaire" aria-labelledby="titre-annuaire">
            <h1 id="titre-annuaire">"Annuaire santé"</h1>
            <p class="aide">"Professionnels et boîtes organisationnelles de l'espace de confiance MSSanté. Chaque mot cherché est le début d'un mot (accents et majuscules indifférents)."</p>
            <Transition fallback=|| view! { <p class="chargement">"Recherche dans l'annuaire…"</p> }>
                {move || Suspend::new(async move {
                    let shown = criteria.get_untracked();
                    match results.await {
                        Ok(page) => view! {
                            <Criteria criteria=shown.clone() professions=page.professions.clone()/>
                            {if shown.is_empty() {
                                view! { <p class="vide">"Indiquez au moins un critère."</p> }.into_any()
                            } else if page.entries.is_empty() {
                                view! { <p class="vide" role="status">"Aucune boîte aux lettres ne correspond à ces critères."</p> }.into_any()
                            } else {
                                let pages = page.pages;
                                let current = page.page;
                                view! {
                                    <p class="compteur" role="status">{if page.complete {
                                        format!("{} résultat(s)", page.total)
                                    } else {
                                        format!("Plus de {} résultats : précisez la recherche", page.total)
                                    }}</p>
                                    <ul class="resultats" data-testid="resultats-annuaire">
                                        {page.entries.into_iter().map(|c| view! {
                                            <li class="resultat">
                                                <span class="qui">
                                                    <span class="nom">{c.name.clone()}{(!c.identifier.is_empty()).then(|| format!(" · {}", c.identifier))}</span>
                                                    <span class="details">{format!("{} — {}", c.kind.label(), c.about())}</span>
                                                    <span class="adresse">{c.address.clone()}</span>
                                                </span>
                                                <a class="ecrire" href=urls::write_to(&c.address) aria-label=format!("Écrire à {}", c.name)>"Écrire"</a>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                    {(pages > 1).then(|| view! {
                                        <nav class="pagination" aria-label="Pages de résultats">
                                            {(current > 0).then(|| view! { <a href=page_url(&shown, current - 1)>"← Précédents"</a> })}
                                            <span>{format!("Page {} sur {}", current + 1, pages)}</span>
                                            {(current + 1 < pages).then(|| view! { <a href=page_url(&shown, current + 1)>"Suivants →"</a> })}
                                        </nav>
                                    })}
                                }.into_any()
                            }}
                        }.into_any(),
                        Err(error) => view! { <Criteria criteria=shown professions=vec![]/><Problem error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Criteria(criteria: DirectoryCriteria, professions: Vec<String>) -> impl IntoView {
    let chosen_profession = criteria.profession.clone();
    let chosen_kind = criteria.kind;
    view! {
        <GetForm action=urls::annuaire() attr:class="criteres-annuaire" attr:role="search">
            <label>"Nom ou prénom"<input type="search" name="nom" value=criteria.name maxlength="100" autocomplete="off"/></label>
            <label>"RPPS ou ADELI"<input type="search" name="numero" value=criteria.identifier inputmode="numeric" maxlength="20" autocomplete="off"/></label>
            <label>"Profession"
                <select name="profession">
                    <option value="">"Toutes"</option>
                    {professions.into_iter().map(|p| {
                        let selected = p == chosen_profession;
                        let shown = p.clone();
                        view! { <option value=p selected=selected>{shown}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Spécialité (savoir-faire)"<input type="search" name="specialite" value=criteria.specialty maxlength="100" autocomplete="off"/></label>
            <label>"Commune, code postal ou département"<input type="search" name="lieu" value=criteria.place maxlength="100" autocomplete="off"/></label>
            <label>"Structure ou service"<input type="search" name="structure" value=criteria.organisation maxlength="100" autocomplete="off"/></label>
            <label>"Type de boîte"
                <select name="type">
                    <option value="">"Toutes"</option>
                    {KINDS.into_iter().map(|k| view! { <option value=k.code() selected=chosen_kind == Some(k)>{k.label()}</option> }).collect_view()}
                </select>
            </label>
            <span class="boutons">
                <button type="submit" class="bouton-principal">"Rechercher"</button>
                <a class="bouton" href=urls::annuaire()>"Effacer"</a>
            </span>
        </GetForm>
    }
}
