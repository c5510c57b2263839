//! A Parquet table written as it grows, with arrow-rs's column writers (no Arrow arrays).
//!
//! Rows go into typed column buffers; [`Table::flush`] writes them as a row group, so a
//! caller streaming a long log holds one group's rows at a time. The file is written under
//! a hidden temporary name in its folder and renamed into place by [`Table::finish`]: a run
//! that fails or is dropped midway leaves no half-written table where a reader would look
//! (the temporary file is removed when the table is dropped, or by [`crate::signals`] on
//! SIGINT, SIGTERM and SIGHUP).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use tempfile::NamedTempFile;

use crate::columns::{Cell, Field, Kind, Record};
use crate::signals::{self, Tracked};

use super::ExportError;

/// One column's values of the row group being gathered.
enum Values {
    Bool(Vec<bool>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Text(Vec<ByteArray>),
}

struct Column {
    field: Field,
    values: Values,
    /// Definition levels of a nullable column: 1 for a value, 0 for a null.
    defs: Vec<i16>,
}

impl Column {
    fn new(field: Field) -> Self {
        let values = match field.kind {
            Kind::Bool => Values::Bool(Vec::new()),
            Kind::U8 | Kind::U16 | Kind::U32 => Values::Int32(Vec::new()),
            Kind::U64 => Values::Int64(Vec::new()),
            Kind::F32 => Values::Float(Vec::new()),
            Kind::F64 => Values::Double(Vec::new()),
            Kind::Text => Values::Text(Vec::new()),
        };
        Column {
            field,
            values,
            defs: Vec::new(),
        }
    }

