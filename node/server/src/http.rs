//! The node's plain-HTTP side, on when `node.toml` has an `[http]` table:
//! Prometheus metrics at `/metrics`, and the read-only dashboard for coordinators
//! and auditors.
//!
//! The dashboard is one page (`dashboard/`: HTML, script and style, compiled into
//! the binary, nothing fetched from elsewhere) that draws its tables and SVG charts
//! from `/api/...`, whose answers are the very JSON the `View` and `Federation`
//! gRPC services give (the handlers call those services in process). A reader
//! signs in with a one-time link (`remedy --dir FOLDER dashboard`): a token signed
//! with its federation key (`remedy_core::login`), checked against the manifest
//! (coordinators and auditors only), used once; the node then sets a session
//! cookie, named after the port (two nodes on one host keep their sessions
//! apart), that lasts 30 minutes idle and 8 hours at most, and `POST /logout`
//! ends. Every answer carries a Content-Security-Policy (nothing but this
//! node's own script and style), `X-Frame-Options: DENY`,
//! `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
//! `Cache-Control: no-store`. With `tls_cert` and `tls_key` the side is HTTPS
//! (and the cookie `Secure`); plain HTTP stays on loopback unless the operator
//! sets `plain_http_on_network`. `/metrics` needs the configured bearer token,
//! a session, or a loopback client. Nothing here writes to the store.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use remedy_core::MemberId;
use remedy_core::labels;
use remedy_core::login::Login;
use remedy_core::manifest::Role;
use remedy_proto::v1 as pb;
use remedy_proto::v1::federation_server::Federation as _;
use remedy_proto::v1::view_server::View as _;
use serde::Deserialize;

use crate::federation::LiveManifest;
use crate::grpc::{FederationService, ViewService};
use crate::heads::Heads;

mod feed;
mod sdmx;

const INDEX: &str = include_str!("dashboard/index.html");
const SCRIPT: &str = include_str!("dashboard/app.js");
const STYLE: &str = include_str!("dashboard/style.css");
/// The session cookie's name, followed by the port: cookies are scoped by host,
/// not port, so each node on a host needs its own.
const COOKIE: &str = "remedy_session_";
/// The cookie that remembers the language a reader chose with the switch
/// (for every node on the host: a preference, not a secret).
const LANG_COOKIE: &str = "remedy_lang";
/// A session ends after this long without a request...
const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// ...and this long after sign-in in any case.
const SESSION_MAX: Duration = Duration::from_secs(8 * 3600);
/// Headers on every answer: only this node's own script and style, no framing,
/// no sniffing, no referrer, no caching of figures.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

/// Request counts and latencies of the gRPC services, by method.
#[derive(Debug, Default)]
pub struct Metrics {
    methods: Mutex<BTreeMap<String, Method>>,
    /// Bytes of `Log.Follow` pages this node sent to its followers.
    pub follow_sent_bytes: Arc<std::sync::atomic::AtomicU64>,
}

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Method {
    /// Requests by gRPC status code (as the response headers give it; "0" when the
    /// status comes later, in trailers).
    codes: BTreeMap<String, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The label of requests to a path that names no method this node serves: a
/// client chooses the path, so recording it would let anyone add a series per
/// request (or break the scrape with a quote).
const OTHER_METHOD: &str = "other";

/// The label of the request code when a client sent something other than a known
/// gRPC status (a response's `grpc-status` comes from our services, but the label
/// is bounded all the same).
const OTHER_CODE: &str = "other";

/// Every gRPC method this node serves, as request paths (`/remedy.v1.Log/Read`):
/// read from the descriptor sets of the services it registers (its own, health
/// and both reflection versions), so a new method is known without a list to keep.
fn known_methods() -> &'static std::collections::BTreeSet<String> {
    static KNOWN: std::sync::OnceLock<std::collections::BTreeSet<String>> =
        std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        use prost::Message as _;
        let sets = [
            remedy_proto::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ];
        let mut known = std::collections::BTreeSet::new();
        for set in sets {
            // Compiled into the binaries; a set that does not decode is a build bug,
            // and then its methods are counted as `other`.
            let Ok(set) = prost_types::FileDescriptorSet::decode(set) else {
                continue;
            };
            for file in set.file {
                let package = file.package.unwrap_or_default();
                for service in file.service {
                    let service_name = service.name.unwrap_or_default();
                    for method in service.method {
                        let method = method.name.unwrap_or_default();
                        known.insert(if package.is_empty() {
                            format!("/{service_name}/{method}")
                        } else {
                            format!("/{package}.{service_name}/{method}")
                        });
                    }
                }
            }
        }
        known
    })
}

/// The `method` label of a request to `path`: the path if it names a method this
/// node serves, [`OTHER_METHOD`] otherwise.
fn method_label(path: &str) -> &str {
    match known_methods().get(path) {
        Some(known) => known.as_str(),
        None => OTHER_METHOD,
    }
}

/// The `code` label of a gRPC status: its number when it is one of the 17 codes.
fn code_label(code: &str) -> &str {
    match code.parse::<u8>() {
        Ok(n) if n <= 16 && code == n.to_string() => code,
        _ if code == "transport" => code,
        _ => OTHER_CODE,
    }
}

/// A label value escaped as the Prometheus text format requires: backslash,
/// double quote and line feed written as `\\`, `\"` and `\n`.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

impl Metrics {
    /// Records one request to `path` that took `elapsed` to its response headers.
    /// Only the methods this node serves get a series of their own; every other
    /// path counts as `other`, so clients cannot grow `/metrics`.
    pub fn record(&self, path: &str, code: &str, elapsed: Duration) {
        let mut methods = self.methods.lock().unwrap_or_else(|e| e.into_inner());
        let m = methods.entry(method_label(path).to_string()).or_default();
        *m.codes.entry(code_label(code).to_string()).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in m.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        m.count += 1;
        m.sum += seconds;
    }
}

