//! The exports: refused requests change nothing; a submissions export pages through ties in
//! order without losing or repeating a row, masks phone numbers unless asked to reveal them,
//! defuses spreadsheet formulas, and is audited. (The generated-year tests in `stats.rs` and
//! `performance.rs` check the exports' figures against data known in advance.)

use chrono::{Duration, TimeZone, Utc};
use entity::{audit_event, submission};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::Value;
use tests::*;
use uuid::Uuid;

#[tokio::test]
async fn bad_export_requests_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let admin = &s.admin.access;
    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move { app.get(&path, token.as_deref()).await }
    };
    let admin_t = Some(admin.clone());

    assert_problem(
        get("/api/v1/exports/submissions.csv".into(), None).await,
        401,
        "unauthenticated",
    )
    .await;
    for path in [
        "/api/v1/exports/voters.csv",
        "/api/v1/exports/Submissions.xlsx",
    ] {
        assert_problem(get(path.into(), admin_t.clone()).await, 400, "invalid_path").await;
    }
    for path in ["/api/v1/exports/submissions.pdf", "/api/v1/exports/.csv"] {
        assert_problem(
            get(path.into(), admin_t.clone()).await,
            404,
            "route_not_found",
        )
        .await;
    }
    for query in [
        "from=2026-03-01&to=2026-02-01",
        "from=2020-01-01&to=2025-06-01",
        "from=1999-12-31",
        "to=2026-02-30",
        "reveal=yes",
        "region_id=not-a-uuid",
    ] {
        for format in ["csv", "xlsx"] {
            assert_problem(
                get(
                    format!("/api/v1/exports/submissions.{format}?{query}"),
                    admin_t.clone(),
                )
                .await,
                400,
                "invalid_query",
            )
            .await;
        }
    }
    for kind in ["attendance", "performance"] {
        assert_problem(
            get(
                format!("/api/v1/exports/{kind}.csv?year=1999"),
                admin_t.clone(),
            )
            .await,
            400,
            "invalid_query",
        )
        .await;
    }

    // Outside the caller's scope: 404, as everywhere.
    let town_admin = app.user_session("town-admin", "admin", Some(s.town)).await;
    assert_problem(
        get(
            format!("/api/v1/exports/overview.csv?region_id={}", s.district),
            Some(town_admin.access.clone()),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let elsewhere = app
        .create_station(admin, &station_body(s.district, "区联络站", 30.3, 120.3))
        .await;
    let elsewhere = str_of(&elsewhere, "id").to_owned();
    for kind in ["submissions", "attendance"] {
        assert_problem(
            get(
                format!("/api/v1/exports/{kind}.xlsx?station_id={elsewhere}"),
                Some(s.liaison.access.clone()),
            )
            .await,
            404,
            "not_found",
        )
        .await;
    }
    assert_problem(
        get(
            format!(
                "/api/v1/exports/suggestions.csv?region_id={}",
                Uuid::now_v7()
            ),
            admin_t.clone(),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // Neither voters, deputies nor unit handlers export.
    let voter = app.voter_session("v").await;
    let deputy = app.login(&s.deputy_users[0], PASSWORD).await;
    let handler = app
        .user_session("handler", "unit_handler", Some(s.district))
        .await;
    for token in [voter.access, deputy.access, handler.access] {
        for kind in ["submissions", "performance", "overview"] {
            assert_problem(
                get(format!("/api/v1/exports/{kind}.csv"), Some(token.clone())).await,
                403,
                "forbidden",
            )
            .await;
        }
    }
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'export.download'").await,
        0,
        "a refused export is not recorded"
    );
}

#[tokio::test]
async fn a_submissions_export_pages_through_ties_masks_phones_and_is_audited() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let admin = &s.admin.access;
    let station: Uuid = s.station.parse().expect("uuid");
    let category = tests::any_category(app.db()).await;
    // 2,345 rows (three pages and a bit) on five instants only, so that most pages begin in
    // the middle of a run of equal times; and one a second before the year.
    let base = Utc
        .with_ymd_and_hms(2025, 3, 1, 2, 0, 0)
        .single()
        .expect("instant");
    let n = 2345;
    let mut rows: Vec<submission::Model> = (0..n)
        .map(|i| {
            let mut row = submission_row(
                format!("T{i:06}"),
                category,
                s.town,
                Some(station),
                base + Duration::hours(i64::from(i % 5)),
            );
            if i == 7 {
                row.title = "=HYPERLINK(\"http://x\",\"点我\")".into();
                row.content = "请回电13812345678，谢谢".into();
                row.contact_name = Some("王先生".into());
                row.contact_phone = Some("13812345678".into());
                row.anonymous = false;
            }
            row
        })
        .collect();
    let outside = Utc
        .with_ymd_and_hms(2024, 12, 31, 15, 59, 59)
        .single()
        .expect("instant");
    rows.push(submission_row(
        "OUTSIDE".into(),
        category,
        s.town,
        Some(station),
        outside,
    ));
    for chunk in rows.chunks(500) {
        submission::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec(app.db().writer())
        .await
        .expect("rows");
    }

    let path = "/api/v1/exports/submissions.csv?from=2025-01-01&to=2025-12-31";
    let export = app.csv_export(path, admin).await;
    assert_eq!(export.data().len(), n as usize);
    let tracking = export.column("tracking_no");
    let mut numbers: Vec<&str> = export.data().iter().map(|r| r[tracking].as_str()).collect();
    let in_order = numbers.clone();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), n as usize, "no row twice, none lost");
    assert!(!numbers.contains(&"OUTSIDE"));
    let at = export.column("received_at");
    let times: Vec<&str> = export.data().iter().map(|r| r[at].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert_eq!(times[0], "2025-03-01 10:00:00", "local time");
    // Rows of the same instant come in the order they were written (their ids are time-ordered
    // and the keyset's tie-break is the id), across page and window boundaries alike.
    for (w, t) in in_order.windows(2).zip(times.windows(2)) {
        if t[0] == t[1] {
            assert!(w[0] < w[1], "{} before {} at {}", w[0], w[1], t[0]);
        }
    }

    // Masked by default; a formula typed by a person is shown, never run.
    let row7 = |e: &Export| {
        e.data()
            .iter()
            .find(|r| r[e.column("tracking_no")] == "T000007")
            .expect("row 7")
            .clone()
    };
    let r = row7(&export);
    assert_eq!(r[export.column("contact_phone")], "138****5678");
    assert_eq!(r[export.column("contact_name")], "王先生");
    assert!(
        !r[export.column("content")].contains("13812345678"),
        "{}",
        r[export.column("content")]
    );
    assert!(r[export.column("content")].starts_with("请回电138"));
    assert_eq!(
        r[export.column("title")],
        "'=HYPERLINK(\"http://x\",\"点我\")"
    );

    // Revealed on request; the workbook holds the text as text.
    let revealed = app.csv_export(&format!("{path}&reveal=true"), admin).await;
    let r = row7(&revealed);
    assert_eq!(r[revealed.column("contact_phone")], "13812345678");
    assert_eq!(r[revealed.column("content")], "请回电13812345678，谢谢");
    let book = app.xlsx_export(&path.replace(".csv", ".xlsx"), admin).await;
    assert_eq!(book.data().len(), n as usize);
    let r = row7(&book);
    assert_eq!(r[book.column("title")], "=HYPERLINK(\"http://x\",\"点我\")");
    assert_eq!(r[book.column("contact_phone")], "138****5678");

    // Station staff export their station; the headings follow the language.
    let mine = app.csv_export(path, &s.liaison.access).await;
    assert_eq!(mine.data().len(), n as usize);
    let zh = app
        .get(&format!("{path}&station_id={station}"), Some(admin))
        .await;
    let body = zh.bytes().await.expect("body");
    let text = String::from_utf8(body.to_vec()).expect("UTF-8");
    assert!(
        text.starts_with("\u{feff}受理编号,收到时间,渠道"),
        "{}",
        &text[..40]
    );
    assert_eq!(text.matches("\r\n").count(), n as usize + 1);

    // Every export is on the audit trail, with whether it revealed phones.
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("export.download"))
        .order_by_asc(audit_event::Column::OccurredAt)
        .order_by_asc(audit_event::Column::Id)
        .all(app.db().reader())
        .await
        .expect("audit");
    assert_eq!(audited.len(), 5);
    let details: Vec<&Value> = audited.iter().map(|e| &e.details).collect();
    assert!(
        audited
            .iter()
            .all(|e| e.target_id.as_deref() == Some("submissions"))
    );
    assert_eq!(details[0]["reveal"], false);
    assert_eq!(details[0]["format"], "csv");
    assert_eq!(details[0]["from"], "2025-01-01");
    assert_eq!(details[1]["reveal"], true);
    assert_eq!(details[2]["format"], "xlsx");
    assert_eq!(details[4]["station_id"], s.station);
}

