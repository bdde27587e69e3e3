//! The browser bundle and the stylesheet (`/pkg/…`), served from memory.
//!
//! The build (`scripts/build.sh`) writes each file under a content-hashed name too
//! (`purser.<hash>.wasm`, listed in `pkg/hash.txt`, which the pages link to), with
//! brotli and gzip copies beside it (`.br`, `.gz`). A hashed name never changes
//! content, so it is cached for a year as immutable; the plain names (the development
//! mailbox's stylesheet) are revalidated with their ETag. Nothing is compressed per
//! request: the copy the browser accepts is sent as it is.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::Arc;

/// Every file of `pkg/`, by its path under `pkg/`.
#[derive(Default)]
pub struct Assets {
    files: HashMap<String, Asset>,
}

struct Asset {
    content_type: &'static str,
    etag: HeaderValue,
    cache_control: HeaderValue,
    /// The file, then its precompressed copies (either may be missing).
    identity: axum::body::Bytes,
    brotli: Option<axum::body::Bytes>,
    gzip: Option<axum::body::Bytes>,
}

/// The cache lifetime of a file whose name carries its content's hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files under a plain name: use the cached copy only while its ETag still matches.
const REVALIDATE: &str = "no-cache";

impl Assets {
    /// Reads `dir` (the site's `pkg/`) once; a missing directory serves nothing.
    pub fn load(dir: &FsPath) -> Assets {
        let mut files = HashMap::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(current) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&current) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let Some(name) = path
                    .strip_prefix(dir)
                    .ok()
                    .and_then(|p| p.to_str())
                    .map(|p| p.replace('\\', "/"))
                else {
                    continue;
                };
                if name.ends_with(".br") || name.ends_with(".gz") || name == "hash.txt" {
                    continue;
                }
                let Ok(identity) = std::fs::read(&path) else {
                    continue;
                };
                let sibling = |ext: &str| {
                    std::fs::read(format!("{}.{ext}", path.display()))
                        .ok()
                        .map(axum::body::Bytes::from)
                };
                let digest = Sha256::digest(&identity);
                let etag = format!(
                    "\"{}\"",
                    digest[..8]
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                );
                let asset = Asset {
                    content_type: content_type(&name),
                    etag: HeaderValue::from_str(&etag).expect("hex is a valid header value"),
                    cache_control: HeaderValue::from_static(match is_hashed(&name) {
                        true => IMMUTABLE,
                        false => REVALIDATE,
                    }),
                    brotli: sibling("br"),
                    gzip: sibling("gz"),
                    identity: identity.into(),
                };
                files.insert(name, asset);
            }
        }
        Assets { files }
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Whether a file's name carries its content's hash: `name.<16 hex digits>.ext`, as
/// the build names them.
fn is_hashed(name: &str) -> bool {
    let mut parts = name.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next());
    parts.next().is_some()
        && hash.is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the request's `Accept-Encoding` takes `coding` (and does not refuse it with
/// `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// `GET /pkg/{*file}`.
pub async fn serve(
    State(assets): State<Arc<Assets>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = assets.files.get(&file) else {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    };
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, asset.content_type)
        .header(header::CACHE_CONTROL, asset.cache_control.clone())
        .header(header::ETAG, asset.etag.clone())
        .header(header::VARY, "accept-encoding");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.as_bytes() == asset.etag.as_bytes() || tags == "*");
    if fresh {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("static headers are valid");
    }
    let body = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepts(&headers, "br") => {
            response = response.header(header::CONTENT_ENCODING, "br");
            br.clone()
        }
        (_, Some(gz)) if accepts(&headers, "gzip") => {
            response = response.header(header::CONTENT_ENCODING, "gzip");
            gz.clone()
        }
        _ => asset.identity.clone(),
    };
    response
        .body(Body::from(body))
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        for (name, hashed) in [
            ("purser.0123456789abcdef.wasm", true),
            ("purser.0123456789ABCDEF.css", true),
            ("purser.css", false),
            ("0123456789abcdef.css", false),
            ("purser.0123456789abcdeg.js", false),
            ("purser.0123456789abcde.js", false),
            ("snippets/x/purser.0123456789abcdef.js", true),
        ] {
            assert_eq!(is_hashed(name), hashed, "{name}");
        }
    }

    #[test]
    fn accepted_encodings() {
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            h
        };
        for (value, br, gzip) in [
            ("gzip, deflate, br, zstd", true, true),
            ("gzip", false, true),
            ("br;q=0, gzip;q=0.5", false, true),
            ("BR", true, false),
            ("identity", false, false),
            ("*", false, false),
        ] {
            assert_eq!(accepts(&with(value), "br"), br, "{value}");
            assert_eq!(accepts(&with(value), "gzip"), gzip, "{value}");
        }
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
