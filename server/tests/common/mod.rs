//! Shared by the integration tests: sign in at the real PSC stand-in as a browser would.
#![allow(dead_code)]

use server::config::{Config, PscConfig};
use server::psc::Psc;
use server::session::SignedInUser;

pub const CLAIRE_RPPS: &str = "10100000017";
pub const CLAIRE: &str = "claire.dubois@hopital-demo.mssante.fr";

pub fn config(client_id: &str) -> Config {
    // SAFETY: set before anything reads the environment in this test process
    unsafe { std::env::set_var("PSC_CLIENT_SECRET", "webmail-secret") };
    let mut config = Config::from_env().expect("config");
    config.psc = PscConfig { client_id: client_id.into(), ..config.psc };
    config
}

/// Do what the browser does at the PSC stand-in: follow redirects, submit the e-CPS form,
/// and return the query of the redirect back to the webmail's callback.
pub async fn sign_in_at_psc(authorize_url: &str, rpps: &str, callback: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut url = authorize_url.to_string();
    let mut form = None;
    for _ in 0..10 {
        let response = match form.take() {
            Some(body) => http.post(&url).form(&body).send().await,
            None => http.get(&url).send().await,
        }
        .expect("PSC stand-in reachable (is operator/start.sh running?)");
        if let Some(location) = response.headers().get("location") {
            url = reqwest::Url::parse(&url).unwrap().join(location.to_str().unwrap()).unwrap().to_string();
            if url.starts_with(callback) {
                return reqwest::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
            }
        } else {
            assert!(response.status().is_success(), "PSC answered {}", response.status());
            url = format!("{url}/login");
            form = Some([("rpps", rpps.to_string())]);
        }
    }
    panic!("never redirected back to {callback}");
}

pub async fn signed_in(client_id: &str, rpps: &str) -> (Psc, SignedInUser, Config) {
    let config = config(client_id);
    let psc = Psc::new(config.psc.clone(), &config.public_url).unwrap();
    let (url, pending) = psc.begin().await.expect("PSC discovery");
    let query = sign_in_at_psc(&url, rpps, &format!("{}/auth/callback", config.public_url)).await;
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let user = psc.finish(Some(pending), &get("code"), &get("state")).await.expect("sign-in accepted");
    (psc, user, config)
}

