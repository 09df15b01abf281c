//! Event types (`<object>.<op>`, e.g. `suggestion.updated`) and the patterns a subscription
//! lists: an exact type, `<object>.*` or `*`.

use crate::changes::feed::ObjectType;

/// What happened to the object.
pub const OPS: [&str; 3] = ["created", "updated", "deleted"];

/// The event type of a change.
pub fn event_type(object: ObjectType, op: &str) -> String {
    format!("{}.{op}", object.as_str())
}

/// One subscribed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    All,
    Object(ObjectType),
    Exact(ObjectType, &'static str),
}

impl Pattern {
    /// Parses one pattern; `None` when it names no known type.
    pub fn parse(s: &str) -> Option<Pattern> {
        if s == "*" {
            return Some(Pattern::All);
        }
        let (object, op) = s.split_once('.')?;
        let object = ObjectType::parse(object)?;
        if op == "*" {
            return Some(Pattern::Object(object));
        }
        OPS.iter()
            .find(|o| **o == op)
            .map(|o| Pattern::Exact(object, o))
    }

    pub fn as_string(&self) -> String {
        match self {
            Pattern::All => "*".to_owned(),
            Pattern::Object(o) => format!("{}.*", o.as_str()),
            Pattern::Exact(o, op) => event_type(*o, op),
        }
    }

    /// The object types this pattern can match.
    pub fn objects(&self) -> Vec<ObjectType> {
        match self {
            Pattern::All => ObjectType::ALL.to_vec(),
            Pattern::Object(o) | Pattern::Exact(o, _) => vec![*o],
        }
    }

    pub fn matches(&self, object: ObjectType, op: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Object(o) => *o == object,
            Pattern::Exact(o, p) => *o == object && *p == op,
        }
    }
}

/// A subscription's patterns, stored space-separated.
#[derive(Debug, Clone, Default)]
pub struct Patterns(pub Vec<Pattern>);

impl Patterns {
    /// Parses stored or requested patterns; the first unknown one is the error.
    pub fn parse<'a>(list: impl IntoIterator<Item = &'a str>) -> Result<Patterns, String> {
        let mut out: Vec<Pattern> = Vec::new();
        for s in list {
            let p = Pattern::parse(s).ok_or_else(|| s.to_owned())?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(Patterns(out))
    }

    pub fn stored(&self) -> String {
        self.0
            .iter()
            .map(Pattern::as_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The object types any pattern can match, in feed order.
    pub fn objects(&self) -> Vec<ObjectType> {
        ObjectType::ALL
            .into_iter()
            .filter(|t| self.0.iter().any(|p| p.objects().contains(t)))
            .collect()
    }

    pub fn matches(&self, object: ObjectType, op: &str) -> bool {
        self.0.iter().any(|p| p.matches(object, op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_match_and_round_trip() {
        let p =
            Patterns::parse(["suggestion.updated", "submission.*", "submission.*"]).expect("known");
        assert_eq!(p.stored(), "suggestion.updated submission.*");
        assert!(p.matches(ObjectType::Suggestion, "updated"));
        assert!(!p.matches(ObjectType::Suggestion, "created"));
        assert!(p.matches(ObjectType::Submission, "deleted"));
        assert!(!p.matches(ObjectType::Station, "created"));
        assert_eq!(
            p.objects(),
            vec![ObjectType::Submission, ObjectType::Suggestion]
        );
        let all = Patterns::parse(["*"]).expect("known");
        assert!(all.matches(ObjectType::Reception, "created"));
        assert_eq!(all.objects().len(), 5);
        for bad in ["suggestion", "suggestion.closed", "user.*", "", ".*", "*.*"] {
            assert_eq!(Patterns::parse([bad]).unwrap_err(), bad);
        }
    }
}
