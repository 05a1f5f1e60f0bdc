/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg_batch (librdpneg-uv): many probe plans on the batch's own loops,
 * against loopback listeners this test opens: a silent one (listen() and
 * never accept: the kernel completes the handshake, nothing answers) and a
 * closed port. Asserts one result per target, the per-listener and total
 * limits (from the results' start and end times), names resolved onto the
 * listener of their address, cancellation, and the argument checks. */
#include "tap.h"

#include <rdpneg/rdpneg_batch.h>
#include <rdpneg/rdpneg_diagnosis.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int silent_fd = -1;
static int silent_port, closed_port;

/* A listening socket on 127.0.0.1 (port into *port), or -1. */
static int listen_loopback(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(fd, 128) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static rdpneg_config *quick_config(int x224_ms, int overall_ms) {
  rdpneg_config *cfg = NULL;
  rdpneg_config_new(&cfg);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_TLS, 0);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, x224_ms);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, overall_ms);
  return cfg;
}

#define MAXR 16
typedef struct {
  int n;
  int64_t index[MAXR];
  int status[MAXR];
  uint64_t t0[MAXR], t1[MAXR];
  uint16_t port[MAXR];
  char *json[MAXR];
} results;

/* Takes every result until END (at most |limit_ms|); the count, or -1. */
static int drain(rdpneg_batch *b, results *rs, int limit_ms) {
  uint64_t end = now_ms() + (uint64_t)limit_ms;
  memset(rs, 0, sizeof *rs);
  while (now_ms() < end) {
    rdpneg_batch_result *r = NULL;
    int rv = rdpneg_batch_next(b, 100, &r);
    if (rv == RDPNEG_BATCH_END)
      return rs->n;
    if (rv == RDPNEG_BATCH_TIMEOUT)
      continue;
    if (rv != RDPNEG_BATCH_RESULT || rs->n == MAXR) {
      rdpneg_batch_result_free(r);
      return -1;
    }
    int i = rs->n++;
    rs->index[i] = rdpneg_batch_result_index(r);
    rs->status[i] = rdpneg_batch_result_status(r);
    rs->t0[i] = rdpneg_batch_result_started_ns(r);
    rs->t1[i] = rdpneg_batch_result_ended_ns(r);
    rs->port[i] = rdpneg_batch_result_port(r);
    if (rdpneg_batch_result_json(r, &rs->json[i], NULL) != 0)
      rs->json[i] = NULL;
    rdpneg_batch_result_free(r);
  }
  return -1;
}

static void results_free(results *rs) {
  for (int i = 0; i < rs->n; i++)
    rdpneg_free(rs->json[i]);
}

/* The most results of |port| (0: any) running at one instant. */
static int max_overlap(const results *rs, uint16_t port) {
  int best = 0;
  for (int i = 0; i < rs->n; i++) {
    if (port && rs->port[i] != port)
      continue;
    int n = 0; /* running at the start of i */
    for (int j = 0; j < rs->n; j++)
      if ((!port || rs->port[j] == port) && rs->t0[j] <= rs->t0[i] &&
          rs->t1[j] > rs->t0[i])
        n++;
    if (n > best)
      best = n;
  }
  return best;
}

/* Each of 0..n-1 exactly once. */
static int each_once(const results *rs, int n) {
  if (rs->n != n)
    return 0;
  for (int k = 0; k < n; k++) {
    int seen = 0;
    for (int i = 0; i < rs->n; i++)
      seen += rs->index[i] == k;
    if (seen != 1)
      return 0;
  }
  return 1;
}

