//! Free text made fit for a public page: anything that looks like a phone number (a run of 7 or
//! more digits, spaces and dashes inside it allowed) keeps its first three and last two digits,
//! and the rest becomes `*`. Names and addresses in free text cannot be found reliably, which is
//! why only cases whose voters consented are published at all.

/// `text` with its phone-like digit runs masked.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single spaces or dashes between them.
        let start = i;
        let mut end = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if matches!(chars[j], ' ' | '-')
                && chars.get(j + 1).is_some_and(char::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        let run = &chars[start..end];
        if digits >= 7 {
            let mut seen = 0;
            for c in run {
                if c.is_ascii_digit() {
                    seen += 1;
                    out.push(if seen <= 3 || seen > digits - 2 {
                        *c
                    } else {
                        '*'
                    });
                } else {
                    out.push(*c);
                }
            }
        } else {
            out.extend(run);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_and_other_numbers_kept() {
        assert_eq!(mask_numbers("电话13912345678联系"), "电话139******78联系");
        assert_eq!(mask_numbers("座机 0571-87654321"), "座机 057*-******21");
        assert_eq!(
            mask_numbers("幸福路 100 号到 200 号，2026 年"),
            "幸福路 100 号到 200 号，2026 年"
        );
        assert_eq!(mask_numbers("138 1234 5678"), "138 **** **78");
        assert_eq!(mask_numbers(""), "");
        assert_eq!(mask_numbers("共 1234567 元"), "共 123**67 元");
    }
}