#[tokio::test]
async fn an_empty_period_exports_the_headings_alone() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    for kind in ["submissions", "suggestions"] {
        let path = format!("/api/v1/exports/{kind}.csv?from=2001-01-01&to=2001-12-31");
        let export = app.csv_export(&path, &s.admin.access).await;
        assert_eq!(export.rows.len(), 1, "{kind}");
        let book = app
            .xlsx_export(&path.replace(".csv", ".xlsx"), &s.admin.access)
            .await;
        assert_eq!(book.rows, export.rows, "{kind}");
    }
}

#[tokio::test]
async fn a_cases_export_names_units_and_authors_and_masks_numbers_unless_revealed() {
    use entity::{suggestion, suggestion_author, suggestion_unit};
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let admin = &s.admin.access;
    let station: Uuid = s.station.parse().expect("uuid");
    let category = tests::any_category(app.db()).await;
    let mut units = Vec::new();
    for name in ["区住建局", "区城管局", "区交通局"] {
        let unit: Value = app
            .post(
                "/api/v1/units",
                Some(admin),
                &serde_json::json!({"region_id": s.district, "name": name, "kind": "bureau"}),
            )
            .await
            .json()
            .await
            .expect("json");
        units.push(str_of(&unit, "id").parse::<Uuid>().expect("uuid"));
    }
    let created = Utc
        .with_ymd_and_hms(2025, 6, 1, 2, 0, 0)
        .single()
        .expect("instant");
    let case = suggestion::Model {
        kind: suggestion::Kind::DeputySuggestion,
        status: suggestion::State::Assigned,
        content: "请联系13812345678了解情况".into(),
        level: Some(suggestion::CongressLevel::County),
        lead_unit_id: Some(units[0]),
        ..suggestion_row("=1+1".into(), category, s.town, Some(station), created)
    };
    let id = case.id;
    suggestion::Entity::insert(case.into_active_model())
        .exec(app.db().writer())
        .await
        .expect("case");
    for (unit, lead) in [(units[0], true), (units[2], false), (units[1], false)] {
        suggestion_unit::Entity::insert(
            suggestion_unit::Model {
                suggestion_id: id,
                unit_id: unit,
                lead,
                input: None,
                input_at: None,
                case_updated_at: None,
            }
            .into_active_model(),
        )
        .exec(app.db().writer())
        .await
        .expect("unit");
    }
    // The second deputy leads, the first co-signs.
    for (position, deputy) in [(0i16, &s.deputies[1]), (1, &s.deputies[0])] {
        suggestion_author::Entity::insert(
            suggestion_author::Model {
                suggestion_id: id,
                deputy_id: deputy.parse().expect("uuid"),
                position,
            }
            .into_active_model(),
        )
        .exec(app.db().writer())
        .await
        .expect("author");
    }

    let path = "/api/v1/exports/suggestions.csv?from=2025-01-01&to=2025-12-31";
    let export = app.csv_export(path, admin).await;
    assert_eq!(export.data().len(), 1);
    let row = &export.data()[0];
    let cell = |h: &str| row[export.column(h)].as_str();
    assert_eq!(cell("id"), id.to_string());
    assert_eq!(cell("authors"), "代表1、代表0", "lead first");
    assert_eq!(cell("lead_unit"), "区住建局");
    // Co-units in one stable order (by id: here, the order the units were created in),
    // whatever the order they were added to the case in.
    assert_eq!(cell("co_units"), "区城管局、区交通局");
    assert_eq!(cell("title"), "'=1+1");
    assert_eq!(cell("level"), "county");
    assert!(
        !cell("content").contains("13812345678"),
        "{}",
        cell("content")
    );
    let revealed = app.csv_export(&format!("{path}&reveal=true"), admin).await;
    assert_eq!(
        revealed.data()[0][revealed.column("content")],
        "请联系13812345678了解情况"
    );
    // The station's liaison sees the case; a station case elsewhere would not be theirs.
    let mine = app.csv_export(path, &s.liaison.access).await;
    assert_eq!(mine.data().len(), 1);
}
