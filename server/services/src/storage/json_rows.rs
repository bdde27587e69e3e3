//! A page of a list read as one row: the database encodes the page's rows as a JSON
//! array and the server decodes it with serde.
//!
//! Why: sqlx's SQLite driver steps a statement on its own worker thread and sends every
//! row through a channel to the request's task, and the `Any` driver then copies each
//! column into an `AnyValue`. For a 100-entry page that was most of the request
//! (`perf`: a quarter of the samples in mutexes, futex wake-ups and context switches).
//! One row holding the whole page crosses once, whatever the page's length.
//!
//! The price is one wrapper per dialect (`json_group_array` / `json_agg`, both ordered
//! inside the aggregate), kept here, and serde names that equal the stored ones: the
//! columns are named after the fields of the type they are read into, and the enums
//! stored by name serialize as that name (`core` tests it).

use crate::error::{Error, Result};
use crate::storage::db::{self, Db, Kind};
use serde::de::DeserializeOwned;

/// A column of a list: the SQL expression it is read from, and the name of the field
/// of the record it fills.
pub type Field = (&'static str, &'static str);

/// The select list of `fields`: `expression AS name, …`.
pub fn select_list(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|(expression, name)| format!("{expression} AS {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `select` (a query whose select list is [`select_list`] of `fields`) wrapped to
/// answer one row and one column: its rows as a JSON array of objects keyed by field
/// name, in `order` (an `ORDER BY` list over those names). An empty result is `[]`.
pub fn page_sql(db: &Db, select: &str, fields: &[Field], order: &str) -> String {
    let pairs = fields
        .iter()
        .map(|(_, name)| format!("'{name}', page.{name}"))
        .collect::<Vec<_>>()
        .join(", ");
    match db::kind(db) {
        Kind::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order})::text, '[]') \
             FROM ({select}) AS page"
        ),
        // SQLite orders rows inside an aggregate since 3.44 (libsqlite3-sys bundles 3.46).
        Kind::Sqlite => format!(
            "SELECT json_group_array(json_object({pairs}) ORDER BY {order}) FROM ({select}) AS page"
        ),
    }
}

/// The rows of a page read with [`page_sql`]. A row that does not decode is a stored
/// value this build does not know: an internal error, never a default.
pub fn decode<T: DeserializeOwned>(json: &str) -> Result<Vec<T>> {
    serde_json::from_str(json).map_err(|e| Error::internal("a page of rows does not decode", e))
}
