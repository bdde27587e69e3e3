//! What a provider's JSON says, read the way providers write it, and PATCH (RFC 7644
//! §3.5.2) applied to a resource's JSON: the result is then read and stored exactly as
//! a PUT of it would be, so PATCH and PUT cannot disagree.
//!
//! Providers bend the standard, and what they are known to send is accepted
//! (docs/provisioning.md lists each): attribute names and operation names in any case;
//! booleans as the strings `"True"`/`"False"` (Entra ID); an operation without `path`
//! whose `value` is an object of attributes, dotted names included (`"name.givenName"`,
//! Entra ID; Okta's `{"active": false}`); `add` to `emails[type eq "work"].value` when no
//! such address exists yet (it is created, Entra ID); `remove` of `members` with a
//! `value` listing whom (Entra ID) as well as with a filter (Okta); the resource's own
//! `id` and `meta` in a replacing object (ignored). Attributes Purser does not keep
//! (e.g. the enterprise extension) are accepted and dropped.

use super::error::{ScimError, ScimResult};
use super::filter::{self, CompareOp, Filter, Literal};
use purser_core::scim::MAX_PATCH_OPERATIONS;
use serde_json::{Map, Value};

/// How an attribute of a resource is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string or boolean.
    Simple,
    /// An object with these sub-attributes (`name`).
    Complex(&'static [&'static str]),
    /// A list of objects with these sub-attributes (`emails`, `members`).
    Multi(&'static [&'static str]),
    /// Set by the server (`id`, `meta`): ignored in a replacing object, refused by path.
    ReadOnly,
}

/// A resource type's attributes, by their canonical names.
pub struct Shape {
    /// The core schema's URN (`urn:…:core:2.0:User`).
    pub schema: &'static str,
    pub attributes: &'static [(&'static str, Kind)],
}

impl Shape {
    /// The attribute `name` is (any case), with its kind; `None` for one Purser does
    /// not keep.
    fn find(&self, name: &str) -> Option<(&'static str, Kind)> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .copied()
    }
}

/// `key`'s value in `object`, whatever the case of its name.
pub fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// A boolean as providers send it: `true`, or the string `"True"` (any case).
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A sub-attribute's canonical name in `subs` (any case), else the name as sent.
fn canonical_sub(subs: &[&'static str], name: &str) -> String {
    subs.iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |s| (*s).to_owned())
}

/// An object's keys renamed to `subs`' canonical names (values of `primary` read as
/// booleans), so that what is stored and compared is one spelling.
fn canonical_element(subs: &[&'static str], value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = canonical_sub(subs, &k);
                    let v = if k == "primary" {
                        boolean(&v).map_or(v, Value::Bool)
                    } else {
                        v
                    };
                    (k, v)
                })
                .collect(),
        ),
        // A bare value in a list of objects is the object's `value` (`"emails": ["a@b"]`).
        other if subs.contains(&"value") => {
            let mut map = Map::new();
            map.insert("value".into(), other);
            Value::Object(map)
        }
        other => other,
    }
}

/// A value set on an attribute of `kind`, in canonical form.
fn canonical_value(kind: Kind, name: &str, value: Value) -> Value {
    match kind {
        Kind::Simple if name == "active" => boolean(&value).map_or(value, Value::Bool),
        Kind::Complex(subs) => canonical_element(subs, value),
        Kind::Multi(subs) => match value {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| canonical_element(subs, v))
                    .collect(),
            ),
            single => Value::Array(vec![canonical_element(subs, single)]),
        },
        _ => value,
    }
}

/// A whole resource as sent (POST, PUT), in canonical form: top-level names as the
/// shape spells them (a core-schema URN prefix dropped), attributes Purser does not
/// keep and read-only ones left out.
pub fn canonical_resource(shape: &Shape, body: Value) -> ScimResult<Map<String, Value>> {
    let Value::Object(map) = body else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "The body must be a JSON object.",
        ));
    };
    let mut out = Map::new();
    for (key, value) in map {
        let name = strip_schema(shape, &key);
        if let Some((name, kind)) = shape.find(name) {
            if kind != Kind::ReadOnly && !value.is_null() {
                out.insert(name.to_owned(), canonical_value(kind, name, value));
            }
        }
    }
    Ok(out)
}

