/*
 * C tests of commit signature and aggregate bundle verification through the claw C ABI
 * (claw_commit_verify, claw_aggregate_verify; docs/SPEC.md section 11): every commit_sig and
 * aggregate_bundle vector of the reference conformance manifest gets its expected verdict,
 * tampered documents fail with their reason code, and bad input (not JSON, too large, not
 * UTF-8, NULL, a bad options document) is a FAIL verdict or an error code, never a crash.
 *
 * The vectors are listed by scripts/test-c.sh from the shared manifest
 * (shared/clawsig/fixtures/protocol-conformance/manifest.v1.json) into a tab-separated file
 * named by $CLAW_CONFORMANCE_TSV: kind, name, path, expected valid (0/1), accepted reason
 * codes (comma-separated).
 */
#include "check.h"

/* 2026-03-01T00:00:00Z: the aggregate vectors are valid until 2026-03-31 (as the Rust test). */
static const int64_t AGGREGATE_NOW = 1772323200000;
/* 2026-04-01T00:00:00Z: past their expires_at plus the 5-minute skew. */
static const int64_t AGGREGATE_LATE = 1775001600000;

#define LIT(s) (s), (sizeof(s) - 1)

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Copy the top-level string member `key` of a canonical verdict into out (a verdict has no
 * nested member of these names, and a quote inside a string value is escaped, so the first
 * `"key":"` is the member). */
static void member(const char *verdict, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  out[0] = '\0';
  const char *p = strstr(verdict, pat);
  if (!p) return;
  p += strlen(pat);
  size_t i = 0;
  while (p[i] && p[i] != '"' && i + 1 < cap) {
    out[i] = p[i];
    i++;
  }
  out[i] = '\0';
}

/* Is `code` one of the comma-separated `codes`? */
static int one_of(const char *code, const char *codes) {
  size_t n = strlen(code);
  for (const char *p = codes; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, code, n) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

/* Replace the first `from` in s by `to` (same length). */
static int replace(char *s, const char *from, const char *to) {
  char *p = strstr(s, from);
  if (!p || strlen(from) != strlen(to)) return 0;
  memcpy(p, to, strlen(to));
  return 1;
}

static char *config = NULL;
static size_t config_len = 0;

/* Verify one document as `kind`; returns the verdict (free with claw_string_free) or NULL. */
static char *verify(const char *kind, const char *doc, size_t len, int64_t now, bool *valid) {
  claw_error err;
  char *verdict = NULL;
  size_t verdict_len = 0;
  claw_result rc;
  if (strcmp(kind, "commit_sig") == 0) {
    rc = claw_commit_verify(doc, len, valid, &verdict, &verdict_len, &err);
  } else {
    rc = claw_aggregate_verify(doc, len, config, config_len, now, valid, &verdict, &verdict_len, &err);
  }
  CHECK(rc == CLAW_OK, "%s: %s %s: %s", kind, claw_result_name(rc), err.reason_code, err.message);
  if (rc != CLAW_OK) return NULL;
  CHECK(verdict_len == strlen(verdict), "verdict length");
  return verdict;
}

static void test_manifest(void) {
  const char *tsv = getenv("CLAW_CONFORMANCE_TSV");
  const char *shared = getenv("CLAW_SHARED_DIR");
  CHECK(tsv && shared, "CLAW_CONFORMANCE_TSV and CLAW_SHARED_DIR must be set (scripts/test-c.sh sets them)");
  if (!tsv || !shared) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/clawsig/fixtures/protocol-conformance/clawverify.config.conformance.v1.json", shared);
  config = read_file(path, &config_len);
  CHECK(config != NULL, "cannot read %s", path);
  size_t list_len = 0;
  char *list = read_file(tsv, &list_len);
  CHECK(list != NULL, "cannot read %s", tsv);
  if (!config || !list) {
    free(list);
    return;
  }
  int commits = 0, aggregates = 0;
  for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
    char *f[5];
    int n = 0;
    for (char *p = line; n < 5; n++) {
      f[n] = p;
      char *tab = strchr(p, '\t');
      if (!tab) {
        n++;
        break;
      }
      *tab = '\0';
      p = tab + 1;
    }
    CHECK(n == 5, "bad line in %s", tsv);
    if (n != 5) continue;
    const char *kind = f[0], *name = f[1], *want_codes = f[4];
    bool want_valid = strcmp(f[3], "1") == 0;
    size_t len = 0;
    char *doc = read_file(f[2], &len);
    CHECK(doc != NULL, "%s: cannot read %s", name, f[2]);
    if (!doc) continue;
    if (strcmp(kind, "commit_sig") == 0) commits++;
    else if (strcmp(kind, "aggregate_bundle") == 0) aggregates++;
    bool valid = !want_valid;
    char *verdict = verify(kind, doc, len, AGGREGATE_NOW, &valid);
    if (verdict) {
      char code[128], status[16], vkind[32];
      member(verdict, "reason_code", code, sizeof code);
      member(verdict, "status", status, sizeof status);
      member(verdict, "kind", vkind, sizeof vkind);
      CHECK(valid == want_valid && one_of(code, want_codes), "%s: got %s %s, want %s %s", name,
            valid ? "PASS" : "FAIL", code, want_valid ? "PASS" : "FAIL", want_codes);
      CHECK(strcmp(status, valid ? "PASS" : "FAIL") == 0, "%s: status %s", name, status);
      CHECK(strcmp(vkind, kind) == 0, "%s: kind %s", name, vkind);
      claw_string_free(verdict);
    }
    free(doc);
  }
  /* The manifest's counts (as claw-core/tests/evidence_conformance.rs). */
  CHECK(commits == 5, "%d commit_sig vectors, want 5", commits);
  CHECK(aggregates == 9, "%d aggregate_bundle vectors, want 9", aggregates);
  free(list);
}

