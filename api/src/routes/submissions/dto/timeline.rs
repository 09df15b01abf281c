//! A submission's history in plain language, in the request's language: its own steps and,
//! once it joined a case, the case's, told without staff, unit or deputy names.

use entity::submission_event;

use super::{
    CategoryRefDto, FeedbackDto, SubmissionStatusDto, TimelineEntryDto, TrackedSubmissionDto,
};
use crate::i18n::Lang;
use crate::routes::submissions::service::{Timeline, Tracked};

/// The steps of `timeline`, oldest first. Staff also see internal notes and who took each step.
pub fn timeline_dto(timeline: Timeline, lang: Lang, staff: bool) -> Vec<TimelineEntryDto> {
    let mut steps: Vec<TimelineEntryDto> = timeline
        .own
        .into_iter()
        .map(|e| TimelineEntryDto::of(e, lang, staff))
        .collect();
    if let Some(case) = timeline.case {
        steps.extend(case.iter().filter_map(|e| case_step(e, lang)));
        steps.sort_by_key(|s| s.at);
    }
    steps
}

impl TimelineEntryDto {
    /// One of the submission's own steps.
    fn of(e: submission_event::Model, lang: Lang, staff: bool) -> Self {
        TimelineEntryDto {
            message: message_of(&e.kind, lang),
            status: e.status.into(),
            at: e.at,
            note: e.public_note,
            internal_note: if staff {
                e.details
                    .get("internal_note")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            } else {
                None
            },
            actor_id: if staff { e.actor_id } else { None },
            kind: e.kind,
        }
    }
}

impl TrackedSubmissionDto {
    /// What the tracking page shows (as to anyone but staff: no internal notes, no names).
    pub fn of(tracked: Tracked, lang: Lang) -> Self {
        let Tracked {
            submission: found,
            category,
            case_status,
            timeline,
        } = tracked;
        TrackedSubmissionDto {
            suggestion_status: case_status,
            status: found.status.into(),
            category: CategoryRefDto::from(&category),
            feedback: FeedbackDto::of(&found),
            timeline: timeline_dto(timeline, lang, false),
            tracking_no: found.tracking_no,
            title: found.title,
            result_note: found.result_note,
            referred_to: found.referred_to,
            created_at: found.created_at,
            updated_at: found.updated_at,
        }
    }
}

fn message_of(kind: &str, lang: Lang) -> String {
    let (zh, en) = match kind {
        "received" => (
            "已收到您的意见，正在等待处理。",
            "Your submission was received.",
        ),
        "review" => (
            "工作人员正在核实您反映的问题。",
            "Staff are looking into it.",
        ),
        "answer" => (
            "已就您反映的问题作出解释说明。",
            "An explanation was given.",
        ),
        "refer" => (
            "已转交相关部门办理。",
            "It was referred to the competent body.",
        ),
        "decline" => (
            "该意见不予受理，原因见说明。",
            "It was not taken up; see the reason.",
        ),
        "close" => ("已办结。", "It was closed."),
        "converted" => (
            "已转为代表建议或交办事项。",
            "It became a suggestion to be handled.",
        ),
        "feedback" => ("已收到您的评价。", "Your feedback was recorded."),
        "erased" => (
            "提交人的个人信息已按其要求删除。",
            "The submitter's personal data was erased.",
        ),
        _ => ("处理状态有更新。", "Its status changed."),
    };
    match lang {
        Lang::ZhCn => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// A step of the case a submission became, in plain language for the voter: no staff, no
/// unit or deputy names, no internal comments; the reply's text is the voter's to read.
fn case_step(e: &entity::suggestion_event::Model, lang: Lang) -> Option<TimelineEntryDto> {
    let (zh, en, note): (&str, &str, Option<String>) = match (e.action.as_str(), e.to_status) {
        ("assign", _) => ("已交办承办单位办理。", "Assigned to a handling unit.", None),
        ("acknowledge", _) => (
            "承办单位已签收，正在办理。",
            "The unit took it on and is working on it.",
            None,
        ),
        ("decline_jurisdiction", _) => (
            "正在重新确定承办单位。",
            "A competent unit is being found.",
            None,
        ),
        ("reply", _) => (
            "承办单位已答复，请评价。",
            "The unit replied; please rate the reply.",
            e.details
                .get("reply_text")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        ),
        ("rate", entity::suggestion::State::Closed) => ("已办结。", "It was closed.", None),
        ("rate", _) => (
            "因有群众不满意，已重新办理。",
            "A voter was not satisfied; it is being handled again.",
            None,
        ),
        ("supervise", _) => ("已列入督办。", "It is under supervision.", None),
        ("escalate", _) => (
            "已作为代表建议提交上级人大。",
            "It went to a higher congress as a deputy suggestion.",
            None,
        ),
        _ => return None,
    };
    Some(TimelineEntryDto {
        kind: format!("case_{}", e.action),
        status: SubmissionStatusDto::Converted,
        at: e.at,
        message: match lang {
            Lang::ZhCn => zh.to_owned(),
            Lang::En => en.to_owned(),
        },
        note,
        internal_note: None,
        actor_id: None,
    })
}
