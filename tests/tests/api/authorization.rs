//! The authorisation matrix: every operation of the served contract, called by each of eleven
//! callers, against a declared table of who may do what.
//!
//! The callers are no one, a voter and another voter, a deputy, station staff of this region
//! and of another, a handler of the case's unit and of another unit, an administrator of another
//! region, a machine client without the scope, and the administrator of this region. Each
//! request is well formed (a valid body, real ids of this region's resources), so that what
//! comes back is the service's decision about the caller, not about the request's shape.
//!
//! The table's cells are `ok` (the caller passes: any answer but 401, 403 or 404, and never a
//! 5xx), `401`, `403` or `404` (API.md: 404 also for "exists but not yours"). The operations are
//! read from the running service's `/openapi.json`: an operation without a row, or a row without
//! an operation, fails the test, so a new endpoint cannot ship without its line here.

use std::collections::{BTreeSet, HashMap};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tests::*;
use uuid::Uuid;

/// Who calls, in the table's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Caller {
    Anonymous,
    Voter,
    OtherVoter,
    Deputy,
    Staff,
    OtherStaff,
    Handler,
    OtherHandler,
    OtherAdmin,
    Client,
    Admin,
}

const CALLERS: [Caller; 11] = [
    Caller::Anonymous,
    Caller::Voter,
    Caller::OtherVoter,
    Caller::Deputy,
    Caller::Staff,
    Caller::OtherStaff,
    Caller::Handler,
    Caller::OtherHandler,
    Caller::OtherAdmin,
    Caller::Client,
    Caller::Admin,
];

