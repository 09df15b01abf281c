//! Wire types of `/api/v1/categories`.

use chrono::{DateTime, Utc};
use entity::category;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// A category of submissions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: Uuid,
    /// What submissions send as `category`.
    #[schema(example = "roads_transport")]
    pub code: String,
    #[schema(example = "道路交通")]
    pub name: String,
    pub name_en: Option<String>,
    /// `null` for the defaults offered everywhere.
    pub region_id: Option<Uuid>,
    pub position: i32,
    /// Retired categories are not offered to new submissions.
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<category::Model> for CategoryDto {
    fn from(c: category::Model) -> Self {
        CategoryDto {
            id: c.id,
            code: c.code,
            name: c.name,
            name_en: c.name_en,
            region_id: c.region_id,
            position: c.position,
            active: c.active,
            updated_at: c.updated_at,
        }
    }
}

/// Which categories to list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryFilters {
    /// Also the categories of this region and the regions above it (a town sees its district's).
    pub region_id: Option<Uuid>,
    /// Include retired categories.
    pub include_inactive: Option<bool>,
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Lower-case letters, digits and `_`, 2 to 40 characters, unique.
    #[schema(example = "elderly_care", pattern = r"^\s*[a-z0-9_]{2,40}\s*$")]
    pub code: String,
    /// 1 to 50 characters, not all blank.
    #[schema(example = "养老服务", min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    /// Up to 80 characters.
    #[schema(max_length = 80)]
    pub name_en: Option<String>,
    /// The district it is for; `null` (global administrators only) for a default.
    pub region_id: Option<Uuid>,
    #[serde(default)]
    pub position: i32,
}

/// Changes to a category; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// 1 to 50 characters, not all blank.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: Option<String>,
    /// Up to 80 characters.
    #[schema(max_length = 80)]
    pub name_en: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}
