/*
 * C tests of the evidence part of the claw C ABI: the recorder (events, decisions, model
 * calls through claw's gateway and through an external one, tool calls, side effects,
 * approvals, checkpoints), proof bundle build and verify, receipt proofs, the Trust Pulse;
 * bad input on purpose for every function.
 */
#include "check.h"

static const int64_t T0 = 1770768000000; /* ms */

/* A string literal as (pointer, length). */
#define LIT(s) (s), (sizeof(s) - 1)

static char *dup_str(const char *s) {
  char *d = malloc(strlen(s) + 1);
  strcpy(d, s);
  return d;
}

static void test_recorder_and_bundle(void) {
  claw_error err;
  claw_signing_key *agent = NULL, *gw = NULL;
  claw_verifying_key *gw_pk = NULL;
  claw_recorder *rec = NULL;
  char *s = NULL, *gw_did = NULL, *tool_receipt = NULL, *bundle = NULL, *pulse = NULL;
  size_t bundle_len = 0;
  char buf[1024];

  EXPECT_RC(claw_signing_key_generate(&agent, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_generate(&gw, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_public(gw, &gw_pk, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_did(gw_pk, &gw_did, &err), CLAW_OK);
  EXPECT_RC(claw_recorder_new(agent, NULL, 0, &rec, &err), CLAW_OK);

  EXPECT_RC(claw_recorder_record_event(rec, "run_start", 9, LIT("{\"task\":\"demo\"}"), T0, &s, &err), CLAW_OK);
  CHECK(s && strstr(s, "\"event_hash_b64u\":") && strstr(s, "\"run_id\":\"run_"), "binding %s", s ? s : "(null)");
  claw_string_free(s);
  s = NULL;

  snprintf(buf, sizeof buf,
           "{\"provider\":\"openai\",\"model\":\"gpt-5\",\"request\":\"hi\",\"response\":\"hello\","
           "\"tokens_input\":3,\"tokens_output\":5,\"latency_ms\":100,\"timestamp_ms\":%lld}",
           (long long)(T0 + 1000));
  char *gw_receipt = NULL;
  EXPECT_RC(claw_recorder_record_model_call(rec, gw, "gw-test", 7, buf, strlen(buf), &gw_receipt, &err), CLAW_OK);
  CHECK(gw_receipt && strncmp(gw_receipt, "rcpt_", 5) == 0, "gateway receipt id %s", gw_receipt ? gw_receipt : "(null)");

  const char *decision = "{\"action\":\"tool:execute\",\"resource\":\"read\",\"effect\":\"allow\",\"reason_code\":\"POLICY_ALLOW\"}";
  EXPECT_RC(claw_recorder_record_decision(rec, decision, strlen(decision), T0 + 1100, &s, &err), CLAW_OK);
  claw_string_free(s);
  s = NULL;

  snprintf(buf, sizeof buf,
           "{\"tool_name\":\"read\",\"args\":{\"path\":\"notes.txt\"},\"result\":{\"ok\":true},"
           "\"result_status\":\"success\",\"latency_ms\":5,\"timestamp_ms\":%lld}",
           (long long)(T0 + 1200));
  EXPECT_RC(claw_recorder_record_tool_call(rec, buf, strlen(buf), &tool_receipt, &err), CLAW_OK);
  CHECK(tool_receipt != NULL, "tool receipt id");

  snprintf(buf, sizeof buf,
           "{\"effect_class\":\"network_egress\",\"target\":\"api.example.com\",\"request\":\"GET /\","
           "\"response\":\"200 OK\",\"response_status\":\"success\",\"latency_ms\":20,\"timestamp_ms\":%lld}",
           (long long)(T0 + 1300));
  EXPECT_RC(claw_recorder_record_side_effect(rec, buf, strlen(buf), &s, &err), CLAW_OK);
  claw_string_free(s);
  s = NULL;

  snprintf(buf, sizeof buf,
           "{\"approval_type\":\"explicit_approve\",\"approver_subject\":\"alice@example.com\","
           "\"approver_method\":\"ui_click\",\"scope\":{\"tool\":\"write\"},\"timestamp_ms\":%lld}",
           (long long)(T0 + 1400));
  EXPECT_RC(claw_recorder_record_human_approval(rec, buf, strlen(buf), &s, &err), CLAW_OK);
  claw_string_free(s);
  s = NULL;

  /* An external gateway call: begin, refuse a receipt that names another event, abandon. */
  char *binding = NULL;
  snprintf(buf, sizeof buf, "{\"provider\":\"openai\",\"model\":\"gpt-5\",\"timestamp_ms\":%lld}", (long long)(T0 + 1500));
  EXPECT_RC(claw_recorder_begin_model_call(rec, buf, strlen(buf), &binding, &err), CLAW_OK);
  const char *eh = binding ? strstr(binding, "\"event_hash_b64u\":\"") : NULL;
  char event_hash[64] = {0};
  if (eh) memcpy(event_hash, eh + 19, 43);
  /* Finishing while the call is pending is refused and the recorder stays usable. */
  char *none = NULL;
  EXPECT_ERR(claw_recorder_finish(rec, NULL, 0, T0 + 1600, &none, NULL, NULL, &err), CLAW_ERR_BUNDLE, "MISSING_REQUIRED_FIELD", &err);
  char *stranger = NULL;
  const char *gtype = "gateway_receipt";
  const char *gpayload = "{\"binding\":{\"run_id\":\"run_other\",\"event_hash_b64u\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}";
  EXPECT_RC(claw_envelope_sign(gtype, strlen(gtype), gpayload, strlen(gpayload), gw, T0, 0, &stranger, NULL, &err), CLAW_OK);
  EXPECT_ERR(claw_recorder_attach_gateway_receipt(rec, stranger, strlen(stranger), &err), CLAW_ERR_BUNDLE, "RECEIPT_BINDING_MISMATCH", &err);
  /* The same receipt carried by a gateway's JSON response: found, then refused the same way. */
  char carried[4096];
  snprintf(carried, sizeof carried, "{\"id\":\"chatcmpl-1\",\"_receipt_envelope\":%s}", stranger);
  EXPECT_ERR(claw_recorder_attach_response_receipt(rec, (const uint8_t *)carried, strlen(carried), &err), CLAW_ERR_BUNDLE, "RECEIPT_BINDING_MISMATCH", &err);
  EXPECT_ERR(claw_recorder_attach_response_receipt(rec, (const uint8_t *)"data: 1\n\n", 9, &err), CLAW_ERR_BUNDLE, "RECEIPT_NOT_CARRIED", &err);
  EXPECT_ERR(claw_recorder_attach_response_receipt(rec, (const uint8_t *)"{\"id\":1}", 8, &err), CLAW_ERR_BUNDLE, "RECEIPT_NOT_CARRIED", &err);
  claw_string_free(stranger);
  EXPECT_ERR(claw_recorder_attach_gateway_receipt(rec, "{", 1, &err), CLAW_ERR_ENVELOPE, "INVALID_JSON", &err);
  EXPECT_ERR(claw_recorder_abandon_model_call(rec, "nope", 4, &err), CLAW_ERR_BUNDLE, "CLAIM_NOT_FOUND", &err);
  EXPECT_RC(claw_recorder_abandon_model_call(rec, event_hash, strlen(event_hash), &err), CLAW_OK);
  claw_string_free(binding);

  char *cp = NULL;
  EXPECT_RC(claw_recorder_checkpoint(rec, T0 + 1700, &cp, &err), CLAW_OK);
  CHECK(cp && strstr(cp, "\"envelope_type\":"), "checkpoint %s", cp ? cp : "(null)");
  claw_string_free(cp);

  char *info = NULL;
  EXPECT_RC(claw_recorder_info(rec, &info, NULL, &err), CLAW_OK);
  CHECK(info && strstr(info, "\"pending_model_calls\":0") && strstr(info, "\"receipts\":4"), "info %s", info ? info : "(null)");
  claw_string_free(info);

  /* Bad records. */
  EXPECT_ERR(claw_recorder_record_tool_call(rec, LIT("{\"tool_name\":\"x\",\"result_status\":\"maybe\",\"timestamp_ms\":1770768002000}"), &s, &err),
             CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(rec, LIT("{\"tool_name\":\"x\",\"bogus\":1}"), &s, &err), CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(rec, LIT("{\"tool_name\":"), &s, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(rec, LIT(""), &s, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(rec, LIT("\"\xff\""), &s, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(rec, NULL, 3, &s, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(NULL, LIT("{}"), &s, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_recorder_record_tool_call(rec, "{}", 2, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_recorder_record_event(rec, "late", 4, LIT("{}"), T0 - 1, &s, &err), CLAW_ERR_BUNDLE, "CAUSAL_CLOCK_CONTRADICTION", &err);
  EXPECT_ERR(claw_recorder_record_event(rec, "", 0, LIT("{}"), T0 + 2000, &s, &err), CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_record_decision(rec, LIT("[1]"), T0 + 2000, &s, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_DECISION", &err);
  EXPECT_ERR(claw_recorder_record_side_effect(rec, LIT("{\"effect_class\":\"teleport\",\"target\":\"x\",\"timestamp_ms\":1770768002000}"), &s, &err),
             CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_record_human_approval(rec, LIT("{\"approval_type\":\"maybe\",\"approver_subject\":\"a\",\"timestamp_ms\":1770768002000}"), &s, &err),
             CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_record_model_call(rec, NULL, "gw", 2, LIT("{}"), &s, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_recorder_record_model_call(rec, gw, "gw", 2, LIT("{\"provider\":\"\",\"model\":\"m\",\"timestamp_ms\":1770768002000}"), &s, &err),
             CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_begin_model_call(rec, LIT("{\"provider\":\"p\"}"), &s, &err), CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_recorder_finish(rec, LIT("{\"harness\":1}"), T0 + 3000, &none, NULL, NULL, &err), CLAW_ERR_BUNDLE, "SCHEMA_VALIDATION_FAILED", &err);
  CHECK(s == NULL && none == NULL, "outputs written on failure");

  const char *opts = "{\"harness_id\":\"c-test\",\"harness_version\":\"1.0.0\",\"harness_runtime\":\"host\"}";
  EXPECT_RC(claw_recorder_finish(rec, opts, strlen(opts), T0 + 3000, &bundle, &bundle_len, &pulse, &err), CLAW_OK);
  if (!bundle) fprintf(stderr, "finish: %s %s\n", err.reason_code, err.message);
  CHECK(bundle && strlen(bundle) == bundle_len && strstr(bundle, "\"envelope_type\":\"proof_bundle\""), "bundle");
  CHECK(pulse && strstr(pulse, "\"read\""), "pulse %s", pulse ? pulse : "(null)");
  EXPECT_ERR(claw_recorder_record_event(rec, "x", 1, LIT("{}"), T0 + 4000, &s, &err), CLAW_ERR_BUNDLE, "RECORDER_FINISHED", &err);
  EXPECT_ERR(claw_recorder_finish(rec, NULL, 0, T0 + 4000, &none, NULL, NULL, &err), CLAW_ERR_BUNDLE, "RECORDER_FINISHED", &err);
  claw_recorder_free(rec);
  rec = NULL;
  EXPECT_ERR(claw_recorder_info(rec, &s, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);

  /* Verify: valid with the gateway allowlisted. */
  char config[512];
  snprintf(config, sizeof config, "{\"config_version\":\"1\",\"allowlists\":{\"gateway_receipt_signer_dids\":[\"%s\"]}}", gw_did);
  bool valid = false;
  char *verdict = NULL;
  EXPECT_RC(claw_bundle_verify(bundle, bundle_len, config, strlen(config), NULL, T0 + 5000, &valid, &verdict, NULL, &err), CLAW_OK);
  CHECK(valid, "bundle valid: %s", verdict ? verdict : "(null)");
  claw_string_free(verdict);
  verdict = NULL;

  /* Replayed against the run's policy: `read` is allowed, so the bundle stays valid; a policy
   * that allows no tool at all makes the tool receipt a POLICY_VIOLATION. */
  const char *allow_read =
      "{\"policy_version\":\"2\",\"policy_id\":\"p\",\"issuer_did\":\"did:web:example.com\",\"statements\":["
      "{\"sid\":\"R\",\"effect\":\"Allow\",\"actions\":[\"tool:execute\"],\"resources\":[\"read\"]}]}";
  const char *allow_none =
      "{\"policy_version\":\"2\",\"policy_id\":\"p\",\"issuer_did\":\"did:web:example.com\",\"statements\":["
      "{\"sid\":\"M\",\"effect\":\"Allow\",\"actions\":[\"model:invoke\"],\"resources\":[\"*\"]}]}";
  claw_policy *pol = NULL;
  EXPECT_RC(claw_policy_from_json(allow_read, strlen(allow_read), NULL, &pol, &err), CLAW_OK);
  EXPECT_RC(claw_bundle_verify(bundle, bundle_len, config, strlen(config), pol, T0 + 5000, &valid, &verdict, NULL, &err), CLAW_OK);
  CHECK(valid, "valid under the run's policy: %s", verdict ? verdict : "(null)");
  claw_string_free(verdict);
  verdict = NULL;
  claw_policy_free(pol);
  pol = NULL;
  EXPECT_RC(claw_policy_from_json(allow_none, strlen(allow_none), NULL, &pol, &err), CLAW_OK);
  EXPECT_RC(claw_bundle_verify(bundle, bundle_len, config, strlen(config), pol, T0 + 5000, &valid, &verdict, NULL, &err), CLAW_OK);
  CHECK(!valid && verdict && strstr(verdict, "POLICY_VIOLATION"), "policy replay verdict %s", verdict ? verdict : "(null)");
  claw_string_free(verdict);
  verdict = NULL;
  claw_policy_free(pol);

  /* A tampered bundle verifies as invalid (CLAW_OK: the verification ran). */
  char *tampered = dup_str(bundle);
  char *h = strstr(tampered, "\"runtime\":\"host\"");
  CHECK(h != NULL, "runtime in bundle");
  if (h) memcpy(h + 11, "hosT", 4);
  valid = true;
  EXPECT_RC(claw_bundle_verify(tampered, strlen(tampered), config, strlen(config), NULL, T0 + 5000, &valid, &verdict, NULL, &err), CLAW_OK);
  CHECK(!valid && verdict && strstr(verdict, "\"status\":\"FAIL\""), "tampered verdict %s", verdict ? verdict : "(null)");
  claw_string_free(verdict);
  verdict = NULL;
  free(tampered);
  EXPECT_RC(claw_bundle_verify(bundle, bundle_len - 1, NULL, 0, NULL, T0 + 5000, &valid, &verdict, NULL, &err), CLAW_OK); /* truncated */
  CHECK(!valid && verdict && strstr(verdict, "INVALID_JSON"), "truncated verdict %s", verdict ? verdict : "(null)");
  claw_string_free(verdict);
  verdict = NULL;
  EXPECT_RC(claw_bundle_verify("", 0, NULL, 0, NULL, T0, &valid, &verdict, NULL, &err), CLAW_OK);
  CHECK(!valid, "empty bundle is invalid");
  claw_string_free(verdict);
  verdict = NULL;
  EXPECT_ERR(claw_bundle_verify(bundle, bundle_len, LIT("{\"config_version\":\"2\"}"), NULL, T0, &valid, &verdict, NULL, &err), CLAW_ERR_INPUT, "CONFIG_ERROR", &err);
  EXPECT_ERR(claw_bundle_verify(bundle, bundle_len, LIT("{\"causal_mode\":\"lax\"}"), NULL, T0, &valid, &verdict, NULL, &err), CLAW_ERR_INPUT, "CONFIG_ERROR", &err);
  EXPECT_ERR(claw_bundle_verify(bundle, bundle_len, LIT("{\"unknown\":1}"), NULL, T0, &valid, &verdict, NULL, &err), CLAW_ERR_INPUT, "CONFIG_ERROR", &err);
  EXPECT_ERR(claw_bundle_verify(NULL, 5, NULL, 0, NULL, T0, &valid, &verdict, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_bundle_verify(bundle, bundle_len, NULL, 0, NULL, T0, &valid, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_bundle_verify("\xff", 1, NULL, 0, NULL, T0, &valid, &verdict, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_bundle_verify(bundle, (size_t)-1, NULL, 0, NULL, T0, &valid, &verdict, NULL, &err), CLAW_ERR_INVALID_ARGUMENT, "INPUT_TOO_LARGE", &err);
  CHECK(verdict == NULL, "verdict written on failure");

  /* Receipt proof for the tool receipt, verified offline. */
  char *proof = NULL, *pv = NULL, *agent_did = NULL;
  claw_verifying_key *agent_pk = NULL;
  EXPECT_RC(claw_signing_key_public(agent, &agent_pk, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_did(agent_pk, &agent_did, &err), CLAW_OK);
  EXPECT_RC(claw_bundle_receipt_proof(bundle, bundle_len, config, strlen(config), T0 + 5000, tool_receipt, strlen(tool_receipt), &proof, &err), CLAW_OK);
  EXPECT_RC(claw_receipt_proof_verify(proof, proof ? strlen(proof) : 0, agent_did, strlen(agent_did), NULL, 0, &pv, &err), CLAW_OK);
  CHECK(pv && strstr(pv, "\"kind\":\"tool_receipt\""), "proof verdict %s", pv ? pv : "(null)");
  claw_string_free(pv);
  pv = NULL;
  EXPECT_RC(claw_receipt_proof_verify(proof, proof ? strlen(proof) : 0, gw_did, strlen(gw_did), NULL, 0, &pv, &err), CLAW_ERR_MERKLE);
  EXPECT_ERR(claw_bundle_receipt_proof(bundle, bundle_len, config, strlen(config), T0 + 5000, LIT("rcpt_nope"), &pv, &err), CLAW_ERR_BUNDLE, "CLAIM_NOT_FOUND", &err);
  EXPECT_RC(claw_bundle_receipt_proof(bundle, bundle_len - 1, config, strlen(config), T0 + 5000, tool_receipt, strlen(tool_receipt), &pv, &err), CLAW_ERR_BUNDLE);
  EXPECT_ERR(claw_bundle_receipt_proof(bundle, bundle_len, NULL, 0, T0, NULL, 3, &pv, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_RC(claw_receipt_proof_verify("{}", 2, NULL, 0, NULL, 0, &pv, &err), CLAW_ERR_MERKLE);
  EXPECT_ERR(claw_receipt_proof_verify("{", 1, NULL, 0, NULL, 0, &pv, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_receipt_proof_verify(NULL, 1, NULL, 0, NULL, 0, &pv, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_receipt_proof_verify("{}", 2, NULL, 0, LIT("[1]"), &pv, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_SIGNER_LIST", &err);
  CHECK(pv == NULL, "output written on failure");
  claw_string_free(proof);
  proof = NULL;

  /* A gateway receipt's proof needs a trusted gateway signer, as in claw_bundle_verify:
     none configured is DEPENDENCY_NOT_CONFIGURED, another signer fails. */
  char gw_list[256];
  snprintf(gw_list, sizeof gw_list, "[\"%s\"]", gw_did);
  EXPECT_RC(claw_bundle_receipt_proof(bundle, bundle_len, config, strlen(config), T0 + 5000, gw_receipt, strlen(gw_receipt), &proof, &err), CLAW_OK);
  EXPECT_RC(claw_receipt_proof_verify(proof, proof ? strlen(proof) : 0, agent_did, strlen(agent_did), gw_list, strlen(gw_list), &pv, &err), CLAW_OK);
  CHECK(pv && strstr(pv, "\"kind\":\"gateway_receipt\""), "gateway proof verdict %s", pv ? pv : "(null)");
  claw_string_free(pv);
  pv = NULL;
  EXPECT_ERR(claw_receipt_proof_verify(proof, proof ? strlen(proof) : 0, agent_did, strlen(agent_did), NULL, 0, &pv, &err), CLAW_ERR_BUNDLE, "DEPENDENCY_NOT_CONFIGURED", &err);
  snprintf(gw_list, sizeof gw_list, "[\"%s\"]", agent_did);
  EXPECT_ERR(claw_receipt_proof_verify(proof, proof ? strlen(proof) : 0, agent_did, strlen(agent_did), gw_list, strlen(gw_list), &pv, &err), CLAW_ERR_BUNDLE, "RECEIPT_VERIFICATION_FAILED", &err);
  CHECK(pv == NULL, "output written on failure");
  claw_string_free(proof);
  claw_string_free(gw_receipt);

  /* Trust Pulse from the bundle. */
  char *tp = NULL;
  EXPECT_RC(claw_trust_pulse_from_bundle(bundle, bundle_len, config, strlen(config), T0 + 5000, T0 + 6000, &tp, &err), CLAW_OK);
  CHECK(tp && strstr(tp, "\"read\""), "pulse %s", tp ? tp : "(null)");
  claw_string_free(tp);
  tp = NULL;
  /* One document, one verdict: the genuine bundle wrapped beside an invented payload is
     refused (the pulse used to be read from the invented payload). */
  size_t wrapped_cap = bundle_len + 128;
  char *wrapped = malloc(wrapped_cap);
  CHECK(wrapped != NULL, "malloc");
  int wn = snprintf(wrapped, wrapped_cap, "{\"envelope\":%s,\"payload\":{\"agent_did\":\"did:key:zInvented\"}}", bundle);
  EXPECT_ERR(claw_trust_pulse_from_bundle(wrapped, (size_t)wn, config, strlen(config), T0 + 5000, T0, &tp, &err), CLAW_ERR_BUNDLE, "AMBIGUOUS_DOCUMENT", &err);
  free(wrapped);
  /* Unverified input is never read: a bundle without its gateway allowlist fails. */
  EXPECT_ERR(claw_trust_pulse_from_bundle(bundle, bundle_len, NULL, 0, T0 + 5000, T0, &tp, &err), CLAW_ERR_BUNDLE, "DEPENDENCY_NOT_CONFIGURED", &err);
  EXPECT_ERR(claw_trust_pulse_from_bundle(LIT("{}"), NULL, 0, T0, T0, &tp, &err), CLAW_ERR_BUNDLE, "MALFORMED_ENVELOPE", &err);
  EXPECT_ERR(claw_trust_pulse_from_bundle(LIT("{"), NULL, 0, T0, T0, &tp, &err), CLAW_ERR_BUNDLE, "INVALID_JSON", &err);
  EXPECT_ERR(claw_trust_pulse_from_bundle(NULL, 1, NULL, 0, T0, T0, &tp, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  CHECK(tp == NULL, "pulse written on failure");

  /* Recorder construction. */
  claw_recorder *r2 = NULL;
  EXPECT_ERR(claw_recorder_new(NULL, NULL, 0, &r2, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_recorder_new(agent, NULL, 0, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_recorder_new(agent, LIT("\xff"), &r2, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_RC(claw_recorder_new(agent, LIT(""), &r2, &err), CLAW_ERR_BUNDLE);
  CHECK(r2 == NULL, "recorder written on failure");
  EXPECT_RC(claw_recorder_new(agent, LIT("run_fixed"), &r2, &err), CLAW_OK);
  claw_recorder_free(r2);
  claw_recorder_free(NULL);

  claw_string_free(agent_did);
  claw_verifying_key_free(agent_pk);
  claw_string_free(bundle);
  claw_string_free(pulse);
  claw_string_free(tool_receipt);
  claw_string_free(gw_did);
  claw_verifying_key_free(gw_pk);
  claw_signing_key_free(gw);
  claw_signing_key_free(agent);
}

int main(void) {
  test_recorder_and_bundle();
  return report();
}
