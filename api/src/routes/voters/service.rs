//! WeChat sign-in (`jscode2session` → our own tokens), phone binding, erasure of a voter's
//! personal data and the export of everything held about a caller.

use entity::user::{self, Role};
use entity::{appointment, auth_session, notification, submission, voter_account};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    Set, SqlErr,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::auth::session::{Signing, revoke_sessions};
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::auth::service::{self as auth, Tokens};
use crate::wechat;

/// The prefix of development codes (`WECHAT_DEV_LOGIN=true`): `dev:<name>`.
const DEV_PREFIX: &str = "dev:";

fn not_configured() -> ApiError {
    ApiError::DependencyUnavailable {
        code: "wechat_not_configured",
        message: Text::fixed(
            "微信登录尚未配置（WECHAT_APPID、WECHAT_SECRET）。",
            "WeChat sign-in is not configured (WECHAT_APPID, WECHAT_SECRET).",
        ),
        retry_after: std::time::Duration::from_secs(3600),
    }
}

/// What WeChat's answer means for our client.
pub fn wechat_error(err: wechat::Error) -> ApiError {
    match err {
        wechat::Error::InvalidCode => ApiError::InvalidWeChatCode,
        wechat::Error::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
        wechat::Error::RiskyUser => ApiError::Forbidden(Text::fixed(
            "微信判定该账号存在风险，暂不能登录。",
            "WeChat flagged this account as risky; it cannot sign in now.",
        )),
        wechat::Error::WatermarkMismatch => ApiError::rule(
            "wechat_appid_mismatch",
            "该手机号凭证不是本小程序签发的。",
            "The phone code was not issued for this mini-program.",
        ),
        wechat::Error::Unavailable {
            reason,
            retry_after,
        } => {
            tracing::warn!(%reason, "WeChat is unavailable");
            ApiError::DependencyUnavailable {
                code: "wechat_unavailable",
                message: Text::fixed(
                    "微信服务暂时不可用，请稍后重试。",
                    "WeChat is unavailable right now; retry shortly.",
                ),
                retry_after,
            }
        }
        wechat::Error::Refused { errcode, errmsg } => {
            // Our credentials or request are wrong: an operator must look, the client can only wait.
            tracing::error!(errcode, %errmsg, "WeChat refused our request");
            ApiError::DependencyUnavailable {
                code: "wechat_unavailable",
                message: Text::fixed(
                    "微信服务暂时不可用，请稍后重试。",
                    "WeChat is unavailable right now; retry shortly.",
                ),
                retry_after: std::time::Duration::from_secs(60),
            }
        }
    }
}

/// The identity behind a `wx.login` code: WeChat's answer, or in development mode the name of
/// a `dev:` code.
async fn identity_of(
    source: Identities<'_>,
    code: &str,
) -> Result<(wechat::Identity, Option<String>), ApiError> {
    if source.dev_login
        && let Some(name) = code.strip_prefix(DEV_PREFIX)
    {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
            return Err(ApiError::InvalidWeChatCode);
        }
        return Ok((
            wechat::Identity {
                openid: format!("{DEV_PREFIX}{name}"),
                unionid: None,
            },
            Some(name.to_owned()),
        ));
    }
    let client = source.wechat.ok_or_else(not_configured)?;
    let identity = client.code_to_session(code).await.map_err(wechat_error)?;
    Ok((identity, None))
}

/// Where voters' identities and phones come from: WeChat's server API (when configured) and, in
/// development, the `dev:` codes (`WECHAT_DEV_LOGIN`).
#[derive(Debug, Clone, Copy)]
pub struct Identities<'a> {
    pub wechat: Option<&'a wechat::WeChat>,
    pub dev_login: bool,
}

