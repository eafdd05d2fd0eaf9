//! The browser flow's pages (`docs/contract.md §5`); the rules live in [`crate::browser`].
//!
//! | Route | What |
//! |---|---|
//! | `GET /auth/oauth2/v2.0/authorize` | [`authorize`]: checks the request, then the demo provider page, an upstream provider, or (no `domain_hint`) a chooser |
//! | `POST /auth/demo-provider` | [`demo_provider`]: the demo page's "Continuer" / "Annuler" (demo mode) |
//! | `GET /auth/federation/callback` | [`federation_callback`]: an upstream provider's answer |
//!
//! Errors follow RFC 6749 §4.1.2.1: an unknown client or an unacceptable `redirect_uri` gets an
//! HTML error page (never a redirect); every other error goes back to the redirect URI as
//! `error`, `error_description` and `state`.

use axum::{
    Form, Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use cartable_core::Email;
use serde::Deserialize;

use crate::{
    AppState,
    browser::{
        self, AUTHORIZE_PATH, DEFAULT_SCOPE, DEMO_PROVIDER_PATH, FEDERATION_CALLBACK_PATH,
        PendingRequest, ProviderUser, Route, upstream,
    },
};

/// The browser-flow routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize))
        .route(DEMO_PROVIDER_PATH, post(demo_provider))
        .route(FEDERATION_CALLBACK_PATH, get(federation_callback))
}

/// The query of `GET {authority}oauth2/v2.0/authorize` (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID
/// Connect Core §3.1.2.1). All optional here so each absence gets its own answer.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    response_type: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    domain_hint: Option<String>,
}

/// `GET {authority}oauth2/v2.0/authorize` (`docs/contract.md §5`).
///
/// Requires `client_id` (a configured public client), `redirect_uri` (loopback
/// `http://127.0.0.1:{port}/callback` or the mobile scheme), `response_type=code`,
/// `code_challenge` with `code_challenge_method=S256`; `scope` defaults to
/// `openid offline_access`; `state` and `nonce` are passed through. `domain_hint` picks the
/// provider; without one the person chooses on a page listing the offered providers.
pub async fn authorize(State(state): State<AppState>, Query(q): Query<AuthorizeQuery>) -> Response {
    let client_ok =
        q.client_id.as_ref().is_some_and(|c| state.config.public_clients.iter().any(|p| p == c));
    if !client_ok {
        return error_page(StatusCode::BAD_REQUEST, "Application inconnue", "Unknown application");
    }
    let Some(redirect_uri) = q.redirect_uri.clone().filter(|r| browser::check_redirect_uri(r))
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Adresse de retour refusée",
            "Redirect URI not accepted",
        );
    };
    let back = |error: &str, description: &str| {
        redirect_to(&browser::redirect_with(
            &redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", q.state.as_deref()),
            ],
        ))
    };
    if q.response_type.as_deref() != Some("code") {
        return back("unsupported_response_type", "response_type must be code.");
    }
    let Some(challenge) = q.code_challenge.clone() else {
        return back("invalid_request", "PKCE is required: code_challenge is missing.");
    };
    if q.code_challenge_method.as_deref() != Some("S256") {
        return back("invalid_request", "code_challenge_method must be S256.");
    }
    if !browser::check_code_challenge(&challenge) {
        return back("invalid_request", "code_challenge is not an S256 challenge.");
    }
    let Some(hint) = q.domain_hint.clone().filter(|h| !h.is_empty()) else {
        return chooser_page(&state, &q);
    };
    let Some(route) = browser::route_for(&state.config, &hint) else {
        return back("invalid_request", "This domain_hint is not offered by this portal.");
    };
    let mut pending = PendingRequest {
        client_id: q.client_id.clone().unwrap_or_default(),
        redirect_uri: redirect_uri.clone(),
        state: q.state.clone(),
        nonce: q.nonce.clone(),
        code_challenge: challenge,
        scope: q.scope.clone().filter(|s| !s.trim().is_empty()).unwrap_or(DEFAULT_SCOPE.to_owned()),
        provider: browser::provider_name(&hint),
        upstream_nonce: None,
        upstream_verifier: None,
    };
    match route {
        Route::Demo => match browser::store_request(&state, &pending).await {
            Ok(handle) => demo_page(&hint, &handle, &pending.redirect_uri, ("", ""), None),
            Err(e) => internal(&e),
        },
        Route::Upstream(provider) => {
            let Ok(http) = upstream::Http::new() else {
                return back("server_error", "The portal cannot reach the provider.");
            };
            // The handle must exist before the upstream URL (it is the upstream `state`), and
            // the upstream nonce and verifier before the handle is stored: make the handle
            // first, then store the request under it.
            let handle = crate::crypto::random_token(32);
            let callback = format!("{}{FEDERATION_CALLBACK_PATH}", state.config.origin);
            let started = match upstream::start(&http, provider, &callback, &handle).await {
                Ok(started) => started,
                Err(e) => {
                    tracing::warn!(error = %e, provider = %pending.provider, "upstream unavailable");
                    return back("temporarily_unavailable", "The provider cannot be reached.");
                }
            };
            pending.upstream_nonce = Some(started.nonce);
            pending.upstream_verifier = Some(started.verifier);
            match browser::store_request_with_handle(&state, &pending, &handle).await {
                Ok(()) => redirect_to(&started.url),
                Err(e) => internal(&e),
            }
        }
    }
}

