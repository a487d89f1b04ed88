//! What the compose page holds, apart from how it shows it: the draft being written as signals,
//! its recipients as checked chips, and the copy kept in this tab while the server is out of reach.

use crate::sending::{Draft, RecipientCheck, Upload, check_recipients, save_draft};
use leptos::prelude::*;

/// A recipient, and why the trust space refuses it once the server has checked it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Chip {
    pub address: String,
    pub refusal: Option<String>,
    /// A patient: who the INS says it is, to confirm.
    pub patient: Option<String>,
}

pub(super) fn chips(addresses: &[String]) -> Vec<Chip> {
    addresses.iter().map(|a| Chip { address: a.clone(), refusal: None, patient: None }).collect()
}

/// The draft, field by field, as the form binds to it.
#[derive(Clone, Copy)]
pub(super) struct DraftState {
    pub id: RwSignal<String>,
    proof: StoredValue<String>,
    /// The user's own mailbox: From stays empty in the draft when it is this one.
    own: StoredValue<String>,
    pub sender: RwSignal<String>,
    pub to: RwSignal<Vec<Chip>>,
    pub cc: RwSignal<Vec<Chip>>,
    pub bcc: RwSignal<Vec<Chip>>,
    pub subject: RwSignal<String>,
    pub body: RwSignal<String>,
    pub attachments: RwSignal<Vec<Upload>>,
    pub receipt: RwSignal<bool>,
    pub delivery_receipt: RwSignal<bool>,
    pub close_exchange: RwSignal<bool>,
    pub patient_confirmed: RwSignal<Vec<String>>,
    pub mixed_confirmed: RwSignal<bool>,
    /// In-Reply-To and References, carried unchanged.
    thread: StoredValue<(Option<String>, Vec<String>)>,
}

impl DraftState {
    pub fn new(draft: Draft, own: String) -> Self {
        let state = Self {
            id: RwSignal::new(String::new()),
            proof: StoredValue::new(String::new()),
            own: StoredValue::new(own),
            sender: RwSignal::new(String::new()),
            to: RwSignal::new(Vec::new()),
            cc: RwSignal::new(Vec::new()),
            bcc: RwSignal::new(Vec::new()),
            subject: RwSignal::new(String::new()),
            body: RwSignal::new(String::new()),
            attachments: RwSignal::new(Vec::new()),
            receipt: RwSignal::new(false),
            delivery_receipt: RwSignal::new(false),
            close_exchange: RwSignal::new(false),
            patient_confirmed: RwSignal::new(Vec::new()),
            mixed_confirmed: RwSignal::new(false),
            thread: StoredValue::new((None, Vec::new())),
        };
        state.restore(draft);
        state
    }

    /// Every field from `d` (a draft opened, or one found again in this tab).
    pub fn restore(&self, d: Draft) {
        self.id.set(d.id);
        self.proof.set_value(d.proof);
        self.sender.set(if d.from.is_empty() { self.own.get_value() } else { d.from });
        self.to.set(chips(&d.to));
        self.cc.set(chips(&d.cc));
        self.bcc.set(chips(&d.bcc));
        self.subject.set(d.subject);
        self.body.set(d.body);
        self.attachments.set(d.attachments);
        self.receipt.set(d.receipt);
        self.delivery_receipt.set(d.delivery_receipt);
        self.close_exchange.set(d.close_exchange);
        self.patient_confirmed.set(d.patient_confirmed);
        self.mixed_confirmed.set(d.mixed_confirmed);
        self.thread.set_value((d.in_reply_to, d.references));
    }

    /// The draft as the fields hold it now (tracked: use it in a memo).
    pub fn draft(&self) -> Draft {
        let (in_reply_to, references) = self.thread.get_value();
        let sender = self.sender.get();
        Draft {
            id: self.id.get(),
            proof: self.proof.get_value(),
            from: if self.is_own(&sender) { String::new() } else { sender },
            to: self.to.get().into_iter().map(|c| c.address).collect(),
            cc: self.cc.get().into_iter().map(|c| c.address).collect(),
            bcc: self.bcc.get().into_iter().map(|c| c.address).collect(),
            subject: self.subject.get(),
            body: self.body.get(),
            attachments: self.attachments.get(),
            in_reply_to,
            references,
            receipt: self.receipt.get(),
            delivery_receipt: self.delivery_receipt.get(),
            close_exchange: self.close_exchange.get(),
            patient_confirmed: self.patient_confirmed.get(),
            mixed_confirmed: self.mixed_confirmed.get(),
        }
    }

    pub fn proof(&self) -> String {
        self.proof.get_value()
    }

    pub fn is_own(&self, address: &str) -> bool {
        self.own.with_value(|own| own == address)
    }

