//! `/api/v1/stations` and `/api/v1/regions/{id}/checklist-items`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::checks::{NOTE_MAX, to_changes, to_new_station};
use super::dto::{
    ChecklistItemsDto, ChecklistItemsRequest, ChecklistRequest, CreateStationRequest,
    StationChecklistDto, StationDetailDto, StationDto, StationFilters, StationSort,
    StationStatusDto, UpdateStationRequest, checklist_dto, detail_dto, items_dto, station_dto,
};
use super::service::{self, After, Answer, ItemChange, Order, StationQuery};
use crate::auth::extract::{MaybeAuthUser, PublicCaller};
use crate::auth::{AdminUser, AuthUser};
use crate::domain::name::optional;
use crate::domain::{Coordinates, DisplayName};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{IfMatchHeader, check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

const MAX_RADIUS_KM: f64 = 50.0;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_station)
        .service(list_stations)
        .service(get_station)
        .service(update_station)
        .service(archive_station)
        .service(get_checklist)
        .service(put_checklist);
}

/// The district checklist endpoints, registered under `/regions`.
pub fn district_routes(cfg: &mut ServiceConfig) {
    cfg.service(get_checklist_items)
        .service(put_checklist_items);
}

/// The order a list request asks for, checking `near` and `radius_km`.
fn order_of(filters: &StationFilters) -> Result<Order, ApiError> {
    match (&filters.near, filters.radius_km) {
        (None, None) => Ok(match filters.sort.unwrap_or_default() {
            StationSort::Newest => Order::Newest,
            StationSort::Name => Order::Name,
            StationSort::Completion => Order::Completion,
        }),
        (None, Some(_)) => Err(ApiError::query(
            "near",
            "required",
            "radius_km 需要与 near 一起使用。",
            "radius_km goes with near.",
        )),
        (Some(_), None) => Err(ApiError::query(
            "radius_km",
            "required",
            "near 需要同时给出 radius_km。",
            "near needs radius_km.",
        )),
        (Some(near), Some(radius_km)) => {
            if filters.sort.is_some_and(|s| s != StationSort::Newest) {
                return Err(ApiError::query(
                    "sort",
                    "invalid_value",
                    "near 按距离排序，不能同时指定 sort。",
                    "near orders by distance; sort cannot be combined with it.",
                ));
            }
            if !(radius_km > 0.0 && radius_km <= MAX_RADIUS_KM) {
                return Err(ApiError::query(
                    "radius_km",
                    "range",
                    "radius_km 必须大于 0 且不超过 50。",
                    "radius_km must be more than 0 and at most 50.",
                ));
            }
            let centre = near
                .split_once(',')
                .and_then(|(lat, lng)| {
                    Some((
                        lat.trim().parse::<f64>().ok()?,
                        lng.trim().parse::<f64>().ok()?,
                    ))
                })
                .ok_or_else(|| {
                    ApiError::query(
                        "near",
                        "invalid_format",
                        "near 的格式为 纬度,经度。",
                        "near is written latitude,longitude.",
                    )
                })?;
            let centre =
                Coordinates::new("near", centre.0, centre.1).map_err(ApiError::InvalidQuery)?;
            Ok(Order::Near { centre, radius_km })
        }
    }
}

fn list_name(order: Order) -> &'static str {
    match order {
        Order::Newest => "stations",
        Order::Name => "stations:name",
        Order::Completion => "stations:completion",
        Order::Near { .. } => "stations:near",
    }
}

