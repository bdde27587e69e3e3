//! SCIM 2.0 filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): parsing and
//! in-memory evaluation.
//!
//! Both arrive straight from identity providers (Okta, Entra ID, OneLogin, …), so the parser
//! follows the RFC's ABNF (Figure 1) but is lenient where providers are known to deviate
//! (extra whitespace, keyword case). Input length and nesting are bounded, so no input can
//! panic or exhaust the stack.

use std::fmt::{self, Write as _};

use serde_json::{Map, Value};

/// A filter is a short query parameter; capping it keeps parse time and tree size trivially
/// bounded whatever a client sends.
const MAX_INPUT_LEN: usize = 4096;

/// The parser recurses once per `(` or `not (`; this cap is what keeps hostile input such as
/// 10,000 `(` from overflowing the stack.
const MAX_DEPTH: usize = 32;

/// `pr` looks inside containers to decide "non-empty". SCIM values are at most two levels
/// deep, so this only guards against pathological JSON built in code (serde_json's own parser
/// already stops at 128 levels).
const MAX_PRESENT_DEPTH: usize = 16;

/// Attributes qualified with a core schema URN live at the top level of a resource, not
/// under a URN key as extension attributes do (RFC 7643 §3.3).
const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:";

/// An attribute named in a filter or path: optional schema URN, name, optional sub-attribute.
/// e.g. `userName`, `name.givenName`, `urn:ietf:params:scim:schemas:core:2.0:User:userName`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, `meta.lastModified`.
///
/// Names keep the case they were written in (for messages and round-trips); compare them
/// through [`AttrPath::key`], since SCIM attribute names are case-insensitive.
///
/// A bare schema URN such as `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
/// parses as `urn = "urn:…:enterprise:2.0"`, `name = "User"`: the grammar cannot tell it from a
/// qualified attribute, so callers accepting whole-extension PATCH paths should compare
/// `"{urn}:{name}"` with the schema URNs they know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// Case-insensitive dotted name without the URN: "name.givenname", "username", "emails.value".
    pub fn key(&self) -> String {
        let mut key = self.name.to_ascii_lowercase();
        if let Some(sub) = &self.sub {
            key.push('.');
            key.push_str(&sub.to_ascii_lowercase());
        }
        key
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A comparison operator of RFC 7644 §3.4.2.2 (`pr` is [`Filter::Present`], not an operator
/// here, because it takes no value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// The keyword in its canonical lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn from_keyword(word: &str) -> Option<Self> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ];
        ALL.into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison value (JSON literal). Numbers keep the text as written so that no precision
/// is lost before evaluation decides whether to compare them as integers or floats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Str(String),
    Bool(bool),
    Null,
    /// The literal as written, e.g. "42", "-1.5e3" (validated against JSON's number grammar).
    Number(String),
}

impl fmt::Display for Literal {
    /// JSON syntax, so that the rendering parses back to the same literal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => {
                f.write_char('"')?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('"')
            }
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
            Literal::Number(n) => f.write_str(n),
        }
    }
}

/// A parsed SCIM filter.
///
/// `Display` renders a canonical, fully parenthesised form — `(userName eq "bjensen")`,
/// `((a eq "x") and (b pr))`, `not (a pr)`, `emails[(type eq "work")]` — that parses back to
/// the same value (as long as the added parentheses stay within the nesting limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Compare {
        attr: AttrPath,
        op: CompareOp,
        value: Literal,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work" and value co "@example.com"]`; inside the brackets attribute
    /// names are relative to the multi-valued attribute's elements.
    /// A filter may also continue after the bracket in SCIM paths only (see PatchPath), not in filters.
    ValuePath {
        attr: AttrPath,
        filter: Box<Filter>,
    },
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { attr, op, value } => write!(f, "({attr} {op} {value})"),
            Filter::Present(attr) => write!(f, "({attr} pr)"),
            Filter::And(a, b) => write!(f, "({a} and {b})"),
            Filter::Or(a, b) => write!(f, "({a} or {b})"),
            // `not` must be followed by `(`; only these two variants don't render with one.
            Filter::Not(inner) => match **inner {
                Filter::Not(_) | Filter::ValuePath { .. } => write!(f, "not ({inner})"),
                _ => write!(f, "not {inner}"),
            },
            Filter::ValuePath { attr, filter } => write!(f, "{attr}[{filter}]"),
        }
    }
}

/// Why a filter or path was rejected. `message` says what was expected, what was found and
/// where, as a 0-based character offset ("… at character 12"); it is meant to be returned to
/// the client as the `detail` of a 400 `invalidFilter` / `invalidPath` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// A PATCH operation's `path`: `attr`, `attr.sub`, `urn:...:attr`, `attr[filter]`, `attr[filter].sub`.
///
/// For `name.givenName`: `attr = {name: "name", sub: Some("givenName")}`, `filter` and `sub`
/// are `None`. For `emails[type eq "work"].value`: `attr = {name: "emails", sub: None}`,
/// `filter` is `Some(..)` and `sub` is `Some("value")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

impl fmt::Display for PatchPath {
    /// The path in the same canonical form as [`Filter`]'s `Display`; parses back to `self`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Parses a SCIM filter such as `userName eq "bjensen" and not (emails co "example.org")`.
pub fn parse_filter(input: &str) -> Result<Filter, ParseError> {
    let mut p = Parser::new(input, "filter")?;
    if p.peek_kind() == Kind::End {
        return Err(error_at(
            input,
            0,
            "filter is empty: expected an attribute expression",
        ));
    }
    let filter = p.parse_or(false)?;
    match p.peek_kind() {
        Kind::End => Ok(filter),
        Kind::RParen => Err(error_at(input, p.here(), "unmatched ')'")),
        Kind::RBracket => Err(error_at(input, p.here(), "unmatched ']'")),
        _ => Err(p.err_expected("'and', 'or' or end of filter")),
    }
}

/// Parses a PATCH `path` such as `members[value eq "2819c223"]` or `emails[type eq "work"].value`.
pub fn parse_path(input: &str) -> Result<PatchPath, ParseError> {
    let mut p = Parser::new(input, "path")?;
    let word = match p.peek_kind() {
        Kind::Word(w) => w,
        Kind::End => {
            return Err(error_at(
                input,
                0,
                "path is empty: expected an attribute path",
            ));
        }
        _ => return Err(p.err_expected("an attribute path")),
    };
    let attr = parse_attr_path(input, word, p.here())?;
    p.bump();
    match p.peek_kind() {
        Kind::End => {
            return Ok(PatchPath {
                attr,
                filter: None,
                sub: None,
            })
        }
        Kind::LBracket => {}
        _ => return Err(p.err_expected(format_args!("'[' or end of path after '{attr}'"))),
    }
    let open = p.here();
    p.bump();
    let filter = p.parse_or(true)?;
    p.close_bracket(open)?;
    let sub = match p.peek_kind() {
        Kind::End => None,
        Kind::Word(w) if w.starts_with('.') => {
            let start = p.here() + 1;
            let sub = parse_sub_attr(input, w.get(1..).unwrap_or_default(), start)?;
            p.bump();
            Some(sub)
        }
        _ => return Err(p.err_expected("'.subAttribute' or end of path after ']'")),
    };
    if p.peek_kind() != Kind::End {
        return Err(p.err_expected("end of path"));
    }
    Ok(PatchPath {
        attr,
        filter: Some(filter),
        sub,
    })
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

/// What the parser dispatches on; `Copy` so that peeking never borrows the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    End,
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A string literal; its decoded text is in [`Token::text`].
    Str,
    /// A run of anything but whitespace, parentheses, brackets and quotes: an attribute path,
    /// keyword or bare literal. Meaning is decided by the parser from context, which keeps
    /// URNs (with their `:` and `.`) in one piece.
    Word(&'a str),
}

struct Token<'a> {
    kind: Kind<'a>,
    /// Byte offset in the input; converted to a character offset only for messages.
    start: usize,
    text: String,
}

fn is_delimiter(c: char) -> bool {
    c.is_ascii_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// Splits the whole input up front (it is at most [`MAX_INPUT_LEN`] bytes). Works on
/// `char_indices`, so every offset is a char boundary and slicing cannot panic.
fn tokenize(src: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                chars.next();
                continue;
            }
            '(' => Kind::LParen,
            ')' => Kind::RParen,
            '[' => Kind::LBracket,
            ']' => Kind::RBracket,
            '"' => {
                chars.next();
                let text = lex_string(src, start, &mut chars)?;
                tokens.push(Token {
                    kind: Kind::Str,
                    start,
                    text,
                });
                continue;
            }
            _ => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if is_delimiter(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = src
                    .get(start..end)
                    .ok_or_else(|| error_at(src, start, "malformed token"))?;
                tokens.push(Token {
                    kind: Kind::Word(word),
                    start,
                    text: String::new(),
                });
                continue;
            }
        };
        chars.next();
        tokens.push(Token {
            kind,
            start,
            text: String::new(),
        });
    }
    Ok(tokens)
}

