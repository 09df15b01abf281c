//! Wire types of submissions, tracking and feedback.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::wire::{LocationDto, PhoneNumberOrBlank};

/// How a submission came in. `miniapp` and `qr` are set by the API for voters' own submissions;
/// staff entering one from another channel name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionChannelDto {
    Miniapp,
    Qr,
    Mailbox,
    Reception,
    Phone,
    Observer,
    Hotline,
    Visit,
    /// A district platform's ticket, sent by its API client.
    Platform,
}

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatusDto {
    /// Just in; nobody has looked at it yet.
    Received,
    /// Staff or the deputy are looking into it (核实).
    InReview,
    /// Explained on the spot (解释说明); see `result_note`.
    Answered,
    /// Became a suggestion, whose status it follows.
    Converted,
    /// Sent to another channel (信访, 12345, ...); see `referred_to`.
    Referred,
    /// Not taken up; see `result_note` for why.
    Declined,
    Closed,
}

/// The voter's rating of the result (满意度测评).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingDto {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

/// A new submission. A voter (token) or anyone without a token sends the voter's fields; staff
/// entering one from another channel also send `channel` (and `reception_record_item_id` for
/// the `reception` channel). `status`, `voter_id` and, from voters, `channel` are refused (422
/// `not_settable`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSubmissionRequest {
    /// 1 to 60 characters, not all blank.
    #[schema(
        example = "幸福路路灯不亮",
        min_length = 1,
        max_length = 60,
        pattern = r"\S"
    )]
    pub title: String,
    /// 1 to 2,000 characters, not all blank.
    #[schema(
        example = "幸福路 100 号到 200 号之间的路灯已经坏了两周，晚上出行很不安全。",
        min_length = 1,
        max_length = 2000,
        pattern = r"\S"
    )]
    pub content: String,
    /// A category `code` from `GET /api/v1/categories`.
    #[schema(example = "urban_management")]
    pub category: String,
    /// The station it is for. At least one of `station_id`, `deputy_id` and `qr_code`.
    pub station_id: Option<Uuid>,
    /// The deputy it is for.
    pub deputy_id: Option<Uuid>,
    /// A station's or deputy's public code, as scanned: sets the target and the `qr` channel.
    #[schema(example = "S2345678")]
    pub qr_code: Option<String>,
    /// Where the matter is, as text (up to 200 characters).
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// Where the matter is, GCJ-02 (as WeChat's location APIs give it).
    pub location: Option<LocationDto>,
    /// The submitter's name (up to 50 characters); needs `consent_personal_info`.
    #[schema(max_length = 50)]
    pub contact_name: Option<String>,
    /// The submitter's phone; needs `consent_personal_info`. Blank means none.
    #[schema(value_type = Option<PhoneNumberOrBlank>)]
    pub contact_phone: Option<String>,
    /// Ids of up to 9 photos uploaded with `POST /api/v1/attachments`, in display order, each
    /// once.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub attachment_ids: Vec<Uuid>,
    /// Hide the submitter from the deputy and from any public view.
    #[serde(default)]
    pub anonymous: bool,
    /// Consent to the handling of the personal information given (required with any contact
    /// detail).
    #[serde(default)]
    pub consent_personal_info: bool,
    /// Consent to publishing the anonymised case.
    #[serde(default)]
    pub consent_public: bool,
    /// Staff only: the channel it came in through (`mailbox`, `reception`, `phone`, `observer`,
    /// `hotline`, `visit`).
    pub channel: Option<SubmissionChannelDto>,
    /// Staff only, required for the `reception` channel: the reception record item it came from.
    pub reception_record_item_id: Option<Uuid>,
}

/// A category, as embedded in a submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryRefDto {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A photo of a submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentRefDto {
    pub id: Uuid,
    pub mime: String,
    pub width: i32,
    pub height: i32,
    /// Where to fetch it (uploader, the submission's voter, staff in scope).
    pub url: String,
}