/// Who may do what. Columns: anonymous, voter, other voter, deputy, staff of this station,
/// staff of another region's station, the case's unit handler, another unit's handler, another
/// region's admin, a machine client without the scope, this district's admin.
///
/// Reading the table:
/// - 403 where the caller may know the thing exists (regions, stations, deputies and receptions
///   are public; a case the deputy's station handles), 404 where they may not (another voter's
///   submission, a case of another region or unit, clients, users, points rules).
/// - The machine client holds `write:tickets` only: endpoints that admit clients want another
///   scope (`insufficient_scope`), the rest refuse client tokens (`client_not_allowed`), and
///   webhooks belong to clients only (`client_only`), so no person has them.
/// - The token endpoint authenticates clients: a bearer token in `Authorization` is a failed
///   client authentication (401).
/// - The body decides some cells: the case transition is `acknowledge` (the lead unit's), the
///   new case a `station_case` (staff's), the booking a voter's, the submission a voter's (staff
///   may enter one too; theirs lacks the channel, a 422).
const MATRIX: &str = "
#      operation                                                 anon vote vot2 depu staf stf2 hndl hnd2 adm2 clnt admn
GET    /health/live                                              ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /health/ready                                             ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /metrics                                                  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/auth/login                                        ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/auth/refresh                                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/auth/logout                                       401  ok   ok   ok   ok   ok   ok   ok   ok   403  ok
GET    /api/v1/me                                                401  ok   ok   ok   ok   ok   ok   ok   ok   403  ok
DELETE /api/v1/me                                                401  ok   ok   403  403  403  403  403  403  403  403
POST   /api/v1/me/password                                       401  403  403  ok   ok   ok   ok   ok   ok   403  ok
POST   /api/v1/auth/token                                        ok   401  401  401  401  401  401  401  401  401  401
GET    /api/v1/clients                                           401  403  403  403  403  403  403  403  ok   403  ok
POST   /api/v1/clients                                           401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/clients/{id}                                      401  403  403  403  403  403  403  403  404  403  ok
PATCH  /api/v1/clients/{id}                                      401  403  403  403  403  403  403  403  404  403  ok
POST   /api/v1/clients/{id}/secret:rotate                        401  403  403  403  403  403  403  403  404  403  ok
GET    /api/v1/changes                                           401  403  403  403  403  403  403  403  ok   403  ok
GET    /api/v1/webhooks                                          401  403  403  403  403  403  403  403  403  403  403
POST   /api/v1/webhooks                                          401  403  403  403  403  403  403  403  403  403  403
GET    /api/v1/webhooks/{id}                                     401  403  403  403  403  403  403  403  403  403  403
DELETE /api/v1/webhooks/{id}                                     401  403  403  403  403  403  403  403  403  403  403
PATCH  /api/v1/webhooks/{id}                                     401  403  403  403  403  403  403  403  403  403  403
GET    /api/v1/webhooks/{id}/deliveries                          401  403  403  403  403  403  403  403  403  403  403
POST   /api/v1/webhooks/{id}/deliveries/{delivery_id}:redeliver  401  403  403  403  403  403  403  403  403  403  403
POST   /api/v1/intake/tickets                                    401  403  403  403  403  403  403  403  403  ok   403
POST   /api/v1/auth/wechat                                       ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/me/phone                                          401  ok   ok   403  403  403  403  403  403  403  403
GET    /api/v1/me/data                                           401  ok   ok   ok   ok   ok   ok   ok   ok   403  ok
GET    /api/v1/users                                             401  403  403  403  403  403  403  403  ok   403  ok
POST   /api/v1/users                                             401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/users/{id}                                        401  403  403  403  403  403  403  403  404  403  ok
PATCH  /api/v1/users/{id}                                        401  403  403  403  403  403  403  403  404  403  ok
POST   /api/v1/users/{id}/password                               401  403  403  403  403  403  403  403  404  403  ok
GET    /api/v1/regions                                           ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/regions                                           401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/regions/tree                                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /api/v1/regions/{id}                                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
DELETE /api/v1/regions/{id}                                      401  403  403  403  403  403  403  403  403  403  ok
PATCH  /api/v1/regions/{id}                                      401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/regions/{id}/checklist-items                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
PUT    /api/v1/regions/{id}/checklist-items                      401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/regions/{id}/points-rules                         401  403  403  403  403  403  403  403  404  403  ok
PUT    /api/v1/regions/{id}/points-rules                         401  403  403  403  403  403  403  403  404  403  ok
GET    /api/v1/stations                                          ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
POST   /api/v1/stations                                          401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/stations/{id}                                     ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
DELETE /api/v1/stations/{id}                                     401  403  403  403  403  403  403  403  403  403  ok
PATCH  /api/v1/stations/{id}                                     401  403  403  403  ok   403  403  403  403  403  ok
GET    /api/v1/stations/{id}/checklist                           401  403  403  403  ok   403  403  403  403  403  ok
PUT    /api/v1/stations/{id}/checklist                           401  403  403  403  ok   403  403  403  403  403  ok
GET    /api/v1/stations/{id}/qrcode                              ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /api/v1/stations/{id}/reception-rule                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
PUT    /api/v1/stations/{id}/reception-rule                      401  403  403  403  ok   403  403  403  403  403  ok
POST   /api/v1/stations/{id}/receptions:generate                 401  403  403  403  ok   403  403  403  403  403  ok
POST   /api/v1/stations/{id}/receptions:roster                   401  403  403  403  ok   403  403  403  403  403  ok
POST   /api/v1/stations/{id}/receptions                          401  403  403  403  ok   403  403  403  403  403  ok
GET    /api/v1/deputies                                          ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
POST   /api/v1/deputies                                          401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/deputies/{id}                                     ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
PATCH  /api/v1/deputies/{id}                                     401  403  403  403  403  403  403  403  404  403  ok
PUT    /api/v1/deputies/{id}/stations                            401  403  403  403  403  403  403  403  404  403  ok
GET    /api/v1/deputies/{id}/qrcode                              ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /api/v1/deputies/{id}/performance                         401  403  403  ok   ok   403  403  403  403  403  ok
GET    /api/v1/resolve/{code}                                    ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /api/v1/holidays/{year}                                   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
PUT    /api/v1/holidays/{year}                                   401  403  403  403  403  403  403  403  403  403  403
POST   /api/v1/receptions:publish                                401  403  403  403  ok   403  403  403  403  403  ok
GET    /api/v1/receptions                                        ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
GET    /api/v1/receptions/{id}                                   ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
PATCH  /api/v1/receptions/{id}                                   401  403  403  403  ok   403  403  403  403  403  ok
POST   /api/v1/receptions/{id}/publish                           401  403  403  403  ok   403  403  403  403  403  ok
POST   /api/v1/receptions/{id}/check-in                          401  403  403  ok   403  403  403  403  403  403  403
PUT    /api/v1/receptions/{id}/attendance/{deputy_id}            401  403  403  403  ok   403  403  403  403  403  ok
GET    /api/v1/receptions/{id}/records                           401  403  403  ok   ok   403  403  403  403  403  ok
POST   /api/v1/receptions/{id}/records                           401  403  403  ok   ok   403  403  403  403  403  ok
GET    /api/v1/receptions/{id}/appointments                      401  403  403  403  ok   403  403  403  403  403  ok
POST   /api/v1/receptions/{id}/appointments                      401  ok   ok   403  403  403  403  403  403  403  403
GET    /api/v1/me/appointments                                   401  ok   ok   ok   ok   ok   ok   ok   ok   403  ok
DELETE /api/v1/appointments/{id}                                 401  ok   404  404  404  404  404  404  404  403  404
GET    /api/v1/me/notifications                                  401  ok   ok   ok   ok   ok   ok   ok   ok   403  ok
POST   /api/v1/me/notifications/{id}/read                        401  ok   404  404  404  404  404  404  404  403  404
GET    /api/v1/notifications                                     401  403  403  403  403  403  403  403  403  403  403
GET    /api/v1/stats/attendance                                  401  403  403  ok   ok   ok   403  403  ok   403  ok
GET    /api/v1/stats/overview                                    401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/stats/stations                                    401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/stats/units                                       401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/stats/categories                                  401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/stats/trend                                       401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/stats/deputies                                    401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/exports/{kind}.csv                                401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/exports/{kind}.xlsx                               401  403  403  403  ok   ok   403  403  ok   403  ok
GET    /api/v1/categories                                        ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/categories                                        401  403  403  403  403  403  403  403  403  403  ok
PATCH  /api/v1/categories/{id}                                   401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/public/cases                                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET    /api/v1/suggestions                                       401  403  403  ok   ok   ok   ok   ok   ok   403  ok
POST   /api/v1/suggestions                                       401  403  403  403  ok   403  403  403  403  403  ok
GET    /api/v1/suggestions/{id}                                  401  404  404  ok   ok   404  ok   404  404  403  ok
GET    /api/v1/suggestions/{id}/status                           401  404  404  ok   ok   404  ok   404  404  403  ok
GET    /api/v1/suggestions/{id}/events                           401  404  404  ok   ok   404  ok   404  404  403  ok
POST   /api/v1/suggestions/{id}/transitions                      401  404  404  403  403  404  ok   404  404  403  ok
POST   /api/v1/suggestions/{id}/supervise                        401  404  404  403  ok   404  403  404  404  403  ok
POST   /api/v1/suggestions/{id}/input                            401  404  404  403  403  404  403  404  404  403  403
GET    /api/v1/units                                             401  403  403  ok   ok   ok   ok   ok   ok   403  ok
POST   /api/v1/units                                             401  403  403  403  403  403  403  403  403  403  ok
GET    /api/v1/units/{id}                                        401  404  404  ok   ok   404  ok   404  404  403  ok
PATCH  /api/v1/units/{id}                                        401  403  403  403  403  403  403  403  404  403  ok
PUT    /api/v1/units/{id}/members                                401  403  403  403  403  403  403  403  404  403  ok
GET    /api/v1/submissions                                       401  ok   ok   ok   ok   ok   403  403  ok   403  ok
POST   /api/v1/submissions                                       ok   ok   ok   ok   ok   ok   403  403  ok   403  ok
GET    /api/v1/me/submissions                                    401  ok   ok   403  403  403  403  403  403  403  403
GET    /api/v1/submissions/{id}                                  401  ok   404  404  ok   404  404  404  404  403  ok
GET    /api/v1/submissions/{id}/status                           401  ok   404  404  ok   404  404  404  404  403  ok
GET    /api/v1/submissions/{id}/timeline                         401  ok   404  404  ok   404  404  404  404  403  ok
POST   /api/v1/submissions/{id}/triage                           401  403  404  404  ok   404  404  404  404  403  ok
POST   /api/v1/submissions/{id}/feedback                         401  ok   404  404  404  404  404  404  404  403  404
POST   /api/v1/submissions/{id}/contact:reveal                   401  403  404  404  ok   404  404  404  404  403  ok
GET    /api/v1/track/{tracking_no}                               ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/track/{tracking_no}/feedback                      ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
POST   /api/v1/attachments                                       ok   ok   ok   ok   ok   ok   ok   ok   ok   403  ok
GET    /api/v1/attachments/{id}                                  401  ok   404  404  ok   404  404  404  404  403  ok
POST   /api/v1/imports/stations                                  401  403  403  403  403  403  403  403  ok   403  ok
POST   /api/v1/imports/deputies                                  401  403  403  403  403  403  403  403  ok   403  ok
";