/// Decodes a JSON string literal (RFC 8259 §7) whose opening quote at `open` was consumed.
/// Hand-written rather than serde_json so that errors point at the offending character.
fn lex_string(
    src: &str,
    open: usize,
    chars: &mut impl Iterator<Item = (usize, char)>,
) -> Result<String, ParseError> {
    let unterminated = || {
        error_at(
            src,
            open,
            "unterminated string literal (expected a closing '\"') starting",
        )
    };
    let mut out = String::new();
    loop {
        let (i, c) = chars.next().ok_or_else(unterminated)?;
        match c {
            '"' => return Ok(out),
            '\\' => {
                let (_, escape) = chars.next().ok_or_else(unterminated)?;
                let decoded = match escape {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => unicode_escape(src, i, chars)?,
                    other => {
                        return Err(error_at(
                            src,
                            i,
                            format_args!(
                                "invalid escape '\\{}' in string literal (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                                printable(other)
                            ),
                        ))
                    }
                };
                out.push(decoded);
            }
            c if u32::from(c) < 0x20 => {
                return Err(error_at(
                    src,
                    i,
                    format_args!(
                        "unescaped control character '{}' in string literal",
                        printable(c)
                    ),
                ))
            }
            c => out.push(c),
        }
    }
}

/// The rest of a `\uXXXX` escape (the backslash was at `esc`), including a following low
/// surrogate when the first is a high one, as JSON encodes non-BMP characters.
fn unicode_escape(
    src: &str,
    esc: usize,
    chars: &mut impl Iterator<Item = (usize, char)>,
) -> Result<char, ParseError> {
    let unpaired = || error_at(src, esc, "invalid \\u escape: unpaired UTF-16 surrogate");
    let hi = hex4(src, esc, chars)?;
    let code = if (0xD800..0xDC00).contains(&hi) {
        let backslash = chars.next().map(|(_, c)| c);
        let u = chars.next().map(|(_, c)| c);
        if backslash != Some('\\') || u != Some('u') {
            return Err(unpaired());
        }
        let lo = hex4(src, esc, chars)?;
        if !(0xDC00..0xE000).contains(&lo) {
            return Err(unpaired());
        }
        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
    } else {
        hi
    };
    char::from_u32(code).ok_or_else(unpaired)
}

