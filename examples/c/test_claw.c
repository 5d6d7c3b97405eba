/*
 * C tests of the claw C ABI. Built with -Wall -Wextra -Werror and run under valgrind
 * (zero errors, zero definite/indirect leaks) by scripts/test-c.sh.
 *
 * Each test exercises the public header only, including bad input on purpose: NULL
 * pointers, zero lengths, invalid UTF-8, truncated and oversized JSON, freed handles passed
 * as NULL. Every call's result is checked.
 */
#include "claw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    checks++;                                                             \
    if (!(cond)) {                                                        \
      failures++;                                                         \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
      fprintf(stderr, __VA_ARGS__);                                       \
      fputc('\n', stderr);                                                \
    }                                                                     \
  } while (0)

#define EXPECT_RC(call, want)                                             \
  do {                                                                    \
    claw_result rc_ = (call);                                             \
    CHECK(rc_ == (claw_result)(want), "%s returned %s, want %s", #call,   \
          claw_result_name(rc_), claw_result_name(want));                 \
  } while (0)

static void test_version(void) {
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", CLAW_VERSION_MAJOR, CLAW_VERSION_MINOR,
           CLAW_VERSION_PATCH);
  CHECK(strcmp(claw_version(), want) == 0, "claw_version()=%s macros=%s", claw_version(), want);
  CHECK(strcmp(claw_result_name(CLAW_OK), "CLAW_OK") == 0, "name of OK");
  CHECK(strcmp(claw_result_name(9999), "unknown claw_result") == 0, "unknown code");
}

