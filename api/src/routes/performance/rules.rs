//! The points rules (积分规则): how many points each kind of counted event is worth.
//!
//! A district sets its own weights; a region without its own follows its nearest ancestor that
//! has some, and the default set otherwise. A rule set names every kind: one saved with some
//! kinds left out keeps the default weight for those. Points are never stored, only the
//! weights, so a change of the rules changes every deputy's points at the next read.

use std::collections::BTreeMap;

use entity::{points_rule, region_closure};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, Checks, FieldError};
use crate::i18n::Text;

/// A kind of counted event, with its default weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A duty at a reception day held and attended (值班接待).
    ReceptionAttended,
    /// A record (接待记录) of a reception day the deputy attended.
    ReceptionRecord,
    /// A duty at a reception day held and missed, recorded as excused (请假).
    AbsenceExcused,
    /// A duty at a reception day held and missed without excuse.
    AbsenceUnexcused,
    /// A voter's submission the deputy triaged (reviewed, answered, referred, declined,
    /// converted or merged).
    SubmissionTriaged,
    /// A suggestion the deputy authored (lead or co-author), first submitted in the year.
    SuggestionSubmitted,
    /// Of those, one whose reply is category A (resolved).
    ResultA,
    /// Of those, one whose reply is category B (being resolved, or planned).
    ResultB,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::ReceptionAttended,
        Kind::ReceptionRecord,
        Kind::AbsenceExcused,
        Kind::AbsenceUnexcused,
        Kind::SubmissionTriaged,
        Kind::SuggestionSubmitted,
        Kind::ResultA,
        Kind::ResultB,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ReceptionAttended => "reception_attended",
            Kind::ReceptionRecord => "reception_record",
            Kind::AbsenceExcused => "absence_excused",
            Kind::AbsenceUnexcused => "absence_unexcused",
            Kind::SubmissionTriaged => "submission_triaged",
            Kind::SuggestionSubmitted => "suggestion_submitted",
            Kind::ResultA => "result_a",
            Kind::ResultB => "result_b",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The weight when no rule set says otherwise.
    pub fn default_weight(self) -> i32 {
        match self {
            Kind::ReceptionAttended => 5,
            Kind::ReceptionRecord => 2,
            Kind::AbsenceExcused => 0,
            Kind::AbsenceUnexcused => -5,
            Kind::SubmissionTriaged => 1,
            Kind::SuggestionSubmitted => 5,
            Kind::ResultA => 3,
            Kind::ResultB => 1,
        }
    }
}

/// The largest weight, either way: points are a tally, not a currency.
pub const MAX_WEIGHT: i64 = 1000;

/// The weights in force for a region, and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    pub weights: BTreeMap<Kind, i32>,
    /// The region whose rules these are; `None` for the default set.
    pub defined_at: Option<Uuid>,
}

impl RuleSet {
    pub fn default_set() -> RuleSet {
        RuleSet {
            weights: Kind::ALL
                .into_iter()
                .map(|k| (k, k.default_weight()))
                .collect(),
            defined_at: None,
        }
    }

    pub fn weight(&self, kind: Kind) -> i32 {
        self.weights
            .get(&kind)
            .copied()
            .unwrap_or(kind.default_weight())
    }
}

/// The rule set in force for `region`: its own, else its nearest ancestor's, else the default.
pub async fn effective(db: &impl ConnectionTrait, region: Uuid) -> Result<RuleSet, ApiError> {
    let ancestors: Vec<Uuid> = region_closure::Entity::find()
        .filter(region_closure::Column::DescendantId.eq(region))
        .order_by_asc(region_closure::Column::Depth)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.ancestor_id)
        .collect();
    let rows = points_rule::Entity::find()
        .filter(points_rule::Column::RegionId.is_in(ancestors.iter().copied()))
        .all(db)
        .await?;
    let Some(nearest) = ancestors
        .iter()
        .find(|a| rows.iter().any(|r| r.region_id == **a))
    else {
        return Ok(RuleSet::default_set());
    };
    let mut set = RuleSet::default_set();
    set.defined_at = Some(*nearest);
    for row in rows.iter().filter(|r| r.region_id == *nearest) {
        // A kind retired from the catalogue is ignored rather than failing every read.
        if let Some(kind) = Kind::parse(&row.kind) {
            set.weights.insert(kind, row.weight);
        }
    }
    Ok(set)
}