/// `key` without the core schema's URN (`urn:…:core:2.0:User:userName` → `userName`).
fn strip_schema<'a>(shape: &Shape, key: &'a str) -> &'a str {
    match key.get(..shape.schema.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(shape.schema) => key
            .get(shape.schema.len()..)
            .map_or(key, |rest| rest.trim_start_matches(':')),
        _ => key,
    }
}

/// One PATCH operation as sent.
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

/// A PATCH request's operations (`Operations`, any case), checked for shape.
pub fn operations(body: &Value) -> ScimResult<Vec<Operation>> {
    let syntax = |m: &str| ScimError::bad("invalidSyntax", m.to_owned());
    let object = body
        .as_object()
        .ok_or_else(|| syntax("A PATCH body is a JSON object with Operations."))?;
    let ops = get(object, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("A PATCH body needs an Operations list."))?;
    if ops.len() > MAX_PATCH_OPERATIONS {
        return Err(syntax(&format!(
            "At most {MAX_PATCH_OPERATIONS} operations in one PATCH."
        )));
    }
    ops.iter()
        .map(|op| {
            let op = op
                .as_object()
                .ok_or_else(|| syntax("Each operation is an object."))?;
            let name = get(op, "op")
                .and_then(Value::as_str)
                .ok_or_else(|| syntax("Each operation needs an op."))?;
            let kind = match name.to_ascii_lowercase().as_str() {
                "add" => Op::Add,
                "replace" => Op::Replace,
                "remove" => Op::Remove,
                _ => {
                    return Err(syntax(&format!(
                        "op is add, replace or remove, not {name:?}."
                    )))
                }
            };
            let path = match get(op, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return Err(syntax("path is a string.")),
            };
            Ok(Operation {
                op: kind,
                path,
                value: get(op, "value").cloned(),
            })
        })
        .collect()
}

/// `resource` (as stored and answered) with `operations` applied, in canonical form.
pub fn patched(
    shape: &Shape,
    resource: Value,
    operations: &[Operation],
) -> ScimResult<Map<String, Value>> {
    let mut resource = canonical_resource(shape, resource)?;
    for op in operations {
        apply(shape, &mut resource, op)?;
    }
    Ok(resource)
}

fn no_target(m: impl Into<String>) -> ScimError {
    ScimError::bad("noTarget", m)
}

