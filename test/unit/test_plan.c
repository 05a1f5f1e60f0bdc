/* SPDX-License-Identifier: Apache-2.0 */
/* Probe plans driven by hand: which connections a plan makes, what it
 * skips, the overall deadline, cancellation, and the evidence of every
 * attempt. No sockets: sessions get scripted server bytes. */
#include "tap.h"

#include "core/plan_internal.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_plan.h>

#include <stdlib.h>
#include <string.h>

#define MSEC 1000000ull

/* RDP_NEG_RSP selecting SSL. */
static const uint8_t rsp_ssl[] = {3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34,
                                  0, 2, 0, 8,  0,  1,    0, 0, 0};

static rdpneg_plan *new_plan(int tls_versions, int timeout_ms) {
  rdpneg_config *c;
  rdpneg_config_new(&c);
  rdpneg_config_set_int(c, RDPNEG_OPT_TLS_VERSIONS, tls_versions);
  rdpneg_config_set_int(c, RDPNEG_OPT_CONNECT_TIMEOUT_MS, timeout_ms);
  rdpneg_config_set_int(c, RDPNEG_OPT_X224_TIMEOUT_MS, timeout_ms);
  rdpneg_config_set_int(c, RDPNEG_OPT_TLS_TIMEOUT_MS, timeout_ms);
  rdpneg_config_set_int(c, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 3 * timeout_ms);
  rdpneg_plan *p = NULL;
  CHECK_EQ_INT(rdpneg_plan_new(&p, c, "server.example", 3389), 0);
  rdpneg_config_free(c);
  return p;
}

static char *doc_of(const rdpneg_plan *p) {
  rdpneg_evidence *ev = NULL;
  char *json = NULL;
  CHECK_EQ_INT(rdpneg_plan_evidence(p, &ev), 0);
  CHECK_EQ_INT(rdpneg_evidence_json(ev, NULL, &json, NULL), 0);
  rdpneg_evidence_free(ev);
  return json;
}

TAP_TEST(tls_versions_not_tried_after_tcp_failure) {
  rdpneg_plan *p = new_plan(1, 1000);
  rdpneg_session *s = NULL;
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &s), RDPNEG_ERR_INVALID_STATE);
  CHECK_EQ_INT(rdpneg_plan_start(p, 0), 0);
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &s), 1);
  CHECK_EQ_STR(rdpneg_session_host(s), "server.example");
  CHECK(rdpneg_session_connect_address(s) == NULL);
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &s), 0); /* one at a time here */
  CHECK_EQ_INT(rdpneg_plan_running(p), 1);
  rdpneg_session *first = NULL;
  rdpneg_plan_start(p, 0); /* already started */
  (void)first;
  /* the session handed out first */
  rdpneg_plan_free(p);
  p = new_plan(1, 1000);
  rdpneg_plan_start(p, 0);
  rdpneg_plan_next(p, 0, &s);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_REFUSED, "192.0.2.1", 111, MSEC);
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_plan_attempt_done(p, s, MSEC), 0);
  CHECK_EQ_INT(rdpneg_plan_next(p, MSEC, &s), 0);
  CHECK(rdpneg_plan_done(p));
  char *json = doc_of(p);
  CHECK(json && strstr(json, "\"connections\": 1"));
  CHECK(json && strstr(json, "TLS versions not tried: the TCP connect failed"));
  CHECK(json && !strstr(json, "\"versions\""));
  rdpneg_free(json);
  rdpneg_plan_free(p);
}

/* TLS selected, then the server answers the ClientHello with non-TLS
 * bytes: the plan tries each version on its own connection, all at once,
 * each bounded by what is left of the overall deadline, reaching the
 * address the first connection reached. */
