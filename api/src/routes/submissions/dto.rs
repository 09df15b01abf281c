//! Wire types of submissions, tracking and feedback, and how the service's rows become them:
//! the enums' `From` pairs, [`SubmissionDto::of`] (what each viewer sees of a submission) and
//! the plain-language history ([`timeline_dto`], [`TrackedSubmissionDto::of`]). The request
//! bodies are in `request`.

use chrono::{DateTime, Utc};
use entity::submission::{self, Rating, SubmissionChannel, SubmissionStatus};
use entity::{attachment, category};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::access::Viewer;
use super::service::{Detailed, StatusRow};
use crate::domain::Phone;
use crate::http::wire::LocationDto;

mod request;
mod timeline;

pub use request::{
    CreateSubmissionRequest, FeedbackRequest, Loose, Refused, Sent, SubmissionFilters, TicketBody,
    TicketChannelDto, TicketHead, TicketRequest, TriageActionDto, TriageRequest,
};
pub use timeline::timeline_dto;

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

impl From<SubmissionChannel> for SubmissionChannelDto {
    fn from(c: SubmissionChannel) -> Self {
        match c {
            SubmissionChannel::Miniapp => SubmissionChannelDto::Miniapp,
            SubmissionChannel::Qr => SubmissionChannelDto::Qr,
            SubmissionChannel::Mailbox => SubmissionChannelDto::Mailbox,
            SubmissionChannel::Reception => SubmissionChannelDto::Reception,
            SubmissionChannel::Phone => SubmissionChannelDto::Phone,
            SubmissionChannel::Observer => SubmissionChannelDto::Observer,
            SubmissionChannel::Hotline => SubmissionChannelDto::Hotline,
            SubmissionChannel::Visit => SubmissionChannelDto::Visit,
            SubmissionChannel::Platform => SubmissionChannelDto::Platform,
        }
    }
}

impl From<SubmissionChannelDto> for SubmissionChannel {
    fn from(c: SubmissionChannelDto) -> Self {
        match c {
            SubmissionChannelDto::Miniapp => SubmissionChannel::Miniapp,
            SubmissionChannelDto::Qr => SubmissionChannel::Qr,
            SubmissionChannelDto::Mailbox => SubmissionChannel::Mailbox,
            SubmissionChannelDto::Reception => SubmissionChannel::Reception,
            SubmissionChannelDto::Phone => SubmissionChannel::Phone,
            SubmissionChannelDto::Observer => SubmissionChannel::Observer,
            SubmissionChannelDto::Hotline => SubmissionChannel::Hotline,
            SubmissionChannelDto::Visit => SubmissionChannel::Visit,
            SubmissionChannelDto::Platform => SubmissionChannel::Platform,
        }
    }
}

impl From<TicketChannelDto> for SubmissionChannel {
    fn from(c: TicketChannelDto) -> Self {
        match c {
            TicketChannelDto::Hotline => SubmissionChannel::Hotline,
            TicketChannelDto::Platform => SubmissionChannel::Platform,
        }
    }
}

impl From<SubmissionStatus> for SubmissionStatusDto {
    fn from(s: SubmissionStatus) -> Self {
        match s {
            SubmissionStatus::Received => SubmissionStatusDto::Received,
            SubmissionStatus::InReview => SubmissionStatusDto::InReview,
            SubmissionStatus::Answered => SubmissionStatusDto::Answered,
            SubmissionStatus::Converted => SubmissionStatusDto::Converted,
            SubmissionStatus::Referred => SubmissionStatusDto::Referred,
            SubmissionStatus::Declined => SubmissionStatusDto::Declined,
            SubmissionStatus::Closed => SubmissionStatusDto::Closed,
        }
    }
}

impl From<SubmissionStatusDto> for SubmissionStatus {
    fn from(s: SubmissionStatusDto) -> Self {
        match s {
            SubmissionStatusDto::Received => SubmissionStatus::Received,
            SubmissionStatusDto::InReview => SubmissionStatus::InReview,
            SubmissionStatusDto::Answered => SubmissionStatus::Answered,
            SubmissionStatusDto::Converted => SubmissionStatus::Converted,
            SubmissionStatusDto::Referred => SubmissionStatus::Referred,
            SubmissionStatusDto::Declined => SubmissionStatus::Declined,
            SubmissionStatusDto::Closed => SubmissionStatus::Closed,
        }
    }
}

