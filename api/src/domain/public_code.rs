//! Short public codes for QR codes and spoken references: a kind letter and seven random
//! characters from an alphabet without look-alikes (no I, L, O, U, 0, 1), e.g. `S7K3M9QX`.
//! Random, so that codes say nothing about how many stations exist or their order.

/// Crockford's alphabet without 0 and 1, which are read as O and I.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 7;

/// What a code points at; its first letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Station,
    Deputy,
}

impl CodeKind {
    fn prefix(self) -> char {
        match self {
            CodeKind::Station => 'S',
            CodeKind::Deputy => 'D',
        }
    }

    /// The kind a code names, if it looks like one of ours.
    pub fn of(code: &str) -> Option<CodeKind> {
        let kind = match code.chars().next()? {
            'S' => CodeKind::Station,
            'D' => CodeKind::Deputy,
            _ => return None,
        };
        let rest = &code.as_bytes()[1..];
        (rest.len() == LEN && rest.iter().all(|b| ALPHABET.contains(b))).then_some(kind)
    }
}

/// A new random code of `kind`.
pub fn generate(kind: CodeKind) -> String {
    let mut bytes = [0u8; LEN];
    rand::fill(&mut bytes);
    let mut code = String::with_capacity(LEN + 1);
    code.push(kind.prefix());
    // 256 is not a multiple of 30; the bias this leaves (a few percent on some characters)
    // costs nothing here: codes are unique by the database, not by chance alone.
    code.extend(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])),
    );
    code
}

/// Normalises a code typed or scanned by a person: trimmed, upper case.
pub fn normalise(raw: &str) -> String {
    raw.trim().to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_recognised() {
        let station = generate(CodeKind::Station);
        assert_eq!(station.len(), 8);
        assert_eq!(CodeKind::of(&station), Some(CodeKind::Station));
        assert_eq!(
            CodeKind::of(&generate(CodeKind::Deputy)),
            Some(CodeKind::Deputy)
        );
        assert_eq!(CodeKind::of("S0000000"), None);
        assert_eq!(CodeKind::of("X2345678"), None);
        assert_eq!(CodeKind::of("S234"), None);
        assert_eq!(CodeKind::of(""), None);
    }

    #[test]
    fn codes_differ() {
        let codes: std::collections::HashSet<String> =
            (0..1000).map(|_| generate(CodeKind::Station)).collect();
        assert_eq!(codes.len(), 1000);
    }
}
