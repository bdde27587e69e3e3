//! SCIM lists (RFC 7644 §3.4.2): a filter turned into SQL over the columns a resource
//! type names, `startIndex`/`count` paging (at most `purser_core::scim::MAX_PAGE` a
//! page), `totalResults` from the count the organization's row keeps when nothing is
//! filtered, and `attributes`/`excludedAttributes` applied to what is answered.

use super::error::{ScimError, ScimResult};
use super::filter::{self, CompareOp, Filter, Literal};
use crate::error::Error;
use crate::orgs::{self, Counter};
use crate::storage::db::Db;
use purser_core::scim::MAX_PAGE;
use serde_json::{json, Map, Value};

const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// How a column compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    /// Case-exact text (`id`, `externalId`).
    Exact,
    /// Text compared case-insensitively.
    Text,
    /// Text stored lower-cased: the value is lower-cased instead (the index serves `eq`).
    Folded,
    /// 1 or 0.
    Flag,
    /// Unix milliseconds, compared with RFC 3339 times.
    Time,
    /// A team's id: compared with a person's id, whether they are on it.
    Member,
}

/// A column a filter may read.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    sql: &'static str,
    compare: Compare,
}

impl Column {
    pub const fn exact(sql: &'static str) -> Column {
        Column {
            sql,
            compare: Compare::Exact,
        }
    }
    pub const fn text(sql: &'static str) -> Column {
        Column {
            sql,
            compare: Compare::Text,
        }
    }
    pub const fn folded(sql: &'static str) -> Column {
        Column {
            sql,
            compare: Compare::Folded,
        }
    }
    pub const fn flag(sql: &'static str) -> Column {
        Column {
            sql,
            compare: Compare::Flag,
        }
    }
    pub const fn member(sql: &'static str) -> Column {
        Column {
            sql,
            compare: Compare::Member,
        }
    }
    pub const fn time(sql: &'static str) -> Column {
        Column {
            sql,
            compare: Compare::Time,
        }
    }
}

/// What a list asks: a filter, a page, and which attributes to answer.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub filter: Option<String>,
    /// 1-based (RFC 7644 §3.4.2.4); below 1 is read as 1.
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl Query {
    pub fn start(&self) -> i64 {
        self.start_index.unwrap_or(1).max(1)
    }

    pub fn count(&self) -> i64 {
        self.count
            .unwrap_or(i64::from(MAX_PAGE))
            .clamp(0, i64::from(MAX_PAGE))
    }
}

/// Where a resource type's rows are.
pub struct Listing {
    pub columns: &'static str,
    pub from: &'static str,
    pub org_column: &'static str,
    pub order: &'static str,
    /// What `totalResults` is when nothing is filtered.
    pub counter: Counter,
    /// The column an attribute (`AttrPath::key`, lower case) reads.
    pub attribute: fn(&str) -> Option<Column>,
}

/// A value bound to a placeholder.
enum Param {
    Text(String),
    Int(i64),
}

/// A filter as SQL, with what it binds (after the organization, `$1`).
struct Where {
    sql: String,
    params: Vec<Param>,
}