TAP_TEST(arguments) {
  rdpneg_batch *b = NULL;
  CHECK_EQ_INT(rdpneg_batch_new(NULL, NULL), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_batch_new(&b, NULL), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, 99, 1), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_CONCURRENCY, 0),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_THREADS, 65),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_DEFAULT_PORT, closed_port), 0);
  const char *bad[] = {
      "",    "[::1", "[]:3389", "h:0",    "h:70000", "a b",
      "h:x", "h:",   ":3389",   "[::1]x", "10/8",    "h:33 89"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_EQ_INT(rdpneg_batch_add(b, bad[i]), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_batch_count(b, RDPNEG_BATCH_ADDED), 0);
  rdpneg_batch_result *r = NULL;
  /* nothing added, input open: a poll times out */
  CHECK_EQ_INT(rdpneg_batch_next(b, 0, &r), RDPNEG_BATCH_TIMEOUT);
  /* the default port, brackets, a bare IPv6 address */
  CHECK_EQ_INT(rdpneg_batch_add(b, "127.0.0.1"), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_PER_LISTENER, 3),
               RDPNEG_ERR_INVALID_STATE);
  char spec[64];
  snprintf(spec, sizeof spec, "[::ffff:127.0.0.1]:%d", closed_port);
  CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  CHECK_EQ_INT(rdpneg_batch_add(b, "127.0.0.1"), RDPNEG_ERR_INVALID_STATE);
  int got = 0;
  while (rdpneg_batch_next(b, 5000, &r) == RDPNEG_BATCH_RESULT) {
    int64_t i = rdpneg_batch_result_index(r);
    CHECK_EQ_INT(rdpneg_batch_result_port(r), closed_port);
    CHECK_EQ_STR(rdpneg_batch_result_host(r),
                 i == 0 ? "127.0.0.1" : "::ffff:127.0.0.1");
    CHECK_EQ_STR(rdpneg_batch_result_target(r), i == 0 ? "127.0.0.1" : spec);
    CHECK_EQ_INT(rdpneg_batch_result_status(r), 0);
    char *json = NULL;
    CHECK_EQ_INT(rdpneg_batch_result_json(r, &json, NULL), 0);
    CHECK(json && strstr(json, "\"rdpneg.probe/1\"") &&
          strstr(json, "refused"));
    rdpneg_free(json);
    rdpneg_evidence *ev = NULL;
    CHECK_EQ_INT(rdpneg_batch_result_take_evidence(r, &ev), 0);
    CHECK(ev != NULL);
    rdpneg_evidence_free(ev);
    CHECK_EQ_INT(rdpneg_batch_result_take_evidence(r, &ev),
                 RDPNEG_ERR_INVALID_STATE);
    CHECK_EQ_INT(rdpneg_batch_result_json(r, &json, NULL),
                 RDPNEG_ERR_INVALID_STATE);
    rdpneg_batch_result_free(r);
    got++;
  }
  CHECK_EQ_INT(got, 2);
  CHECK_EQ_INT(rdpneg_batch_next(b, 0, &r), RDPNEG_BATCH_END);
  CHECK_EQ_INT(rdpneg_batch_count(b, RDPNEG_BATCH_DELIVERED), 2);
  rdpneg_batch_free(b);
  /* ended with no target at all */
  CHECK_EQ_INT(rdpneg_batch_new(&b, NULL), 0);
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  CHECK_EQ_INT(rdpneg_batch_next(b, 1000, &r), RDPNEG_BATCH_END);
  rdpneg_batch_free(b);
  rdpneg_batch_free(NULL);
}

/* Six probes of one silent listener, two at a time (the default), beside
 * two of a closed port: every target once, never more than two on the
 * silent listener, and the silent ones take three rounds. */
TAP_TEST(per_listener) {
  rdpneg_config *cfg = quick_config(300, 2000);
  rdpneg_batch *b = NULL;
  CHECK_EQ_INT(rdpneg_batch_new(&b, cfg), 0);
  rdpneg_config_free(cfg);
  char spec[64];
  uint64_t t0 = now_ms();
  for (int i = 0; i < 8; i++) {
    snprintf(spec, sizeof spec, "127.0.0.1:%d",
             i == 3 || i == 6 ? closed_port : silent_port);
    CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  }
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  results rs;
  CHECK_EQ_INT(drain(b, &rs, 10000), 8);
  uint64_t took = now_ms() - t0;
  CHECK(each_once(&rs, 8));
  CHECK_EQ_INT(max_overlap(&rs, (uint16_t)silent_port), 2);
  CHECK(took >= 900); /* 3 rounds of 300 ms */
  printf("# 6 silent probes, 2 at a time: %llu ms\n", (unsigned long long)took);
  for (int i = 0; i < rs.n; i++) {
    CHECK_EQ_INT(rs.status[i], 0);
    CHECK(rs.json[i] != NULL);
    if (rs.port[i] == silent_port)
      CHECK(rs.json[i] && strstr(rs.json[i], "SERVER_SILENT"));
  }
  results_free(&rs);
  rdpneg_batch_free(b);
}

/* A name counts against the listener of its address: "localhost" and
 * 127.0.0.1 share one slot; and RDPNEG_BATCH_CONCURRENCY bounds the total
 * whatever the per-listener limit. */