/// A tower layer that times every gRPC request into [`Metrics`].
#[derive(Debug, Clone)]
pub struct MetricsLayer(pub Arc<Metrics>);

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.0.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<S, B, R> tower::Service<axum::http::Request<B>> for MetricsService<S>
where
    S: tower::Service<axum::http::Request<B>, Response = axum::http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    /// Records the call; on the way out, a request that did not decode
    /// answers INVALID_ARGUMENT, not tonic's INTERNAL
    /// ([`crate::grpc::convert::inbound_headers`]).
    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        // Only the path of a known method is kept (see `Metrics::record`).
        let method = method_label(request.uri().path()).to_string();
        let started = Instant::now();
        let future = self.inner.call(request);
        let metrics = self.metrics.clone();
        Box::pin(async move {
            let mut response = future.await;
            if let Ok(r) = &mut response {
                crate::grpc::convert::inbound_headers(r.headers_mut());
            }
            let code = match &response {
                Ok(r) => r
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("0")
                    .to_string(),
                Err(_) => "transport".to_string(),
            };
            metrics.record(&method, &code, started.elapsed());
            response
        })
    }
}

/// What the HTTP side allows each client (`[http]` in `node.toml`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    pub fn of(config: &remedy_client::config::HttpConfig) -> Self {
        Self {
            header_timeout: Duration::from_secs(config.header_timeout_secs),
            idle_timeout: Duration::from_secs(config.idle_timeout_secs),
            max_connections: config.max_connections,
        }
    }
}

/// Serves one HTTP/1.1 connection until the client closes it, its headers take
/// longer than the header timeout (hyper's own timer), or nothing is read or
/// written for the idle timeout (watched here: hyper has no idle timeout of its
/// own, and a client that stops reading a response is idle too).
async fn serve_connection<S>(stream: S, peer: Peer, app: axum::Router, limits: Limits)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use tower::ServiceExt as _;
    let started = Instant::now();
    let moved = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let io = hyper_util::rt::TokioIo::new(Watched {
        inner: stream,
        started,
        moved: moved.clone(),
    });
    let service =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(peer);
            app.clone().oneshot(request)
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    loop {
        let last = Duration::from_millis(moved.load(std::sync::atomic::Ordering::Relaxed));
        let deadline = tokio::time::Instant::from_std(started + last + limits.idle_timeout);
        tokio::select! {
            _ = &mut connection => return,
            () = tokio::time::sleep_until(deadline) => {
                let now = Duration::from_millis(moved.load(std::sync::atomic::Ordering::Relaxed));
                if now == last {
                    // Dropping the connection closes the socket.
                    return;
                }
            }
        }
    }
}

/// A stream that notes when bytes last moved (milliseconds after `started`).
struct Watched<S> {
    inner: S,
    started: Instant,
    moved: Arc<std::sync::atomic::AtomicU64>,
}

impl<S> Watched<S> {
    fn note(&self) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.moved.store(ms, std::sync::atomic::Ordering::Relaxed);
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Watched<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, std::task::Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.note();
        }
        poll
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let poll = std::pin::Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(poll, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.note();
        }
        poll
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What the HTTP handlers share.
#[derive(Debug, Clone)]
pub struct Http {
    pub member: MemberId,
    pub view: ViewService,
    pub federation: FederationService,
    pub manifest: Option<Arc<LiveManifest>>,
    pub heads: Arc<Heads>,
    pub metrics: Arc<Metrics>,
    pub dashboard: bool,
    /// Serve the public transparency page at `/public` (`[http] public`).
    public: bool,
    /// This node's releases, for its operator's own page (`/api/mynode`).
    releases: Option<Arc<crate::releases::Releases>>,
    sessions: Arc<Mutex<Sessions>>,
    /// The session cookie's name (with the port).
    cookie: String,
    /// Served over TLS: the cookie is `Secure`.
    secure: bool,
    /// The bearer token `/metrics` takes, if the operator set one.
    metrics_token: Option<Arc<str>>,
}

/// Who a session belongs to, when it began and when it was last used.
#[derive(Debug, Clone)]
struct Session {
    member: MemberId,
    /// A partner organisation of `member` signed in (`kh-mrc`), not the
    /// member itself: it reads, but never sees the operator's own page.
    partner: Option<String>,
    began: Instant,
    seen: Instant,
}

impl Session {
    fn live(&self, now: Instant) -> bool {
        now < self.began + SESSION_MAX && now < self.seen + SESSION_IDLE
    }
}

/// The client's address, put on each request by the connection that carries it.
#[derive(Debug, Clone, Copy)]
struct Peer(SocketAddr);

#[derive(Debug, Default)]
struct Sessions {
    open: HashMap<String, Session>,
    /// Nonces of links used, with their expiry (Unix seconds), so none is used twice.
    used: HashMap<[u8; 16], u64>,
}

