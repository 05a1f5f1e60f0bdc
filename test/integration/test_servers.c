/* SPDX-License-Identifier: Apache-2.0 */
/* Integration: the libuv driver against real servers started by
 * test/lab/lab.sh (ports in the environment, see test/lab/README.md).
 * Asserts the negotiation matrix of real-peers.md §2-3 and the TCP and
 * X.224 failure classes. All probes of one test run concurrently on one
 * loop, one chain of probes per server port (xrdp's listen backlog is 2). */
#include "../unit/tap.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_uv.h>

#include <stdlib.h>

#define NONE 0xffffffffu /* legacy request without RDP_NEG_REQ */

/* expected answers */
enum { RSP, FAIL, LEGACY };
typedef struct {
  int kind;
  uint32_t value; /* selected protocol or failure code */
} answer;

typedef struct probe_case {
  const char *env; /* port variable */
  uint32_t req;
  answer want;
  rdpneg_session *got;
  int status;
  struct probe_case *next; /* next probe on the same port */
  uv_loop_t *loop;
} probe_case;

static int port_of(const char *env) {
  const char *v = getenv(env);
  return v ? atoi(v) : 0;
}

static void start_case(probe_case *c);

static void on_done(rdpneg_uv_probe *p, rdpneg_session *s, int status,
                    void *ud) {
  (void)p;
  probe_case *c = ud;
  c->got = s;
  c->status = status;
  if (c->next)
    start_case(c->next);
}

static void start_case(probe_case *c) {
  rdpneg_config *cfg;
  rdpneg_config_new(&cfg);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_TLS, 0);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, 4000);
  if (c->req == NONE) {
    rdpneg_config_set_int(cfg, RDPNEG_OPT_SEND_NEG_REQ, 0);
  } else {
    rdpneg_config_set_int(cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, c->req);
  }
  int rv = rdpneg_uv_probe_start(NULL, c->loop, cfg, "127.0.0.1",
                                 (uint16_t)port_of(c->env), on_done, c);
  rdpneg_config_free(cfg);
  if (rv) {
    c->status = rv;
    if (c->next)
      start_case(c->next);
  }
}

/* Runs |n| cases; cases with the same env are chained. */
static void run_cases(probe_case *cases, size_t n) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  for (size_t i = 0; i < n; i++) {
    cases[i].loop = &loop;
    cases[i].next = NULL;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (!strcmp(cases[i].env, cases[j].env)) {
        cases[i].next = &cases[j];
        break;
      }
  for (size_t i = 0; i < n; i++) {
    int head = 1;
    for (size_t j = 0; j < i; j++)
      if (cases[j].next == &cases[i])
        head = 0;
    if (head)
      start_case(&cases[i]);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_EQ_INT(uv_loop_close(&loop), 0); /* every handle was closed */
}

static void check_case(const probe_case *c) {
  const rdpneg_session *s = c->got;
  CHECK(s != NULL);
  if (!s)
    return;
  if (c->want.kind == RSP) {
    if (rdpneg_session_x224_status(s) != RDPNEG_X224_OK ||
        rdpneg_session_selected_protocol(s) != (int64_t)c->want.value)
      printf("# %s req=0x%x: want RSP %u, got x224 status %d selected "
             "%lld failure %u\n",
             c->env, c->req, c->want.value, rdpneg_session_x224_status(s),
             (long long)rdpneg_session_selected_protocol(s),
             rdpneg_session_failure_code(s));
    CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_OK);
    CHECK_EQ_INT(rdpneg_session_selected_protocol(s), c->want.value);
  } else if (c->want.kind == FAIL) {
    if (rdpneg_session_failure_code(s) != c->want.value)
      printf("# %s req=0x%x: want FAILURE %u, got x224 status %d "
             "selected %lld failure %u\n",
             c->env, c->req, c->want.value, rdpneg_session_x224_status(s),
             (long long)rdpneg_session_selected_protocol(s),
             rdpneg_session_failure_code(s));
    CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_FAILURE);
    CHECK_EQ_INT(rdpneg_session_failure_code(s), c->want.value);
  } else {
    CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_LEGACY);
  }
}

#define A_RSP(v)                                                               \
  { RSP, v }
#define A_FAIL(v)                                                              \
  { FAIL, v }
#define A_LEG                                                                  \
  { LEGACY, 0 }

static int lab_up(void) {
  return getenv("LAB_XRDP_TLS_VALID") != NULL;
}