TAP_TEST(names_and_concurrency) {
  rdpneg_config *cfg = quick_config(200, 2000);
  rdpneg_batch *b = NULL;
  CHECK_EQ_INT(rdpneg_batch_new(&b, cfg), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_PER_LISTENER, 1), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_THREADS, 2), 0);
  char spec[64];
  for (int i = 0; i < 4; i++) {
    snprintf(spec, sizeof spec, "%s:%d", i % 2 ? "localhost" : "127.0.0.1",
             silent_port);
    CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  }
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  results rs;
  CHECK_EQ_INT(drain(b, &rs, 10000), 4);
  CHECK(each_once(&rs, 4));
  CHECK_EQ_INT(max_overlap(&rs, 0), 1);
  results_free(&rs);
  rdpneg_batch_free(b);

  CHECK_EQ_INT(rdpneg_batch_new(&b, cfg), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_PER_LISTENER, 10), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_CONCURRENCY, 3), 0);
  for (int i = 0; i < 7; i++) {
    snprintf(spec, sizeof spec, "127.0.0.1:%d", silent_port);
    CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  }
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  CHECK_EQ_INT(drain(b, &rs, 10000), 7);
  CHECK(each_once(&rs, 7));
  CHECK_EQ_INT(max_overlap(&rs, 0), 3);
  results_free(&rs);
  rdpneg_batch_free(b);
  rdpneg_config_free(cfg);
}

/* Cancelling: the running probes end at once with CANCELLED and their
 * evidence, the queued ones are dropped, and the batch ends. */
TAP_TEST(cancel) {
  rdpneg_config *cfg = quick_config(10000, 20000);
  rdpneg_batch *b = NULL;
  CHECK_EQ_INT(rdpneg_batch_new(&b, cfg), 0);
  rdpneg_config_free(cfg);
  char spec[64];
  snprintf(spec, sizeof spec, "127.0.0.1:%d", silent_port);
  for (int i = 0; i < 5; i++)
    CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  /* input left open: cancel ends it */
  rdpneg_batch_result *r = NULL;
  CHECK_EQ_INT(rdpneg_batch_next(b, 300, &r), RDPNEG_BATCH_TIMEOUT);
  CHECK_EQ_INT(rdpneg_batch_count(b, RDPNEG_BATCH_INFLIGHT), 2);
  uint64_t t0 = now_ms();
  CHECK_EQ_INT(rdpneg_batch_cancel(b), 0);
  CHECK_EQ_INT(rdpneg_batch_add(b, spec), RDPNEG_ERR_CANCELLED);
  results rs;
  CHECK_EQ_INT(drain(b, &rs, 5000), 2);
  CHECK(now_ms() - t0 < 2000);
  for (int i = 0; i < rs.n; i++) {
    CHECK_EQ_INT(rs.status[i], RDPNEG_ERR_CANCELLED);
    CHECK(rs.json[i] && strstr(rs.json[i], "\"cancelled\": true"));
  }
  CHECK_EQ_INT(rdpneg_batch_count(b, RDPNEG_BATCH_DROPPED), 3);
  CHECK_EQ_INT(rdpneg_batch_count(b, RDPNEG_BATCH_ADDED), 5);
  results_free(&rs);
  rdpneg_batch_free(b);

  /* freeing a running batch cancels and waits for it */
  CHECK_EQ_INT(rdpneg_batch_new(&b, NULL), 0);
  CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  t0 = now_ms();
  rdpneg_batch_free(b);
  CHECK(now_ms() - t0 < 2000);
}

/* RDPNEG_BATCH_RESULTS_AHEAD 1: six targets on closed ports (different
 * addresses), concurrency 4; with no result taken, the four first end and
 * hold back the other two (2 x concurrency alone would let all six start);
 * once the four are taken, the two run. */