impl Http {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        member: MemberId,
        view: ViewService,
        federation: FederationService,
        manifest: Option<Arc<LiveManifest>>,
        heads: Arc<Heads>,
        metrics: Arc<Metrics>,
        dashboard: bool,
    ) -> Self {
        Self {
            member,
            view,
            federation,
            manifest,
            heads,
            metrics,
            dashboard,
            sessions: Arc::default(),
            cookie: COOKIE.to_string(),
            secure: false,
            metrics_token: None,
            public: false,
            releases: None,
        }
    }

    /// Lets the node's operator see its releases' held-back figures.
    pub fn with_releases(mut self, releases: Arc<crate::releases::Releases>) -> Self {
        self.releases = Some(releases);
        self
    }

    /// The latest release of each period of every grain by `members` (every
    /// member when empty), with its event where the view knows it.
    async fn releases_of(&self, members: Vec<String>) -> Vec<remedy_core::inbox::Published> {
        let mut out = Vec::new();
        for (from, to) in [
            ("1900", "2999"),
            ("1900-Q1", "2999-Q4"),
            ("1900-01", "2999-12"),
        ] {
            let request = pb::StatsRequest {
                table: "channel-outcome".into(),
                from_period: from.into(),
                to_period: to.into(),
                members: members.clone(),
                ..Default::default()
            };
            let answer = self.view.releases(tonic::Request::new(request)).await;
            let list = match answer
                .map(|r| serde_json::from_str::<Vec<serde_json::Value>>(&r.into_inner().json))
            {
                Ok(Ok(list)) => Some(list),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "the releases' JSON did not read");
                    None
                }
                // A grain the federation does not publish at, or none yet.
                Err(s) => {
                    tracing::debug!(error = %s.message(), from, to, "no releases of that grain");
                    None
                }
            };
            if let Some(list) = list {
                out.extend(list.iter().map(|r| {
                    remedy_core::inbox::Published {
                        member: r["member"].as_str().unwrap_or_default().to_string(),
                        period: r["release"]["period"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        revision: r["release"]["revision"].as_u64().unwrap_or(0),
                        seq: r["seq"].as_u64().unwrap_or(0),
                        time_ms: r["time_ms"].as_i64().unwrap_or(0),
                    }
                }));
            }
        }
        out
    }

    /// The key of `member` when it may read this node: a coordinator or
    /// auditor of the federation, or this node's own member (its operator).
    fn reader_key(
        &self,
        manifest: &remedy_core::manifest::Manifest,
        member: &MemberId,
    ) -> Result<remedy_core::keys::VerifyingKey, String> {
        manifest
            .member(member)
            .filter(|m| {
                matches!(m.role, Role::Coordinator | Role::Auditor)
                    || (m.role == Role::Node && m.id == self.member)
            })
            .ok_or_else(|| {
                format!(
                    "{member} is not a coordinator or auditor of the federation, nor this node's own member"
                )
            })?
            .verifying_key()
            .map_err(|e| e.to_string())
    }

    /// The session's member when it is this node's own operator (not one of
    /// its partner organisations).
    fn operator_session(&self, headers: &HeaderMap) -> Option<MemberId> {
        match self.session_of(headers)? {
            (member, None) if self.is_operator(&member) => Some(member),
            _ => None,
        }
    }

    /// Whether `member` is this node's own member (its operator).
    fn is_operator(&self, member: &MemberId) -> bool {
        member == &self.member
            && self.manifest.as_ref().is_some_and(|m| {
                m.current()
                    .member(member)
                    .is_some_and(|x| x.role == Role::Node)
            })
    }

    /// Serves the public transparency page too.
    pub fn with_public(mut self, public: bool) -> Self {
        self.public = public;
        self
    }

    /// The bearer token `/metrics` requires (from `metrics_token_file`).
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        self.metrics_token = token.map(Arc::from);
        self
    }

    /// Serves until `shutdown` completes, within `limits`: at most
    /// `max_connections` at once, each closed when its request headers take longer
    /// than `header_timeout` or nothing moves on it for `idle_timeout`.
    /// With `tls`, every connection is HTTPS (its handshake within the header
    /// timeout).
    pub async fn serve(
        mut self,
        listener: tokio::net::TcpListener,
        limits: Limits,
        tls: Option<tokio_rustls::TlsAcceptor>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.cookie = format!("{COOKIE}{}", listener.local_addr()?.port());
        self.secure = tls.is_some();
        let mut app = axum::Router::new().route("/metrics", get(metrics));
        if self.dashboard {
            // Pages and their data need a session; the sign-in link and the assets do not.
            let signed_in = axum::Router::new()
                .route("/", get(page))
                .route("/recommendations", get(page))
                .route("/workplan", get(page))
                .route("/pilots", get(page))
                .route("/partners", get(page))
                .route("/workshops", get(page))
                .route("/network", get(page))
                .route("/api/stats", get(api_stats))
                .route("/api/series", get(api_series))
                .route("/api/recommendations", get(api_recommendations))
                .route("/api/workplan", get(api_workplan))
                .route("/api/pilots", get(api_pilots))
                .route("/api/partners", get(api_partners))
                .route("/api/workshops", get(api_workshops))
                .route("/api/network", get(api_network))
                .route("/inbox", get(page))
                .route("/api/inbox", get(api_inbox))
                .route("/mynode", get(page))
                .route("/api/me", get(api_me))
                .route("/api/mynode", get(api_mynode))
                .route_layer(axum::middleware::from_fn_with_state(
                    self.clone(),
                    require_session,
                ));
            // The SDMX REST API: a read token or a session.
            let readers = axum::Router::new()
                .route("/sdmx/rest/{*path}", get(sdmx::rest))
                .route_layer(axum::middleware::from_fn_with_state(
                    self.clone(),
                    sdmx::require_reader,
                ));
            if self.public {
                // Without sign-in, only the views of the shared log: no
                // network status, no metrics, nothing of the operator's.
                app = app
                    .route("/public", get(page))
                    .route("/public/", get(page))
                    .route("/public/recommendations", get(page))
                    .route("/public/workplan", get(page))
                    .route("/public/pilots", get(page))
                    .route("/public/partners", get(page))
                    .route("/public/workshops", get(page))
                    .route("/public/api/stats", get(api_stats))
                    .route("/public/api/series", get(api_series))
                    .route("/public/api/recommendations", get(api_recommendations))
                    .route("/public/api/workplan", get(api_workplan))
                    .route("/public/api/pilots", get(api_pilots))
                    .route("/public/api/partners", get(api_partners))
                    .route("/public/api/workshops", get(api_workshops));
            }
            app = app
                .merge(readers)
                .route("/feed.atom", get(feed::feed))
                .route("/login", get(login))
                .route("/logout", axum::routing::post(logout))
                .route("/lang", get(choose_lang))
                .route("/api/i18n", get(api_i18n))
                .route("/assets/app.js", get(script))
                .route("/assets/style.css", get(style))
                .merge(signed_in);
        }
        let app = app
            .layer(axum::middleware::map_response(security_headers))
            .with_state(self);
        let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
        let mut backoff = crate::accept::Backoff::default();
        tokio::pin!(shutdown);
        loop {
            // A free slot first: beyond the cap, clients wait in the listen queue.
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => return Ok(()),
                },
                () = &mut shutdown => return Ok(()),
            };
            let (tcp, peer) = tokio::select! {
                accepted = crate::accept::accept(&listener, &mut backoff, "HTTP") => accepted,
                () = &mut shutdown => return Ok(()),
            };
            let app = app.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let _slot = slot;
                match tls {
                    None => serve_connection(tcp, Peer(peer), app, limits).await,
                    Some(acceptor) => {
                        let handshake = acceptor.accept(tcp);
                        match tokio::time::timeout(limits.header_timeout, handshake).await {
                            Ok(Ok(stream)) => {
                                serve_connection(stream, Peer(peer), app, limits).await;
                            }
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "HTTPS handshake failed")
                            }
                            Err(_) => tracing::debug!(%peer, "HTTPS handshake timed out"),
                        }
                    }
                }
            });
        }
    }

    /// The session id in the request's cookie for this node.
    fn session_id<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let cookie = headers.get(header::COOKIE)?.to_str().ok()?;
        cookie
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == self.cookie)
            .map(|(_, v)| v)
    }

    /// The member signed in by the request's session cookie; the session's
    /// idle clock starts again.
    fn session(&self, headers: &HeaderMap) -> Option<MemberId> {
        self.session_of(headers).map(|(member, _)| member)
    }

    /// The session's member and, for a partner organisation, its id.
    fn session_of(&self, headers: &HeaderMap) -> Option<(MemberId, Option<String>)> {
        let id = self.session_id(headers)?;
        let now = Instant::now();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match sessions.open.get_mut(id) {
            Some(session) if session.live(now) => {
                session.seen = now;
                Some((session.member.clone(), session.partner.clone()))
            }
            Some(_) => {
                sessions.open.remove(id);
                None
            }
            None => None,
        }
    }

    /// The `Set-Cookie` value for `value`, living `max_age`.
    fn cookie_header(&self, value: &str, max_age: Duration) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            self.cookie,
            max_age.as_secs()
        ))
        .ok()
    }

    /// The `Set-Cookie` value that remembers the language `lang` for a year.
    fn lang_cookie(&self, lang: &str) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={lang}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}"
        ))
        .ok()
    }

    /// Checks a sign-in link and opens a session; the session id, or why not.
    fn sign_in(&self, token: &str) -> Result<(MemberId, String), String> {
        let (login, statement, signature) = Login::parse(token).map_err(|e| e.to_string())?;
        let manifest = self
            .manifest
            .as_ref()
            .ok_or("a standalone node has no federation members to sign in")?
            .current();
        let key = match &login.partner {
            // A partner reads its own member's node, with the key its member
            // registered (and has not retired) in the log this node holds.
            Some(partner) if login.member != self.member => {
                return Err(format!(
                    "{} is a partner of {}: it signs in to {}'s node, not {}'s",
                    login.signer(),
                    login.member,
                    login.member,
                    self.member
                ));
            }
            Some(partner) => self.view.partner_key(partner)?,
            // Coordinators and auditors at any node; a node member (its
            // operator) at its own.
            None => self.reader_key(&manifest, &login.member)?,
        };
        let now = unix_now();
        login
            .check(&statement, &signature, &key, &self.member, now)
            .map_err(|e| e.to_string())?;
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.used.retain(|_, expires| *expires > now);
        if sessions.used.insert(login.nonce, login.expires).is_some() {
            return Err("this link was used already; ask for a new one".into());
        }
        let id = hex::encode(rand::random::<[u8; 32]>());
        let began = Instant::now();
        sessions.open.retain(|_, session| session.live(began));
        sessions.open.insert(
            id.clone(),
            Session {
                member: login.member.clone(),
                partner: login.partner.clone(),
                began,
                seen: began,
            },
        );
        tracing::info!(member = %login.signer(), "dashboard sign-in");
        Ok((login.member, id))
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    token: String,
    #[serde(default)]
    next: String,
}

