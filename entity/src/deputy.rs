//! `deputies`: people's deputies (人大代表) of the five levels.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Gender {
    #[sea_orm(string_value = "male")]
    Male,
    #[sea_orm(string_value = "female")]
    Female,
}

/// Ordered from the national congress down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeputyLevel {
    #[sea_orm(string_value = "national")]
    National,
    #[sea_orm(string_value = "provincial")]
    Provincial,
    #[sea_orm(string_value = "city")]
    City,
    #[sea_orm(string_value = "county")]
    County,
    #[sea_orm(string_value = "township")]
    Township,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeputyStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "left_office")]
    LeftOffice,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deputies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The region whose administrators manage the deputy.
    pub region_id: Uuid,
    /// The staff account the deputy signs in with, if any.
    #[sea_orm(unique)]
    pub user_id: Option<Uuid>,
    pub name: String,
    pub gender: Gender,
    pub level: DeputyLevel,
    /// 选区
    pub constituency: String,
    pub occupation: Option<String>,
    pub photo_url: Option<String>,
    pub biography: Option<String>,
    pub term_start: Date,
    pub term_end: Option<Date>,
    pub status: DeputyStatus,
    #[sea_orm(unique)]
    pub public_code: String,
    /// Normalised: a mobile as 11 digits, a landline as `0AAA-NNNNNNN`.
    pub phone: Option<String>,
    /// Whether the phone may be shown to the public (the deputy's choice).
    pub phone_public: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
