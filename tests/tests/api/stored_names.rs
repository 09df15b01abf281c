//! The suggestion columns store the names they always stored (issue 22 typed them as enums
//! without a data migration): rows written with raw SQL in the old strings read back through
//! the API with every value intact, and cases moved through the API leave exactly those strings
//! in the database, on SQLite and PostgreSQL alike.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value as Sql};
use serde_json::{Value, json};
use tests::*;
use uuid::Uuid;

use super::suggestions::{fixture, ok};

/// The stored strings of one suggestion's closed-set columns.
#[derive(Debug, Clone, PartialEq)]
struct Stored {
    kind: String,
    status: String,
    level: Option<String>,
    supervision: String,
    reply_category: Option<String>,
    rating: Option<String>,
    first_rating: Option<String>,
}

impl Stored {
    fn of(
        kind: &str,
        status: &str,
        level: Option<&str>,
        supervision: &str,
        reply_category: Option<&str>,
        rating: Option<&str>,
        first_rating: Option<&str>,
    ) -> Stored {
        Stored {
            kind: kind.to_owned(),
            status: status.to_owned(),
            level: level.map(str::to_owned),
            supervision: supervision.to_owned(),
            reply_category: reply_category.map(str::to_owned),
            rating: rating.map(str::to_owned),
            first_rating: first_rating.map(str::to_owned),
        }
    }
}

/// Every kind, state, level, supervision, reply category and rating at least once, and each
/// nullable column empty at least once, in the strings the columns held before they were typed.
fn old_rows() -> Vec<Stored> {
    let d = "deputy_suggestion";
    let s = "station_case";
    vec![
        Stored::of(d, "draft", Some("township"), "none", None, None, None),
        Stored::of(d, "submitted", Some("county"), "normal", None, None, None),
        Stored::of(s, "accepted", None, "key", None, None, None),
        Stored::of(s, "assigned", None, "normal", None, None, None),
        Stored::of(
            d,
            "in_progress",
            Some("city"),
            "key",
            Some("A"),
            Some("dissatisfied"),
            Some("dissatisfied"),
        ),
        Stored::of(s, "replied", None, "none", Some("B"), None, None),
        Stored::of(
            d,
            "closed",
            Some("county"),
            "none",
            Some("C"),
            Some("satisfied"),
            Some("basically_satisfied"),
        ),
        Stored::of(
            s,
            "closed",
            None,
            "normal",
            Some("A"),
            Some("basically_satisfied"),
            Some("satisfied"),
        ),
        Stored::of(d, "withdrawn", Some("township"), "none", None, None, None),
        Stored::of(s, "escalated", None, "none", None, None, None),
    ]
}

