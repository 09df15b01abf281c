//! The import's work on the database: rows checked against what is stored (`lookup`), then the
//! stations or deputies of the file written in one transaction (`stations`, `deputies`).

pub mod deputies;
pub mod lookup;
pub mod stations;