impl Where {
    fn bind(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len() + 1)
    }

    /// `prefix` is the multi-valued attribute a value path's terms belong to (`emails`
    /// for `emails[value eq "x"]`, whose `value` reads `emails.value`), else empty.
    fn write(
        &mut self,
        filter: &Filter,
        attribute: fn(&str) -> Option<Column>,
        prefix: &str,
    ) -> ScimResult<String> {
        let key = |attr: &filter::AttrPath| match prefix {
            "" => attr.key(),
            _ => format!("{prefix}.{}", attr.key()),
        };
        Ok(match filter {
            Filter::And(a, b) => format!(
                "({} AND {})",
                self.write(a, attribute, prefix)?,
                self.write(b, attribute, prefix)?
            ),
            Filter::Or(a, b) => format!(
                "({} OR {})",
                self.write(a, attribute, prefix)?,
                self.write(b, attribute, prefix)?
            ),
            Filter::Not(a) => format!("(NOT {})", self.write(a, attribute, prefix)?),
            Filter::Present(attr) => {
                let column = column(attribute, &key(attr))?;
                match column.compare {
                    Compare::Member => format!(
                        "(EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = {0}) \
                         OR EXISTS (SELECT 1 FROM scim_parked_team_members k WHERE k.team_id = {0}))",
                        column.sql
                    ),
                    Compare::Flag | Compare::Time => format!("({} IS NOT NULL)", column.sql),
                    _ => format!("({0} IS NOT NULL AND {0} <> '')", column.sql),
                }
            }
            // `emails[value eq "x"]`: the element's attributes, as `emails.value`.
            Filter::ValuePath { attr, filter } => self.write(filter, attribute, &key(attr))?,
            Filter::Compare { attr, op, value } => {
                let column = column(attribute, &key(attr))?;
                self.compare(column, *op, value, &key(attr))?
            }
        })
    }

    fn compare(
        &mut self,
        column: Column,
        op: CompareOp,
        value: &Literal,
        name: &str,
    ) -> ScimResult<String> {
        let unsupported = || {
            ScimError::bad(
                "invalidFilter",
                format!("{name} cannot be compared that way."),
            )
        };
        let sql = column.sql;
        match column.compare {
            Compare::Member => {
                let Literal::Str(user) = value else {
                    return Err(ScimError::bad(
                        "invalidFilter",
                        format!("{name} is compared with a user's id."),
                    ));
                };
                let (a, b) = (
                    self.bind(Param::Text(user.clone())),
                    self.bind(Param::Text(user.clone())),
                );
                let on = format!(
                    "(EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = {sql} AND tm.user_id = {a}) \
                     OR EXISTS (SELECT 1 FROM scim_parked_team_members k WHERE k.team_id = {sql} AND k.user_id = {b}))"
                );
                match op {
                    CompareOp::Eq => Ok(on),
                    CompareOp::Ne => Ok(format!("(NOT {on})")),
                    _ => Err(unsupported()),
                }
            }
            Compare::Flag => {
                let Literal::Bool(b) = value else {
                    return Err(ScimError::bad(
                        "invalidFilter",
                        format!("{name} is true or false."),
                    ));
                };
                let p = self.bind(Param::Int(i64::from(*b)));
                // Not sent is true (`active` left out is active).
                match op {
                    CompareOp::Eq => Ok(format!("(COALESCE({sql}, 1) = {p})")),
                    CompareOp::Ne => Ok(format!("(COALESCE({sql}, 1) <> {p})")),
                    _ => Err(unsupported()),
                }
            }
            Compare::Time => {
                let Literal::Str(s) = value else {
                    return Err(ScimError::bad(
                        "invalidFilter",
                        format!("{name} is compared with a date."),
                    ));
                };
                let ms = chrono::DateTime::parse_from_rfc3339(s)
                    .map_err(|_| {
                        ScimError::bad("invalidFilter", format!("{s:?} is not an RFC 3339 date."))
                    })?
                    .timestamp_millis();
                // Stored to the millisecond, shown to the second: a time means its second.
                // (Only what a comparison uses is bound: PostgreSQL refuses a parameter
                // it cannot type.)
                let start = ms - ms.rem_euclid(1000);
                let end = start + 1000;
                Ok(match op {
                    CompareOp::Eq | CompareOp::Ne => {
                        let (a, b) = (self.bind(Param::Int(start)), self.bind(Param::Int(end)));
                        if op == CompareOp::Eq {
                            format!("({sql} >= {a} AND {sql} < {b})")
                        } else {
                            format!("({sql} < {a} OR {sql} >= {b})")
                        }
                    }
                    CompareOp::Gt => format!("({sql} >= {})", self.bind(Param::Int(end))),
                    CompareOp::Ge => format!("({sql} >= {})", self.bind(Param::Int(start))),
                    CompareOp::Lt => format!("({sql} < {})", self.bind(Param::Int(start))),
                    CompareOp::Le => format!("({sql} < {})", self.bind(Param::Int(end))),
                    _ => return Err(unsupported()),
                })
            }
            Compare::Exact | Compare::Text | Compare::Folded => {
                let Literal::Str(s) = value else {
                    return Err(ScimError::bad(
                        "invalidFilter",
                        format!("{name} is compared with a string."),
                    ));
                };
                let (left, s) = match column.compare {
                    Compare::Exact => (sql.to_owned(), s.clone()),
                    Compare::Folded => (sql.to_owned(), s.to_lowercase()),
                    _ => (format!("LOWER({sql})"), s.to_lowercase()),
                };
                let like = |pattern: String, this: &mut Where| {
                    let p = this.bind(Param::Text(pattern));
                    format!("({left} LIKE {p} ESCAPE '\\')")
                };
                let escaped = s
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                Ok(match op {
                    CompareOp::Eq => {
                        let p = self.bind(Param::Text(s));
                        format!("({left} = {p})")
                    }
                    CompareOp::Ne => {
                        let p = self.bind(Param::Text(s));
                        format!("({sql} IS NULL OR {left} <> {p})")
                    }
                    CompareOp::Co => like(format!("%{escaped}%"), self),
                    CompareOp::Sw => like(format!("{escaped}%"), self),
                    CompareOp::Ew => like(format!("%{escaped}"), self),
                    CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                        let p = self.bind(Param::Text(s));
                        let sign = match op {
                            CompareOp::Gt => ">",
                            CompareOp::Ge => ">=",
                            CompareOp::Lt => "<",
                            _ => "<=",
                        };
                        format!("({left} {sign} {p})")
                    }
                })
            }
        }
    }
}

