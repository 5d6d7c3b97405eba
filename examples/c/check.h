/*
 * Minimal check macros shared by the C tests (each test_*.c is its own program).
 */
#ifndef CLAW_TEST_CHECK_H
#define CLAW_TEST_CHECK_H

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

/* Expect a failure with the given code and reason code. */
#define EXPECT_ERR(call, want, reason, errp)                              \
  do {                                                                    \
    memset((errp), 0, sizeof *(errp));                                    \
    EXPECT_RC(call, want);                                                \
    CHECK(strcmp((errp)->reason_code, (reason)) == 0,                     \
          "%s: reason %s, want %s (%s)", #call, (errp)->reason_code,      \
          (reason), (errp)->message);                                     \
  } while (0)

static int report(void) {
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}

#endif
