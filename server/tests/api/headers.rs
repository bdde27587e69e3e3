//! Security headers on pages, API answers and static files; the CSP nonce of each
//! page; the development mailbox only for this machine, on a loopback `Host`.

use crate::helpers::{Database, TestApp};
use crate::on_both_databases;
use purser_server::startup::Settings;

on_both_databases!(
    pages_and_api_answers_carry_the_security_headers,
    every_script_of_a_page_carries_the_nonce_of_its_header,
    dev_mailbox_answers_only_on_a_loopback_host,
    dynamic_answers_are_compressed_above_a_kilobyte,
);

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name} header", res.url()))
        .to_str()
        .unwrap()
}

/// The four headers every response carries; returns the CSP.
fn assert_security_headers(res: &reqwest::Response) -> String {
    assert_eq!(header(res, "x-frame-options"), "DENY", "{}", res.url());
    assert_eq!(header(res, "x-content-type-options"), "nosniff");
    assert_eq!(header(res, "referrer-policy"), "no-referrer");
    let csp = header(res, "content-security-policy").to_owned();
    for directive in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{}: {csp:?} lacks {directive}",
            res.url()
        );
    }
    csp
}

/// The `'nonce-…'` of a page's CSP.
fn csp_nonce(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("the page policy has a nonce") + "'nonce-".len();
    let end = start + csp[start..].find('\'').unwrap();
    csp[start..end].to_owned()
}

/// The opening tag of every `<script` in `html`.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
        .collect()
}

async fn page_policy(res: reqwest::Response) -> (String, String) {
    let csp = assert_security_headers(&res);
    assert!(
        header(&res, "content-type").starts_with("text/html"),
        "{}",
        res.url()
    );
    for directive in [
        "default-src 'none'",
        "'wasm-unsafe-eval'",
        "script-src 'self' 'nonce-",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        // No payment processor's frames: the built-in processor needs none.
        "frame-src 'none'",
    ] {
        assert!(csp.contains(directive), "{csp:?} lacks {directive}");
    }
    assert!(!csp.contains("'unsafe-eval'"), "{csp:?}");
    assert!(
        !csp.contains("'unsafe-inline'"),
        "no inline styles or scripts: {csp:?}"
    );
    assert!(
        !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp:?}"
    );
    let html = res.text().await.unwrap();
    (csp, html)
}

async fn pages_and_api_answers_carry_the_security_headers(app: TestApp) {
    // A page.
    let res = reqwest::get(app.url("/signin")).await.unwrap();
    assert_eq!(res.status(), 200);
    page_policy(res).await;

    // An API answer, an error and a success: no nonce, nothing may load.
    for (path, status) in [("/api/user", 401), ("/api/openapi.json", 200)] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        let csp = assert_security_headers(&res);
        assert!(csp.contains("default-src 'none'"), "{path}: {csp:?}");
        assert!(!csp.contains("nonce-"), "{path}: {csp:?}");
        assert!(!csp.contains("script-src"), "{path}: {csp:?}");
    }

    // A server function's answer.
    let res = app
        .browser
        .post(app.url("/fn/current_user"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(!assert_security_headers(&res).contains("nonce-"));
}

async fn every_script_of_a_page_carries_the_nonce_of_its_header(app: TestApp) {
    let mut seen = Vec::new();
    // Pages with resources to serialize, the not-found page (rendered by the
    // fallback), and the same page twice.
    for path in ["/", "/signin?next=/account/tokens", "/", "/no/such/page"] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        let (csp, html) = page_policy(res).await;
        let nonce = csp_nonce(&csp);
        assert!(nonce.len() >= 22, "at least 128 bits: {nonce:?}");
        let scripts = script_tags(&html);
        assert!(
            !scripts.is_empty(),
            "{path}: the page has its hydration script"
        );
        for tag in &scripts {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: {tag} lacks the header's nonce {nonce}"
            );
        }
        assert!(!seen.contains(&nonce), "{path}: a nonce is used once");
        seen.push(nonce);
    }
}

