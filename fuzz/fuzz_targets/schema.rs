//! Arbitrary JSON through the schema code: infer a schema from a body, widen a stored
//! schema with it, and judge bodies in both modes. Nothing may panic, and a body must
//! satisfy the schema inferred from it (what the first run of a case records must
//! pass the second run with the same body).
//!
//! Input: up to two JSON values one after the other, `stored` then `body` (a single
//! value is both). Seeds are the snapshots' schemas (`fuzz/seed.sh`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stackconform::schema::{infer, validate, widen, Mode, Schema};

fuzz_target!(|data: &[u8]| {
    let mut values = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    let Some(Ok(stored)) = values.next() else {
        return;
    };
    let body = match values.next() {
        Some(Ok(v)) => v,
        _ => stored.clone(),
    };

    let inferred = infer(&body);
    let own = validate(&inferred, &body, Mode::Strict).expect("an inferred schema compiles");
    assert!(
        own.errors.is_empty() && own.extras.is_empty(),
        "a body fails the schema inferred from it: {:?}\nbody: {body}\nschema: {inferred}",
        own
    );

    // A stored schema may be anything a person wrote: errors are fine, panics are not.
    let schema = Schema::new(stored.clone());
    for mode in [Mode::Contract, Mode::Strict] {
        let _ = schema.check(&body, mode);
    }
    let proposal = widen(&stored, &inferred);
    for mode in [Mode::Contract, Mode::Strict] {
        let _ = validate(&proposal, &body, mode);
    }
});
