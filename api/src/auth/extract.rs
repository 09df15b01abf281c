//! Extractors that turn the `Authorization: Bearer` header into the caller.
//!
//! [`AuthUser`] requires a valid token; [`MaybeAuthUser`] allows none but refuses a bad one;
//! [`AdminUser`] also requires the `admin` role. Every check happens here, once per request:
//! the signature and claims, then the session (not signed out, not superseded) and the user (not
//! disabled), read fresh from the database so that revocation and role changes act at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use entity::{api_client, auth_session, user};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::client::{self, CLIENT_AUDIENCE, Scope};
use super::jwt::JwtKeys;
use super::jwt::audience_of;
use super::scope::RegionScope;
use crate::db::Db;
use crate::error::{ApiError, TokenProblem};
use entity::user::Role;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    /// The root of the caller's region subtree; `None` for a global administrator.
    pub region_id: Option<Uuid>,
    pub session_id: Uuid,
    /// For a machine client (see `auth::client`): its granted scopes. The client then stands
    /// as an administrator of its region (`role` and `region_id`), on the few read and intake
    /// endpoints that admit clients at all.
    pub client: Option<Vec<Scope>>,
}

impl AuthUser {
    /// Whether this is a machine client holding `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.client.as_ref().is_some_and(|s| s.contains(&scope))
    }

    /// The regions the caller may see and manage.
    pub fn scope(&self) -> RegionScope {
        match self.region_id {
            None if self.role == Role::Admin => RegionScope::Global,
            None => RegionScope::Nothing,
            Some(root) => RegionScope::Subtree(root),
        }
    }

    /// 403 `client_only` unless the caller is a machine client; `zh`/`en` say why the endpoint
    /// is theirs. Returns the client's id.
    pub fn require_client(&self, zh: &'static str, en: &'static str) -> Result<Uuid, ApiError> {
        if self.client.is_some() {
            Ok(self.id)
        } else {
            Err(ApiError::denied("client_only", zh, en))
        }
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The bearer token of a request: `Ok(None)` without one, an error when it is malformed or sent
/// in the query string (where proxies and access logs would keep it).
pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let query = req.query_string();
    if !query.is_empty()
        && form_urlencoded::parse(query.as_bytes())
            .any(|(k, _)| matches!(k.as_ref(), "access_token" | "token" | "jwt"))
    {
        return Err(ApiError::Unauthenticated(TokenProblem::InQuery));
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated(TokenProblem::Invalid))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthenticated(TokenProblem::Invalid))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated(TokenProblem::Invalid));
    }
    Ok(Some(token.trim().to_owned()))
}

/// Whether a machine client's token must be admitted by the route (`client::required`), or
/// only be good, as on a public read that needs no token at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admission {
    Route,
    Public,
}

async fn authenticate(req: HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    authenticate_as(req, Admission::Route).await
}

async fn authenticate_as(
    req: HttpRequest,
    admission: Admission,
) -> Result<Option<AuthUser>, ApiError> {
    let Some(token) = bearer_token(&req)? else {
        return Ok(None);
    };
    let (Some(jwt), Some(db)) = (
        req.app_data::<web::Data<JwtKeys>>(),
        req.app_data::<web::Data<Db>>(),
    ) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "the JWT keys and the database are not registered"
        )));
    };
    let claims = jwt.verify_any(&token).map_err(ApiError::Unauthenticated)?;
    let revoked = || ApiError::Unauthenticated(TokenProblem::Revoked);
    if claims.aud == CLIENT_AUDIENCE {
        let caller = authenticate_client(&req, db, &claims, admission).await?;
        req.extensions_mut().insert(caller.clone());
        return Ok(Some(caller));
    }
    let (session, user) = auth_session::Entity::find_by_id(claims.sid)
        .find_also_related(user::Entity)
        .one(db.reader())
        .await?
        .ok_or_else(revoked)?;
    let user = user.ok_or_else(revoked)?;
    if session.user_id != claims.sub
        // A token minted for the mini-program is not a staff token, whatever the role became.
        || claims.aud != audience_of(user.role)
        || session.revoked_at.is_some()
        || session.expires_at <= crate::clock::now()
        || user.disabled
    {
        return Err(revoked());
    }
    let caller = AuthUser {
        id: user.id,
        username: user.username,
        role: user.role,
        region_id: user.region_id,
        session_id: session.id,
        client: None,
    };
    req.extensions_mut().insert(caller.clone());
    Ok(Some(caller))
}

/// A machine client's token: the client must exist and be enabled now (401); unless the read is
/// public, the route must admit clients (403 `client_not_allowed`) and the token must carry a
/// scope that admits it (403 `insufficient_scope`).
async fn authenticate_client(
    req: &HttpRequest,
    db: &Db,
    claims: &super::jwt::Claims,
    admission: Admission,
) -> Result<AuthUser, ApiError> {
    let found = api_client::Entity::find_by_id(claims.sub)
        .one(db.reader())
        .await?
        .filter(|c| !c.disabled)
        .ok_or(ApiError::Unauthenticated(TokenProblem::Revoked))?;
    // The token's scopes, narrowed to what the client is granted now (a grant withdrawn after
    // the token was issued acts at once).
    let granted = client::parse_scopes(&found.scopes).unwrap_or_default();
    let scopes: Vec<Scope> = client::parse_scopes(claims.scope.as_deref().unwrap_or(""))
        .unwrap_or_default()
        .into_iter()
        .filter(|s| granted.contains(s))
        .collect();
    // On a public read the token only had to be good; elsewhere the route must admit clients
    // and the token must carry one of the scopes that admit it.
    if admission == Admission::Route {
        let pattern = req.match_pattern().unwrap_or_default();
        let Some(admitting) = client::required(req.method(), &pattern) else {
            return Err(ApiError::denied(
                "client_not_allowed",
                "该接口不接受接入系统的令牌。",
                "This endpoint does not accept machine clients' tokens.",
            ));
        };
        if !admitting.iter().any(|s| scopes.contains(s)) {
            return Err(ApiError::denied(
                "insufficient_scope",
                "接入系统的令牌缺少该接口所需的权限范围。",
                "The client's token lacks the scope this endpoint needs.",
            ));
        }
    }
    Ok(AuthUser {
        id: found.id,
        username: found.name,
        role: Role::Admin,
        region_id: Some(found.region_id),
        session_id: found.id,
        client: Some(scopes),
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(req)
                .await?
                .ok_or(ApiError::Unauthenticated(TokenProblem::Missing))
        })
    }
}

/// The caller if a token was sent; a bad token is still refused, never ignored.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(MaybeAuthUser) })
    }
}

/// The caller of a read that needs no token, if one was sent. A bad token is refused (401)
/// rather than ignored, so a client learns to sign in again; a machine client's good token is
/// accepted, whatever its scopes, as the read needs none.
#[derive(Debug, Clone)]
pub struct PublicCaller(pub Option<AuthUser>);

impl FromRequest for PublicCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate_as(req, Admission::Public)
                .await
                .map(PublicCaller)
        })
    }
}

/// An authenticated administrator (403 for every other role).
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require(&[Role::Admin])?;
            Ok(AdminUser(user))
        })
    }
}

impl std::ops::Deref for AdminUser {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.0
    }
}