/// Operations that end the caller's session or account: they run after every other.
const LAST: [&str; 3] = [
    "POST /api/v1/me/password",
    "POST /api/v1/auth/logout",
    "DELETE /api/v1/me",
];

/// Operations whose target a success uses up (deleted, cancelled, rotated): after a 2xx the next
/// caller gets a fresh one, so that its answer is about the caller and not about the target.
const CONSUMING: [&str; 5] = [
    "DELETE /api/v1/regions/{id}",
    "DELETE /api/v1/stations/{id}",
    "DELETE /api/v1/webhooks/{id}",
    "DELETE /api/v1/appointments/{id}",
    "POST /api/v1/auth/refresh",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Pass,
    Status(u16),
}

/// The table's rows: `METHOD path` and one expectation per caller.
fn matrix() -> Vec<(String, Vec<Expect>)> {
    MATRIX
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut cells = line.split_whitespace();
            let method = cells.next().expect("a method");
            let path = cells.next().expect("a path");
            let expected: Vec<Expect> = cells
                .map(|cell| match cell {
                    "ok" => Expect::Pass,
                    code => Expect::Status(code.parse().expect("a status in the table")),
                })
                .collect();
            assert_eq!(expected.len(), CALLERS.len(), "{line}: one cell per caller");
            (format!("{method} {path}"), expected)
        })
        .collect()
}

/// How a caller signs in again, for the operations that end sessions.
enum SignIn {
    Voter(&'static str),
    User(String),
}

/// The new password of `POST /api/v1/me/password` in the table.
const NEW_PASSWORD: &str = "another horse battery staple";

/// Everything the requests point at: two districts, their people and this one's resources.
struct World {
    root: Session,
    /// A client with `manage:webhooks`, the owner of webhooks (not one of the callers).
    hooks: String,
    tokens: HashMap<Caller, String>,
    district: Uuid,
    town: Uuid,
    station: String,
    deputy: String,
    unit: String,
    handler_id: Uuid,
    reception: String,
    submission: String,
    tracking_no: String,
    access_code: String,
    case: String,
    webhook: String,
    delivery: String,
    client_id: String,
    client_secret: String,
    category: String,
    notification: String,
    attachment: String,
    target_user: Uuid,
    station_code: String,
    /// Fresh targets of the consuming operations, made on demand.
    fresh: HashMap<String, String>,
    signins: Vec<(Caller, SignIn)>,
    /// Callers whose password the table changed.
    passwords: HashMap<Caller, &'static str>,
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn created_id(response: reqwest::Response) -> String {
    str_of(&json_of(response).await, "id").to_owned()
}

/// A one-pixel PNG.
fn png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30]));
    let mut encoded = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut encoded),
            image::ImageFormat::Png,
        )
        .expect("png");
    encoded
}

const BOUNDARY: &str = "lianluo-matrix-boundary-0x7f";

fn multipart_png() -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png());
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/attachments", token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_png())
        .send()
        .await
        .expect("sent")
}