/* real-peers.md §2: one row per xrdp configuration */
static void matrix(const char *env, answer a0, answer a1, answer a3, answer ab,
                   answer anone) {
  if (!lab_up())
    TAP_SKIP("lab not running (test/lab/lab.sh up)");
  if (!getenv(env))
    TAP_SKIP("%s not started", env);
  probe_case cases[] = {{env, 0, a0, NULL, 0, NULL, NULL},
                        {env, 1, a1, NULL, 0, NULL, NULL},
                        {env, 3, a3, NULL, 0, NULL, NULL},
                        {env, 0xb, ab, NULL, 0, NULL, NULL},
                        {env, NONE, anone, NULL, 0, NULL, NULL}};
  size_t n = sizeof cases / sizeof cases[0];
  run_cases(cases, n);
  for (size_t i = 0; i < n; i++) {
    check_case(&cases[i]);
    rdpneg_session_free(cases[i].got);
  }
}

TAP_TEST(xrdp_tls_valid) {
  matrix("LAB_XRDP_TLS_VALID", (answer)A_FAIL(1), (answer)A_RSP(1),
         (answer)A_RSP(1), (answer)A_RSP(1), (answer)A_LEG);
}
TAP_TEST(xrdp_rdp) {
  matrix("LAB_XRDP_RDP", (answer)A_RSP(0), (answer)A_RSP(0), (answer)A_RSP(0),
         (answer)A_RSP(0), (answer)A_LEG);
}
TAP_TEST(xrdp_negotiate) {
  matrix("LAB_XRDP_NEG_VALID", (answer)A_RSP(0), (answer)A_RSP(1),
         (answer)A_RSP(1), (answer)A_RSP(1), (answer)A_LEG);
}
TAP_TEST(xrdp_tls_nocert) {
  matrix("LAB_XRDP_TLS_NOCERT", (answer)A_FAIL(3), (answer)A_FAIL(3),
         (answer)A_FAIL(3), (answer)A_FAIL(3), (answer)A_LEG);
}
TAP_TEST(xrdp_neg_nocert) {
  matrix("LAB_XRDP_NEG_NOCERT", (answer)A_RSP(0), (answer)A_RSP(0),
         (answer)A_RSP(0), (answer)A_RSP(0), (answer)A_LEG);
}
TAP_TEST(shadow_nla) {
  matrix("LAB_SHADOW_NLA", (answer)A_FAIL(5), (answer)A_FAIL(5),
         (answer)A_RSP(2), (answer)A_RSP(2), (answer)A_FAIL(5));
}
TAP_TEST(shadow_tls) {
  matrix("LAB_SHADOW_TLS", (answer)A_FAIL(1), (answer)A_RSP(1),
         (answer)A_RSP(1), (answer)A_RSP(1), (answer)A_FAIL(1));
}
TAP_TEST(shadow_rdp) {
  matrix("LAB_SHADOW_RDP", (answer)A_RSP(0), (answer)A_FAIL(2),
         (answer)A_FAIL(2), (answer)A_FAIL(2), (answer)A_RSP(0));
}

static void got_session(rdpneg_uv_probe *p, rdpneg_session *s, int status,
                        void *ud) {
  (void)p;
  (void)status;
  *(rdpneg_session **)ud = s;
}

/* One connection with a given timeout on a private loop; returns the
 * finished session. */
static rdpneg_session *probe1(const char *host, int port, int timeout_ms) {
  rdpneg_config *cfg;
  rdpneg_config_new(&cfg);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_CONNECT_TIMEOUT_MS, timeout_ms);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, timeout_ms);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, timeout_ms);
  rdpneg_session *s = NULL;
  uv_loop_t loop;
  uv_loop_init(&loop);
  if (rdpneg_uv_probe_start(NULL, &loop, cfg, host, (uint16_t)port, got_session,
                            &s) == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_EQ_INT(uv_loop_close(&loop), 0);
  rdpneg_config_free(cfg);
  return s;
}

TAP_TEST(closed_port_refused) {
  if (!port_of("LAB_CLOSED_PORT"))
    TAP_SKIP("lab not running");
  rdpneg_session *s = probe1("127.0.0.1", port_of("LAB_CLOSED_PORT"), 2000);
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_REFUSED);
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_FAILING);
  rdpneg_session_free(s);
}

TAP_TEST(silent_listener_times_out_within_deadline) {
  if (!port_of("LAB_RESP_SILENT"))
    TAP_SKIP("lab not running");
  uint64_t t0 = uv_hrtime();
  rdpneg_session *s = probe1("127.0.0.1", port_of("LAB_RESP_SILENT"), 600);
  double wall_ms = (double)(uv_hrtime() - t0) / 1e6;
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_OK);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_TIMEOUT);
  double ms;
  int err;
  rdpneg_session_phase(s, RDPNEG_PHASE_X224, &ms, &err);
  CHECK_EQ_INT(err, RDPNEG_ERR_TIMEOUT);
  /* the phase ends at its deadline, not later: >= 600 ms by construction;
   * the upper bound is loose because it is a wall-clock bound */
  CHECK(ms >= 599.0);
  CHECK(wall_ms < 5000.0);
  printf("# x224 timeout reported after %.1f ms (deadline 600 ms), wall "
         "%.1f ms\n",
         ms, wall_ms);
  rdpneg_session_free(s);
}

