//! What the server accepts at its edge, before any handler runs, and how it answers
//! input it cannot use.
//!
//! Each service checks its own fields against their rules in `core` (`TextRule`,
//! `Email`, …). This guard is the floor under all of them: no request reaches a handler
//! with a control character (NUL above all, which PostgreSQL refuses with an error of
//! its own) in a path segment, a query value, a form value or a JSON string, or with a
//! body over [`MAX_BODY_BYTES`]. Tab, line feed and carriage return pass, for the
//! fields that take several lines. Refusals are 4xx with a message that says what was
//! wrong and never repeats the value.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use purser_core::error::AppError;
use purser_core::error::ErrorBody;
use purser_core::values::allowed_in_input;
use purser_services::error::Error;
use serde::de::DeserializeOwned;

/// The largest request body accepted, in bytes. Purser's largest legitimate bodies (a
/// batch of invitations, a team description) are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The guard: refuses control characters in the path, the query and JSON or form
/// bodies, and bodies over [`MAX_BODY_BYTES`].
pub async fn guard(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if let Err(problem) = check_path(&path) {
        return refusal(
            &path,
            StatusCode::BAD_REQUEST,
            problem.message("path segment"),
        );
    }
    if let Some(query) = req.uri().query() {
        if let Err(problem) = check_form(query) {
            return refusal(
                &path,
                StatusCode::BAD_REQUEST,
                problem.message("query value"),
            );
        }
    }
    let kind = BodyKind::of(req.headers());
    let declared_too_large = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES as u64);
    if declared_too_large {
        return too_large(&path);
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(&path),
    };
    let checked = match kind {
        BodyKind::Json => check_json(&bytes).map_err(|p| p.message("text value in the JSON body")),
        BodyKind::Form => std::str::from_utf8(&bytes)
            .map_err(|_| Problem::NotUtf8)
            .and_then(check_form)
            .map_err(|p| p.message("form value")),
        BodyKind::Other => Ok(()),
    };
    if let Err(message) = checked {
        return refusal(&path, StatusCode::BAD_REQUEST, message);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Gives every error answer of the REST API the `{code, message}` body, also those
/// made before a handler runs (an unknown method, a path that does not parse), which
/// the framework answers in plain text.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            match res.headers().get(ALLOW).and_then(|v| v.to_str().ok()) {
                Some(allowed) if !allowed.is_empty() => {
                    format!("This endpoint does not accept {method}; it accepts {allowed}.")
                }
                _ => format!("This endpoint does not accept {method}."),
            }
        }
        StatusCode::NOT_FOUND => "There is no such API endpoint.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => too_large_message(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "Send the body as JSON, with Content-Type: application/json.".to_owned()
        }
        s if s.is_server_error() => "Something went wrong on our side. Please try again.".into(),
        _ => "The request is not valid: check its path, query string and body.".to_owned(),
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    let body = ErrorBody {
        code: status.as_u16(),
        message,
    };
    (parts, Json(body)).into_response()
}

/// Reads a JSON request body into `T`. A rejection names where in the body the problem
/// is and what was expected there, never the value that was sent.
pub fn parse_json<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, Error> {
    if BodyKind::of(headers) != BodyKind::Json {
        return Err(Error::BadRequest(
            "Send the body as JSON, with Content-Type: application/json.".into(),
        ));
    }
    // Every request body is an object: serde would also read a struct from an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Error::BadRequest(
            "The request body must be a JSON object.".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_error(&path, e.inner())
    })?;
    de.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

/// Reads a query string into `T`, as [`parse_json`] does a body.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Error> {
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let detail = data_error_detail(&e.inner().to_string());
        match e.path().to_string().as_str() {
            "." | "" => Error::BadRequest(format!("The query string is not valid: {detail}.")),
            path => Error::BadRequest(format!(
                "The query string is not valid: {}: {detail}.",
                safe_path(path)
            )),
        }
    })
}