/// The demo provider page's form.
#[derive(Deserialize)]
pub struct DemoForm {
    request: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    /// An HTML checkbox: present (`on`) when checked.
    #[serde(default)]
    email_verified: Option<String>,
    /// `continue` or `cancel`.
    action: String,
    #[serde(default)]
    hint: String,
}

/// `POST /auth/demo-provider` (demo mode, `docs/contract.md §5`): "Continuer" signs the person
/// in as (provider, typed email) and sends the browser to `redirect_uri?code=…&state=…`;
/// "Annuler" sends it back with `error=access_denied`. The email counts as verified only when
/// the page's "courriel vérifié" box is ticked (it stands for the provider's `email_verified`).
pub async fn demo_provider(State(state): State<AppState>, Form(form): Form<DemoForm>) -> Response {
    if !state.config.demo {
        return error_page(StatusCode::NOT_FOUND, "Page introuvable", "Page not found");
    }
    let found = match browser::find_request(&state, &form.request).await {
        Ok(found) => found,
        Err(e) => return internal(&e),
    };
    let Some(found) = found else { return expired_page() };
    let email = if form.action == "cancel" {
        None
    } else {
        match Email::parse(&form.email) {
            Ok(email) if !form.name.trim().is_empty() => Some(email),
            _ => {
                return demo_page(
                    &form.hint,
                    &form.request,
                    &found.redirect_uri,
                    (&form.name, &form.email),
                    Some(
                        "Entrez un nom et une adresse courriel valide. / Enter a name and a valid email address.",
                    ),
                );
            }
        }
    };
    let request = match browser::take_request(&state, &form.request).await {
        Ok(Some(request)) => request,
        Ok(None) => return expired_page(),
        Err(e) => return internal(&e),
    };
    let Some(email) = email else {
        return redirect_to(&browser::redirect_with(
            &request.redirect_uri,
            &[
                ("error", Some("access_denied")),
                ("error_description", Some("The person cancelled the sign-in.")),
                ("state", request.state.as_deref()),
            ],
        ));
    };
    let user = ProviderUser {
        provider: request.provider.clone(),
        subject: email.as_str().to_owned(),
        email: Some(email),
        email_verified: form.email_verified.is_some(),
    };
    finish(&state, &request, &user).await
}

