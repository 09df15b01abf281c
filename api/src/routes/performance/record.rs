//! Deputies' duty records (履职档案) for a year, counted by grouped queries: a record for one
//! deputy and the ranking of a whole district are the same four queries, grouped by deputy.
//!
//! Definitions (the README's "Performance points" repeats them):
//!
//! - **Reception days** are those dated in the year (local days) and not cancelled. A duty at
//!   one that has ended is *on duty*, and either *attended* (recorded present, or signed in and
//!   not recorded absent), *absent excused* (recorded absent and excused, 请假) or *absent
//!   unexcused*; a duty at one not over yet is *upcoming*.
//! - **Records** and **voters received**: the records of the reception days the deputy
//!   attended, and the visitor counts they give.
//! - **Submissions triaged**: voters' submissions the deputy's account moved on in the year
//!   (reviewed, answered, referred, declined, converted or merged), each once.
//! - **Suggestions submitted**: suggestions the deputy authored (lead or co-author) whose first
//!   submission falls in the year; their results are as they stand now: replied, the A/B/C
//!   split of the reply, closed, rated and satisfied (satisfied or basically satisfied, final
//!   rating).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::suggestion::ReplyCategory;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::rules::{Kind, RuleSet};
use crate::domain::suggestion_flow::{Action, SATISFIED, State};
use crate::error::ApiError;
use crate::routes::stats::service::figures::{col, count, count_all, one_if, sum};
use crate::routes::stats::service::period::Period;

/// The counts of one deputy's year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub on_duty: u64,
    pub attended: u64,
    pub absent_excused: u64,
    pub absent_unexcused: u64,
    pub upcoming: u64,
    pub records: u64,
    pub voters_received: u64,
    pub submissions_triaged: u64,
    pub suggestions_submitted: u64,
    pub replied: u64,
    pub result_a: u64,
    pub result_b: u64,
    pub result_c: u64,
    pub closed: u64,
    pub rated: u64,
    pub satisfied: u64,
}

impl Counts {
    /// How many events of `kind` the points count.
    pub fn of(&self, kind: Kind) -> u64 {
        match kind {
            Kind::ReceptionAttended => self.attended,
            Kind::ReceptionRecord => self.records,
            Kind::AbsenceExcused => self.absent_excused,
            Kind::AbsenceUnexcused => self.absent_unexcused,
            Kind::SubmissionTriaged => self.submissions_triaged,
            Kind::SuggestionSubmitted => self.suggestions_submitted,
            Kind::ResultA => self.result_a,
            Kind::ResultB => self.result_b,
        }
    }

    /// Each kind's count, weight and points under `rules`, and the total.
    pub fn points(&self, rules: &RuleSet) -> (Vec<(Kind, u64, i32, i64)>, i64) {
        let items: Vec<(Kind, u64, i32, i64)> = Kind::ALL
            .into_iter()
            .map(|kind| {
                let n = self.of(kind);
                let w = rules.weight(kind);
                (
                    kind,
                    n,
                    w,
                    i64::try_from(n)
                        .unwrap_or(i64::MAX)
                        .saturating_mul(w.into()),
                )
            })
            .collect();
        let total = items.iter().map(|i| i.3).fold(0i64, i64::saturating_add);
        (items, total)
    }
}

/// The triage steps that count (not the closing of an answered one, which is bookkeeping).
const TRIAGE_STEPS: [&str; 6] = ["review", "answer", "refer", "decline", "convert", "merge"];