fn json_error(path: &str, err: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    let message = match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => format!(
            "The request body is not valid JSON (line {}, column {}).",
            err.line(),
            err.column()
        ),
        Category::Data => {
            let detail = data_error_detail(&err.to_string());
            if path == "." || path.is_empty() {
                format!("The request body is not valid: {detail}.")
            } else {
                format!(
                    "The request body is not valid: {}: {detail}.",
                    safe_path(path)
                )
            }
        }
    };
    Error::BadRequest(message)
}

/// Serde's message without the value it quotes: what was expected, or which field is
/// missing, unknown or repeated.
fn data_error_detail(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let expected = message
        .find(", expected ")
        .map(|i| &message[i + 2..])
        .unwrap_or("");
    if message.starts_with("missing field ")
        || message.starts_with("duplicate field ")
        || message.starts_with("expected ")
    {
        return message.to_owned();
    }
    if message.starts_with("unknown field ") {
        return match expected {
            "" => "this field is not accepted".to_owned(),
            e => format!("this field is not accepted ({e})"),
        };
    }
    let is_number_error = [
        "invalid digit",
        "number too",
        "integer from empty",
        "float literal",
    ]
    .iter()
    .any(|m| message.contains(m));
    if is_number_error {
        "expected a number".to_owned()
    } else if expected.is_empty() {
        "this value is not accepted".to_owned()
    } else if message.starts_with("invalid length ") {
        format!("wrong number of entries: {expected}")
    } else {
        expected.to_owned()
    }
}