TAP_TEST(ssh_banner_not_rdp) {
  if (!port_of("LAB_RESP_BANNER"))
    TAP_SKIP("lab not running");
  rdpneg_session *s = probe1("127.0.0.1", port_of("LAB_RESP_BANNER"), 2000);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_NOT_RDP);
  char *json = NULL;
  rdpneg_session_json(s, &json, NULL);
  CHECK(json && strstr(json, "SSH-2.0-"));
  rdpneg_free(json);
  rdpneg_session_free(s);
}

TAP_TEST(close_and_reset_after_request) {
  if (!port_of("LAB_RESP_CLOSE_AFTER_CR"))
    TAP_SKIP("lab not running");
  rdpneg_session *s =
      probe1("127.0.0.1", port_of("LAB_RESP_CLOSE_AFTER_CR"), 2000);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_CLOSED);
  rdpneg_session_free(s);
  s = probe1("127.0.0.1", port_of("LAB_RESP_RESET_AFTER_CR"), 2000);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_RESET);
  rdpneg_session_free(s);
  s = probe1("127.0.0.1", port_of("LAB_RESP_GARBAGE_TPKT"), 2000);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_MALFORMED);
  rdpneg_session_free(s);
}

TAP_TEST(ipv6_and_dns) {
  if (!port_of("LAB_XRDP_TLS_VALID"))
    TAP_SKIP("lab not running");
  rdpneg_session *s = probe1("::1", port_of("LAB_XRDP_TLS_VALID"), 2000);
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_OK);
  CHECK_EQ_INT(rdpneg_session_selected_protocol(s), RDPNEG_PROTOCOL_SSL);
  rdpneg_session_free(s);
  s = probe1("localhost", port_of("LAB_XRDP_TLS_VALID"), 2000);
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_OK);
  rdpneg_session_free(s);
  s = probe1("no-such-host.invalid", 3389, 2000);
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_DNS_FAILED);
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_UNKNOWN);
  rdpneg_session_free(s);
}

static void cancel_done(rdpneg_uv_probe *p, rdpneg_session *s, int status,
                        void *ud) {
  (void)p;
  *(int *)ud = status;
  rdpneg_session_free(s);
}

static void cancel_timer(uv_timer_t *t) {
  rdpneg_uv_probe_cancel(t->data);
  uv_close((uv_handle_t *)t, NULL);
}

TAP_TEST(cancel_mid_phase) {
  if (!port_of("LAB_RESP_SILENT"))
    TAP_SKIP("lab not running");
  uv_loop_t loop;
  uv_loop_init(&loop);
  rdpneg_config *cfg;
  rdpneg_config_new(&cfg);
  rdpneg_uv_probe *p = NULL;
  int status = 1;
  CHECK_EQ_INT(rdpneg_uv_probe_start(&p, &loop, cfg, "127.0.0.1",
                                     (uint16_t)port_of("LAB_RESP_SILENT"),
                                     cancel_done, &status),
               0);
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  t.data = p;
  uv_timer_start(&t, cancel_timer, 100, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_EQ_INT(status, RDPNEG_ERR_CANCELLED);
  CHECK_EQ_INT(uv_loop_close(&loop), 0);
  rdpneg_config_free(cfg);
}

static void netns_case(const char *port_env, rdpneg_tcp_status want) {
  if (!getenv("LAB_NETNS") || strcmp(getenv("LAB_NETNS"), "1") != 0)
    TAP_SKIP("network namespaces not available");
  if (!getenv("RDPNEG_IN_NETNS"))
    TAP_SKIP("run inside the client namespace (test/run.sh does)");
  rdpneg_session *s =
      probe1(getenv("LAB_NS_SERVER_IP"), port_of(port_env), 1500);
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), want);
  rdpneg_session_free(s);
}

