//! Map coordinates in GCJ-02 (the system WeChat and Chinese maps use), distances between them,
//! and the bounding box of a search radius.

use crate::error::FieldError;
use crate::i18n::Text;

/// Mean Earth radius in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Kilometres per degree of latitude.
pub const KM_PER_DEGREE: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    /// Checks both values; `field` prefixes the error paths (`location` → `location.latitude`).
    pub fn new(field: &str, latitude: f64, longitude: f64) -> Result<Coordinates, Vec<FieldError>> {
        let mut errors = Vec::new();
        let path = |name: &str| {
            if field.is_empty() {
                name.to_owned()
            } else {
                format!("{field}.{name}")
            }
        };
        if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
            errors.push(FieldError::new(
                path("latitude"),
                "range",
                Text::fixed(
                    "纬度必须在 -90 到 90 之间。",
                    "Latitude must be between -90 and 90.",
                ),
            ));
        }
        if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
            errors.push(FieldError::new(
                path("longitude"),
                "range",
                Text::fixed(
                    "经度必须在 -180 到 180 之间。",
                    "Longitude must be between -180 and 180.",
                ),
            ));
        }
        if errors.is_empty() {
            Ok(Coordinates {
                latitude,
                longitude,
            })
        } else {
            Err(errors)
        }
    }

    /// Great-circle distance in kilometres (haversine).
    pub fn distance_km(&self, other: &Coordinates) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlng = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }

    /// How much one degree of longitude is worth here, relative to one of latitude.
    pub fn longitude_scale(&self) -> f64 {
        self.latitude.to_radians().cos().max(0.01)
    }

    /// The latitude and longitude bands that hold every point within `radius_km`.
    pub fn bounding_box(&self, radius_km: f64) -> ((f64, f64), (f64, f64)) {
        let dlat = radius_km / KM_PER_DEGREE;
        let dlng = dlat / self.longitude_scale();
        (
            (self.latitude - dlat, self.latitude + dlat),
            (self.longitude - dlng, self.longitude + dlng),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        let tiananmen = Coordinates::new("", 39.9087, 116.3975).unwrap();
        let shanghai = Coordinates::new("", 31.2304, 121.4737).unwrap();
        let d = tiananmen.distance_km(&shanghai);
        assert!((1060.0..1075.0).contains(&d), "{d}");
        assert!(tiananmen.distance_km(&tiananmen).abs() < 1e-9);
    }

    #[test]
    fn bounds_are_checked() {
        assert!(Coordinates::new("", 91.0, 0.0).is_err());
        assert!(Coordinates::new("", 0.0, 181.0).is_err());
        assert!(Coordinates::new("", f64::NAN, 0.0).is_err());
        let errors = Coordinates::new("location", 91.0, 181.0).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "location.latitude");
    }

    #[test]
    fn the_bounding_box_holds_the_circle() {
        let centre = Coordinates::new("", 30.0, 120.0).unwrap();
        let ((lat_min, lat_max), (lng_min, lng_max)) = centre.bounding_box(10.0);
        for bearing in 0..360 {
            let b = f64::from(bearing).to_radians();
            // A point just inside 10 km in each direction.
            let lat = 30.0 + 9.99 / KM_PER_DEGREE * b.cos();
            let lng = 120.0 + 9.99 / KM_PER_DEGREE * b.sin() / centre.longitude_scale();
            let point = Coordinates::new("", lat, lng).unwrap();
            if centre.distance_km(&point) <= 10.0 {
                assert!((lat_min..=lat_max).contains(&lat) && (lng_min..=lng_max).contains(&lng));
            }
        }
    }
}