fn column(attribute: fn(&str) -> Option<Column>, key: &str) -> ScimResult<Column> {
    attribute(key)
        .ok_or_else(|| ScimError::bad("invalidFilter", format!("Purser does not filter on {key}.")))
}

/// Reads one page: the total (`totalResults`) and the page's rows.
pub async fn read(
    db: &Db,
    org_id: &str,
    listing: &Listing,
    query: &Query,
) -> ScimResult<(i64, Vec<sqlx::any::AnyRow>)> {
    let mut filtered = Where {
        sql: String::new(),
        params: Vec::new(),
    };
    if let Some(text) = query.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        let parsed = filter::parse_filter(text)
            .map_err(|e| ScimError::bad("invalidFilter", e.to_string()))?;
        filtered.sql = filtered.write(&parsed, listing.attribute, "")?;
    }
    let condition = if filtered.sql.is_empty() {
        String::new()
    } else {
        format!(" AND {}", filtered.sql)
    };
    let mut conn = db.acquire().await.map_err(Error::from)?;
    let total = if condition.is_empty() {
        orgs::counted(&mut conn, org_id, listing.counter).await? as i64
    } else {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {} WHERE {} = $1{condition}",
            listing.from, listing.org_column
        );
        let row = bound(&sql, org_id, &filtered.params, &[])
            .fetch_one(&mut *conn)
            .await
            .map_err(Error::from)?;
        sqlx::Row::try_get::<i64, _>(&row, "n").map_err(Error::from)?
    };
    let n = filtered.params.len();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = $1{condition} ORDER BY {} LIMIT ${} OFFSET ${}",
        listing.columns,
        listing.from,
        listing.org_column,
        listing.order,
        n + 2,
        n + 3
    );
    let rows = bound(
        &sql,
        org_id,
        &filtered.params,
        &[query.count(), query.start() - 1],
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::from)?;
    Ok((total, rows))
}

