//! Wire types that several features share: a point on the map and the phone numbers as the
//! contract states them. One place, so that a station, a deputy, a unit, a submission and a
//! booking describe a phone number the same way.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A point on the map in **GCJ-02** (the coordinate system of WeChat and Chinese map services;
/// not WGS-84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationDto {
    /// GCJ-02 latitude, -90 to 90.
    #[schema(example = 30.2741, minimum = -90, maximum = 90)]
    pub latitude: f64,
    /// GCJ-02 longitude, -180 to 180.
    #[schema(example = 120.1551, minimum = -180, maximum = 180)]
    pub longitude: f64,
}

/// A phone number as the service takes it: a mainland China mobile (`13812341234`, with or
/// without `+86` or `0086`) or a landline with its area code (`0571-87654321`,
/// `010 1234 5678`, `(021)12345678`); spaces, hyphens and parentheses may separate the digits,
/// and the whole is at most 32 characters once trimmed. Stored normalised (`13812341234`,
/// `0571-87654321`).
#[derive(ToSchema)]
#[schema(
    example = "0571-87654321",
    pattern = r"^\s*(?:\+86|0086)?[ ()-]*(?:1[ ()-]*[3-9](?:[ ()-]*[0-9]){9}|0[ ()-]*[12][ ()-]*[0-9][ ()-]*[1-9](?:[ ()-]*[0-9]){6,7}|0[ ()-]*[3-9](?:[ ()-]*[0-9]){2}[ ()-]*[1-9](?:[ ()-]*[0-9]){6,7})[ ()-]*\s*$"
)]
pub struct PhoneNumber(#[allow(dead_code)] String);

/// A `PhoneNumber`, or blank text (empty or only spaces) meaning none.
#[derive(ToSchema)]
#[schema(
    example = "13812341234",
    pattern = r"^\s*(?:(?:\+86|0086)?[ ()-]*(?:1[ ()-]*[3-9](?:[ ()-]*[0-9]){9}|0[ ()-]*[12][ ()-]*[0-9][ ()-]*[1-9](?:[ ()-]*[0-9]){6,7}|0[ ()-]*[3-9](?:[ ()-]*[0-9]){2}[ ()-]*[1-9](?:[ ()-]*[0-9]){6,7})[ ()-]*)?\s*$"
)]
pub struct PhoneNumberOrBlank(#[allow(dead_code)] String);
