//! Region scopes: which part of the region tree a caller may see and manage.
//!
//! One check for single objects ([`RegionScope::ensure_contains`], a 404 outside the scope, as if
//! the object did not exist) and one filter for lists ([`RegionScope::condition`]); every scoped
//! feature uses these two and nothing else.

use entity::region_closure;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::error::ApiError;

/// The part of the region tree a caller works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionScope {
    /// Everything (global administrators).
    Global,
    /// The region and everything under it.
    Subtree(Uuid),
    /// Nothing (a non-admin account without a region).
    Nothing,
}

impl RegionScope {
    /// Whether `region` lies in this scope. Objects without a region are global: only the
    /// global scope contains them.
    pub async fn contains(
        &self,
        db: &impl ConnectionTrait,
        region: Option<Uuid>,
    ) -> Result<bool, DbErr> {
        match (self, region) {
            (RegionScope::Global, _) => Ok(true),
            (RegionScope::Nothing, _) | (RegionScope::Subtree(_), None) => Ok(false),
            (RegionScope::Subtree(root), Some(region)) => {
                let count = region_closure::Entity::find()
                    .filter(region_closure::Column::AncestorId.eq(*root))
                    .filter(region_closure::Column::DescendantId.eq(region))
                    .count(db)
                    .await?;
                Ok(count > 0)
            }
        }
    }

    /// 404 unless `region` lies in this scope.
    pub async fn ensure_contains(
        &self,
        db: &impl ConnectionTrait,
        region: Option<Uuid>,
    ) -> Result<(), ApiError> {
        if self.contains(db, region).await? {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }

    /// A filter keeping the rows whose `column` (a region id) lies in this scope.
    pub fn condition(&self, column: impl ColumnTrait) -> Condition {
        self.condition_on(column.into_expr())
    }

    /// [`RegionScope::condition`] on any expression holding a region id (a column of an
    /// aliased table, say).
    pub fn condition_on(&self, region: Expr) -> Condition {
        match self {
            RegionScope::Global => Condition::all(),
            RegionScope::Nothing => Condition::all().add(Expr::value(false)),
            RegionScope::Subtree(root) => Condition::all().add(
                region.in_subquery(
                    Query::select()
                        .column(region_closure::Column::DescendantId)
                        .from(region_closure::Entity)
                        .and_where(region_closure::Column::AncestorId.eq(*root))
                        .to_owned(),
                ),
            ),
        }
    }
}
