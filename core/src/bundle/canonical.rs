//! The canonical byte form of a manifest: the same manifest always gives the same bytes.
//!
//! Rule: UTF-8 JSON, object keys sorted by their UTF-8 bytes, no insignificant whitespace,
//! strings escaped as serde_json escapes them, numbers in their shortest round-trip form.
//! Keys are sorted here explicitly, so a dependency switching serde_json to insertion order
//! cannot change the bytes.

use serde_json::Value;

/// Canonical bytes of a JSON value.
pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(serde_json::to_string(k).expect("strings serialize").as_bytes());
                out.push(b':');
                write(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        scalar => out.extend_from_slice(serde_json::to_string(scalar).expect("scalars serialize").as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let a: Value = serde_json::from_str(r#"{ "b": 1, "a": {"z": [1, 2.5, "x"], "y": null} }"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"y":null,"z":[1,2.5,"x"]},"b":1}"#).unwrap();
        assert_eq!(to_bytes(&a), to_bytes(&b));
        assert_eq!(to_bytes(&a), br#"{"a":{"y":null,"z":[1,2.5,"x"]},"b":1}"#.to_vec());
        assert_eq!(to_bytes(&json!({"车": "沪A"})), "{\"车\":\"沪A\"}".as_bytes());
    }
}
