//! An export as CSV, streamed: UTF-8 with a byte-order mark (without it Excel on a Chinese
//! Windows reads the file as GBK and shows mojibake), CRLF line ends (RFC 4180), one page of rows
//! per chunk. The next page is read only when the client has taken the last one, so a slow
//! download holds one page in memory, and a dropped one stops the reading.

use actix_web::web::Bytes;
use futures_util::Stream;
use sea_orm::DatabaseConnection;

use super::service::table::{Cell, Row, Table};
use crate::i18n::Lang;

const BOM: &[u8] = "\u{feff}".as_bytes();

/// The body of `table` as CSV with headings in `lang`.
pub fn stream(
    db: DatabaseConnection,
    table: Table,
    lang: Lang,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let headings: Vec<&str> = table.columns.iter().map(|c| c.heading(lang)).collect();
    let mut head = BOM.to_vec();
    head.extend(encode(std::iter::once(
        headings
            .iter()
            .map(|h| Cell::Code((*h).to_owned()))
            .collect(),
    )));
    let start = State {
        db,
        table,
        head: Some(head),
        done: false,
    };
    futures_util::stream::unfold(start, |mut s| async move {
        if let Some(head) = s.head.take() {
            return Some((Ok(Bytes::from(head)), s));
        }
        if s.done {
            return None;
        }
        match s.table.pages.next(&s.db).await {
            Ok(Some(rows)) => Some((Ok(Bytes::from(encode(rows))), s)),
            Ok(None) => None,
            Err(err) => {
                // The status line is long gone: cutting the body short is how the client learns.
                tracing::error!(error = %err, "export failed part-way");
                s.done = true;
                Some((Err(std::io::Error::other("export failed")), s))
            }
        }
    })
}

struct State {
    db: DatabaseConnection,
    table: Table,
    head: Option<Vec<u8>>,
    done: bool,
}

/// `rows` as CSV records.
pub fn encode(rows: impl IntoIterator<Item = Row>) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        let fields = row.iter().map(field);
        // Writing to a Vec cannot fail.
        let _ = out.write_record(fields.collect::<Vec<_>>());
    }
    out.into_inner().unwrap_or_default()
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        Cell::Text(s) | Cell::Code(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Num(x) => x.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_in_typed_text_are_defused_and_quotes_escaped() {
        let rows = vec![vec![
            Cell::text("=HYPERLINK(\"x\")"),
            Cell::text("-1"),
            Cell::code("-"),
            Cell::Int(-3),
            Cell::Num(0.25),
            Cell::Empty,
            Cell::text("a,b\n路灯"),
        ]];
        let out = String::from_utf8(encode(rows)).unwrap();
        assert_eq!(
            out,
            "\"'=HYPERLINK(\"\"x\"\")\",'-1,-,-3,0.25,,\"a,b\n路灯\"\r\n"
        );
    }
}