impl From<Rating> for RatingDto {
    fn from(r: Rating) -> Self {
        match r {
            Rating::Satisfied => RatingDto::Satisfied,
            Rating::BasicallySatisfied => RatingDto::BasicallySatisfied,
            Rating::Dissatisfied => RatingDto::Dissatisfied,
        }
    }
}

impl From<RatingDto> for Rating {
    fn from(r: RatingDto) -> Self {
        match r {
            RatingDto::Satisfied => Rating::Satisfied,
            RatingDto::BasicallySatisfied => Rating::BasicallySatisfied,
            RatingDto::Dissatisfied => Rating::Dissatisfied,
        }
    }
}

impl From<&category::Model> for CategoryRefDto {
    fn from(c: &category::Model) -> Self {
        CategoryRefDto {
            id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
        }
    }
}

impl From<attachment::Model> for AttachmentRefDto {
    fn from(a: attachment::Model) -> Self {
        AttachmentRefDto {
            url: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            mime: a.mime,
            width: a.width,
            height: a.height,
        }
    }
}

impl FeedbackDto {
    /// The voter's feedback on `s`, once they gave it.
    pub fn of(s: &submission::Model) -> Option<Self> {
        match (s.feedback_rating, s.feedback_at) {
            (Some(rating), Some(at)) => Some(FeedbackDto {
                rating: rating.into(),
                comment: s.feedback_comment.clone(),
                at,
            }),
            _ => None,
        }
    }
}

impl SubmissionDto {
    /// The submission as `viewer` sees it: the deputy it is addressed to does not see who sent
    /// an anonymous one, and only its voter sees their phone unmasked.
    pub fn of(detailed: Detailed, viewer: Viewer) -> Self {
        let Detailed {
            submission: s,
            category,
            case,
            photos,
        } = detailed;
        let hide_submitter = viewer == Viewer::Deputy && s.anonymous;
        SubmissionDto {
            id: s.id,
            channel: s.channel.into(),
            status: s.status.into(),
            category: (&category).into(),
            location: match (s.latitude, s.longitude) {
                (Some(latitude), Some(longitude)) => Some(LocationDto {
                    latitude,
                    longitude,
                }),
                _ => None,
            },
            contact_name: s.contact_name.clone().filter(|_| !hide_submitter),
            contact_phone: s
                .contact_phone
                .as_deref()
                .filter(|_| !hide_submitter)
                .map(|p| {
                    if viewer == Viewer::Owner {
                        p.to_owned()
                    } else {
                        Phone::mask(p)
                    }
                }),
            attachments: photos.into_iter().map(AttachmentRefDto::from).collect(),
            feedback: FeedbackDto::of(&s),
            erased: s.erased_at.is_some(),
            suggestion_id: case.as_ref().map(|c| c.0),
            suggestion_status: case.map(|c| c.1),
            tracking_no: s.tracking_no,
            title: s.title,
            content: s.content,
            station_id: s.station_id,
            deputy_id: s.deputy_id,
            region_id: s.region_id,
            address: s.address,
            anonymous: s.anonymous,
            consent_personal_info: s.consent_personal_info,
            consent_public: s.consent_public,
            reception_record_item_id: s.reception_record_item_id,
            result_note: s.result_note,
            referred_to: s.referred_to,
            external_id: s.external_id,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl SimilarDto {
    /// An open submission like a new one, with its similarity `score` (rounded to three
    /// places); only staff see its id.
    pub fn of(s: submission::Model, score: f64, staff: bool) -> Self {
        SimilarDto {
            id: staff.then_some(s.id),
            tracking_no: s.tracking_no,
            title: s.title,
            status: s.status.into(),
            score: (score * 1000.0).round() / 1000.0,
            created_at: s.created_at,
        }
    }
}

impl From<StatusRow> for SubmissionStatusBodyDto {
    fn from(found: StatusRow) -> Self {
        SubmissionStatusBodyDto {
            status: found.status.into(),
            version: found.version,
            updated_at: found
                .case_updated_at
                .map_or(found.updated_at, |at| at.max(found.updated_at)),
            suggestion_status: found.case_status,
        }
    }
}

impl From<submission::Model> for ContactDto {
    fn from(found: submission::Model) -> Self {
        ContactDto {
            contact_name: found.contact_name,
            contact_phone: found.contact_phone,
        }
    }
}
