//! The dashboard's HTTP side as a browser and an attacker next to it see it
//! (issue 17, point 9): security headers on every answer, a session cookie per
//! port (two nodes on one host), sign-out, HTTPS with the configured
//! certificate (and a `Secure` cookie), `/metrics` only with the token, a
//! session or from loopback, and no plain HTTP on a network address unless the
//! operator says so.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use remedy_client::config::HttpConfig;
use remedy_tests::http::{Answer, cookie_pair, exchange, http, serve_http};
use remedy_tests::{NodeDir, bootstrap, free_addr, path_arg, remedy};

/// Accepts exactly one certificate: the node's own, which the reader pins.
#[derive(Debug)]
struct Pinned(rustls::pki_types::CertificateDer<'static>);

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_ref() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("not the pinned certificate".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        algorithms().supported_schemes()
    }
}

fn algorithms() -> rustls::crypto::WebPkiSupportedAlgorithms {
    rustls::crypto::ring::default_provider().signature_verification_algorithms
}

async fn https(
    addr: SocketAddr,
    cert: &std::path::Path,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<Answer> {
    use rustls::pki_types::pem::PemObject as _;
    let pinned = rustls::pki_types::CertificateDer::from_pem_file(cert)?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(Pinned(pinned)))
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost")?;
    let tls = connector.connect(name, tcp).await?;
    exchange(tls, method, target, headers).await
}

/// The path and query of a sign-in link printed by `remedy dashboard`.
fn sign_in_link(coordinator: &std::path::Path, node: SocketAddr) -> anyhow::Result<String> {
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path_arg(coordinator),
        "--node",
        &node.to_string(),
        "dashboard",
    ])?;
    anyhow::ensure!(ok, "{stderr}");
    Ok(stdout.trim().to_string())
}