TAP_TEST(tls_versions_in_parallel_within_deadline) {
  rdpneg_plan *p = new_plan(1, 1000);
  rdpneg_session *s = NULL;
  rdpneg_plan_start(p, 0);
  rdpneg_plan_next(p, 0, &s);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.7", 0, MSEC);
  uint8_t out[4096];
  while (rdpneg_session_write(s, out, sizeof out, MSEC) > 0)
    ;
  rdpneg_session_read(s, rsp_ssl, sizeof rsp_ssl, 2 * MSEC);
  static const uint8_t junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
  rdpneg_session_read(s, junk, sizeof junk - 1, 2500 * MSEC);
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_tls_status(s), RDPNEG_TLS_NOT_TLS);
  CHECK_EQ_INT(rdpneg_plan_attempt_done(p, s, 2500 * MSEC), 0);
  rdpneg_session *v[4] = {0};
  int n = 0;
  while (n < 4 && rdpneg_plan_next(p, 2500 * MSEC, &v[n]) == 1)
    n++;
  CHECK_EQ_INT(n, 3);
  CHECK_EQ_INT(rdpneg_plan_running(p), 3);
  for (int i = 0; i < n; i++) {
    CHECK_EQ_STR(rdpneg_session_connect_address(v[i]), "192.0.2.7");
    /* 3000 ms overall, 2500 ms used: nothing runs past 3000 ms */
    CHECK(rdpneg_session_expiry(v[i]) <= 3000 * MSEC);
  }
  for (int i = 0; i < n; i++) {
    rdpneg_session_handle_expiry(v[i], 3000 * MSEC);
    CHECK(rdpneg_session_done(v[i]));
    CHECK_EQ_INT(rdpneg_plan_attempt_done(p, v[i], 3000 * MSEC), 0);
  }
  CHECK(rdpneg_plan_done(p));
  char *json = doc_of(p);
  CHECK(json && strstr(json, "\"connections\": 4"));
  CHECK(json && strstr(json, "\"TLSv1.0\""));
  CHECK(json && strstr(json, "\"tls_offered\": \"1.1\""));
  rdpneg_free(json);
  rdpneg_plan_free(p);
}

TAP_TEST(cancel_keeps_evidence) {
  rdpneg_plan *p = new_plan(1, 1000);
  rdpneg_session *s = NULL;
  rdpneg_plan_start(p, 0);
  rdpneg_plan_next(p, 0, &s);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.7", 0, MSEC);
  CHECK_EQ_INT(rdpneg_plan_cancel(p, 5 * MSEC), 0);
  CHECK(rdpneg_session_done(s));
  CHECK(!rdpneg_plan_done(p)); /* the session is still lent */
  CHECK_EQ_INT(rdpneg_plan_attempt_done(p, s, 6 * MSEC), 0);
  CHECK(rdpneg_plan_done(p));
  CHECK_EQ_INT(rdpneg_plan_next(p, 6 * MSEC, &s), 0);
  rdpneg_evidence *ev = NULL;
  rdpneg_diagnosis *d = NULL;
  CHECK_EQ_INT(rdpneg_plan_evidence(p, &ev), 0);
  CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
  CHECK_EQ_INT(rdpneg_diagnosis_verdict(d), RDPNEG_VERDICT_UNKNOWN);
  char *json = NULL;
  CHECK_EQ_INT(rdpneg_evidence_json(ev, d, &json, NULL), 0);
  CHECK(json && strstr(json, "\"cancelled\": true"));
  CHECK(json && strstr(json, "RDPNEG_ERR_CANCELLED"));
  /* read back: the same document */
  rdpneg_evidence *back = NULL;
  char err[128], *json2 = NULL;
  CHECK_EQ_INT(
      rdpneg_evidence_parse(json, strlen(json), &back, err, sizeof err), 0);
  CHECK_EQ_INT(rdpneg_evidence_json(back, d, &json2, NULL), 0);
  CHECK(json2 && !strcmp(json, json2));
  rdpneg_free(json);
  rdpneg_free(json2);
  rdpneg_evidence_free(back);
  rdpneg_diagnosis_free(d);
  rdpneg_evidence_free(ev);
  rdpneg_plan_free(p);
}

TAP_TEST(deadline_drops_queued_attempts) {
  rdpneg_plan *p = new_plan(1, 1000);
  rdpneg_session *s = NULL;
  rdpneg_plan_start(p, 0);
  rdpneg_plan_next(p, 0, &s);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.7", 0, MSEC);
  rdpneg_session_read(s, rsp_ssl, sizeof rsp_ssl, 2 * MSEC);
  static const uint8_t junk[] = "SSH-2.0-x\r\n";
  rdpneg_session_read(s, junk, sizeof junk - 1, 2999 * MSEC);
  rdpneg_plan_attempt_done(p, s, 2999 * MSEC);
  /* follow-ups are queued; the driver comes back after the deadline */
  CHECK_EQ_INT(rdpneg_plan_expiry(p), 3000 * MSEC);
  CHECK_EQ_INT(rdpneg_plan_handle_expiry(p, 3001 * MSEC), 0);
  CHECK_EQ_INT(rdpneg_plan_next(p, 3001 * MSEC, &s), 0);
  CHECK(rdpneg_plan_done(p));
  char *json = doc_of(p);
  CHECK(json && strstr(json, "not made: the overall deadline passed"));
  rdpneg_free(json);
  rdpneg_plan_free(p);
}

/* Memory at scale: a queued or running connection holds no evidence (its
 * observations live in its session); the attempt's evidence is allocated
 * when the attempt ends, and holds what the session saw. */
