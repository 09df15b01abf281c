//! Reading one cell: the words a spreadsheet uses for our enumerations (in English or Chinese),
//! dates as Excel writes them, yes/no, numbers and opening hours written as `1-5 09:00-17:00`.

use chrono::NaiveDate;

use crate::domain::opening_hours::Period;
use crate::error::FieldError;
use crate::i18n::Text;

fn invalid(column: &str, zh: String, en: String) -> FieldError {
    FieldError::new(column, "invalid_value", Text::new(zh, en))
}

/// The canonical value `cell` names among `choices` (`(value, words that mean it)`).
pub fn choice(
    column: &str,
    cell: &str,
    choices: &[(&'static str, &[&str])],
) -> Result<&'static str, FieldError> {
    let lower = cell.to_lowercase();
    choices
        .iter()
        .find(|(value, words)| *value == lower || words.contains(&cell))
        .map(|(value, _)| *value)
        .ok_or_else(|| {
            let allowed: Vec<String> = choices
                .iter()
                .map(|(value, words)| match words.first() {
                    Some(word) => format!("{value}（{word}）"),
                    None => (*value).to_owned(),
                })
                .collect();
            invalid(
                column,
                format!("“{cell}”不是可选值：{}。", allowed.join("、")),
                format!("`{cell}` is not one of: {}.", allowed.join(", ")),
            )
        })
}

/// A date as `2026-01-01`, `2026/1/1` or `2026.1.1`.
pub fn date(column: &str, cell: &str) -> Result<NaiveDate, FieldError> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(cell, format).ok())
        .ok_or_else(|| {
            invalid(
                column,
                format!("“{cell}”不是日期，请写成 2026-01-01。"),
                format!("`{cell}` is not a date; write it as 2026-01-01."),
            )
        })
}

/// Yes or no.
pub fn flag(column: &str, cell: &str) -> Result<bool, FieldError> {
    match cell.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Ok(true),
        "false" | "no" | "n" | "0" | "否" => Ok(false),
        _ => Err(invalid(
            column,
            format!("“{cell}”应为“是”或“否”。"),
            format!("`{cell}` should be true or false."),
        )),
    }
}

/// A decimal number.
pub fn number(column: &str, cell: &str) -> Result<f64, FieldError> {
    cell.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| {
            invalid(
                column,
                format!("“{cell}”不是数字。"),
                format!("`{cell}` is not a number."),
            )
        })
}

/// A whole number.
pub fn integer(column: &str, cell: &str) -> Result<i64, FieldError> {
    cell.parse::<i64>().map_err(|_| {
        invalid(
            column,
            format!("“{cell}”不是整数。"),
            format!("`{cell}` is not a whole number."),
        )
    })
}

/// Opening hours as periods separated by `;`, each weekdays then times:
/// `1-5 09:00-17:00; 6 09:00-12:00` (weekdays as ranges or lists, Monday = 1). The periods are
/// checked like any other opening hours afterwards.
pub fn opening_hours(column: &str, cell: &str) -> Result<Vec<Period>, FieldError> {
    let bad = || {
        invalid(
            column,
            format!("“{cell}”的格式应为“1-5 09:00-17:00; 6 09:00-12:00”。"),
            format!("`{cell}` should look like `1-5 09:00-17:00; 6 09:00-12:00`."),
        )
    };
    let mut periods = Vec::new();
    for part in cell
        .split([';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (days, times) = part.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (opens, closes) = times.trim().split_once('-').ok_or_else(bad)?;
        let mut weekdays = Vec::new();
        for item in days.split([',', '，']) {
            let day = |s: &str| s.trim().parse::<u8>().map_err(|_| bad());
            match item.split_once('-') {
                Some((from, to)) => {
                    let (from, to) = (day(from)?, day(to)?);
                    if from > to || to > 7 {
                        return Err(bad());
                    }
                    weekdays.extend(from..=to);
                }
                None => weekdays.push(day(item)?),
            }
        }
        periods.push(Period {
            weekdays,
            opens: opens.trim().to_owned(),
            closes: closes.trim().to_owned(),
        });
    }
    Ok(periods)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_words_name_the_same_choice() {
        let genders: &[(&str, &[&str])] = &[("male", &["男"]), ("female", &["女"])];
        assert_eq!(choice("gender", "女", genders).unwrap(), "female");
        assert_eq!(choice("gender", "Male", genders).unwrap(), "male");
        assert_eq!(
            choice("gender", "x", genders).unwrap_err().code,
            "invalid_value"
        );
    }

    #[test]
    fn dates_come_in_excel_shapes() {
        let expected = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        for cell in ["2026-01-05", "2026/1/5", "2026.01.05"] {
            assert_eq!(date("term_start", cell).unwrap(), expected, "{cell}");
        }
        assert!(date("term_start", "5/1/2026").is_err());
    }

    #[test]
    fn opening_hours_read_ranges_and_lists() {
        let periods = opening_hours("opening_hours", "1-5 09:00-17:00；6,7 08:30-11:30").unwrap();
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0].weekdays, [1, 2, 3, 4, 5]);
        assert_eq!(periods[1].weekdays, [6, 7]);
        assert_eq!(periods[1].opens, "08:30");
        assert!(opening_hours("opening_hours", "weekdays").is_err());
        assert!(opening_hours("opening_hours", "5-1 09:00-17:00").is_err());
    }
}
