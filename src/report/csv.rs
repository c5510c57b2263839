//! CSV: the tidy table, one row per arm × compared metric (see `tidy`), written by the `csv`
//! crate from the rows' typed cells, so the header and every row have the same width.

use crate::columns::Record;

use super::tidy::arm_rows;
use super::Report;

/// Renders the CSV.
pub fn render(r: &Report) -> String {
    write(&arm_rows(r))
}

/// Any table of records as CSV text: a header of the column names, then a line per row;
/// empty cells for nulls.
pub fn write<R: Record>(rows: &[R]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut line: Vec<String> = R::fields().into_iter().map(|f| f.name).collect();
    out.write_record(&line)
        .expect("writing to memory cannot fail");
    for row in rows {
        line.clear();
        row.cells(|cell| line.push(cell.to_string()));
        out.write_record(&line)
            .expect("writing to memory cannot fail");
    }
    let bytes = out.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("every cell is UTF-8 text")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tidy::{ArmKey, Compared};

    #[test]
    fn names_with_commas_and_quotes_survive_a_round_trip() {
        let key = ArmKey {
            scenario: "a, \"b\"".into(),
            seed: 7,
            arm: "x\ny".into(),
            baseline: None,
            metric: "aov".into(),
            value: 0.1,
        };
        let text = write(&[(key, Compared::default())]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), header.len());
        assert_eq!(&rows[0][0], "a, \"b\"");
        assert_eq!(&rows[0][2], "x\ny");
        assert_eq!(&rows[0][3], "");
        assert_eq!(rows[0][5].parse::<f64>().unwrap(), 0.1);
    }
}