/// `sql` with the organization (`$1`), the filter's values and then `extra` bound.
fn bound<'q>(
    sql: &'q str,
    org_id: &str,
    params: &[Param],
    extra: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql).bind(org_id.to_owned());
    for p in params {
        q = match p {
            Param::Text(t) => q.bind(t.clone()),
            Param::Int(i) => q.bind(*i),
        };
    }
    for i in extra {
        q = q.bind(*i);
    }
    q
}

/// A ListResponse of `resources` (already projected).
pub fn response(total: i64, query: &Query, resources: Vec<Value>) -> Value {
    let resources: Vec<Value> = resources.into_iter().map(|r| project(r, query)).collect();
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": query.start(),
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) applied to one resource:
/// `id`, `schemas` and `meta` are always answered, Purser's extension
/// (`returned: request`) only when `attributes` names it.
pub fn project(resource: Value, query: &Query) -> Value {
    let Value::Object(mut map) = resource else {
        return resource;
    };
    let extension = super::users::EXTENSION;
    let is_extension = |a: &str| {
        a.trim()
            .to_ascii_lowercase()
            .starts_with(&extension.to_ascii_lowercase())
    };
    let role = map.remove(extension);
    let asked: Option<Vec<&str>> = query
        .attributes
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').collect());
    let wants_role = asked
        .as_ref()
        .is_some_and(|a| a.iter().any(|a| is_extension(a)));
    let include = asked.map(|a| {
        a.into_iter()
            .filter(|a| !is_extension(a))
            .filter_map(|a| filter::parse_path(a.trim()).ok())
            .map(|p| {
                (
                    p.attr.name.to_ascii_lowercase(),
                    p.attr.sub.map(|s| s.to_ascii_lowercase()),
                )
            })
            .collect::<Vec<_>>()
    });
    let exclude: Option<Vec<(String, Option<String>)>> = query
        .excluded_attributes
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .filter_map(|a| filter::parse_path(a.trim()).ok())
                .map(|p| {
                    (
                        p.attr.name.to_ascii_lowercase(),
                        p.attr.sub.map(|s| s.to_ascii_lowercase()),
                    )
                })
                .collect()
        });
    const ALWAYS: [&str; 3] = ["id", "schemas", "meta"];
    let keep = |key: &str| ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(key));
    let mut out = Map::new();
    if let Some(include) = include {
        for (key, value) in map {
            let lower = key.to_ascii_lowercase();
            let wanted: Vec<&Option<String>> = include
                .iter()
                .filter(|(n, _)| *n == lower)
                .map(|(_, s)| s)
                .collect();
            if keep(&key) || wanted.iter().any(|s| s.is_none()) {
                out.insert(key, value);
            } else if !wanted.is_empty() {
                out.insert(key, only_subs(value, &wanted));
            }
        }
    } else if let Some(exclude) = exclude {
        for (key, value) in map {
            let lower = key.to_ascii_lowercase();
            let dropped: Vec<&Option<String>> = exclude
                .iter()
                .filter(|(n, _)| *n == lower)
                .map(|(_, s)| s)
                .collect();
            if keep(&key) || dropped.is_empty() {
                out.insert(key, value);
            } else if dropped.iter().all(|s| s.is_some()) {
                out.insert(key, without_subs(value, &dropped));
            }
        }
    } else {
        out = map;
    }
    if let (true, Some(role)) = (wants_role, role) {
        if let Some(Value::Array(schemas)) = out.get_mut("schemas") {
            schemas.push(Value::String(extension.into()));
        }
        out.insert(extension.into(), role);
    }
    Value::Object(out)
}

fn sub_named(subs: &[&Option<String>], key: &str) -> bool {
    subs.iter()
        .any(|s| s.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(key)))
}

fn only_subs(value: Value, subs: &[&Option<String>]) -> Value {
    map_objects(value, &|o: Map<String, Value>| {
        o.into_iter().filter(|(k, _)| sub_named(subs, k)).collect()
    })
}

