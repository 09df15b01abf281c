//! Reading an uploaded CSV into rows of named cells, before anything about stations or
//! deputies: the encoding (UTF-8, with or without the BOM Excel writes), the header (English
//! column names or their Chinese equivalents, each once, none unknown, none required missing),
//! and the limits. Every problem is a [`FieldError`] with its line, so a district clerk can find
//! it in the spreadsheet.

use std::collections::HashMap;

use crate::error::FieldError;
use crate::i18n::Text;

/// The most data rows one file may have. A district has hundreds of stations and a few
/// thousand deputies at every level together; ten thousand leaves room and bounds the work of
/// one request (one transaction, one response).
pub const MAX_ROWS: usize = 10_000;

/// The largest file accepted, in bytes (`413` above it).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// The most errors reported for one file: enough to fix a spreadsheet, without a response the
/// size of the file.
pub const MAX_ERRORS: usize = 200;

/// One column a file may have: its name, the Chinese headers that mean the same, and whether
/// every file must have it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

impl Column {
    pub const fn required(name: &'static str, aliases: &'static [&'static str]) -> Column {
        Column {
            name,
            aliases,
            required: true,
        }
    }

    pub const fn optional(name: &'static str, aliases: &'static [&'static str]) -> Column {
        Column {
            name,
            aliases,
            required: false,
        }
    }
}

/// A data row: its line in the file and its non-empty cells by column name (trimmed).
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    cells: HashMap<&'static str, String>,
}

impl Row {
    /// The cell of `column`, `None` when empty or absent.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells.get(column).map(String::as_str)
    }
}

/// A file read: which columns it has, and its rows.
#[derive(Debug)]
pub struct Table {
    present: Vec<&'static str>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Whether the file has `column` (so that an empty cell clears, not keeps, a value).
    pub fn has(&self, column: &str) -> bool {
        self.present.contains(&column)
    }
}

fn error(line: u64, field: &str, code: &'static str, zh: String, en: String) -> FieldError {
    FieldError::new(field, code, Text::new(zh, en)).at_line(line)
}

/// The column a header names, matching case and surrounding spaces loosely.
fn column_of<'a>(columns: &'a [Column], header: &str) -> Option<&'a Column> {
    let header = header.trim().to_lowercase();
    columns
        .iter()
        .find(|c| c.name == header || c.aliases.iter().any(|a| *a == header))
}

/// Reads `bytes` as a CSV with `columns`; all the problems found, or the table.
pub fn read(bytes: &[u8], columns: &[Column]) -> Result<Table, Vec<FieldError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        // The line of the first byte that is not UTF-8: usually a file saved as GBK.
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        return Err(vec![error(
            u64::try_from(line).unwrap_or(u64::MAX),
            "file",
            "invalid_encoding",
            "文件不是 UTF-8 编码（可能是 GBK）：请在 Excel 中另存为“CSV UTF-8”后重新上传。".into(),
            "The file is not UTF-8 (perhaps GBK): save it as \"CSV UTF-8\" and upload it again."
                .into(),
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        None => {
            return Err(vec![error(
                1,
                "file",
                "empty_file",
                "文件是空的：第一行应为列名。".into(),
                "The file is empty: its first line must name the columns.".into(),
            )]);
        }
        Some(Err(e)) => return Err(vec![csv_error(&e)]),
    };

    let mut errors = Vec::new();
    let mut positions: Vec<Option<&'static str>> = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        let position = i + 1;
        match column_of(columns, name) {
            Some(column) if positions.contains(&Some(column.name)) => errors.push(error(
                1,
                column.name,
                "duplicate_column",
                format!("第 {position} 列“{name}”与前面的列重复。"),
                format!("Column {position} (`{name}`) repeats an earlier column."),
            )),
            Some(column) => positions.push(Some(column.name)),
            None if name.trim().is_empty() => positions.push(None),
            None => {
                let known: Vec<&str> = columns.iter().map(|c| c.name).collect();
                errors.push(error(
                    1,
                    name.trim(),
                    "unknown_column",
                    format!(
                        "不认识第 {position} 列“{name}”；可用的列：{}。",
                        known.join("、")
                    ),
                    format!(
                        "Column {position} (`{name}`) is not one of: {}.",
                        known.join(", ")
                    ),
                ));
                positions.push(None);
            }
        }
    }
    for column in columns.iter().filter(|c| c.required) {
        if !positions.contains(&Some(column.name)) {
            errors.push(error(
                1,
                column.name,
                "missing_column",
                format!("缺少必填列“{}”。", column.name),
                format!("The required column `{}` is missing.", column.name),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(csv_error(&e));
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // Spreadsheets leave blank lines at the end.
        }
        if rows.len() == MAX_ROWS {
            return Err(vec![error(
                line,
                "file",
                "too_many_rows",
                format!("一个文件最多 {MAX_ROWS} 行数据，请分成几个文件导入。"),
                format!("A file may have at most {MAX_ROWS} data rows; split it."),
            )]);
        }
        if record.len() > positions.len() {
            errors.push(error(
                line,
                "file",
                "column_count",
                format!(
                    "此行有 {} 个单元格，但只有 {} 列。",
                    record.len(),
                    positions.len()
                ),
                format!(
                    "This line has {} cells but the header has {} columns.",
                    record.len(),
                    positions.len()
                ),
            ));
            continue;
        }
        let cells = positions
            .iter()
            .zip(record.iter())
            .filter_map(|(column, cell)| {
                let cell = cell.trim();
                Some((column.as_ref().copied()?, cell.to_owned())).filter(|_| !cell.is_empty())
            })
            .collect();
        rows.push(Row { line, cells });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Table {
        present: positions.into_iter().flatten().collect(),
        rows,
    })
}

fn csv_error(e: &csv::Error) -> FieldError {
    let line = e.position().map_or(0, csv::Position::line);
    error(
        line,
        "file",
        "malformed_csv",
        "CSV 格式有误（例如引号未闭合）。".into(),
        format!("The CSV is malformed here: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column::required("name", &["姓名"]),
        Column::optional("phone", &["电话"]),
    ];

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str, Option<u64>)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), &*e.code, e.line))
            .collect()
    }

    #[test]
    fn chinese_headers_a_bom_and_blank_lines_are_fine() {
        let table = read(
            "\u{feff}姓名,电话\n王芳, 13812341234 \n,\n".as_bytes(),
            COLUMNS,
        )
        .unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[0].get("phone"), Some("13812341234"));
        assert!(table.has("phone"));
    }

    #[test]
    fn header_problems_are_all_reported() {
        let errors = read(b"phone,phone,colour\n", COLUMNS).unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("phone", "duplicate_column", Some(1)),
                ("colour", "unknown_column", Some(1)),
                ("name", "missing_column", Some(1)),
            ]
        );
    }

    #[test]
    fn gbk_is_refused_with_its_line() {
        // "王芳" in GBK on line 2.
        let errors = read(b"name\n\xcd\xf5\xb7\xbc\n", COLUMNS).unwrap_err();
        assert_eq!(codes(&errors), [("file", "invalid_encoding", Some(2))]);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut file = String::from("name\n");
        for i in 0..=MAX_ROWS {
            file.push_str(&format!("n{i}\n"));
        }
        let errors = read(file.as_bytes(), COLUMNS).unwrap_err();
        assert_eq!(errors[0].code, "too_many_rows");
    }

    #[test]
    fn rows_longer_than_the_header_are_refused() {
        let errors = read(b"name\na,b\n", COLUMNS).unwrap_err();
        assert_eq!(codes(&errors), [("file", "column_count", Some(2))]);
    }
}
