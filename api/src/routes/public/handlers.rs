//! `GET /api/v1/public/cases`: closed cases for anyone to read, where every voter whose
//! submission fed the case agreed to publication. No names, no phones, no addresses, no
//! authors; phone-like numbers in the text are masked.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use entity::{category, submission, suggestion, suggestion_source};
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::extract::PublicCaller;
use crate::domain::redact::mask_numbers;
use crate::error::ApiError;
use crate::http::etag::json_with_etag;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::routes::submissions::dto::CategoryRefDto;
use crate::routes::suggestions::dto::{ReplyCategoryDto, SuggestionKindDto};
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
    #[schema(value_type = Option<crate::routes::suggestions::dto::SuggestionRatingDto>)]
    pub rating: Option<String>,
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
    // A case any of whose voters did not consent stays private.
    let withheld = SqlQuery::select()
        .column(suggestion_source::Column::SuggestionId)
        .from(suggestion_source::Entity)
        .and_where(
            suggestion_source::Column::SubmissionId.in_subquery(
                SqlQuery::select()
                    .column(submission::Column::Id)
                    .from(submission::Entity)
                    .and_where(submission::Column::ConsentPublic.eq(false))
                    .to_owned(),
            ),
        )
        .to_owned();
    let mut query = suggestion::Entity::find()
        .filter(suggestion::Column::Status.eq("closed"))
        .filter(suggestion::Column::Id.not_in_subquery(withheld));
    if let Some(region) = f.region_id {
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region)
                .condition(suggestion::Column::RegionId),
        );
    }
    if let Some(station) = f.station_id {
        query = query.filter(suggestion::Column::StationId.eq(station));
    }
    if let Some(code) = &f.category {
        match category::Entity::find()
            .filter(category::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
        {
            Some(c) => query = query.filter(suggestion::Column::CategoryId.eq(c.id)),
            None => query = query.filter(suggestion::Column::Id.is_null()),
        }
    }
    if let Some(reply) = f.reply_category {
        query = query.filter(suggestion::Column::ReplyCategory.eq(reply.as_str()));
    }
    if let Some((at, id)) = state.cursors.after::<(DateTime<Utc>, Uuid)>(LIST, &page)? {
        query = query.filter(crate::http::pagination::before_desc(
            suggestion::Column::UpdatedAt,
            suggestion::Column::Id,
            at,
            id,
        ));
    }
    let rows = query
        .order_by(suggestion::Column::UpdatedAt, Order::Desc)
        .order_by(suggestion::Column::Id, Order::Desc)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let categories: HashMap<Uuid, category::Model> = category::Entity::find()
        .filter(category::Column::Id.is_in(rows.iter().map(|r| r.category_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |s| (s.updated_at, s.id),
        |s| PublicCaseDto {
            id: s.id,
            kind: if s.kind == "deputy_suggestion" {
                SuggestionKindDto::DeputySuggestion
            } else {
                SuggestionKindDto::StationCase
            },
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
            reply_category: s
                .reply_category
                .as_deref()
                .and_then(ReplyCategoryDto::parse),
            reply_text: s.reply_text.as_deref().map(mask_numbers),
            rating: s.rating,
            closed_at: s.closed_at,
        },
    );
    json_with_etag(&req, StatusCode::OK, &page)
}