/// The path of a JSON value (`emails[2]`, `holder`), shown only when it is made of the
/// characters field names use: a key is part of the body too.
fn safe_path(path: &str) -> &str {
    let safe = path.len() <= 100
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-[]?".contains(c));
    if safe {
        path
    } else {
        "a field"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

impl BodyKind {
    fn of(headers: &HeaderMap) -> BodyKind {
        let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
            return BodyKind::Other;
        };
        let essence = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
        {
            BodyKind::Json
        } else if essence == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else {
            BodyKind::Other
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    NotUtf8,
    ControlCharacter,
}

impl Problem {
    fn message(self, what: &str) -> String {
        match self {
            Problem::NotUtf8 => format!("A {what} is not valid UTF-8."),
            Problem::ControlCharacter => format!(
                "A {what} contains a control character (such as NUL); only tab, line feed and carriage return are allowed."
            ),
        }
    }
}

fn check_text(text: &str) -> Result<(), Problem> {
    if text.chars().all(allowed_in_input) {
        Ok(())
    } else {
        Err(Problem::ControlCharacter)
    }
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

fn check_decoded(bytes: Vec<u8>) -> Result<(), Problem> {
    let text = String::from_utf8(bytes).map_err(|_| Problem::NotUtf8)?;
    check_text(&text)
}

fn check_path(path: &str) -> Result<(), Problem> {
    path.split('/')
        .try_for_each(|segment| check_decoded(percent_decode(segment.as_bytes())))
}

/// `name=value&…` as in a query string or a form body (`+` is a space).
fn check_form(form: &str) -> Result<(), Problem> {
    form.split('&').try_for_each(|pair| {
        let pair = pair.replace('+', " ");
        check_decoded(percent_decode(pair.as_bytes()))
    })
}

/// Finds control characters in JSON text, raw or written as `\u` escapes, without
/// parsing it: a body that is not JSON at all is left to the handler to refuse.
fn check_json(bytes: &[u8]) -> Result<(), Problem> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let mut chars = text.chars();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if !allowed_in_input(c) {
            return Err(Problem::ControlCharacter);
        }
        match (in_string, c) {
            (false, '"') => in_string = true,
            (true, '"') => in_string = false,
            (true, '\\') => {
                let escaped = match chars.next() {
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    }
                    // JSON's short escapes for control characters: backspace and
                    // form feed (`\t`, `\n` and `\r` are allowed).
                    Some('b') => Some('\u{8}'),
                    Some('f') => Some('\u{c}'),
                    _ => None,
                };
                if escaped.is_some_and(|e| !allowed_in_input(e)) {
                    return Err(Problem::ControlCharacter);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn too_large_message() -> String {
    format!(
        "The request body is too large: at most {} KiB.",
        MAX_BODY_BYTES / 1024
    )
}

fn too_large(path: &str) -> Response {
    refusal(path, StatusCode::PAYLOAD_TOO_LARGE, too_large_message())
}

/// A refusal in the form the caller reads: the UI's error for a server function
/// (`/fn/…`), `{code, message}` for everything else.
fn refusal(path: &str, status: StatusCode, message: String) -> Response {
    if path.starts_with("/fn/") {
        (status, Json(AppError::BadRequest(message))).into_response()
    } else {
        let body = ErrorBody {
            code: status.as_u16(),
            message,
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let table = [
            ("/api/orgs/acme/tokens/abc", Ok(())),
            ("/api/orgs/acme/tokens/%C3%A9t%C3%A9", Ok(())),
            ("/api/orgs/acme/tokens/100%", Ok(())),
            ("/api/orgs/acme/tokens/%00", Err(Problem::ControlCharacter)),
            ("/api/orgs/acme%1b/metadata", Err(Problem::ControlCharacter)),
            ("/api/orgs/acme/tokens/%ff", Err(Problem::NotUtf8)),
        ];
        for (path, expected) in table {
            assert_eq!(check_path(path), expected, "{path}");
        }
    }

    #[test]
    fn forms_and_queries() {
        let table = [
            ("limit=10&continuationToken=abc", Ok(())),
            ("description=two%0Alines+ok", Ok(())),
            ("a=%00", Err(Problem::ControlCharacter)),
            ("%00=a", Err(Problem::ControlCharacter)),
            ("a=%C2%85", Err(Problem::ControlCharacter)),
            ("a=%FF", Err(Problem::NotUtf8)),
            ("", Ok(())),
        ];
        for (form, expected) in table {
            assert_eq!(check_form(form), expected, "{form}");
        }
    }

    #[test]
    fn json_strings() {
        let table = [
            (r#"{"name": "ok", "n": 1}"#, Ok(())),
            (r#"{"d": "line\nbreak\ttab\r"}"#, Ok(())),
            (r#"{"d": "lit\\u0000eral"}"#, Ok(())),
            (r#"{"d": "quote\"\u0000"}"#, Err(Problem::ControlCharacter)),
            (r#"{"d": "nul\u0000"}"#, Err(Problem::ControlCharacter)),
            (r#"{"d\u001b": 1}"#, Err(Problem::ControlCharacter)),
            (r#"{"d": "c1\u0085"}"#, Err(Problem::ControlCharacter)),
            (r#"{"d": "del"}"#, Ok(())),
            (r#"{"d": "back\bspace"}"#, Err(Problem::ControlCharacter)),
            (r#"{"form\ffeed": 1}"#, Err(Problem::ControlCharacter)),
            (r#"{"d": "escaped \\b is text"}"#, Ok(())),
            ("{\"d\": \"raw\u{0}\"}", Err(Problem::ControlCharacter)),
            ("not json \u{1}", Err(Problem::ControlCharacter)),
            ("not json", Ok(())),
        ];
        for (json, expected) in table {
            assert_eq!(check_json(json.as_bytes()), expected, "{json}");
        }
    }

    #[test]
    fn serde_messages_lose_the_value() {
        let table = [
            (
                "invalid type: integer `4242424242424242`, expected a string at line 1 column 30",
                "expected a string",
            ),
            (
                "invalid value: string \"secret\", expected team, enterprise at line 1 column 3",
                "expected team, enterprise",
            ),
            ("missing field `name`", "missing field `name`"),
            (
                "unknown field `s3cret`, expected one of `name`, `description`",
                "this field is not accepted (expected one of `name`, `description`)",
            ),
            (
                "unknown variant `s3cret`, expected `a` or `b`",
                "expected `a` or `b`",
            ),
            (
                "invalid length 3, expected 2 elements",
                "wrong number of entries: expected 2 elements",
            ),
            ("s3cret is bad", "this value is not accepted"),
        ];
        for (serde, ours) in table {
            assert_eq!(data_error_detail(serde), ours, "{serde}");
        }
        assert_eq!(safe_path("emails[2]"), "emails[2]");
        assert_eq!(safe_path("4242 4242"), "a field");
    }
}
