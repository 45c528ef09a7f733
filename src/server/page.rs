//! The creator draft checker: the page at `/` and its assets, embedded in the
//! binary from `web/page/` (no CDN, no build step). Every page response carries a
//! Content-Security-Policy that allows only this origin, so the page can load
//! nothing from elsewhere and runs no inline script.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The policy sent with the page and its assets: scripts, styles, images and
/// requests from this origin only; no plugins, no framing, no form posts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One embedded file: where it is served, its content type and its bytes.
pub struct Asset {
    /// The URL path.
    pub path: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// The file's contents.
    pub body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($path:literal, $file:literal, $ty:expr) => {
        Asset {
            path: $path,
            content_type: $ty,
            body: include_str!(concat!("../../web/page/", $file)),
        }
    };
}

/// Every file of the page, `/` first.
pub const ASSETS: &[Asset] = &[
    asset!("/", "index.html", "text/html; charset=utf-8"),
    asset!("/page/style.css", "style.css", "text/css; charset=utf-8"),
    asset!("/page/icon.svg", "icon.svg", "image/svg+xml"),
    asset!("/page/app.js", "app.js", JS),
    asset!("/page/dom.js", "dom.js", JS),
    asset!("/page/api.js", "api.js", JS),
    asset!("/page/i18n.js", "i18n.js", JS),
    asset!("/page/spans.js", "spans.js", JS),
    asset!("/page/draft.js", "draft.js", JS),
    asset!("/page/result.js", "result.js", JS),
    asset!("/page/table.js", "table.js", JS),
    asset!("/page/brand.js", "brand.js", JS),
    asset!("/page/rows.js", "rows.js", JS),
];

fn respond(asset: &'static Asset) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        asset.body,
    )
        .into_response()
}

/// `GET` routes for the page and each asset (HEAD answered too); other paths
/// keep falling through to the service's JSON 404/405.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    ASSETS.iter().fold(Router::new(), |r, asset| {
        r.route(asset.path, get(move || async move { respond(asset) }))
    })
}