TAP_TEST(netns_syn_dropped_is_timeout) {
  netns_case("LAB_NS_DROP_PORT", RDPNEG_TCP_TIMEOUT);
}
TAP_TEST(netns_icmp_reject_is_unreachable) {
  netns_case("LAB_NS_ICMP_PORT", RDPNEG_TCP_UNREACHABLE);
}
TAP_TEST(netns_tcp_reset_is_refused) {
  netns_case("LAB_NS_RST_PORT", RDPNEG_TCP_REFUSED);
}
TAP_TEST(netns_tls_server_through_router) {
  if (!getenv("RDPNEG_IN_NETNS"))
    TAP_SKIP("run inside the client namespace (test/run.sh does)");
  rdpneg_session *s =
      probe1(getenv("LAB_NS_SERVER_IP"), port_of("LAB_NS_TLS_PORT"), 3000);
  CHECK_EQ_INT(rdpneg_session_selected_protocol(s), RDPNEG_PROTOCOL_SSL);
  CHECK_EQ_INT(rdpneg_session_tls_status(s), RDPNEG_TLS_OK);
  rdpneg_session_free(s);
}

typedef struct {
  rdpneg_uv_run *run;
  rdpneg_evidence *ev;
  int status, calls;
} run_ctx;

static void run_cb(rdpneg_uv_run *run, rdpneg_evidence *ev, int status,
                   void *ud) {
  run_ctx *c = ud;
  (void)run;
  c->ev = ev;
  c->status = status;
  c->calls++;
}

static void cancel_run_timer(uv_timer_t *t) {
  run_ctx *c = t->data;
  CHECK_EQ_INT(rdpneg_uv_run_cancel(c->run), 0);
  CHECK_EQ_INT(rdpneg_uv_run_cancel(c->run), RDPNEG_ERR_INVALID_STATE);
  uv_close((uv_handle_t *)t, NULL);
}

/* A plan run cancelled mid-way (TLS versions against a stalling TLS
 * server, so several connections are open): every socket closes, the
 * callback comes once with RDPNEG_ERR_CANCELLED and the evidence so far,
 * marked cancelled, and the loop has no handle left. */
TAP_TEST(run_cancel_keeps_evidence) {
  if (!port_of("LAB_RESP_TLS_SILENT"))
    TAP_SKIP("lab not running");
  rdpneg_config *cfg;
  rdpneg_config_new(&cfg);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_VERSIONS, 1);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, 300);
  uv_loop_t loop;
  uv_loop_init(&loop);
  run_ctx c = {0};
  uint64_t t0 = uv_hrtime();
  CHECK_EQ_INT(rdpneg_uv_run_start(&c.run, &loop, cfg, "127.0.0.1",
                                   (uint16_t)port_of("LAB_RESP_TLS_SILENT"),
                                   run_cb, &c),
               0);
  rdpneg_config_free(cfg);
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  t.data = &c;
  uv_timer_start(&t, cancel_run_timer, 500, 0); /* versions running */
  uv_run(&loop, UV_RUN_DEFAULT);
  double wall_ms = (double)(uv_hrtime() - t0) / 1e6;
  CHECK_EQ_INT(uv_loop_close(&loop), 0);
  CHECK_EQ_INT(c.calls, 1);
  CHECK_EQ_INT(c.status, RDPNEG_ERR_CANCELLED);
  CHECK(wall_ms < 1500);
  CHECK(c.ev && rdpneg_evidence_attempt_count(c.ev) >= 2);
  char *json = NULL;
  if (c.ev && rdpneg_evidence_json(c.ev, NULL, &json, NULL) == 0) {
    CHECK(strstr(json, "\"cancelled\": true") != NULL);
    CHECK(strstr(json, "RDPNEG_ERR_CANCELLED") != NULL);
    CHECK(strstr(json, "\"verdict\": \"unknown\"") != NULL);
  }
  rdpneg_free(json);
  rdpneg_evidence_free(c.ev);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--netns")) {
    TAP_RUN(netns_syn_dropped_is_timeout);
    TAP_RUN(netns_icmp_reject_is_unreachable);
    TAP_RUN(netns_tcp_reset_is_refused);
    TAP_RUN(netns_tls_server_through_router);
    return tap_done();
  }
  TAP_RUN(xrdp_tls_valid);
  TAP_RUN(xrdp_rdp);
  TAP_RUN(xrdp_negotiate);
  TAP_RUN(xrdp_tls_nocert);
  TAP_RUN(xrdp_neg_nocert);
  TAP_RUN(shadow_nla);
  TAP_RUN(shadow_tls);
  TAP_RUN(shadow_rdp);
  TAP_RUN(closed_port_refused);
  TAP_RUN(silent_listener_times_out_within_deadline);
  TAP_RUN(ssh_banner_not_rdp);
  TAP_RUN(close_and_reset_after_request);
  TAP_RUN(ipv6_and_dns);
  TAP_RUN(cancel_mid_phase);
  TAP_RUN(run_cancel_keeps_evidence);
  return tap_done();
}