TAP_TEST(results_ahead) {
  rdpneg_config *cfg = quick_config(500, 2000);
  rdpneg_batch *b = NULL;
  char spec[64];
  CHECK_EQ_INT(rdpneg_batch_new(&b, cfg), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_RESULTS_AHEAD, -1),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_RESULTS_AHEAD, 1), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_CONCURRENCY, 4), 0);
  for (int i = 0; i < 6; i++) {
    snprintf(spec, sizeof spec, "127.0.0.%d:%d", 1 + i, closed_port);
    CHECK_EQ_INT(rdpneg_batch_add(b, spec), 0);
  }
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  uint64_t end = now_ms() + 5000;
  while (now_ms() < end && rdpneg_batch_count(b, RDPNEG_BATCH_QUEUED) < 4)
    usleep(10000);
  usleep(300000); /* time for a wrong start to happen */
  CHECK_EQ_INT((int)rdpneg_batch_count(b, RDPNEG_BATCH_QUEUED), 4);
  CHECK_EQ_INT((int)rdpneg_batch_count(b, RDPNEG_BATCH_STARTED), 4);
  results rs;
  CHECK_EQ_INT(drain(b, &rs, 10000), 6);
  CHECK(each_once(&rs, 6));
  results_free(&rs);
  CHECK_EQ_INT((int)rdpneg_batch_count(b, RDPNEG_BATCH_STARTED), 6);
  rdpneg_batch_free(b);
  rdpneg_config_free(cfg);
}

/* 5,000 listeners (addresses of 127/8 on the closed port) queued at once
 * behind a concurrency of 4, so the batch's listener table grows while
 * they wait and frees them as they end; 3 targets on the silent listener
 * among them, at most one at a time. Each target gives one result. */
#define NMANY 5000
TAP_TEST(many_listeners) {
  rdpneg_config *cfg = quick_config(300, 1000);
  rdpneg_batch *b = NULL;
  static unsigned char seen[NMANY + 3];
  uint64_t st0[3] = {0}, st1[3] = {0};
  int64_t sidx[3];
  char spec[64];
  memset(seen, 0, sizeof seen);
  CHECK_EQ_INT(rdpneg_batch_new(&b, cfg), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_CONCURRENCY, 4), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_PER_LISTENER, 1), 0);
  CHECK_EQ_INT(rdpneg_batch_set(b, RDPNEG_BATCH_THREADS, 2), 0);
  int ns = 0, added = 0;
  for (int i = 0; i < NMANY; i++) {
    if (i % 2000 == 0) { /* at 0, 2000 and 4000 */
      snprintf(spec, sizeof spec, "127.0.0.1:%d", silent_port);
      sidx[ns++] = added;
      added += rdpneg_batch_add(b, spec) == 0;
    }
    snprintf(spec, sizeof spec, "127.0.%d.%d:%d", 1 + i / 250, 1 + i % 250,
             closed_port);
    added += rdpneg_batch_add(b, spec) == 0;
  }
  CHECK_EQ_INT(added, NMANY + 3);
  CHECK_EQ_INT(rdpneg_batch_end_input(b), 0);
  int n = 0, dup = 0, bad = 0, rv;
  rdpneg_batch_result *r;
  uint64_t end = now_ms() + 60000;
  while (now_ms() < end &&
         (rv = rdpneg_batch_next(b, 100, &r)) != RDPNEG_BATCH_END) {
    if (rv != RDPNEG_BATCH_RESULT)
      continue;
    int64_t k = rdpneg_batch_result_index(r);
    if (k < 0 || k >= NMANY + 3 || seen[k]++)
      dup++;
    if (rdpneg_batch_result_status(r) != 0 || !rdpneg_batch_result_evidence(r))
      bad++;
    for (int j = 0; j < 3; j++) {
      if (k == sidx[j]) {
        st0[j] = rdpneg_batch_result_started_ns(r);
        st1[j] = rdpneg_batch_result_ended_ns(r);
      }
    }
    n++;
    rdpneg_batch_result_free(r);
  }
  CHECK_EQ_INT(n, NMANY + 3);
  CHECK_EQ_INT(dup, 0);
  CHECK_EQ_INT(bad, 0);
  int overlap = 0; /* the silent listener's plans never ran together */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      overlap += i != j && st0[j] <= st0[i] && st1[j] > st0[i];
  CHECK(st0[0] && st0[1] && st0[2]);
  CHECK_EQ_INT(overlap, 0);
  rdpneg_batch_free(b);
  rdpneg_config_free(cfg);
}

int main(void) {
  int lfd;
  silent_fd = listen_loopback(&silent_port);
  lfd = listen_loopback(&closed_port);
  if (silent_fd < 0 || lfd < 0) {
    printf("1..0 # SKIP no loopback sockets\n");
    return 0;
  }
  close(lfd); /* nothing listens there now: refused */
  TAP_RUN(arguments);
  TAP_RUN(per_listener);
  TAP_RUN(names_and_concurrency);
  TAP_RUN(cancel);
  TAP_RUN(results_ahead);
  TAP_RUN(many_listeners);
  close(silent_fd);
  return tap_done();
}
