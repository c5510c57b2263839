//! Typed columns: what a table's rows hold, named and typed once, for the tidy CSV of
//! `report` and the Parquet tables of `export`.
//!
//! A row type declared with the crate's `record!` macro lists its fields once; from
//! that list it knows its schema (each column's name, type and whether a cell may be empty)
//! and hands over its cells in the same order, so a writer's header and its rows cannot
//! disagree.

use std::sync::Arc;

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`.
    Bool,
    /// An unsigned 8-bit integer.
    U8,
    /// An unsigned 16-bit integer.
    U16,
    /// An unsigned 32-bit integer.
    U32,
    /// An unsigned 64-bit integer.
    U64,
    /// A single-precision float.
    F32,
    /// A double-precision float.
    F64,
    /// UTF-8 text.
    Text,
}

/// A column: its name, its type and whether a cell may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// Type of its values.
    pub kind: Kind,
    /// Whether a cell may be empty (null).
    pub nullable: bool,
}

impl Field {
    /// The column `name` holding values of type `T`.
    pub fn of<T: Value>(name: &str) -> Field {
        Field {
            name: name.to_string(),
            kind: T::KIND,
            nullable: T::NULLABLE,
        }
    }
}

/// One cell. Unsigned integers of every width travel as `U64`; the column's [`Kind`] says
/// how wide they are stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// An unsigned integer.
    U64(u64),
    /// A single-precision float.
    F32(f32),
    /// A double-precision float.
    F64(f64),
    /// Text.
    Text(&'a str),
}

/// A cell as text: empty for null, floats in their shortest form that reads back to the same
/// number (`0.021`, `1e-7`), as JSON writes them.
impl std::fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => Ok(()),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::U64(x) => write!(f, "{x}"),
            Cell::F32(x) => write!(f, "{x:?}"),
            Cell::F64(x) => write!(f, "{x:?}"),
            Cell::Text(t) => f.write_str(t),
        }
    }
}

/// A Rust type a column can hold.
pub trait Value {
    /// The column type.
    const KIND: Kind;
    /// Whether a cell may be empty.
    const NULLABLE: bool = false;
    /// This value as a cell.
    fn cell(&self) -> Cell<'_>;
}

macro_rules! unsigned {
    ($($ty:ty => $kind:ident),*) => {
        $(impl Value for $ty {
            const KIND: Kind = Kind::$kind;
            fn cell(&self) -> Cell<'_> {
                Cell::U64(u64::from(*self))
            }
        })*
    };
}

unsigned!(u8 => U8, u16 => U16, u32 => U32, u64 => U64);

impl Value for bool {
    const KIND: Kind = Kind::Bool;
    fn cell(&self) -> Cell<'_> {
        Cell::Bool(*self)
    }
}

impl Value for f32 {
    const KIND: Kind = Kind::F32;
    fn cell(&self) -> Cell<'_> {
        Cell::F32(*self)
    }
}

impl Value for f64 {
    const KIND: Kind = Kind::F64;
    fn cell(&self) -> Cell<'_> {
        Cell::F64(*self)
    }
}

impl Value for String {
    const KIND: Kind = Kind::Text;
    fn cell(&self) -> Cell<'_> {
        Cell::Text(self)
    }
}

/// Shared text, for a name repeated on every row (an arm's) without a copy per row.
impl Value for Arc<str> {
    const KIND: Kind = Kind::Text;
    fn cell(&self) -> Cell<'_> {
        Cell::Text(self)
    }
}

impl<T: Value> Value for Option<T> {
    const KIND: Kind = T::KIND;
    const NULLABLE: bool = true;
    fn cell(&self) -> Cell<'_> {
        self.as_ref().map_or(Cell::Null, Value::cell)
    }
}

/// A row type: its columns, and its cells in the same order.
pub trait Record {
    /// The columns, in order.
    fn fields() -> Vec<Field>;
    /// Hands every cell of this row to `out`, in the order of [`Record::fields`].
    fn cells<'a>(&'a self, out: impl FnMut(Cell<'a>));
}

/// Two records side by side: the columns of the first, then those of the second (a key and
/// the measures it holds, say).
impl<A: Record, B: Record> Record for (A, B) {
    fn fields() -> Vec<Field> {
        let mut fields = A::fields();
        fields.extend(B::fields());
        fields
    }

    fn cells<'a>(&'a self, mut out: impl FnMut(Cell<'a>)) {
        self.0.cells(&mut out);
        self.1.cells(out);
    }
}

/// Declares a row struct and its [`Record`] implementation from one list of fields, so
/// the schema and the cells cannot drift apart. Attributes (docs, derives, serde options)
/// pass through.
macro_rules! record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty,)*
        }

        impl $crate::columns::Record for $name {
            fn fields() -> Vec<$crate::columns::Field> {
                vec![$($crate::columns::Field::of::<$ty>(stringify!($field))),*]
            }

            fn cells<'a>(&'a self, mut out: impl FnMut($crate::columns::Cell<'a>)) {
                $(out($crate::columns::Value::cell(&self.$field));)*
            }
        }
    };
}

pub(crate) use record;

#[cfg(test)]
mod tests {
    use super::*;

    record! {
        /// A row of every kind.
        struct Sample {
            flag: bool,
            small: u8,
            count: u32,
            big: u64,
            ratio: f64,
            maybe: Option<f32>,
            name: String,
        }
    }

    #[test]
    fn fields_and_cells_follow_the_declaration() {
        let names: Vec<(String, Kind, bool)> = Sample::fields()
            .into_iter()
            .map(|f| (f.name, f.kind, f.nullable))
            .collect();
        assert_eq!(
            names,
            vec![
                ("flag".to_string(), Kind::Bool, false),
                ("small".to_string(), Kind::U8, false),
                ("count".to_string(), Kind::U32, false),
                ("big".to_string(), Kind::U64, false),
                ("ratio".to_string(), Kind::F64, false),
                ("maybe".to_string(), Kind::F32, true),
                ("name".to_string(), Kind::Text, false),
            ]
        );
        let row = Sample {
            flag: true,
            small: 7,
            count: 70_000,
            big: u64::MAX,
            ratio: 0.25,
            maybe: None,
            name: "item-cf".into(),
        };
        let mut cells = Vec::new();
        row.cells(|c| cells.push(c));
        assert_eq!(
            cells,
            vec![
                Cell::Bool(true),
                Cell::U64(7),
                Cell::U64(70_000),
                Cell::U64(u64::MAX),
                Cell::F64(0.25),
                Cell::Null,
                Cell::Text("item-cf"),
            ]
        );
    }
}
