//! The keys a table of optional keys sets, with their values, read through its derived
//! `Serialize`: a field written with `serialize_some` is set, one written with `serialize_none`
//! is not. No list of keys is kept by hand, and whether a key is set is read before its value
//! is converted (so nothing a value holds, a NaN say, can make a set key look unset). An attack
//! table is written back from these values in the order of its kind's struct.

use serde::ser::{self, Impossible, Serialize, SerializeStruct, Serializer};
use std::fmt;

/// The fields `v` sets, in declaration order (a field that is not an `Option` counts as set),
/// each with its value as TOML.
pub(crate) fn values_set<T: Serialize>(v: &T) -> Vec<(&'static str, toml::Value)> {
    let mut out = Vec::new();
    // Only a struct is read; anything else sets nothing.
    let _ = v.serialize(Fields(&mut out));
    out
}

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a struct of optional fields")
    }
}
impl std::error::Error for Stop {}
impl ser::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

/// Serialises a struct by noting its set fields and their values.
struct Fields<'a>(&'a mut Vec<(&'static str, toml::Value)>);

impl SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        // Err: the value is no Option (it went past serialize_some/none): it is there.
        if value.serialize(IsSome).unwrap_or(true) {
            // Every value read from TOML converts back (a key set by a library user to what
            // TOML cannot hold, an integer past i64, stops the table here).
            self.0
                .push((key, toml::Value::try_from(value).map_err(|_| Stop)?));
        }
        Ok(())
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

/// Answers whether a value is `Some`, without serialising what it holds.
struct IsSome;

/// The methods of a serializer that refuse: everything but what the serializer reads.
macro_rules! refuse {
    ($ok:ty; $($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ok, Stop> { Err(Stop) })*
    };
}

/// The compound serializers neither of ours ever hands out.
macro_rules! no_compounds {
    ($ok:ty) => {
        type SerializeSeq = Impossible<$ok, Stop>;
        type SerializeTuple = Impossible<$ok, Stop>;
        type SerializeTupleStruct = Impossible<$ok, Stop>;
        type SerializeTupleVariant = Impossible<$ok, Stop>;
        type SerializeMap = Impossible<$ok, Stop>;
        type SerializeStructVariant = Impossible<$ok, Stop>;
        refuse!($ok;
            serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
            serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
            serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
            serialize_str(&str), serialize_bytes(&[u8]), serialize_unit(),
            serialize_unit_struct(&'static str),
            serialize_unit_variant(&'static str, u32, &'static str),
        );
        fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<$ok, Stop> {
            Err(Stop)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<$ok, Stop> {
            Err(Stop)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
            Err(Stop)
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
            Err(Stop)
        }
        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Stop> {
            Err(Stop)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Stop> {
            Err(Stop)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
            Err(Stop)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Stop> {
            Err(Stop)
        }
    };
}

impl<'a> Serializer for Fields<'a> {
    type Ok = ();
    type Error = Stop;
    type SerializeStruct = Fields<'a>;
    no_compounds!(());
    fn serialize_none(self) -> Result<(), Stop> {
        Err(Stop)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Stop> {
        Err(Stop)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Stop> {
        Ok(self)
    }
}

impl Serializer for IsSome {
    type Ok = bool;
    type Error = Stop;
    type SerializeStruct = Impossible<bool, Stop>;
    no_compounds!(bool);
    fn serialize_none(self) -> Result<bool, Stop> {
        Ok(false)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<bool, Stop> {
        Ok(true)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct T {
        a: Option<u64>,
        b: Option<f64>,
        c: Option<Vec<u8>>,
        d: u8,
    }

    #[test]
    fn set_fields_are_seen_whatever_they_hold() {
        let t = T {
            a: Some(7),
            b: Some(f64::NAN),
            c: None,
            d: 0,
        };
        let set = values_set(&t);
        let keys: Vec<&str> = set.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["a", "b", "d"]);
        assert_eq!(set[0].1, toml::Value::Integer(7));
        assert!(set[1].1.as_float().is_some_and(f64::is_nan));
        assert!(values_set(&3u8).is_empty());
    }
}