static void test_commit(void) {
  const char *shared = getenv("CLAW_SHARED_DIR");
  if (!shared) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/clawsig/fixtures/protocol-conformance/commit_sig_pass.v1.json", shared);
  size_t len = 0;
  char *doc = read_file(path, &len);
  CHECK(doc != NULL, "cannot read %s", path);
  if (!doc) return;
  bool valid = false;
  char code[128], sha[80];
  char *verdict = verify("commit_sig", doc, len, 0, &valid);
  if (verdict) {
    member(verdict, "commit_sha", sha, sizeof sha);
    CHECK(valid && strcmp(sha, "135016bbeda0a95d5745ff9031c1287263ea0a06") == 0, "commit %s", verdict);
    claw_string_free(verdict);
  }
  /* valid_out and verdict_len_out are optional. */
  claw_error err;
  verdict = NULL;
  EXPECT_RC(claw_commit_verify(doc, len, NULL, &verdict, NULL, &err), CLAW_OK);
  claw_string_free(verdict);

  /* One millisecond of createdAt changed after signing. */
  CHECK(replace(doc, "14:49:03.328Z", "14:49:03.329Z"), "tamper");
  verdict = verify("commit_sig", doc, len, 0, &valid);
  if (verdict) {
    member(verdict, "reason_code", code, sizeof code);
    CHECK(!valid && strcmp(code, "SIGNATURE_INVALID") == 0, "tampered: %s", verdict);
    claw_string_free(verdict);
  }

  /* Not JSON, truncated, duplicate keys, empty, too large: a FAIL verdict with the code. */
  struct {
    const char *text;
    size_t len;
  } bad[] = {{LIT("not json")}, {doc, len / 2}, {LIT("{\"version\":\"m1\",\"version\":\"m1\"}")}, {LIT("")}, {LIT("[]")}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    valid = true;
    verdict = verify("commit_sig", bad[i].text, bad[i].len, 0, &valid);
    if (verdict) {
      member(verdict, "reason_code", code, sizeof code);
      CHECK(!valid && code[0] != '\0' && strcmp(code, "OK") != 0, "bad input %zu: %s", i, verdict);
      claw_string_free(verdict);
    }
  }
  size_t big_len = 64 * 1024 + 1;
  char *big = malloc(big_len);
  memset(big, ' ', big_len);
  big[0] = '{';
  big[big_len - 1] = '}';
  verdict = verify("commit_sig", big, big_len, 0, &valid);
  if (verdict) {
    member(verdict, "reason_code", code, sizeof code);
    CHECK(!valid && strcmp(code, "JSON_TOO_LARGE") == 0, "too large: %s", verdict);
    claw_string_free(verdict);
  }
  free(big);

  /* Errors: not UTF-8, NULL, a length past the C ABI's bound. */
  EXPECT_ERR(claw_commit_verify("\xff", 1, &valid, &verdict, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_commit_verify(NULL, 5, &valid, &verdict, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_commit_verify(doc, len, &valid, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_commit_verify(doc, (size_t)-1, &valid, &verdict, NULL, &err), CLAW_ERR_INVALID_ARGUMENT, "INPUT_TOO_LARGE", &err);
  /* A NULL error record is allowed. */
  EXPECT_RC(claw_commit_verify(NULL, 5, &valid, &verdict, NULL, NULL), CLAW_ERR_NULL_ARGUMENT);
  free(doc);
}

static void test_aggregate(void) {
  const char *shared = getenv("CLAW_SHARED_DIR");
  if (!shared || !config) return;
  char path[4096];
  snprintf(path, sizeof path,
           "%s/clawsig/fixtures/protocol-conformance/r48-r49-v02/aggregate_bundle/aggregate_pass_golden.v1.json", shared);
  size_t len = 0;
  char *doc = read_file(path, &len);
  CHECK(doc != NULL, "cannot read %s", path);
  if (!doc) return;
  bool valid = false;
  char code[128], id[128];
  char *verdict = verify("aggregate_bundle", doc, len, AGGREGATE_NOW, &valid);
  if (verdict) {
    member(verdict, "aggregate_id", id, sizeof id);
    CHECK(valid && strcmp(id, "aggregate_r49_pass_golden") == 0, "golden: %s", verdict);
    CHECK(strstr(verdict, "\"members\":2") != NULL, "member count: %s", verdict);
    claw_string_free(verdict);
  }
  /* Past its expires_at: the caller's clock reaches the core. */
  verdict = verify("aggregate_bundle", doc, len, AGGREGATE_LATE, &valid);
  if (verdict) {
    member(verdict, "reason_code", code, sizeof code);
    CHECK(!valid && strcmp(code, "EXPIRED_TTL") == 0, "late: %s", verdict);
    claw_string_free(verdict);
  }
  /* The options' verify_at wins over the caller's clock. */
  claw_error err;
  verdict = NULL;
  EXPECT_RC(claw_aggregate_verify(doc, len, LIT("{\"verify_at\":\"2026-04-01T00:00:00.000Z\"}"), AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_OK);
  if (verdict) {
    member(verdict, "reason_code", code, sizeof code);
    CHECK(!valid && strcmp(code, "EXPIRED_TTL") == 0, "verify_at: %s", verdict);
    claw_string_free(verdict);
  }

  /* Changed after signing: the aggregate's payload hash. */
  char *tampered = malloc(len + 1);
  memcpy(tampered, doc, len + 1);
  CHECK(replace(tampered, "aggregate_r49_pass_golden", "aggregate_r49_pass_goldeN"), "tamper");
  verdict = verify("aggregate_bundle", tampered, len, AGGREGATE_NOW, &valid);
  if (verdict) {
    member(verdict, "reason_code", code, sizeof code);
    CHECK(!valid && strcmp(code, "HASH_MISMATCH") == 0, "tampered: %s", verdict);
    claw_string_free(verdict);
  }
  free(tampered);

  /* Not JSON, truncated, empty: a FAIL verdict with its code. */
  struct {
    const char *text;
    size_t len;
  } bad[] = {{LIT("not json")}, {doc, len / 2}, {LIT("")}, {LIT("{\"a\":1,\"a\":2}")}, {LIT("{}")}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    valid = true;
    verdict = verify("aggregate_bundle", bad[i].text, bad[i].len, AGGREGATE_NOW, &valid);
    if (verdict) {
      member(verdict, "reason_code", code, sizeof code);
      CHECK(!valid && code[0] != '\0' && strcmp(code, "OK") != 0, "bad input %zu: %s", i, verdict);
      claw_string_free(verdict);
    }
  }

  /* Errors: a bad options document, not UTF-8, NULL, a length past the bound. */
  EXPECT_ERR(claw_aggregate_verify(doc, len, LIT("{\"config_version\":\"2\"}"), AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_ERR_INPUT, "CONFIG_ERROR", &err);
  EXPECT_ERR(claw_aggregate_verify(doc, len, LIT("{\"causal_mdoe\":\"observe\"}"), AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_ERR_INPUT, "CONFIG_ERROR", &err);
  EXPECT_ERR(claw_aggregate_verify(doc, len, LIT("not json"), AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_ERR_JSON, "JSON_SYNTAX", &err);
  EXPECT_ERR(claw_aggregate_verify("\xff", 1, NULL, 0, AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_ERR_INVALID_UTF8, "INVALID_UTF8", &err);
  EXPECT_ERR(claw_aggregate_verify(NULL, 5, NULL, 0, AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_aggregate_verify(doc, len, NULL, 0, AGGREGATE_NOW, &valid, NULL, NULL, &err), CLAW_ERR_NULL_ARGUMENT, "NULL_ARGUMENT", &err);
  EXPECT_ERR(claw_aggregate_verify(doc, (size_t)-1, NULL, 0, AGGREGATE_NOW, &valid, &verdict, NULL, &err), CLAW_ERR_INVALID_ARGUMENT, "INPUT_TOO_LARGE", &err);
  free(doc);
}

int main(void) {
  test_manifest();
  test_commit();
  test_aggregate();
  free(config);
  return report();
}
