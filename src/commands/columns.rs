//! Aligned columns under a header, the text form of every listing (`log`,
//! `history`): each column as wide as its widest cell, counted in
//! characters, two spaces between, control characters escaped.

use std::io::Write;

/// Writes `header` and `rows` in aligned columns.
pub fn write_columns<R: AsRef<[String]>>(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[R],
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(crate::ui::printable(cell).chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let lines = std::iter::once(header.as_slice()).chain(rows.iter().map(AsRef::as_ref));
    for cells in lines {
        let mut line = String::new();
        for (cell, width) in cells.iter().zip(&widths) {
            let cell = crate::ui::printable(cell);
            line.push_str(&cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
