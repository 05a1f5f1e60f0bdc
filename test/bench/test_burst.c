/* SPDX-License-Identifier: Apache-2.0 */
/* Hundreds of probes started at once on one libuv loop (TAP): no deadline
 * may fire while the answer it waits for already sits in the socket.
 *
 * libuv runs the timers of an iteration before it polls. When one
 * iteration spends long on other connections (hundreds of TLS handshakes
 * landing at once on a busy machine), the next one used to expire every
 * deadline that came due meanwhile before reading what had arrived: 300
 * probes started at once all reported "failing". Here the loop is made
 * busy on purpose: the responder (a child process, test/bench/
 * responder.c) sends its ChangeCipherSpec and Finished 1.5 s after it
 * made them (RESPONDER_LATE_MS); once it has made every one, a check callback
 * (after the poll phase, like a long batch of handshakes) blocks the loop until
 * every probe's TLS deadline has passed, while the answers arrive. Every
 * probe must still complete its handshake (the driver before this fix
 * timed out all of them); 300 probes at once must all succeed; and a
 * server that is really silent must still time out on time. */
#include "responder.h"

#include <rdpneg/rdpneg_uv.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures, testno;

static void ok(int cond, const char *fmt, const char *what, long a, long b) {
  printf("%s %d - ", cond ? "ok" : "not ok", ++testno);
  printf(fmt, what, a, b);
  printf("\n");
  fflush(stdout);
  if (!cond)
    failures++;
}

static responder_shared *sh;

typedef struct burst {
  uv_loop_t loop;
  uv_timer_t tick; /* keeps the loop iterating, so that the check runs */
  uv_check_t stall;
  int mode, n, done, phase_ok, timed_out;
  rdpneg_phase phase;
  int64_t timeout_ms;
  uint64_t t0, stall_end;
  long answered0;
  int stalled, pending_at_stall;
} burst;

static long answered(const burst *b) {
  return atomic_load(&sh->handshakes);
}

static void on_tick(uv_timer_t *t) {
  (void)t;
}

/* Blocks the loop, once the responder has made every answer (it sends
 * them 1.5 s later), until every deadline has passed: each TLS phase
 * began before this. */
static void on_stall(uv_check_t *h) {
  burst *b = h->data;
  if (answered(b) - b->answered0 < b->n)
    return;
  uv_check_stop(h);
  b->pending_at_stall = b->n - b->done;
  uint64_t until = uv_hrtime() + (uint64_t)b->timeout_ms * 1000000u;
  while (uv_hrtime() < until)
    usleep(10000);
  b->stalled = 1;
  b->stall_end = uv_hrtime();
}

static void on_done(rdpneg_uv_probe *p, rdpneg_session *s, int status,
                    void *ud) {
  (void)p;
  burst *b = ud;
  b->done++;
  if (status == 0 &&
      rdpneg_session_phase(s, b->phase, NULL, NULL) == RDPNEG_PHASE_OK)
    b->phase_ok++;
  int err = 0;
  if (rdpneg_session_phase(s, b->phase, NULL, &err) == RDPNEG_PHASE_FAILED &&
      (err == RDPNEG_ERR_TIMEOUT || err == RDPNEG_ERR_CONNECT_TIMEOUT))
    b->timed_out++;
  rdpneg_session_free(s);
  if (b->done == b->n) {
    uv_close((uv_handle_t *)&b->stall, NULL);
    uv_close((uv_handle_t *)&b->tick, NULL);
  }
}

/* Starts |n| probes of |mode| at once; |stall|: block the loop as above. */
static void run_burst(burst *b, int mode, int n, int64_t timeout_ms,
                      int stall) {
  rdpneg_config *cfg;
  rdpneg_config_new(&cfg);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_TLS, mode != M_SILENT);
  if (timeout_ms) {
    rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, timeout_ms);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, timeout_ms);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 60000);
  }
  b->mode = mode;
  b->n = n;
  b->timeout_ms = timeout_ms;
  b->phase = mode == M_SILENT ? RDPNEG_PHASE_X224 : RDPNEG_PHASE_TLS;
  b->answered0 = answered(b);
  uv_loop_init(&b->loop);
  uv_check_init(&b->loop, &b->stall);
  uv_timer_init(&b->loop, &b->tick);
  b->stall.data = b;
  if (stall) {
    uv_check_start(&b->stall, on_stall);
    uv_timer_start(&b->tick, on_tick, 5, 5);
  }
  b->t0 = uv_hrtime();
  for (int i = 0; i < n; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "127.0.0.%d", 1 + i % RESPONDER_ADDRS);
    if (rdpneg_uv_probe_start(NULL, &b->loop, cfg, ip,
                              (uint16_t)sh->port[0][mode], on_done, b) != 0)
      b->done++;
  }
  uv_run(&b->loop, UV_RUN_DEFAULT);
  uv_loop_close(&b->loop);
  rdpneg_config_free(cfg);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  sh = responder_shared_new();
  if (!sh)
    return 2;
  pid_t pid = fork();
  if (pid == 0)
    responder_main(sh, 0, 0);
  for (int i = 0; i < 30000 && !atomic_load(&sh->ready); i++)
    usleep(1000);
  printf("1..9\n");
  if (!atomic_load(&sh->ready)) {
    printf("Bail out! the responder did not start\n");
    kill(pid, SIGTERM);
    return 1;
  }

  /* the deadline leaves room for the handshakes up to the stall under
   * the sanitizers on a loaded machine; the stall then outlasts it */
  enum { LATE_N = 200, LATE_MS = 8000 };
  burst t = {0};
  run_burst(&t, M_TLS_LATE, LATE_N, LATE_MS, 1);
  ok(t.stalled && (t.stall_end - t.t0) / 1000000 > LATE_MS,
     "%s: the loop was blocked past every deadline (%ld ms, deadline %ld ms)",
     "late answers", (long)((t.stall_end - t.t0) / 1000000), LATE_MS);
  ok(t.pending_at_stall > 0, "%s: %ld of %ld probes waiting when it blocked",
     "late answers", t.pending_at_stall, LATE_N);
  ok(t.phase_ok == LATE_N, "%s: %ld of %ld handshakes completed",
     "late answers", t.phase_ok, LATE_N);
  ok(t.timed_out == 0, "%s: %ld timed out (of %ld)", "late answers",
     t.timed_out, LATE_N);

  /* the report: 300 started at once on one loop, nothing else (10 s
   * deadlines: the sanitizers make each handshake several times dearer) */
  burst d = {0};
  run_burst(&d, M_TLS, 300, 10000, 0);
  ok(d.phase_ok == 300, "%s: %ld of %ld handshakes completed", "300 at once",
     d.phase_ok, 300);
  ok(d.timed_out == 0, "%s: %ld timed out (of %ld)", "300 at once", d.timed_out,
     300);

  /* a silent server still times out, on time */
  burst s = {0};
  run_burst(&s, M_SILENT, 100, 300, 0);
  long ms = (long)((uv_hrtime() - s.t0) / 1000000);
  ok(s.timed_out == 100, "%s: %ld of %ld timed out", "silent", s.timed_out,
     100);
  ok(ms >= 300, "%s: after %ld ms (deadline %ld ms)", "silent", ms, 300);
  ok(ms < 3000, "%s: within %ld ms (deadline %ld ms + 2.7 s)", "silent", ms,
     300);

  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  return failures ? 1 : 0;
}
