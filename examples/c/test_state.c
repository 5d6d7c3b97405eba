/*
 * C tests of the shared state (claw_state, docs/SPEC.md section 9) against a real redis-server
 * whose URL is in CLAW_TEST_REDIS_URL (scripts/test-c.sh starts one on a free loopback port):
 * one-time use across two handles, a revocation made through one honoured by the other, fail
 * closed when the store is unreachable, bad input.
 */
#define _POSIX_C_SOURCE 199309L
#include "check.h"

#include <time.h>

static const char *CLAIMS =
    "{\"sub\":\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\",\"aud\":[\"gateway\"],"
    "\"scope\":[\"tool:read\"],\"mission_id\":\"job-42\"}";
static const char *OPTS = "{\"audience\":\"gateway\",\"action\":\"tool:read\",\"job\":\"job-42\",\"replay\":\"jti_once_per_job\"}";

static claw_result validate(const char *token, const claw_keyset *ks, const claw_state *st, claw_error *err) {
  char *claims = NULL;
  claw_result rc = claw_cst_validate_with_state(token, strlen(token), ks, OPTS, strlen(OPTS), st, (int64_t)time(NULL),
                                                &claims, NULL, err);
  claw_string_free(claims);
  return rc;
}

static char *issue(const claw_signing_key *sk) {
  claw_error err;
  char *token = NULL;
  EXPECT_RC(claw_cst_issue(sk, CLAIMS, strlen(CLAIMS), 300, 0, NULL, 0, (int64_t)time(NULL), &token, NULL, NULL, &err),
            CLAW_OK);
  return token;
}

int main(void) {
  const char *url = getenv("CLAW_TEST_REDIS_URL");
  CHECK(url != NULL, "CLAW_TEST_REDIS_URL is not set (run through scripts/test-c.sh)");
  if (url == NULL) return report();
  claw_error err;
  claw_signing_key *sk = NULL;
  claw_verifying_key *pk = NULL;
  claw_keyset *ks = NULL;
  claw_state *a = NULL, *b = NULL, *dead = NULL;
  EXPECT_RC(claw_signing_key_generate(&sk, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_public(sk, &pk, &err), CLAW_OK);
  EXPECT_RC(claw_keyset_from_key(pk, NULL, 0, 0, &ks, &err), CLAW_OK);
  EXPECT_RC(claw_state_new_from_url(url, strlen(url), &a, &err), CLAW_OK);
  EXPECT_RC(claw_state_new_from_url(url, strlen(url), &b, &err), CLAW_OK);
  EXPECT_RC(claw_state_wait_ready(a, 20000, &err), CLAW_OK);
  EXPECT_RC(claw_state_wait_ready(b, 20000, &err), CLAW_OK);

  /* One-time use: accepted through a, refused through b (another instance). */
  char *t1 = issue(sk);
  EXPECT_RC(validate(t1, ks, a, &err), CLAW_OK);
  EXPECT_ERR(validate(t1, ks, b, &err), CLAW_ERR_TOKEN, "TOKEN_REPLAYED", &err);
  EXPECT_ERR(validate(t1, ks, a, &err), CLAW_ERR_TOKEN, "TOKEN_REPLAYED", &err);

  /* A revocation made through b reaches a. */
  char *t2 = issue(sk);
  char *hash = NULL;
  EXPECT_RC(claw_cst_token_hash(t2, strlen(t2), &hash, &err), CLAW_OK);
  EXPECT_RC(claw_state_revoke(b, CLAW_REVOKE_TOKEN_HASH, hash, strlen(hash), &err), CLAW_OK);
  claw_result rc = CLAW_OK;
  for (int i = 0; i < 400; i++) {
    memset(&err, 0, sizeof err);
    rc = validate(t2, ks, a, &err);
    if (rc == CLAW_ERR_TOKEN && strcmp(err.reason_code, "TOKEN_REVOKED") == 0) break;
    struct timespec five_ms = {0, 5000000};
    nanosleep(&five_ms, NULL);
  }
  CHECK(rc == CLAW_ERR_TOKEN && strcmp(err.reason_code, "TOKEN_REVOKED") == 0, "t2 not revoked on a: %s", err.reason_code);
  char *t3 = issue(sk);
  EXPECT_RC(claw_state_revoke_key(a, pk, &err), CLAW_OK);
  EXPECT_ERR(validate(t3, ks, a, &err), CLAW_ERR_TOKEN, "TOKEN_REVOKED", &err);

  /* Unreachable store: refused, never accepted. */
  const char *nowhere = "redis://127.0.0.1:1";
  EXPECT_RC(claw_state_new_from_url(nowhere, strlen(nowhere), &dead, &err), CLAW_OK);
  char *t4 = issue(sk);
  EXPECT_ERR(validate(t4, ks, dead, &err), CLAW_ERR_TOKEN, "STATE_STORE_UNAVAILABLE", &err);
  EXPECT_ERR(claw_state_revoke(dead, CLAW_REVOKE_JTI, "x", 1, &err), CLAW_ERR_TOKEN, "STATE_STORE_UNAVAILABLE", &err);

  /* Bad input. */
  claw_state *bad = NULL;
  const char *http = "http://:secret@x";
  EXPECT_ERR(claw_state_new_from_url(http, strlen(http), &bad, &err), CLAW_ERR_INVALID_ARGUMENT, "STATE_REQUEST_INVALID", &err);
  CHECK(strstr(err.message, "secret") == NULL, "password in message: %s", err.message);
  CHECK(bad == NULL, "no handle on failure");
  EXPECT_ERR(claw_state_new_from_url(NULL, 5, &bad, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_state_revoke(a, 99, "x", 1, &err), CLAW_ERR_INVALID_ARGUMENT, "INVALID_REVOCATION_KIND", &err);
  EXPECT_ERR(claw_state_revoke(a, CLAW_REVOKE_JTI, "", 0, &err), CLAW_ERR_INVALID_ARGUMENT, "EMPTY_VALUE", &err);
  EXPECT_ERR(validate(t4, ks, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_state_wait_ready(NULL, 1, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);

  claw_string_free(t1);
  claw_string_free(t2);
  claw_string_free(t3);
  claw_string_free(t4);
  claw_string_free(hash);
  claw_state_free(a);
  claw_state_free(b);
  claw_state_free(dead);
  claw_state_free(NULL);
  claw_keyset_free(ks);
  claw_verifying_key_free(pk);
  claw_signing_key_free(sk);
  return report();
}
