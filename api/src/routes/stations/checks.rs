//! What a station request body must hold before the service sees it: names, addresses, the
//! location, opening hours and the star rating, checked field by field so that one answer lists
//! every problem. The bulk import checks each row of its sheet with the same functions.

use super::dto::{CreateStationRequest, OpeningHoursDto, UpdateStationRequest};
use super::service::{NewStation, StaffChanges, StationChanges};
use crate::domain::name::optional;
use crate::domain::opening_hours::{self, Period};
use crate::domain::{Coordinates, DisplayName, Phone, web_url};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::wire::LocationDto;
use crate::i18n::Text;

const NAME_MAX: usize = 100;

const ADDRESS_MAX: usize = 200;

pub const NOTE_MAX: usize = 500;

fn star_rating(field: &str, value: i64) -> Result<i16, FieldError> {
    i16::try_from(value)
        .ok()
        .filter(|v| (0..=5).contains(v))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "range",
                Text::fixed(
                    "星级必须在 0 到 5 之间。",
                    "The star rating is from 0 to 5.",
                ),
            )
        })
}

fn location(checks: &mut Checks, field: &str, location: &LocationDto) -> Option<Coordinates> {
    match Coordinates::new(field, location.latitude, location.longitude) {
        Ok(c) => Some(c),
        Err(errors) => {
            for e in errors {
                checks.fail(e);
            }
            None
        }
    }
}

fn hours(checks: &mut Checks, hours: &OpeningHoursDto) -> Option<(Vec<Period>, Option<String>)> {
    if let Err(errors) = opening_hours::check("opening_hours.periods", &hours.periods) {
        for e in errors {
            checks.fail(e);
        }
    }
    let note = checks.check(optional(
        "opening_hours.note",
        hours.note.as_deref(),
        NOTE_MAX,
    ))?;
    Some((hours.periods.clone(), note))
}

pub fn to_new_station(body: CreateStationRequest) -> Result<NewStation, ApiError> {
    let mut checks = Checks::default();
    let name = checks.check(DisplayName::parse("name", &body.name, NAME_MAX));
    let address = checks.check(DisplayName::parse("address", &body.address, ADDRESS_MAX));
    let coordinates = body
        .location
        .as_ref()
        .and_then(|l| location(&mut checks, "location", l));
    let (periods, note) =
        hours(&mut checks, &body.opening_hours.unwrap_or_default()).unwrap_or_default();
    let phone = checks.check(
        body.phone
            .as_deref()
            .map(|p| Phone::parse("phone", p))
            .transpose(),
    );
    let photo_url = checks.check(
        body.photo_url
            .as_deref()
            .map(|u| web_url::parse("photo_url", u))
            .transpose(),
    );
    let star_rating = checks.check(star_rating("star_rating", body.star_rating.unwrap_or(0)));
    if body.liaison_user_ids.as_ref().is_some_and(|l| l.len() > 20) {
        checks.fail(FieldError::new(
            "liaison_user_ids",
            "length",
            Text::fixed("联络员最多 20 人。", "At most 20 liaison officers."),
        ));
    }
    checks.finish()?;
    Ok(NewStation {
        region_id: body.region_id,
        kind: body.kind.into(),
        name: name.map(DisplayName::into_inner).unwrap_or_default(),
        address: address.map(DisplayName::into_inner).unwrap_or_default(),
        coordinates,
        periods,
        note,
        phone: phone.flatten().map(|p| p.as_str().to_owned()),
        photo_url: photo_url.flatten(),
        star_rating: star_rating.unwrap_or(0),
        staff: StaffChanges {
            head: body.head_user_id.map(Some),
            deputy_head: body.deputy_head_user_id.map(Some),
            liaisons: body.liaison_user_ids,
        },
    })
}

pub fn to_changes(body: UpdateStationRequest) -> Result<StationChanges, ApiError> {
    let mut checks = Checks::default();
    let name = checks.check(
        body.name
            .as_deref()
            .map(|n| DisplayName::parse("name", n, NAME_MAX))
            .transpose(),
    );
    let address = checks.check(
        body.address
            .as_deref()
            .map(|a| DisplayName::parse("address", a, ADDRESS_MAX))
            .transpose(),
    );
    let coordinates = body
        .location
        .map(|l| l.and_then(|l| location(&mut checks, "location", &l)));
    let opening = body
        .opening_hours
        .as_ref()
        .and_then(|h| hours(&mut checks, h));
    let phone = body.phone.map(|p| {
        p.and_then(|p| {
            checks
                .check(Phone::parse("phone", &p))
                .map(|p| p.as_str().to_owned())
        })
    });
    let photo_url = body
        .photo_url
        .map(|u| u.and_then(|u| checks.check(web_url::parse("photo_url", &u))));
    let star_rating = body
        .star_rating
        .and_then(|v| checks.check(star_rating("star_rating", v)));
    if body.liaison_user_ids.as_ref().is_some_and(|l| l.len() > 20) {
        checks.fail(FieldError::new(
            "liaison_user_ids",
            "length",
            Text::fixed("联络员最多 20 人。", "At most 20 liaison officers."),
        ));
    }
    checks.finish()?;
    Ok(StationChanges {
        kind: body.kind.map(Into::into),
        name: name.flatten().map(DisplayName::into_inner),
        address: address.flatten().map(DisplayName::into_inner),
        coordinates,
        hours: opening,
        phone,
        photo_url,
        star_rating,
        staff: StaffChanges {
            head: body.head_user_id,
            deputy_head: body.deputy_head_user_id,
            liaisons: body.liaison_user_ids,
        },
    })
}
