//! `GET /api/v1/public/cases`: closed cases for anyone to read, where every voter whose
//! submission fed the case agreed to publication. No names, no phones, no addresses, no
//! authors; phone-like numbers in the text are masked.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::service;
use crate::auth::extract::PublicCaller;
use crate::domain::redact::mask_numbers;
use crate::error::ApiError;
use crate::http::etag::json_with_etag;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::routes::submissions::dto::CategoryRefDto;
use crate::routes::suggestions::dto::{ReplyCategoryDto, SuggestionKindDto, SuggestionRatingDto};
use crate::state::AppState;

const LIST: &str = "public-cases";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(public_cases);
}

/// A closed case as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCaseDto {
    pub id: Uuid,
    pub kind: SuggestionKindDto,
    pub title: String,
    /// Phone-like numbers masked.
    pub content: String,
    pub category: CategoryRefDto,
    pub region_id: Uuid,
    pub station_id: Option<Uuid>,
    pub reply_category: Option<ReplyCategoryDto>,
    /// Phone-like numbers masked.
    pub reply_text: Option<String>,
    /// `satisfied`, `basically_satisfied` or `dissatisfied`.
    pub rating: Option<SuggestionRatingDto>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Filters of the public list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicCaseFilters {
    /// The region and everything under it.
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    /// A category code.
    pub category: Option<String>,
    pub reply_category: Option<ReplyCategoryDto>,
}

/// Closed cases for the public, newest first: only those where every voter whose submission
/// fed the case agreed to publication, anonymised.
#[utoipa::path(
    tag = "suggestions",
    params(PageParams, PublicCaseFilters),
    responses((status = 200, description = "A page of closed cases", body = Page<PublicCaseDto>))
)]
#[get("/cases")]
async fn public_cases(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    filters: Query<PublicCaseFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let db = state.db.reader();
    let filter = service::Filter {
        region_id: f.region_id,
        station_id: f.station_id,
        category: f.category,
        reply_category: f.reply_category.map(Into::into),
    };
    let after = state.cursors.after::<(DateTime<Utc>, Uuid)>(LIST, &page)?;
    let rows = service::closed_cases(db, &filter, after, page.limit).await?;
    let categories = service::categories_of(db, &rows).await?;
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |s| (s.updated_at, s.id),
        |s| PublicCaseDto {
            id: s.id,
            kind: s.kind.into(),
            title: mask_numbers(&s.title),
            content: mask_numbers(&s.content),
            category: categories
                .get(&s.category_id)
                .map(|c| CategoryRefDto {
                    id: c.id,
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .unwrap_or(CategoryRefDto {
                    id: s.category_id,
                    code: String::new(),
                    name: String::new(),
                }),
            region_id: s.region_id,
            station_id: s.station_id,
            reply_category: s.reply_category.map(Into::into),
            reply_text: s.reply_text.as_deref().map(mask_numbers),
            rating: s.rating.map(Into::into),
            closed_at: s.closed_at,
        },
    );
    json_with_etag(&req, StatusCode::OK, &page)
}
