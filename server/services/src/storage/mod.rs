//! Storage: the pool and its transactions over SQLite or PostgreSQL (`db`), sealed
//! continuation tokens and the keyset pages they mark (`cursor`), and a page of rows
//! read as one JSON row (`json_rows`).

pub mod cursor;
pub mod db;
pub mod json_rows;