async fn dev_mailbox_answers_only_on_a_loopback_host(app: TestApp) {
    let port = app.base.rsplit_once(':').unwrap().1.to_owned();
    let client = crate::helpers::client();
    for path in ["/dev/mailbox", "/dev/mailbox.json"] {
        for (host, status) in [
            ("evil.example".to_owned(), 404),
            (format!("evil.example:{port}"), 404),
            (format!("127.0.0.1.evil.example:{port}"), 404),
            (format!("localhost.evil.example:{port}"), 404),
            (format!("127.0.0.1:{port}"), 200),
            (format!("localhost:{port}"), 200),
            ("localhost".to_owned(), 200),
            (format!("[::1]:{port}"), 200),
        ] {
            let res = client
                .get(app.url(path))
                .header("host", &host)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), status, "{path} with Host: {host}");
            assert_security_headers(&res);
            let body = res.text().await.unwrap();
            if status == 404 {
                assert!(!body.contains("Development mailbox"), "{path} {host}");
            }
        }
        // A reverse proxy on this machine connects from loopback and often names
        // 127.0.0.1; what it forwards comes from anywhere.
        for header in [
            "x-forwarded-for",
            "forwarded",
            "x-real-ip",
            "x-forwarded-host",
        ] {
            let res = client
                .get(app.url(path))
                .header("host", format!("127.0.0.1:{port}"))
                .header(header, "for=203.0.113.9")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{path} forwarded with {header}");
        }
    }
}

/// A server listening on every interface, asked through this machine's network address:
/// the peer is not a loopback address, so naming `localhost` in `Host` does not help.
/// (The database plays no part: SQLite only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_mailbox_refuses_other_machines_whatever_host_they_name() {
    let app = TestApp::with(Database::Sqlite, |s| Settings {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..s
    })
    .await;
    let port = app.base.rsplit_once(':').unwrap().1.to_owned();
    let outside = network_address();
    let client = crate::helpers::client();
    for path in ["/dev/mailbox", "/dev/mailbox.json"] {
        for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
            let res = client
                .get(format!("http://{outside}:{port}{path}"))
                .header("host", &host)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{path} from {outside} with Host: {host}");
            assert!(!res.text().await.unwrap().contains("Development mailbox"));
        }
        // The same server still answers this machine.
        let res = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path} from 127.0.0.1");
    }
}

/// This machine's address on its network (the one a route out would leave from; a
/// UDP "connection" sends nothing).
fn network_address() -> std::net::IpAddr {
    for target in ["192.0.2.1:9", "10.255.255.254:9", "8.8.8.8:53"] {
        let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
        if socket.connect(target).is_ok() {
            let ip = socket.local_addr().unwrap().ip();
            if !ip.is_loopback() && !ip.is_unspecified() {
                return ip;
            }
        }
    }
    panic!("this machine has no network address besides loopback to test from");
}

