//! What the OpenAPI document says that no single handler's annotation can: the
//! answers the layers in front of every handler give (the input guard, token
//! authentication, rate limits, the organization lookup), and the rules of the input
//! fields, taken from `core` so that the document and the checks cannot drift apart.
//!
//! A schemathesis run (`make fuzz-api`) holds the document to the server: every status
//! listed, every response matching its schema, schema-valid input accepted and
//! schema-invalid input refused.

use crate::http::input::MAX_BODY_BYTES;
use purser_core::values::{Charset, TextRule};
use purser_core::{Edition, IdentityProvider, InvitedRole, Role};
use purser_services::{orgs, stacks};
use serde_json::Value;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, Array, ArrayBuilder, ArrayItems, Object, ObjectBuilder,
    Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};
use utoipa::Number;

/// Statuses any operation may answer, added where a handler's annotation lacks them.
pub struct Conventions;

/// The rule of each free-text property of a request body.
const TEXT_PROPERTIES: &[(&str, &str, TextRule)] = &[
    (
        "CreateTokenRequest",
        "description",
        TextRule::TOKEN_DESCRIPTION,
    ),
    ("CreateTeamRequest", "name", TextRule::TEAM_NAME),
    (
        "CreateTeamRequest",
        "description",
        TextRule::TEAM_DESCRIPTION,
    ),
    ("CreateOrgTokenRequest", "name", TextRule::ORG_TOKEN_NAME),
    (
        "CreateOrgTokenRequest",
        "description",
        TextRule::TOKEN_DESCRIPTION,
    ),
    ("NewPolicyGroupRequest", "name", TextRule::POLICY_NAME),
    ("CreatePolicyPackRequest", "name", TextRule::POLICY_NAME),
    ("CreateStackRequest", "project", TextRule::PROJECT_NAME),
    ("CreateStackRequest", "name", TextRule::STACK_NAME),
    ("CardInput", "holder", TextRule::CARD_HOLDER),
    (
        "CreateScimTokenRequest",
        "description",
        TextRule::SCIM_TOKEN_DESCRIPTION,
    ),
];