/// An upstream provider's answer (`GET /auth/federation/callback?code=…&state=…` or
/// `?error=…&state=…`).
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET {origin}/auth/federation/callback`: finishes a brokered sign-in (`docs/contract.md §5`):
/// exchanges the upstream code, validates its ID token, then signs the person in as (provider,
/// `sub`) and sends the browser to the app's redirect URI with our code and the app's `state`.
/// An upstream error (e.g. the person cancelled) goes back as `access_denied`.
pub async fn federation_callback(
    State(state): State<AppState>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(handle) = q.state.as_deref() else { return expired_page() };
    let request = match browser::take_request(&state, handle).await {
        Ok(Some(request)) => request,
        Ok(None) => return expired_page(),
        Err(e) => return internal(&e),
    };
    let back = |error: &str, description: &str| {
        redirect_to(&browser::redirect_with(
            &request.redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", request.state.as_deref()),
            ],
        ))
    };
    let provider = state
        .config
        .providers
        .iter()
        .find(|p| browser::provider_name(&p.domain_hint) == request.provider);
    let (Some(provider), Some(code), None) = (provider, q.code.as_deref(), q.error.as_deref())
    else {
        return back("access_denied", "The provider did not sign the person in.");
    };
    let (Some(verifier), Some(nonce)) = (&request.upstream_verifier, &request.upstream_nonce)
    else {
        return back("server_error", "The sign-in request is incomplete.");
    };
    let Ok(http) = upstream::Http::new() else {
        return back("server_error", "The portal cannot reach the provider.");
    };
    let callback = format!("{}{FEDERATION_CALLBACK_PATH}", state.config.origin);
    match upstream::finish(&http, provider, &callback, code, verifier, nonce).await {
        Ok(found) => {
            let user = ProviderUser {
                provider: request.provider.clone(),
                subject: found.subject,
                email: found.email,
                email_verified: found.email_verified,
            };
            finish(&state, &request, &user).await
        }
        Err(e) => {
            tracing::warn!(error = %e, provider = %request.provider, "upstream sign-in failed");
            back("access_denied", "The provider's answer could not be verified.")
        }
    }
}

/// Signs `user` in for `request`: account by (provider, subject), a code, and the redirect.
async fn finish(state: &AppState, request: &PendingRequest, user: &ProviderUser) -> Response {
    let account_id = match browser::account_for(state, user).await {
        Ok(id) => id,
        Err(e) => return internal(&e),
    };
    match browser::issue_code(state, &account_id, request).await {
        Ok(code) => redirect_to(&browser::redirect_with(
            &request.redirect_uri,
            &[("code", Some(&code)), ("state", request.state.as_deref())],
        )),
        Err(e) => internal(&e),
    }
}

/// 303 See Other to `location` (RFC 9110 §15.4.4): the browser follows with a GET.
fn redirect_to(location: &str) -> Response {
    let mut response = Redirect::to(location).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

fn internal(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "browser flow failed");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Erreur du portail", "Portal error")
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    page_with_form(status, title, body, None)
}

/// [`page`] for a page with a form whose answer redirects to `form_to` (a redirect URI): the
/// CSP's `form-action` also allows that target, since browsers check a form's redirects
/// against it (CSP Level 3 §6.4.1).
fn page_with_form(status: StatusCode, title: &str, body: &str, form_to: Option<&str>) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"fr-CA\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;\
         margin:2rem auto;padding:0 1rem;line-height:1.5}}.demo{{background:#fff3cd;\
         border:2px solid #b58100;padding:.75rem;border-radius:.5rem}}label{{display:block;\
         margin:.75rem 0}}input[type=text],input[type=email]{{width:100%;padding:.5rem;\
         font-size:1rem}}button{{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}}\
         .error{{color:#a00}}</style></head><body>{body}</body></html>",
        title = esc(title),
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    let form_action = form_to.map(browser::csp_source).unwrap_or_default();
    let csp =
        format!("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'{form_action}");
    if let Ok(csp) = header::HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert("x-frame-options", header::HeaderValue::from_static("DENY"));
    response
}

fn error_page(status: StatusCode, fr: &str, en: &str) -> Response {
    page(
        status,
        fr,
        &format!(
            "<h1>{}</h1><p lang=\"en\">{}</p><p>Retournez à Cartable et réessayez. \
             <span lang=\"en\">Go back to Cartable and try again.</span></p>",
            esc(fr),
            esc(en)
        ),
    )
}

fn expired_page() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "Cette connexion a expiré ou est déjà terminée",
        "This sign-in expired or is already finished",
    )
}

/// The built-in demo provider (demo mode): clearly labelled, a name, an email, the "verified"
/// box, "Continuer" and "Annuler". Both answers redirect to `redirect_uri`. `typed` (name,
/// email) refills the fields after a refusal.
fn demo_page(
    hint: &str,
    handle: &str,
    redirect_uri: &str,
    typed: (&str, &str),
    error: Option<&str>,
) -> Response {
    let label = browser::provider_label(hint);
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    page_with_form(
        StatusCode::OK,
        "Fournisseur de démonstration",
        &format!(
            "<p class=\"demo\" id=\"demo-banner\"><strong>Fournisseur de démonstration — ce n'est \
             pas {label}.</strong> Aucune connexion réelle n'a lieu : choisissez un nom et une \
             adresse courriel fictifs.<br><span lang=\"en\"><strong>Demo provider — this is not \
             {label}.</strong> No real sign-in happens: pick a made-up name and email.</span></p>\
             <h1>Se connecter avec {label} (démo)</h1>{error}\
             <form method=\"post\" action=\"{DEMO_PROVIDER_PATH}\">\
             <input type=\"hidden\" name=\"request\" value=\"{handle}\">\
             <input type=\"hidden\" name=\"hint\" value=\"{hint}\">\
             <label>Nom / Name <input type=\"text\" name=\"name\" id=\"name\" autocomplete=\"name\" value=\"{name}\"></label>\
             <label>Courriel / Email <input type=\"email\" name=\"email\" id=\"email\" autocomplete=\"email\" value=\"{email}\"></label>\
             <label><input type=\"checkbox\" name=\"email_verified\" id=\"email_verified\" checked> \
             Le fournisseur a vérifié ce courriel / The provider verified this email</label>\
             <button type=\"submit\" name=\"action\" value=\"continue\" id=\"continue\">Continuer</button>\
             <button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\" formnovalidate>Annuler</button>\
             </form>",
            label = esc(&label),
            handle = esc(handle),
            hint = esc(hint),
            name = esc(typed.0),
            email = esc(typed.1),
        ),
        Some(redirect_uri),
    )
}

/// Without `domain_hint`: links to the same request with each offered hint.
fn chooser_page(state: &AppState, q: &AuthorizeQuery) -> Response {
    let hints = browser::offered_hints(&state.config);
    let mut items = String::new();
    for hint in &hints {
        let Ok(mut url) = url::Url::parse(&format!("{}{AUTHORIZE_PATH}", state.config.origin))
        else {
            continue;
        };
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in [
                ("client_id", &q.client_id),
                ("response_type", &q.response_type),
                ("redirect_uri", &q.redirect_uri),
                ("scope", &q.scope),
                ("state", &q.state),
                ("nonce", &q.nonce),
                ("code_challenge", &q.code_challenge),
                ("code_challenge_method", &q.code_challenge_method),
            ] {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
            query.append_pair("domain_hint", hint);
        }
        items.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>",
            esc(url.as_str()),
            esc(&browser::provider_label(hint))
        ));
    }
    if hints.is_empty() {
        items.push_str("<li>Aucun fournisseur n'est configuré. / No provider is configured.</li>");
    }
    page(
        StatusCode::OK,
        "Se connecter",
        &format!(
            "<h1>Se connecter avec… <span lang=\"en\">/ Sign in with…</span></h1><ul>{items}</ul>"
        ),
    )
}