    /// The column's Parquet type: unsigned integers are stored in the signed physical type
    /// of their width with an unsigned integer annotation, as the format specifies.
    fn parquet_type(&self) -> Result<Type, ParquetError> {
        let f = &self.field;
        let unsigned = |bits| {
            Some(LogicalType::Integer {
                bit_width: bits,
                is_signed: false,
            })
        };
        let (physical, logical) = match f.kind {
            Kind::Bool => (Physical::BOOLEAN, None),
            Kind::U8 => (Physical::INT32, unsigned(8)),
            Kind::U16 => (Physical::INT32, unsigned(16)),
            Kind::U32 => (Physical::INT32, unsigned(32)),
            Kind::U64 => (Physical::INT64, unsigned(64)),
            Kind::F32 => (Physical::FLOAT, None),
            Kind::F64 => (Physical::DOUBLE, None),
            Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        };
        let repetition = if f.nullable {
            Repetition::OPTIONAL
        } else {
            Repetition::REQUIRED
        };
        Type::primitive_type_builder(&f.name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()
    }

    fn push(&mut self, cell: Cell) -> Result<(), ParquetError> {
        if self.field.nullable {
            self.defs.push(i16::from(cell != Cell::Null));
        }
        match (cell, &mut self.values) {
            (Cell::Null, _) if self.field.nullable => {}
            (Cell::Bool(b), Values::Bool(v)) => v.push(b),
            // Stored as the bit pattern of the unsigned value, as the annotation says.
            (Cell::U64(x), Values::Int32(v)) => v.push(x as u32 as i32),
            (Cell::U64(x), Values::Int64(v)) => v.push(x as i64),
            (Cell::F32(x), Values::Float(v)) => v.push(x),
            (Cell::F64(x), Values::Double(v)) => v.push(x),
            (Cell::Text(t), Values::Text(v)) => {
                // A name repeated row after row (an arm's) shares one buffer.
                let same = v.last().filter(|last| last.data() == t.as_bytes()).cloned();
                v.push(same.unwrap_or_else(|| ByteArray::from(t)));
            }
            (cell, _) => {
                return Err(ParquetError::General(format!(
                    "column {} holds {:?} values, not {cell:?}",
                    self.field.name, self.field.kind
                )))
            }
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.defs.clear();
        match &mut self.values {
            Values::Bool(v) => v.clear(),
            Values::Int32(v) => v.clear(),
            Values::Int64(v) => v.clear(),
            Values::Float(v) => v.clear(),
            Values::Double(v) => v.clear(),
            Values::Text(v) => v.clear(),
        }
    }
}

/// A Parquet file being written under a temporary name.
pub(super) struct Table {
    /// Where the table goes once finished.
    path: PathBuf,
    temp: NamedTempFile,
    /// Removes `temp` should a signal end the process; dropped once it is renamed.
    tracked: Tracked,
    writer: SerializedFileWriter<File>,
    columns: Vec<Column>,
    /// Rows gathered since the last row group.
    rows: usize,
}

impl Table {
    /// Starts the table `name`.parquet in `dir` with the columns of `fields`; `metadata`
    /// goes into the file's key-value metadata.
    pub fn create(
        dir: &Path,
        name: &str,
        fields: Vec<Field>,
        metadata: &[(&str, String)],
    ) -> Result<Table, ExportError> {
        let path = dir.join(format!("{name}.parquet"));
        let prefix = format!(".{name}.parquet.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // A table is a file like any other: readable as the user's umask allows, not kept
        // to the owner as a temporary file would be.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(dir)
            .map_err(|e| ExportError::folder(dir, e))?;
        let tracked = signals::track(temp.path());
        let columns: Vec<Column> = fields.into_iter().map(Column::new).collect();
        let start = || -> Result<SerializedFileWriter<File>, ParquetError> {
            let types = columns
                .iter()
                .map(|c| c.parquet_type().map(Arc::new))
                .collect::<Result<Vec<_>, _>>()?;
            let schema = Type::group_type_builder("schema")
                .with_fields(types)
                .build()?;
            let kv = metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.to_string(), v.clone()))
                .collect();
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_key_value_metadata(Some(kv))
                .build();
            let file = temp.as_file().try_clone()?;
            SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
        };
        let writer = start().map_err(|e| ExportError::write(&path, e))?;
        Ok(Table {
            path,
            temp,
            tracked,
            writer,
            columns,
            rows: 0,
        })
    }

    /// Starts a table whose rows are `R`s.
    pub fn of<R: Record>(
        dir: &Path,
        name: &str,
        metadata: &[(&str, String)],
    ) -> Result<Table, ExportError> {
        Table::create(dir, name, R::fields(), metadata)
    }

    /// Rows gathered since the last row group.
    pub fn pending(&self) -> usize {
        self.rows
    }

    /// Adds a row.
    pub fn push<R: Record>(&mut self, row: &R) -> Result<(), ExportError> {
        let mut cells = self.columns.iter_mut();
        let mut result = Ok(());
        row.cells(|cell| {
            if result.is_ok() {
                result = match cells.next() {
                    Some(column) => column.push(cell),
                    None => Err(ParquetError::General("a row wider than its table".into())),
                };
            }
        });
        let missing = cells.len();
        self.finish_row(result, missing)
    }

    /// Adds a row given cell by cell, in column order.
    pub fn push_cells<'a>(
        &mut self,
        row: impl IntoIterator<Item = Cell<'a>>,
    ) -> Result<(), ExportError> {
        let mut cells = self.columns.iter_mut();
        let mut result = Ok(());
        for cell in row {
            result = match cells.next() {
                Some(column) => column.push(cell),
                None => Err(ParquetError::General("a row wider than its table".into())),
            };
            if result.is_err() {
                break;
            }
        }
        let missing = cells.len();
        self.finish_row(result, missing)
    }

    fn finish_row(
        &mut self,
        result: Result<(), ParquetError>,
        missing: usize,
    ) -> Result<(), ExportError> {
        let result = result.and_then(|()| match missing {
            0 => Ok(()),
            n => Err(ParquetError::General(format!("a row {n} cells short"))),
        });
        self.rows += 1;
        result.map_err(|e| ExportError::write(&self.path, e))
    }