/// `next` when it is a page of this dashboard with at most a plain query
/// (`/workplan?item=KH-6`), else the overview: never another site.
fn local_page(next: &str) -> &str {
    let (path, query) = next.split_once('?').unwrap_or((next, ""));
    // The public page's paths are the dashboard's under /public.
    let path = match path.strip_prefix("/public") {
        Some("") => "/",
        Some(rest) => rest,
        None => path,
    };
    let plain = query
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"=&-_.".contains(&b));
    match path {
        "/" | "/recommendations" | "/workplan" | "/pilots" | "/workshops" | "/partners"
        | "/network" | "/inbox" | "/mynode"
            if plain =>
        {
            next
        }
        _ => "/",
    }
}

/// The language of a request: the reader's choice (the switch's cookie),
/// else the browser's `Accept-Language`, else English.
fn lang_of(headers: &HeaderMap) -> &'static str {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .map(|(_, v)| v);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    labels::negotiate(chosen, accept)
}

/// A page the node writes itself (sign-in, sign-out): `message`, then the
/// command that gives a sign-in link.
fn small_page(lang: &str, title: &str, message: &str, hint_id: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><meta charset=\"utf-8\"><title>remedy-net: {}</title><p>{}</p><p>{} <code>remedy --dir YOUR_FOLDER dashboard</code></p></html>",
        escape(title),
        escape(message),
        escape(&labels::ui(lang, hint_id, &[]).text),
    ))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    set: String,
    #[serde(default)]
    next: String,
}

