/*
 * Concurrency through the C ABI: 8 threads decide on ONE compiled policy handle while
 * another thread swaps the incident overrides. Every single result is checked:
 *
 *  phase 1 (one swap): a decision that started after the swap returned must be a deny
 *    (OVERRIDE_TOOL_DENIED); one that ended before the swap began must be an allow
 *    (POLICY_ALLOW, AllowRead); one that overlapped may be either; once a thread has seen
 *    the deny it never sees an allow again; nothing else is ever acceptable.
 *  phase 2 (a swap storm): the swapper alternates deny/clear many times behind a sequence
 *    counter (odd while a swap is in flight); a decision whose start and end saw the same
 *    even counter must match the state that counter names.
 *
 * ThreadSanitizer cannot see into the (uninstrumented) Rust library on stable, so this is a
 * stress test with assertions on every result; scripts/test-c.sh also runs it under valgrind.
 */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>

#define DECIDERS 8

static const char *POLICY =
    "{\"policy_version\":\"2\",\"policy_id\":\"demo-agent\",\"issuer_did\":\"did:web:example.com\","
    "\"statements\":["
    "{\"sid\":\"AllowRead\",\"effect\":\"Allow\",\"actions\":[\"tool:execute\"],\"resources\":[\"read\"]}]}";
static const char *DENY_READ = "{\"denied_tools\":[\"read\"]}";
static const char *CLEAR = "{}";

static claw_policy *policy;
static atomic_int swap_started;  /* phase 1 */
static atomic_int swap_done;     /* phase 1 */
static atomic_uint seq;          /* phase 2: odd while a swap is in flight */
static atomic_int stop;
static atomic_long bad;          /* results that broke a rule */
static atomic_long total;
static long iterations = 20000;

enum outcome { ALLOW, DENY, OTHER };

static enum outcome decide_read(void) {
  claw_decision d;
  claw_error err;
  if (claw_policy_decide(policy, "read", 4, NULL, 0, 1770768000, &d, &err) != CLAW_OK) return OTHER;
  if (d.decision == CLAW_DECISION_ALLOW && strcmp(d.reason_code, "POLICY_ALLOW") == 0 &&
      strcmp(d.statement_id, "AllowRead") == 0)
    return ALLOW;
  if (d.decision == CLAW_DECISION_DENY && strcmp(d.reason_code, "OVERRIDE_TOOL_DENIED") == 0 &&
      d.statement_id[0] == 0)
    return DENY;
  return OTHER;
}

static void *phase1_decider(void *arg) {
  (void)arg;
  int seen_deny = 0;
  for (long i = 0; i < iterations; i++) {
    int done_before = atomic_load(&swap_done);
    enum outcome o = decide_read();
    int started_after = atomic_load(&swap_started);
    int ok = o != OTHER;
    if (done_before && o != DENY) ok = 0;       /* started after the swap: must deny */
    if (!started_after && o != ALLOW) ok = 0;   /* ended before the swap: must allow */
    if (seen_deny && o == ALLOW) ok = 0;        /* never back to allow */
    if (o == DENY) seen_deny = 1;
    if (!ok) atomic_fetch_add(&bad, 1);
    atomic_fetch_add(&total, 1);
  }
  return NULL;
}

static void *phase2_decider(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    unsigned s0 = atomic_load(&seq);
    enum outcome o = decide_read();
    unsigned s1 = atomic_load(&seq);
    int ok = o != OTHER;
    if (s0 == s1 && s0 % 2 == 0) {
      /* No swap in flight or completed during the call: state k = s0/2 swaps done;
       * swaps alternate deny (1st, 3rd, ...) and clear. */
      enum outcome want = ((s0 / 2) % 2 == 1) ? DENY : ALLOW;
      if (o != want) ok = 0;
    }
    if (!ok) atomic_fetch_add(&bad, 1);
    atomic_fetch_add(&total, 1);
  }
  return NULL;
}

int main(int argc, char **argv) {
  claw_error err;
  if (argc > 1) iterations = atol(argv[1]);
  if (getenv("CLAW_STRESS_ITERATIONS")) iterations = atol(getenv("CLAW_STRESS_ITERATIONS"));
  EXPECT_RC(claw_policy_from_json(POLICY, strlen(POLICY), NULL, &policy, &err), CLAW_OK);
  CHECK(decide_read() == ALLOW, "allow before any swap");

  /* Phase 1: one swap from allow to deny while 8 threads decide. */
  pthread_t t[DECIDERS];
  for (int i = 0; i < DECIDERS; i++) pthread_create(&t[i], NULL, phase1_decider, NULL);
  /* Let the deciders run a little before swapping. */
  while (atomic_load(&total) < iterations) sched_yield();
  atomic_store(&swap_started, 1);
  EXPECT_RC(claw_policy_set_overrides(policy, DENY_READ, strlen(DENY_READ), &err), CLAW_OK);
  atomic_store(&swap_done, 1);
  for (int i = 0; i < DECIDERS; i++) pthread_join(t[i], NULL);
  CHECK(atomic_load(&bad) == 0, "phase 1: %ld of %ld results broke a rule", atomic_load(&bad), atomic_load(&total));
  CHECK(decide_read() == DENY, "deny after the swap");
  printf("phase 1: %ld decisions on 8 threads around one swap, %ld bad\n", atomic_load(&total), atomic_load(&bad));

  /* Phase 2: a swap storm. Start from the cleared state (k = 0 -> allow). */
  EXPECT_RC(claw_policy_set_overrides(policy, CLEAR, strlen(CLEAR), &err), CLAW_OK);
  atomic_store(&bad, 0);
  atomic_store(&total, 0);
  for (int i = 0; i < DECIDERS; i++) pthread_create(&t[i], NULL, phase2_decider, NULL);
  long swaps = iterations / 10;
  /* Under valgrind the threads are serialized: without this wait the swaps could all run
   * before any decider is scheduled, and the storm would test nothing. */
  while (atomic_load(&total) < DECIDERS) sched_yield();
  long during = atomic_load(&total);
  for (long k = 1; k <= swaps; k++) {
    atomic_fetch_add(&seq, 1); /* odd: in flight */
    const char *o = (k % 2 == 1) ? DENY_READ : CLEAR;
    if (claw_policy_set_overrides(policy, o, strlen(o), &err) != CLAW_OK) atomic_fetch_add(&bad, 1);
    atomic_fetch_add(&seq, 1); /* even: k swaps done */
    /* Valgrind runs one thread at a time and may let this one finish every swap in its time
     * slice (seen in CI: 0 decisions during 2000 swaps; a yield now and then was not enough).
     * Halfway through, wait until some decider has decided: at least one decision then lands
     * inside the storm, on any scheduler; the rest of the storm runs unpaced. */
    if (k == swaps / 2) {
      long before = atomic_load(&total);
      while (atomic_load(&total) == before) sched_yield();
    }
  }
  during = atomic_load(&total) - during;
  atomic_store(&stop, 1);
  for (int i = 0; i < DECIDERS; i++) pthread_join(t[i], NULL);
  CHECK(atomic_load(&bad) == 0, "phase 2: %ld of %ld results broke a rule", atomic_load(&bad), atomic_load(&total));
  CHECK(during > 0, "phase 2: no decision during the %ld swaps", swaps);
  printf("phase 2: %ld decisions on 8 threads, %ld of them during %ld swaps, %ld bad\n", atomic_load(&total), during, swaps, atomic_load(&bad));

  claw_policy_free(policy);
  return report();
}
