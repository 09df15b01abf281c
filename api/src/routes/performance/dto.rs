//! Wire types of deputies' duty records, the points rules and the ranking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::record::Counts;
use super::rules::{self, RuleSet};
use super::service::DutyRecord;
use crate::routes::stats::service::report::ratio;

/// The year a record covers.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearFilter {
    /// The calendar year, 2000 to 2100; this year by default.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// Which deputies the ranking covers.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingFilter {
    /// The calendar year, 2000 to 2100; this year by default.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Deputies of this region's subtree (404 outside the caller's scope).
    pub region_id: Option<Uuid>,
    /// Deputies stationed at this station now (404 outside the caller's scope).
    pub station_id: Option<Uuid>,
}

/// Reception days in the year (dated in it, not cancelled).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionRecordDto {
    /// Duties at reception days that have ended: attended + absent (excused or not).
    pub on_duty: u64,
    /// Recorded present, or signed in and not recorded absent.
    pub attended: u64,
    /// Recorded absent and excused (请假).
    pub absent_excused: u64,
    pub absent_unexcused: u64,
    /// `attended ÷ on_duty` to four decimals; `null` without duties.
    pub attendance_rate: Option<f64>,
    /// Duties at reception days not over yet.
    pub upcoming: u64,
    /// Records (接待记录) of the days attended.
    pub records: u64,
    /// Visitors counted in those records.
    pub voters_received: u64,
}

/// Suggestions the deputy authored (lead or co-author) first submitted in the year, and their
/// results as they stand now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionRecordDto {
    pub submitted: u64,
    /// With a reply.
    pub replied: u64,
    /// The current reply's category: A resolved, B being resolved or planned, C explained.
    pub category_a: u64,
    pub category_b: u64,
    pub category_c: u64,
    /// `category_a ÷ replied`; `null` when none is replied.
    pub resolution_rate: Option<f64>,
    pub closed: u64,
    /// With a final rating.
    pub rated: u64,
    /// Rated satisfied or basically satisfied (final rating).
    pub satisfied: u64,
    /// `satisfied ÷ rated`; `null` when none is rated.
    pub satisfaction_rate: Option<f64>,
}

/// One kind of counted event in the points.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsItemDto {
    #[schema(example = "reception_attended")]
    pub kind: String,
    pub count: u64,
    pub weight: i32,
    /// `count × weight`.
    pub points: i64,
}

/// Performance points (履职积分) under the rules in force for the deputy's region.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsDto {
    pub total: i64,
    /// The region whose rules apply (the deputy's own or its nearest ancestor with rules);
    /// `null` for the default rules.
    pub rules_region_id: Option<Uuid>,
    pub items: Vec<PointsItemDto>,
}

/// A deputy's duty record (履职档案) for a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceDto {
    pub deputy_id: Uuid,
    pub name: String,
    pub region_id: Uuid,
    pub year: i32,
    pub receptions: ReceptionRecordDto,
    /// Voters' submissions the deputy's account moved on in the year (reviewed, answered,
    /// referred, declined, converted or merged), each once.
    pub submissions_triaged: u64,
    pub suggestions: SuggestionRecordDto,
    pub points: PointsDto,
    pub generated_at: DateTime<Utc>,
}

/// A row of the ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeputyRankDto {
    /// 1 for the most points; deputies with equal points share a rank (1, 2, 2, 4).
    pub rank: u32,
    pub deputy_id: Uuid,
    pub name: String,
    pub region_id: Uuid,
    pub points: i64,
    pub on_duty: u64,
    pub attended: u64,
    pub absent_unexcused: u64,
    pub records: u64,
    pub voters_received: u64,
    pub submissions_triaged: u64,
    pub suggestions_submitted: u64,
    pub category_a: u64,
}

/// Deputies ranked by points.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDto {
    pub year: i32,
    pub rows: Vec<DeputyRankDto>,
    pub generated_at: DateTime<Utc>,
}

/// A kind of counted event and its weight.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsKindDto {
    #[schema(example = "reception_attended")]
    pub kind: String,
    pub weight: i32,
    pub default_weight: i32,
}

/// The points rules in force for a region.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRulesDto {
    pub region_id: Uuid,
    /// Where the rules come from: this region, an ancestor, or `null` for the default rules.
    pub defined_at: Option<Uuid>,
    /// Every kind of counted event, in a fixed order.
    pub rules: Vec<PointsKindDto>,
}

/// A region's new rules: the kinds named get these weights, the others their default.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsRulesRequest {
    /// Kind of event → whole number of points, -1000 to 1000. The kinds are
    /// `reception_attended`, `reception_record`, `absence_excused`, `absence_unexcused`,
    /// `submission_triaged`, `suggestion_submitted`, `result_a`, `result_b`.
    #[schema(value_type = std::collections::BTreeMap<String, i32>, example = json!({"reception_attended": 5, "absence_unexcused": -5}))]
    pub weights: serde_json::Map<String, serde_json::Value>,
}

pub fn points_dto(counts: &Counts, rules: &RuleSet) -> PointsDto {
    let (items, total) = counts.points(rules);
    PointsDto {
        total,
        rules_region_id: rules.defined_at,
        items: items
            .into_iter()
            .map(|(kind, count, weight, points)| PointsItemDto {
                kind: kind.as_str().to_owned(),
                count,
                weight,
                points,
            })
            .collect(),
    }
}

pub fn rules_dto(region_id: Uuid, set: &RuleSet) -> PointsRulesDto {
    PointsRulesDto {
        region_id,
        defined_at: set.defined_at,
        rules: rules::Kind::ALL
            .into_iter()
            .map(|k| PointsKindDto {
                kind: k.as_str().to_owned(),
                weight: set.weight(k),
                default_weight: k.default_weight(),
            })
            .collect(),
    }
}

impl PerformanceDto {
    /// The record as the contract shows it.
    pub fn of(record: DutyRecord) -> Self {
        let c = &record.counts;
        PerformanceDto {
            deputy_id: record.deputy.id,
            name: record.deputy.name,
            region_id: record.deputy.region_id,
            year: record.year,
            receptions: ReceptionRecordDto {
                on_duty: c.on_duty,
                attended: c.attended,
                absent_excused: c.absent_excused,
                absent_unexcused: c.absent_unexcused,
                attendance_rate: ratio(c.attended, c.on_duty),
                upcoming: c.upcoming,
                records: c.records,
                voters_received: c.voters_received,
            },
            submissions_triaged: c.submissions_triaged,
            suggestions: SuggestionRecordDto {
                submitted: c.suggestions_submitted,
                replied: c.replied,
                category_a: c.result_a,
                category_b: c.result_b,
                category_c: c.result_c,
                resolution_rate: ratio(c.result_a, c.replied),
                closed: c.closed,
                rated: c.rated,
                satisfied: c.satisfied,
                satisfaction_rate: ratio(c.satisfied, c.rated),
            },
            points: points_dto(c, &record.rules),
            generated_at: record.generated_at,
        }
    }
}
