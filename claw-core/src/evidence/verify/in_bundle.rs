//! One receipt checked outside its bundle (receipt proofs, docs/SPEC.md §6.5) by the same
//! steps that check it inside one.

use super::super::batch::{self, SigMode};
use super::super::receipts::ReceiptKind;
use super::config::VerifyConfig;
use super::failure::{Step, VerifyFailure};
use super::gateway_facts::GatewayScan;
use super::helpers::str_of;
use super::prepare::GwFail;
use super::{prepare, receipts, schema};
use crate::error::{Error, ErrorKind};
use serde_json::Value;

/// Check one receipt outside its bundle (receipt proofs, §6.5) with exactly what
/// [`verify_bundle`] checks for it, through the same functions: the receipt array's item
/// schema (a gateway receipt must be a signed `gateway_receipt` envelope; a bare payload is
/// refused), the reference's generic gateway checks with the signer in
/// `cfg.allowlists.gateway_receipt_signer_dids` (none configured:
/// `DEPENDENCY_NOT_CONFIGURED`), a tool receipt's hash, signature, co-signatures, expiry
/// and `agent_did` (it must be `agent_did`, the agent whose checkpoint commits to it), the
/// support receipts' version and agent. The binding to the run is the caller's check.
/// Returns the envelope signer, if the receipt is an envelope.
pub(crate) fn verify_receipt_as_in_bundle(
    kind: ReceiptKind,
    r: &Value,
    agent_did: &str,
    cfg: &VerifyConfig,
) -> Result<Option<String>, Error> {
    let to_err = |f: VerifyFailure| {
        let (code, reason, _) = f.into_parts();
        Error::new(ErrorKind::Bundle, code, reason)
    };
    schema::receipt_item(kind, cfg)
        .validate(r, "$")
        .map_err(|e| to_err(schema::failure(e, Step::Receipts, false)))?;
    let one = std::slice::from_ref(r);
    match kind {
        ReceiptKind::Gateway => {
            let gw = GatewayScan::whole(one, cfg, 1);
            let jobs: Vec<_> = gw.sig_jobs().collect();
            let sig_ok = batch::verify_all(&jobs, SigMode::Sequential, 1);
            match gw.receipts()[0].pre().map_err(GwFail::failure) {
                Ok(j) if sig_ok[j] => {}
                Err(e @ VerifyFailure::DependencyNotConfigured(_)) => {
                    return Err(Error::new(
                        ErrorKind::Bundle,
                        e.reason_code(),
                        e.message().to_string(),
                    ))
                }
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::Bundle,
                        "RECEIPT_VERIFICATION_FAILED",
                        format!("gateway receipt: {} {}", e.reason_code(), e.message()),
                    ))
                }
                Ok(_) => {
                    return Err(Error::new(
                        ErrorKind::Bundle,
                        "RECEIPT_VERIFICATION_FAILED",
                        "gateway receipt: SIGNATURE_INVALID signature does not verify",
                    ))
                }
            }
        }
        ReceiptKind::Tool => {
            let (tool_pre, jobs) = prepare::prepare_tools(one, 1);
            let sig_ok = batch::verify_all(&jobs, SigMode::Sequential, 1);
            receipts::check_tool_receipt(0, r, &tool_pre[0], &sig_ok, agent_did, cfg)
                .map_err(to_err)?;
        }
        _ => receipts::check_support_one(0, r, kind.array_name(), agent_did).map_err(to_err)?,
    }
    Ok(r.get("envelope_type")
        .and_then(|_| str_of(r, "signer_did"))
        .map(str::to_string))
}