/// The language switch: remembers `set` in a cookie and goes back to the page.
async fn choose_lang(State(http): State<Http>, Query(q): Query<LangQuery>) -> Response {
    let Some((lang, _)) = labels::LANGUAGE_NAMES.iter().find(|(l, _)| *l == q.set) else {
        let known: Vec<&str> = labels::LANGUAGE_NAMES.iter().map(|(l, _)| *l).collect();
        return (
            StatusCode::BAD_REQUEST,
            format!(
                "unknown language {:?}; use one of {}\n",
                q.set,
                known.join(", ")
            ),
        )
            .into_response();
    };
    let mut response = Redirect::to(local_page(&q.next)).into_response();
    if let Some(value) = http.lang_cookie(lang) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The dashboard's words in the request's language: `lang`, the `languages`
/// to switch to, `strings` (message id to template), `fallback` (ids shown in
/// English), `labels` (code list to code to label) and `labels_fallback`.
async fn api_i18n(headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let (strings, fallback) = labels::ui_strings(lang);
    let mut lists = serde_json::Map::new();
    let mut labels_fallback = Vec::new();
    for (list, codes) in labels::lists() {
        let mut shown = serde_json::Map::new();
        for code in codes {
            let l = labels::label(lang, list, code);
            if l.lang != lang {
                labels_fallback.push(format!("{list}-{code}"));
            }
            shown.insert(code.to_string(), l.text.into());
        }
        lists.insert(list.to_string(), shown.into());
    }
    let languages: Vec<serde_json::Value> = labels::LANGUAGE_NAMES
        .iter()
        .map(|(code, name)| serde_json::json!({"code": code, "name": name}))
        .collect();
    let body = serde_json::json!({
        "lang": lang,
        "languages": languages,
        "strings": strings,
        "fallback": fallback,
        "labels": lists,
        "labels_fallback": labels_fallback,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn login(
    State(http): State<Http>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let lang = lang_of(&headers);
    match http.sign_in(&q.token) {
        Ok((_, session)) => {
            let mut response = Redirect::to(local_page(&q.next)).into_response();
            if let Some(value) = http.cookie_header(&session, SESSION_MAX) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(reason) => (
            StatusCode::FORBIDDEN,
            small_page(
                lang,
                "not signed in",
                &labels::ui(lang, "ui-signin-refused", &[("reason", &reason)]).text,
                "ui-signin-new-link",
            ),
        )
            .into_response(),
    }
}

/// Ends the request's session, if any, and clears its cookie.
async fn logout(State(http): State<Http>, headers: HeaderMap) -> Response {
    if let Some(id) = http.session_id(&headers) {
        let mut sessions = http.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(session) = sessions.open.remove(id) {
            tracing::info!(member = %session.member, "dashboard sign-out");
        }
    }
    let lang = lang_of(&headers);
    let mut response = small_page(
        lang,
        "signed out",
        &labels::ui(lang, "ui-signed-out", &[]).text,
        "ui-signin-new-link",
    )
    .into_response();
    if let Some(value) = http.cookie_header("", Duration::ZERO) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Adds [`SECURITY_HEADERS`] to an answer.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Whether a `/metrics` request may read: the operator's bearer token, a
/// dashboard session, or (without a token configured) a loopback client.
fn may_scrape(http: &Http, headers: &HeaderMap, peer: Option<Peer>) -> bool {
    if let Some(token) = &http.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(sent) = sent {
            // Constant time in the token's length.
            let same = sent.len() == token.len()
                && sent
                    .bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
            if same {
                return true;
            }
        }
    } else if peer.is_some_and(|Peer(addr)| addr.ip().is_loopback()) {
        return true;
    }
    http.dashboard && http.session(headers).is_some()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn not_signed_in(headers: &HeaderMap) -> Response {
    let lang = lang_of(headers);
    (
        StatusCode::UNAUTHORIZED,
        small_page(
            lang,
            "sign in",
            &labels::ui(lang, "ui-signin-needed", &[]).text,
            "ui-signin-link",
        ),
    )
        .into_response()
}

/// Lets a request through only with a live session.
async fn require_session(
    State(http): State<Http>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if http.session(request.headers()).is_none() {
        return not_signed_in(request.headers());
    }
    next.run(request).await
}

async fn page() -> Html<&'static str> {
    Html(INDEX)
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// Answers a `View` service reply's JSON, or its error as an HTTP one.
fn view_json(answer: Result<tonic::Response<pb::ViewReply>, tonic::Status>) -> Response {
    json(answer.map(|r| r.into_inner().json))
}

/// Answers JSON, or the gRPC error as an HTTP one.
fn json(answer: Result<String, tonic::Status>) -> Response {
    match answer {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(status) => {
            let code = match status.code() {
                tonic::Code::InvalidArgument | tonic::Code::OutOfRange => StatusCode::BAD_REQUEST,
                tonic::Code::NotFound => StatusCode::NOT_FOUND,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (code, status.message().to_string()).into_response()
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct StatsQuery {
    table: String,
    from: String,
    to: String,
    row: String,
    column: String,
}

impl StatsQuery {
    /// The period range asked for; every quarter this century when none is.
    fn range(&self) -> (String, String) {
        if self.from.is_empty() {
            ("2000-Q1".into(), "2099-Q4".into())
        } else {
            (self.from.clone(), self.to.clone())
        }
    }
}

async fn api_stats(State(http): State<Http>, Query(q): Query<StatsQuery>) -> Response {
    let (from_period, to_period) = q.range();
    let request = pb::StatsRequest {
        table: q.table,
        from_period,
        to_period,
        ..Default::default()
    };
    view_json(http.view.stats(tonic::Request::new(request)).await)
}

async fn api_series(State(http): State<Http>, Query(q): Query<StatsQuery>) -> Response {
    let (from_period, to_period) = q.range();
    let request = pb::SeriesRequest {
        table: q.table,
        from_period,
        to_period,
        row: q.row,
        column: q.column,
        ..Default::default()
    };
    view_json(http.view.series(tonic::Request::new(request)).await)
}

async fn api_recommendations(State(http): State<Http>, headers: HeaderMap) -> Response {
    let filter = pb::PlanFilter {
        lang: lang_of(&headers).to_string(),
        ..Default::default()
    };
    view_json(http.view.recommendations(tonic::Request::new(filter)).await)
}

#[derive(Debug, Deserialize)]
struct WorkplanQuery {
    /// One item's id; empty for all.
    #[serde(default)]
    item: String,
    /// YYYY-MM-DD; empty for today.
    #[serde(default)]
    as_of: String,
}

async fn api_workplan(
    State(http): State<Http>,
    headers: HeaderMap,
    Query(q): Query<WorkplanQuery>,
) -> Response {
    let filter = pb::PlanFilter {
        id: q.item,
        as_of: q.as_of,
        lang: lang_of(&headers).to_string(),
        ..Default::default()
    };
    view_json(http.view.workplan(tonic::Request::new(filter)).await)
}

async fn api_pilots(State(http): State<Http>, headers: HeaderMap) -> Response {
    let filter = pb::PlanFilter {
        lang: lang_of(&headers).to_string(),
        ..Default::default()
    };
    view_json(http.view.pilots(tonic::Request::new(filter)).await)
}

async fn api_partners(State(http): State<Http>) -> Response {
    view_json(
        http.view
            .partners(tonic::Request::new(pb::PlanFilter::default()))
            .await,
    )
}

async fn api_workshops(State(http): State<Http>, headers: HeaderMap) -> Response {
    let filter = pb::PlanFilter {
        lang: lang_of(&headers).to_string(),
        ..Default::default()
    };
    view_json(http.view.workshops(tonic::Request::new(filter)).await)
}

/// Who is signed in, and whether it is this node's operator.
async fn api_me(State(http): State<Http>, headers: HeaderMap) -> Response {
    let Some(member) = http.session(&headers) else {
        return not_signed_in(&headers);
    };
    let body = serde_json::json!({
        "member": member.as_str(),
        "node": http.member.as_str(),
        "operator": http.operator_session(&headers).is_some(),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct MyNodeQuery {
    /// A period this node released; empty for its latest.
    #[serde(default)]
    period: String,
    /// A period to dry-run; none when empty (the page links the next one).
    #[serde(default)]
    preview: String,
}

/// Imports listed on the operator's page.
const IMPORTS_SHOWN: usize = 20;

/// The operator's own side (`/mynode`): this node's releases, and for one of
/// them what it held back and why, recomputed from the private log. For this
/// node's own member only: the figures held back are small counts that never
/// leave the node; a coordinator, an auditor or a partner gets 403.
async fn api_mynode(
    State(http): State<Http>,
    headers: HeaderMap,
    Query(q): Query<MyNodeQuery>,
) -> Response {
    if http.session(&headers).is_none() {
        return not_signed_in(&headers);
    }
    if http.operator_session(&headers).is_none() {
        return (
            StatusCode::FORBIDDEN,
            format!(
                "only {}'s operator sees this page: it shows what {}'s releases held back\n",
                http.member, http.member
            ),
        )
            .into_response();
    }
    let Some(releases) = &http.releases else {
        return (StatusCode::NOT_FOUND, "this node serves no releases\n").into_response();
    };
    let released: Vec<(String, u64)> = http
        .releases_of(vec![http.member.to_string()])
        .await
        .into_iter()
        .map(|r| (r.period, r.revision))
        .collect();
    let chosen = if q.period.is_empty() {
        released.last().map(|(p, _)| p.clone())
    } else {
        Some(q.period.clone())
    };
    let attested = match chosen.as_deref().map(remedy_core::tables::Period::parse) {
        None => serde_json::Value::Null,
        Some(None) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("{:?} is not a period\n", q.period),
            )
                .into_response();
        }
        Some(Some(period)) => match releases.attest(period, None).await {
            Ok(a) => serde_json::json!({
                "period": period.to_string(),
                "revision": a.release.revision,
                "seq": a.seq,
                "cases": a.cases,
                "differences": a.differences,
                "held_back": a.held_back,
            }),
            Err(e) => serde_json::json!({ "period": period.to_string(), "error": e.to_string() }),
        },
    };
    // The next release, computed as `remedy publish --dry-run` would (the
    // federation's threshold, suppression): what would leave, what not.
    let latest = released
        .iter()
        .filter_map(|(p, _)| remedy_core::tables::Period::parse(p))
        .max_by_key(|p| p.last_day());
    let next = latest.and_then(|p| p.next());
    // Computed on request (`?preview=P`, the page's link): a dry run reads
    // every case.
    let preview = if q.preview.is_empty() {
        None
    } else {
        match remedy_core::tables::Period::parse(&q.preview) {
            Some(p) => Some(p),
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("{:?} is not a period (2024-Q4, 2024-07, 2024)\n", q.preview),
                )
                    .into_response();
            }
        }
    };
    let dry_run = match preview {
        None => serde_json::Value::Null,
        Some(period) => {
            let request = crate::releases::Request {
                period,
                threshold: None,
                epsilon: None,
                dry_run: true,
                allow_empty: true,
                accept_noise: false,
            };
            let answer = match crate::releases::release_rules(http.manifest.as_deref()) {
                Ok(rules) => releases
                    .publish(request, rules)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match answer {
                Ok(p) => serde_json::json!({
                    "period": period.to_string(),
                    "revision": p.release.revision,
                    "private_seq": p.release.source.private_seq,
                    "threshold": p.release.rules.threshold,
                    "tables": p.release.tables.iter().map(|t| {
                        let figures = t.figures();
                        serde_json::json!({
                            "name": t.name,
                            "total": t.total,
                            "figures": figures.len(),
                            "withheld": figures.iter().filter(|f| f.is_none()).count(),
                        })
                    }).collect::<Vec<_>>(),
                    "held_back": p.held_back,
                }),
                Err(e) => serde_json::json!({ "period": period.to_string(), "error": e }),
            }
        }
    };
    let imports = match releases.imports(IMPORTS_SHOWN).await {
        Ok(list) => serde_json::json!(list),
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    };
    let body = serde_json::json!({
        "node": http.member.as_str(),
        "imports": imports,
        "next": next.map(|p| p.to_string()),
        "dry_run": dry_run,
        "releases": released
            .iter()
            .map(|(p, r)| serde_json::json!({ "period": p, "revision": r }))
            .collect::<Vec<_>>(),
        "attested": attested,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct InboxQuery {
    /// Where the reader last looked: `KH:12,ID:40` (each origin's height
    /// seen); absent on a first look, when every event is new.
    seen: Option<String>,
}

/// What awaits the signed-in party (`remedy_core::inbox`): a node member's
/// own items, a coordinator's or auditor's region; with what this node
/// refused and a failed audit; and what peers signed since `?seen=`.
async fn api_inbox(
    State(http): State<Http>,
    headers: HeaderMap,
    Query(q): Query<InboxQuery>,
) -> Response {
    let Some(member) = http.session(&headers) else {
        return not_signed_in(&headers);
    };
    let mut cursor = remedy_core::inbox::Cursor::new();
    for part in q
        .seen
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|p| !p.is_empty())
    {
        match part
            .split_once(':')
            .and_then(|(o, h)| Some((o, h.parse::<u64>().ok()?)))
        {
            Some((origin, height)) => {
                cursor.insert(origin.to_string(), height);
            }
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("seen={part:?}: expected ORIGIN:HEIGHT, comma-separated\n"),
                )
                    .into_response();
            }
        }
    }
    // The operator's own inbox; a partner organisation's or a coordinator's
    // is the region's (all of it from the shared log).
    let is_node = http.operator_session(&headers).as_ref() == Some(&member);
    let filter = pb::PlanFilter {
        lang: lang_of(&headers).to_string(),
        ..Default::default()
    };
    let items = match http.view.workplan(tonic::Request::new(filter)).await {
        Ok(r) => r.into_inner().json,
        Err(s) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, s.message().to_string()).into_response();
        }
    };
    let Ok(items) = serde_json::from_str::<Vec<remedy_core::workplan::ItemView>>(&items) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the work plan did not read",
        )
            .into_response();
    };
    let party = is_node.then(|| member.to_string());
    let mut entries = remedy_core::inbox::awaited(&items, party.as_deref());
    let mut new = Vec::new();
    let mut heights = remedy_core::inbox::Cursor::new();
    if let Ok(status) = http
        .federation
        .status(tonic::Request::new(pb::StatusRequest {}))
        .await
    {
        let status = status.into_inner();
        let mut budget = crate::grpc::NEW_EVENTS_READ;
        for o in &status.origins {
            heights.insert(o.origin.clone(), o.height);
            let seen = cursor.get(&o.origin).copied().unwrap_or(0);
            if party.as_deref() == Some(o.origin.as_str()) || o.height <= seen {
                continue;
            }
            let Ok(origin) = MemberId::new(o.origin.as_str()) else {
                continue;
            };
            if budget == 0 {
                let mut entry =
                    remedy_core::inbox::new_events(&o.origin, seen, o.height, &Default::default());
                entry.what.push_str("(not counted)");
                new.push(entry);
                continue;
            }
            match http.view.signed_since(origin, seen, budget).await {
                Ok((last, kinds)) => {
                    budget = budget.saturating_sub((last - seen) as usize);
                    let mut entry = remedy_core::inbox::new_events(&o.origin, seen, last, &kinds);
                    if last < o.height {
                        entry.what.push_str(&format!(
                            " (counted up to {last}; {} more not counted)",
                            o.height - last
                        ));
                    }
                    new.push(entry);
                }
                Err(s) => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, s.message().to_string())
                        .into_response();
                }
            }
        }
        entries.extend(remedy_core::inbox::node_entries(
            &status.member,
            party.as_deref(),
            status
                .rejected
                .iter()
                .map(|r| (r.count, r.reason.as_str(), r.last.as_str())),
            &status.last_audit,
        ));
    }
    let body = serde_json::json!({
        "party": party.unwrap_or_else(|| "region".into()),
        "member": member.as_str(),
        "entries": entries,
        "new": new,
        "first_look": q.seen.is_none(),
        "heights": heights,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The network as this node sees it: members, peers, heights and lag, rejected
/// events, forks, equivocations, and the last audit recorded here.
async fn api_network(State(http): State<Http>) -> Response {
    let status = match http
        .federation
        .status(tonic::Request::new(pb::StatusRequest {}))
        .await
    {
        Ok(s) => s.into_inner(),
        Err(e) => return json(Err(e)),
    };
    let members: Vec<serde_json::Value> = http
        .manifest
        .as_ref()
        .map(|m| {
            m.current()
                .body
                .members
                .iter()
                .map(|m| serde_json::json!({"id": m.id, "name": m.name, "role": m.role.to_string(), "endpoint": m.endpoint}))
                .collect()
        })
        .unwrap_or_default();
    let value = serde_json::json!({
        "node": status.member,
        "manifest_version": status.manifest_version,
        "members": members,
        "peers": status.peers.iter().map(|p| serde_json::json!({
            "member": p.member, "endpoint": p.endpoint, "state": p.state, "last_error": p.last_error,
        })).collect::<Vec<_>>(),
        "origins": status.origins.iter().map(|o| serde_json::json!({
            "origin": o.origin, "height": o.height, "best_known": o.best_known, "lag": o.lag, "halted": o.halted,
        })).collect::<Vec<_>>(),
        "rejected": status.rejected.iter().map(|r| serde_json::json!({
            "reason": r.reason, "count": r.count, "last": r.last,
        })).collect::<Vec<_>>(),
        "forks": status.forks.iter().map(|f| serde_json::json!({
            "origin": f.origin, "seq": f.seq, "peer": f.peer,
        })).collect::<Vec<_>>(),
        "equivocations": status.equivocations,
        "audit": status.last_audit,
    });
    json(Ok(value.to_string()))
}

/// Prometheus text exposition format, version 0.0.4.
async fn metrics(
    State(http): State<Http>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
) -> Response {
    use std::fmt::Write as _;
    if !may_scrape(&http, &headers, peer.map(|p| p.0)) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "/metrics needs the bearer token of [http] metrics_token_file, or a dashboard session; without a token file it answers loopback clients only\n",
        )
            .into_response();
    }
    let status = http
        .federation
        .status(tonic::Request::new(pb::StatusRequest {}))
        .await
        .map(|s| s.into_inner())
        .unwrap_or_default();
    let mut out = String::new();
    fn family(out: &mut String, name: &str, kind: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
    family(
        &mut out,
        "remedy_appended_events_total",
        "counter",
        "Events in this node's own shared log.",
    );
    let _ = writeln!(
        out,
        "remedy_appended_events_total{{log=\"shared\"}} {}",
        http.heads.get(&http.member)
    );
    family(
        &mut out,
        "remedy_held_events",
        "gauge",
        "Events held of each origin's shared log.",
    );
    for o in &status.origins {
        let _ = writeln!(
            out,
            "remedy_held_events{{origin=\"{}\"}} {}",
            escape_label(&o.origin),
            o.height
        );
    }
    family(
        &mut out,
        "remedy_replication_lag_events",
        "gauge",
        "Events of each origin a peer announced that this node does not hold yet.",
    );
    for o in &status.origins {
        let _ = writeln!(
            out,
            "remedy_replication_lag_events{{origin=\"{}\"}} {}",
            escape_label(&o.origin),
            o.lag
        );
    }
    family(
        &mut out,
        "remedy_rejected_events_total",
        "counter",
        "Received events refused, by reason.",
    );
    for r in &status.rejected {
        let _ = writeln!(
            out,
            "remedy_rejected_events_total{{reason=\"{}\"}} {}",
            escape_label(&r.reason),
            r.count
        );
    }
    family(
        &mut out,
        "remedy_forks",
        "gauge",
        "Origins found signing two histories.",
    );
    let _ = writeln!(out, "remedy_forks {}", status.forks.len());
    family(
        &mut out,
        "remedy_equivocations",
        "gauge",
        "Checkpoints kept as evidence of a member showing different histories.",
    );
    let _ = writeln!(out, "remedy_equivocations {}", status.equivocations.len());
    family(
        &mut out,
        "remedy_peers_connected",
        "gauge",
        "Peers this node follows that are connected now.",
    );
    let connected = status
        .peers
        .iter()
        .filter(|p| p.state == "connected")
        .count();
    let _ = writeln!(out, "remedy_peers_connected {connected}");
    family(
        &mut out,
        "remedy_follow_sent_bytes_total",
        "counter",
        "Bytes of replication pages (Log.Follow) sent to followers, as encoded protobuf (before gRPC framing and TLS).",
    );
    let _ = writeln!(
        out,
        "remedy_follow_sent_bytes_total {}",
        http.metrics
            .follow_sent_bytes
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    let methods = http
        .metrics
        .methods
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    family(
        &mut out,
        "remedy_grpc_requests_total",
        "counter",
        "gRPC requests served, by method and status code.",
    );
    for (name, m) in &methods {
        let name = escape_label(name);
        for (code, n) in &m.codes {
            let code = escape_label(code);
            let _ = writeln!(
                out,
                "remedy_grpc_requests_total{{method=\"{name}\",code=\"{code}\"}} {n}"
            );
        }
    }
    family(
        &mut out,
        "remedy_grpc_request_duration_seconds",
        "histogram",
        "Time from a gRPC request to its response headers.",
    );
    for (name, m) in &methods {
        let name = escape_label(name);
        for (bound, n) in BUCKETS.iter().zip(m.buckets) {
            let _ = writeln!(
                out,
                "remedy_grpc_request_duration_seconds_bucket{{method=\"{name}\",le=\"{bound}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "remedy_grpc_request_duration_seconds_bucket{{method=\"{name}\",le=\"+Inf\"}} {}\nremedy_grpc_request_duration_seconds_sum{{method=\"{name}\"}} {}\nremedy_grpc_request_duration_seconds_count{{method=\"{name}\"}} {}",
            m.count, m.sum, m.count
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// The TLS acceptor for `[http] tls_cert` and `tls_key` (paths relative to the
/// node folder `dir`): the key must be private, the certificate chain PEM;
/// HTTP/1.1 only. `None` when they are not set.
pub fn tls_acceptor(
    dir: &std::path::Path,
    config: &remedy_client::config::HttpConfig,
) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) else {
        return Ok(None);
    };
    let (cert, key) = (dir.join(cert), dir.join(key));
    remedy_client::keyfile::check_private(&key).map_err(|e| format!("[http] tls_key: {e}"))?;
    let certs = CertificateDer::pem_file_iter(&cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("[http] tls_cert {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "[http] tls_cert {}: no certificate in it",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&key)
        .map_err(|e| format!("[http] tls_key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("[http] tls_cert and tls_key: {e}"))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(server))))
}

/// A bearer token from `[http] metrics_token_file` (relative to the node folder
/// `dir`): a private file holding at least 16 characters.
pub fn metrics_token(
    dir: &std::path::Path,
    config: &remedy_client::config::HttpConfig,
) -> Result<Option<String>, String> {
    let Some(file) = &config.metrics_token_file else {
        return Ok(None);
    };
    let path = dir.join(file);
    remedy_client::keyfile::check_private(&path)
        .map_err(|e| format!("[http] metrics_token_file: {e}"))?;
    let token = std::fs::read_to_string(&path)
        .map_err(|e| format!("[http] metrics_token_file {}: {e}", path.display()))?
        .trim()
        .to_string();
    if token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "[http] metrics_token_file {}: the token must be at least 16 printable characters without spaces",
            path.display()
        ));
    }
    Ok(Some(token))
}

/// Binds the HTTP listener; an error names the address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session ends 30 minutes after its last request, and 8 hours after
    /// sign-in however busy it is.
    #[test]
    fn every_message_the_dashboard_uses_is_in_the_fluent_files() {
        let known = labels::ui_ids();
        let mut used = 0;
        for source in [SCRIPT, INDEX] {
            for quoted in source.split('"').skip(1).step_by(2) {
                if quoted.starts_with("ui-") && !quoted.ends_with('-') {
                    assert!(
                        known.contains(&quoted),
                        "{quoted} is in no ui-en.ftl message"
                    );
                    used += 1;
                }
            }
        }
        assert!(used > 150, "{used}");
        // The ones the script builds from a code.
        for prefix in ["ui-status-", "ui-change-"] {
            assert!(known.iter().any(|id| id.starts_with(prefix)), "{prefix}");
        }
    }

    #[test]
    fn sessions_end_when_idle_and_at_most_after_eight_hours() {
        let began = Instant::now();
        let mut session = Session {
            member: MemberId::new("ILO").expect("member"),
            partner: None,
            began,
            seen: began,
        };
        assert!(session.live(began + Duration::from_secs(29 * 60)));
        assert!(!session.live(began + Duration::from_secs(31 * 60)));
        session.seen = began + Duration::from_secs(7 * 3600 + 50 * 60);
        assert!(session.live(began + Duration::from_secs(7 * 3600 + 59 * 60)));
        assert!(!session.live(began + Duration::from_secs(8 * 3600 + 60)));
    }

    #[test]
    fn label_values_are_escaped_as_the_text_format_says() {
        assert_eq!(escape_label("KH"), "KH");
        assert_eq!(escape_label("/\\"), "/\\\\");
        assert_eq!(escape_label("/x\",member=\"JP"), "/x\\\",member=\\\"JP");
        assert_eq!(escape_label("a\nb"), "a\\nb");
    }

    #[test]
    fn only_served_methods_get_a_label_of_their_own() {
        for served in [
            "/remedy.v1.Log/Follow",
            "/remedy.v1.Admin/Append",
            "/remedy.v1.Federation/Status",
            "/grpc.health.v1.Health/Check",
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        ] {
            assert_eq!(method_label(served), served);
        }
        for junk in ["/\\", "/x\",member=\"JP", "/remedy.v1.Log/Nope", "", "/"] {
            assert_eq!(method_label(junk), OTHER_METHOD, "{junk}");
        }
        assert_eq!(code_label("0"), "0");
        assert_eq!(code_label("16"), "16");
        assert_eq!(code_label("17"), OTHER_CODE);
        assert_eq!(code_label("01"), OTHER_CODE);
        assert_eq!(code_label("x\"y"), OTHER_CODE);
    }

    #[test]
    fn junk_paths_add_one_series_not_one_each() {
        let metrics = Metrics::default();
        for i in 0..1000 {
            metrics.record(&format!("/junk/{i}"), "12", Duration::from_millis(1));
        }
        metrics.record("/remedy.v1.Log/Head", "0", Duration::from_millis(1));
        let methods = metrics.methods.lock().expect("not poisoned");
        assert_eq!(
            methods.keys().map(String::as_str).collect::<Vec<_>>(),
            ["/remedy.v1.Log/Head", OTHER_METHOD]
        );
        assert_eq!(methods[OTHER_METHOD].count, 1000);
    }
}