/// A submission as its voter and staff see it. Phones are masked; `contact_name` and
/// `contact_phone` are left out for a deputy when the submitter chose `anonymous`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionDto {
    pub id: Uuid,
    /// `LL2026-000123`.
    pub tracking_no: String,
    pub channel: SubmissionChannelDto,
    pub status: SubmissionStatusDto,
    pub title: String,
    pub content: String,
    pub category: CategoryRefDto,
    pub station_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub address: Option<String>,
    pub location: Option<LocationDto>,
    pub contact_name: Option<String>,
    /// Masked: `138****1234`. `POST .../contact:reveal` shows it whole (staff, audited).
    pub contact_phone: Option<String>,
    pub anonymous: bool,
    pub consent_personal_info: bool,
    pub consent_public: bool,
    pub attachments: Vec<AttachmentRefDto>,
    pub reception_record_item_id: Option<Uuid>,
    /// The explanation (answered) or the reason (declined).
    pub result_note: Option<String>,
    pub referred_to: Option<String>,
    pub feedback: Option<FeedbackDto>,
    /// Whether the submitter's personal data was erased at their request.
    pub erased: bool,
    /// The case it was converted into or merged with, whose status it follows.
    pub suggestion_id: Option<Uuid>,
    /// That case's status (`assigned`, `replied`, `closed`, ...).
    pub suggestion_status: Option<String>,
    /// For a ticket sent in by a hotline or platform client: its id there.
    pub external_id: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An open submission at the same station, in the same category, with similar text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarDto {
    /// Staff only (voters see the tracking number, title and status of cases whose submitters
    /// agreed to publication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub tracking_no: String,
    pub title: String,
    pub status: SubmissionStatusDto,
    /// Bigram similarity of title and content, 0 to 1.
    pub score: f64,
    pub created_at: DateTime<Utc>,
}

/// The answer to a create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedSubmissionDto {
    #[serde(flatten)]
    pub submission: SubmissionDto,
    /// For submissions without a voter account only: the access code for
    /// `GET /api/v1/track/{tracking_no}`. Shown here once; it cannot be recovered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "7KQ2M9XH4P")]
    pub access_code: Option<String>,
    /// Up to five open submissions that look like the same matter.
    pub similar: Vec<SimilarDto>,
}

/// The voter's feedback.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedbackDto {
    pub rating: RatingDto,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// Feedback on a result: allowed once, after the submission reached a result.
#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub rating: RatingDto,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// What staff (or the targeted deputy) decide about a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriageActionDto {
    /// `received` → `in_review`.
    Review,
    /// → `answered`, with the explanation in `note`.
    Answer,
    /// → `referred`, with `referred_to`.
    Refer,
    /// → `declined`, with the reason in `note`.
    Decline,
    /// `answered`, `referred` or `declined` → `closed`.
    Close,
    /// → `converted`: a new station case (or, for the deputy it is addressed to, a deputy
    /// suggestion with `level`) is made of it.
    Convert,
    /// → `converted`: it joins the open case `suggestion_id` (many submissions, one case; each
    /// voter still follows their own).
    Merge,
}

/// A triage step.
#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    pub action: TriageActionDto,
    /// Told to the voter (required to answer and to decline), up to 2,000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// Where it was sent (required to refer), up to 200 characters.
    #[schema(example = "12345 政务服务便民热线", max_length = 200)]
    pub referred_to: Option<String>,
    /// For staff only, never shown to the voter; up to 2,000 characters.
    #[schema(max_length = 2000)]
    pub internal_note: Option<String>,
    /// `convert`: `station_case` (default) or `deputy_suggestion`.
    pub kind: Option<crate::routes::suggestions::dto::SuggestionKindDto>,
    /// `convert` into a deputy suggestion: the congress level.
    pub level: Option<crate::routes::suggestions::dto::CongressLevelDto>,
    /// `merge`: the case to join.
    pub suggestion_id: Option<Uuid>,
}

