/*
 * C tests of the policy part of the claw C ABI: load (JSON, envelope, parent), authoring
 * form, decide, decide_request, incident overrides, info; bad input on purpose for every
 * function (NULL pointers, zero lengths, invalid UTF-8, truncated and oversized JSON, freed
 * handles passed as NULL). Run under valgrind by scripts/test-c.sh.
 */
#include "check.h"

static const char *POLICY =
    "{\"policy_version\":\"2\",\"policy_id\":\"demo-agent\",\"issuer_did\":\"did:web:example.com\","
    "\"statements\":["
    "{\"sid\":\"AllowRead\",\"effect\":\"Allow\",\"actions\":[\"tool:execute\"],\"resources\":[\"read\",\"search_*\"]},"
    "{\"sid\":\"AllowWriteWithApproval\",\"effect\":\"Allow\",\"actions\":[\"tool:execute\"],\"resources\":[\"write\"],"
    "\"conditions\":{\"Bool\":{\"Request:HasHumanApproval\":\"true\"}}},"
    "{\"sid\":\"DenyShell\",\"effect\":\"Deny\",\"actions\":[\"tool:execute\"],\"resources\":[\"exec\",\"shell_*\"]},"
    "{\"sid\":\"AllowModels\",\"effect\":\"Allow\",\"actions\":[\"model:invoke\"],\"resources\":[\"gpt-*\"]}]}";

static const char *CHILD =
    "{\"policy_version\":\"2\",\"policy_id\":\"demo-child\",\"issuer_did\":\"did:web:example.com\","
    "\"inherits\":\"demo-agent\",\"statements\":["
    "{\"sid\":\"ChildAllowAll\",\"effect\":\"Allow\",\"actions\":[\"tool:execute\"],\"resources\":[\"*\"]}]}";

static const int64_t NOW = 1770768000; /* 2026-02-11T00:00:00Z */

