//! Photos: checked by content, stripped of EXIF (with GPS) before they are stored, attached to
//! one submission by their uploader, shown only to those who may see it, cleaned up when left
//! unattached.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

const MARKER: &[u8] = b"GPSLatitude-SECRET-MARKER";

/// A `multipart/form-data` body with one `file` part.
fn multipart(bytes: &[u8], filename: &str, content_type: &str) -> (String, Vec<u8>) {
    let boundary = "lianluo-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    bytes: &[u8],
    name: &str,
    mime: &str,
) -> reqwest::Response {
    let (content_type, body) = multipart(bytes, name, mime);
    app.request(reqwest::Method::POST, "/api/v1/attachments", token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent")
}

/// A small JPEG with an EXIF segment that carries a recognisable marker.
fn jpeg_with_exif() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    });
    let mut encoded = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut encoded),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(MARKER);
    let len = u16::try_from(exif.len() + 2).expect("short");
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&encoded[2..]);
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 200, 30, 255]));
    let mut encoded = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut encoded),
            image::ImageFormat::Png,
        )
        .expect("png");
    encoded
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG of a few hundred bytes whose header claims 20,000 × 20,000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut out = png(1, 1);
    // IHDR data starts at byte 16 (8 signature + 4 length + 4 type).
    out[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    out[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc32(&out[12..29]);
    out[29..33].copy_from_slice(&crc.to_be_bytes());
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn submission(station: &str, attachments: &[&str]) -> Value {
    json!({
        "title": "路面塌陷",
        "content": "人民路 8 号门口路面塌陷，请尽快修复。",
        "category": "roads_transport",
        "station_id": station,
        "attachment_ids": attachments,
    })
}

#[tokio::test]
async fn a_photo_is_stripped_of_exif_attached_and_shown_only_to_those_allowed() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let alice = app.voter_session("alice").await;
    let bob = app.voter_session("bob").await;
    let original = jpeg_with_exif();
    assert!(contains(&original, MARKER));

    let uploaded = upload(
        &app,
        Some(&alice.access),
        &original,
        "IMG_0001.jpg",
        "image/jpeg",
    )
    .await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let uploaded: Value = uploaded.json().await.expect("json");
    assert_eq!(uploaded["mime"], "image/jpeg");
    assert_eq!(
        (uploaded["width"].as_i64(), uploaded["height"].as_i64()),
        (Some(64), Some(48))
    );
    let id = uploaded["id"].as_str().expect("id").to_owned();

    // Neither the stored file nor what is served carries the EXIF marker.
    let served = app
        .get(&format!("/api/v1/attachments/{id}"), Some(&alice.access))
        .await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(
        served
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    let bytes = served.bytes().await.expect("bytes");
    assert!(!contains(&bytes, MARKER));
    assert_eq!(
        image::load_from_memory(&bytes).expect("decodes").width(),
        64
    );
    let mut on_disk = 0;
    for entry in walk(&app.settings.data_dir.join("attachments")) {
        let stored = std::fs::read(&entry).expect("read");
        assert!(!contains(&stored, MARKER), "{}", entry.display());
        on_disk += 1;
    }
    assert_eq!(on_disk, 1);

    // Bob can neither see it nor attach it; Alice attaches it once.
    assert_problem(
        app.get(&format!("/api/v1/attachments/{id}"), Some(&bob.access))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/attachments/{id}"), None).await,
        401,
        "unauthenticated",
    )
    .await;
    let problem = assert_problem(
        app.post(
            "/api/v1/submissions",
            Some(&bob.access),
            &submission(&s.station, &[&id]),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["attachment_ids[0]"]);
    let created = app
        .post(
            "/api/v1/submissions",
            Some(&alice.access),
            &submission(&s.station, &[&id]),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["attachments"][0]["id"], id.as_str());
    let problem = assert_problem(
        app.post(
            "/api/v1/submissions",
            Some(&alice.access),
            &submission(&s.station, &[&id]),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["attachment_ids[0]"]);
    // Staff of the station see it; Bob still does not.
    assert_eq!(
        app.get(
            &format!("/api/v1/attachments/{id}"),
            Some(&s.liaison.access)
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(&format!("/api/v1/attachments/{id}"), Some(&bob.access))
            .await,
        404,
        "not_found",
    )
    .await;

    // Without an account: the upload's id is its proof, usable once by an anonymous submission.
    let anonymous = upload(&app, None, &png(30, 20), "a.png", "image/png").await;
    assert_eq!(anonymous.status(), StatusCode::CREATED);
    let anonymous: Value = anonymous.json().await.expect("json");
    let anonymous_id = anonymous["id"].as_str().expect("id");
    let created = app
        .post(
            "/api/v1/submissions",
            None,
            &submission(&s.station, &[anonymous_id]),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn what_is_not_an_accepted_image_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let voter = app.voter_session("carol").await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec();
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF".to_vec();
    for (bytes, name, mime) in [
        (gif, "a.gif", "image/gif"),
        (svg, "a.svg", "image/svg+xml"),
        (pdf, "photo.jpg", "image/jpeg"),
    ] {
        assert_problem(
            upload(&app, Some(&voter.access), &bytes, name, mime).await,
            415,
            "unsupported_media_type",
        )
        .await;
    }
    let bomb = png_bomb();
    assert!(bomb.len() < 1024);
    let problem = assert_problem(
        upload(&app, Some(&voter.access), &bomb, "bomb.png", "image/png").await,
        422,
        "image_too_large",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("20000"))
    );
    let mut huge = jpeg_with_exif();
    huge.resize(11 * 1024 * 1024, 0);
    assert_problem(
        upload(&app, Some(&voter.access), &huge, "big.jpg", "image/jpeg").await,
        413,
        "payload_too_large",
    )
    .await;
    // Not multipart at all, and a form without a file.
    assert_problem(
        app.post(
            "/api/v1/attachments",
            Some(&voter.access),
            &json!({"file": "x"}),
        )
        .await,
        415,
        "unsupported_media_type",
    )
    .await;
    let boundary = "b0undary";
    let response = app
        .request(reqwest::Method::POST, "/api/v1/attachments", Some(&voter.access))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{boundary}--\r\n"))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), vec!["file"]);
    // A form cut off in the middle.
    let response = app
        .request(reqwest::Method::POST, "/api/v1/attachments", Some(&voter.access))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG-partial"))
        .send()
        .await
        .expect("sent");
    assert_problem(response, 400, "malformed_body").await;
    assert_eq!(count_rows(app.db(), "attachments").await, 0);
    assert!(walk(&app.settings.data_dir.join("attachments")).is_empty());
}

#[tokio::test]
async fn uploads_left_unattached_for_a_day_are_cleaned_up() {
    let app = spawn_app().await;
    let voter = app.voter_session("dave").await;
    let kept = upload(&app, Some(&voter.access), &png(8, 8), "k.png", "image/png").await;
    assert_eq!(kept.status(), StatusCode::CREATED);
    let stale = upload(&app, Some(&voter.access), &png(9, 9), "s.png", "image/png").await;
    let stale: Value = stale.json().await.expect("json");
    let stale_id = stale["id"].as_str().expect("id");
    // A day and an hour ago.
    {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let id: uuid::Uuid = stale_id.parse().expect("uuid");
        let row = entity::attachment::Entity::find_by_id(id)
            .one(app.db().reader())
            .await
            .expect("query")
            .expect("row");
        let mut row: entity::attachment::ActiveModel = row.into();
        row.created_at = Set(api::clock::now() - chrono::Duration::hours(25));
        row.update(app.db().writer()).await.expect("aged");
    }
    assert_eq!(walk(&app.settings.data_dir.join("attachments")).len(), 2);
    api::jobs::maintenance::run_once(&app.state).await;
    assert_eq!(count_rows(app.db(), "attachments").await, 1);
    assert_eq!(walk(&app.settings.data_dir.join("attachments")).len(), 1);
    assert_problem(
        app.get(
            &format!("/api/v1/attachments/{stale_id}"),
            Some(&voter.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}
