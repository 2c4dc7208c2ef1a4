//! CSV out of the app: every cell made safe to open in a spreadsheet.
use axum::{
    http::header,
    response::{IntoResponse, Response},
};

use super::error::AppError;

/// A spreadsheet cell that cannot run as a formula (`=`, `+`, `-`, `@`, tab, CR lead).
pub fn csv_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() }
}

/// A header row and the rows, every cell through `csv_cell`.
pub fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    for row in rows {
        out.write_record(row.iter().map(|c| csv_cell(c))).map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    }
    Ok(out.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?)
}

/// A CSV download.
pub fn csv_response(bytes: Vec<u8>, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (raw, safe) in [("=1+1", "'=1+1"), ("+x", "'+x"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("ok", "ok")] {
            assert_eq!(csv_cell(raw), safe);
        }
    }
}
