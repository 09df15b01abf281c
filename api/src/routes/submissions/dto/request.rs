//! Request bodies of submissions, and the field types that let a typed body refuse what a
//! client may not set: [`Refused`] (a field that exists only to be refused), [`Sent`] (a
//! field only some callers may send) and [`Loose`] (a field whose wrong value gets the
//! feature's own code).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{RatingDto, SubmissionChannelDto, SubmissionStatusDto};
use crate::http::wire::{LocationDto, PhoneNumberOrBlank};

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
    #[serde(default)]
    #[schema(value_type = Option<SubmissionChannelDto>)]
    pub channel: Sent<Option<SubmissionChannelDto>>,
    /// Staff only, required for the `reception` channel: the reception record item it came from.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub reception_record_item_id: Sent<Option<Uuid>>,
    // What the service sets on every submission: each field is here only to be refused, so
    // that a client sending one learns it is not theirs to set rather than "unknown field".
    #[serde(default)]
    #[schema(ignore)]
    pub status: Refused,
    #[serde(default)]
    #[schema(ignore)]
    pub voter_id: Refused,
    #[serde(default)]
    #[schema(ignore)]
    pub tracking_no: Refused,
    #[serde(default)]
    #[schema(ignore)]
    pub id: Refused,
    #[serde(default)]
    #[schema(ignore)]
    pub access_code: Refused,
}

impl CreateSubmissionRequest {
    /// The fields sent that this submitter may not set, in the order they are reported: those
    /// the service sets, then, from anyone but staff, the staff-only ones (`null` counts as
    /// sent).
    pub fn refused(&self, staff: bool) -> Vec<&'static str> {
        let mut refused: Vec<&'static str> = [
            ("status", self.status),
            ("voter_id", self.voter_id),
            ("tracking_no", self.tracking_no),
            ("id", self.id),
            ("access_code", self.access_code),
        ]
        .into_iter()
        .filter(|(_, field)| field.sent())
        .map(|(name, _)| name)
        .collect();
        if !staff {
            for (name, sent) in [
                ("channel", self.channel.sent),
                (
                    "reception_record_item_id",
                    self.reception_record_item_id.sent,
                ),
            ] {
                if sent {
                    refused.push(name);
                }
            }
        }
        refused
    }
}

/// A request field that exists only to be refused (422 `not_settable`): whatever it holds,
/// `null` included, sending it is the mistake. Left out of the schema.
#[derive(Debug, Default, Clone, Copy)]
pub struct Refused(bool);

impl Refused {
    /// Whether the client sent the field.
    pub fn sent(self) -> bool {
        self.0
    }
}

impl<'de> Deserialize<'de> for Refused {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(Refused(true))
    }
}

/// A request field's value and whether it was sent at all (`null` is sent), for fields only
/// some callers may send. With `#[serde(default)]`: absent is `T::default()`, not sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sent<T> {
    pub sent: bool,
    pub value: T,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sent<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(|value| Sent { sent: true, value })
    }
}

/// A request field decoded without failing the body, so that a wrong value gets the feature's
/// own error code rather than serde's `invalid_type`. With `#[serde(default)]` for `Absent`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Loose<T> {
    #[default]
    Absent,
    Null,
    Valid(T),
    /// Sent, but not a `T`.
    Invalid,
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => Loose::Null,
            value => T::deserialize(value).map_or(Loose::Invalid, Loose::Valid),
        })
    }
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
// Only the schema: a ticket is decoded as a [`TicketBody`], which refuses unknown fields. The
// two are apart because the published schema does not say `additionalProperties: false`.
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

/// A ticket as decoded: [`TicketRequest`]'s fields, and a submission's that a ticket may not
/// carry, each there only to be refused (422 `not_settable`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    // Loose, so that a missing, blank or odd id and an unknown channel get the ticket's own
    // codes (`required`, `length`, `invalid`).
    #[serde(default)]
    pub external_id: Loose<String>,
    #[serde(default)]
    pub channel: Loose<TicketChannelDto>,
    pub title: String,
    pub content: String,
    pub category: String,
    pub station_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    pub address: Option<String>,
    pub location: Option<LocationDto>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub consent_personal_info: bool,
    #[serde(default)]
    pub consent_public: bool,
    // Photos, QR codes and anonymity come from the mini-program, not from a hotline.
    #[serde(default)]
    pub attachment_ids: Refused,
    #[serde(default)]
    pub qr_code: Refused,
    #[serde(default)]
    pub anonymous: Refused,
    // As from voters: staff only.
    #[serde(default)]
    pub reception_record_item_id: Refused,
    // Set by the service on every submission.
    #[serde(default)]
    pub status: Refused,
    #[serde(default)]
    pub voter_id: Refused,
    #[serde(default)]
    pub tracking_no: Refused,
    #[serde(default)]
    pub id: Refused,
    #[serde(default)]
    pub access_code: Refused,
}

/// What only a ticket has: its id at the sender, its channel, and the fields of a submission
/// that a ticket may not carry.
#[derive(Debug)]
pub struct TicketHead {
    pub external_id: Loose<String>,
    pub channel: Loose<TicketChannelDto>,
    pub attachment_ids: Refused,
    pub qr_code: Refused,
    pub anonymous: Refused,
}

impl TicketHead {
    /// The fields sent that a ticket may not carry, in the order they are reported.
    pub fn refused(&self) -> Vec<&'static str> {
        [
            ("attachment_ids", self.attachment_ids),
            ("qr_code", self.qr_code),
            ("anonymous", self.anonymous),
        ]
        .into_iter()
        .filter(|(_, field)| field.sent())
        .map(|(name, _)| name)
        .collect()
    }
}

impl TicketBody {
    /// The ticket's own fields, and the rest as the create body of a submission from someone
    /// who is not staff (the refusals carried over, to be answered as for any create).
    pub fn split(self) -> (TicketHead, CreateSubmissionRequest) {
        let head = TicketHead {
            external_id: self.external_id,
            channel: self.channel,
            attachment_ids: self.attachment_ids,
            qr_code: self.qr_code,
            anonymous: self.anonymous,
        };
        let body = CreateSubmissionRequest {
            title: self.title,
            content: self.content,
            category: self.category,
            station_id: self.station_id,
            deputy_id: self.deputy_id,
            qr_code: None,
            address: self.address,
            location: self.location,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            attachment_ids: Vec::new(),
            anonymous: false,
            consent_personal_info: self.consent_personal_info,
            consent_public: self.consent_public,
            channel: Sent::default(),
            reception_record_item_id: Sent {
                sent: self.reception_record_item_id.sent(),
                value: None,
            },
            status: self.status,
            voter_id: self.voter_id,
            tracking_no: self.tracking_no,
            id: self.id,
            access_code: self.access_code,
        };
        (head, body)
    }
}
