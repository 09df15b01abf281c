//! QR codes and resolving scanned codes (码上找代表): what the code carries is decoded from the
//! picture itself, as a phone would read it.

use reqwest::StatusCode;
use serde_json::Value;
use tests::{assert_problem, deputy_body, spawn_app, spawn_app_with, station_body, str_of};

/// The text a QR code picture carries, read as a scanner reads it.
fn decode(png: &[u8]) -> String {
    let image = image::load_from_memory(png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().expect("a readable code").1
}

#[tokio::test]
async fn a_stations_qr_code_carries_the_configured_url_and_resolves_back() {
    let app =
        spawn_app_with(|s| s.qr_url_template = "https://rd.example.cn/m/?c={code}".into()).await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "东湖站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    let code = str_of(&station, "public_code");

    let response = app
        .get(
            &format!("/api/v1/stations/{id}/qrcode?format=png&size=400"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["content-disposition"],
        format!("inline; filename=\"{code}.png\"")
    );
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let png = response.bytes().await.unwrap();
    let picture = image::load_from_memory(&png).unwrap();
    assert!(
        picture.width() <= 400 && picture.width() >= 300,
        "{}",
        picture.width()
    );
    let url = decode(&png);
    assert_eq!(url, format!("https://rd.example.cn/m/?c={code}"));

    let again = app
        .client
        .get(app.url(&format!("/api/v1/stations/{id}/qrcode?format=png&size=400")))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let svg = app
        .get(&format!("/api/v1/stations/{id}/qrcode"), None)
        .await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));

    // The front end scanning it asks what the code is; case and spaces do not matter.
    let scanned = url.rsplit('=').next().unwrap().to_lowercase();
    let resolved = app
        .get(&format!("/api/v1/resolve/%20{scanned}%20"), None)
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let resolved: Value = resolved.json().await.unwrap();
    assert_eq!(resolved["kind"], "station");
    assert_eq!(resolved["id"], id);
    assert_eq!(resolved["name"], "东湖站");
    assert_eq!(resolved["code"], code);
    assert_eq!(resolved["href"], format!("/api/v1/stations/{id}"));
}

#[tokio::test]
async fn a_deputys_code_resolves_to_the_deputy() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let deputy = app
        .create_deputy(&root.access, &deputy_body(east, "王芳"))
        .await;
    let id = str_of(&deputy, "id");
    let code = str_of(&deputy, "public_code");
    assert!(code.starts_with('D'));

    let png = app
        .get(&format!("/api/v1/deputies/{id}/qrcode?format=png"), None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(decode(&png), format!("https://example.invalid/q/{code}"));
    let resolved: Value = app
        .get(&format!("/api/v1/resolve/{code}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["kind"], "deputy");
    assert_eq!(resolved["id"], id);
    assert_eq!(resolved["name"], "王芳");
}

#[tokio::test]
async fn unknown_and_archived_codes_are_not_found() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "旧站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    let code = str_of(&station, "public_code");
    let archived = app
        .delete(&format!("/api/v1/stations/{id}"), Some(&root.access))
        .await;
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);

    for code in [
        code,
        "S2345678",
        "D2345678",
        "X2345678",
        "hello",
        "S%2F..%2F",
    ] {
        let response = app.get(&format!("/api/v1/resolve/{code}"), None).await;
        assert_problem(response, 404, "not_found").await;
    }
    let qr = app
        .get(&format!("/api/v1/stations/{id}/qrcode"), None)
        .await;
    assert_problem(qr, 404, "not_found").await;
    let qr = app
        .get(
            &format!("/api/v1/deputies/{}/qrcode", uuid::Uuid::now_v7()),
            None,
        )
        .await;
    assert_problem(qr, 404, "not_found").await;
}

#[tokio::test]
async fn bad_qr_parameters_get_400_naming_them() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    for (query, field) in [
        ("size=0", "size"),
        ("size=100000", "size"),
        ("size=127", "size"),
        ("size=-5", "size"),
        ("size=big", "size"),
        ("format=gif", "format"),
    ] {
        let response = app
            .get(&format!("/api/v1/stations/{id}/qrcode?{query}"), None)
            .await;
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(tests::error_fields(&problem), [field], "{query}");
    }
    let largest = app
        .get(
            &format!("/api/v1/stations/{id}/qrcode?format=png&size=2048"),
            None,
        )
        .await;
    assert_eq!(largest.status(), StatusCode::OK);
    let not_an_id = app.get("/api/v1/stations/abc/qrcode", None).await;
    assert_problem(not_an_id, 400, "invalid_path").await;
}