impl World {
    async fn build(app: &TestApp) -> World {
        let s = app.scheduling(2).await;
        let root = app.root().await;
        let admin = s.admin.access.clone();

        // Another district with its administrator and a station with its staff.
        let elsewhere = app
            .create_region(&root.access, "北区", "district", None)
            .await;
        let other_admin = app
            .user_session("other-admin", "admin", Some(elsewhere))
            .await;
        let other_staff_id = app
            .create_user(
                &root.access,
                "other-staff",
                "station_staff",
                Some(elsewhere),
            )
            .await;
        let mut body = station_body(elsewhere, "北区联络站", 31.0, 121.0);
        body["liaison_user_ids"] = json!([other_staff_id]);
        app.create_station(&other_admin.access, &body).await;
        let other_staff = app.login("other-staff", PASSWORD).await;

        // Two units of this district, each with a handler.
        let unit = app.create_unit(&admin, s.district, "区住建局").await;
        let other_unit = app.create_unit(&admin, s.district, "区水务局").await;
        let handler_id = app
            .create_user(&root.access, "handler", "unit_handler", Some(s.district))
            .await;
        let other_handler_id = app
            .create_user(
                &root.access,
                "other-handler",
                "unit_handler",
                Some(s.district),
            )
            .await;
        app.set_unit_members(&admin, &unit, &[handler_id]).await;
        app.set_unit_members(&admin, &other_unit, &[other_handler_id])
            .await;
        let handler = app.login("handler", PASSWORD).await;
        let other_handler = app.login("other-handler", PASSWORD).await;
        let deputy = app.login(&s.deputy_users[0], PASSWORD).await;

        // A machine client of this district holding only `write:tickets`, and another client
        // for the operations on clients themselves.
        let client = json_of(
            app.post(
                "/api/v1/clients",
                Some(&admin),
                &json!({"name": "12345 热线", "region_id": s.district, "scopes": ["write:tickets"]}),
            )
            .await,
        )
        .await;
        let scoped_token = app
            .client_token(str_of(&client, "id"), str_of(&client, "client_secret"))
            .await;
        let target_client = json_of(
            app.post(
                "/api/v1/clients",
                Some(&admin),
                &json!({"name": "区数字人大平台", "region_id": s.district, "scopes": ["read:cases"]}),
            )
            .await,
        )
        .await;

        // A webhook (webhooks belong to clients with `manage:webhooks`; what they deliver, to
        // the client's read scopes) to a closed port: the
        // changes below give it deliveries.
        let hooks = json_of(
            app.post(
                "/api/v1/clients",
                Some(&admin),
                &json!({"name": "网格平台", "region_id": s.district, "scopes": ["manage:webhooks", "read:cases", "read:directory"]}),
            )
            .await,
        )
        .await;
        let hooks = app
            .client_token(str_of(&hooks, "id"), str_of(&hooks, "client_secret"))
            .await;
        let webhook = Self::new_webhook(app, &hooks).await;
        let voter = app.voter_session("张三").await;
        let other_voter = app.voter_session("李四").await;

        json_of(
            app.put(
                &format!("/api/v1/stations/{}/reception-rule", s.station),
                Some(&admin),
                &json!({"days_of_month": [6], "hours": {"starts": "09:00", "ends": "11:30"}, "capacity": 10}),
            )
            .await,
        )
        .await;
        // A published session next week with the deputy on duty; the voter has booked it.
        let day = api::domain::local_time::today() + chrono::Days::new(7);
        let session = app
            .add_session(
                &s.liaison.access,
                &s.station,
                day,
                ("09:00", "11:00"),
                &[&s.deputies[0], &s.deputies[1]],
            )
            .await;
        let reception = str_of(&session, "id").to_owned();
        app.publish_session(&s.liaison.access, &reception, None)
            .await;

        // The voter's photo and submission; an anonymous submission with its access code.
        let attachment = created_id(upload(app, Some(&voter.access)).await).await;
        let submission = created_id(
            app.post(
                "/api/v1/submissions",
                Some(&voter.access),
                &json!({
                    "title": "幸福路路灯不亮",
                    "content": "幸福路 12 号门口的路灯坏了两周。",
                    "category": "urban_management",
                    "station_id": s.station,
                    "contact_phone": "13812345678",
                    "consent_personal_info": true,
                    "attachment_ids": [attachment],
                }),
            )
            .await,
        )
        .await;
        let anonymous = json_of(
            app.post(
                "/api/v1/submissions",
                None,
                &json!({
                    "title": "菜市场噪音",
                    "content": "凌晨四点卸货，噪音扰民。",
                    "category": "urban_management",
                    "station_id": s.station,
                    "anonymous": true,
                }),
            )
            .await,
        )
        .await;

        // A station case, assigned to the first unit.
        let case = created_id(
            app.post(
                "/api/v1/suggestions",
                Some(&s.liaison.access),
                &json!({"kind": "station_case", "title": "幸福路路灯维修", "content": "三位选民反映幸福路路灯不亮。", "category": "urban_management", "station_id": s.station}),
            )
            .await,
        )
        .await;
        json_of(
            app.post(
                &format!("/api/v1/suggestions/{case}/transitions"),
                Some(&s.liaison.access),
                &json!({"action": "assign", "lead_unit_id": unit}),
            )
            .await,
        )
        .await;

        let category = created_id(
            app.post(
                "/api/v1/categories",
                Some(&admin),
                &json!({"code": "elderly_care", "name": "养老服务", "region_id": s.district}),
            )
            .await,
        )
        .await;

        let delivery = Self::first_delivery(app, &hooks, &webhook).await;

        let target_user = app
            .create_user(&root.access, "target-staff", "station_staff", Some(s.town))
            .await;
        // The voter is told when another session they booked is cancelled.
        let cancelled = app
            .add_session(
                &s.liaison.access,
                &s.station,
                day + chrono::Days::new(1),
                ("09:00", "11:00"),
                &[&s.deputies[0], &s.deputies[1]],
            )
            .await;
        let cancelled = str_of(&cancelled, "id").to_owned();
        app.publish_session(&s.liaison.access, &cancelled, None)
            .await;
        json_of(
            app.post(
                &format!("/api/v1/receptions/{cancelled}/appointments"),
                Some(&voter.access),
                &json!({"topic": "停车难"}),
            )
            .await,
        )
        .await;
        json_of(
            app.patch(
                &format!("/api/v1/receptions/{cancelled}"),
                Some(&s.liaison.access),
                &json!({"status": "cancelled", "cancel_reason": "台风预警"}),
            )
            .await,
        )
        .await;
        let notification = app.wait_for_inbox(&voter.access, |_| true).await;
        let station: Value = app
            .get(&format!("/api/v1/stations/{}", s.station), None)
            .await
            .json()
            .await
            .expect("json");

        let tokens = HashMap::from([
            (Caller::Voter, voter.access),
            (Caller::OtherVoter, other_voter.access),
            (Caller::Deputy, deputy.access),
            (Caller::Staff, s.liaison.access.clone()),
            (Caller::OtherStaff, other_staff.access),
            (Caller::Handler, handler.access),
            (Caller::OtherHandler, other_handler.access),
            (Caller::OtherAdmin, other_admin.access),
            (Caller::Client, scoped_token),
            (Caller::Admin, admin),
        ]);
        World {
            root,
            hooks,
            tokens,
            district: s.district,
            town: s.town,
            station: s.station.clone(),
            deputy: s.deputies[0].clone(),
            unit,
            handler_id,
            reception,
            submission,
            tracking_no: str_of(&anonymous, "tracking_no").to_owned(),
            access_code: str_of(&anonymous, "access_code").to_owned(),
            case,
            webhook,
            delivery,
            client_id: str_of(&target_client, "id").to_owned(),
            client_secret: str_of(&target_client, "client_secret").to_owned(),
            category,
            notification: str_of(&notification, "id").to_owned(),
            attachment,
            target_user,
            station_code: str_of(&station, "public_code").to_owned(),
            fresh: HashMap::new(),
            signins: vec![
                (Caller::Voter, SignIn::Voter("张三")),
                (Caller::OtherVoter, SignIn::Voter("李四")),
                (Caller::Deputy, SignIn::User(s.deputy_users[0].clone())),
                (Caller::Staff, SignIn::User("liaison".into())),
                (Caller::OtherStaff, SignIn::User("other-staff".into())),
                (Caller::Handler, SignIn::User("handler".into())),
                (Caller::OtherHandler, SignIn::User("other-handler".into())),
                (Caller::OtherAdmin, SignIn::User("other-admin".into())),
                (Caller::Admin, SignIn::User("district-admin".into())),
            ],
            passwords: HashMap::new(),
        }
    }