/// Applies one operation to `resource` (canonical form, as `canonical_resource`).
pub fn apply(shape: &Shape, resource: &mut Map<String, Value>, op: &Operation) -> ScimResult<()> {
    let Some(path) = &op.path else {
        if op.op == Op::Remove {
            return Err(no_target("remove needs a path."));
        }
        let Some(Value::Object(values)) = &op.value else {
            return Err(ScimError::invalid_value(
                "An operation without a path needs an object of attributes as its value.",
            ));
        };
        for (key, value) in values {
            // An extension's attributes come as an object under its URN; Purser's own
            // is read-only and others are not kept.
            if key.to_ascii_lowercase().starts_with("urn:")
                && !key
                    .to_ascii_lowercase()
                    .starts_with(&shape.schema.to_ascii_lowercase())
            {
                continue;
            }
            let one = Operation {
                op: op.op,
                path: Some(strip_schema(shape, key).to_owned()),
                value: Some(value.clone()),
            };
            match apply(shape, resource, &one) {
                // Okta and others send the resource's own id or meta along.
                Err(ScimError::Protocol {
                    scim_type: Some("mutability"),
                    ..
                }) => continue,
                other => other?,
            }
        }
        return Ok(());
    };
    let parsed = filter::parse_path(path)
        .map_err(|e| ScimError::bad("invalidPath", format!("{path:?}: {e}")))?;
    if let Some(urn) = &parsed.attr.urn {
        if !urn.eq_ignore_ascii_case(shape.schema) {
            // An extension's attribute: not one Purser keeps (its own is read-only).
            return Ok(());
        }
    }
    let Some((name, kind)) = shape.find(&parsed.attr.name) else {
        return Ok(());
    };
    let value = || {
        op.value
            .clone()
            .filter(|v| !v.is_null())
            .ok_or_else(|| ScimError::invalid_value(format!("{} needs a value.", path)))
    };
    match kind {
        Kind::ReadOnly => Err(ScimError::bad(
            "mutability",
            format!("{name} is set by Purser."),
        )),
        Kind::Simple => {
            match op.op {
                Op::Remove => {
                    resource.remove(name);
                }
                Op::Add | Op::Replace => {
                    resource.insert(name.to_owned(), canonical_value(kind, name, value()?));
                }
            }
            Ok(())
        }
        Kind::Complex(subs) => {
            match (op.op, &parsed.attr.sub) {
                (Op::Remove, None) => {
                    resource.remove(name);
                }
                (Op::Remove, Some(sub)) => {
                    if let Some(Value::Object(o)) = resource.get_mut(name) {
                        o.remove(&canonical_sub(subs, sub));
                    }
                }
                (_, Some(sub)) => {
                    let entry = resource
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !entry.is_object() {
                        *entry = Value::Object(Map::new());
                    }
                    if let Value::Object(o) = entry {
                        o.insert(canonical_sub(subs, sub), value()?);
                    }
                }
                (Op::Replace, None) => {
                    resource.insert(name.to_owned(), canonical_value(kind, name, value()?));
                }
                (Op::Add, None) => {
                    let Value::Object(add) = canonical_value(kind, name, value()?) else {
                        return Err(ScimError::invalid_value(format!("{name} is an object.")));
                    };
                    let entry = resource
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    match entry {
                        Value::Object(o) => o.extend(add),
                        other => *other = Value::Object(add),
                    }
                }
            }
            Ok(())
        }
        Kind::Multi(subs) => {
            let sub = parsed
                .sub
                .as_deref()
                .or(parsed.attr.sub.as_deref())
                .map(|s| canonical_sub(subs, s));
            apply_multi(
                resource,
                (name, kind, subs),
                op,
                parsed.filter.as_ref(),
                sub,
            )
        }
    }
}