/* Decide `tool` with an optional context and check verdict, reason and statement. */
static void expect_decision(const claw_policy *p, const char *tool, const char *ctx, uint32_t want,
                            const char *reason, const char *sid) {
  claw_error err;
  claw_decision d;
  memset(&d, 0, sizeof d);
  EXPECT_RC(claw_policy_decide(p, tool, strlen(tool), ctx, ctx ? strlen(ctx) : 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == want, "%s: decision %u, want %u (%s)", tool, d.decision, want, d.reason_code);
  CHECK(strcmp(d.reason_code, reason) == 0, "%s: reason %s, want %s", tool, d.reason_code, reason);
  CHECK(strcmp(d.statement_id, sid) == 0, "%s: sid '%s', want '%s'", tool, d.statement_id, sid);
}

static void test_decide(void) {
  claw_error err;
  claw_policy *p = NULL;
  EXPECT_RC(claw_policy_from_json(POLICY, strlen(POLICY), NULL, &p, &err), CLAW_OK);

  expect_decision(p, "read", NULL, CLAW_DECISION_ALLOW, "POLICY_ALLOW", "AllowRead");
  expect_decision(p, "search_web", "{}", CLAW_DECISION_ALLOW, "POLICY_ALLOW", "AllowRead");
  expect_decision(p, "exec", NULL, CLAW_DECISION_DENY, "POLICY_VIOLATION", "DenyShell");
  expect_decision(p, "shell_rm", NULL, CLAW_DECISION_DENY, "POLICY_VIOLATION", "DenyShell");
  expect_decision(p, "unknown_tool", NULL, CLAW_DECISION_DENY, "POLICY_DEFAULT_DENY", "");
  expect_decision(p, "write", NULL, CLAW_DECISION_APPROVAL_REQUIRED, "CAPABILITY_REQUIRES_APPROVAL",
                  "AllowWriteWithApproval");
  expect_decision(p, "write", "{\"Request:HasHumanApproval\":\"true\"}", CLAW_DECISION_ALLOW,
                  "POLICY_ALLOW", "AllowWriteWithApproval");

  /* policy_hash is the 43-character base64url SHA-256 of the JCS payload. */
  claw_decision d;
  EXPECT_RC(claw_policy_decide(p, "read", 4, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(strlen(d.policy_hash) == 43, "policy_hash '%s'", d.policy_hash);

  /* Any action through decide_request. */
  const char *act = "model:invoke";
  EXPECT_RC(claw_policy_decide_request(p, act, strlen(act), "gpt-5", 5, NULL, 0, NOW, 0, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_ALLOW && strcmp(d.statement_id, "AllowModels") == 0, "model %s", d.reason_code);
  EXPECT_RC(claw_policy_decide_request(p, act, strlen(act), "claude", 6, NULL, 0, NOW, 0, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_DENY, "model claude %s", d.reason_code);
  /* An empty resource is a valid call with an invalid request: a deny, not an error. */
  EXPECT_RC(claw_policy_decide(p, "", 0, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_DENY && strcmp(d.reason_code, "POLICY_REQUEST_INVALID") == 0, "%s", d.reason_code);

  /* The result code is not the decision: a deny is CLAW_OK, and only CLAW_DECISION_ALLOW
     allows (0 is no decision code, so a zeroed record never reads as an allow). */
  EXPECT_RC(claw_policy_decide(p, "exec", 4, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_DENY && d.decision != CLAW_DECISION_ALLOW, "exec %u", d.decision);
  CHECK(CLAW_DECISION_ALLOW != 0, "a zeroed decision must not be an allow");

  /* Bad input: every case fails with a code and writes the decision as a deny carrying the
     error's reason (fail closed: a caller reading it without checking the code is denied). */
  claw_decision garbage;
  memset(&garbage, 0x5a, sizeof garbage);
  d = garbage;
  EXPECT_ERR(claw_policy_decide(NULL, "read", 4, NULL, 0, NOW, &d, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_decide(p, NULL, 4, NULL, 0, NOW, &d, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, NULL, 0, NOW, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_decide(p, "\xff", 1, NULL, 0, NOW, &d, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, NULL, 7, NOW, &d, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, "", 0, NOW, &d, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, "{\"a\":", 5, NOW, &d, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, "[]", 2, NOW, &d, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_CONTEXT", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, "{\"a\":1}", 7, NOW, &d, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_CONTEXT", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, "{\"a\":\"x\",\"a\":\"y\"}", 17, NOW, &d, &err), CLAW_ERR_JSON, "JSON_DUPLICATE_KEY", &err);
  EXPECT_ERR(claw_policy_decide(p, "read", (size_t)-1, NULL, 0, NOW, &d, &err), CLAW_ERR_INVALID_ARGUMENT, "INPUT_TOO_LARGE", &err);
  EXPECT_ERR(claw_policy_decide_request(p, NULL, 3, "x", 1, NULL, 0, NOW, 0, &d, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_decide_request(p, "a\xc3", 2, "x", 1, NULL, 0, NOW, 0, &d, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  CHECK(d.decision == CLAW_DECISION_DENY && strcmp(d.reason_code, "INVALID_UTF8") == 0 && d.statement_id[0] == 0 &&
            d.policy_hash[0] == 0,
        "decision after a failure: %u %s", d.decision, d.reason_code);
  /* Even a record that held an allow before the failed call. */
  EXPECT_RC(claw_policy_decide(p, "read", 4, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_ALLOW, "read %u", d.decision);
  EXPECT_ERR(claw_policy_decide(p, "read", 4, "[]", 2, NOW, &d, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_CONTEXT", &err);
  CHECK(d.decision == CLAW_DECISION_DENY && strcmp(d.reason_code, "INVALID_CONTEXT") == 0, "%u %s", d.decision,
        d.reason_code);
  /* A NULL error record is allowed. */
  EXPECT_RC(claw_policy_decide(NULL, "read", 4, NULL, 0, NOW, &d, NULL), CLAW_ERR_NULL_ARGUMENT);

  claw_policy_free(p);
  p = NULL; /* a freed handle passed as NULL */
  EXPECT_ERR(claw_policy_decide(p, "read", 4, NULL, 0, NOW, &d, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  claw_policy_free(NULL);
}

static void test_overrides(void) {
  claw_error err;
  claw_policy *p = NULL;
  EXPECT_RC(claw_policy_from_json(POLICY, strlen(POLICY), NULL, &p, &err), CLAW_OK);
  const char *o = "{\"denied_tools\":[\"read\",\"search_*\"]}";
  EXPECT_RC(claw_policy_set_overrides(p, o, strlen(o), &err), CLAW_OK);
  expect_decision(p, "read", NULL, CLAW_DECISION_DENY, "OVERRIDE_TOOL_DENIED", "");
  expect_decision(p, "search_x", NULL, CLAW_DECISION_DENY, "OVERRIDE_TOOL_DENIED", "");
  expect_decision(p, "write", "{\"Request:HasHumanApproval\":\"true\"}", CLAW_DECISION_ALLOW, "POLICY_ALLOW",
                  "AllowWriteWithApproval");

  /* Invalid overrides are refused and the ones in force stay. */
  EXPECT_ERR(claw_policy_set_overrides(p, "{\"denied_tools\":[1]}", 20, &err), CLAW_ERR_POLICY, "OVERRIDES_INVALID", &err);
  EXPECT_ERR(claw_policy_set_overrides(p, "{\"deny\":[]}", 11, &err), CLAW_ERR_POLICY, "OVERRIDES_INVALID", &err);
  EXPECT_ERR(claw_policy_set_overrides(p, "{\"required_policy_hash\":\"short\"}", 32, &err), CLAW_ERR_POLICY, "OVERRIDES_INVALID", &err);
  EXPECT_ERR(claw_policy_set_overrides(p, "{\"denied_tools\":[", 17, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_set_overrides(p, "", 0, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_set_overrides(p, "{\"\xff\":1}", 7, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_policy_set_overrides(p, NULL, 2, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_set_overrides(NULL, "{}", 2, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  /* An oversized overrides document (over 256 KiB) is refused. */
  size_t big = 300 * 1024;
  char *huge = malloc(big);
  memset(huge, ' ', big);
  memcpy(huge, "{}", 2);
  EXPECT_RC(claw_policy_set_overrides(p, huge, big, &err), CLAW_ERR_POLICY);
  free(huge);
  expect_decision(p, "read", NULL, CLAW_DECISION_DENY, "OVERRIDE_TOOL_DENIED", "");

  /* Info shows the overrides and the requirements. */
  char *info = NULL;
  size_t info_len = 0;
  EXPECT_RC(claw_policy_info(p, &info, &info_len, &err), CLAW_OK);
  CHECK(info && strstr(info, "\"denied_tools\":[\"read\",\"search_*\"]") && strstr(info, "\"policy_id\":\"demo-agent\""),
        "info %s", info ? info : "(null)");
  CHECK(info && strlen(info) == info_len, "info_len");
  /* Pin the policy hash: the policy's own hash passes, any other denies everything. */
  const char *h = info ? strstr(info, "\"policy_hash_b64u\":\"") : NULL;
  char pin[128] = {0};
  if (h) snprintf(pin, sizeof pin, "{\"required_policy_hash\":\"%.43s\"}", h + 20);
  EXPECT_RC(claw_policy_set_overrides(p, pin, strlen(pin), &err), CLAW_OK);
  expect_decision(p, "read", NULL, CLAW_DECISION_ALLOW, "POLICY_ALLOW", "AllowRead");
  const char *other = "{\"required_policy_hash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";
  EXPECT_RC(claw_policy_set_overrides(p, other, strlen(other), &err), CLAW_OK);
  expect_decision(p, "read", NULL, CLAW_DECISION_DENY, "OVERRIDE_POLICY_HASH_MISMATCH", "");
  claw_string_free(info);

  /* {} clears them. */
  EXPECT_RC(claw_policy_set_overrides(p, "{}", 2, &err), CLAW_OK);
  expect_decision(p, "read", NULL, CLAW_DECISION_ALLOW, "POLICY_ALLOW", "AllowRead");

  info = NULL;
  EXPECT_ERR(claw_policy_info(NULL, &info, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_info(p, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  CHECK(info == NULL, "info written on failure");
  claw_policy_free(p);
}

static void test_load(void) {
  claw_error err;
  claw_policy *p = NULL, *parent = NULL, *child = NULL;

  /* Refusals when loading from JSON. */
  EXPECT_ERR(claw_policy_from_json(POLICY, strlen(POLICY) - 3, NULL, &p, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_from_json("", 0, NULL, &p, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_from_json(NULL, 0, NULL, &p, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_from_json(NULL, 5, NULL, &p, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_from_json(POLICY, strlen(POLICY), NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_from_json("{\"policy_version\":\"3\"}", 22, NULL, &p, &err), CLAW_ERR_POLICY, "UNKNOWN_SCHEMA_VERSION", &err);
  const char *unknown = "{\"policy_version\":\"2\",\"policy_id\":\"x\",\"issuer_did\":\"did:web:x\",\"statements\":[],\"extra\":1}";
  EXPECT_ERR(claw_policy_from_json(unknown, strlen(unknown), NULL, &p, &err), CLAW_ERR_POLICY, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_policy_from_json("{\"policy_version\":\"\xc3\x28\"}", 22, NULL, &p, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  size_t big = 2 * 1024 * 1024;
  char *huge = malloc(big);
  memset(huge, ' ', big);
  memcpy(huge, POLICY, strlen(POLICY));
  EXPECT_RC(claw_policy_from_json(huge, big, NULL, &p, &err), CLAW_ERR_POLICY);
  free(huge);
  CHECK(p == NULL, "policy written on failure");

  /* Inheritance: without the parent every decision denies; with it, strict intersection. */
  EXPECT_RC(claw_policy_from_json(CHILD, strlen(CHILD), NULL, &child, &err), CLAW_OK);
  expect_decision(child, "read", NULL, CLAW_DECISION_DENY, "POLICY_PARENT_MISSING", "");
  claw_policy_free(child);
  child = NULL;
  EXPECT_RC(claw_policy_from_json(POLICY, strlen(POLICY), NULL, &parent, &err), CLAW_OK);
  EXPECT_RC(claw_policy_from_json(CHILD, strlen(CHILD), parent, &child, &err), CLAW_OK);
  expect_decision(child, "read", NULL, CLAW_DECISION_ALLOW, "POLICY_ALLOW", "ChildAllowAll");
  expect_decision(child, "exec", NULL, CLAW_DECISION_DENY, "POLICY_VIOLATION", "DenyShell");
  claw_policy_free(parent); /* the child keeps its own reference to the compiled parent */
  expect_decision(child, "unknown", NULL, CLAW_DECISION_DENY, "POLICY_DEFAULT_DENY", "");
  claw_policy_free(child);
  /* A parent given to a policy that does not inherit is refused. */
  EXPECT_RC(claw_policy_from_json(POLICY, strlen(POLICY), NULL, &parent, &err), CLAW_OK);
  EXPECT_ERR(claw_policy_from_json(POLICY, strlen(POLICY), parent, &p, &err), CLAW_ERR_POLICY, "POLICY_PARENT_MISMATCH", &err);
  claw_policy_free(parent);

  /* From a signed envelope. */
  claw_signing_key *sk = NULL;
  claw_verifying_key *pk = NULL;
  char *did = NULL, *env = NULL, *other_env = NULL;
  size_t env_len = 0;
  EXPECT_RC(claw_signing_key_generate(&sk, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_public(sk, &pk, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_did(pk, &did, &err), CLAW_OK);
  const char *type = "work_policy_contract";
  EXPECT_RC(claw_envelope_sign(type, strlen(type), POLICY, strlen(POLICY), sk, NOW * 1000, (NOW + 3600) * 1000, &env, &env_len, &err), CLAW_OK);
  char signers[160];
  snprintf(signers, sizeof signers, "[\"%s\"]", did);
  EXPECT_RC(claw_policy_from_envelope(env, env_len, signers, strlen(signers), NOW, NULL, &p, &err), CLAW_OK);
  expect_decision(p, "read", NULL, CLAW_DECISION_ALLOW, "POLICY_ALLOW", "AllowRead");
  claw_policy_free(p);
  p = NULL;
  EXPECT_ERR(claw_policy_from_envelope(env, env_len, "[]", 2, NOW, NULL, &p, &err), CLAW_ERR_ENVELOPE, "SIGNER_NOT_ALLOWED", &err);
  EXPECT_ERR(claw_policy_from_envelope(env, env_len, NULL, 0, NOW, NULL, &p, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_from_envelope(env, env_len, signers, strlen(signers), NOW + 3600, NULL, &p, &err), CLAW_ERR_ENVELOPE, "EXPIRED", &err);
  EXPECT_ERR(claw_policy_from_envelope(env, env_len - 1, signers, strlen(signers), NOW, NULL, &p, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_from_envelope(env, env_len, "{", 1, NOW, NULL, &p, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_policy_from_envelope(NULL, 1, signers, strlen(signers), NOW, NULL, &p, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_from_envelope("", 0, signers, strlen(signers), NOW, NULL, &p, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  /* Another envelope type, and a payload that is not a policy. */
  const char *bundle_type = "proof_bundle";
  EXPECT_RC(claw_envelope_sign(bundle_type, strlen(bundle_type), POLICY, strlen(POLICY), sk, NOW * 1000, 0, &other_env, NULL, &err), CLAW_OK);
  EXPECT_ERR(claw_policy_from_envelope(other_env, strlen(other_env), signers, strlen(signers), NOW, NULL, &p, &err), CLAW_ERR_ENVELOPE, "UNKNOWN_ENVELOPE_TYPE", &err);
  claw_string_free(other_env);
  other_env = NULL;
  EXPECT_RC(claw_envelope_sign(type, strlen(type), "{\"a\":1}", 7, sk, NOW * 1000, 0, &other_env, NULL, &err), CLAW_OK);
  EXPECT_ERR(claw_policy_from_envelope(other_env, strlen(other_env), signers, strlen(signers), NOW, NULL, &p, &err), CLAW_ERR_POLICY, "SCHEMA_VALIDATION_FAILED", &err);
  claw_string_free(other_env);
  CHECK(p == NULL, "policy written on failure");

  /* claw_policy_sign validates the policy first, and its envelope loads back. */
  char *signed_env = NULL;
  size_t signed_len = 0;
  EXPECT_RC(claw_policy_sign(POLICY, strlen(POLICY), sk, NOW * 1000, 0, &signed_env, &signed_len, &err), CLAW_OK);
  EXPECT_RC(claw_policy_from_envelope(signed_env, signed_len, signers, strlen(signers), NOW, NULL, &p, &err), CLAW_OK);
  claw_policy_free(p);
  p = NULL;
  claw_string_free(signed_env);
  signed_env = NULL;
  EXPECT_ERR(claw_policy_sign("{\"a\":1}", 7, sk, NOW * 1000, 0, &signed_env, NULL, &err), CLAW_ERR_POLICY, "SCHEMA_VALIDATION_FAILED", &err);
  EXPECT_ERR(claw_policy_sign(POLICY, strlen(POLICY) - 1, sk, NOW * 1000, 0, &signed_env, NULL, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_sign("", 0, sk, NOW * 1000, 0, &signed_env, NULL, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_sign("\xff", 1, sk, NOW * 1000, 0, &signed_env, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_policy_sign(POLICY, strlen(POLICY), NULL, NOW * 1000, 0, &signed_env, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_sign(POLICY, strlen(POLICY), sk, NOW * 1000, 0, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  CHECK(signed_env == NULL, "envelope written on failure");

  claw_string_free(env);
  claw_string_free(did);
  claw_verifying_key_free(pk);
  claw_signing_key_free(sk);
}

static void test_authoring(void) {
  claw_error err;
  const char *a =
      "{\"policy_name\":\"invoice-triage-prod\",\"issuer_did\":\"did:web:example.com\","
      "\"tool_classes\":{\"read_only_repo\":[\"git_log\",\"read_file\"]},"
      "\"allowed_tools\":[\"read_only_repo\"],\"denied_tools\":[\"shell_exec\"],"
      "\"approvals\":[{\"action\":\"send_external_email\",\"required\":true}]}";
  char *wpc = NULL;
  size_t wpc_len = 0;
  EXPECT_RC(claw_policy_compile_authoring(a, strlen(a), &wpc, &wpc_len, &err), CLAW_OK);
  CHECK(wpc && strstr(wpc, "\"policy_version\":\"2\"") != NULL, "wpc %s", wpc ? wpc : "(null)");
  claw_policy *p = NULL;
  EXPECT_RC(claw_policy_from_json(wpc, wpc_len, NULL, &p, &err), CLAW_OK);
  claw_decision d;
  EXPECT_RC(claw_policy_decide(p, "read_file", 9, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_ALLOW, "read_file: %s", d.reason_code);
  EXPECT_RC(claw_policy_decide(p, "shell_exec", 10, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_DENY, "shell_exec: %s", d.reason_code);
  EXPECT_RC(claw_policy_decide(p, "send_external_email", 19, NULL, 0, NOW, &d, &err), CLAW_OK);
  CHECK(d.decision == CLAW_DECISION_APPROVAL_REQUIRED, "email: %s", d.reason_code);
  claw_policy_free(p);
  claw_string_free(wpc);

  wpc = NULL;
  EXPECT_ERR(claw_policy_compile_authoring("{\"policy_name\":1}", 17, &wpc, NULL, &err), CLAW_ERR_POLICY, "POLICY_AUTHORING_INVALID", &err);
  EXPECT_ERR(claw_policy_compile_authoring("{", 1, &wpc, NULL, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_compile_authoring("", 0, &wpc, NULL, &err), CLAW_ERR_POLICY, "INVALID_JSON", &err);
  EXPECT_ERR(claw_policy_compile_authoring("\"\xff\"", 3, &wpc, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_policy_compile_authoring(NULL, 3, &wpc, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_policy_compile_authoring(a, strlen(a), NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  CHECK(wpc == NULL, "output written on failure");
}

int main(void) {
  test_decide();
  test_overrides();
  test_load();
  test_authoring();
  return report();
}