    async fn new_webhook(app: &TestApp, admin: &str) -> String {
        created_id(
            app.post(
                "/api/v1/webhooks",
                Some(admin),
                &json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}),
            )
            .await,
        )
        .await
    }

    /// The first delivery of `webhook`, once the fan-out has made one.
    async fn first_delivery(app: &TestApp, admin: &str, webhook: &str) -> String {
        for _ in 0..100 {
            // Something to deliver: a change in the district.
            let page: Value = app
                .get(
                    &format!("/api/v1/webhooks/{webhook}/deliveries"),
                    Some(admin),
                )
                .await
                .json()
                .await
                .expect("json");
            if let Some(first) = page["items"].as_array().and_then(|items| items.first()) {
                return str_of(first, "id").to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the webhook got no delivery");
    }

    /// Signs every person in afresh (a voter whose account the table erased comes back as a
    /// new voter); the machine client's token is not a session and stays.
    async fn sign_in_again(&mut self, app: &TestApp) {
        for (caller, how) in &self.signins {
            let token = match how {
                SignIn::Voter(name) => app.voter_session(name).await.access,
                SignIn::User(username) => {
                    let password = self.passwords.get(caller).copied().unwrap_or(PASSWORD);
                    app.login(username, password).await.access
                }
            };
            self.tokens.insert(*caller, token);
        }
    }

    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens.get(&caller).map(String::as_str)
    }

    /// The target of a consuming operation: the one in hand, or a fresh one.
    async fn fresh(&mut self, app: &TestApp, op: &str) -> String {
        if let Some(id) = self.fresh.get(op) {
            return id.clone();
        }
        let admin = self.tokens[&Caller::Admin].clone();
        let id = match op {
            "DELETE /api/v1/regions/{id}" => {
                let name = format!("新街道{}", &Uuid::now_v7().simple().to_string()[24..]);
                app.create_region(&self.root.access, &name, "town", Some(self.district))
                    .await
                    .to_string()
            }
            "DELETE /api/v1/stations/{id}" => {
                let body = station_body(self.town, "临时联络点", 30.1, 120.1);
                str_of(&app.create_station(&admin, &body).await, "id").to_owned()
            }
            "DELETE /api/v1/webhooks/{id}" => Self::new_webhook(app, &self.hooks).await,
            "DELETE /api/v1/appointments/{id}" => {
                // The voter's booking of the session, made now unless the table's booking
                // call already made it.
                let voter = self.token(Caller::Voter);
                let mine: Value = app
                    .get("/api/v1/me/appointments", voter)
                    .await
                    .json()
                    .await
                    .expect("json");
                let booked = mine["items"].as_array().and_then(|items| {
                    items.iter().find(|a| {
                        a["reception"]["id"] == json!(self.reception) && a["status"] == "booked"
                    })
                });
                match booked {
                    Some(booking) => str_of(booking, "id").to_owned(),
                    None => {
                        created_id(
                            app.post(
                                &format!("/api/v1/receptions/{}/appointments", self.reception),
                                voter,
                                &json!({"topic": "小区加装电梯"}),
                            )
                            .await,
                        )
                        .await
                    }
                }
            }
            "POST /api/v1/auth/refresh" => app.login("target-staff", PASSWORD).await.refresh,
            other => panic!("{other} has no fresh target"),
        };
        self.fresh.insert(op.to_owned(), id.clone());
        id
    }
}

