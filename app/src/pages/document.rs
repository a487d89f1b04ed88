//! A health document of an IHE XDM archive, readable in the webmail (SC.CDA/VISU): its PDF version
//! first when it has one, else the CDA header and the level-3 narrative built as our own elements.

use super::frame::{PageProblem, folder_of};
use crate::documents::{Block, HealthDocument, Section, Span, read_document};
use crate::error::WebmailError;
use crate::urls;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn DocumentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let asked = move || {
        let q = query.read();
        let uid = params.read().get("uid").and_then(|u| u.parse::<u32>().ok());
        let index = q.get("index").and_then(|i| i.parse::<usize>().ok());
        (folder_of(&q), uid, index, q.get("chemin").unwrap_or_default())
    };
    let document = Resource::new(asked, |(folder, uid, index, path)| async move {
        match (uid, index) {
            (Some(uid), Some(index)) if !path.is_empty() => read_document(folder, uid, index, path).await,
            _ => Err(WebmailError::MessageNotFound),
        }
    });
    let back = move || {
        let (folder, uid, _, _) = asked();
        uid.map(|uid| urls::message(&folder, uid)).unwrap_or_else(|| urls::folder(&folder))
    };
    view! {
        <nav class="retour"><a href=back>"← Retour au message"</a></nav>
        <Suspense fallback=|| view! { <p class="chargement">"Ouverture du document…"</p> }>
            {move || Suspend::new(async move {
                match document.await {
                    Ok(document) => view! { <DocumentBody document/> }.into_any(),
                    Err(error) => view! { <PageProblem title="Document indisponible" error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DocumentBody(document: HealthDocument) -> impl IntoView {
    let field = |label: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <div><dt>{label}</dt><dd>{value}</dd></div> })
    };
    let title = if document.title.is_empty() { "Document de santé".to_string() } else { document.title.clone() };
    view! {
        <Title text=title.clone()/>
        <article class="lecture document-sante" data-testid="document-sante">
            <h1>{title}</h1>
            {document.notice.map(|notice| view! { <p class="alerte" role="alert" data-testid="avis-document">{notice}</p> })}
            {document.pdf.map(|href| view! {
                <p class="version-pdf">
                    <a class="bouton principal" href=href.clone() target="_blank" rel="external" data-testid="ouvrir-pdf">"Ouvrir le document (PDF)"</a>
                    " La version PDF est celle que l'auteur a signée ; le contenu structuré suit."
                </p>
            })}
            <dl class="entete-document" data-testid="entete-document">
                {field("Type", document.kind)}
                {field("Date", document.date)}
                {field("Patient", document.patient)}
                {field("Auteur", document.author)}
                {field("Établissement", document.custodian)}
            </dl>
            {document.sections.into_iter().map(|s| view! { <DocumentSection section=s level=2/> }).collect_view()}
        </article>
    }
}

#[component]
fn DocumentSection(section: Section, level: u8) -> impl IntoView {
    let title = (!section.title.is_empty()).then(|| match level {
        2 => view! { <h2>{section.title.clone()}</h2> }.into_any(),
        3 => view! { <h3>{section.title.clone()}</h3> }.into_any(),
        _ => view! { <h4>{section.title.clone()}</h4> }.into_any(),
    });
    let subsections: Vec<AnyView> =
        section.subsections.into_iter().map(|s| view! { <DocumentSection section=s level=level.saturating_add(1)/> }.into_any()).collect();
    view! {
        <section class="section-document">
            {title}
            {section.blocks.into_iter().map(block).collect_view()}
            {subsections}
        </section>
    }
}

fn spans(spans: Vec<Span>) -> impl IntoView {
    spans
        .into_iter()
        .map(|s| {
            let text = s.text;
            let styled = match (s.bold, s.italic) {
                (true, true) => view! { <strong><em>{text}</em></strong> }.into_any(),
                (true, false) => view! { <strong>{text}</strong> }.into_any(),
                (false, true) => view! { <em>{text}</em> }.into_any(),
                (false, false) => view! { <span>{text}</span> }.into_any(),
            };
            // the space between runs stays outside their emphasis
            view! { {styled}{if s.br { view! { <br/> }.into_any() } else { view! { " " }.into_any() }} }
        })
        .collect_view()
}

fn block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(content) => view! { <p>{spans(content)}</p> }.into_any(),
        Block::List { ordered: true, items } => view! { <ol>{items.into_iter().map(|i| view! { <li>{spans(i)}</li> }).collect_view()}</ol> }.into_any(),
        Block::List { ordered: false, items } => view! { <ul>{items.into_iter().map(|i| view! { <li>{spans(i)}</li> }).collect_view()}</ul> }.into_any(),
        Block::Table { caption, head, rows } => view! {
            <div class="tableau-document" tabindex="0" role="region" aria-label="Tableau, défilement horizontal">
                <table>
                    {(!caption.is_empty()).then(|| view! { <caption>{caption}</caption> })}
                    <thead>{head.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}</tr> }).collect_view()}</thead>
                    <tbody>{rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
                </table>
            </div>
        }
        .into_any(),
    }
}

