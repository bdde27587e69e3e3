//! Storage: the pool and its transactions over SQLite or PostgreSQL (`db`), sealed
//! continuation tokens and the keyset pages they mark (`cursor`), and a page of rows
//! read as one JSON row (`json_rows`), and the server's keys that seal them and other
//! short secrets (`sealing`).

pub mod cursor;
pub mod db;
pub mod json_rows;
pub mod sealing;