fn hex4(
    src: &str,
    esc: usize,
    chars: &mut impl Iterator<Item = (usize, char)>,
) -> Result<u32, ParseError> {
    let mut value = 0;
    for _ in 0..4 {
        let digit = chars
            .next()
            .and_then(|(_, c)| c.to_digit(16))
            .ok_or_else(|| error_at(src, esc, "invalid \\u escape: expected 4 hex digits"))?;
        value = value * 16 + digit;
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// Builds an error whose message ends with the 0-based character offset of `byte_pos`.
fn error_at(src: &str, byte_pos: usize, msg: impl fmt::Display) -> ParseError {
    // Counting non-continuation bytes needs no slicing, so it is safe for any `byte_pos`.
    let chars = src
        .as_bytes()
        .iter()
        .take(byte_pos)
        .filter(|b| (**b & 0xC0) != 0x80)
        .count();
    ParseError {
        message: format!("{msg} at character {chars}"),
    }
}

/// Renders user text for a message: control characters escaped, long text shortened.
fn printable_str(s: &str) -> String {
    const MAX_CHARS: usize = 32;
    let mut out = String::new();
    for c in s.chars().take(MAX_CHARS) {
        out.push_str(&printable(c));
    }
    if s.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn printable(c: char) -> String {
    if c.is_control() {
        c.escape_debug().collect()
    } else {
        c.to_string()
    }
}

/// Recursive descent over the tokens:
///
/// ```text
/// or     = and *("or" and)
/// and    = unary *("and" unary)
/// unary  = "not" "(" or ")" / "(" or ")" / attrPath ("pr" / compareOp value / "[" or "]")
/// ```
struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, what: &str) -> Result<Self, ParseError> {
        if src.len() > MAX_INPUT_LEN {
            return Err(ParseError {
                message: format!(
                    "{what} is {} bytes long; at most {MAX_INPUT_LEN} bytes are accepted",
                    src.len()
                ),
            });
        }
        Ok(Parser {
            src,
            tokens: tokenize(src)?,
            pos: 0,
            depth: 0,
        })
    }

    fn peek_kind(&self) -> Kind<'a> {
        self.tokens.get(self.pos).map_or(Kind::End, |t| t.kind)
    }

    /// Byte offset of the next token, or the end of input.
    fn here(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.src.len(), |t| t.start)
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn take_text(&mut self) -> String {
        self.tokens
            .get_mut(self.pos)
            .map(|t| std::mem::take(&mut t.text))
            .unwrap_or_default()
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        match self.peek_kind() {
            Kind::Word(w) if w.eq_ignore_ascii_case(keyword) => {
                self.bump();
                true
            }
            _ => false,
        }
    }

    fn found(&self) -> String {
        match self.peek_kind() {
            Kind::End => "end of input".to_owned(),
            Kind::LParen => "'('".to_owned(),
            Kind::RParen => "')'".to_owned(),
            Kind::LBracket => "'['".to_owned(),
            Kind::RBracket => "']'".to_owned(),
            Kind::Str => "a string literal".to_owned(),
            Kind::Word(w) => format!("'{}'", printable_str(w)),
        }
    }

    fn err_expected(&self, expected: impl fmt::Display) -> ParseError {
        error_at(
            self.src,
            self.here(),
            format_args!("expected {expected}, found {}", self.found()),
        )
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error_at(
                self.src,
                self.here(),
                format_args!("filter nests more than {MAX_DEPTH} levels of '(' or 'not'"),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self, in_brackets: bool) -> Result<Filter, ParseError> {
        let mut left = self.parse_and(in_brackets)?;
        while self.eat_keyword("or") {
            let right = self.parse_and(in_brackets)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self, in_brackets: bool) -> Result<Filter, ParseError> {
        let mut left = self.parse_unary(in_brackets)?;
        while self.eat_keyword("and") {
            let right = self.parse_unary(in_brackets)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self, in_brackets: bool) -> Result<Filter, ParseError> {
        match self.peek_kind() {
            Kind::LParen => {
                self.enter()?;
                let inner = self.parse_parenthesised(in_brackets)?;
                self.depth -= 1;
                Ok(inner)
            }
            Kind::Word(w) if w.eq_ignore_ascii_case("not") => {
                self.enter()?;
                self.bump();
                if self.peek_kind() != Kind::LParen {
                    return Err(
                        self.err_expected("'(' after 'not' (RFC 7644 requires 'not (filter)')")
                    );
                }
                let inner = self.parse_parenthesised(in_brackets)?;
                self.depth -= 1;
                Ok(Filter::Not(Box::new(inner)))
            }
            Kind::Word(w) => self.parse_attr_expr(w, in_brackets),
            _ => Err(self.err_expected("an attribute name, '(' or 'not'")),
        }
    }

    /// `"(" or ")"`, with the next token being the `(`.
    fn parse_parenthesised(&mut self, in_brackets: bool) -> Result<Filter, ParseError> {
        let open = self.here();
        self.bump();
        let inner = self.parse_or(in_brackets)?;
        if self.peek_kind() != Kind::RParen {
            let open = error_at(self.src, open, "").message;
            return Err(
                self.err_expected(format_args!("'and', 'or' or ')' to close the '('{open}"))
            );
        }
        self.bump();
        Ok(inner)
    }

    fn close_bracket(&mut self, open: usize) -> Result<(), ParseError> {
        if self.peek_kind() != Kind::RBracket {
            let open = error_at(self.src, open, "").message;
            return Err(
                self.err_expected(format_args!("'and', 'or' or ']' to close the '['{open}"))
            );
        }
        self.bump();
        Ok(())
    }

    /// An attribute expression or value path, with the next token being `word`.
    fn parse_attr_expr(&mut self, word: &'a str, in_brackets: bool) -> Result<Filter, ParseError> {
        let attr = parse_attr_path(self.src, word, self.here())?;
        self.bump();
        match self.peek_kind() {
            Kind::LBracket => {
                let open = self.here();
                if in_brackets {
                    return Err(error_at(
                        self.src,
                        open,
                        "nested '[' inside a value filter is not allowed",
                    ));
                }
                self.bump();
                let inner = self.parse_or(true)?;
                self.close_bracket(open)?;
                if let Kind::Word(w) = self.peek_kind() {
                    if w.starts_with('.') {
                        return Err(error_at(
                            self.src,
                            self.here(),
                            format_args!(
                                "a sub-attribute after ']' is allowed only in PATCH paths, not in filters; found '{}'",
                                printable_str(w)
                            ),
                        ));
                    }
                }
                Ok(Filter::ValuePath {
                    attr,
                    filter: Box::new(inner),
                })
            }
            Kind::Word(w) if w.eq_ignore_ascii_case("pr") => {
                self.bump();
                Ok(Filter::Present(attr))
            }
            Kind::Word(w) => {
                let Some(op) = CompareOp::from_keyword(w) else {
                    return Err(self.err_expected(format_args!(
                        "an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after '{attr}'"
                    )));
                };
                self.bump();
                let value = self.parse_value()?;
                Ok(Filter::Compare { attr, op, value })
            }
            _ => Err(self.err_expected(format_args!(
                "an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after '{attr}'"
            ))),
        }
    }

    fn parse_value(&mut self) -> Result<Literal, ParseError> {
        let literal =
            match self.peek_kind() {
                Kind::Str => Literal::Str(self.take_text()),
                Kind::Word(w) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
                Kind::Word(w) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
                Kind::Word(w) if w.eq_ignore_ascii_case("null") => Literal::Null,
                Kind::Word(w) if is_json_number(w) => Literal::Number(w.to_owned()),
                _ => return Err(self.err_expected(
                    "a value (a JSON string in double quotes, a JSON number, true, false or null)",
                )),
            };
        self.bump();
        Ok(literal)
    }
}

/// JSON's number grammar (RFC 8259 §6): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Splits `[urn ":"] name ["." sub]`; `start` is the word's byte offset in `src`.
fn parse_attr_path(src: &str, word: &str, start: usize) -> Result<AttrPath, ParseError> {
    let has_urn = word
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let (urn, rest, rest_start) = if has_urn {
        // URNs contain dots ("…:2.0:User"), so the attribute is what follows the last ':'.
        let colon = word.rfind(':').unwrap_or(3);
        let (Some(urn), Some(rest)) = (word.get(..colon), word.get(colon + 1..)) else {
            return Err(error_at(src, start, "malformed schema URN"));
        };
        validate_urn(src, urn, start)?;
        (Some(urn.to_owned()), rest, start + colon + 1)
    } else {
        (None, word, start)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    let expected = if has_urn {
        "an attribute name after the schema URN"
    } else {
        "an attribute name"
    };
    validate_name(src, name, rest_start, expected)?;
    let sub = match sub {
        Some(sub) => Some(parse_sub_attr(src, sub, rest_start + name.len() + 1)?),
        None => None,
    };
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub,
    })
}

/// A sub-attribute name (the text after a `.`), which must not hold a further `.`.
fn parse_sub_attr(src: &str, sub: &str, start: usize) -> Result<String, ParseError> {
    if let Some(dot) = sub.find('.') {
        return Err(error_at(
            src,
            start + dot,
            "an attribute path has at most one sub-attribute (as in 'name.givenName'); unexpected '.'",
        ));
    }
    validate_name(src, sub, start, "a sub-attribute name after '.'")?;
    Ok(sub.to_owned())
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / "$" / DIGIT / ALPHA`. A leading
/// `$` is also accepted because `$ref` is a real (sub-)attribute name (RFC 7643 §2.4).
fn validate_name(src: &str, name: &str, start: usize, expected: &str) -> Result<(), ParseError> {
    let mut chars = name.char_indices();
    match chars.next() {
        None => return Err(error_at(src, start, format_args!("expected {expected}"))),
        Some((_, c)) if c.is_ascii_alphabetic() || c == '$' => {}
        Some((_, c)) => {
            return Err(error_at(
                src,
                start,
                format_args!(
                    "attribute name '{}' must start with a letter, not '{}',",
                    printable_str(name),
                    printable(c)
                ),
            ))
        }
    }
    for (i, c) in chars {
        if !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$')) {
            return Err(error_at(
                src,
                start + i,
                format_args!(
                    "invalid character '{}' in attribute name '{}' (allowed: letters, digits, '-', '_', '$')",
                    printable(c),
                    printable_str(name)
                ),
            ));
        }
    }
    Ok(())
}

/// A schema URN prefix: `urn:` followed by non-empty `:`-separated segments of URN characters
/// (RFC 8141, minus the characters that delimit filter tokens).
fn validate_urn(src: &str, urn: &str, start: usize) -> Result<(), ParseError> {
    for (i, c) in urn.char_indices() {
        let allowed = c.is_ascii_alphanumeric() || "-._:+%~!$&'*,;=@/".contains(c);
        if !allowed {
            return Err(error_at(
                src,
                start + i,
                format_args!("invalid character '{}' in schema URN", printable(c)),
            ));
        }
    }
    let mut offset = 0;
    for (n, segment) in urn.split(':').enumerate() {
        if segment.is_empty() && n > 0 {
            return Err(error_at(src, start + offset, "empty segment in schema URN"));
        }
        offset += segment.len() + 1;
    }
    if !urn.contains(':') {
        return Err(error_at(
            src,
            start,
            "schema URN has no namespace: expected 'urn:<namespace>:…:<attribute>'",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

impl Filter {
    /// Does the JSON object `resource` (a SCIM resource or one element of a multi-valued attribute) match?
    ///
    /// - Attribute names match the object's keys case-insensitively. A URN-qualified attribute
    ///   is looked up under the key named by the URN (extensions); if there is no such key
    ///   and the URN is a core schema (`urn:ietf:params:scim:schemas:core:…`), at the top level.
    /// - Strings compare case-insensitively (SCIM's default `caseExact=false`) for all
    ///   operators; `gt`/`ge`/`lt`/`le` compare them lexicographically, which orders RFC 3339
    ///   UTC timestamps of the same format correctly. Numbers compare numerically (exactly for
    ///   integers). Booleans compare with `eq`/`ne` only. Mismatched types never match.
    /// - A multi-valued attribute (JSON array) matches when any element matches; a complex
    ///   value compared directly (`emails eq "x"`, `manager eq "id"`) means its `value`.
    ///   So `ne` is per value too: `emails ne "x"` matches when some email differs, and a
    ///   missing attribute matches neither `eq` nor `ne` (write `not (a eq "x")` for negation).
    /// - `eq null` is true when the attribute is not present (as `pr` defines it), `ne null`
    ///   when it is, since SCIM treats null as unassigned (RFC 7643 §2.5).
    /// - `pr` is true when the value is present and not null, not an empty string, not an
    ///   empty array, and (for complex values) has some sub-attribute that is itself present.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::Compare { attr, op, value } => compare(resource, attr, *op, value),
            Filter::Present(attr) => resolve(resource, attr)
                .into_iter()
                .any(|v| is_present(v, 0)),
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
            Filter::ValuePath { attr, filter } => {
                resolve(resource, attr).into_iter().any(|v| match v {
                    Value::Array(items) => items.iter().any(|e| e.is_object() && filter.matches(e)),
                    Value::Object(_) => filter.matches(v),
                    _ => false,
                })
            }
        }
    }
}

fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// The values `attr` names in `resource`; with a sub-attribute of a multi-valued attribute,
/// one per element that has it.
fn resolve<'v>(resource: &'v Value, attr: &AttrPath) -> Vec<&'v Value> {
    let Some(obj) = resource.as_object() else {
        return Vec::new();
    };
    let base = match &attr.urn {
        None => obj,
        Some(urn) => match get_ci(obj, urn) {
            Some(Value::Object(extension)) => extension,
            Some(_) => return Vec::new(),
            None if starts_with_ci(urn, CORE_SCHEMA_PREFIX) => obj,
            None => return Vec::new(),
        },
    };
    let Some(value) = get_ci(base, &attr.name) else {
        return Vec::new();
    };
    let Some(sub) = &attr.sub else {
        return vec![value];
    };
    match value {
        Value::Object(m) => get_ci(m, sub).into_iter().collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|e| e.as_object().and_then(|m| get_ci(m, sub)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The value a comparison looks at: a complex value stands for its `value` sub-attribute.
fn leaf(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(m) => get_ci(m, "value"),
        Value::Array(_) => None,
        other => Some(other),
    }
}

fn any_leaf(candidates: &[&Value], pred: impl Fn(&Value) -> bool) -> bool {
    candidates.iter().any(|v| match v {
        Value::Array(items) => items.iter().filter_map(leaf).any(&pred),
        other => leaf(other).is_some_and(&pred),
    })
}

fn compare(resource: &Value, attr: &AttrPath, op: CompareOp, literal: &Literal) -> bool {
    let candidates = resolve(resource, attr);
    match literal {
        Literal::Null => {
            let present = candidates.iter().any(|v| is_present(v, 0));
            match op {
                CompareOp::Eq => !present,
                CompareOp::Ne => present,
                _ => false,
            }
        }
        Literal::Str(s) => {
            let needle = s.to_lowercase();
            any_leaf(&candidates, |v| {
                v.as_str()
                    .is_some_and(|a| compare_str(&a.to_lowercase(), &needle, op))
            })
        }
        Literal::Number(n) => any_leaf(&candidates, |v| match v {
            Value::Number(a) => compare_num(a, n, op),
            _ => false,
        }),
        Literal::Bool(b) => any_leaf(&candidates, |v| {
            v.as_bool().is_some_and(|a| match op {
                CompareOp::Eq => a == *b,
                CompareOp::Ne => a != *b,
                _ => false,
            })
        }),
    }
}

/// Both sides already lower-cased.
fn compare_str(a: &str, b: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => a == b,
        CompareOp::Ne => a != b,
        CompareOp::Co => a.contains(b),
        CompareOp::Sw => a.starts_with(b),
        CompareOp::Ew => a.ends_with(b),
        CompareOp::Gt => a > b,
        CompareOp::Ge => a >= b,
        CompareOp::Lt => a < b,
        CompareOp::Le => a <= b,
    }
}

/// Integers compare exactly (as i64 or u64) so large IDs don't collide through f64 rounding;
/// anything else compares as f64.
fn compare_num(a: &serde_json::Number, literal: &str, op: CompareOp) -> bool {
    let ordering = if let (Some(x), Ok(y)) = (a.as_i64(), literal.parse::<i64>()) {
        Some(x.cmp(&y))
    } else if let (Some(x), Ok(y)) = (a.as_u64(), literal.parse::<u64>()) {
        Some(x.cmp(&y))
    } else {
        match (a.as_f64(), literal.parse::<f64>()) {
            (Some(x), Ok(y)) => x.partial_cmp(&y),
            _ => None,
        }
    };
    let Some(ord) = ordering else {
        return false;
    };
    match op {
        CompareOp::Eq => ord.is_eq(),
        CompareOp::Ne => ord.is_ne(),
        CompareOp::Gt => ord.is_gt(),
        CompareOp::Ge => ord.is_ge(),
        CompareOp::Lt => ord.is_lt(),
        CompareOp::Le => ord.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// RFC 7644 §3.4.2.2 `pr`: "has a non-empty value, or … a non-empty node for complex attributes".
fn is_present(v: &Value, depth: usize) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
        Value::Array(items) if depth >= MAX_PRESENT_DEPTH => !items.is_empty(),
        Value::Object(m) if depth >= MAX_PRESENT_DEPTH => !m.is_empty(),
        Value::Array(items) => items.iter().any(|e| is_present(e, depth + 1)),
        Value::Object(m) => m.values().any(|e| is_present(e, depth + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Valid filters and their canonical rendering.
    const FILTER_CASES: &[(&str, &str)] = &[
        // Every example of RFC 7644 §3.4.2.2 (plus §3.4.3's search body).
        (r#"userName eq "bjensen""#, r#"(userName eq "bjensen")"#),
        (
            r#"name.familyName co "O'Malley""#,
            r#"(name.familyName co "O'Malley")"#,
        ),
        (r#"userName sw "J""#, r#"(userName sw "J")"#),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            r#"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J")"#,
        ),
        ("title pr", "(title pr)"),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"(meta.lastModified gt "2011-05-13T04:42:34Z")"#,
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            r#"(meta.lastModified ge "2011-05-13T04:42:34Z")"#,
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            r#"(meta.lastModified lt "2011-05-13T04:42:34Z")"#,
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            r#"(meta.lastModified le "2011-05-13T04:42:34Z")"#,
        ),
        (
            r#"title pr and userType eq "Employee""#,
            r#"((title pr) and (userType eq "Employee"))"#,
        ),
        (
            r#"title pr or userType eq "Intern""#,
            r#"((title pr) or (userType eq "Intern"))"#,
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"(schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")"#,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"((userType eq "Employee") and ((emails co "example.com") or (emails.value co "example.org")))"#,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            r#"((userType ne "Employee") and not ((emails co "example.com") or (emails.value co "example.org")))"#,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"((userType eq "Employee") and (emails.type eq "work"))"#,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"((userType eq "Employee") and emails[((type eq "work") and (value co "@example.com"))])"#,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            r#"(emails[((type eq "work") and (value co "@example.com"))] or ims[((type eq "xmpp") and (value co "@foo.com"))])"#,
        ),
        (r#"userName Eq "john""#, r#"(userName eq "john")"#),
        (r#"displayName sw "smith""#, r#"(displayName sw "smith")"#),
        // What Okta, Entra ID and OneLogin send.
        (
            r#"userName eq "alice@example.com""#,
            r#"(userName eq "alice@example.com")"#,
        ),
        (r#"externalId eq "abc""#, r#"(externalId eq "abc")"#),
        (
            r#"displayName eq "Engineering""#,
            r#"(displayName eq "Engineering")"#,
        ),
        (
            r#"userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081""#,
            r#"(userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081")"#,
        ),
        (
            r#"id eq "8f4e" and members[value eq "2819c223"]"#,
            r#"((id eq "8f4e") and members[(value eq "2819c223")])"#,
        ),
        (
            r#"members eq "2819c223-7f76-453a-919d-413861904646""#,
            r#"(members eq "2819c223-7f76-453a-919d-413861904646")"#,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
            r#"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915")"#,
        ),
        (
            r#"URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr"#,
            r#"(URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr)"#,
        ),
        // Precedence and associativity: not > and > or, both left-associative.
        ("a pr or b pr and c pr", "((a pr) or ((b pr) and (c pr)))"),
        ("a pr and b pr or c pr", "(((a pr) and (b pr)) or (c pr))"),
        ("a pr and b pr and c pr", "(((a pr) and (b pr)) and (c pr))"),
        ("a pr or b pr or c pr", "(((a pr) or (b pr)) or (c pr))"),
        ("(a pr or b pr) and c pr", "(((a pr) or (b pr)) and (c pr))"),
        ("not (a pr) and b pr", "(not (a pr) and (b pr))"),
        ("not(a pr)", "not (a pr)"),
        ("not (not (a pr))", "not (not (a pr))"),
        ("((((a pr))))", "(a pr)"),
        (
            r#"not (emails[type eq "work"])"#,
            r#"not (emails[(type eq "work")])"#,
        ),
        // Keywords and literals are case-insensitive; names keep their case.
        (
            r#"a PR AND b Pr OR NOT (c Eq "x")"#,
            r#"(((a pr) and (b pr)) or not (c eq "x"))"#,
        ),
        ("USERNAME NE null", "(USERNAME ne null)"),
        ("active eq TRUE", "(active eq true)"),
        ("active Eq False", "(active eq false)"),
        ("x eq Null", "(x eq null)"),
        // JSON numbers, kept as written.
        ("n eq 0", "(n eq 0)"),
        ("n gt -1.5e3", "(n gt -1.5e3)"),
        ("n lt 1E+2", "(n lt 1E+2)"),
        ("n le -0.25", "(n le -0.25)"),
        ("n ge 18446744073709551615", "(n ge 18446744073709551615)"),
        // JSON string escapes.
        (r#"a eq "\u00e9\"\\\/\n\t""#, r#"(a eq "é\"\\/\n\t")"#),
        (r#"a eq "\ud83d\ude00""#, r#"(a eq "😀")"#),
        (r#"a eq "\b\f\r\u0001""#, r#"(a eq "\u0008\u000c\r\u0001")"#),
        (r#"a eq """#, r#"(a eq "")"#),
        (r#"a eq "été 😀""#, r#"(a eq "été 😀")"#),
        // Whitespace leniency.
        ("  userName   eq\t\"x\"  \n", r#"(userName eq "x")"#),
        (r#"userName eq"x""#, r#"(userName eq "x")"#),
        (r#"( a pr )and( b pr )"#, "((a pr) and (b pr))"),
        (
            r#"emails [ type eq "work" ]"#,
            r#"emails[(type eq "work")]"#,
        ),
        // Attribute name characters, `$ref`.
        ("members.$ref pr", "(members.$ref pr)"),
        (r#"members[$ref eq "x"]"#, r#"members[($ref eq "x")]"#),
        ("x-y_z9 pr", "(x-y_z9 pr)"),
        // Value paths, combined and grouped inside the brackets.
        (
            r#"emails[type eq "work"] and userName pr"#,
            r#"(emails[(type eq "work")] and (userName pr))"#,
        ),
        (
            r#"emails[(type eq "work" or type eq "home") and not (primary eq false)]"#,
            r#"emails[(((type eq "work") or (type eq "home")) and not (primary eq false))]"#,
        ),
        // Keywords are only keywords where an operator is expected.
        (r#"pr pr and eq eq "x""#, r#"((pr pr) and (eq eq "x"))"#),
    ];

    /// Invalid filters and fragments their message must contain.
    const FILTER_ERRORS: &[(&str, &[&str])] = &[
        ("", &["filter is empty", "at character 0"]),
        ("   ", &["filter is empty"]),
        (
            "userName",
            &[
                "expected an operator",
                "after 'userName', found end of input at character 8",
            ],
        ),
        (
            "userName eq",
            &["expected a value", "found end of input at character 11"],
        ),
        (
            "userName eq john",
            &[
                "expected a value",
                "double quotes",
                "found 'john' at character 12",
            ],
        ),
        (
            "userName eq 'john'",
            &["expected a value", "found ''john'' at character 12"],
        ),
        (
            r#"userName eq "john"#,
            &["unterminated string literal", "at character 12"],
        ),
        (
            r#"userName equals "john""#,
            &["expected an operator", "found 'equals' at character 9"],
        ),
        (
            r#"userName eq "a" foo pr"#,
            &[
                "expected 'and', 'or' or end of filter",
                "found 'foo' at character 16",
            ],
        ),
        (
            r#"userName eq "a" && b pr"#,
            &["found '&&' at character 16"],
        ),
        (
            r#"(userName eq "a""#,
            &[
                "to close the '(' at character 0",
                "found end of input at character 16",
            ],
        ),
        (r#"userName eq "a")"#, &["unmatched ')' at character 15"]),
        (r#"userName eq "a"]"#, &["unmatched ']' at character 15"]),
        (
            r#"not userName eq "a""#,
            &[
                "expected '(' after 'not'",
                "found 'userName' at character 4",
            ],
        ),
        (
            r#"userName eq "a" and"#,
            &[
                "expected an attribute name, '(' or 'not'",
                "found end of input at character 19",
            ],
        ),
        (
            r#"userName eq "a" and ("#,
            &["expected an attribute name", "at character 21"],
        ),
        (
            "(  )",
            &["expected an attribute name", "found ')' at character 3"],
        ),
        (
            r#""userName" eq "x""#,
            &[
                "expected an attribute name",
                "found a string literal at character 0",
            ],
        ),
        (
            r#"emails[type eq "work""#,
            &["to close the '[' at character 6", "found end of input"],
        ),
        (
            r#"emails[(type eq "work"]"#,
            &[
                "to close the '(' at character 7",
                "found ']' at character 22",
            ],
        ),
        (
            r#"emails[type eq "work"].value eq "x""#,
            &[
                "allowed only in PATCH paths",
                "found '.value' at character 22",
            ],
        ),
        (
            r#"emails[type[value eq "x"] pr]"#,
            &["nested '['", "at character 11"],
        ),
        (
            "emails[]",
            &["expected an attribute name", "found ']' at character 7"],
        ),
        (
            "1userName pr",
            &["must start with a letter", "at character 0"],
        ),
        ("üser pr", &["must start with a letter", "'ü'"]),
        (
            r#"userNamé eq "x""#,
            &["invalid character 'é'", "at character 7"],
        ),
        ("user=name pr", &["invalid character '='", "at character 4"]),
        (
            "name.givenName.x pr",
            &["at most one sub-attribute", "at character 14"],
        ),
        (
            "name. pr",
            &["expected a sub-attribute name after '.'", "at character 5"],
        ),
        (".name pr", &["expected an attribute name at character 0"]),
        (
            "name.1x pr",
            &["must start with a letter", "at character 5"],
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User: pr",
            &[
                "expected an attribute name after the schema URN",
                "at character 43",
            ],
        ),
        ("urn:userName pr", &["schema URN has no namespace"]),
        (
            "urn:a::b pr",
            &["empty segment in schema URN", "at character 6"],
        ),
        (
            "urn:a#b:c pr",
            &["invalid character '#' in schema URN", "at character 5"],
        ),
        (
            "urn:a:2.0:1c pr",
            &["must start with a letter", "at character 10"],
        ),
        (r#"a eq "\q""#, &["invalid escape '\\q'", "at character 6"]),
        (
            r#"a eq "\u12""#,
            &["expected 4 hex digits", "at character 6"],
        ),
        (r#"a eq "\ud800""#, &["unpaired UTF-16 surrogate"]),
        (r#"a eq "\ud800\u0041""#, &["unpaired UTF-16 surrogate"]),
        (r#"a eq "\udc00""#, &["unpaired UTF-16 surrogate"]),
        (
            "a eq \"x\u{1}y\"",
            &["unescaped control character '\\u{1}'", "at character 7"],
        ),
        ("a eq \"x\ny\"", &["unescaped control character '\\n'"]),
        ("n eq 01", &["expected a value", "found '01'"]),
        ("n eq 1.", &["expected a value"]),
        ("n eq .5", &["expected a value"]),
        ("n eq +1", &["expected a value"]),
        ("n eq 1e", &["expected a value"]),
        ("n eq 0x10", &["expected a value"]),
        ("n eq NaN", &["expected a value"]),
        ("n eq -Infinity", &["expected a value"]),
        ("n eq truex", &["expected a value"]),
        ("n eq (1)", &["expected a value", "found '('"]),
        (
            "a pr b pr",
            &["expected 'and', 'or' or end of filter", "found 'b'"],
        ),
        ("a gt", &["expected a value"]),
        ("a pr and not b pr", &["expected '(' after 'not'"]),
        ("a eq \"é\" ☃", &["found '☃' at character 9"]),
    ];

    /// Valid PATCH paths and their canonical rendering.
    const PATH_CASES: &[(&str, &str)] = &[
        // RFC 7644 §3.5.2 examples.
        ("members", "members"),
        ("name.familyName", "name.familyName"),
        (
            r#"addresses[type eq "work"]"#,
            r#"addresses[(type eq "work")]"#,
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            r#"members[(value eq "2819c223-7f76-453a-919d-413861904646")]"#,
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            r#"members[(value eq "2819c223-7f76-453a-919d-413861904646")].displayName"#,
        ),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            r#"emails[((type eq "work") and (value ew "example.com"))]"#,
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            r#"addresses[(type eq "work")].streetAddress"#,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        ),
        // Entra ID / Okta forms.
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
        ),
        (
            r#"emails[type eq "work"].value"#,
            r#"emails[(type eq "work")].value"#,
        ),
        (
            r#"phoneNumbers[type eq "mobile"].value"#,
            r#"phoneNumbers[(type eq "mobile")].value"#,
        ),
        (
            r#"addresses[type eq "work"].formatted"#,
            r#"addresses[(type eq "work")].formatted"#,
        ),
        (r#"members[value eq "id"]"#, r#"members[(value eq "id")]"#),
        (
            r#"members[value eq "id"].$ref"#,
            r#"members[(value eq "id")].$ref"#,
        ),
        ("active", "active"),
        ("  name.givenName  ", "name.givenName"),
        (
            r#"EMAILS[TYPE EQ "work"].VALUE"#,
            r#"EMAILS[(TYPE eq "work")].VALUE"#,
        ),
        (
            r#"emails[type eq "work" and primary eq true].value"#,
            r#"emails[((type eq "work") and (primary eq true))].value"#,
        ),
        (
            r#"emails[not (type eq "home")]"#,
            r#"emails[not (type eq "home")]"#,
        ),
    ];

    const PATH_ERRORS: &[(&str, &[&str])] = &[
        ("", &["path is empty"]),
        ("  \t ", &["path is empty"]),
        (
            "name.",
            &["expected a sub-attribute name after '.'", "at character 5"],
        ),
        (
            "name..givenName",
            &["at most one sub-attribute", "at character 5"],
        ),
        (
            "name.givenName.x",
            &["at most one sub-attribute", "at character 14"],
        ),
        (
            r#"emails[type eq "work"]."#,
            &["expected a sub-attribute name after '.'", "at character 23"],
        ),
        (
            r#"emails[type eq "work"].value.x"#,
            &["at most one sub-attribute", "at character 28"],
        ),
        (
            r#"emails[type eq "work""#,
            &["to close the '[' at character 6", "found end of input"],
        ),
        (
            r#"emails[type eq "work"]x"#,
            &[
                "expected '.subAttribute' or end of path after ']'",
                "found 'x' at character 22",
            ],
        ),
        (
            r#"emails[type eq "work"][primary eq true]"#,
            &["expected '.subAttribute' or end of path", "found '['"],
        ),
        (
            r#"emails[type eq "work"].value eq "x""#,
            &["expected end of path", "found 'eq'"],
        ),
        (
            "emails type",
            &[
                "expected '[' or end of path after 'emails'",
                "found 'type' at character 7",
            ],
        ),
        (
            "emails]",
            &["expected '[' or end of path", "found ']' at character 6"],
        ),
        (
            r#"[type eq "work"]"#,
            &["expected an attribute path", "found '[' at character 0"],
        ),
        ("emails[]", &["expected an attribute name", "found ']'"]),
        (r#"emails[type[x eq "y"] pr]"#, &["nested '['"]),
        (
            r#"userName eq "x""#,
            &["expected '[' or end of path after 'userName'"],
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
            &["expected an attribute name after the schema URN"],
        ),
        ("1abc", &["must start with a letter"]),
        (
            r#"emails[type eq "work"].1x"#,
            &["must start with a letter", "at character 23"],
        ),
    ];

    fn parse_ok(input: &str) -> Filter {
        match parse_filter(input) {
            Ok(f) => f,
            Err(e) => panic!("{input:?} should parse: {e}"),
        }
    }

    #[test]
    fn filters_parse_to_canonical_form_and_round_trip() {
        for &(input, expected) in FILTER_CASES {
            let filter = parse_ok(input);
            assert_eq!(filter.to_string(), expected, "input {input:?}");
            assert_eq!(
                parse_filter(expected),
                Ok(filter),
                "round trip of {input:?}"
            );
        }
    }

    #[test]
    fn filter_errors_say_what_and_where() {
        for &(input, fragments) in FILTER_ERRORS {
            let err = match parse_filter(input) {
                Ok(f) => panic!("{input:?} should fail, parsed as {f}"),
                Err(e) => e,
            };
            for fragment in fragments {
                assert!(
                    err.message.contains(fragment),
                    "error for {input:?} is {:?}, missing {fragment:?}",
                    err.message
                );
            }
            assert!(err.message.contains("at character "), "{:?}", err.message);
        }
    }

    #[test]
    fn paths_parse_to_canonical_form_and_round_trip() {
        for &(input, expected) in PATH_CASES {
            let path = match parse_path(input) {
                Ok(p) => p,
                Err(e) => panic!("{input:?} should parse: {e}"),
            };
            assert_eq!(path.to_string(), expected, "input {input:?}");
            assert_eq!(parse_path(expected), Ok(path), "round trip of {input:?}");
        }
    }

    #[test]
    fn path_errors_say_what_and_where() {
        for &(input, fragments) in PATH_ERRORS {
            let err = match parse_path(input) {
                Ok(p) => panic!("{input:?} should fail, parsed as {p}"),
                Err(e) => e,
            };
            for fragment in fragments {
                assert!(
                    err.message.contains(fragment),
                    "error for {input:?} is {:?}, missing {fragment:?}",
                    err.message
                );
            }
            assert!(err.message.contains("at character "), "{:?}", err.message);
        }
    }

    fn attr(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        }
    }

    #[test]
    fn path_structure() {
        let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let work = Filter::Compare {
            attr: attr(None, "type", None),
            op: CompareOp::Eq,
            value: Literal::Str("work".to_owned()),
        };
        let cases: &[(&str, PatchPath)] = &[
            (
                "name.givenName",
                PatchPath {
                    attr: attr(None, "name", Some("givenName")),
                    filter: None,
                    sub: None,
                },
            ),
            (
                r#"emails[type eq "work"].value"#,
                PatchPath {
                    attr: attr(None, "emails", None),
                    filter: Some(work.clone()),
                    sub: Some("value".to_owned()),
                },
            ),
            (
                r#"emails[type eq "work"]"#,
                PatchPath {
                    attr: attr(None, "emails", None),
                    filter: Some(work),
                    sub: None,
                },
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                PatchPath {
                    attr: attr(Some(enterprise), "employeeNumber", None),
                    filter: None,
                    sub: None,
                },
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                PatchPath {
                    attr: attr(Some(enterprise), "manager", Some("value")),
                    filter: None,
                    sub: None,
                },
            ),
            // A bare schema URN splits at its last ':' like any other (see AttrPath's docs).
            (
                enterprise,
                PatchPath {
                    attr: attr(
                        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
                        "User",
                        None,
                    ),
                    filter: None,
                    sub: None,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_path(input).as_ref(), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn filter_structure() {
        let f = parse_ok(r#"userName eq "bjensen" and not (loginCount gt -1.5e3)"#);
        let expected = Filter::And(
            Box::new(Filter::Compare {
                attr: attr(None, "userName", None),
                op: CompareOp::Eq,
                value: Literal::Str("bjensen".to_owned()),
            }),
            Box::new(Filter::Not(Box::new(Filter::Compare {
                attr: attr(None, "loginCount", None),
                op: CompareOp::Gt,
                value: Literal::Number("-1.5e3".to_owned()),
            }))),
        );
        assert_eq!(f, expected);
        let f = parse_ok(r#"emails[type eq "work"]"#);
        assert_eq!(
            f,
            Filter::ValuePath {
                attr: attr(None, "emails", None),
                filter: Box::new(Filter::Compare {
                    attr: attr(None, "type", None),
                    op: CompareOp::Eq,
                    value: Literal::Str("work".to_owned()),
                }),
            }
        );
        let f = parse_ok("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName pr");
        assert_eq!(
            f,
            Filter::Present(attr(
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "name",
                Some("givenName")
            ))
        );
    }

    #[test]
    fn attr_key_is_lowercase_without_urn() {
        let cases = [
            ("name.givenName", "name.givenname"),
            ("userName", "username"),
            ("emails.value", "emails.value"),
            ("members.$ref", "members.$ref"),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                "username",
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                "manager.value",
            ),
        ];
        for (input, key) in cases {
            let path = parse_path(input).map(|p| p.attr.key());
            assert_eq!(path.as_deref(), Ok(key), "input {input:?}");
        }
    }

    #[test]
    fn display_of_parts() {
        assert_eq!(CompareOp::Ge.to_string(), "ge");
        assert_eq!(Literal::Null.to_string(), "null");
        assert_eq!(Literal::Bool(false).to_string(), "false");
        assert_eq!(Literal::Number("-1.5e3".into()).to_string(), "-1.5e3");
        assert_eq!(
            Literal::Str("a\"b\\c\u{1f}".into()).to_string(),
            r#""a\"b\\c\u001f""#
        );
        let err = ParseError {
            message: "boom at character 3".into(),
        };
        assert_eq!(err.to_string(), "boom at character 3");
        let _: &dyn std::error::Error = &err;
    }

    fn user() -> Value {
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "abc",
            "userName": "bjensen@example.com",
            "name": {"familyName": "O'Malley", "givenName": "Barbara", "middleName": ""},
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "nickName": "",
            "userType": "Employee",
            "active": true,
            "loginCount": 42,
            "score": 1.5,
            "big": 18446744073709551615u64,
            "negative": -7,
            "preferredLanguage": null,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "phoneNumbers": [],
            "x509Certificates": [{"value": ""}],
            "groups": [{"value": null}],
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z"
            },
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "department": "Tour Operations",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
            }
        })
    }

    const MATCH_CASES: &[(&str, bool)] = &[
        // eq / ne, case-insensitive names and values.
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"USERNAME EQ "BJENSEN@EXAMPLE.COM""#, true),
        (r#"userName eq "bjensen""#, false),
        (r#"userName ne "bjensen""#, true),
        (r#"userName ne "BJensen@Example.com""#, false),
        (r#"externalId eq "abc""#, true),
        (r#"displayName eq "babs jensen""#, true),
        (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, true),
        // co / sw / ew.
        (r#"userName co "JENSEN""#, true),
        (r#"userName co "smith""#, false),
        (r#"userName sw "B""#, true),
        (r#"userName sw "j""#, false),
        (r#"userName ew ".COM""#, true),
        (r#"userName ew ".org""#, false),
        (r#"userName co """#, true),
        (r#"name.familyName co "O'Malley""#, true),
        (r#"NAME.GIVENNAME sw "bar""#, true),
        // gt / ge / lt / le on strings and timestamps.
        (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2012-01-01T00:00:00Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified eq "2011-05-13t04:42:34z""#, true),
        (r#"meta.created lt "2011-05-13T04:42:34Z""#, true),
        (r#"userName gt "A""#, true),
        (r#"userName gt "C""#, false),
        (r#"userName lt "c""#, true),
        // Numbers.
        ("loginCount eq 42", true),
        ("loginCount eq 42.0", true),
        ("loginCount eq 4.2e1", true),
        ("loginCount ne 42", false),
        ("loginCount ne 41", true),
        ("loginCount gt 41", true),
        ("loginCount gt 42", false),
        ("loginCount ge 42", true),
        ("loginCount lt 1e2", true),
        ("loginCount le -1", false),
        ("score gt 1", true),
        ("score eq 1.5", true),
        ("score eq 15e-1", true),
        ("score lt 1.25", false),
        ("big eq 18446744073709551615", true),
        ("big gt 18446744073709551614", true),
        ("big gt -1", true),
        ("negative lt 0", true),
        ("negative eq -7", true),
        ("negative gt 18446744073709551615", false),
        // Booleans: eq / ne only.
        ("active eq true", true),
        ("active eq TRUE", true),
        ("active eq false", false),
        ("active ne false", true),
        ("active ne true", false),
        ("active gt false", false),
        ("active co true", false),
        ("emails.primary eq true", true),
        // Type mismatches are false, including for ne.
        (r#"loginCount eq "42""#, false),
        (r#"loginCount ne "42""#, false),
        ("userName eq 42", false),
        ("userName gt 1", false),
        (r#"active eq "true""#, false),
        ("loginCount co 4", false),
        ("loginCount sw 4", false),
        ("userName eq true", false),
        (r#"name eq "Barbara""#, false),
        ("emails eq 1", false),
        // Null means unassigned.
        ("preferredLanguage eq null", true),
        ("missing eq null", true),
        ("nickName eq null", true),
        ("title eq null", false),
        ("title ne null", true),
        ("preferredLanguage ne null", false),
        ("title gt null", false),
        ("emails eq null", false),
        ("phoneNumbers eq null", true),
        // pr.
        ("title pr", true),
        ("active pr", true),
        ("loginCount pr", true),
        ("nickName pr", false),
        ("preferredLanguage pr", false),
        ("phoneNumbers pr", false),
        ("x509Certificates pr", false),
        ("groups pr", false),
        ("missing pr", false),
        ("name pr", true),
        ("name.middleName pr", false),
        ("name.givenName pr", true),
        ("emails pr", true),
        ("emails.value pr", true),
        ("emails.display pr", false),
        ("meta.lastModified pr", true),
        // Multi-valued: any element; a complex element compared directly means its `value`.
        (r#"emails eq "babs@jensen.org""#, true),
        (r#"emails co "example.com""#, true),
        (r#"emails co "example.net""#, false),
        (r#"emails.value ew "@JENSEN.ORG""#, true),
        (r#"emails.type eq "home""#, true),
        (r#"emails.type eq "other""#, false),
        (r#"emails ne "babs@jensen.org""#, true),
        (r#"ims ne "someaimhandle""#, false),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#,
            false,
        ),
        // Value paths: all conditions on the same element.
        (
            r#"emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "home" and value co "@example.com"]"#,
            false,
        ),
        (
            r#"emails[type eq "work"] and emails[value co "@jensen.org"]"#,
            true,
        ),
        (r#"ims[type eq "xmpp"]"#, false),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
        (r#"emails[not (type eq "work")]"#, true),
        (r#"emails[primary eq true]"#, true),
        (r#"emails[primary eq false]"#, false),
        (r#"emails[primary pr and type eq "home"]"#, false),
        (r#"EMAILS[TYPE EQ "WORK"]"#, true),
        (r#"name[givenName eq "barbara"]"#, true),
        (r#"phoneNumbers[type pr]"#, false),
        (r#"userName[value pr]"#, false),
        (r#"missing[type pr]"#, false),
        // Logic, with the RFC's examples.
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr or userType eq "Intern""#, true),
        (r#"nickName pr or userType eq "Intern""#, false),
        (r#"not (userType eq "Employee")"#, false),
        ("not (missing pr)", true),
        ("not (not (title pr))", true),
        // Missing attributes match nothing but negations.
        (r#"missing eq "x""#, false),
        (r#"missing ne "x""#, false),
        (r#"missing co """#, false),
        (r#"not (missing eq "x")"#, true),
        (r#"userName.value eq "x""#, false),
        // Schema URNs: extension under its key, core at the top level.
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr",
            true,
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT pr",
            true,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr",
            false,
        ),
        ("urn:example:other:2.0:User:department pr", false),
        ("employeeNumber pr", false),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "o'malley""#,
            true,
        ),
        (r#"meta.resourceType eq "User""#, true),
    ];

    #[test]
    fn matches_user() {
        let user = user();
        for &(input, expected) in MATCH_CASES {
            assert_eq!(parse_ok(input).matches(&user), expected, "filter {input:?}");
        }
    }

    #[test]
    fn matches_groups_and_elements() {
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e30dba",
            "displayName": "Engineering",
            "members": [
                {"value": "2819c223-7f76-453a-919d-413861904646", "$ref": "https://example.com/v2/Users/2819c223", "display": "Babs"},
                {"value": "902c246b-6245-4190-8e05-00816be7344a"}
            ]
        });
        let element = json!({"value": "bjensen@example.com", "type": "work", "primary": true});
        let cases: &[(&str, &Value, bool)] = &[
            (r#"displayName eq "Engineering""#, &group, true),
            (
                r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
                &group,
                true,
            ),
            (r#"members[value eq "0000"]"#, &group, false),
            (
                r#"members eq "902c246b-6245-4190-8e05-00816be7344a""#,
                &group,
                true,
            ),
            (r#"members.$ref sw "https://""#, &group, true),
            (r#"members[$ref pr and display eq "babs"]"#, &group, true),
            (
                r#"id eq "e9e30dba" and members[value eq "902c246b-6245-4190-8e05-00816be7344a"]"#,
                &group,
                true,
            ),
            // An element of a multi-valued attribute, as PATCH filters see it.
            (r#"type eq "work""#, &element, true),
            (
                r#"type eq "WORK" and value ew "example.com""#,
                &element,
                true,
            ),
            (r#"primary eq true"#, &element, true),
            (r#"type eq "home""#, &element, false),
            (r#"display pr"#, &element, false),
        ];
        for &(input, resource, expected) in cases {
            assert_eq!(
                parse_ok(input).matches(resource),
                expected,
                "filter {input:?}"
            );
        }
    }

    #[test]
    fn matches_non_objects_is_false_not_panic() {
        let values = [
            json!(null),
            json!([]),
            json!("userName"),
            json!(1),
            json!([{"userName": "x"}]),
        ];
        for v in &values {
            assert!(!parse_ok(r#"userName eq "x""#).matches(v));
            assert!(!parse_ok("userName pr").matches(v));
            assert!(!parse_ok(r#"emails[type eq "work"]"#).matches(v));
            assert!(parse_ok("not (userName pr)").matches(v));
            assert!(parse_ok("userName eq null").matches(v));
        }
    }

    #[test]
    fn present_handles_deep_json() {
        let mut deep = json!("x");
        let mut empty = json!([]);
        for _ in 0..100 {
            deep = json!([deep]);
            empty = json!([empty]);
        }
        let resource = json!({ "deep": deep, "empty": empty });
        assert!(parse_ok("deep pr").matches(&resource));
        // Past the depth cap a non-empty container counts as present; must not panic.
        let _ = parse_ok("empty pr").matches(&resource);
        assert!(!parse_ok(r#"deep eq "x""#).matches(&resource));
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse_ok(&nested(MAX_DEPTH)).to_string(), "(a pr)");
        let err = parse_filter(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert!(err.message.contains("more than 32 levels"), "{err}");
        assert!(err.message.contains("at character 32"), "{err}");

        let nots = |n: usize| format!("{}a pr{}", "not (".repeat(n), ")".repeat(n));
        assert!(parse_filter(&nots(MAX_DEPTH)).is_ok());
        assert!(parse_filter(&nots(MAX_DEPTH + 1)).is_err());

        let in_brackets = format!("emails[{}]", nested(MAX_DEPTH + 1));
        assert!(parse_filter(&in_brackets).is_err());
        assert!(parse_path(&in_brackets).is_err());

        for input in ["(".repeat(10_000), "(".repeat(4096), "not (".repeat(819)] {
            let err = parse_filter(&input).unwrap_err();
            assert!(
                err.message.contains("at most 4096 bytes") || err.message.contains("levels"),
                "{err}"
            );
            assert!(parse_path(&format!("a[{input}")).is_err());
        }
        assert!(parse_filter(&format!("{}a pr", "(".repeat(4000)))
            .unwrap_err()
            .message
            .contains("levels"));
        assert!(parse_filter(&"[".repeat(10_000)).is_err());
        assert!(parse_filter(&format!("a[{}", "b[".repeat(2000))).is_err());
    }

    #[test]
    fn length_is_bounded() {
        let long = format!(r#"userName eq "{}""#, "x".repeat(MAX_INPUT_LEN));
        let err = parse_filter(&long).unwrap_err();
        assert!(err.message.contains("at most 4096 bytes"), "{err}");
        assert!(parse_path(&long)
            .unwrap_err()
            .message
            .contains("at most 4096 bytes"));
        let max = format!(r#"userName eq "{}""#, "x".repeat(MAX_INPUT_LEN - 14));
        assert_eq!(max.len(), MAX_INPUT_LEN);
        assert!(parse_filter(&max).is_ok());
    }

    #[test]
    fn long_flat_chains_parse_and_evaluate() {
        // Left-deep trees of ~500 nodes: recursion in matches/Display/Drop stays shallow enough.
        let chain = |sep: &str| {
            let mut s = String::from("a pr");
            while s.len() + sep.len() + 4 <= MAX_INPUT_LEN {
                s.push_str(sep);
                s.push_str("b pr");
            }
            s
        };
        let resource = json!({"a": 1});
        let and = parse_ok(&chain(" and "));
        assert!(!and.matches(&resource));
        let or = parse_ok(&chain(" or "));
        assert!(or.matches(&resource));
        assert!(or.to_string().starts_with("(((((((("));
    }

    /// Deterministic xorshift, so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Parses `input` both ways; whatever parses must render and re-parse to itself and
    /// evaluate without panicking.
    fn exercise(input: &str, resource: &Value) {
        if let Ok(f) = parse_filter(input) {
            let rendered = f.to_string();
            if let Ok(again) = parse_filter(&rendered) {
                assert_eq!(again, f, "round trip of {input:?} via {rendered:?}");
            }
            let _ = f.matches(resource);
        }
        if let Ok(p) = parse_path(input) {
            let rendered = p.to_string();
            if let Ok(again) = parse_path(&rendered) {
                assert_eq!(again, p, "round trip of {input:?} via {rendered:?}");
            }
            if let Some(f) = &p.filter {
                let _ = f.matches(resource);
            }
        }
    }

    #[test]
    fn insertions_deletions_and_truncations_never_panic() {
        let resource = user();
        let inserts = [
            "é", "😀", "\u{0}", "\"", "(", ")", "[", "]", ".", ":", "\\", " ", "$", "\u{301}",
            "\u{feff}",
        ];
        let inputs = FILTER_CASES
            .iter()
            .chain(PATH_CASES)
            .map(|(i, _)| *i)
            .chain(FILTER_ERRORS.iter().chain(PATH_ERRORS).map(|(i, _)| *i));
        for input in inputs {
            let boundaries: Vec<usize> = input
                .char_indices()
                .map(|(i, _)| i)
                .chain([input.len()])
                .collect();
            for &at in &boundaries {
                let (head, tail) = input.split_at(at);
                exercise(head, &resource);
                for insert in inserts {
                    exercise(&format!("{head}{insert}{tail}"), &resource);
                }
                let mut rest = tail.chars();
                rest.next();
                exercise(&format!("{head}{}", rest.as_str()), &resource);
            }
        }
    }

    #[test]
    fn random_garbage_never_panics() {
        let resource = user();
        let pieces = [
            "a",
            "Z",
            "0",
            "9",
            " ",
            "\t",
            "(",
            ")",
            "[",
            "]",
            "\"",
            "\\",
            ".",
            ":",
            "$",
            "-",
            "é",
            "😀",
            "\u{0}",
            "\u{7f}",
            "eq ",
            "and ",
            "or ",
            "not ",
            "pr",
            " pr ",
            "urn:",
            "urn:x:",
            "\\u00e9",
            "\\ud83d",
            "\"x\"",
            "true",
            "null",
            "-1.5e3",
            "emails",
            "[type eq \"work\"]",
            ".value",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = rng.below(24);
            let s: String = (0..len).map(|_| pieces[rng.below(pieces.len())]).collect();
            exercise(&s, &resource);
        }
        for _ in 0..5_000 {
            let len = rng.below(64);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            exercise(&String::from_utf8_lossy(&bytes), &resource);
        }
    }
}