/// What a caller sends for `op`.
struct Call {
    method: Method,
    path: String,
    body: Body,
    headers: Vec<(&'static str, String)>,
}

enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
    Csv(&'static str),
    Png,
}

const STATIONS_CSV: &str = "区域,类型,名称,地址,纬度,经度,开放时间,开放说明,电话,星级\n\
东街道,联络点,东湖社区联络点,东湖路 2 号,30.0200,120.0000,,,,\n";

const DEPUTIES_CSV: &str =
    "姓名,性别,层级,区域,选区,任期开始\n王五,男,区,东街道,第一选区,2022-01-01\n";

async fn call(app: &TestApp, world: &mut World, op: &str) -> Call {
    let (method, template) = op.split_once(' ').expect("METHOD path");
    let method: Method = method.parse().expect("method");
    let today = api::domain::local_time::today();
    let later = today + chrono::Days::new(30);
    let mut headers = Vec::new();
    let fresh = if CONSUMING.contains(&op) {
        world.fresh(app, op).await
    } else {
        String::new()
    };
    let w = &*world;
    let (path, body) = match op {
        "POST /api/v1/auth/login" => (
            template.to_owned(),
            Body::Json(json!({"username": "target-staff", "password": PASSWORD})),
        ),
        "POST /api/v1/auth/refresh" => (
            template.to_owned(),
            Body::Json(json!({"refresh_token": fresh})),
        ),
        "POST /api/v1/me/password" => (
            template.to_owned(),
            Body::Json(
                json!({"current_password": PASSWORD, "new_password": "another horse battery staple"}),
            ),
        ),
        "POST /api/v1/auth/token" => (
            template.to_owned(),
            Body::Form(vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", w.client_id.clone()),
                ("client_secret", w.client_secret.clone()),
            ]),
        ),
        "POST /api/v1/clients" => (
            template.to_owned(),
            Body::Json(
                json!({"name": "网格平台", "region_id": w.district, "scopes": ["read:cases"]}),
            ),
        ),
        "PATCH /api/v1/clients/{id}" => (
            format!("/api/v1/clients/{}", w.client_id),
            Body::Json(json!({"name": "区数字人大平台（新）"})),
        ),
        "POST /api/v1/clients/{id}/secret:rotate" => (
            format!("/api/v1/clients/{}/secret:rotate", w.client_id),
            Body::Json(json!({"grace_seconds": 3600})),
        ),
        "POST /api/v1/webhooks" => (
            template.to_owned(),
            Body::Json(json!({"url": "http://127.0.0.1:9/other", "event_types": ["suggestion.*"]})),
        ),
        "PATCH /api/v1/webhooks/{id}" => (
            format!("/api/v1/webhooks/{}", w.webhook),
            Body::Json(json!({"description": "区数字人大平台"})),
        ),
        "DELETE /api/v1/webhooks/{id}"
        | "DELETE /api/v1/regions/{id}"
        | "DELETE /api/v1/stations/{id}"
        | "DELETE /api/v1/appointments/{id}" => (template.replace("{id}", &fresh), Body::None),
        "POST /api/v1/intake/tickets" => (
            template.to_owned(),
            Body::Json(json!({
                "external_id": format!("12345-{}", Uuid::now_v7().simple()),
                "title": "夜间施工噪音",
                "content": "工地夜间施工到凌晨。",
                "category": "urban_management",
            })),
        ),
        "POST /api/v1/auth/wechat" => {
            (template.to_owned(), Body::Json(json!({"code": "dev:王五"})))
        }
        "POST /api/v1/me/phone" => (
            template.to_owned(),
            Body::Json(json!({"code": "dev:13800138000"})),
        ),
        "POST /api/v1/users" => (
            template.to_owned(),
            Body::Json(json!({
                "username": format!("u{}", &Uuid::now_v7().simple().to_string()[20..]),
                "display_name": "新同事",
                "password": PASSWORD,
                "role": "station_staff",
                "region_id": w.town,
            })),
        ),
        "PATCH /api/v1/users/{id}" => (
            format!("/api/v1/users/{}", w.target_user),
            Body::Json(json!({"display_name": "联络员"})),
        ),
        "POST /api/v1/users/{id}/password" => (
            format!("/api/v1/users/{}/password", w.target_user),
            Body::Json(json!({"password": PASSWORD})),
        ),
        "POST /api/v1/regions" => (
            template.to_owned(),
            Body::Json(json!({
                "name": format!("街道{}", &Uuid::now_v7().simple().to_string()[24..]),
                "level": "town",
                "parent_id": w.district,
            })),
        ),
        "PATCH /api/v1/regions/{id}" => (
            format!("/api/v1/regions/{}", w.town),
            Body::Json(json!({"code": "330106001"})),
        ),
        "PUT /api/v1/regions/{id}/checklist-items" => (
            format!("/api/v1/regions/{}/checklist-items", w.district),
            Body::Json(json!({"items": [{"name": "制度上墙"}]})),
        ),
        "PUT /api/v1/regions/{id}/points-rules" => (
            format!("/api/v1/regions/{}/points-rules", w.district),
            Body::Json(json!({"weights": {"reception_attended": 5}})),
        ),
        "POST /api/v1/stations" => (
            template.to_owned(),
            Body::Json(station_body(w.town, "西湖社区联络点", 30.2, 120.2)),
        ),
        "PATCH /api/v1/stations/{id}" => (
            format!("/api/v1/stations/{}", w.station),
            Body::Json(json!({"phone": "0571-87654321"})),
        ),
        "PUT /api/v1/stations/{id}/checklist" => (
            format!("/api/v1/stations/{}/checklist", w.station),
            Body::Json(json!({"items": []})),
        ),
        "PUT /api/v1/stations/{id}/reception-rule" => (
            format!("/api/v1/stations/{}/reception-rule", w.station),
            Body::Json(
                json!({"days_of_month": [6], "hours": {"starts": "09:00", "ends": "11:30"}, "capacity": 10}),
            ),
        ),
        "POST /api/v1/stations/{id}/receptions:generate"
        | "POST /api/v1/stations/{id}/receptions:roster" => (
            template.replace("{id}", &w.station),
            Body::Json(json!({"from": later, "to": later + chrono::Days::new(30)})),
        ),
        "POST /api/v1/stations/{id}/receptions" => (
            template.replace("{id}", &w.station),
            Body::Json(json!({"date": later, "hours": {"starts": "14:00", "ends": "16:00"}})),
        ),
        "POST /api/v1/deputies" => (template.to_owned(), Body::Json(deputy_body(w.town, "赵六"))),
        "PATCH /api/v1/deputies/{id}" => (
            format!("/api/v1/deputies/{}", w.deputy),
            Body::Json(json!({"occupation": "教师"})),
        ),
        "PUT /api/v1/deputies/{id}/stations" => (
            format!("/api/v1/deputies/{}/stations", w.deputy),
            Body::Json(json!({"stations": [{"station_id": w.station}]})),
        ),
        "GET /api/v1/deputies/{id}/performance" => (
            format!(
                "/api/v1/deputies/{}/performance?year={}",
                w.deputy,
                today.format("%Y")
            ),
            Body::None,
        ),
        "PUT /api/v1/holidays/{year}" => (
            "/api/v1/holidays/2031".to_owned(),
            Body::Json(
                json!({"holidays": [{"date": "2031-10-01", "name": "国庆节"}], "workdays": []}),
            ),
        ),
        "POST /api/v1/receptions:publish" => (
            template.to_owned(),
            Body::Json(
                json!({"station_id": w.station, "from": later, "to": later + chrono::Days::new(30)}),
            ),
        ),
        "PATCH /api/v1/receptions/{id}" => (
            template.replace("{id}", &w.reception),
            Body::Json(json!({"place": "联络站二楼会议室"})),
        ),
        "POST /api/v1/receptions/{id}/publish" => (
            template.replace("{id}", &w.reception),
            Body::Json(json!({})),
        ),
        "PUT /api/v1/receptions/{id}/attendance/{deputy_id}" => (
            format!("/api/v1/receptions/{}/attendance/{}", w.reception, w.deputy),
            Body::Json(json!({"present": false, "excused": true, "reason": "外出开会"})),
        ),
        "POST /api/v1/receptions/{id}/records" => (
            template.replace("{id}", &w.reception),
            Body::Json(json!({"visitor_count": 1, "items": [{"raised": "小区加装电梯"}]})),
        ),
        "POST /api/v1/receptions/{id}/appointments" => (
            template.replace("{id}", &w.reception),
            Body::Json(json!({"topic": "小区加装电梯"})),
        ),
        "POST /api/v1/categories" => (
            template.to_owned(),
            Body::Json(
                json!({"code": format!("c{}", &Uuid::now_v7().simple().to_string()[24..]), "name": "停车管理", "region_id": w.district}),
            ),
        ),
        "PATCH /api/v1/categories/{id}" => (
            template.replace("{id}", &w.category),
            Body::Json(json!({"name": "养老助餐"})),
        ),
        "POST /api/v1/suggestions" => (
            template.to_owned(),
            Body::Json(
                json!({"kind": "station_case", "title": "东湖路积水", "content": "雨后东湖路积水严重。", "category": "urban_management", "station_id": w.station}),
            ),
        ),
        "POST /api/v1/suggestions/{id}/transitions" => (
            template.replace("{id}", &w.case),
            Body::Json(json!({"action": "acknowledge"})),
        ),
        "POST /api/v1/suggestions/{id}/supervise" => (
            template.replace("{id}", &w.case),
            Body::Json(json!({"level": "normal", "note": "请加快办理"})),
        ),
        "POST /api/v1/suggestions/{id}/input" => (
            template.replace("{id}", &w.case),
            Body::Json(json!({"text": "已安排巡查。"})),
        ),
        "POST /api/v1/units" => (
            template.to_owned(),
            Body::Json(
                json!({"region_id": w.district, "name": format!("单位{}", &Uuid::now_v7().simple().to_string()[24..]), "kind": "company"}),
            ),
        ),
        "PATCH /api/v1/units/{id}" => (
            template.replace("{id}", &w.unit),
            Body::Json(json!({"phone": "0571-88888888"})),
        ),
        "PUT /api/v1/units/{id}/members" => (
            template.replace("{id}", &w.unit),
            Body::Json(json!({"user_ids": [w.handler_id]})),
        ),
        "POST /api/v1/submissions" => (
            template.to_owned(),
            Body::Json(
                json!({"title": "路面破损", "content": "东湖路路面破损。", "category": "urban_management", "station_id": w.station}),
            ),
        ),
        "POST /api/v1/submissions/{id}/triage" => (
            template.replace("{id}", &w.submission),
            Body::Json(json!({"action": "review"})),
        ),
        "POST /api/v1/submissions/{id}/feedback" => (
            template.replace("{id}", &w.submission),
            Body::Json(json!({"rating": "satisfied"})),
        ),
        "GET /api/v1/track/{tracking_no}" | "POST /api/v1/track/{tracking_no}/feedback" => {
            headers.push(("X-Access-Code", w.access_code.clone()));
            let body = if method == Method::POST {
                Body::Json(json!({"rating": "satisfied"}))
            } else {
                Body::None
            };
            (template.replace("{tracking_no}", &w.tracking_no), body)
        }
        "POST /api/v1/attachments" => (template.to_owned(), Body::Png),
        "POST /api/v1/imports/stations" => {
            (format!("{template}?dry_run=true"), Body::Csv(STATIONS_CSV))
        }
        "POST /api/v1/imports/deputies" => {
            (format!("{template}?dry_run=true"), Body::Csv(DEPUTIES_CSV))
        }
        "GET /api/v1/stats/attendance" | "GET /api/v1/stats/deputies" => (
            format!("{template}?year={}", today.format("%Y")),
            Body::None,
        ),
        "GET /api/v1/exports/{kind}.csv" | "GET /api/v1/exports/{kind}.xlsx" => {
            (template.replace("{kind}", "submissions"), Body::None)
        }
        "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}:redeliver" => (
            format!(
                "/api/v1/webhooks/{}/deliveries/{}:redeliver",
                w.webhook, w.delivery
            ),
            Body::None,
        ),
        _ if matches!(method, Method::GET | Method::DELETE | Method::POST) => {
            // Reads, and actions without a body: only the path's ids to fill in.
            let resource = template.split('/').nth(3).unwrap_or_default();
            let id = match resource {
                "clients" => w.client_id.clone(),
                "webhooks" => w.webhook.clone(),
                "users" => w.target_user.to_string(),
                "regions" => w.town.to_string(),
                "stations" => w.station.clone(),
                "deputies" => w.deputy.clone(),
                "receptions" => w.reception.clone(),
                "me" => w.notification.clone(),
                "suggestions" => w.case.clone(),
                "units" => w.unit.clone(),
                "submissions" => w.submission.clone(),
                "attachments" => w.attachment.clone(),
                _ => String::new(),
            };
            let path = template
                .replace("{id}", &id)
                .replace("{code}", &w.station_code)
                .replace("{year}", &today.format("%Y").to_string());
            assert!(!path.contains('{'), "{op}: no value for {path}");
            (path, Body::None)
        }
        other => panic!("{other}: the matrix has no request for it"),
    };
    Call {
        method,
        path,
        body,
        headers,
    }
}

