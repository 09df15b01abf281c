//! Wire types of `/api/v1/regions`.

use chrono::{DateTime, Utc};
use entity::region::{self, RegionLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::service::{Node, RegionDetail};

/// The level of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevelDto {
    /// 区/县: the root of a tree.
    District,
    /// 镇/街道: under a district.
    Town,
    /// 村/社区: under a town or street.
    Village,
}

impl From<RegionLevel> for RegionLevelDto {
    fn from(level: RegionLevel) -> Self {
        match level {
            RegionLevel::District => RegionLevelDto::District,
            RegionLevel::Town => RegionLevelDto::Town,
            RegionLevel::Village => RegionLevelDto::Village,
        }
    }
}

impl From<RegionLevelDto> for RegionLevel {
    fn from(level: RegionLevelDto) -> Self {
        match level {
            RegionLevelDto::District => RegionLevel::District,
            RegionLevelDto::Town => RegionLevel::Town,
            RegionLevelDto::Village => RegionLevel::Village,
        }
    }
}

/// A region.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionDto {
    pub id: Uuid,
    /// `null` for a district (a root).
    pub parent_id: Option<Uuid>,
    #[schema(example = "城关镇")]
    pub name: String,
    pub level: RegionLevelDto,
    /// The official administrative division code (行政区划代码): 6, 9 or 12 digits.
    #[schema(example = "510104001")]
    pub code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<region::Model> for RegionDto {
    fn from(r: region::Model) -> Self {
        RegionDto {
            id: r.id,
            parent_id: r.parent_id,
            name: r.name,
            level: r.level.into(),
            code: r.code,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A region named in a path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRef {
    pub id: Uuid,
    pub name: String,
    pub level: RegionLevelDto,
}

/// A region with where it sits in the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionDetailDto {
    #[serde(flatten)]
    pub region: RegionDto,
    /// From the district down to the parent.
    pub ancestors: Vec<RegionRef>,
    /// How many regions sit directly under this one.
    pub children_count: u64,
}

/// A node of the region tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionNode {
    pub id: Uuid,
    pub name: String,
    pub level: RegionLevelDto,
    pub code: Option<String>,
    #[schema(no_recursion)]
    pub children: Vec<RegionNode>,
}

/// A new region.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "城关镇", "level": "town", "parent_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e", "code": "510104001"}))]
pub struct CreateRegionRequest {
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// One level below the parent's; `district` only without a parent.
    pub level: RegionLevelDto,
    /// Absent for a district.
    pub parent_id: Option<Uuid>,
    /// 6, 9 or 12 digits, unique.
    #[schema(pattern = r"^\d{6}(\d{3}){0,2}$")]
    pub code: Option<String>,
}

/// Changes to a region; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateRegionRequest {
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(pattern = r"^\d{6}(\d{3}){0,2}$")]
    pub code: Option<String>,
}

/// Filters of the region list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RegionFilters {
    /// Regions directly under this one.
    pub parent_id: Option<Uuid>,
    pub level: Option<RegionLevelDto>,
    /// Name contains this text.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
}

/// Which tree to return.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct TreeFilters {
    /// Only the subtree under this region (default: every district).
    pub root_id: Option<Uuid>,
}

impl From<RegionDetail> for RegionDetailDto {
    fn from(detail: RegionDetail) -> Self {
        RegionDetailDto {
            region: detail.region.into(),
            ancestors: detail
                .ancestors
                .into_iter()
                .map(|r| RegionRef {
                    id: r.id,
                    name: r.name,
                    level: r.level.into(),
                })
                .collect(),
            children_count: detail.children_count,
        }
    }
}

impl From<Node> for RegionNode {
    fn from(node: Node) -> Self {
        RegionNode {
            id: node.region.id,
            name: node.region.name,
            level: node.region.level.into(),
            code: node.region.code,
            children: node.children.into_iter().map(RegionNode::from).collect(),
        }
    }
}