/// `n` placeholders in the backend's dialect, numbered from 1.
fn placeholders(backend: DatabaseBackend, n: usize) -> String {
    (1..=n)
        .map(|i| match backend {
            DatabaseBackend::Postgres => format!("${i}"),
            _ => "?".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn execute(app: &TestApp, sql: String, values: Vec<Sql>) {
    app.db()
        .writer()
        .execute_raw(Statement::from_sql_and_values(
            app.db().backend(),
            sql,
            values,
        ))
        .await
        .expect("raw statement");
}

fn text(value: &Option<String>) -> Sql {
    Sql::from(value.clone())
}

/// Writes `row` as case `id` with raw SQL, and one event into its status from the one before
/// (`from`), strings as given: nothing of the application's types is involved.
async fn insert_old(
    app: &TestApp,
    id: Uuid,
    row: &Stored,
    from: Option<&str>,
    place: (Uuid, Uuid, Uuid),
) {
    let (category, region, station) = place;
    let at = Utc
        .with_ymd_and_hms(2025, 6, 1, 2, 0, 0)
        .single()
        .expect("instant");
    let backend = app.db().backend();
    let closed = (row.status == "closed").then_some(at);
    execute(
        app,
        format!(
            "INSERT INTO suggestions (id, kind, status, title, content, category_id, region_id, \
             station_id, level, supervision, reply_category, reply_text, rating, first_rating, \
             reopen_count, flagged, version, created_at, updated_at, closed_at) VALUES ({})",
            placeholders(backend, 20)
        ),
        vec![
            id.into(),
            row.kind.clone().into(),
            row.status.clone().into(),
            format!("旧数据 {}", row.status).into(),
            "旧数据的内容".into(),
            category.into(),
            region.into(),
            station.into(),
            text(&row.level),
            row.supervision.clone().into(),
            text(&row.reply_category),
            text(&row.reply_category.as_ref().map(|_| "答复".to_owned())),
            text(&row.rating),
            text(&row.first_rating),
            0i32.into(),
            false.into(),
            1i32.into(),
            at.into(),
            at.into(),
            Sql::from(closed),
        ],
    )
    .await;
    execute(
        app,
        format!(
            "INSERT INTO suggestion_events (id, suggestion_id, at, action, from_status, \
             to_status, actor_id, actor_role, note, details) VALUES ({})",
            placeholders(backend, 10)
        ),
        vec![
            Uuid::now_v7().into(),
            id.into(),
            at.into(),
            "create".into(),
            Sql::from(from.map(str::to_owned)),
            row.status.clone().into(),
            Sql::from(None::<Uuid>),
            Sql::from(None::<String>),
            Sql::from(None::<String>),
            json!({}).into(),
        ],
    )
    .await;
}

/// The stored strings of case `id`, read with raw SQL.
async fn stored(app: &TestApp, id: &str) -> Stored {
    let id: Uuid = id.parse().expect("uuid");
    let backend = app.db().backend();
    let row = app
        .db()
        .reader()
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT kind, status, level, supervision, reply_category, rating, first_rating \
                 FROM suggestions WHERE id = {}",
                placeholders(backend, 1)
            ),
            [id.into()],
        ))
        .await
        .expect("query")
        .expect("the case");
    let get = |column: &str| -> Option<String> { row.try_get("", column).expect(column) };
    Stored {
        kind: get("kind").expect("kind"),
        status: get("status").expect("status"),
        level: get("level"),
        supervision: get("supervision").expect("supervision"),
        reply_category: get("reply_category"),
        rating: get("rating"),
        first_rating: get("first_rating"),
    }
}

/// The (from, to) strings of case `id`'s events, oldest first, read with raw SQL.
async fn stored_steps(app: &TestApp, id: &str) -> Vec<(Option<String>, String)> {
    let id: Uuid = id.parse().expect("uuid");
    let backend = app.db().backend();
    app.db()
        .reader()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT from_status, to_status FROM suggestion_events WHERE suggestion_id = {} \
                 ORDER BY at, id",
                placeholders(backend, 1)
            ),
            [id.into()],
        ))
        .await
        .expect("query")
        .into_iter()
        .map(|r| {
            (
                r.try_get("", "from_status").expect("from_status"),
                r.try_get("", "to_status").expect("to_status"),
            )
        })
        .collect()
}

async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

fn opt(value: &Option<String>) -> Value {
    value.as_ref().map_or(Value::Null, |v| json!(v))
}

