//! `units`: handling units (承办单位) that cases are assigned to, each in a region.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum UnitKind {
    /// A street office or town government (街道办事处、乡镇政府).
    #[sea_orm(string_value = "street_office")]
    StreetOffice,
    /// A government bureau or department (区直部门).
    #[sea_orm(string_value = "bureau")]
    Bureau,
    /// A village or community committee (村委会、居委会).
    #[sea_orm(string_value = "community")]
    Community,
    /// A public utility or company (供水、供电、公交...).
    #[sea_orm(string_value = "company")]
    Company,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region_id: Uuid,
    pub name: String,
    /// The name trimmed and lower-cased: unique per region.
    pub name_key: String,
    pub kind: UnitKind,
    pub phone: Option<String>,
    /// An archived unit takes no new cases.
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id",
        on_delete = "Restrict"
    )]
    Region,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