/// The records of the deputies `deputies` (a query of deputy ids) over `year`.
pub async fn counts(
    db: &impl ConnectionTrait,
    deputies: &SelectStatement,
    year: Period,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Counts>, ApiError> {
    let mut out: HashMap<Uuid, Counts> = HashMap::new();
    let mut add = |rows: Vec<QueryResult>,
                   f: &dyn Fn(&mut Counts, &QueryResult) -> Result<(), ApiError>|
     -> Result<(), ApiError> {
        for row in rows {
            let id: Uuid = row.try_get("", "k")?;
            f(out.entry(id).or_default(), &row)?;
        }
        Ok(())
    };
    let attended = Condition::any()
        .add(col("d", "attendance").eq("present"))
        .add(
            Condition::all()
                .add(col("d", "attendance").is_null())
                .add(col("d", "checked_in_at").is_not_null()),
        );
    // Spelled out rather than `NOT attended`: with a null `attendance` that would be null, and
    // the duty would count as neither.
    let missed = Condition::any()
        .add(
            Condition::all()
                .add(col("d", "attendance").is_not_null())
                .add(col("d", "attendance").ne("present")),
        )
        .add(
            Condition::all()
                .add(col("d", "attendance").is_null())
                .add(col("d", "checked_in_at").is_null()),
        );
    let held = col("r", "ends_at").lte(now);
    let duties = || {
        Query::select()
            .from_as(Alias::new("receptions"), Alias::new("r"))
            .join_as(
                JoinType::InnerJoin,
                Alias::new("reception_duties"),
                Alias::new("d"),
                col("d", "reception_id").equals((Alias::new("r"), Alias::new("id"))),
            )
            .and_where(col("r", "status").ne("cancelled"))
            .and_where(col("r", "day").gte(year.from))
            .and_where(col("r", "day").lte(year.to))
            .and_where(col("d", "deputy_id").in_subquery(deputies.clone()))
            .expr_as(col("d", "deputy_id"), Alias::new("k"))
            .add_group_by([col("d", "deputy_id")])
            .to_owned()
    };

    // Duties.
    let excused = col("d", "attendance_excused").eq(true);
    let mut q = duties();
    q.expr_as(
        sum(one_if(
            Condition::all().add(held.clone()).add(attended.clone()),
        )),
        Alias::new("attended"),
    )
    .expr_as(
        sum(one_if(
            Condition::all()
                .add(held.clone())
                .add(missed.clone())
                .add(excused.clone()),
        )),
        Alias::new("excused"),
    )
    .expr_as(
        sum(one_if(
            Condition::all()
                .add(held.clone())
                .add(missed)
                .add(excused.not()),
        )),
        Alias::new("unexcused"),
    )
    .expr_as(
        sum(one_if(Condition::all().add(held.clone().not()))),
        Alias::new("upcoming"),
    );
    add(db.query_all(&q).await?, &|c, row| {
        c.attended += count(row, "attended")?;
        c.absent_excused += count(row, "excused")?;
        c.absent_unexcused += count(row, "unexcused")?;
        c.on_duty = c.attended + c.absent_excused + c.absent_unexcused;
        c.upcoming += count(row, "upcoming")?;
        Ok(())
    })?;

    // Records of the days attended.
    let mut q = duties();
    q.join_as(
        JoinType::InnerJoin,
        Alias::new("reception_records"),
        Alias::new("rr"),
        col("rr", "reception_id").equals((Alias::new("r"), Alias::new("id"))),
    )
    .and_where(held)
    .cond_where(attended)
    .expr_as(count_all(), Alias::new("records"))
    .expr_as(sum(col("rr", "visitor_count")), Alias::new("voters"));
    add(db.query_all(&q).await?, &|c, row| {
        c.records += count(row, "records")?;
        c.voters_received += count(row, "voters")?;
        Ok(())
    })?;

    // Submissions triaged by the deputy's account.
    let mut q = Query::select()
        .from_as(Alias::new("submission_events"), Alias::new("e"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("deputies"),
            Alias::new("dp"),
            col("dp", "user_id").equals((Alias::new("e"), Alias::new("actor_id"))),
        )
        .and_where(col("e", "kind").is_in(TRIAGE_STEPS))
        .and_where(col("e", "at").gte(year.start()))
        .and_where(col("e", "at").lt(year.end()))
        .and_where(col("dp", "id").in_subquery(deputies.clone()))
        .expr_as(col("dp", "id"), Alias::new("k"))
        .expr_as(
            Func::count_distinct(col("e", "submission_id")),
            Alias::new("n"),
        )
        .add_group_by([col("dp", "id")])
        .to_owned();
    add(db.query_all(&q).await?, &|c, row| {
        c.submissions_triaged += count(row, "n")?;
        Ok(())
    })?;

    // Suggestions first submitted in the year, and their results now.
    let first_submitted = Query::select()
        .column(Alias::new("suggestion_id"))
        .from(Alias::new("suggestion_events"))
        .and_where(Expr::col(Alias::new("action")).eq(Action::Submit.as_str()))
        .and_where(Expr::col(Alias::new("at")).lt(year.end()))
        .add_group_by([Expr::col(Alias::new("suggestion_id"))])
        .and_having(Expr::col(Alias::new("at")).min().gte(year.start()))
        .to_owned();
    let reply = |category: ReplyCategory| sum(one_if(col("s", "reply_category").eq(category)));
    q = Query::select()
        .from_as(Alias::new("suggestion_authors"), Alias::new("a"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("suggestions"),
            Alias::new("s"),
            col("s", "id").equals((Alias::new("a"), Alias::new("suggestion_id"))),
        )
        .and_where(col("a", "deputy_id").in_subquery(deputies.clone()))
        .and_where(col("a", "suggestion_id").in_subquery(first_submitted))
        .expr_as(col("a", "deputy_id"), Alias::new("k"))
        .expr_as(count_all(), Alias::new("submitted"))
        .expr_as(
            sum(one_if(col("s", "reply_category").is_not_null())),
            Alias::new("replied"),
        )
        .expr_as(reply(ReplyCategory::A), Alias::new("a"))
        .expr_as(reply(ReplyCategory::B), Alias::new("b"))
        .expr_as(reply(ReplyCategory::C), Alias::new("c"))
        .expr_as(
            sum(one_if(col("s", "status").eq(State::Closed))),
            Alias::new("closed"),
        )
        .expr_as(
            sum(one_if(col("s", "rating").is_not_null())),
            Alias::new("rated"),
        )
        .expr_as(
            sum(one_if(col("s", "rating").is_in(SATISFIED))),
            Alias::new("satisfied"),
        )
        .add_group_by([col("a", "deputy_id")])
        .to_owned();
    add(db.query_all(&q).await?, &|c, row| {
        c.suggestions_submitted += count(row, "submitted")?;
        c.replied += count(row, "replied")?;
        c.result_a += count(row, "a")?;
        c.result_b += count(row, "b")?;
        c.result_c += count(row, "c")?;
        c.closed += count(row, "closed")?;
        c.rated += count(row, "rated")?;
        c.satisfied += count(row, "satisfied")?;
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_counts_times_weights_and_a_changed_weight_changes_them() {
        let counts = Counts {
            attended: 10,
            records: 4,
            absent_unexcused: 2,
            suggestions_submitted: 3,
            result_a: 1,
            ..Counts::default()
        };
        let mut rules = RuleSet::default_set();
        let (items, total) = counts.points(&rules);
        assert_eq!(total, 10 * 5 + 4 * 2 - 2 * 5 + 3 * 5 + 3);
        assert_eq!(items.len(), Kind::ALL.len());
        rules.weights.insert(Kind::AbsenceUnexcused, -20);
        assert_eq!(counts.points(&rules).1, total - 2 * 15);
    }
}