#[tokio::test]
async fn rows_stored_in_the_old_strings_read_back_through_the_api() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let admin = &s.admin.access;
    let category = any_category(app.db()).await;
    let station: Uuid = s.station.parse().expect("uuid");
    let rows = old_rows();
    let mut ids = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let id = Uuid::now_v7();
        let from = i.checked_sub(1).map(|j| rows[j].status.as_str());
        insert_old(&app, id, row, from, (category, s.town, station)).await;
        ids.push((id, from));
    }

    for ((id, from), row) in ids.iter().zip(&rows) {
        let case = json_of(
            app.get(&format!("/api/v1/suggestions/{id}"), Some(admin))
                .await,
        )
        .await;
        assert_eq!(case["kind"], row.kind.as_str(), "{case}");
        assert_eq!(case["status"], row.status.as_str(), "{case}");
        assert_eq!(case["level"], opt(&row.level), "{case}");
        assert_eq!(case["supervision"], row.supervision.as_str(), "{case}");
        assert_eq!(case["reply_category"], opt(&row.reply_category), "{case}");
        assert_eq!(case["rating"], opt(&row.rating), "{case}");
        let poll = json_of(
            app.get(&format!("/api/v1/suggestions/{id}/status"), Some(admin))
                .await,
        )
        .await;
        assert_eq!(poll["status"], row.status.as_str());
        let events = json_of(
            app.get(&format!("/api/v1/suggestions/{id}/events"), Some(admin))
                .await,
        )
        .await;
        assert_eq!(events[0]["from"], json!(from), "{events}");
        assert_eq!(events[0]["to"], row.status.as_str(), "{events}");
    }

    // The filters compare with the stored strings.
    for status in [
        "draft",
        "submitted",
        "accepted",
        "assigned",
        "in_progress",
        "replied",
        "closed",
        "withdrawn",
        "escalated",
    ] {
        let page = json_of(
            app.get(&format!("/api/v1/suggestions?status={status}"), Some(admin))
                .await,
        )
        .await;
        let expected = rows.iter().filter(|r| r.status == status).count();
        assert_eq!(
            page["items"].as_array().map(Vec::len),
            Some(expected),
            "{status}"
        );
    }
    for (query, expected) in [
        ("kind=station_case", 5),
        ("kind=deputy_suggestion", 5),
        ("supervised=true", 5),
        ("supervised=false", 5),
    ] {
        let page = json_of(
            app.get(&format!("/api/v1/suggestions?{query}"), Some(admin))
                .await,
        )
        .await;
        assert_eq!(
            page["items"].as_array().map(Vec::len),
            Some(expected),
            "{query}"
        );
    }

    // The public list shows the two closed cases, their kinds, categories and ratings.
    let public = json_of(app.get("/api/v1/public/cases", None).await).await;
    let mut shown: Vec<(String, String, String)> = public["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                str_of(c, "kind").to_owned(),
                str_of(c, "reply_category").to_owned(),
                str_of(c, "rating").to_owned(),
            )
        })
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        [
            ("deputy_suggestion", "C", "satisfied"),
            ("station_case", "A", "basically_satisfied"),
        ]
        .map(|(k, c, r)| (k.to_owned(), c.to_owned(), r.to_owned()))
    );
    let filtered = json_of(app.get("/api/v1/public/cases?reply_category=C", None).await).await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));

    // The cases export writes the first rating too, in the stored strings.
    let export = app
        .csv_export(
            "/api/v1/exports/suggestions.csv?from=2025-01-01&to=2025-12-31",
            admin,
        )
        .await;
    let column = |name: &str| export.column(name);
    let mut exported: Vec<Stored> = export
        .data()
        .iter()
        .map(|r| {
            let cell = |name: &str| Some(r[column(name)].clone()).filter(|c| !c.is_empty());
            Stored {
                kind: r[column("kind")].clone(),
                status: r[column("status")].clone(),
                level: cell("level"),
                supervision: r[column("supervision")].clone(),
                reply_category: cell("reply_category"),
                rating: cell("rating"),
                first_rating: cell("first_rating"),
            }
        })
        .collect();
    let key = |r: &Stored| format!("{r:?}");
    exported.sort_by_key(key);
    let mut expected = rows.clone();
    expected.sort_by_key(key);
    assert_eq!(exported, expected);
}