    /// Writes the rows gathered so far as a row group.
    pub fn flush(&mut self) -> Result<(), ExportError> {
        if self.rows == 0 {
            return Ok(());
        }
        self.write_group()
            .map_err(|e| ExportError::write(&self.path, e))?;
        self.rows = 0;
        Ok(())
    }

    fn write_group(&mut self) -> Result<(), ParquetError> {
        let mut group = self.writer.next_row_group()?;
        for column in &mut self.columns {
            let mut writer = group
                .next_column()?
                .ok_or_else(|| ParquetError::General("fewer columns than fields".into()))?;
            let defs = column.field.nullable.then_some(column.defs.as_slice());
            match (&column.values, writer.untyped()) {
                (Values::Bool(v), ColumnWriter::BoolColumnWriter(w)) => {
                    w.write_batch(v, defs, None)
                }
                (Values::Int32(v), ColumnWriter::Int32ColumnWriter(w)) => {
                    w.write_batch(v, defs, None)
                }
                (Values::Int64(v), ColumnWriter::Int64ColumnWriter(w)) => {
                    w.write_batch(v, defs, None)
                }
                (Values::Float(v), ColumnWriter::FloatColumnWriter(w)) => {
                    w.write_batch(v, defs, None)
                }
                (Values::Double(v), ColumnWriter::DoubleColumnWriter(w)) => {
                    w.write_batch(v, defs, None)
                }
                (Values::Text(v), ColumnWriter::ByteArrayColumnWriter(w)) => {
                    w.write_batch(v, defs, None)
                }
                _ => Err(ParquetError::General(format!(
                    "column {} does not match its writer",
                    column.field.name
                ))),
            }?;
            writer.close()?;
            column.clear();
        }
        group.close()?;
        Ok(())
    }

    /// Writes the last row group and the footer, syncs the file and renames it into place.
    pub fn finish(mut self) -> Result<PathBuf, ExportError> {
        self.flush()?;
        let Table {
            path,
            temp,
            tracked,
            writer,
            ..
        } = self;
        let failed = |e: ParquetError| ExportError::write(&path, e);
        let mut file = writer.into_inner().map_err(failed)?;
        file.flush()
            .and_then(|()| file.sync_all())
            .map_err(|e| failed(e.into()))?;
        temp.persist(&path)
            .map_err(|e| failed(ParquetError::External(Box::new(e.error))))?;
        drop(tracked);
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::record;

    record! {
        struct Row {
            id: u32,
            share: Option<f64>,
            name: String,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn row(id: u32) -> Row {
        Row {
            id,
            share: (id % 2 == 0).then_some(0.5),
            name: format!("r{id}"),
        }
    }

    #[test]
    fn a_table_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut table = Table::of::<Row>(dir.path(), "t", &[]).unwrap();
        (0..10).for_each(|i| table.push(&row(i)).unwrap());
        table.flush().unwrap();
        table.push(&row(10)).unwrap();
        assert_eq!(names(dir.path()).len(), 1);
        assert!(names(dir.path())[0].starts_with(".t.parquet."));
        drop(table);
        assert!(
            names(dir.path()).is_empty(),
            "a dropped table leaves nothing"
        );

        let mut table = Table::of::<Row>(dir.path(), "t", &[("k", "v".into())]).unwrap();
        (0..3).for_each(|i| table.push(&row(i)).unwrap());
        let path = table.finish().unwrap();
        assert_eq!(names(dir.path()), ["t.parquet"]);
        let reader =
            parquet::file::reader::SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        use parquet::file::reader::FileReader;
        assert_eq!(reader.metadata().file_metadata().num_rows(), 3);
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut table = Table::of::<Row>(dir.path(), "t", &[]).unwrap();
        assert!(table.push_cells([Cell::U64(1)]).is_err());
        assert!(table
            .push_cells([Cell::Text("x"), Cell::Null, Cell::Text("y")])
            .is_err());
        assert!(table
            .push_cells([Cell::U64(1), Cell::Null, Cell::Null])
            .is_err());
    }
}
