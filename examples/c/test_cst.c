/*
 * C tests of the scoped-token (CST) part of the claw C ABI: key sets, issue, validate with
 * the in-memory replay guard and revocation; bad input on purpose for every function.
 */
#include "check.h"

static const int64_t NOW = 1770768000;
static const char *CLAIMS =
    "{\"sub\":\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\",\"aud\":[\"gateway\"],"
    "\"scope\":[\"tool:read\",\"tool:write\"],\"mission_id\":\"job-42\"}";

static claw_result validate(const char *token, const claw_keyset *ks, const char *opts, const claw_replay_guard *g,
                            const claw_revocations *r, int64_t now, char **claims, claw_error *err) {
  return claw_cst_validate(token, strlen(token), ks, opts, strlen(opts), g, r, now, claims, NULL, err);
}

static void test_cst(void) {
  claw_error err;
  claw_signing_key *sk = NULL;
  claw_verifying_key *pk = NULL;
  claw_keyset *ks = NULL, *ks2 = NULL;
  char *token = NULL, *signed_claims = NULL, *claims = NULL, *did = NULL;
  size_t token_len = 0;

  EXPECT_RC(claw_signing_key_generate(&sk, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_public(sk, &pk, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_did(pk, &did, &err), CLAW_OK);
  EXPECT_RC(claw_keyset_from_key(pk, NULL, 0, 0, &ks, &err), CLAW_OK);
  char dids[160];
  snprintf(dids, sizeof dids, "[\"%s\"]", did);
  EXPECT_RC(claw_keyset_from_json(dids, strlen(dids), &ks2, &err), CLAW_OK);

  EXPECT_RC(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS), 300, 0, NULL, 0, NOW, &token, &token_len, &signed_claims, &err), CLAW_OK);
  CHECK(token && strlen(token) == token_len && strchr(token, '.') != NULL, "token %s", token ? token : "(null)");
  CHECK(signed_claims && strstr(signed_claims, "\"jti\":") && strstr(signed_claims, "\"exp\":1770768300"), "claims %s",
        signed_claims ? signed_claims : "(null)");

  const char *opts = "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"job\":\"job-42\"}";
  EXPECT_RC(validate(token, ks, opts, NULL, NULL, NOW + 10, &claims, &err), CLAW_OK);
  CHECK(claims && strstr(claims, "\"mission_id\":\"job-42\"") && strstr(claims, "\"kid\":"), "validated %s", claims ? claims : "(null)");
  claw_string_free(claims);
  claims = NULL;
  EXPECT_RC(validate(token, ks2, opts, NULL, NULL, NOW + 10, &claims, &err), CLAW_OK);
  claw_string_free(claims);
  claims = NULL;

  /* Each check, with its reason. */
  EXPECT_ERR(validate(token, ks, opts, NULL, NULL, NOW + 400, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_EXPIRED", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"other\",\"action\":\"tool:read\"}", NULL, NULL, NOW, &claims, &err),
             CLAW_ERR_TOKEN, "TOKEN_BAD_AUDIENCE", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"tool:exec\"}", NULL, NULL, NOW, &claims, &err),
             CLAW_ERR_TOKEN, "TOKEN_INSUFFICIENT_SCOPE", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"job\":\"job-7\"}", NULL, NULL, NOW, &claims, &err),
             CLAW_ERR_TOKEN, "TOKEN_MISSION_MISMATCH", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"max_ttl_seconds\":60}", NULL, NULL, NOW, &claims, &err),
             CLAW_ERR_TOKEN, "TOKEN_TTL_EXCEEDS_POLICY", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"require_policy_pin\":true}", NULL, NULL, NOW, &claims, &err),
             CLAW_ERR_TOKEN, "TOKEN_POLICY_PIN_REQUIRED", &err);
  char *tampered = malloc(token_len + 1);
  memcpy(tampered, token, token_len + 1);
  tampered[token_len - 2] = tampered[token_len - 2] == 'A' ? 'B' : 'A';
  EXPECT_ERR(validate(tampered, ks, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_SIGNATURE_INVALID", &err);
  free(tampered);
  claw_keyset *empty = NULL;
  EXPECT_RC(claw_keyset_from_json("[]", 2, &empty, &err), CLAW_OK);
  EXPECT_ERR(validate(token, empty, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_UNKNOWN_KID", &err);
  claw_keyset_free(empty);
  EXPECT_ERR(validate("abc", ks, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_MALFORMED", &err);
  EXPECT_ERR(validate("", ks, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_MALFORMED", &err);

  /* Replay guard: the jti is accepted once per job, also across handles of one guard. */
  claw_replay_guard *guard = NULL;
  size_t n = 99;
  EXPECT_RC(claw_replay_guard_new(1000, &guard, &err), CLAW_OK);
  const char *once = "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"job\":\"job-42\",\"replay\":\"jti_once_per_job\"}";
  EXPECT_RC(validate(token, ks, once, guard, NULL, NOW, &claims, &err), CLAW_OK);
  claw_string_free(claims);
  claims = NULL;
  EXPECT_ERR(validate(token, ks, once, guard, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_REPLAYED", &err);
  EXPECT_RC(claw_replay_guard_len(guard, &n, &err), CLAW_OK);
  CHECK(n == 1, "guard len %zu", n);
  EXPECT_RC(claw_replay_guard_purge_expired(guard, NOW + 1000, &err), CLAW_OK);
  EXPECT_RC(claw_replay_guard_len(guard, &n, &err), CLAW_OK);
  CHECK(n == 0, "guard len after purge %zu", n);
  EXPECT_ERR(validate(token, ks, once, NULL, NULL, NOW, &claims, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"replay\":\"sometimes\"}", guard, NULL, NOW, &claims, &err),
             CLAW_ERR_INVALID_ARGUMENT, "INVALID_OPTIONS", &err);
  EXPECT_RC(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"job\":\"job-42\",\"replay\":\"bound_to_job\"}", NULL, NULL, NOW, &claims, &err), CLAW_OK);
  claw_string_free(claims);
  claims = NULL;

  /* Revocation, by token hash, jti, kid and key. */
  claw_revocations *rev = NULL;
  char *th = NULL;
  EXPECT_RC(claw_revocations_new(&rev, &err), CLAW_OK);
  EXPECT_RC(validate(token, ks, opts, NULL, rev, NOW, &claims, &err), CLAW_OK);
  claw_string_free(claims);
  claims = NULL;
  EXPECT_RC(claw_cst_token_hash(token, token_len, &th, &err), CLAW_OK);
  CHECK(th && strlen(th) == 64, "token hash %s", th ? th : "(null)");
  EXPECT_RC(claw_revocations_revoke(rev, CLAW_REVOKE_TOKEN_HASH, th, strlen(th), &err), CLAW_OK);
  EXPECT_ERR(validate(token, ks, opts, NULL, rev, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_REVOKED", &err);
  claw_revocations_free(rev);
  rev = NULL;
  EXPECT_RC(claw_revocations_new(&rev, &err), CLAW_OK);
  EXPECT_RC(claw_revocations_revoke_key(rev, pk, &err), CLAW_OK);
  EXPECT_ERR(validate(token, ks, opts, NULL, rev, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_REVOKED", &err);
  EXPECT_ERR(claw_revocations_revoke(rev, 99, "x", 1, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_REVOCATION_KIND", &err);
  EXPECT_ERR(claw_revocations_revoke(rev, CLAW_REVOKE_JTI, "", 0, &err), CLAW_ERR_INVALID_ARGUMENT, "EMPTY_VALUE", &err);
  EXPECT_ERR(claw_revocations_revoke(rev, CLAW_REVOKE_JTI, NULL, 4, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_revocations_revoke(rev, CLAW_REVOKE_JTI, "\xff", 1, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_revocations_revoke(NULL, CLAW_REVOKE_JTI, "x", 1, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_revocations_revoke_key(rev, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  claw_revocations_free(rev);
  claw_string_free(th);

  /* Issue: bad claims and arguments. */
  char *none = NULL;
  EXPECT_ERR(claw_cst_issue(sk, "{\"sub\":\"x\"}", 11, 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_TOKEN, "TOKEN_INVALID_CLAIMS", &err);
  EXPECT_ERR(claw_cst_issue(sk, "{\"sub\":\"x\",\"aud\":[\"a\"],\"scope\":[\"s\"],\"bogus\":1}", 47, 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_TOKEN, "TOKEN_INVALID_CLAIMS", &err);
  EXPECT_ERR(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS), 0, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_TOKEN, "TOKEN_ISSUE_INVALID", &err);
  EXPECT_ERR(claw_cst_issue(sk, "[]", 2, 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_CLAIMS", &err);
  EXPECT_ERR(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS) - 1, 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_cst_issue(sk, "", 0, 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_cst_issue(sk, "{\"sub\":\"\xff\"}", 10, 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_cst_issue(NULL, CLAIMS, strlen(CLAIMS), 300, 0, NULL, 0, NOW, &none, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS), 300, 0, NULL, 0, NOW, NULL, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS), 300, 0, NULL, 5, NOW, &none, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  CHECK(none == NULL, "token written on failure");
  /* max_ttl caps the lifetime; an explicit kid is used. */
  char *capped = NULL, *capped_claims = NULL;
  EXPECT_RC(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS), 3600, 60, "issuer-1", 8, NOW, &capped, NULL, &capped_claims, &err), CLAW_OK);
  CHECK(capped_claims && strstr(capped_claims, "\"exp\":1770768060"), "capped %s", capped_claims ? capped_claims : "(null)");
  claw_keyset *named = NULL;
  EXPECT_RC(claw_keyset_from_key(pk, "issuer-1", 8, NOW + 30, &named, &err), CLAW_OK);
  EXPECT_RC(validate(capped, named, opts, NULL, NULL, NOW, &claims, &err), CLAW_OK);
  claw_string_free(claims);
  claims = NULL;
  EXPECT_ERR(validate(capped, named, opts, NULL, NULL, NOW + 31, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_KID_EXPIRED", &err);
  EXPECT_ERR(validate(capped, ks, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_UNKNOWN_KID", &err);
  claw_keyset_free(named);
  claw_string_free(capped);
  claw_string_free(capped_claims);

  /* Validate: bad arguments. */
  EXPECT_ERR(validate(token, NULL, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_cst_validate(token, token_len, ks, opts, strlen(opts), NULL, NULL, NOW, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_cst_validate(NULL, 5, ks, opts, strlen(opts), NULL, NULL, NOW, &claims, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_cst_validate(token, token_len, ks, NULL, 0, NULL, NULL, NOW, &claims, NULL, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\"}", NULL, NULL, NOW, &claims, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_OPTIONS", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":\"gateway\",\"action\":\"a\",\"extra\":1}", NULL, NULL, NOW, &claims, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_OPTIONS", &err);
  EXPECT_ERR(validate(token, ks, "{\"audience\":", NULL, NULL, NOW, &claims, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_cst_validate("\xff", 1, ks, opts, strlen(opts), NULL, NULL, NOW, &claims, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_cst_validate(token, (size_t)-1, ks, opts, strlen(opts), NULL, NULL, NOW, &claims, NULL, &err), CLAW_ERR_INVALID_ARGUMENT, "INPUT_TOO_LARGE", &err);
  /* An oversized token (over the 8 KiB bound) is malformed. */
  size_t big = 9000;
  char *huge = malloc(big + 1);
  memset(huge, 'A', big);
  huge[big] = 0;
  huge[100] = '.';
  huge[200] = '.';
  EXPECT_ERR(validate(huge, ks, opts, NULL, NULL, NOW, &claims, &err), CLAW_ERR_TOKEN, "TOKEN_MALFORMED", &err);
  free(huge);
  CHECK(claims == NULL, "claims written on failure");

  /* Key sets, guards and token hashes: bad input. */
  claw_keyset *bad = NULL;
  EXPECT_ERR(claw_keyset_from_json("[\"did:web:x\"]", 13, &bad, &err), CLAW_ERR_TOKEN, "SIGNING_CONFIG_INVALID", &err);
  EXPECT_ERR(claw_keyset_from_json("[1]", 3, &bad, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_KEY_SET", &err);
  EXPECT_ERR(claw_keyset_from_json("{\"keys\":[{}]}", 13, &bad, &err), CLAW_ERR_TOKEN, "SIGNING_CONFIG_INVALID", &err);
  EXPECT_ERR(claw_keyset_from_json("{\"keys\":", 8, &bad, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_keyset_from_json("", 0, &bad, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_keyset_from_json(NULL, 3, &bad, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_keyset_from_json("[]", 2, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_keyset_from_key(NULL, NULL, 0, 0, &bad, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_keyset_from_key(pk, "\xff", 1, 0, &bad, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  CHECK(bad == NULL, "keyset written on failure");
  claw_replay_guard *g2 = NULL;
  EXPECT_ERR(claw_replay_guard_new(0, &g2, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_CAPACITY", &err);
  EXPECT_ERR(claw_replay_guard_new(10, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_replay_guard_len(NULL, &n, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_replay_guard_len(guard, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_replay_guard_purge_expired(NULL, NOW, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_revocations_new(NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  char *h2 = NULL;
  EXPECT_ERR(claw_cst_token_hash(NULL, 3, &h2, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_cst_token_hash(token, token_len, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  CHECK(g2 == NULL && h2 == NULL, "outputs written on failure");

  claw_replay_guard_free(guard);
  claw_replay_guard_free(NULL);
  claw_revocations_free(NULL);
  claw_keyset_free(NULL);
  claw_keyset_free(ks);
  claw_keyset_free(ks2);
  claw_string_free(token);
  claw_string_free(signed_claims);
  claw_string_free(did);
  claw_verifying_key_free(pk);
  claw_signing_key_free(sk);
}

int main(void) {
  test_cst();
  return report();
}
