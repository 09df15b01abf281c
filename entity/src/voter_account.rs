//! `voter_accounts`: the WeChat identity behind a voter's user row. Erasing an account deletes
//! this row; the user row stays, anonymised and disabled, so that references keep working.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voter_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The voter's openid for our mini-program (`jscode2session`).
    #[sea_orm(unique)]
    pub openid: String,
    /// Kept when WeChat sends it (the mini-program is bound to an open platform account).
    pub unionid: Option<String>,
    /// A phone bound through `getPhoneNumber`, as WeChat returned it (digits only).
    pub phone: Option<String>,
    pub phone_verified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