fn apply_multi(
    resource: &mut Map<String, Value>,
    (name, kind, subs): (&'static str, Kind, &'static [&'static str]),
    op: &Operation,
    filter: Option<&Filter>,
    sub: Option<String>,
) -> ScimResult<()> {
    let list = match resource.get_mut(name) {
        Some(Value::Array(items)) => std::mem::take(items),
        _ => Vec::new(),
    };
    let matches = |item: &Value| filter.is_none_or(|f| f.matches(item));
    let value = op.value.clone().filter(|v| !v.is_null());
    let list = match (op.op, filter, sub) {
        // The whole list.
        (Op::Add, None, None) => {
            let Value::Array(new) = canonical_value(
                kind,
                name,
                value.ok_or_else(|| {
                    ScimError::invalid_value(format!("add to {name} needs a value."))
                })?,
            ) else {
                unreachable_list()?
            };
            let mut list = list;
            for item in new {
                // Adding what is there already replaces it (no duplicates).
                let same = item.get("value").cloned();
                list.retain(|old| same.is_none() || old.get("value") != same.as_ref());
                list.push(item);
            }
            list
        }
        (Op::Replace, None, None) => match value {
            Some(v) => match canonical_value(kind, name, v) {
                Value::Array(new) => new,
                _ => unreachable_list()?,
            },
            None => Vec::new(),
        },
        (Op::Remove, None, None) => match value {
            // Entra ID names whom to remove in the value instead of a filter.
            Some(v) => {
                let gone: Vec<Value> = match canonical_value(kind, name, v) {
                    Value::Array(items) => items,
                    _ => Vec::new(),
                };
                list.into_iter()
                    .filter(|item| {
                        !gone.iter().any(|g| {
                            g.get("value").is_some() && g.get("value") == item.get("value")
                        })
                    })
                    .collect()
            }
            None => Vec::new(),
        },
        // Elements the filter selects, whole.
        (Op::Remove, Some(_), None) => list.into_iter().filter(|i| !matches(i)).collect(),
        (Op::Add | Op::Replace, Some(f), None) => {
            let new = canonical_element(
                subs,
                value.ok_or_else(|| ScimError::invalid_value(format!("{name} needs a value.")))?,
            );
            let Value::Object(new) = new else {
                return Err(ScimError::invalid_value(format!(
                    "An element of {name} is an object."
                )));
            };
            let mut list = list;
            let mut found = false;
            for item in list.iter_mut().filter(|i| f.matches(i)) {
                found = true;
                if let Value::Object(o) = item {
                    o.extend(new.clone());
                }
            }
            if !found {
                if op.op == Op::Replace {
                    return Err(no_target(format!(
                        "No element of {name} matches the filter."
                    )));
                }
                let mut item = seed(f);
                item.extend(new);
                list.push(Value::Object(item));
            }
            list
        }
        // One sub-attribute of the selected elements (of all, without a filter).
        (Op::Remove, _, Some(sub)) => list
            .into_iter()
            .map(|mut item| {
                if matches(&item) {
                    if let Value::Object(o) = &mut item {
                        o.remove(&sub);
                    }
                }
                item
            })
            .collect(),
        (Op::Add | Op::Replace, _, Some(sub)) => {
            let v = value
                .ok_or_else(|| ScimError::invalid_value(format!("{name}.{sub} needs a value.")))?;
            let v = if sub == "primary" {
                boolean(&v).map_or(v, Value::Bool)
            } else {
                v
            };
            let mut list = list;
            let mut found = false;
            for item in list.iter_mut().filter(|i| matches(i)) {
                found = true;
                if let Value::Object(o) = item {
                    o.insert(sub.clone(), v.clone());
                }
            }
            if !found {
                // Entra ID adds `emails[type eq "work"].value` before any exists.
                let mut item = filter.map(seed).unwrap_or_default();
                item.insert(sub, v);
                list.push(Value::Object(item));
            }
            list
        }
    };
    let list = one_primary(list);
    if list.is_empty() {
        resource.remove(name);
    } else {
        resource.insert(name.to_owned(), Value::Array(list));
    }
    Ok(())
}

fn unreachable_list<T>() -> ScimResult<T> {
    Err(ScimError::invalid_value("Expected a list."))
}

/// A new element carrying what the filter's `eq` terms say (`type eq "work"`).
fn seed(filter: &Filter) -> Map<String, Value> {
    let mut map = Map::new();
    let mut stack = vec![filter];
    while let Some(f) = stack.pop() {
        match f {
            Filter::Compare {
                attr,
                op: CompareOp::Eq,
                value,
            } if attr.sub.is_none() && attr.urn.is_none() => {
                let v = match value {
                    Literal::Str(s) => Value::String(s.clone()),
                    Literal::Bool(b) => Value::Bool(*b),
                    _ => continue,
                };
                map.insert(attr.name.clone(), v);
            }
            Filter::And(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            _ => {}
        }
    }
    map
}

/// At most one element is primary (RFC 7643 §2.4): the last one marked wins.
fn one_primary(mut list: Vec<Value>) -> Vec<Value> {
    let last = list
        .iter()
        .rposition(|i| i.get("primary") == Some(&Value::Bool(true)));
    if let Some(last) = last {
        for (n, item) in list.iter_mut().enumerate() {
            if n != last {
                if let Some(Value::Object(o)) = Some(item) {
                    if o.get("primary") == Some(&Value::Bool(true)) {
                        o.insert("primary".into(), Value::Bool(false));
                    }
                }
            }
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHAPE: Shape = Shape {
        schema: "urn:ietf:params:scim:schemas:core:2.0:User",
        attributes: &[
            ("id", Kind::ReadOnly),
            ("userName", Kind::Simple),
            ("active", Kind::Simple),
            (
                "name",
                Kind::Complex(&["givenName", "familyName", "formatted"]),
            ),
            (
                "emails",
                Kind::Multi(&["value", "type", "primary", "display"]),
            ),
        ],
    };

    fn patched(start: Value, ops: Value) -> ScimResult<Value> {
        let mut resource = canonical_resource(&SHAPE, start)?;
        for op in operations(&json!({ "Operations": ops }))? {
            apply(&SHAPE, &mut resource, &op)?;
        }
        Ok(Value::Object(resource))
    }

    #[test]
    fn patch_operations_as_providers_send_them() {
        let start = json!({
            "userName": "ann",
            "active": true,
            "emails": [{"value": "ann@corp.example", "type": "work", "primary": true}],
        });
        let cases = [
            // Entra ID: capitalised op, boolean as a string.
            (
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
                json!({"userName": "ann", "active": false, "emails": [{"value": "ann@corp.example", "type": "work", "primary": true}]}),
            ),
            // Okta: no path, an object of attributes, the resource's id along.
            (
                json!([{"op": "replace", "value": {"id": "x", "active": false, "name.givenName": "Ann"}}]),
                json!({"userName": "ann", "active": false, "name": {"givenName": "Ann"}, "emails": [{"value": "ann@corp.example", "type": "work", "primary": true}]}),
            ),
            // A filtered sub-attribute that exists, and one that does not yet.
            (
                json!([
                    {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@corp.example"},
                    {"op": "add", "path": "emails[type eq \"home\"].value", "value": "a@home.example"},
                ]),
                json!({"userName": "ann", "active": true, "emails": [
                    {"value": "a@corp.example", "type": "work", "primary": true},
                    {"type": "home", "value": "a@home.example"}]}),
            ),
            // Remove by filter; a sub-attribute of a complex one; URN-prefixed names.
            (
                json!([
                    {"op": "remove", "path": "emails[value eq \"ANN@corp.example\"]"},
                    {"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName", "value": "Lee"},
                    {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "7"},
                ]),
                json!({"userName": "ann", "active": true, "name": {"familyName": "Lee"}}),
            ),
            // Adding a primary address makes it the only primary.
            (
                json!([{"op": "add", "path": "emails", "value": [{"value": "b@corp.example", "primary": "true"}]}]),
                json!({"userName": "ann", "active": true, "emails": [
                    {"value": "ann@corp.example", "type": "work", "primary": false},
                    {"value": "b@corp.example", "primary": true}]}),
            ),
        ];
        for (ops, want) in cases {
            assert_eq!(patched(start.clone(), ops.clone()).unwrap(), want, "{ops}");
        }
    }

    #[test]
    fn patch_refusals_carry_their_scim_type() {
        let start = json!({"userName": "ann", "emails": [{"value": "a@b.example"}]});
        let cases = [
            (json!([{"op": "remove"}]), "noTarget"),
            (json!([{"op": "move", "path": "userName"}]), "invalidSyntax"),
            (
                json!([{"op": "replace", "path": "id", "value": "x"}]),
                "mutability",
            ),
            (
                json!([{"op": "replace", "path": "emails[", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "x"}}]),
                "noTarget",
            ),
            (
                json!([{"op": "replace", "path": "userName"}]),
                "invalidValue",
            ),
        ];
        for (ops, want) in cases {
            match patched(start.clone(), ops.clone()) {
                Err(ScimError::Protocol { scim_type, .. }) => {
                    assert_eq!(scim_type, Some(want), "{ops}")
                }
                other => panic!("{ops}: {other:?}"),
            }
        }
    }
}