/// Adds a station in the caller's scope; it gets a public code for its QR code.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "stations",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateStationRequest,
    responses(
        (status = 201, description = "Created", body = StationDetailDto, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[post("")]
async fn create_station(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateStationRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = to_new_station(body.into_inner())?;
    let view = service::create(&state.db, &caller, &client, new).await?;
    created(
        &req,
        &format!("/api/v1/stations/{}", view.station.id),
        &detail_dto(&view, &[]),
    )
}

/// Finds stations: by region (its whole subtree), kind, text in the name or address, or
/// nearest first around a point (`near` with `radius_km`, distances in the response). Public;
/// archived stations only for administrators (`status=archived`).
#[utoipa::path(
    tag = "stations",
    params(StationFilters, PageParams),
    responses(
        (status = 200, description = "A page of stations", body = Page<StationDto>, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("")]
async fn list_stations(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    filters: Query<StationFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let filters = filters.into_inner();
    let order = order_of(&filters)?;
    let list = list_name(order);
    let after = state.cursors.after::<After>(list, &page)?;
    let query = StationQuery {
        region_id: filters.region_id,
        kind: filters.kind.map(Into::into),
        q: filters
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
        archived: filters.status == Some(StationStatusDto::Archived),
    };
    let rows = service::list(
        state.db.reader(),
        caller.0.as_ref(),
        query,
        order,
        after,
        page.limit,
    )
    .await?;
    let page = state.cursors.page(
        list,
        rows,
        page.limit,
        |v| service::after_of(v, order),
        |v| station_dto(&v),
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// One station with the deputies stationed there. Public (archived ones only for their
/// administrators and staff).
#[utoipa::path(
    tag = "stations",
    params(("id" = Uuid, Path, description = "Station id")),
    responses(
        (status = 200, description = "The station", body = StationDetailDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_station(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (view, deputies) =
        service::get(state.db.reader(), caller.0.as_ref(), id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &detail_dto(&view, &deputies))
}

/// Changes a station. Administrators in scope change anything; the station's own staff only
/// `opening_hours`, `phone` and `photo_url` (403 for any other field or station).
#[utoipa::path(
    tag = "stations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id"), IfMatchHeader),
    request_body = UpdateStationRequest,
    responses(
        (status = 200, description = "Updated", body = StationDetailDto, headers(("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/{id}")]
async fn update_station(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateStationRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = to_changes(body.into_inner())?;
    let id = id.into_inner();
    let deputies = service::deputies_at(state.db.reader(), id).await?;
    let view = service::update(&state.db, &caller, &client, id, changes, |current| {
        check_if_match(&req, &detail_dto(current, &deputies))
    })
    .await?;
    json_with_etag(&req, StatusCode::OK, &detail_dto(&view, &deputies))
}

/// Archives a station: hidden from the public, kept with its history.
#[utoipa::path(
    tag = "stations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id")),
    responses(
        (status = 204, description = "Archived"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[delete("/{id}")]
async fn archive_station(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let client = client.clone();
    service::archive(&state.db, &caller, &client, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The station's checklist (九有): each item of its district with the station's answer, notes
/// and evidence. For the station's staff and administrators.
#[utoipa::path(
    tag = "stations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id")),
    responses(
        (status = 200, description = "The checklist", body = StationChecklistDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/checklist")]
async fn get_checklist(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (station, entries) =
        service::checklist_for(state.db.reader(), &caller, id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &checklist_dto(&station, entries))
}

/// Sets the station's answers to the items listed (done or not, a note, evidence attachment
/// ids); items not listed keep their answers. The station's completion (`7/9`) follows.
#[utoipa::path(
    tag = "stations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id")),
    request_body = ChecklistRequest,
    responses(
        (status = 200, description = "The checklist now", body = StationChecklistDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[put("/{id}/checklist")]
async fn put_checklist(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ChecklistRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    if body.items.len() > 50 {
        checks.fail(FieldError::new(
            "items",
            "length",
            Text::fixed("最多 50 项。", "At most 50 items."),
        ));
    }
    let mut answers = Vec::with_capacity(body.items.len());
    for (i, item) in body.items.into_iter().enumerate() {
        let note = checks.check(optional(
            &format!("items[{i}].note"),
            item.note.as_deref(),
            NOTE_MAX,
        ));
        if item.evidence.len() > 9 {
            checks.fail(FieldError::new(
                format!("items[{i}].evidence"),
                "length",
                Text::fixed("每项最多 9 个附件。", "At most 9 attachments per item."),
            ));
        }
        answers.push(Answer {
            item_id: item.item_id,
            done: item.done,
            note: note.flatten(),
            evidence: item.evidence,
        });
    }
    checks.finish()?;
    let (station, entries) =
        service::set_checklist(&state.db, &caller, &client, id.into_inner(), answers).await?;
    json_with_etag(&req, StatusCode::OK, &checklist_dto(&station, entries))
}

/// A district's checklist items, in order (the nine haves 九有 unless the district changed
/// them). Public.
#[utoipa::path(
    tag = "stations",
    params(("id" = Uuid, Path, description = "District id")),
    responses(
        (status = 200, description = "The checklist", body = ChecklistItemsDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[get("/{id}/checklist-items")]
async fn get_checklist_items(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = service::items_of_district(state.db.reader(), id).await?;
    json_with_etag(&req, StatusCode::OK, &items_dto(id, items))
}

/// Replaces a district's checklist: the items listed, in this order (an `id` keeps an item,
/// possibly renamed; no `id` adds one); items left out are dropped. Every station's completion
/// is recomputed. For the district's own or a global administrator.
#[utoipa::path(
    tag = "stations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "District id")),
    request_body = ChecklistItemsRequest,
    responses(
        (status = 200, description = "The checklist now", body = ChecklistItemsDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[put("/{id}/checklist-items")]
async fn put_checklist_items(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<ChecklistItemsRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    if body.items.is_empty() || body.items.len() > 30 {
        checks.fail(FieldError::new(
            "items",
            "length",
            Text::fixed("清单须有 1 到 30 项。", "A checklist has 1 to 30 items."),
        ));
    }
    let items: Vec<ItemChange> = body
        .items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let name = checks.check(DisplayName::parse(
                &format!("items[{i}].name"),
                &item.name,
                50,
            ))?;
            Some(ItemChange {
                id: item.id,
                name: name.into_inner(),
            })
        })
        .collect();
    checks.finish()?;
    let id = id.into_inner();
    let items = service::set_district_items(&state.db, &caller, &client, id, items).await?;
    json_with_etag(&req, StatusCode::OK, &items_dto(id, items))
}
