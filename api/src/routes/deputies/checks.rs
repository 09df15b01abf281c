//! What a deputy request body must hold before the service sees it, checked field by field so
//! that one answer lists every problem. The bulk import checks each row of its sheet with
//! `to_new_deputy` too.

use super::dto::{CreateDeputyRequest, DeputyStatusDto, UpdateDeputyRequest};
use super::service::{DeputyChanges, NewDeputy};
use crate::domain::name::optional;
use crate::domain::{DisplayName, Phone, web_url};
use crate::error::{ApiError, Checks, FieldError};

pub const NAME_MAX: usize = 50;

pub const CONSTITUENCY_MAX: usize = 100;

pub const OCCUPATION_MAX: usize = 100;

pub const BIOGRAPHY_MAX: usize = 5000;

/// Checks a new deputy's fields (the import uses it for each row too).
pub fn to_new_deputy(body: CreateDeputyRequest) -> Result<NewDeputy, Vec<FieldError>> {
    let mut checks = Checks::default();
    let name = checks.check(DisplayName::parse("name", &body.name, NAME_MAX));
    let constituency = checks.check(DisplayName::parse(
        "constituency",
        &body.constituency,
        CONSTITUENCY_MAX,
    ));
    let occupation = checks.check(optional(
        "occupation",
        body.occupation.as_deref(),
        OCCUPATION_MAX,
    ));
    let biography = checks.check(optional(
        "biography",
        body.biography.as_deref(),
        BIOGRAPHY_MAX,
    ));
    let photo_url = checks.check(
        body.photo_url
            .as_deref()
            .map(|u| web_url::parse("photo_url", u))
            .transpose(),
    );
    let phone = checks.check(
        body.phone
            .as_deref()
            .map(|p| Phone::parse("phone", p))
            .transpose(),
    );
    if let Err(ApiError::Validation(errors)) = checks.finish() {
        return Err(errors);
    }
    Ok(NewDeputy {
        region_id: body.region_id,
        name: name.map(DisplayName::into_inner).unwrap_or_default(),
        gender: body.gender.into(),
        level: body.level.into(),
        constituency: constituency
            .map(DisplayName::into_inner)
            .unwrap_or_default(),
        occupation: occupation.flatten(),
        photo_url: photo_url.flatten(),
        biography: biography.flatten(),
        term_start: body.term_start,
        term_end: body.term_end,
        status: body.status.unwrap_or(DeputyStatusDto::Active).into(),
        phone: phone.flatten().map(|p| p.as_str().to_owned()),
        phone_public: body.phone_public.unwrap_or(false),
        user_id: body.user_id,
    })
}

pub fn to_changes(body: UpdateDeputyRequest) -> Result<DeputyChanges, ApiError> {
    let mut checks = Checks::default();
    let name = checks.check(
        body.name
            .as_deref()
            .map(|n| DisplayName::parse("name", n, NAME_MAX))
            .transpose(),
    );
    let constituency = checks.check(
        body.constituency
            .as_deref()
            .map(|c| DisplayName::parse("constituency", c, CONSTITUENCY_MAX))
            .transpose(),
    );
    let occupation = body.occupation.map(|o| {
        checks
            .check(optional("occupation", o.as_deref(), OCCUPATION_MAX))
            .flatten()
    });
    let biography = body.biography.map(|b| {
        checks
            .check(optional("biography", b.as_deref(), BIOGRAPHY_MAX))
            .flatten()
    });
    let photo_url = body
        .photo_url
        .map(|u| u.and_then(|u| checks.check(web_url::parse("photo_url", &u))));
    let phone = body.phone.map(|p| {
        p.and_then(|p| {
            checks
                .check(Phone::parse("phone", &p))
                .map(|p| p.as_str().to_owned())
        })
    });
    checks.finish()?;
    Ok(DeputyChanges {
        region_id: body.region_id,
        name: name.flatten().map(DisplayName::into_inner),
        gender: body.gender.map(Into::into),
        level: body.level.map(Into::into),
        constituency: constituency.flatten().map(DisplayName::into_inner),
        occupation,
        photo_url,
        biography,
        term_start: body.term_start,
        term_end: body.term_end,
        status: body.status.map(Into::into),
        phone,
        phone_public: body.phone_public,
        user_id: body.user_id,
    })
}