fn assert_security_headers(a: &Answer, what: &str) {
    let csp = a.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'"),
        "{what}: {a:?}"
    );
    assert_eq!(a.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        a.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(a.header("cache-control"), Some("no-store"), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_closed_to_everyone_but_its_signed_in_readers() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &["--coordinator", "ILO"])?;
    // KH: plain HTTP on loopback. VN: HTTPS with its own node certificate, and
    // a metrics token.
    let token = "a-scrape-token-of-some-length-42";
    let token_file = fed.join("VN").join("metrics.token");
    std::fs::write(&token_file, token)?;
    std::fs::set_permissions(
        &token_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )?;
    let kh_http = serve_http(&fed.join("KH"), "")?;
    let vn_http = serve_http(
        &fed.join("VN"),
        "tls_cert = \"tls.crt\"\ntls_key = \"tls.key\"\nmetrics_token_file = \"metrics.token\"\n",
    )?;
    let (kh, vn) = (
        NodeDir::open(&fed.join("KH"))?,
        NodeDir::open(&fed.join("VN"))?,
    );
    let _kh_node = kh.start().await?;
    let _vn_node = vn.start().await?;
    let vn_cert = fed.join("VN").join("tls.crt");

    // Every answer carries the headers, a refusal as much as a page.
    let refused = http(kh_http, "GET", "/", &[]).await?;
    assert_eq!(refused.status, 401);
    assert_security_headers(&refused, "GET / without a session");
    let script = http(kh_http, "GET", "/assets/app.js", &[]).await?;
    assert_eq!(script.status, 200);
    assert_security_headers(&script, "the script");

    // Sign in at KH: the cookie is named after KH's port, lasts 8 hours at
    // most, is HttpOnly and SameSite=Strict, and (plain HTTP) not Secure.
    let link = sign_in_link(&fed.join("ILO"), kh.addr)?;
    let target = link
        .strip_prefix(&format!("http://{kh_http}"))
        .ok_or_else(|| anyhow::anyhow!("{link}"))?;
    let signed_in = http(kh_http, "GET", target, &[]).await?;
    assert_eq!(signed_in.status, 303, "{signed_in:?}");
    let set = signed_in
        .header("set-cookie")
        .unwrap_or_default()
        .to_string();
    assert!(
        set.starts_with(&format!("remedy_session_{}=", kh_http.port()))
            && set.contains("HttpOnly")
            && set.contains("SameSite=Strict")
            && set.contains("Max-Age=28800")
            && !set.contains("Secure"),
        "{set}"
    );
    let kh_cookie = cookie_pair(&set);
    let page = http(kh_http, "GET", "/", &[("Cookie", &kh_cookie)]).await?;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("action=\"/logout\""),
        "a sign-out button"
    );

    // VN over HTTPS: its link says https, its cookie is Secure and named after
    // its own port, so signing in there leaves KH's session alone.
    let link = sign_in_link(&fed.join("ILO"), vn.addr)?;
    let target = link
        .strip_prefix(&format!("https://{vn_http}"))
        .ok_or_else(|| anyhow::anyhow!("an https link: {link}"))?;
    let signed_in = https(vn_http, &vn_cert, "GET", target, &[]).await?;
    assert_eq!(signed_in.status, 303, "{signed_in:?}");
    let set = signed_in
        .header("set-cookie")
        .unwrap_or_default()
        .to_string();
    assert!(
        set.starts_with(&format!("remedy_session_{}=", vn_http.port())) && set.contains("; Secure"),
        "{set}"
    );
    let vn_cookie = cookie_pair(&set);
    let both = format!("{kh_cookie}; {vn_cookie}");
    let page = https(vn_http, &vn_cert, "GET", "/", &[("Cookie", &both)]).await?;
    assert_eq!(page.status, 200);
    assert_security_headers(&page, "a page over HTTPS");
    let page = http(kh_http, "GET", "/", &[("Cookie", &both)]).await?;
    assert_eq!(page.status, 200, "KH's session outlives a sign-in at VN");
    // KH's session id is worth nothing at VN.
    let moved = kh_cookie.replace(
        &format!("remedy_session_{}", kh_http.port()),
        &format!("remedy_session_{}", vn_http.port()),
    );
    let page = https(vn_http, &vn_cert, "GET", "/", &[("Cookie", &moved)]).await?;
    assert_eq!(page.status, 401);
    // Plain HTTP to the HTTPS port gets no page.
    assert!(http(vn_http, "GET", "/", &[]).await.is_err_or_not_ok());

    // /metrics: loopback without a token configured (KH); with one (VN), only
    // the token or a session.
    assert_eq!(http(kh_http, "GET", "/metrics", &[]).await?.status, 200);
    let bare = https(vn_http, &vn_cert, "GET", "/metrics", &[]).await?;
    assert_eq!(bare.status, 401, "{bare:?}");
    assert!(bare.body.contains("metrics_token_file"), "{bare:?}");
    let wrong = https(
        vn_http,
        &vn_cert,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer a-scrape-token-of-some-length-43")],
    )
    .await?;
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {token}");
    let scraped = https(
        vn_http,
        &vn_cert,
        "GET",
        "/metrics",
        &[("Authorization", &bearer)],
    )
    .await?;
    assert!(
        scraped.status == 200 && scraped.body.contains("remedy_appended_events_total"),
        "{scraped:?}"
    );
    let by_session = https(
        vn_http,
        &vn_cert,
        "GET",
        "/metrics",
        &[("Cookie", &vn_cookie)],
    )
    .await?;
    assert_eq!(by_session.status, 200);

    // Sign out: the cookie is cleared and the session is gone at the node.
    let out = http(kh_http, "POST", "/logout", &[("Cookie", &kh_cookie)]).await?;
    assert_eq!(out.status, 200);
    assert!(
        out.header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "{out:?}"
    );
    let after = http(kh_http, "GET", "/", &[("Cookie", &kh_cookie)]).await?;
    assert_eq!(after.status, 401, "the old cookie opens nothing");
    Ok(())
}

/// A refusal or a connection that breaks: either way no page.
trait NoPage {
    fn is_err_or_not_ok(&self) -> bool;
}

impl NoPage for anyhow::Result<Answer> {
    fn is_err_or_not_ok(&self) -> bool {
        !matches!(self, Ok(a) if a.status == 200)
    }
}

#[tokio::test]
async fn plain_http_on_a_network_address_needs_the_operators_word() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let port = free_addr().port();
    let open: SocketAddr = format!("0.0.0.0:{port}").parse()?;
    let node = NodeDir::create_with(&tmp.path().join("KH"), "KH", |c| {
        c.http = Some(HttpConfig::new(open));
    })?;
    let log = node.start_expecting_failure()?;
    assert!(
        log.contains("is not a loopback address")
            && log.contains("tls_cert and tls_key")
            && log.contains("plain_http_on_network = true"),
        "{log}"
    );
    // Said explicitly, it serves (and /metrics still answers only loopback).
    let node = NodeDir::create_with(&tmp.path().join("VN"), "VN", |c| {
        let mut config = HttpConfig::new(
            format!("0.0.0.0:{}", free_addr().port())
                .parse()
                .expect("addr"),
        );
        config.plain_http_on_network = true;
        c.http = Some(config);
    })?;
    let mut running = node.start().await?;
    running.wait_serving(Duration::from_secs(10)).await?;
    Ok(())
}