async fn send(app: &TestApp, call: &Call, token: Option<&str>) -> reqwest::Response {
    let mut request = app.request(call.method.clone(), &call.path, token);
    for (name, value) in &call.headers {
        request = request.header(*name, value);
    }
    request = match &call.body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::Form(form) => request.form(form),
        Body::Csv(csv) => request.header("content-type", "text/csv").body(*csv),
        Body::Png => request
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart_png()),
    };
    request.send().await.expect("sent")
}

/// The operations of the served contract, as `METHOD path`.
async fn served_operations(app: &TestApp) -> BTreeSet<String> {
    let spec: Value = app
        .get("/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                ops.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    ops
}

fn matches(expected: Expect, status: StatusCode) -> bool {
    match expected {
        Expect::Pass => !status.is_server_error() && ![401, 403, 404].contains(&status.as_u16()),
        Expect::Status(code) => status.as_u16() == code,
    }
}

#[tokio::test]
async fn every_operation_answers_each_caller_as_the_table_says() {
    // Webhooks to plain HTTP on this host, delivered (and failing) within moments; sign-ins
    // as often as the table needs.
    let app = spawn_app_with(|s| {
        let wide = api::config::ThrottleSettings {
            burst: std::num::NonZeroU32::new(10_000).expect("non-zero"),
            period: std::time::Duration::from_millis(1),
        };
        s.login_per_account = wide;
        s.login_per_ip = wide;
        s.webhook_allow_insecure = true;
        s.webhook_poll_interval = std::time::Duration::from_millis(50);
    })
    .await;

    // The table and the contract name the same operations.
    let table = matrix();
    let served = served_operations(&app).await;
    let declared: BTreeSet<String> = table.iter().map(|(op, _)| op.clone()).collect();
    assert_eq!(declared.len(), table.len(), "an operation has two rows");
    let undeclared: Vec<_> = served.difference(&declared).collect();
    let gone: Vec<_> = declared.difference(&served).collect();
    assert!(
        undeclared.is_empty() && gone.is_empty(),
        "operations without a row in the matrix: {undeclared:?}; rows without an operation: {gone:?}"
    );

    let mut world = World::build(&app).await;
    // Operations that end the caller's session or account go last, in the order of `LAST`.
    let (mut rows, mut last): (Vec<_>, Vec<_>) = table
        .into_iter()
        .partition(|(op, _)| !LAST.contains(&op.as_str()));
    last.sort_by_key(|(op, _)| LAST.iter().position(|l| l == op));
    rows.extend(last);

    let mut wrong = Vec::new();
    for (op, expected) in &rows {
        if LAST.contains(&op.as_str()) {
            world.sign_in_again(&app).await;
        }
        for (caller, expected) in CALLERS.into_iter().zip(expected.iter().copied()) {
            let call = call(&app, &mut world, op).await;
            let response = send(&app, &call, world.token(caller)).await;
            let status = response.status();
            if !matches(expected, status) {
                let body = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{op} as {caller:?}: expected {expected:?}, got {status} {}",
                    body.chars().take(400).collect::<String>()
                ));
            } else if status.is_success() && CONSUMING.contains(&op.as_str()) {
                world.fresh.remove(op);
            } else if status.is_success() && op == "POST /api/v1/me/password" {
                world.passwords.insert(caller, NEW_PASSWORD);
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells disagree with the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