/// Signs a voter in with a `wx.login` code, creating their account on first sign-in.
pub async fn login(
    db: &Db,
    signing: Signing<'_>,
    source: Identities<'_>,
    client: &ClientInfo,
    code: &str,
) -> Result<Tokens, ApiError> {
    let (identity, dev_name) = identity_of(source, code).await?;
    let voter = match find_or_create(db, &identity, dev_name.as_deref()).await {
        Ok(voter) => voter,
        // Two first sign-ins of one person at once: the other created the account.
        Err(ApiError::Conflict(_)) => find_or_create(db, &identity, dev_name.as_deref()).await?,
        Err(err) => return Err(err),
    };
    if voter.disabled {
        return Err(ApiError::AccountDisabled);
    }
    let tokens = auth::start_session(db, signing, voter.clone(), client).await?;
    let txn = db.begin_write().await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(crate::clock::now()))
        .filter(user::Column::Id.eq(voter.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(tokens)
}

async fn find_or_create(
    db: &Db,
    identity: &wechat::Identity,
    dev_name: Option<&str>,
) -> Result<user::Model, ApiError> {
    let txn = db.begin_write().await?;
    let found = voter_account::Entity::find()
        .filter(voter_account::Column::Openid.eq(identity.openid.as_str()))
        .find_also_related(user::Entity)
        .one(&txn)
        .await?;
    if let Some((account, Some(voter))) = found {
        if identity.unionid.is_some() && identity.unionid != account.unionid {
            voter_account::Entity::update_many()
                .col_expr(
                    voter_account::Column::Unionid,
                    Expr::value(identity.unionid.clone()),
                )
                .filter(voter_account::Column::UserId.eq(voter.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        return Ok(voter);
    }
    let now = crate::clock::now();
    let id = Uuid::now_v7();
    // Voters have no sign-in name of their own; this one is only a unique handle.
    let username = format!("wx-{}", id.simple());
    let voter = user::ActiveModel {
        id: Set(id),
        username: Set(username.clone()),
        username_key: Set(username),
        display_name: Set(dev_name.unwrap_or("微信用户").to_owned()),
        password_hash: Set(None),
        role: Set(Role::Voter),
        region_id: Set(None),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let inserted = voter_account::ActiveModel {
        user_id: Set(id),
        openid: Set(identity.openid.clone()),
        unionid: Set(identity.unionid.clone()),
        phone: Set(None),
        phone_verified_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ApiError::Conflict(Text::fixed(
                "账号已存在。",
                "The account exists.",
            )));
        }
        Err(err) => return Err(err.into()),
    }
    audit::record(
        &txn,
        Actor::system(&ClientInfo::default()),
        Entry::new("voter.create", "user", id),
    )
    .await?;
    txn.commit().await?;
    Ok(voter)
}

/// Binds the phone of a `getPhoneNumber` code to the calling voter.
pub async fn bind_phone(
    db: &Db,
    source: Identities<'_>,
    caller: &AuthUser,
    client: &ClientInfo,
    code: &str,
) -> Result<voter_account::Model, ApiError> {
    caller.require(&[Role::Voter])?;
    let phone = if source.dev_login
        && let Some(digits) = code.strip_prefix(DEV_PREFIX)
    {
        crate::domain::Phone::parse("code", digits)
            .map_err(|e| ApiError::Validation(vec![e]))?
            .as_str()
            .to_owned()
    } else {
        let wechat = source.wechat.ok_or_else(not_configured)?;
        wechat
            .phone_number(code)
            .await
            .map_err(wechat_error)?
            .pure_phone_number
    };
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let updated = voter_account::Entity::update_many()
        .col_expr(voter_account::Column::Phone, Expr::value(phone))
        .col_expr(voter_account::Column::PhoneVerifiedAt, Expr::value(now))
        .filter(voter_account::Column::UserId.eq(caller.id))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("voter.phone_bind", "user", caller.id),
    )
    .await?;
    let account = voter_account::Entity::find_by_id(caller.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(account)
}

/// Erases the calling voter's personal data: the WeChat identity and phone, the name and
/// contact details on their submissions and bookings, and their sessions. What they raised stays,
/// unlinked from them, for the statistics.
pub async fn erase(db: &Db, caller: &AuthUser, client: &ClientInfo) -> Result<(), ApiError> {
    if caller.role != Role::Voter {
        return Err(ApiError::Forbidden(Text::fixed(
            "工作人员账号由管理员停用，不能自行注销。",
            "Staff accounts are disabled by an administrator, not erased by their holder.",
        )));
    }
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    // (id, status) of each submission made with this account, for its `erased` step.
    let mine: Vec<(Uuid, submission::SubmissionStatus)> = submission::Entity::find()
        .filter(submission::Column::VoterId.eq(caller.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.status))
        .collect();
    submission::Entity::update_many()
        .col_expr(
            submission::Column::ContactName,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            submission::Column::ContactPhone,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            submission::Column::VoterId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(submission::Column::ErasedAt, Expr::value(now))
        .col_expr(
            submission::Column::Version,
            Expr::col(submission::Column::Version).add(1),
        )
        .col_expr(submission::Column::UpdatedAt, Expr::value(now))
        .filter(submission::Column::VoterId.eq(caller.id))
        .exec(&txn)
        .await?;
    for (id, status) in &mine {
        crate::routes::submissions::service::record_event(
            &txn,
            *id,
            "erased",
            *status,
            None,
            None,
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    appointment::Entity::update_many()
        .col_expr(
            appointment::Column::Phone,
            Expr::value(Option::<String>::None),
        )
        .filter(appointment::Column::VoterId.eq(caller.id))
        .exec(&txn)
        .await?;
    // Messages not yet sent would carry their phone: they are no longer wanted.
    notification::Entity::update_many()
        .col_expr(
            notification::Column::State,
            Expr::value(notification::State::Cancelled),
        )
        .col_expr(
            notification::Column::Address,
            Expr::value(Option::<String>::None),
        )
        .col_expr(notification::Column::UpdatedAt, Expr::value(now))
        .filter(notification::Column::RecipientUserId.eq(caller.id))
        .filter(
            notification::Column::State
                .is_in([notification::State::Queued, notification::State::Sending]),
        )
        .exec(&txn)
        .await?;
    notification::Entity::update_many()
        .col_expr(
            notification::Column::Address,
            Expr::value(Option::<String>::None),
        )
        .filter(notification::Column::RecipientUserId.eq(caller.id))
        .exec(&txn)
        .await?;
    voter_account::Entity::delete_by_id(caller.id)
        .exec(&txn)
        .await?;
    let handle = format!("erased-{}", caller.id.simple());
    user::Entity::update_many()
        .col_expr(user::Column::Username, Expr::value(handle.clone()))
        .col_expr(user::Column::UsernameKey, Expr::value(handle))
        .col_expr(user::Column::DisplayName, Expr::value("已注销用户"))
        .col_expr(user::Column::Disabled, Expr::value(true))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(caller.id))
        .exec(&txn)
        .await?;
    entity::attachment::Entity::update_many()
        .col_expr(
            entity::attachment::Column::UploaderId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(entity::attachment::Column::UploaderId.eq(caller.id))
        .exec(&txn)
        .await?;
    revoke_sessions(&txn, caller.id, "erased", None).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("voter.erase", "user", caller.id)
            .details(serde_json::json!({"submissions": mine.len()})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Everything held about `caller`, read in one snapshot.
pub struct PersonalData {
    pub account: user::Model,
    pub wechat: Option<voter_account::Model>,
    pub submissions: Vec<submission::Model>,
    pub sessions: Vec<auth_session::Model>,
}

pub async fn personal_data(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
) -> Result<PersonalData, ApiError> {
    let account = user::Entity::find_by_id(caller.id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let wechat = voter_account::Entity::find_by_id(caller.id).one(db).await?;
    let submissions = submission::Entity::find()
        .filter(submission::Column::VoterId.eq(caller.id))
        .order_by(submission::Column::CreatedAt, Order::Desc)
        .all(db)
        .await?;
    let sessions = auth_session::Entity::find()
        .filter(auth_session::Column::UserId.eq(caller.id))
        .order_by(auth_session::Column::CreatedAt, Order::Desc)
        .all(db)
        .await?;
    Ok(PersonalData {
        account,
        wechat,
        submissions,
        sessions,
    })
}
