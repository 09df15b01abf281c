//! `region_closure`: every (ancestor, descendant) pair of the region tree, itself included.
//!
//! A closure table answers "is this region inside that subtree?" and "every region under X" with
//! one indexed look-up on both SQLite and PostgreSQL, which the scope checks need on every
//! scoped request.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region_closure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub descendant_id: Uuid,
    /// 0 for the region itself, 1 for a child, 2 for a grandchild.
    pub depth: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