    /// The server's verdicts on recipients, onto the chips they are about.
    pub fn apply_checks(&self, results: &[RecipientCheck]) {
        for list in [self.to, self.cc, self.bcc] {
            list.update(|chips| {
                for chip in chips.iter_mut() {
                    if let Some(r) = results.iter().find(|r| r.address.eq_ignore_ascii_case(&chip.address)) {
                        chip.refusal = r.refusal.clone();
                        chip.patient = r.patient.clone();
                    }
                }
            })
        }
    }

    /// Whether a recipient is refused (tracked): nothing is sent while one is.
    pub fn has_refused(&self) -> bool {
        let refused = |list: &Vec<Chip>| list.iter().any(|c| c.refusal.is_some());
        self.to.with(refused) || self.cc.with(refused) || self.bcc.with(refused)
    }
}

/// Recipients are checked by the server (liste blanche, INS key) when the page opens and as soon
/// as they are added; the answer for each lands on its chip. Returns what to call on an addition.
pub(super) fn recipient_checks(state: DraftState, current: Memo<Draft>) -> Callback<Vec<String>> {
    let check = Action::new(|addresses: &Vec<String>| check_recipients(addresses.clone()));
    Effect::new(move |_| {
        if let Some(Ok(results)) = check.value().get() {
            state.apply_checks(&results);
        }
    });
    Effect::new(move |_| {
        let all = current.get_untracked().recipients().cloned().collect::<Vec<_>>();
        if !all.is_empty() {
            check.dispatch(all);
        }
    });
    Callback::new(move |addresses: Vec<String>| {
        check.dispatch(addresses);
    })
}

/// The draft saves itself two seconds after the last change, and meanwhile is kept in this tab.
#[derive(Clone, Copy)]
pub(super) struct Saving {
    pub save: Action<Draft, Result<(), crate::error::WebmailError>>,
    /// Set while sending or discarding: no more saves.
    pub leaving: RwSignal<bool>,
    /// An unsaved draft found in this tab, to offer back.
    pub restorable: RwSignal<Option<Draft>>,
}

impl Saving {
    pub fn start(current: Memo<Draft>) -> Self {
        let saving = Saving {
            save: Action::new(|d: &Draft| save_draft(d.clone())),
            leaving: RwSignal::new(false),
            restorable: RwSignal::new(None),
        };
        let Saving { save, leaving, restorable } = saving;
        #[cfg(feature = "hydrate")]
        {
            let timer = StoredValue::new(None::<TimeoutHandle>);
            Effect::new(move |previous: Option<Draft>| {
                let now = current.get();
                if previous.is_some_and(|p| p != now) && !leaving.get_untracked() {
                    kept::put(&now);
                    if let Some(t) = timer.get_value() {
                        t.clear();
                    }
                    let handle = set_timeout_with_handle(
                        move || {
                            if !leaving.get_untracked() {
                                save.dispatch(current.get_untracked());
                            }
                        },
                        std::time::Duration::from_secs(2),
                    );
                    timer.set_value(handle.ok());
                }
                now
            });
            // an unsaved draft left in this tab (connection lost, page closed): offer it back
            Effect::new(move |_| {
                if let Some(kept) = kept::get().filter(|k| *k != current.get_untracked()) {
                    restorable.set(Some(kept));
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (leaving, restorable); // the timer and the tab's storage exist in the browser only
        Effect::new(move |_| {
            if let Some(Ok(())) = save.value().get() && kept::get().is_some_and(|k| k == current.get_untracked()) {
                kept::clear();
            }
        });
        saving
    }

    /// What the page says of the last save (class, text).
    pub fn status(&self) -> Option<(&'static str, String)> {
        match self.save.value().get() {
            _ if self.save.pending().get() => Some(("etat", "Enregistrement du brouillon…".to_string())),
            Some(Ok(())) => Some(("etat", "Brouillon enregistré dans « Brouillons ».".to_string())),
            Some(Err(e)) => Some(("alerte", format!("Brouillon non enregistré sur le serveur, gardé dans cet onglet. {e}"))),
            None => None,
        }
    }
}

/// The draft kept in this tab (sessionStorage) while it is not saved on the server: it survives
/// a lost connection and a reload, and goes when the browser closes (shared workstations).
pub(super) mod kept {
    use crate::sending::Draft;
    #[cfg(feature = "hydrate")]
    const KEY: &str = "mss-brouillon-non-enregistre";

    #[cfg(feature = "hydrate")]
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok()?
    }

    #[cfg(feature = "hydrate")]
    pub fn put(draft: &Draft) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(draft)) {
            let _ = storage.set_item(KEY, &json);
        }
    }

    pub fn get() -> Option<Draft> {
        #[cfg(feature = "hydrate")]
        return serde_json::from_str(&storage()?.get_item(KEY).ok()??).ok();
        #[cfg(not(feature = "hydrate"))]
        None
    }

    pub fn clear() {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = storage() {
            let _ = storage.remove_item(KEY);
        }
    }
}
