//! What only the generated code calls.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};

/// Deserialises a string enum that keeps values it does not know: a listed value through the
/// enum's (strict) `FromStr`, any other string through `unknown`. Known values borrow the input
/// and allocate nothing.
pub fn deserialize_open_enum<'de, D, T>(
    deserializer: D,
    unknown: fn(String) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    struct OpenEnum<T> {
        unknown: fn(String) -> T,
        marker: PhantomData<T>,
    }

    impl<T: FromStr> Visitor<'_> for OpenEnum<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok(value
                .parse()
                .unwrap_or_else(|_| (self.unknown)(value.to_owned())))
        }

        fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
            match value.parse() {
                Ok(known) => Ok(known),
                Err(_) => Ok((self.unknown)(value)),
            }
        }
    }

    deserializer.deserialize_str(OpenEnum {
        unknown,
        marker: PhantomData,
    })
}