/// What a value must be, beyond its type.
enum Constraint {
    OneOf(Vec<&'static str>),
    Range(i64, i64),
    Format(&'static str),
    /// An array of 1 to `n` items.
    Items(usize),
}

/// Request bodies in Pulumi's shape: like Pulumi's API, they take properties they do
/// not define (Pulumi's clients send some Purser has no use for). Every other request
/// body refuses them (`deny_unknown_fields`).
const OPEN_BODIES: &[&str] = &[
    "CreateTokenRequest",
    "CreateOrgTokenRequest",
    "ChangeRoleRequest",
    "BatchInviteRequest",
    "InviteRequest",
    "LinkInviteRequest",
    "UpdateTeamRequest",
    "NewPolicyGroupRequest",
    "CreatePolicyPackRequest",
];

fn invitable_roles() -> Vec<&'static str> {
    [InvitedRole::Member, InvitedRole::BillingManager]
        .map(InvitedRole::as_str)
        .to_vec()
}

/// Constraints of request-body properties: (schema, property, constraint).
fn property_constraints() -> Vec<(&'static str, &'static str, Constraint)> {
    use Constraint::*;
    vec![
        (
            "SubscriptionRequest",
            "edition",
            OneOf(Edition::ALL.iter().map(|e| e.as_str()).collect()),
        ),
        (
            "IdentityProviderBody",
            "identityProvider",
            OneOf(IdentityProvider::ALL.iter().map(|p| p.as_str()).collect()),
        ),
        (
            "IdentityProviderBody",
            "joinAs",
            OneOf(
                purser_core::sso::JoinAs::ALL
                    .iter()
                    .map(|j| j.as_str())
                    .collect(),
            ),
        ),
        ("InviteRequest", "role", OneOf(invitable_roles())),
        ("InviteRequest", "email", Format("email")),
        (
            "BatchInviteRequest",
            "invites",
            Items(purser_core::invitations::MAX_BATCH),
        ),
        ("LinkInviteRequest", "role", OneOf(invitable_roles())),
        ("ChangeRoleRequest", "role", OneOf(vec!["admin", "member"])),
        (
            "ChangeRoleRequest",
            "fgaRoleId",
            OneOf(vec!["admin", "member"]),
        ),
        ("NewPolicyGroupRequest", "entityType", OneOf(vec!["stacks"])),
        ("NewPolicyGroupRequest", "mode", OneOf(vec!["audit"])),
        (
            "CreatePolicyPackRequest",
            "policies",
            Items(purser_core::values::MAX_POLICIES_PER_PACK),
        ),
        ("DirectoryEmailBody", "email", Format("email")),
        (
            "UpdateReport",
            "resourceCount",
            Range(0, stacks::MAX_RESOURCE_COUNT),
        ),
    ]
}

/// Properties of responses that mean the same wherever they appear (`schema` for the
/// exceptions).
fn response_property(schema: &str, property: &str) -> Option<Constraint> {
    use Constraint::*;
    const TIMES: &[&str] = &[
        "accepted",
        "added",
        "created",
        "currentPeriodEnd",
        "currentPeriodStart",
        "date",
        "joinedAt",
        "lastErrorAt",
        "lastUpdate",
        "modifiedAt",
        "sent",
        "time",
        "updated",
    ];
    match property {
        p if TIMES.contains(&p) => Some(Format("date-time")),
        // A link invitation's `email` is empty (Pulumi's schema requires the field).
        "email" if schema != "InviteResponse" => Some(Format("email")),
        "url" => Some(Format("uri")),
        "code" if schema == "FailedInvite" => Some(OneOf(
            purser_core::invitations::InviteRefusal::ALL
                .iter()
                .map(|r| r.as_str())
                .collect(),
        )),
        "role" => Some(OneOf(Role::ALL.iter().map(|r| r.as_str()).collect())),
        "edition" => Some(OneOf(Edition::ALL.iter().map(|e| e.as_str()).collect())),
        "identityProvider" => Some(OneOf(
            IdentityProvider::ALL.iter().map(|p| p.as_str()).collect(),
        )),
        "joinAs" => Some(OneOf(
            purser_core::sso::JoinAs::ALL
                .iter()
                .map(|j| j.as_str())
                .collect(),
        )),
        _ => None,
    }
}

/// Constraints of path and query parameters: (path, parameter, constraint). A `limit`
/// not named here is a list's page size, 1 to [`orgs::MAX_PAGE`].
fn parameter_constraints() -> Vec<(&'static str, &'static str, Constraint)> {
    use Constraint::*;
    // The lists Pulumi's clients read whole take pages up to `WHOLE_LIST`.
    let whole = || Range(1, purser_services::storage::cursor::WHOLE_LIST.into());
    vec![
        ("/api/orgs/{org}/invites", "role", OneOf(invitable_roles())),
        ("/api/orgs/{org}/invites", "limit", whole()),
        ("/api/orgs/{org}/teams", "limit", whole()),
        ("/api/orgs/{org}/teams/{team}", "limit", whole()),
        ("/api/orgs/{org}/policygroups", "limit", whole()),
        ("/api/orgs/{org}/policypacks", "limit", whole()),
        (
            "/api/user/tokens",
            "maxResults",
            Range(1, orgs::MAX_PAGE.into()),
        ),
        (
            "/api/orgs/{org}/tokens",
            "maxResults",
            Range(1, orgs::MAX_PAGE.into()),
        ),
        (
            "/api/orgs/{org}/auditlogs",
            "limit",
            Range(1, super::audit::MAX_AUDIT_PAGE),
        ),
        ("/api/orgs/{org}/auditlogs", "since", Format("date-time")),
        ("/api/orgs/{org}/auditlogs", "until", Format("date-time")),
        (
            "/api/orgs/{org}/resources/summary",
            "granularity",
            OneOf(vec!["daily", "monthly", "day", "month"]),
        ),
        ("/api/orgs/{org}/auditlogs", "format", OneOf(vec!["json"])),
        (
            "/api/user/tokens",
            "filter",
            OneOf(vec!["active", "expired", "all"]),
        ),
        (
            "/api/orgs/{org}/tokens",
            "filter",
            OneOf(vec!["active", "expired", "all"]),
        ),
        (
            "/api/orgs/{org}/resources/summary",
            "lookbackDays",
            Range(1, stacks::MAX_LOOKBACK_DAYS),
        ),
        (
            "/api/orgs/{org}/identity-provider/emails/{email}",
            "email",
            Format("email"),
        ),
    ]
}

impl utoipa::Modify for Conventions {
    fn modify(&self, openapi: &mut OpenApi) {
        let parameters = parameter_constraints();
        let page_size = Constraint::Range(1, orgs::MAX_PAGE.into());
        let mut request_bodies = Vec::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let in_org = path.starts_with("/api/orgs/{org}");
            let has_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_common_responses(op, in_org, has_params);
                for param in op.parameters.iter_mut().flatten() {
                    let constraint = parameters
                        .iter()
                        .find(|(p, name, _)| p == path && *name == param.name)
                        .map(|(_, _, c)| c)
                        .or((param.name == "limit").then_some(&page_size));
                    constrain_parameter(param, constraint);
                }
                let body_schemas = op
                    .request_body
                    .iter()
                    .flat_map(|body| body.content.values())
                    .filter_map(|content| match &content.schema {
                        Some(RefOr::Ref(r)) => r.ref_location.rsplit('/').next(),
                        _ => None,
                    })
                    .map(str::to_owned);
                request_bodies.extend(body_schemas);
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        components
            .schemas
            .insert(FREE_JSON.to_owned(), RefOr::T(free_json()));
        let properties = property_constraints();
        for (name, schema) in components.schemas.iter_mut() {
            let RefOr::T(Schema::Object(object)) = schema else {
                continue;
            };
            if !request_bodies.contains(name) && !OPEN_BODIES.contains(&name.as_str()) {
                for (property, schema) in object.properties.iter_mut() {
                    if let (RefOr::T(Schema::Object(field)), Some(c)) =
                        (schema, response_property(name, property))
                    {
                        apply(field, &c);
                    }
                }
                continue;
            }
            // A request body refuses properties it does not define
            // (`deny_unknown_fields`), so that none is sent in vain; Pulumi's take any
            // the input guard lets through.
            if OPEN_BODIES.contains(&name.as_str()) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::RefOr(free_json_ref())));
                object.property_names = Some(Box::new(text_schema()));
            } else {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
            for (property, schema) in object.properties.iter_mut() {
                let rule = TEXT_PROPERTIES
                    .iter()
                    .find(|(s, p, _)| s == name && p == property)
                    .map(|(_, _, rule)| *rule);
                let constraint = properties
                    .iter()
                    .find(|(s, p, _)| s == name && p == property)
                    .map(|(_, _, c)| c);
                match (schema, rule, constraint) {
                    (RefOr::T(Schema::Object(field)), Some(rule), _) => {
                        field.max_length = Some(rule.max_chars);
                        field.pattern = Some(rule.charset.pattern(rule.required).to_owned());
                    }
                    (RefOr::T(Schema::Object(field)), None, Some(c)) => apply(field, c),
                    // A property Purser takes as any JSON (`serde_json::Value`, documented
                    // as an object) is any JSON the guard lets through.
                    (schema @ RefOr::T(Schema::Object(_)), None, None) if is_any_json(schema) => {
                        *schema = free_json_ref();
                    }
                    (RefOr::T(Schema::Object(field)), None, None) => allow_any_text(field),
                    (RefOr::T(Schema::Array(array)), None, c) => {
                        if let Some(Constraint::Items(max)) = c {
                            array.min_items = Some(1);
                            array.max_items = Some(*max);
                        }
                        match &mut array.items {
                            ArrayItems::RefOrSchema(item) if is_any_json(item) => {
                                **item = free_json_ref();
                            }
                            _ => {
                                if let Some(item) = array_item(array) {
                                    allow_any_text(item);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn array_item(array: &mut Array) -> Option<&mut Object> {
    match &mut array.items {
        ArrayItems::RefOrSchema(items) => match items.as_mut() {
            RefOr::T(Schema::Object(item)) => Some(item),
            _ => None,
        },
        _ => None,
    }
}

fn apply(field: &mut Object, constraint: &Constraint) {
    match constraint {
        Constraint::OneOf(values) => {
            let mut all: Vec<Value> = values.iter().map(|v| Value::from(*v)).collect();
            // An optional property may also be `null`.
            if matches!(&field.schema_type, SchemaType::Array(types) if types.contains(&Type::Null))
            {
                all.push(Value::Null);
            }
            field.enum_values = Some(all);
        }
        Constraint::Range(min, max) => {
            field.minimum = Some(Number::Int(*min as isize));
            field.maximum = Some(Number::Int(*max as isize));
        }
        Constraint::Format(format) => {
            field.format = Some(SchemaFormat::Custom((*format).to_owned()));
        }
        Constraint::Items(_) => {}
    }
}

/// The name of the schema of any JSON the input guard lets through.
const FREE_JSON: &str = "FreeJson";

fn free_json_ref() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(FREE_JSON))
}

/// A string the input guard lets through (also as a property name).
fn text_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(any_text_pattern()))
        .into()
}

/// Any JSON the input guard lets through, at any depth: strings and property names
/// without control characters but tab and line breaks. What Pulumi's request bodies
/// may carry beyond the properties Purser reads.
fn free_json() -> Schema {
    AnyOfBuilder::new()
        .item(text_schema())
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(ArrayBuilder::new().items(free_json_ref()))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property_names(Some(text_schema()))
                .additional_properties(Some(free_json_ref())),
        )
        .into()
}

/// Whether a property is documented as any object (`value_type = Object`): Purser reads
/// it as any JSON.
fn is_any_json(schema: &RefOr<Schema>) -> bool {
    match schema {
        RefOr::T(Schema::Object(o)) => {
            let object = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::Object,
                SchemaType::Array(types) => types.contains(&Type::Object),
                SchemaType::AnyValue => false,
            };
            o.properties.is_empty() && object && o.additional_properties.is_none()
        }
        _ => false,
    }
}

/// A string without a rule of its own takes what the input guard lets through.
fn allow_any_text(field: &mut Object) {
    if is_string(field) && field.pattern.is_none() && field.enum_values.is_none() {
        field.pattern = Some(any_text_pattern().to_owned());
    }
}

/// Any text the input guard lets through: no control characters but tab and line breaks.
fn any_text_pattern() -> &'static str {
    Charset::Lines.pattern(false)
}

fn is_string(object: &Object) -> bool {
    match &object.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn add_common_responses(op: &mut Operation, in_org: bool, has_params: bool) {
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    add(
        "400",
        "The request is malformed: a body that is not the JSON this operation takes, a query parameter of the wrong type, or a control character in a path segment, a query value or a JSON string.",
    );
    add(
        "401",
        "No token or session, or a token that is revoked or unknown.",
    );
    add(
        "429",
        "Too many requests (see `Retry-After`): too many failed token authentications from this address, or the operation's own rate limit.",
    );
    add(
        "503",
        "Try again after `Retry-After`: PostgreSQL aborted the request's transaction for a conflict with concurrent ones (a deadlock or a serialization failure) on each of four attempts, and nothing was written; or the database is briefly unreachable (restarting), and a write may or may not have been made.",
    );
    if in_org {
        add(
            "403",
            "The caller's role does not allow this, or the organization's identity provider no longer lists the caller.",
        );
    }
    if in_org || has_params {
        add(
            "404",
            "No such organization, or the caller has no role in it; or no such resource.",
        );
    }
    if op.request_body.is_some() {
        let description = format!(
            "The request body is larger than {} KiB.",
            MAX_BODY_BYTES / 1024
        );
        op.responses
            .responses
            .entry("413".to_owned())
            .or_insert_with(|| error_response(&description));
    }
}

fn constrain_parameter(param: &mut Parameter, constraint: Option<&Constraint>) {
    let Some(RefOr::T(Schema::Object(schema))) = param.schema.as_mut() else {
        return;
    };
    if let Some(constraint) = constraint {
        apply(schema, constraint);
    }
    // `{org}` stays any string: it is only ever looked up (an unknown name is a 404), and
    // tools that fuzz the API pin it to an existing organization, so a constraint here
    // would only let them "violate" it with a value they then replace.
    if !is_string(schema)
        || schema.pattern.is_some()
        || schema.enum_values.is_some()
        || param.name == "org"
    {
        return;
    }
    if matches!(param.parameter_in, ParameterIn::Path) {
        if matches!(param.required, Required::True) {
            schema.min_length = Some(1);
        }
        // A path segment arrives percent-encoded, and clients differ on whether a `%`
        // in a value is already an escape: documented values leave it out, so each
        // means one thing on the wire (ids, names and secrets never contain one).
        schema.pattern = Some(PATH_SEGMENT_PATTERN.to_owned());
    } else {
        schema.pattern = Some(any_text_pattern().to_owned());
    }
}

/// Any text but control characters and `%`.
const PATH_SEGMENT_PATTERN: &str = r"^[^%\u0000-\u001F\u007F-\u009F]*$";

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> serde_json::Value {
        serde_json::to_value(super::super::document()).unwrap()
    }

    /// A rule whose schema or parameter was renamed would silently stop applying.
    #[test]
    fn every_rule_names_a_real_field() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let constraints = property_constraints();
        let names = TEXT_PROPERTIES
            .iter()
            .map(|(s, p, _)| (*s, *p))
            .chain(constraints.iter().map(|(s, p, _)| (*s, *p)));
        for (schema, property) in names {
            let field = &schemas[schema]["properties"][property];
            assert!(
                field.is_object(),
                "{schema}.{property} is not in the document"
            );
            assert!(
                field.get("maxLength").is_some()
                    || field.get("enum").is_some()
                    || field.get("format").is_some()
                    || field.get("maximum").is_some()
                    || field.get("maxItems").is_some(),
                "{schema}.{property} got no constraint: {field}"
            );
        }
        for (path, name, _) in parameter_constraints() {
            let item = &doc["paths"][path];
            let found = ["get", "put", "post", "delete", "patch"]
                .iter()
                .filter_map(|m| item[*m]["parameters"].as_array())
                .flatten()
                .any(|p| p["name"] == name);
            assert!(found, "{path} has no parameter {name}");
        }
    }

