//! The contract's examples of QR codes and of resolving a scanned code.

use serde_json::{Value, json};

use crate::http::examples::world::{STATION, STATION_CODE, STATION_NAME};
use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("GET", "/api/v1/stations/{id}/qrcode").response(Value::from(
            "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"512\" height=\"512\" viewBox=\"0 0 512 512\" shape-rendering=\"crispEdges\"><path fill=\"#fff\" d=\"M0 0h512v512H0z\"/><path fill=\"#000\" d=\"M32 32h112v16H32z…\"/></svg>",
        )),
        op("GET", "/api/v1/deputies/{id}/qrcode").response(Value::from(
            "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"512\" height=\"512\" viewBox=\"0 0 512 512\" shape-rendering=\"crispEdges\"><path fill=\"#fff\" d=\"M0 0h512v512H0z\"/><path fill=\"#000\" d=\"M32 32h112v16H32z…\"/></svg>",
        )),
        op("GET", "/api/v1/resolve/{code}").response(json!({
            "code": STATION_CODE,
            "kind": "station",
            "id": STATION,
            "name": STATION_NAME,
            "href": format!("/api/v1/stations/{STATION}")
        })),
    ]
}
