//! Arbitrary bytes as a receipt inclusion proof (`verify_receipt_proof`), a checkpoint
//! consistency proof (`verify_consistency_proof`) and a reference-log inclusion proof
//! (`verify_log_inclusion_proof`), seeded with proofs claw emitted and the reference's golden
//! log proof. The checkpoints inside are signed, so mutations of the unsigned parts (index,
//! size, audit path, the receipt) are what the fuzzer explores; whatever verifies must agree
//! with the checkpoint it was verified against.
#![no_main]
use claw_core::evidence::{
    verify_consistency_proof, verify_log_inclusion_proof, verify_receipt_proof,
};
use claw_core::json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let gateways: Vec<String> = Vec::new();
    if let Ok(v) = verify_receipt_proof(data, None, &gateways) {
        assert!(
            v.leaf_index < v.tree_size,
            "index outside the checkpoint's tree"
        );
        // Pinning the agent it reported must not change the answer.
        let again = verify_receipt_proof(data, Some(&v.agent_did), &gateways).expect("same agent");
        assert_eq!(again, v);
    }
    if let Ok((from, to)) = verify_consistency_proof(data, None) {
        assert!(from.tree_size <= to.tree_size && from.event_count <= to.event_count);
        assert_eq!(from.run_id, to.run_id);
        assert_eq!(from.agent_did, to.agent_did);
    }
    if let Ok(v) = json::parse(data, &json::Limits::STRICT) {
        let _ = verify_log_inclusion_proof(&v, &[], None);
        let _ = verify_log_inclusion_proof(
            &v,
            &gateways,
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        );
        // The golden log proof may be wrapped: try its inner proof object too.
        if let Some(inner) = v.get("proof").or_else(|| v.get("log_inclusion_proof")) {
            let _ = verify_log_inclusion_proof(inner, &[], None);
        }
    }
});
