//! The region tree (`/api/v1/regions`): district > town/street > village/community. Public to
//! read; administrators add, rename and remove regions inside their scope.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