/// A static file (from a site root of its own, as `cargo leptos build` writes one).
async fn a_static_file_carries_the_security_headers(kind: Database) {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/purser.css"), "body { margin: 0 }").unwrap();
    let root = site.path().to_owned();
    let app = TestApp::with(kind, move |s| Settings {
        site_root: root,
        ..s
    })
    .await;
    let res = reqwest::get(app.url("/pkg/purser.css")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/css"));
    let csp = assert_security_headers(&res);
    assert!(csp.contains("default-src 'none'"), "{csp:?}");
    assert!(!csp.contains("nonce-"), "{csp:?}");
    assert_eq!(res.text().await.unwrap(), "body { margin: 0 }");
}

mod static_file {
    use crate::helpers::Database;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_static_file_carries_the_security_headers(Database::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_static_file_carries_the_security_headers(Database::Postgres).await;
    }
}

/// The bundle as the build leaves it: a content-hashed name cached for a year, the
/// precompressed copy the browser accepts sent as it is, a plain name revalidated by
/// its ETag.
async fn hashed_files_are_immutable_and_sent_precompressed(kind: Database) {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let hashed = "purser.0123456789abcdef.css";
    for (name, bytes) in [
        (hashed.to_owned(), "body { margin: 0 }"),
        (format!("{hashed}.br"), "brotli bytes"),
        (format!("{hashed}.gz"), "gzip bytes"),
        ("purser.css".to_owned(), "body { margin: 0 }"),
    ] {
        std::fs::write(pkg.join(name), bytes).unwrap();
    }
    let root = site.path().to_owned();
    let app = TestApp::with(kind, move |s| Settings {
        site_root: root,
        ..s
    })
    .await;
    let get = |path: &str, accept: &str| {
        let req = crate::helpers::client().get(app.url(path));
        let req = match accept {
            "" => req,
            a => req.header("accept-encoding", a),
        };
        req.send()
    };
    let path = format!("/pkg/{hashed}");
    for (accept, encoding, body) in [
        ("gzip, deflate, br, zstd", "br", "brotli bytes"),
        ("gzip", "gzip", "gzip bytes"),
        ("br;q=0, gzip", "gzip", "gzip bytes"),
        ("", "", "body { margin: 0 }"),
    ] {
        let res = get(&path, accept).await.unwrap();
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(
            header(&res, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(encoding_of(&res), encoding, "{accept}");
        assert_eq!(header(&res, "vary"), "accept-encoding");
        assert!(header(&res, "content-type").starts_with("text/css"));
        assert_security_headers(&res);
        assert_eq!(res.text().await.unwrap(), body, "{accept}");
    }
    let plain = get("/pkg/purser.css", "gzip").await.unwrap();
    assert_eq!(header(&plain, "cache-control"), "no-cache");
    assert_eq!(encoding_of(&plain), "", "no copy, no compression");
    let etag = header(&plain, "etag").to_owned();
    let again = crate::helpers::client()
        .get(app.url("/pkg/purser.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let missing = get("/pkg/purser.0123456789abcdef.js", "").await.unwrap();
    assert_eq!(missing.status(), 404);
}

fn encoding_of(res: &reqwest::Response) -> &str {
    res.headers()
        .get("content-encoding")
        .map_or("", |v| v.to_str().unwrap())
}

mod precompressed {
    use crate::helpers::Database;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::hashed_files_are_immutable_and_sent_precompressed(Database::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::hashed_files_are_immutable_and_sent_precompressed(Database::Postgres).await;
    }
}

/// Answers worth compressing go out in the best encoding the browser offers (zstd
/// for today's Chromium and Firefox, gzip for the rest) and decode to the very bytes
/// sent to a client that offers none; answers under a kilobyte go out as they are.
async fn dynamic_answers_are_compressed_above_a_kilobyte(app: TestApp) {
    use std::io::Read;
    let get = |path: &str, accept: &'static str| {
        let req = crate::helpers::client().get(app.url(path));
        let req = match accept {
            "" => req,
            a => req.header("accept-encoding", a),
        };
        req.send()
    };
    let document = "/api/openapi.json";
    let plain = get(document, "").await.unwrap();
    assert_eq!(encoding_of(&plain), "");
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 1024);
    for (accept, encoding) in [
        ("gzip, deflate, br, zstd", "zstd"),
        ("gzip", "gzip"),
        ("zstd;q=0, gzip", "gzip"),
    ] {
        let res = get(document, accept).await.unwrap();
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(encoding_of(&res), encoding, "{accept}");
        assert_eq!(header(&res, "vary"), "accept-encoding", "{accept}");
        let sent = res.bytes().await.unwrap();
        assert!(
            sent.len() < plain.len() / 2,
            "{accept}: {} bytes",
            sent.len()
        );
        let decoded = match encoding {
            "zstd" => zstd::decode_all(&sent[..]).unwrap(),
            _ => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&sent[..])
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
        };
        assert_eq!(decoded, plain, "{accept}");
    }
    let admin = crate::helpers::demo_tokens(&app).await.admin;
    let small = crate::helpers::client()
        .get(app.url("/api/orgs/acme/members?limit=1"))
        .header("authorization", format!("token {admin}"))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 200);
    assert_eq!(encoding_of(&small), "", "too small to be worth compressing");
    assert!(small.bytes().await.unwrap().len() < 1024);
}
