//! `POST /api/v1/imports/stations` and `POST /api/v1/imports/deputies`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{ImportParams, ImportReportDto, RowOutcome};
use super::outcomes::Outcomes;
use super::service::{deputies, stations};
use super::table::{self, Column, MAX_BYTES, Table};
use crate::audit::{self, Actor, Entry};
use crate::auth::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::http::client::client_info;
use crate::http::etag::json_with_etag;
use crate::http::json::{body_timeout, read_body};
use crate::http::params::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(import_stations).service(import_deputies);
}

/// Which file is imported.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Stations,
    Deputies,
}

impl Kind {
    fn columns(self) -> &'static [Column] {
        match self {
            Kind::Stations => stations::COLUMNS,
            Kind::Deputies => deputies::COLUMNS,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Kind::Stations => "import.stations",
            Kind::Deputies => "import.deputies",
        }
    }
}

/// Whether the request says it carries CSV.
fn is_csv(req: &HttpRequest) -> bool {
    use actix_web::HttpMessage;
    matches!(req.mime_type(), Ok(Some(m)) if m.type_() == "text" && m.subtype() == "csv")
}

/// Reads, checks and (unless a dry run) writes one file.
async fn run(
    req: &HttpRequest,
    state: &AppState,
    caller: &AuthUser,
    payload: web::Payload,
    dry_run: bool,
    kind: Kind,
) -> Result<HttpResponse, ApiError> {
    if !is_csv(req) {
        return Err(ApiError::UnsupportedMediaType {
            expected: "text/csv",
        });
    }
    let bytes = read_body(payload.into_inner(), MAX_BYTES, body_timeout(req)).await?;
    let table: Table = table::read(&bytes, kind.columns()).map_err(ApiError::ImportFailed)?;
    let client = client_info(req);

    let txn = state.db.begin_write().await?;
    let outcomes: Outcomes = match kind {
        Kind::Stations => stations::import(&txn, caller, &client, &table).await?,
        Kind::Deputies => deputies::import(&txn, caller, &client, &table).await?,
    };
    // Any error: the transaction is dropped unfinished, which rolls every row back.
    let mut rows = outcomes.finish()?;
    if dry_run {
        txn.rollback().await?;
        // What a dry run created is gone: its ids and codes would mislead.
        for row in rows.iter_mut().filter(|r| r.outcome == RowOutcome::Created) {
            row.id = None;
            row.public_code = None;
        }
    } else {
        let count = |o: RowOutcome| rows.iter().filter(|r| r.outcome == o).count();
        audit::record(
            &txn,
            Actor::user(caller, &client),
            Entry::new(kind.action(), "import", uuid::Uuid::now_v7())
                .region(caller.region_id)
                .details(serde_json::json!({
                    "bytes": bytes.len(),
                    "rows": rows.len(),
                    "created": count(RowOutcome::Created),
                    "updated": count(RowOutcome::Updated),
                    "unchanged": count(RowOutcome::Unchanged),
                })),
        )
        .await?;
        txn.commit().await?;
    }
    json_with_etag(req, StatusCode::OK, &ImportReportDto::new(dry_run, rows))
}

/// Imports stations from CSV (`text/csv`, UTF-8 with or without BOM, at most 5 MiB and 10,000
/// rows). Columns (English or the Chinese in brackets): `region` (区域: id, administrative
/// code or name), `kind` (类型: central/中心站 or community/联络点), `name` (名称), `address`
/// (地址), and optionally `public_code` (编码), `latitude` (纬度) and `longitude` (经度) in
/// GCJ-02, `opening_hours` (开放时间, e.g. `1-5 09:00-17:00; 6 09:00-12:00`), `opening_note`
/// (开放说明), `phone` (电话), `photo_url` (照片), `star_rating` (星级). A row matches an
/// existing station by `public_code`, else by region and name. All or nothing: any error
/// (422 `import_failed`, each with its `line`) writes nothing; `dry_run=true` only checks.
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, description = "Imported (or, with dry_run, checked)", body = ImportReportDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 413, response = crate::http::docs::PayloadTooLarge),
        (status = 415, response = crate::http::docs::UnsupportedMediaType),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/stations")]
async fn import_stations(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AdminUser,
    params: Query<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    run(
        &req,
        &state,
        &caller,
        payload,
        params.into_inner().dry_run,
        Kind::Stations,
    )
    .await
}

/// Imports deputies from CSV (`text/csv`, UTF-8 with or without BOM, at most 5 MiB and 10,000
/// rows). Columns (English or the Chinese in brackets): `region` (区域: id, administrative
/// code or name), `name` (姓名), `gender` (性别: male/男, female/女), `level` (层级:
/// national/全国, provincial/省, city/市, county/县 or 区, township/乡镇), `constituency`
/// (选区), `term_start` (任期开始, 2026-01-01), and optionally `public_code` (编码),
/// `occupation` (职务), `photo_url` (照片), `biography` (简介), `term_end` (任期结束),
/// `status` (状态: active/在任, left_office/离任), `phone` (电话), `phone_public` (公开电话:
/// 是/否), `stations` (驻站: station codes or names separated by `;`). A row matches an
/// existing deputy by `public_code`, else by name and constituency. All or nothing: any error
/// (422 `import_failed`, each with its `line`) writes nothing; `dry_run=true` only checks.
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, description = "Imported (or, with dry_run, checked)", body = ImportReportDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 413, response = crate::http::docs::PayloadTooLarge),
        (status = 415, response = crate::http::docs::UnsupportedMediaType),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/deputies")]
async fn import_deputies(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AdminUser,
    params: Query<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    run(
        &req,
        &state,
        &caller,
        payload,
        params.into_inner().dry_run,
        Kind::Deputies,
    )
    .await
}