static void test_jcs(void) {
  claw_error err;
  char *out = NULL;
  size_t out_len = 0;
  const char *doc = "{\"b\": [1.0, 2e1], \"a\": \"\\u20ac\"}";
  EXPECT_RC(claw_jcs(doc, strlen(doc), &out, &out_len, &err), CLAW_OK);
  CHECK(out != NULL && strcmp(out, "{\"a\":\"\xe2\x82\xac\",\"b\":[1,20]}") == 0, "jcs output %s", out ? out : "(null)");
  CHECK(out_len == strlen(out ? out : ""), "out_len");
  claw_string_free(out);

  /* Bad input on purpose: each must fail with a code, write no output, and fill err. */
  struct { const char *text; size_t len; claw_result want; const char *reason; } bad[] = {
      {"{\"a\":1,\"a\":2}", 13, CLAW_ERR_JSON, "JSON_DUPLICATE_KEY"},
      {"{\"a\":", 5, CLAW_ERR_JSON, "JSON_SYNTAX"},                 /* truncated */
      {"\"\\ud800\"", 8, CLAW_ERR_JSON, "JSON_LONE_SURROGATE"},
      {"[9007199254740993]", 18, CLAW_ERR_JSON, "JSON_INEXACT_INTEGER"},
      {"[1e400]", 7, CLAW_ERR_JSON, "JSON_NUMBER_OUT_OF_RANGE"},
      {"\"\xff\"", 3, CLAW_ERR_INVALID_UTF8, "INVALID_UTF8"},
      {"", 0, CLAW_ERR_JSON, "JSON_SYNTAX"},                        /* zero length */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    out = NULL;
    memset(&err, 0, sizeof err);
    EXPECT_RC(claw_jcs(bad[i].text, bad[i].len, &out, NULL, &err), bad[i].want);
    CHECK(out == NULL, "output written on failure (case %zu)", i);
    CHECK(err.code == bad[i].want, "err.code (case %zu)", i);
    CHECK(strcmp(err.reason_code, bad[i].reason) == 0, "case %zu reason %s, want %s", i, err.reason_code, bad[i].reason);
    CHECK(strlen(err.message) > 0, "message empty (case %zu)", i);
  }

  /* Deeply nested (oversized depth) JSON. */
  size_t depth = 100000;
  char *deep = malloc(2 * depth);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  EXPECT_RC(claw_jcs(deep, 2 * depth, &out, NULL, &err), CLAW_ERR_JSON);
  CHECK(strcmp(err.reason_code, "JSON_TOO_DEEP") == 0, "deep: %s", err.reason_code);
  free(deep);

  /* Many tiny values: 12 MiB of "[[[[[[[[]]]]]]]]," costs ~100 times its size to hold and is
     refused before the memory is spent (the core's budget per input byte). */
  const char *unit = "[[[[[[[[]]]]]]]],";
  size_t n = (12u << 20) / strlen(unit), cap = n * strlen(unit) + 2;
  char *tiny = malloc(cap);
  size_t at = 0;
  tiny[at++] = '[';
  for (size_t i = 0; i < n; i++) {
    memcpy(tiny + at, unit, strlen(unit));
    at += strlen(unit);
  }
  tiny[at - 1] = ']';
  EXPECT_RC(claw_jcs(tiny, at, &out, NULL, &err), CLAW_ERR_JSON);
  CHECK(strcmp(err.reason_code, "JSON_TOO_COMPLEX") == 0, "tiny values: %s", err.reason_code);
  free(tiny);

  /* NULL pointers. */
  EXPECT_RC(claw_jcs(NULL, 5, &out, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  EXPECT_RC(claw_jcs(doc, strlen(doc), NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  EXPECT_RC(claw_jcs(NULL, 0, &out, NULL, NULL), CLAW_ERR_JSON); /* NULL+0 is an empty input; NULL err is allowed */
  /* Absurd length is refused before any read. */
  EXPECT_RC(claw_jcs(doc, (size_t)-1, &out, NULL, &err), CLAW_ERR_INVALID_ARGUMENT);
}

static void test_approval_arguments(void) {
  claw_error err;
  char *out = NULL;
  size_t out_len = 0;
  /* Shown in canonical order, a right-to-left override escaped (it would make the path read
     as another one in an approval dialog). */
  const char *args = "{\"path\":\"/tmp/\xE2\x80\xAEtxt.exe\",\"content\":\"x\"}";
  EXPECT_RC(claw_approval_arguments(args, strlen(args), 0, &out, &out_len, &err), CLAW_OK);
  CHECK(out && strcmp(out, "{\"content\":\"x\",\"path\":\"/tmp/\\u{202E}txt.exe\"}") == 0, "shown: %s",
        out ? out : "(null)");
  CHECK(out && out_len == strlen(out), "length");
  claw_string_free(out);
  out = NULL;
  /* Too long for 200 characters: the beginning, how much is hidden, and the hash. */
  char long_args[5000];
  int n = snprintf(long_args, sizeof long_args, "{\"cmd\":\"%04000d; rm -rf /\"}", 0);
  EXPECT_RC(claw_approval_arguments(long_args, (size_t)n, 200, &out, &out_len, &err), CLAW_OK);
  CHECK(out && strstr(out, "more characters not shown") && !strstr(out, "rm -rf"), "cut: %s", out ? out : "(null)");
  CHECK(out_len <= 200 * 3, "bounded: %zu bytes", out_len);
  claw_string_free(out);
  out = NULL;
  /* Not strict JSON, outside I-JSON, NULL pointers. */
  EXPECT_RC(claw_approval_arguments("{\"a\":1,\"a\":2}", 13, 0, &out, NULL, &err), CLAW_ERR_JSON);
  EXPECT_RC(claw_approval_arguments("{\"n\":9007199254740993}", 22, 0, &out, NULL, &err), CLAW_ERR_JSON);
  EXPECT_RC(claw_approval_arguments(NULL, 5, 0, &out, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  EXPECT_RC(claw_approval_arguments(args, strlen(args), 0, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  CHECK(out == NULL, "no output on failure");
}

static void test_keys(void) {
  claw_error err;
  claw_signing_key *sk = NULL;
  claw_verifying_key *pk = NULL, *pk2 = NULL;
  char *jwk = NULL, *pub = NULL, *did = NULL, *did2 = NULL;

  EXPECT_RC(claw_signing_key_generate(&sk, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_to_jwk(sk, &jwk, &err), CLAW_OK);
  CHECK(jwk && strstr(jwk, "\"d\":") != NULL, "private jwk has d");
  EXPECT_RC(claw_signing_key_public(sk, &pk, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_to_jwk(pk, &pub, &err), CLAW_OK);
  CHECK(pub && strstr(pub, "\"d\":") == NULL, "public jwk has no d");
  EXPECT_RC(claw_verifying_key_did(pk, &did, &err), CLAW_OK);
  CHECK(did && strncmp(did, "did:key:z6Mk", 12) == 0, "did %s", did ? did : "(null)");

  /* Round trips. */
  EXPECT_RC(claw_verifying_key_from_did(did, &pk2, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_did(pk2, &did2, &err), CLAW_OK);
  CHECK(did2 && strcmp(did, did2) == 0, "did round trip");
  claw_verifying_key_free(pk2);
  pk2 = NULL;
  EXPECT_RC(claw_verifying_key_from_jwk(pub, strlen(pub), &pk2, &err), CLAW_OK);
  claw_verifying_key_free(pk2);
  pk2 = NULL;

  /* A private JWK where a public key is expected is refused. */
  EXPECT_RC(claw_verifying_key_from_jwk(jwk, strlen(jwk), &pk2, &err), CLAW_ERR_KEY);
  CHECK(pk2 == NULL, "no output on failure");
  /* Bad DIDs and JWKs. */
  EXPECT_RC(claw_verifying_key_from_did("did:web:example.com", &pk2, &err), CLAW_ERR_KEY);
  CHECK(strcmp(err.reason_code, "INVALID_DID_FORMAT") == 0, "%s", err.reason_code);
  EXPECT_RC(claw_verifying_key_from_did(NULL, &pk2, &err), CLAW_ERR_NULL_ARGUMENT);
  const char *weak = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";
  EXPECT_RC(claw_verifying_key_from_jwk(weak, strlen(weak), &pk2, &err), CLAW_ERR_KEY);
  CHECK(strcmp(err.reason_code, "WEAK_PUBLIC_KEY") == 0, "%s", err.reason_code);
  EXPECT_RC(claw_signing_key_from_jwk("{", 1, &sk, &err), CLAW_ERR_KEY);
  EXPECT_RC(claw_signing_key_to_jwk(NULL, &jwk, &err), CLAW_ERR_NULL_ARGUMENT);

  /* A freed handle passed as NULL is an error code, not a crash; frees accept NULL. */
  claw_signing_key_free(sk);
  sk = NULL;
  EXPECT_RC(claw_signing_key_public(sk, &pk2, &err), CLAW_ERR_NULL_ARGUMENT);
  claw_signing_key_free(NULL);
  claw_verifying_key_free(NULL);
  claw_string_free(NULL);

  claw_verifying_key_free(pk);
  claw_string_free(jwk);
  claw_string_free(pub);
  claw_string_free(did);
  claw_string_free(did2);
}


static void test_envelope(void) {
  claw_error err;
  claw_signing_key *sk = NULL;
  claw_verifying_key *pk = NULL;
  char *env = NULL, *out = NULL, *did = NULL;
  size_t env_len = 0, out_len = 0;
  const char *type = "work_policy_contract";
  const char *payload = "{\"policy_version\":\"2\",\"z\":1,\"a\":[true]}";

  EXPECT_RC(claw_signing_key_generate(&sk, &err), CLAW_OK);
  EXPECT_RC(claw_signing_key_public(sk, &pk, &err), CLAW_OK);
  EXPECT_RC(claw_verifying_key_did(pk, &did, &err), CLAW_OK);
  EXPECT_RC(claw_envelope_sign(type, strlen(type), payload, strlen(payload), sk, 1770768000000, 0, &env, &env_len, &err), CLAW_OK);
  CHECK(env && strlen(env) == env_len && strstr(env, "\"signer_did\":\"did:key:z6Mk") != NULL, "envelope %s", env ? env : "(null)");

  /* Verify: any signer, then a trusted list containing the signer. */
  EXPECT_RC(claw_envelope_verify(env, env_len, type, strlen(type), NULL, 0, 0, &out, &out_len, &err), CLAW_OK);
  CHECK(out && strstr(out, "\"payload\":{\"a\":[true],\"policy_version\":\"2\",\"z\":1}") != NULL, "verified %s", out ? out : "(null)");
  claw_string_free(out);
  out = NULL;
  char signers[128];
  snprintf(signers, sizeof signers, "[\"%s\"]", did);
  EXPECT_RC(claw_envelope_verify(env, env_len, type, strlen(type), signers, strlen(signers), 1770768000, &out, NULL, &err), CLAW_OK);
  claw_string_free(out);
  out = NULL;

  /* Refusals, each with its reason code and no output. */
  const char *other = "[\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\"]";
  EXPECT_RC(claw_envelope_verify(env, env_len, type, strlen(type), other, strlen(other), 0, &out, NULL, &err), CLAW_ERR_ENVELOPE);
  CHECK(strcmp(err.reason_code, "SIGNER_NOT_ALLOWED") == 0, "%s", err.reason_code);
  EXPECT_RC(claw_envelope_verify(env, env_len, "proof_bundle", 12, NULL, 0, 0, &out, NULL, &err), CLAW_ERR_ENVELOPE);
  CHECK(strcmp(err.reason_code, "UNKNOWN_ENVELOPE_TYPE") == 0, "%s", err.reason_code);
  char *tampered = malloc(env_len + 1);
  memcpy(tampered, env, env_len + 1);
  char *z = strstr(tampered, "\"z\":1");
  if (z) z[4] = '2';
  EXPECT_RC(claw_envelope_verify(tampered, env_len, type, strlen(type), NULL, 0, 0, &out, NULL, &err), CLAW_ERR_ENVELOPE);
  CHECK(strcmp(err.reason_code, "HASH_MISMATCH") == 0, "%s", err.reason_code);
  free(tampered);
  char *expiring = NULL;
  EXPECT_RC(claw_envelope_sign(type, strlen(type), payload, strlen(payload), sk, 1770768000000, 1770768060000, &expiring, NULL, &err), CLAW_OK);
  EXPECT_RC(claw_envelope_verify(expiring, strlen(expiring), type, strlen(type), NULL, 0, 1770768060, &out, NULL, &err), CLAW_ERR_ENVELOPE);
  CHECK(strcmp(err.reason_code, "EXPIRED") == 0, "%s", err.reason_code);
  claw_string_free(expiring);
  EXPECT_RC(claw_envelope_verify(env, env_len - 1, type, strlen(type), NULL, 0, 0, &out, NULL, &err), CLAW_ERR_ENVELOPE); /* truncated */
  CHECK(strcmp(err.reason_code, "JSON_SYNTAX") == 0 || strcmp(err.reason_code, "INVALID_JSON") == 0, "%s", err.reason_code);
  EXPECT_RC(claw_envelope_verify(env, env_len, type, strlen(type), "{}", 2, 0, &out, NULL, &err), CLAW_ERR_INVALID_ARGUMENT);
  EXPECT_RC(claw_envelope_verify(env, env_len, type, strlen(type), "[1]", 3, 0, &out, NULL, &err), CLAW_ERR_INVALID_ARGUMENT);
  EXPECT_RC(claw_envelope_verify(NULL, 10, type, strlen(type), NULL, 0, 0, &out, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  EXPECT_RC(claw_envelope_verify(env, env_len, type, strlen(type), NULL, 0, 0, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  EXPECT_RC(claw_envelope_verify("", 0, type, strlen(type), NULL, 0, 0, &out, NULL, &err), CLAW_ERR_ENVELOPE);
  EXPECT_RC(claw_envelope_verify(env, (size_t)-1, type, strlen(type), NULL, 0, 0, &out, NULL, &err), CLAW_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL, "no output written on failure");

  /* Sign: bad payloads and arguments. */
  char *none = NULL;
  EXPECT_RC(claw_envelope_sign(type, strlen(type), "[1]", 3, sk, 1, 0, &none, NULL, &err), CLAW_ERR_ENVELOPE);
  EXPECT_RC(claw_envelope_sign(type, strlen(type), "{\"a\":", 5, sk, 1, 0, &none, NULL, &err), CLAW_ERR_JSON);
  EXPECT_RC(claw_envelope_sign(type, strlen(type), "{\"a\":\"\xc3\"}", 8, sk, 1, 0, &none, NULL, &err), CLAW_ERR_INVALID_UTF8);
  EXPECT_RC(claw_envelope_sign(type, strlen(type), payload, strlen(payload), NULL, 1, 0, &none, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  EXPECT_RC(claw_envelope_sign(NULL, 3, payload, strlen(payload), sk, 1, 0, &none, NULL, &err), CLAW_ERR_NULL_ARGUMENT);
  CHECK(none == NULL, "no output written on failure");

  claw_string_free(env);
  claw_string_free(did);
  claw_verifying_key_free(pk);
  claw_signing_key_free(sk);
}

int main(void) {
  test_version();
  test_jcs();
  test_approval_arguments();
  test_keys();
  test_envelope();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
