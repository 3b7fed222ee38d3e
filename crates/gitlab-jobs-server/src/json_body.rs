//! The JSON body of a success variant: a value the router serialises, or one an implementation
//! serialised earlier and kept (a cache answering the same job many times sends its bytes
//! instead of serialising the entity for every request).

use std::fmt;
use std::marker::PhantomData;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The body of a success (2xx) variant that sends JSON: `T` itself, or `T` already encoded.
///
/// Built from a value with `into()` (`GetJobResponse::Ok(job.into())`), or from an
/// [`Encoded`] kept from an earlier answer.
#[derive(Clone, PartialEq)]
pub enum JsonBody<T> {
    /// Serialised when the response is written.
    Value(T),
    /// Sent as it is.
    Encoded(Encoded<T>),
}

impl<T> From<T> for JsonBody<T> {
    fn from(value: T) -> Self {
        JsonBody::Value(value)
    }
}

impl<T> From<Encoded<T>> for JsonBody<T> {
    fn from(encoded: Encoded<T>) -> Self {
        JsonBody::Encoded(encoded)
    }
}

impl<T: Serialize> JsonBody<T> {
    /// The body as it is sent.
    pub fn encode(&self) -> Result<Encoded<T>, serde_json::Error> {
        match self {
            JsonBody::Value(value) => Encoded::new(value),
            JsonBody::Encoded(encoded) => Ok(encoded.clone()),
        }
    }
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// The value, decoded again when the body was kept encoded (for tests and for
    /// implementations that inspect what they send).
    pub fn into_value(self) -> Result<T, serde_json::Error> {
        match self {
            JsonBody::Value(value) => Ok(value),
            JsonBody::Encoded(encoded) => encoded.decode(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for JsonBody<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonBody::Value(value) => formatter.debug_tuple("Value").field(value).finish(),
            JsonBody::Encoded(encoded) => encoded.fmt(formatter),
        }
    }
}

/// The JSON encoding of a `T`, made by serialising one (or by joining encoded items into an
/// encoded array, or from bytes the caller vouches for with [`Encoded::from_trusted_json`]),
/// so a variant that says `T` sends nothing else. Cloning it
/// shares the bytes.
pub struct Encoded<T> {
    bytes: Bytes,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> Encoded<T> {
    /// `value` serialised as the router would serialise it.
    pub fn new(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Encoded::trusted(Bytes::from(serde_json::to_vec(value)?)))
    }
}

impl<T> Encoded<T> {
    /// Bytes known to be a `T`'s JSON (serialised from one, or joined from encoded items).
    fn trusted(bytes: Bytes) -> Self {
        Encoded {
            bytes,
            of: PhantomData,
        }
    }

    /// The JSON text.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

impl<T: DeserializeOwned> Encoded<T> {
    /// Bytes the caller knows to be a `T`'s JSON: made from an encoding of one, say, with a
    /// number written anew in place of another. Sending anything else is the caller's bug;
    /// debug builds check it by decoding the bytes.
    pub fn from_trusted_json(bytes: Bytes) -> Self {
        debug_assert!(
            serde_json::from_slice::<T>(&bytes).is_ok(),
            "not the JSON of a {}: {}",
            std::any::type_name::<T>(),
            String::from_utf8_lossy(&bytes)
        );
        Encoded::trusted(bytes)
    }

    /// The value again.
    pub fn decode(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }
}

/// An array of encoded items is the encoding of their `Vec`: `[a,b,…]`.
impl<T> FromIterator<Encoded<T>> for Encoded<Vec<T>> {
    fn from_iter<I: IntoIterator<Item = Encoded<T>>>(items: I) -> Self {
        let items: Vec<Encoded<T>> = items.into_iter().collect();
        let length = items.iter().map(|item| item.bytes.len() + 1).sum::<usize>() + 1;
        let mut bytes = BytesMut::with_capacity(length.max(2));
        bytes.put_u8(b'[');
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                bytes.put_u8(b',');
            }
            bytes.put_slice(&item.bytes);
        }
        bytes.put_u8(b']');
        Encoded::trusted(bytes.freeze())
    }
}

// By hand rather than derived: a derive would ask `T: Clone`/`T: PartialEq` of the phantom.
impl<T> Clone for Encoded<T> {
    fn clone(&self) -> Self {
        Encoded::trusted(self.bytes.clone())
    }
}

impl<T> PartialEq for Encoded<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<T> fmt::Debug for Encoded<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_tuple("Encoded")
            .field(&String::from_utf8_lossy(&self.bytes))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_items_join_into_the_encoding_of_their_vec() {
        let items = [vec![1, 2], vec![], vec![3]];
        let joined: Encoded<Vec<Vec<i32>>> = items
            .iter()
            .map(|item| Encoded::new(item).expect("numbers serialise"))
            .collect();
        assert_eq!(
            joined.bytes(),
            &Bytes::from(serde_json::to_vec(&items).expect("numbers serialise"))
        );
        let none: Encoded<Vec<i32>> = std::iter::empty().collect();
        assert_eq!(none.bytes(), &Bytes::from_static(b"[]"));
    }

    #[test]
    fn a_body_decodes_to_its_value_either_way() {
        let value = vec!["a \"quoted\" text".to_string()];
        let encoded = JsonBody::Encoded(Encoded::new(&value).expect("strings serialise"));
        assert_eq!(encoded.into_value().expect("decodes"), value);
        let plain = JsonBody::from(value.clone());
        assert_eq!(
            plain.encode().expect("encodes").decode().expect("decodes"),
            value
        );
    }
}