    #[test]
    fn every_operation_lists_what_the_layers_answer() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                for status in ["400", "401", "429", "503"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
                if op.get("requestBody").is_some() {
                    assert!(responses.contains_key("413"), "{method} {path}: 413");
                }
                if path.starts_with("/api/orgs/{org}") {
                    for status in ["403", "404"] {
                        assert!(responses.contains_key(status), "{method} {path}: {status}");
                    }
                }
            }
        }
    }

    #[test]
    fn request_bodies_are_closed_and_their_text_is_bounded_by_core() {
        let doc = document();
        let team = &doc["components"]["schemas"]["CreateTeamRequest"];
        assert_eq!(team["additionalProperties"], false);
        assert_eq!(
            team["properties"]["description"]["maxLength"],
            TextRule::TEAM_DESCRIPTION.max_chars
        );
        assert_eq!(
            team["properties"]["name"]["pattern"],
            TextRule::TEAM_NAME.charset.pattern(true)
        );
    }

    /// Pulumi's bodies take extra properties, and properties Purser reads as any JSON,
    /// as far as the input guard lets them through; the others take none.
    #[test]
    fn pulumi_bodies_take_any_json_the_guard_lets_through() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let free = serde_json::json!({"$ref": "#/components/schemas/FreeJson"});
        for body in OPEN_BODIES {
            assert_eq!(schemas[body]["additionalProperties"], free, "{body}");
            assert!(
                schemas[body]["propertyNames"]["pattern"].is_string(),
                "{body}"
            );
        }
        assert_eq!(
            schemas["UpdateTeamRequest"]["properties"]["addStackPermission"],
            free
        );
        assert_eq!(
            schemas["CreatePolicyPackRequest"]["properties"]["policies"]["items"],
            free
        );
        assert_eq!(schemas["CreateTeamRequest"]["additionalProperties"], false);
        assert!(schemas["FreeJson"]["anyOf"].is_array());
    }
}
