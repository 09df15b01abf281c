//! The exports' reading of the database: each kind's table and its keyset pages, and the names
//! the rows show for ids. Writing the pages out as CSV or a workbook stays beside the handlers.

pub mod names;
pub mod submissions;
pub mod suggestions;
pub mod summaries;
pub mod table;