/// Reads a rule set from a request's `weights` object: every key a known kind, every value an
/// integer within ±`MAX_WEIGHT`. Kinds left out take their default.
pub fn parse(weights: &serde_json::Map<String, Value>) -> Result<BTreeMap<Kind, i32>, ApiError> {
    let mut checks = Checks::default();
    let mut out: BTreeMap<Kind, i32> = Kind::ALL
        .into_iter()
        .map(|k| (k, k.default_weight()))
        .collect();
    for (name, value) in weights {
        let field = format!("weights.{name}");
        let Some(kind) = Kind::parse(name) else {
            checks.fail(FieldError::new(
                field,
                "unknown_kind",
                Text::new(
                    "没有这种积分事项。",
                    format!(
                        "No such kind of event; the kinds are {}.",
                        Kind::ALL.map(Kind::as_str).join(", ")
                    ),
                ),
            ));
            continue;
        };
        match value.as_i64() {
            Some(w) if (-MAX_WEIGHT..=MAX_WEIGHT).contains(&w) => {
                out.insert(kind, i32::try_from(w).unwrap_or_default());
            }
            Some(_) => checks.fail(FieldError::new(
                field,
                "out_of_range",
                Text::fixed(
                    "分值须在 -1000 到 1000 之间。",
                    "A weight is between -1000 and 1000.",
                ),
            )),
            None => checks.fail(FieldError::new(
                field,
                "not_integer",
                Text::fixed("分值须为整数。", "A weight is a whole number."),
            )),
        }
    }
    checks.finish()?;
    Ok(out)
}

/// Replaces `region`'s rule set with `weights`, in the caller's transaction.
pub async fn save(
    db: &impl ConnectionTrait,
    region: Uuid,
    weights: &BTreeMap<Kind, i32>,
    by: Uuid,
) -> Result<(), ApiError> {
    points_rule::Entity::delete_many()
        .filter(points_rule::Column::RegionId.eq(region))
        .exec(db)
        .await?;
    let now = crate::clock::now();
    for (kind, weight) in weights {
        points_rule::ActiveModel {
            region_id: Set(region),
            kind: Set(kind.as_str().to_owned()),
            weight: Set(*weight),
            updated_at: Set(now),
            updated_by: Set(Some(by)),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(err: ApiError) -> Vec<(String, String)> {
        match err {
            ApiError::Validation(errors) => errors
                .into_iter()
                .map(|e| (e.field.to_string(), e.code.to_string()))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_kind_round_trips_and_left_out_kinds_keep_their_default() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        let map = json!({"reception_attended": 8, "absence_unexcused": -10});
        let parsed = parse(map.as_object().expect("object")).expect("valid");
        assert_eq!(parsed[&Kind::ReceptionAttended], 8);
        assert_eq!(parsed[&Kind::AbsenceUnexcused], -10);
        assert_eq!(parsed[&Kind::ResultA], 3);
        assert_eq!(parsed.len(), Kind::ALL.len());
    }

    #[test]
    fn unknown_kinds_fractions_strings_and_huge_weights_are_refused() {
        let map =
            json!({"speeches": 1, "result_a": 2.5, "result_b": "3", "reception_record": 5000});
        let mut got = codes(parse(map.as_object().expect("object")).expect_err("invalid"));
        got.sort();
        assert_eq!(
            got,
            [
                ("weights.reception_record".into(), "out_of_range".into()),
                ("weights.result_a".into(), "not_integer".into()),
                ("weights.result_b".into(), "not_integer".into()),
                ("weights.speeches".into(), "unknown_kind".into()),
            ]
        );
    }
}
