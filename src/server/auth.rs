//! API-key helpers shared by the endpoints that take Kredibel keys.

use axum::extract::Query;
use axum::http::{header, HeaderMap, Uri};

/// The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive), if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The value of query parameter `name`, percent-decoded; None when absent or malformed.
pub fn query_param(uri: &Uri, name: &str) -> Option<String> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Whether `key` is one of `keys`, comparing in time independent of where they differ.
pub fn key_allowed(keys: &[String], key: &str) -> bool {
    keys.iter().fold(false, |found, k| {
        found | constant_time_eq(k.as_bytes(), key.as_bytes())
    })
}

/// Whether `a` and `b` are equal, in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_found_in_any_case_of_the_scheme() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn query_keys_are_percent_decoded() {
        let uri: Uri = "/x?a=1&key=k%2B1".parse().unwrap();
        assert_eq!(query_param(&uri, "key").as_deref(), Some("k+1"));
        assert_eq!(query_param(&uri, "nope"), None);
    }

    #[test]
    fn only_listed_keys_are_allowed() {
        let keys = vec!["alpha".to_string(), "beta".to_string()];
        assert!(key_allowed(&keys, "beta"));
        assert!(!key_allowed(&keys, "bet"));
        assert!(!key_allowed(&[], ""));
    }
}