#[tokio::test]
async fn cases_moved_through_the_api_store_the_old_strings() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let lead = app.login(&l.s.deputy_users[0], PASSWORD).await;
    let unit = &l.h_bureau.access;
    let create = async |body: Value, token: &str| -> String {
        let created = app.post("/api/v1/suggestions", Some(token), &body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let case: Value = created.json().await.expect("json");
        str_of(&case, "id").to_owned()
    };
    let deputy_suggestion = |level: &str| json!({"kind": "deputy_suggestion", "title": format!("{level} 建议"), "content": "建议内容。", "category": "urban_management", "level": level, "station_id": l.s.station});
    let supervise = async |id: &str, level: &str| {
        let path = format!("/api/v1/suggestions/{id}/supervise");
        let response = app
            .post(&path, Some(staff), &json!({"level": level, "note": "督办"}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    };
    let d = "deputy_suggestion";

    // A township suggestion around the loop, reopened once.
    let id = create(deputy_suggestion("township"), &lead.access).await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of(d, "draft", Some("township"), "none", None, None, None)
    );
    ok(&app, &lead.access, &id, json!({"action": "submit"})).await;
    assert_eq!(stored(&app, &id).await.status, "submitted");
    ok(&app, staff, &id, json!({"action": "pre_review_pass"})).await;
    assert_eq!(stored(&app, &id).await.status, "accepted");
    supervise(&id, "normal").await;
    assert_eq!(stored(&app, &id).await.supervision, "normal");
    ok(
        &app,
        staff,
        &id,
        json!({"action": "assign", "lead_unit_id": l.bureau}),
    )
    .await;
    assert_eq!(stored(&app, &id).await.status, "assigned");
    ok(&app, unit, &id, json!({"action": "acknowledge"})).await;
    assert_eq!(stored(&app, &id).await.status, "in_progress");
    let reply = |category: &str| json!({"action": "reply", "reply_category": category, "reply_text": "答复"});
    ok(&app, unit, &id, reply("A")).await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of(
            d,
            "replied",
            Some("township"),
            "normal",
            Some("A"),
            None,
            None
        )
    );
    let rate = |rating: &str| json!({"action": "rate", "rating": rating});
    ok(&app, &lead.access, &id, rate("dissatisfied")).await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of(
            d,
            "in_progress",
            Some("township"),
            "normal",
            Some("A"),
            Some("dissatisfied"),
            Some("dissatisfied")
        )
    );
    ok(&app, unit, &id, reply("B")).await;
    ok(&app, &lead.access, &id, rate("basically_satisfied")).await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of(
            d,
            "closed",
            Some("township"),
            "normal",
            Some("B"),
            Some("basically_satisfied"),
            Some("dissatisfied")
        )
    );
    let steps: Vec<(Option<&str>, &str)> = vec![
        (None, "draft"),
        (Some("draft"), "submitted"),
        (Some("submitted"), "accepted"),
        (Some("accepted"), "accepted"),
        (Some("accepted"), "assigned"),
        (Some("assigned"), "in_progress"),
        (Some("in_progress"), "replied"),
        (Some("replied"), "in_progress"),
        (Some("in_progress"), "replied"),
        (Some("replied"), "closed"),
    ];
    assert_eq!(
        stored_steps(&app, &id).await,
        steps
            .into_iter()
            .map(|(f, t)| (f.map(str::to_owned), t.to_owned()))
            .collect::<Vec<_>>()
    );

    // A city suggestion under key supervision, replied C and rated satisfied at once.
    let id = create(deputy_suggestion("city"), &lead.access).await;
    ok(&app, &lead.access, &id, json!({"action": "submit"})).await;
    ok(&app, staff, &id, json!({"action": "pre_review_pass"})).await;
    supervise(&id, "key").await;
    ok(
        &app,
        staff,
        &id,
        json!({"action": "assign", "lead_unit_id": l.bureau}),
    )
    .await;
    ok(&app, unit, &id, json!({"action": "acknowledge"})).await;
    ok(&app, unit, &id, reply("C")).await;
    ok(&app, &lead.access, &id, rate("satisfied")).await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of(
            d,
            "closed",
            Some("city"),
            "key",
            Some("C"),
            Some("satisfied"),
            Some("satisfied")
        )
    );

    // A county suggestion withdrawn as a draft.
    let id = create(deputy_suggestion("county"), &lead.access).await;
    ok(&app, &lead.access, &id, json!({"action": "withdraw"})).await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of(d, "withdrawn", Some("county"), "none", None, None, None)
    );

    // A station case escalated into a county deputy suggestion.
    let id = create(
        json!({"kind": "station_case", "title": "公交线路调整", "content": "需县级统筹。", "category": "roads_transport", "station_id": l.s.station}),
        staff,
    )
    .await;
    assert_eq!(
        stored(&app, &id).await,
        Stored::of("station_case", "accepted", None, "none", None, None, None)
    );
    let escalated = ok(
        &app,
        staff,
        &id,
        json!({"action": "escalate", "level": "county", "author_ids": [l.s.deputies[0]]}),
    )
    .await;
    assert_eq!(stored(&app, &id).await.status, "escalated");
    let higher = str_of(&escalated, "escalated_to").to_owned();
    assert_eq!(
        stored(&app, &higher).await,
        Stored::of(d, "draft", Some("county"), "none", None, None, None)
    );
}