/// One step of a submission's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntryDto {
    /// `received`, `review`, `answer`, `refer`, `decline`, `close`, `feedback`, `erased`.
    pub kind: String,
    /// The status after the step.
    pub status: SubmissionStatusDto,
    pub at: DateTime<Utc>,
    /// The step in plain language, in the request's language.
    pub message: String,
    /// What the voter was told (the explanation, the reason, where it was sent).
    pub note: Option<String>,
    /// Staff views only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    /// Staff views only: who took the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
}

/// What an anonymous voter sees with the tracking number and access code: the status and a
/// plain-language timeline, no staff names, no internal notes, no contact details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackedSubmissionDto {
    pub tracking_no: String,
    pub status: SubmissionStatusDto,
    pub title: String,
    pub category: CategoryRefDto,
    pub result_note: Option<String>,
    pub referred_to: Option<String>,
    pub feedback: Option<FeedbackDto>,
    /// When it became part of a case: that case's status (`assigned`, `replied`, `closed`, ...).
    pub suggestion_status: Option<String>,
    pub timeline: Vec<TimelineEntryDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The small body pollers fetch, with an ETag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionStatusBodyDto {
    pub status: SubmissionStatusDto,
    pub version: i32,
    /// The later of the submission's and its case's last change.
    pub updated_at: DateTime<Utc>,
    /// When it became part of a case (`status` is then `converted`): that case's status, so that
    /// a poller sees every step of the case (`assigned`, `replied`, `closed`, ...).
    pub suggestion_status: Option<String>,
}

/// The whole contact details of a submission (staff; each reveal is audited).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactDto {
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Inbox filters (staff; a voter's list is their own).
#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionFilters {
    pub status: Option<SubmissionStatusDto>,
    pub station_id: Option<Uuid>,
    /// The region and everything under it.
    pub region_id: Option<Uuid>,
    pub channel: Option<SubmissionChannelDto>,
    /// A category code.
    pub category: Option<String>,
    /// Created at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Created before this time.
    pub to: Option<DateTime<Utc>>,
    /// Text in the title or content, or a tracking number.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
}

/// `POST /intake/tickets`: a 12345 hotline or district platform ticket. The fields of a
/// submission (title, content, category, target, address, location, contact and consents), plus
/// the ticket's own id at the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketChannelDto {
    Hotline,
    Platform,
}

/// The shape of a ticket, for the spec (the body is checked field by field).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"external_id": "12345-20261123-0042", "channel": "hotline", "title": "幸福路路灯不亮", "content": "市民来电反映幸福路路灯坏了两周。", "category": "urban_management", "station_id": "0193b6c4-8a7e-7d2a-9c1e-2f4b5a6c7d8e"}))]
pub struct TicketRequest {
    /// The ticket's id at the sender (1 to 100 characters, without leading or trailing
    /// blanks): the same id again is the same submission.
    #[schema(min_length = 1, max_length = 100, pattern = r"^\S(?:[\s\S]*\S)?$")]
    pub external_id: String,
    /// `hotline` (default) or `platform`.
    pub channel: Option<TicketChannelDto>,
    /// 1 to 60 characters, not all blank.
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub title: String,
    /// 1 to 2,000 characters, not all blank.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub content: String,
    pub category: String,
    pub station_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    /// Up to 200 characters.
    #[schema(max_length = 200)]
    pub address: Option<String>,
    pub location: Option<LocationDto>,
    /// Up to 50 characters; needs `consent_personal_info`.
    #[schema(max_length = 50)]
    pub contact_name: Option<String>,
    /// Blank means none; needs `consent_personal_info`.
    #[schema(value_type = Option<PhoneNumberOrBlank>)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub consent_personal_info: bool,
    #[serde(default)]
    pub consent_public: bool,
}
