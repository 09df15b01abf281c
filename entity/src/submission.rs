//! `submissions`: what a voter raised (选民意见建议), through any channel, with its tracking
//! number, its target, the submitter's contact details and consents, and its result.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SubmissionChannel {
    /// The WeChat mini-program (set by the API for voters' own submissions).
    #[sea_orm(string_value = "miniapp")]
    Miniapp,
    /// Sent after scanning a station's or deputy's QR code (set by the API).
    #[sea_orm(string_value = "qr")]
    Qr,
    /// A letter from the station mailbox (群众信箱).
    #[sea_orm(string_value = "mailbox")]
    Mailbox,
    /// Raised in person at a reception day.
    #[sea_orm(string_value = "reception")]
    Reception,
    /// A phone call to a deputy or the station.
    #[sea_orm(string_value = "phone")]
    Phone,
    /// Collected by an opinion observer (民意观察员).
    #[sea_orm(string_value = "observer")]
    Observer,
    /// A ticket from the 12345 hotline.
    #[sea_orm(string_value = "hotline")]
    Hotline,
    /// A deputy's visit to constituents (走访).
    #[sea_orm(string_value = "visit")]
    Visit,
    /// A ticket from a district platform (数字人大), through its API client.
    #[sea_orm(string_value = "platform")]
    Platform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SubmissionStatus {
    #[sea_orm(string_value = "received")]
    Received,
    #[sea_orm(string_value = "in_review")]
    InReview,
    #[sea_orm(string_value = "answered")]
    Answered,
    #[sea_orm(string_value = "converted")]
    Converted,
    #[sea_orm(string_value = "referred")]
    Referred,
    #[sea_orm(string_value = "declined")]
    Declined,
    #[sea_orm(string_value = "closed")]
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Rating {
    #[sea_orm(string_value = "satisfied")]
    Satisfied,
    #[sea_orm(string_value = "basically_satisfied")]
    BasicallySatisfied,
    #[sea_orm(string_value = "dissatisfied")]
    Dissatisfied,
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `LL2026-000123`: readable on the phone, not a secret.
    #[sea_orm(unique)]
    pub tracking_no: String,
    pub channel: SubmissionChannel,
    pub status: SubmissionStatus,
    pub title: String,
    pub content: String,
    pub category_id: Uuid,
    /// The region whose staff handle it: the station's, else the deputy's.
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    /// The voter's account; `None` for anonymous, staff-entered and erased submissions.
    pub voter_id: Option<Uuid>,
    /// The staff member who entered it from another channel.
    pub entered_by: Option<Uuid>,
    /// The public code of the QR code scanned, if any.
    pub qr_code: Option<String>,
    pub reception_record_item_id: Option<Uuid>,
    pub address: Option<String>,
    /// GCJ-02, as WeChat's location APIs give it.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// Hide the submitter from the deputy and from any public view.
    pub anonymous: bool,
    pub consent_personal_info: bool,
    pub consent_public: bool,
    /// Random input of the access code (hex); the code itself is never stored.
    pub access_nonce: Option<String>,
    /// Keyed hash of the access code (hex).
    pub access_code_hash: Option<String>,
    /// The explanation given (answered) or the reason (declined), shown to the voter.
    pub result_note: Option<String>,
    /// Where a referred submission was sent (信访, 12345, ...).
    pub referred_to: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    /// When it first left `received` (reviewed or triaged): time to first response ends here.
    pub responded_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub feedback_rating: Option<Rating>,
    pub feedback_comment: Option<String>,
    pub feedback_at: Option<DateTimeUtc>,
    /// When the submitter's personal data was erased.
    pub erased_at: Option<DateTimeUtc>,
    /// `<caller>:<Idempotency-Key>` of the create, so that a retry finds it.
    pub idem_key: Option<String>,
    /// Hash of the create request that used `idem_key`.
    pub idem_hash: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The API client a ticket came from, and its id there (unique per client).
    pub external_client_id: Option<Uuid>,
    pub external_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id",
        on_delete = "Restrict"
    )]
    Category,
    #[sea_orm(
        belongs_to = "super::station::Entity",
        from = "Column::StationId",
        to = "super::station::Column::Id",
        on_delete = "Restrict"
    )]
    Station,
    #[sea_orm(
        belongs_to = "super::deputy::Entity",
        from = "Column::DeputyId",
        to = "super::deputy::Column::Id",
        on_delete = "Restrict"
    )]
    Deputy,
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::station::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Station.def()
    }
}

impl Related<super::deputy::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deputy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
