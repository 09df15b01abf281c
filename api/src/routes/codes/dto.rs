//! Wire types of the QR code and resolve endpoints.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::qr::{MAX_SIZE, MIN_SIZE};

/// The picture format of a QR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum QrFormatDto {
    /// Scalable, for print (the default).
    #[default]
    Svg,
    Png,
}

/// How to draw a QR code.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct QrParams {
    pub format: Option<QrFormatDto>,
    /// Width and height in pixels, at most; 128 to 2048 (default 512).
    #[validate(range(min = MIN_SIZE, max = MAX_SIZE))]
    #[param(minimum = 128, maximum = 2048, example = 512)]
    pub size: Option<u32>,
}

/// What a public code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodeTargetDto {
    Station,
    Deputy,
}

/// Where a scanned code leads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResolvedCodeDto {
    /// The code, normalised (upper case).
    #[schema(example = "S7K3M9QX")]
    pub code: String,
    pub kind: CodeTargetDto,
    pub id: Uuid,
    #[schema(example = "东湖街道人大代表中心联络站")]
    pub name: String,
    /// The API path of what it names.
    #[schema(example = "/api/v1/stations/0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e")]
    pub href: String,
}

/// A QR code picture: SVG text or PNG bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct QrPicture(#[allow(dead_code)] Vec<u8>);

impl From<QrFormatDto> for crate::qr::Format {
    fn from(f: QrFormatDto) -> Self {
        match f {
            QrFormatDto::Svg => crate::qr::Format::Svg,
            QrFormatDto::Png => crate::qr::Format::Png,
        }
    }
}
