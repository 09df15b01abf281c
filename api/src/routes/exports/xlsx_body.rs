//! An export as an Excel workbook, written by `rust_xlsxwriter` in constant-memory mode: each
//! row goes to the sheet's temporary file as it is written, and the workbook is zipped into
//! another temporary file, which is then sent. Rows arrive page by page from the database on
//! the request's task; the writing runs on a blocking thread so that the worker keeps serving.
//!
//! A sheet holds at most 1,048,576 rows; past that the rows go on in a new sheet with the same
//! headings.

use std::io::{Seek, SeekFrom, Write};

use rust_xlsxwriter::{Workbook, XlsxError};
use sea_orm::DatabaseConnection;

use super::service::table::{Cell, Column, Row, Table};
use crate::error::ApiError;
use crate::i18n::Lang;

/// Excel's limit, the heading row included.
const SHEET_ROWS: u32 = 1_048_576;

/// `table` written as a workbook to an unnamed temporary file (gone when closed), rewound,
/// with its length.
pub async fn build(
    db: &DatabaseConnection,
    table: Table,
    lang: Lang,
    sheet: &'static str,
) -> Result<(std::fs::File, u64), ApiError> {
    let Table { columns, mut pages } = table;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Row>>(2);
    let writer = actix_web::rt::task::spawn_blocking(move || write(rx, columns, lang, sheet));
    loop {
        match pages.next(db).await {
            Ok(Some(rows)) => {
                if tx.send(rows).await.is_err() {
                    // The writer stopped early: its own error says why.
                    break;
                }
            }
            Ok(None) => break,
            Err(err) => {
                drop(tx);
                return Err(err);
            }
        }
    }
    drop(tx);
    writer
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("workbook writer: {e}")))?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("workbook: {e}")))
}

fn write(
    mut rx: tokio::sync::mpsc::Receiver<Vec<Row>>,
    columns: &'static [Column],
    lang: Lang,
    sheet: &'static str,
) -> Result<(std::fs::File, u64), XlsxError> {
    let mut book = Workbook::new();
    let mut sheets = 0usize;
    let mut next_row = SHEET_ROWS;
    while let Some(rows) = rx.blocking_recv() {
        for row in rows {
            if next_row == SHEET_ROWS {
                sheets += 1;
                let ws = book.add_worksheet_with_constant_memory()?;
                ws.set_name(if sheets == 1 {
                    sheet.to_owned()
                } else {
                    format!("{sheet} ({sheets})")
                })?;
                for (i, c) in columns.iter().enumerate() {
                    ws.write_string(0, col(i), c.heading(lang))?;
                }
                next_row = 1;
            }
            let ws = book.worksheet_from_index(sheets - 1)?;
            for (i, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) | Cell::Code(s) => {
                        ws.write_string(next_row, col(i), fit(s))?;
                    }
                    // Counts are far below 2^53: exact as a spreadsheet number.
                    #[allow(clippy::cast_precision_loss)]
                    Cell::Int(n) => {
                        ws.write_number(next_row, col(i), *n as f64)?;
                    }
                    Cell::Num(x) => {
                        ws.write_number(next_row, col(i), *x)?;
                    }
                }
            }
            next_row += 1;
        }
    }
    if sheets == 0 {
        // No rows: the headings alone.
        let ws = book.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet)?;
        for (i, c) in columns.iter().enumerate() {
            ws.write_string(0, col(i), c.heading(lang))?;
        }
    }
    let mut file = std::io::BufWriter::new(tempfile::tempfile()?);
    book.save_to_writer(&mut file)?;
    file.flush()?;
    let mut file = file.into_inner().map_err(|e| e.into_error())?;
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, len))
}

/// Excel's limit on the characters of a cell. No text the service accepts comes near it (a
/// case's content is at most 10,000), but a longer one must not turn a whole export into an
/// error: the workbook keeps the beginning, the CSV all of it.
const CELL_CHARS: usize = 32_767;

fn fit(s: &str) -> &str {
    match s.char_indices().nth(CELL_CHARS) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_past_excels_limit_is_cut_at_a_character() {
        let long = "路".repeat(CELL_CHARS + 5);
        assert_eq!(fit(&long).chars().count(), CELL_CHARS);
        assert_eq!(fit("短"), "短");
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        assert!(ws.write_string(0, 0, fit(&long)).is_ok());
        assert!(
            ws.write_string(1, 0, &long).is_err(),
            "the limit is Excel's"
        );
    }
}