fn without_subs(value: Value, subs: &[&Option<String>]) -> Value {
    map_objects(value, &|o: Map<String, Value>| {
        o.into_iter().filter(|(k, _)| !sub_named(subs, k)).collect()
    })
}

fn map_objects(value: Value, f: &dyn Fn(Map<String, Value>) -> Map<String, Value>) -> Value {
    match value {
        Value::Object(o) => Value::Object(f(o)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| map_objects(v, f)).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(key: &str) -> Option<Column> {
        Some(match key {
            "username" => Column::folded("s.user_name_key"),
            "externalid" => Column::exact("s.external_id"),
            "displayname" => Column::text("s.display_name"),
            "emails.value" | "emails" => Column::folded("u.email"),
            "active" => Column::flag("s.active"),
            "meta.lastmodified" => Column::time("s.updated_at"),
            _ => return None,
        })
    }

    fn sql(filter: &str) -> Result<String, String> {
        let mut w = Where {
            sql: String::new(),
            params: Vec::new(),
        };
        let parsed = filter::parse_filter(filter).map_err(|e| e.to_string())?;
        let sql = w.write(&parsed, columns, "").map_err(|e| e.to_string())?;
        let params: Vec<String> = w
            .params
            .iter()
            .map(|p| match p {
                Param::Text(t) => format!("{t:?}"),
                Param::Int(i) => i.to_string(),
            })
            .collect();
        Ok(format!("{sql} [{}]", params.join(", ")))
    }

    #[test]
    fn filters_become_sql_over_known_columns_with_every_value_bound() {
        let cases = [
            (
                r#"userName eq "Ann@Corp.example""#,
                r#"(s.user_name_key = $2) ["ann@corp.example"]"#,
            ),
            (r#"externalId eq "AbC""#, r#"(s.external_id = $2) ["AbC"]"#),
            (
                r#"displayName co "50%_off" and active eq true"#,
                r#"((LOWER(s.display_name) LIKE $2 ESCAPE '\') AND (COALESCE(s.active, 1) = $3)) ["%50\\%\\_off%", 1]"#,
            ),
            (
                r#"not (displayName sw "a") or displayName pr"#,
                r#"((NOT (LOWER(s.display_name) LIKE $2 ESCAPE '\')) OR (s.display_name IS NOT NULL AND s.display_name <> '')) ["a%"]"#,
            ),
            (
                r#"emails[value eq "a@b.example"]"#,
                r#"(u.email = $2) ["a@b.example"]"#,
            ),
            (
                r#"meta.lastModified gt "2026-01-01T00:00:00Z""#,
                r#"(s.updated_at >= $2) [1767225601000]"#,
            ),
        ];
        for (filter, want) in cases {
            assert_eq!(sql(filter).unwrap(), want, "{filter}");
        }
        for bad in [
            r#"title eq "x""#,
            r#"active eq "yes""#,
            r#"meta.lastModified gt "yesterday""#,
            r#"active co true"#,
        ] {
            assert!(sql(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn attributes_and_excluded_attributes_shape_what_is_answered() {
        let user = json!({"id": "1", "schemas": ["s"], "meta": {}, "userName": "ann",
            "name": {"givenName": "Ann", "familyName": "Lee"}, "emails": [{"value": "a@b", "type": "work"}]});
        let q = |a: Option<&str>, x: Option<&str>| Query {
            attributes: a.map(str::to_owned),
            excluded_attributes: x.map(str::to_owned),
            ..Query::default()
        };
        assert_eq!(
            project(user.clone(), &q(Some("userName,name.givenName"), None)),
            json!({"id": "1", "schemas": ["s"], "meta": {}, "userName": "ann", "name": {"givenName": "Ann"}})
        );
        assert_eq!(
            project(user.clone(), &q(None, Some("emails.type,name"))),
            json!({"id": "1", "schemas": ["s"], "meta": {}, "userName": "ann", "emails": [{"value": "a@b"}]})
        );
        assert_eq!(project(user.clone(), &q(None, Some("id"))), user);
    }
}
