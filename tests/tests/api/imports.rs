//! Bulk import of stations and deputies from CSV: all or nothing, idempotent, and every bad
//! file refused with the line and column to fix.

use reqwest::StatusCode;
use serde_json::Value;
use tests::{TestApp, assert_problem, count_rows, count_where, spawn_app};

const STATIONS: &str = "\u{feff}区域,类型,名称,地址,纬度,经度,开放时间,开放说明,电话,星级\n\
东街道,中心站,东街道中心联络站,东街 1 号,30.0100,120.0000,1-5 09:00-17:00; 6 09:00-12:00,逢6接待日,0571-87654321,4\n\
东街道,联络点,东湖社区联络点,东湖路 2 号,30.0200,120.0000,,,,\n\
西街道,community,西溪社区联络点,西溪路 3 号,,,,,13900001111,2\n";

async fn import(
    app: &TestApp,
    token: &str,
    what: &str,
    query: &str,
    csv: &str,
) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        &format!("/api/v1/imports/{what}{query}"),
        Some(token),
    )
    .header("content-type", "text/csv; charset=utf-8")
    .body(csv.to_owned())
    .send()
    .await
    .expect("request sent")
}

async fn report(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn outcomes(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

/// `(line, field, code)` of each error of an `import_failed` problem.
fn errors(problem: &Value) -> Vec<(u64, String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn stations_import_once_and_a_second_run_changes_nothing() {
    let app = spawn_app().await;
    let (district, _, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;

    let dry =
        report(import(&app, &admin.access, "stations", "?dry_run=true", STATIONS).await).await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["created"], 3);
    assert!(dry["rows"][0]["id"].is_null());
    assert_eq!(count_rows(app.db(), "stations").await, 0);

    let first = report(import(&app, &admin.access, "stations", "", STATIONS).await).await;
    assert_eq!(outcomes(&first), ["created", "created", "created"]);
    assert_eq!(first["rows"][0]["line"], 2);
    assert_eq!(first["rows"][0]["name"], "东街道中心联络站");
    let code = first["rows"][0]["public_code"].as_str().unwrap().to_owned();
    assert!(code.starts_with('S'));

    let found: Value = app
        .get("/api/v1/stations?near=30.0,120.0&radius_km=5", None)
        .await
        .json()
        .await
        .unwrap();
    let central = &found["items"][0];
    assert_eq!(central["name"], "东街道中心联络站");
    assert_eq!(central["kind"], "central");
    assert_eq!(central["star_rating"], 4);
    assert_eq!(
        central["opening_hours"]["periods"][0]["weekdays"],
        serde_json::json!([1, 2, 3, 4, 5])
    );
    assert_eq!(central["opening_hours"]["periods"][1]["closes"], "12:00");
    assert_eq!(central["opening_hours"]["note"], "逢6接待日");
    assert_eq!(central["checklist"]["label"], "0/9");
    assert_eq!(found["items"].as_array().unwrap().len(), 2);

    let again = report(import(&app, &admin.access, "stations", "", STATIONS).await).await;
    assert_eq!(outcomes(&again), ["unchanged", "unchanged", "unchanged"]);
    assert_eq!(count_rows(app.db(), "stations").await, 3);

    // A changed phone by public code, and a renamed station: updated in place.
    let changed = format!(
        "public_code,region,kind,name,address,phone\n\
         {code},东街道,central,东街道人大代表中心联络站,东街 1 号,0571-11112222\n"
    );
    let dry =
        report(import(&app, &admin.access, "stations", "?dry_run=true", &changed).await).await;
    assert_eq!(outcomes(&dry), ["updated"]);
    assert_eq!(
        count_where(app.db(), "stations", "phone = '0571-11112222'").await,
        0
    );
    let updated = report(import(&app, &admin.access, "stations", "", &changed).await).await;
    assert_eq!(outcomes(&updated), ["updated"]);
    assert_eq!(updated["rows"][0]["public_code"], code.as_str());
    assert_eq!(
        count_where(
            app.db(),
            "stations",
            "phone = '0571-11112222' AND name = '东街道人大代表中心联络站'"
        )
        .await,
        1
    );
    // Columns the file leaves out are kept.
    assert_eq!(
        count_where(
            app.db(),
            "stations",
            "star_rating = 4 AND latitude IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(count_rows(app.db(), "stations").await, 3);
}

#[tokio::test]
async fn deputies_import_with_their_stations_and_keep_phones_private() {
    let app = spawn_app().await;
    let (district, _, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;
    let stations = report(import(&app, &admin.access, "stations", "", STATIONS).await).await;
    let central_code = stations["rows"][0]["public_code"]
        .as_str()
        .unwrap()
        .to_owned();

    let deputies = format!(
        "姓名,性别,层级,选区,区域,任期开始,任期结束,职务,电话,公开电话,驻站\n\
         王芳,女,区,东街道第一选区,东街道,2026-01-01,2030/12/31,社区主任,13812341234,否,{central_code};东湖社区联络点\n\
         陈刚,男,乡镇,东街道第二选区,东街道,2026-01-01,,教师,0571-88776655,是,{central_code}\n\
         李明,男,national,全国第九选区,青山区,2023-03-01,2028-02-28,,,,\n"
    );
    let first = report(import(&app, &admin.access, "deputies", "", &deputies).await).await;
    assert_eq!(outcomes(&first), ["created", "created", "created"]);
    assert_eq!(count_rows(app.db(), "deputies").await, 3);
    assert_eq!(
        count_where(app.db(), "deputy_stations", "ended_on IS NULL").await,
        3
    );

    let central = stations["rows"][0]["id"].as_str().unwrap();
    let page = app
        .get(&format!("/api/v1/stations/{central}"), None)
        .await
        .text()
        .await
        .unwrap();
    let detail: Value = serde_json::from_str(&page).unwrap();
    assert_eq!(detail["deputies"].as_array().unwrap().len(), 2);
    assert!(
        !page.contains("13812341234") && !page.contains("****"),
        "{page}"
    );
    assert!(page.contains("0571-88776655"));
    let wang: Value = app
        .get(
            &format!(
                "/api/v1/deputies/{}",
                first["rows"][0]["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wang["level"], "county");
    assert_eq!(wang["gender"], "female");
    assert_eq!(wang["term_end"], "2030-12-31");
    assert_eq!(wang["stations"].as_array().unwrap().len(), 2);

    let again = report(import(&app, &admin.access, "deputies", "", &deputies).await).await;
    assert_eq!(outcomes(&again), ["unchanged", "unchanged", "unchanged"]);
    assert_eq!(count_rows(app.db(), "deputy_stations").await, 3);
    assert_eq!(count_rows(app.db(), "deputies").await, 3);

    // Moving 王芳 to one station ends the other stationing and keeps it as history.
    let moved = format!(
        "name,gender,level,constituency,region,term_start,stations\n\
         王芳,female,county,东街道第一选区,东街道,2026-01-01,{central_code}\n"
    );
    let result = report(import(&app, &admin.access, "deputies", "", &moved).await).await;
    assert_eq!(outcomes(&result), ["updated"]);
    assert_eq!(
        count_where(app.db(), "deputy_stations", "ended_on IS NOT NULL").await,
        1
    );
    // Columns the file leaves out are kept: the phone and the term's end.
    assert_eq!(
        count_where(
            app.db(),
            "deputies",
            "name = '王芳' AND phone = '13812341234' AND term_end IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn one_bad_row_writes_nothing_and_every_error_names_its_line_and_column() {
    let app = spawn_app().await;
    let (district, _, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;
    let file = "name,gender,level,constituency,region,term_start,term_end,phone\n\
                王芳,女,县,一选区,东街道,2026-01-01,2030-12-31,13812341234\n\
                陈刚,男,皇帝,二选区,东街道,2026-01-01,2025-12-31,12345\n\
                李明,男,县,三选区,南街道,2026-13-01,,\n\
                王芳,女,县,一选区,东街道,2026-01-01,2030-12-31,13812341234\n";
    let response = import(&app, &admin.access, "deputies", "", file).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    let found = errors(&problem);
    for expected in [
        (3, "level", "invalid_value"),
        (3, "phone", "invalid_phone"),
        (4, "region", "unknown_region"),
        (4, "term_start", "invalid_value"),
        (5, "row", "duplicate_row"),
    ] {
        assert!(
            found
                .iter()
                .any(|(l, f, c)| (*l, f.as_str(), c.as_str()) == expected),
            "{expected:?} in {found:?}"
        );
    }
    assert_eq!(count_rows(app.db(), "deputies").await, 0);

    let backwards = "name,gender,level,constituency,region,term_start,term_end\n\
                     陈刚,男,县,二选区,东街道,2026-01-01,2025-12-31\n";
    let response = import(&app, &admin.access, "deputies", "", backwards).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "term_end".to_owned(), "before_start".to_owned())]
    );

    let bad_station = "region,kind,name,address,latitude,longitude,star_rating\n\
                       东街道,central,好站,东街 1 号,30,120,3\n\
                       东街道,castle,坏站,东街 2 号,91,181,6\n\
                       东街道,community,半坐标站,东街 3 号,30,,\n";
    let response = import(&app, &admin.access, "stations", "", bad_station).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    let found = errors(&problem);
    for expected in [
        (3, "kind", "invalid_value"),
        (3, "latitude", "range"),
        (3, "longitude", "range"),
        (3, "star_rating", "range"),
        (4, "longitude", "required"),
    ] {
        assert!(
            found
                .iter()
                .any(|(l, f, c)| (*l, f.as_str(), c.as_str()) == expected),
            "{expected:?} in {found:?}"
        );
    }
    assert_eq!(count_rows(app.db(), "stations").await, 0);
}

#[tokio::test]
async fn bad_files_are_refused_whole() {
    let app = spawn_app().await;
    let (district, _, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;

    let missing = import(
        &app,
        &admin.access,
        "deputies",
        "",
        "name,gender\n王芳,女\n",
    )
    .await;
    let problem = assert_problem(missing, 422, "import_failed").await;
    let found = errors(&problem);
    assert!(
        found.contains(&(1, "level".into(), "missing_column".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(1, "term_start".into(), "missing_column".into())),
        "{found:?}"
    );

    let unknown = import(
        &app,
        &admin.access,
        "stations",
        "",
        "region,kind,name,address,colour\n",
    )
    .await;
    let problem = assert_problem(unknown, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(1, "colour".into(), "unknown_column".into())]
    );

    let empty = import(&app, &admin.access, "stations", "", "").await;
    let problem = assert_problem(empty, 422, "import_failed").await;
    assert_eq!(errors(&problem)[0].2, "empty_file");

    // 王芳 in GBK, as Excel saves "CSV" on a Chinese Windows.
    let gbk = app
        .request(reqwest::Method::POST, "/api/v1/imports/deputies", Some(&admin.access))
        .header("content-type", "text/csv")
        .body(b"name,gender,level,constituency,region,term_start\n\xcd\xf5\xb7\xbc,f,county,a,b,2026-01-01\n".to_vec())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(gbk, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "file".into(), "invalid_encoding".into())]
    );

    // 100,000 rows is over 5 MiB: refused before it is read.
    let row = "王芳,女,县,东街道第一选区,东街道,2026-01-01,2030-12-31,社区卫生服务中心主任\n";
    let huge = format!(
        "name,gender,level,constituency,region,term_start,term_end,occupation\n{}",
        row.repeat(100_000)
    );
    let response = import(&app, &admin.access, "deputies", "", &huge).await;
    assert_problem(response, 413, "payload_too_large").await;
    // 10,001 short rows fit in 5 MiB but not in the row limit.
    let many = format!(
        "name,gender,level,constituency,region,term_start\n{}",
        "a,男,县,b,c,2026-01-01\n".repeat(10_001)
    );
    let response = import(&app, &admin.access, "deputies", "", &many).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(errors(&problem)[0].2, "too_many_rows");

    let maybe = import(&app, &admin.access, "stations", "?dry_run=maybe", STATIONS).await;
    let problem = assert_problem(maybe, 400, "invalid_query").await;
    assert_eq!(tests::error_fields(&problem), ["dry_run"]);

    let json = app
        .post(
            "/api/v1/imports/stations",
            Some(&admin.access),
            &serde_json::json!({"rows": []}),
        )
        .await;
    assert_problem(json, 415, "unsupported_media_type").await;

    let broken = import(
        &app,
        &admin.access,
        "stations",
        "",
        "region,kind,name,address\n\"东街道,central,站,址\n",
    )
    .await;
    let problem = assert_problem(broken, 422, "import_failed").await;
    assert!(!errors(&problem).is_empty());

    assert_eq!(count_rows(app.db(), "deputies").await, 0);
    assert_eq!(count_rows(app.db(), "stations").await, 0);
}

#[tokio::test]
async fn imports_are_for_administrators_within_their_scope() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let east_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let root = app.root().await;
    report(import(&app, &root.access, "stations", "", STATIONS).await).await;

    // The east town's admin may not import into the west town, nor use its station.
    let response = import(&app, &east_admin.access, "stations", "", STATIONS).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(4, "region".into(), "unknown_region".into())]
    );
    let deputies = "name,gender,level,constituency,region,term_start,stations\n\
                    王芳,女,县,一选区,东街道,2026-01-01,西溪社区联络点\n";
    let response = import(&app, &east_admin.access, "deputies", "", deputies).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "stations".into(), "unknown_station".into())]
    );
    assert_eq!(count_rows(app.db(), "deputies").await, 0);

    let staff = app.user_session("staff", "station_staff", Some(east)).await;
    assert_problem(
        import(&app, &staff.access, "stations", "", STATIONS).await,
        403,
        "forbidden",
    )
    .await;
    let voter = app.voter_session("选民").await;
    assert_problem(
        import(&app, &voter.access, "deputies", "", deputies).await,
        403,
        "forbidden",
    )
    .await;
    let anonymous = app
        .client
        .post(app.url("/api/v1/imports/stations"))
        .header("content-type", "text/csv")
        .body(STATIONS)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthenticated").await;
    assert_eq!(count_rows(app.db(), "stations").await, 3);
}

#[tokio::test]
async fn stationing_at_an_archived_station_by_import_is_refused() {
    let app = spawn_app().await;
    let (_, _, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let stations = report(import(&app, &root.access, "stations", "", STATIONS).await).await;
    let id = stations["rows"][1]["id"].as_str().unwrap();
    let archived = app
        .delete(&format!("/api/v1/stations/{id}"), Some(&root.access))
        .await;
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);
    let deputies = "name,gender,level,constituency,region,term_start,stations\n\
                    王芳,女,县,一选区,东街道,2026-01-01,东湖社区联络点\n";
    let response = import(&app, &root.access, "deputies", "", deputies).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "stations".into(), "station_archived".into())]
    );
    assert_eq!(count_rows(app.db(), "deputies").await, 0);
}