TAP_TEST(evidence_only_for_ended_attempts) {
  rdpneg_plan *p = new_plan(0, 1000);
  CHECK(p->n == 1 && p->ev[0] == NULL); /* queued: none */
  rdpneg_session *s = NULL;
  rdpneg_plan_start(p, 0);
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &s), 1);
  CHECK(p->ev[0] == NULL); /* running: none */
  rdpneg_session_tcp_result(s, RDPNEG_TCP_REFUSED, "192.0.2.1", 111, MSEC);
  CHECK_EQ_INT(rdpneg_plan_attempt_done(p, s, MSEC), 0);
  CHECK(p->ev[0] != NULL);
  CHECK(p->ev[0] && p->ev[0]->tcp_status == RDPNEG_TCP_REFUSED);
  CHECK(p->ev[0] && !strcmp(p->ev[0]->purpose, "primary"));
  /* the session's message log changed hands (the SYN and its answer);
   * no TLS, NLA or observer part for a connection that never got there */
  CHECK(p->ev[0] && p->ev[0]->msgs && p->ev[0]->msgs->n >= 1);
  CHECK(p->ev[0] && !p->ev[0]->tls && !p->ev[0]->nla && !p->ev[0]->obs);
  CHECK_EQ_INT(p->nev, 1);
  /* the evidence value has every part, the defaults where none was kept */
  rdpneg_evidence *ev = NULL;
  CHECK_EQ_INT(rdpneg_plan_evidence(p, &ev), 0);
  const rdpneg_attempt_ev *a = ev ? &ev->att[0] : NULL;
  CHECK(a && a->tls && a->nla && a->obs && a->msgs);
  CHECK(a && a->tls && a->tls->alert_code == -1 &&
        a->tls->last_server_msg == -1);
  CHECK(a && a->nla && a->nla->status == RDPNEG_NLA_STATUS_SKIPPED);
  CHECK(a && a->msgs && p->ev[0] && p->ev[0]->msgs &&
        a->msgs != p->ev[0]->msgs && a->msgs->n == p->ev[0]->msgs->n);
  rdpneg_evidence_free(ev);
  rdpneg_plan_free(p);
}

TAP_TEST(bad_arguments) {
  rdpneg_config *c;
  rdpneg_config_new(&c);
  rdpneg_plan *p = NULL;
  CHECK_EQ_INT(rdpneg_plan_new(&p, c, "", 3389), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_plan_new(&p, c, "h", 0), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_plan_new(&p, NULL, "h", 1), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_plan_new(&p, c, "h", 1), 0);
  rdpneg_evidence *ev = NULL;
  CHECK_EQ_INT(rdpneg_plan_evidence(p, &ev), RDPNEG_ERR_INVALID_STATE);
  CHECK_EQ_INT(rdpneg_plan_attempt_done(p, (rdpneg_session *)c, 0),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK(!rdpneg_plan_done(p));
  rdpneg_plan_free(p);
  rdpneg_plan_free(NULL);
  rdpneg_config_free(c);
}

/* A connect that timed out: the check waits for two SYN retransmissions
 * (3.5 s), or what is left of the overall deadline (3 x the timeout); one
 * that waits longer keeps its own wait. */
TAP_TEST(corroboration_waits_for_syn_retransmissions) {
  static const struct {
    int timeout_ms, want_ms;
  } cases[] = {{2000, 3500}, {1000, 2000}, {500, 1000}, {5000, 5000}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rdpneg_tstamp t = (rdpneg_tstamp)cases[i].timeout_ms * MSEC;
    rdpneg_plan *p = new_plan(0, cases[i].timeout_ms);
    rdpneg_session *s = NULL, *c = NULL;
    rdpneg_plan_start(p, 0);
    CHECK_EQ_INT(rdpneg_plan_next(p, 0, &s), 1);
    CHECK_EQ_INT(rdpneg_session_expiry(s), t);
    rdpneg_session_handle_expiry(s, t);
    CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_TIMEOUT);
    CHECK_EQ_INT(rdpneg_plan_attempt_done(p, s, t), 0);
    CHECK_EQ_INT(rdpneg_plan_next(p, t, &c), 1);
    /* 3.5 s, or what is left of the overall deadline */
    CHECK_EQ_INT(rdpneg_session_expiry(c),
                 t + (rdpneg_tstamp)cases[i].want_ms * MSEC);
    rdpneg_plan_free(p);
  }
}

int main(void) {
  TAP_RUN(corroboration_waits_for_syn_retransmissions);
  TAP_RUN(tls_versions_not_tried_after_tcp_failure);
  TAP_RUN(tls_versions_in_parallel_within_deadline);
  TAP_RUN(cancel_keeps_evidence);
  TAP_RUN(deadline_drops_queued_attempts);
  TAP_RUN(evidence_only_for_ended_attempts);
  TAP_RUN(bad_arguments);
  return tap_done();
}
