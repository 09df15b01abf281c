//! `GET /api/v1/exports/{kind}.csv` and `GET /api/v1/exports/{kind}.xlsx`.

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{ExportFilters, ExportKind, ExportPath};
use super::service::table::{Pages, Table};
use super::service::{submissions, suggestions, summaries};
use super::{csv_body, xlsx_body};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::client::client_info;
use crate::http::params::Query;
use crate::i18n::Lang;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(csv).service(xlsx);
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An export as CSV: UTF-8 with a byte-order mark (so that Excel on a Chinese Windows opens it
/// as UTF-8), headings in the `Accept-Language` language (Chinese by default), CRLF line ends.
/// Streamed as it is read, a thousand rows at a time, so a year of a whole district downloads
/// without the service holding it. Administrators export their region, station staff their
/// stations; deputies read their own record at `/deputies/{id}/performance`. Phone numbers are
/// masked unless `reveal=true`. Every export is audited. Should the database fail part-way, the
/// download is cut short (never ends cleanly), so a partial file cannot pass for a whole one.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ExportPath, ExportFilters),
    responses(
        (status = 200, description = "The rows", content_type = "text/csv; charset=utf-8", body = String),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/exports/{kind}.csv")]
async fn csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ExportPath>,
    filters: Query<ExportFilters>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::negotiate(&req);
    let (table, stem) = prepare(
        &req,
        &state,
        &caller,
        path.kind,
        filters.into_inner(),
        lang,
        "csv",
    )
    .await?;
    let body = csv_body::stream(state.db.reader().clone(), table, lang);
    Ok(download(lang, "text/csv; charset=utf-8", &stem, "csv").streaming(body))
}

/// The same export as an Excel workbook: the same columns, numbers as numbers, local times as
/// text (`2026-03-05 14:02:11`). A sheet past Excel's 1,048,576 rows goes on in another sheet.
/// The workbook is written to a temporary file in the writer's constant-memory mode, then sent
/// with its length.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ExportPath, ExportFilters),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::http::docs::BinaryBody),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/exports/{kind}.xlsx")]
async fn xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ExportPath>,
    filters: Query<ExportFilters>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::negotiate(&req);
    let kind = path.kind;
    let (table, stem) = prepare(
        &req,
        &state,
        &caller,
        kind,
        filters.into_inner(),
        lang,
        "xlsx",
    )
    .await?;
    let (file, len) = xlsx_body::build(state.db.reader(), table, lang, kind.as_str()).await?;
    let body = SizedStream::new(len, read_chunks(tokio::fs::File::from_std(file)));
    Ok(download(lang, XLSX, &stem, "xlsx").body(body))
}

/// The response head of a download.
fn download(
    lang: Lang,
    content_type: &'static str,
    stem: &str,
    extension: &str,
) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{stem}.{extension}\""),
        ))
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        // Personal data: no cache keeps a copy.
        .insert_header((header::CACHE_CONTROL, crate::http::cache::NO_STORE));
    res
}

/// Checks the caller and the filters, records the export, and sets up its table; also the
/// file's name without extension (`submissions-2026-01-01-2026-11-23`).
async fn prepare(
    req: &HttpRequest,
    state: &AppState,
    caller: &AuthUser,
    kind: ExportKind,
    f: ExportFilters,
    lang: Lang,
    format: &'static str,
) -> Result<(Table, String), ApiError> {
    let db = state.db.reader();
    let reach = Reach::of(db, caller, f.region_id, f.station_id).await?;
    let (year, year_period) = Period::year(f.year);
    let (period, stem) = if kind.by_year() {
        (year_period, format!("{}-{year}", kind.as_str()))
    } else {
        let period = Period::resolve(f.from, f.to, crate::domain::local_time::today())?;
        (
            period,
            format!("{}-{}-{}", kind.as_str(), period.from, period.to),
        )
    };
    let reveal = f.reveal.unwrap_or(false);
    let table = match kind {
        ExportKind::Submissions => Table {
            columns: submissions::COLUMNS,
            pages: Pages::Submissions(submissions::Pager::new(&reach, period, reveal)),
        },
        ExportKind::Suggestions => Table {
            columns: suggestions::COLUMNS,
            pages: Pages::Suggestions(suggestions::Pager::new(&reach, period, reveal)),
        },
        ExportKind::Attendance => Table {
            columns: summaries::ATTENDANCE,
            pages: Pages::Ready(Some(
                summaries::attendance(db, caller, year, f.region_id, f.station_id).await?,
            )),
        },
        ExportKind::Performance => Table {
            columns: summaries::PERFORMANCE,
            pages: Pages::Ready(Some(summaries::performance(db, &reach, period).await?)),
        },
        ExportKind::Overview => Table {
            columns: summaries::OVERVIEW,
            pages: Pages::Ready(Some(summaries::overview(db, &reach, period, lang).await?)),
        },
    };
    let client = client_info(req);
    let txn = state.db.begin_write().await?;
    audit::record(
        &txn,
        Actor::user(caller, &client),
        Entry::new("export.download", "export", kind.as_str())
            .region(f.region_id.or(caller.region_id))
            .details(serde_json::json!({
                "format": format,
                "from": period.from,
                "to": period.to,
                "region_id": f.region_id,
                "station_id": f.station_id,
                "reveal": reveal,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok((table, stem))
}

/// `file` in 64 KiB chunks.
fn read_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
