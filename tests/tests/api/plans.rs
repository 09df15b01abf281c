//! The planner's choices on the hottest queries, once its statistics are current.
//!
//! A plan is not a timing, so it is stable on a shared machine, and a bad one is a cliff, not a
//! slope: the load benchmark found every case read scanning the whole `suggestions` table on
//! SQLite once `ANALYZE` had run, because the index it should have used was judged useless.
//! These tests fill a table the way a district does, analyze it as the service does in
//! operation, and ask the database how it would run the service's own query.

use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, QueryTrait, Statement};
use tests::{TestApp, spawn_app, suggestion_row};

/// How the database would run `query`, one line per plan node.
async fn plan_of(app: &TestApp, query: Statement) -> Vec<String> {
    let explain = if app.is_postgres() {
        "EXPLAIN"
    } else {
        "EXPLAIN QUERY PLAN"
    };
    let column = if app.is_postgres() {
        "QUERY PLAN"
    } else {
        "detail"
    };
    let statement = Statement {
        sql: format!("{explain} {}", query.sql),
        ..query
    };
    // A connection opened after the statistics were taken, as the service's are after a
    // restart: SQLite reads them when a connection loads the schema.
    sea_orm::Database::connect(&app.settings.database_url)
        .await
        .expect("a connection")
        .query_all_raw(statement)
        .await
        .expect("explain")
        .iter()
        .map(|row| row.try_get::<String>("", column).expect("a plan line"))
        .collect()
}

/// The planner's statistics as the service keeps them: the maintenance job's `PRAGMA optimize`
/// on SQLite, autovacuum's `ANALYZE` on PostgreSQL.
async fn analyze(app: &TestApp) {
    if app.is_postgres() {
        app.db()
            .writer()
            .execute_unprepared("ANALYZE suggestions")
            .await
            .expect("analyze");
    } else {
        app.db().optimize().await.expect("optimize");
    }
}

#[tokio::test]
async fn a_case_read_finds_its_escalation_through_the_index_not_a_scan() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let station: uuid::Uuid = s.station.parse().expect("uuid");
    let category = tests::any_category(app.db()).await;
    let created = chrono::Utc::now() - chrono::Duration::days(30);
    // Thousands of station cases, none escalated into a deputy suggestion when the statistics
    // are taken: as in a district, where almost none ever is.
    let cases: Vec<_> = (0..3000)
        .map(|i| suggestion_row(format!("案件{i}"), category, s.town, Some(station), created))
        .collect();
    tests::insert_suggestions(app.db(), &cases).await;
    analyze(&app).await;
    let escalated = &cases[1234];
    let higher = entity::suggestion::Model {
        kind: entity::suggestion::Kind::DeputySuggestion,
        status: entity::suggestion::State::Draft,
        escalated_from: Some(escalated.id),
        ..suggestion_row("上交".into(), category, s.town, Some(station), created)
    };
    entity::suggestion::Entity::insert(higher.clone().into_active_model())
        .exec(app.db().writer())
        .await
        .expect("the escalated suggestion");

    // One case (a case's page, a transition's answer) and a page of them (a list).
    for some in [&cases[1234..1235], &cases[0..20]] {
        let ids: Vec<_> = some.iter().map(|c| c.id).collect();
        let query =
            api::routes::suggestions::service::escalations_from(&ids).build(app.db().backend());
        let plan = plan_of(&app, query).await;
        assert!(
            plan.iter()
                .any(|line| line.contains("idx_suggestions_escalated_from")),
            "the escalation look-up of {} cases uses its index: {plan:?}",
            ids.len()
        );
        assert!(
            !plan.iter().any(|line| line.starts_with("SCAN suggestions")
                || line.contains("Seq Scan on suggestions")),
            "and does not scan the table: {plan:?}"
        );
    }
    // The query still answers what it is for.
    let links = api::routes::suggestions::service::links(app.db().reader(), escalated.id)
        .await
        .expect("links");
    assert_eq!(links.escalated_to, Some(higher.id));
    let links = api::routes::suggestions::service::links(app.db().reader(), cases[7].id)
        .await
        .expect("links");
    assert_eq!(links.escalated_to, None);
}
