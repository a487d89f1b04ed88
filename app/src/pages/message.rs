//! Reading one message: header, sanitised HTML frame, attachments and IHE XDM documents, read
//! receipt consent.

use super::frame::{PageProblem, Problem, folder_of};
use super::markers::{DocumentMark, PatientMark};
use crate::error::WebmailError;
use super::mailbox::{MoveTo, message_action};
use crate::reading::{Attachment, MessageAction, MessageView, Preview, read_message};
use crate::sending::answer_receipt;
use crate::urls::{self, ComposeFrom, PartUrls};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// "PDF" for "CR.pdf": a short, readable file-type badge.
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext)) if (1..=4).contains(&ext.len()) => ext.to_uppercase(),
        _ => "FICHIER".into(),
    }
}

#[component]
pub fn MessagePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let message = crate::wire::resource(
        move || (folder_of(&query.read()), params.read().get("uid").and_then(|u| u.parse::<u32>().ok())),
        |(folder, uid)| async move {
            match uid {
                Some(uid) => read_message(folder, uid).await,
                None => Err(WebmailError::MessageNotFound),
            }
        },
    );
    view! {
        <nav class="retour"><a href=move || urls::folder(&folder_of(&query.read())) data-raccourci="retour">"← Retour à la liste"</a></nav>
        <Transition fallback=|| view! { <p class="chargement">"Ouverture du message…"</p> }>
            {move || Suspend::new(async move {
                match message.await {
                    Ok(message) => view! { <MessageBody message/> }.into_any(),
                    Err(error) => view! { <PageProblem title="Message indisponible" error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MessageBody(message: MessageView) -> impl IntoView {
    let notes = message.correspondents.clone();
    let recipients = move |label: &'static str, list: Vec<String>| {
        let notes = notes.clone();
        (!list.is_empty()).then(|| {
            let count = list.len();
            // a div, not a p: a correspondent is a <details>, which would end a paragraph (the
            // page as parsed would then differ from the page as built, and hydration stop)
            view! {
                <div class="ligne-entete"><span class="libelle">{label}</span>
                    {list.into_iter().enumerate().map(|(i, entry)| view! {
                        <Correspondent entry notes=notes.clone()/>{(i + 1 < count).then_some(", ")}
                    }).collect_view()}
                </div>
            }
        })
    };
    let sender = recipients("De : ", vec![message.from.clone()]);
    let (folder, uid) = (message.folder.clone(), message.uid);
    let act = message_action();
    let navigate = use_navigate();
    let back = urls::folder(&folder);
    // after "non lu", a move or a deletion, the message is done with here: back to the list
    let leaving = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(()))) && leaving.get_untracked() {
            navigate(&back, Default::default());
        }
    });
    // served by a page load (a GET, which any link can cause), the message was not marked read:
    // it is once the page is on the screen, in the browser
    if !message.seen {
        let (folder, act) = (folder.clone(), act);
        Effect::new(move |_| {
            act.dispatch((folder.clone(), vec![uid], MessageAction::MarkRead));
        });
    }
    let flagged = RwSignal::new(message.flagged);
    let run = move |action: MessageAction| {
        leaving.set(matches!(action, MessageAction::MarkUnread | MessageAction::Move(_) | MessageAction::Delete));
        act.dispatch((folder.clone(), vec![uid], action));
    };
    let run = StoredValue::new(run);
    let leaves = move |action: MessageAction| move |_| run.read_value()(action.clone());
    let toggle_flag = move |_| {
        let now = !flagged.get_untracked();
        flagged.set(now);
        run.read_value()(if now { MessageAction::Flag } else { MessageAction::Unflag });
    };
    // « Je m'en occupe », in an organisational mailbox (every member sees it)
    let shared = crate::organisation::mailbox_of(&message.folder).is_some();
    let taken = RwSignal::new(message.taken_by_me);
    let handled = RwSignal::new(message.handled.clone());
    let toggle_charge = move |_| {
        let now = !taken.get_untracked();
        taken.set(now);
        handled.set(now.then(|| "Pris en charge par vous".to_string()));
        run.read_value()(if now { MessageAction::TakeCharge } else { MessageAction::ReleaseCharge });
    };
    let images = RwSignal::new(false);
    let urls = PartUrls { folder: &message.folder, uid };
    let html_src = {
        let (plain, with_images) = (urls.html(false), urls.html(true));
        move || if images.get() { with_images.clone() } else { plain.clone() }
    };
    let remote = message.remote_images;
    view! {
        <Title text=message.subject.clone()/>
        <article class="lecture">
            <h1 data-testid="objet">{message.subject}</h1>
            // on a phone the first four stay at the bottom of the screen
            <div class="actions actions-message" role="toolbar" aria-label="Actions sur le message">
                <div class="principales">
                    <a class="bouton" href=urls::compose(Some((ComposeFrom::Reply, &message.folder, uid))) data-raccourci="repondre">"Répondre"</a>
                    <a class="bouton" href=urls::compose(Some((ComposeFrom::ReplyAll, &message.folder, uid))) data-raccourci="repondre-tous">"Répondre à tous"</a>
                    <a class="bouton" href=urls::compose(Some((ComposeFrom::Forward, &message.folder, uid))) data-raccourci="transferer">"Transférer"</a>
                    <button type="button" class="supprimer" on:click=leaves(MessageAction::Delete) data-raccourci="supprimer">"Supprimer"</button>
                </div>
                <div class="secondaires">
                <button type="button" on:click=leaves(MessageAction::MarkUnread)>"Marquer non lu"</button>
                <button type="button" on:click=toggle_flag aria-pressed=move || flagged.get().to_string()>
                    {move || if flagged.get() { "Ne plus suivre" } else { "Suivre" }}
                </button>
                {shared.then(|| view! {
                    <button type="button" on:click=toggle_charge aria-pressed=move || taken.get().to_string() data-testid="prise-en-charge">
                        {move || if taken.get() { "Je ne m'en occupe plus" } else { "Je m'en occupe" }}
                    </button>
                })}
                <MoveTo folder=message.folder.clone() disabled=Signal::derive(|| false)
                    on_move=Callback::new(move |target| run.read_value()(MessageAction::Move(target)))/>
                </div>
            </div>
            {move || act.value().get().and_then(Result::err).map(|error| view! { <Problem error/> })}
            {message.receipt_requested.then(|| view! { <ReceiptRequest folder=message.folder.clone() uid/> })}
            {message.report.map(|report| view! {
                <div class=if report.failed { "alerte" } else { "bandeau-info" } role="status" data-testid="rapport">
                    <p>{report.sentence}</p>
                    {report.original.map(|href| view! { <a href=href>"Voir le message envoyé"</a> })}
                </div>
            })}
            {message.ends_exchange.then(|| view! {
                <p class="bandeau-info" data-testid="echange-cloture">
                    {format!("Échange clôturé le {} : le patient ne peut pas répondre à ce message sur Mon espace santé.", message.date)}
                </p>
            })}
            <div class="entetes">
                {sender}
                {message.patient.map(|patient| view! { <p class="expediteur-patient"><PatientMark patient/></p> })}
                {message.document.map(|label| view! { <p><DocumentMark label/></p> })}
                {recipients("À : ", message.to)}
                {recipients("Cc : ", message.cc)}
                <p><span class="libelle">"Date : "</span>{message.date}</p>
                {move || handled.get().map(|who| view! { <p class="pris-en-charge" data-testid="pris-en-charge">{who}</p> })}
                {(!message.receipts.is_empty()).then(|| view! {
                    <p data-testid="accuses"><span class="libelle">"Suivi : "</span>{message.receipts.join(" ; ")}</p>
                })}
            </div>
            {(!message.attachments.is_empty()).then(|| view! {
                <ul class="pieces-jointes" aria-label="Pièces jointes">
                    {message.attachments.into_iter().map(|a| view! { <AttachmentItem a folder=message.folder.clone() uid/> }).collect_view()}
                </ul>
            })}
            {if message.has_html {
                view! {
                    {(remote > 0).then(|| view! {
                        <p class="images-bloquees" data-testid="images-bloquees">
                            {format!("{remote} image(s) distante(s) bloquée(s) pour protéger votre confidentialité. ")}
                            <button type="button" on:click=move |_| images.set(true) disabled=move || images.get()>
                                "Afficher les images"
                            </button>
                        </p>
                    })}
                    <iframe class="corps-html" title="Contenu du message" data-testid="corps-html"
                        sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" src=html_src></iframe>
                }.into_any()
            } else {
                view! { <pre class="corps" data-testid="corps">{message.text}</pre> }.into_any()
            }}
        </article>
    }
}

/// The sender asks for a read receipt: sent only if the user agrees (RFC 8098, ANS MDN).
#[component]
fn ReceiptRequest(folder: String, uid: u32) -> impl IntoView {
    // two signals rather than an `Action`, whose code the first load would carry for this banner alone
    let (answered, sending) = (RwSignal::new(None), RwSignal::new(false));
    let folder = StoredValue::new(folder);
    let answer = move |send: bool| {
        move |_| {
            sending.set(true);
            let folder = folder.get_value();
            leptos::task::spawn_local(async move {
                answered.set(Some(answer_receipt(folder, uid, send).await));
                sending.set(false);
            });
        }
    };
    view! {
        <div class="bandeau-info" role="status" data-testid="accuse">
            {move || match answered.get() {
                None => view! {
                    <p>"L'expéditeur demande un accusé de lecture."</p>
                    <button type="button" disabled=move || sending.get() on:click=answer(true)>"Envoyer l'accusé de lecture"</button>
                    <button type="button" class="secondaire" disabled=move || sending.get() on:click=answer(false)>"Ne pas l'envoyer"</button>
                }.into_any(),
                Some(Ok(())) => view! { <p>"C'est noté : cet accusé de lecture ne vous sera plus demandé."</p> }.into_any(),
                Some(Err(error)) => view! { <Problem error/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn AttachmentItem(a: Attachment, folder: String, uid: u32) -> impl IntoView {
    let urls = PartUrls { folder: &folder, uid };
    let download = urls.attachment(a.index, false);
    let inline = urls.attachment(a.index, true);
    let xdm: Vec<_> = a.xdm.iter().map(|d| (d.clone(), urls.xdm_document(a.index, &d.path), urls.xdm_view(a.index, &d.path))).collect();
    view! {
        <li class="piece">
            <span class="type-pj">{extension(&a.name)}</span>
            <a class="nom-pj" href=download download=a.name.clone() rel="external">{a.name.clone()}</a>
            <span class="taille">{a.size}</span>
            {match a.preview {
                Preview::Pdf => Some(view! { <a class="apercu" href=inline.clone() target="_blank" rel="external">"Ouvrir"</a> }.into_any()),
                Preview::Image => Some(view! { <img class="vignette" src=inline.clone() alt=format!("Aperçu de {}", a.name)/> }.into_any()),
                Preview::None => None,
            }}
            {(!xdm.is_empty()).then(|| view! {
                <div class="xdm" data-testid="xdm">
                    <p class="libelle">"Documents de l'archive IHE XDM :"</p>
                    <ul>
                        {xdm.into_iter().map(|(d, href, shown)| view! {
                            <li>
                                <a href=shown data-testid="afficher-document">{d.title.clone()}</a>
                                " "<a class="telecharger" href=href rel="external" download="">"(télécharger)"</a>
                                <span class="details">{format!(" — {}", [d.kind.as_str(), d.patient.as_str(), d.created.as_str(), d.author.as_str(), d.mime_type.as_str()]
                                    .into_iter().filter(|t| !t.is_empty() && *t != d.title).collect::<Vec<_>>().join(" · "))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </li>
    }
}

/// The address inside « Name <address> » (or the entry itself), lower case.
fn address_in(entry: &str) -> String {
    let inner = entry.rsplit_once('<').and_then(|(_, rest)| rest.strip_suffix('>')).unwrap_or(entry);
    inner.trim().to_lowercase()
}

/// A sender or recipient, with what the directory says of them: who they are (on hover, or shown
/// by a tap), or that a trust-space address is not in it.
#[component]
fn Correspondent(entry: String, notes: Vec<crate::directory::AddressNote>) -> impl IntoView {
    let address = address_in(&entry);
    let note = notes.into_iter().find(|n| n.address == address);
    match note {
        Some(crate::directory::AddressNote { about: Some(about), .. }) => view! {
            <details class="correspondant-annuaire" data-testid="correspondant">
                <summary class="correspondant" title=about.clone()>{entry}</summary>
                <span class="qui-est-ce">{about}</span>
            </details>
        }
        .into_any(),
        Some(crate::directory::AddressNote { absent: true, .. }) => view! {
            <span>{entry}</span>
            <span class="correspondant-inconnu" data-testid="absent-annuaire">" (adresse absente de l'annuaire)"</span>
        }
        .into_any(),
        _ => view! { <span>{entry}</span> }.into_any(),
    }
}
