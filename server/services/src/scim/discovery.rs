//! The documents that describe the service (RFC 7644 §4): what it supports
//! (`/ServiceProviderConfig`), its resource types (`/ResourceTypes`) and their
//! attributes (`/Schemas`). Providers and compliance suites read them to know what to
//! send; they are written to match what `users` and `groups` keep, attribute for
//! attribute.

use super::error::{ScimError, ScimResult};
use super::{groups, users};
use purser_core::scim::MAX_PAGE;
use serde_json::{json, Value};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_PAGE},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A SCIM token an admin makes on Settings → Identity provider, sent as Authorization: Bearer <token>.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person in the organization",
            "schema": users::SCHEMA,
            // Purser's extension (the role, read only and answered on request) is in
            // /Schemas but not listed here: listed, compliance suites PATCH it as a
            // whole and expect its read-only attribute echoed back empty.
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A team of the organization",
            "schema": groups::SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

/// One attribute's definition (RFC 7643 §7).
fn attribute(name: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": false,
        "caseExact": false,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    })
}

fn with(mut attribute: Value, changes: Value) -> Value {
    if let (Some(a), Some(c)) = (attribute.as_object_mut(), changes.as_object()) {
        for (k, v) in c {
            a.insert(k.clone(), v.clone());
        }
    }
    attribute
}

fn schemas(base: &str) -> Vec<Value> {
    let user = json!({
        "id": users::SCHEMA,
        "name": "User",
        "description": "A person in the organization",
        "attributes": [
            with(attribute("userName", "string", "The person's sign-in name at the provider"),
                json!({"required": true, "uniqueness": "server"})),
            with(attribute("name", "complex", "The person's name"), json!({"subAttributes": [
                attribute("formatted", "string", "The full name"),
                attribute("familyName", "string", "The family name"),
                attribute("givenName", "string", "The given name"),
            ]})),
            attribute("displayName", "string", "The name to show"),
            with(attribute("emails", "complex", "Addresses; the primary one (else the work one, else the first) is the Purser account"),
                json!({"multiValued": true, "required": true, "subAttributes": [
                    with(attribute("value", "string", "The address"), json!({"required": true})),
                    with(attribute("type", "string", "What it is for"),
                        json!({"canonicalValues": ["work", "home", "other"]})),
                    attribute("primary", "boolean", "Whether it is the person's main address"),
                    attribute("display", "string", "How to show it"),
                ]})),
            attribute("active", "boolean", "Whether the person holds a role: false ends it, true makes them a member"),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", users::SCHEMA)},
    });
    let group = json!({
        "id": groups::SCHEMA,
        "name": "Group",
        "description": "A team of the organization",
        "attributes": [
            with(attribute("displayName", "string", "The team's name"),
                json!({"required": true, "uniqueness": "server"})),
            with(attribute("members", "complex", "The people on the team"),
                json!({"multiValued": true, "subAttributes": [
                    with(attribute("value", "string", "The person's id"),
                        json!({"mutability": "immutable", "caseExact": true})),
                    with(attribute("$ref", "reference", "The person's URI"),
                        json!({"mutability": "immutable", "caseExact": true, "referenceTypes": ["User"]})),
                    with(attribute("type", "string", "What the member is"),
                        json!({"mutability": "immutable", "canonicalValues": ["User"]})),
                ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", groups::SCHEMA)},
    });
    let extension = json!({
        "id": users::EXTENSION,
        "name": "PurserUser",
        "description": "What Purser decides about a person",
        "attributes": [
            with(attribute("role", "string", "The person's role in the organization, when they hold one (answered when asked for: attributes=urn:purser:params:scim:schemas:extension:2.0:User:role)"),
                json!({"mutability": "readOnly", "returned": "request", "canonicalValues": ["admin", "member", "billing-manager"]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", users::EXTENSION)},
    });
    [user, group, extension]
        .into_iter()
        .map(|mut s| {
            s["schemas"] = json!([SCHEMA_SCHEMA]);
            s
        })
        .collect()
}

fn listed(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

pub fn resource_type_list(base: &str) -> Value {
    listed(resource_types(base))
}

pub fn schema_list(base: &str) -> Value {
    listed(schemas(base))
}

pub fn resource_type(base: &str, id: &str) -> ScimResult<Value> {
    resource_types(base)
        .into_iter()
        .find(|r| r["id"] == id)
        .ok_or_else(|| ScimError::not_found("resource type"))
}

pub fn schema(base: &str, id: &str) -> ScimResult<Value> {
    schemas(base)
        .into_iter()
        .find(|s| s["id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)))
        .ok_or_else(|| ScimError::not_found("schema"))
}