#[tokio::test]
async fn rows_naming_what_is_not_there_or_not_one_thing_are_refused() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    // A second 东街道 in another district makes the name ambiguous for a global administrator.
    let other = app
        .create_region(&root.access, "白水区", "district", None)
        .await;
    app.create_region(&root.access, "东街道", "town", Some(other))
        .await;
    let file = "public_code,region,kind,name,address\n\
                S2345678,青山区,central,站一,址\n\
                ,东街道,central,站二,址\n\
                ,青山区,community,站三,址,多余\n";
    let response = import(&app, &root.access, "stations", "", file).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    let found = errors(&problem);
    assert!(
        found.contains(&(4, "file".into(), "column_count".into())),
        "{found:?}"
    );
    // Column count is checked when the file is read, before any row: it is reported alone.
    assert_eq!(found.len(), 1, "{found:?}");

    let file = "public_code,region,kind,name,address\n\
                S2345678,青山区,central,站一,址\n\
                ,东街道,central,站二,址\n";
    let response = import(&app, &root.access, "stations", "", file).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [
            (2, "public_code".into(), "unknown_code".into()),
            (3, "region".into(), "ambiguous_region".into()),
        ]
    );
    let deputies = "public_code,name,gender,level,constituency,region,term_start\n\
                    D2345678,王芳,女,县,一选区,青山区,2026-01-01\n";
    let response = import(&app, &root.access, "deputies", "", deputies).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "public_code".into(), "unknown_code".into())]
    );

    // The region's id is never ambiguous; two stations of one name are, for stationing.
    let by_id = format!(
        "region,kind,name,address\n{east},community,同名站,址一\n{district},community,同名站,址二\n"
    );
    report(import(&app, &root.access, "stations", "", &by_id).await).await;
    let deputies = format!(
        "name,gender,level,constituency,region,term_start,status,stations\n\
         王芳,女,县,一选区,{east},2026-01-01,active,同名站\n\
         陈刚,男,县,二选区,{east},2026-01-01,离任,\n"
    );
    let response = import(&app, &root.access, "deputies", "", &deputies).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "stations".into(), "ambiguous_station".into())]
    );
    assert_eq!(count_rows(app.db(), "deputies").await, 0);

    // Someone who left office is stationed nowhere, by import either.
    let station = app
        .create_station(
            &root.access,
            &tests::station_body(east, "唯一站", 30.0, 120.0),
        )
        .await;
    let left = format!(
        "name,gender,level,constituency,region,term_start,status,stations\n\
         陈刚,男,县,二选区,{east},2026-01-01,离任,{}\n",
        station["public_code"].as_str().unwrap()
    );
    let response = import(&app, &root.access, "deputies", "", &left).await;
    let problem = assert_problem(response, 422, "import_failed").await;
    assert_eq!(
        errors(&problem),
        [(2, "stations".into(), "deputy_left_office".into())]
    );
    assert_eq!(count_rows(app.db(), "deputies").await, 0);
}
