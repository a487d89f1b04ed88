//! Behind a load balancer every connection comes from the balancer: the address recorded in the
//! access traces must be the browser's. Only from a proxy the configuration trusts
//! (`TRUSTED_PROXIES`) is `X-Forwarded-For` read — its last entry, the one that proxy added; from
//! anyone else the header is ignored (a browser could write anything in it).

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub async fn client_address(State(trusted): State<Arc<[IpAddr]>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if let Some(peer) = peer.filter(|p| trusted.contains(&p.ip())) {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
        if let Some(client) = added_by_the_proxy(&forwarded) {
            request.extensions_mut().insert(ConnectInfo(SocketAddr::new(client, peer.port())));
        }
    }
    next.run(request).await
}

/// The address the last proxy added (the last entry), if it is one.
fn added_by_the_proxy(forwarded: &str) -> Option<IpAddr> {
    forwarded.rsplit(',').next().and_then(|last| last.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_entry_is_the_one_the_proxy_added() {
        assert_eq!(added_by_the_proxy("203.0.113.9"), Some("203.0.113.9".parse().unwrap()));
        // what the browser wrote comes first: never taken
        assert_eq!(added_by_the_proxy("10.0.0.1, 198.51.100.7"), Some("198.51.100.7".parse().unwrap()));
        assert_eq!(added_by_the_proxy("2001:db8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(added_by_the_proxy("not-an-address"), None);
        assert_eq!(added_by_the_proxy(""), None);
    }
}
