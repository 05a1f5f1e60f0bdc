/* Glue between the session and the NLA module (placeholder until nla.c
 * lands: NLA is reported as skipped, never as passed). */
#include "json.h"
#include "session.h"

#include <stdio.h>

void rdpneg_session_nla_free(rdpneg_session *s);
int rdpneg_session_nla_begin(rdpneg_session *s, rdpneg_tstamp ts);
int rdpneg_session_nla_pump(rdpneg_session *s, rdpneg_tstamp ts);
void rdpneg_session_nla_end_transport(rdpneg_session *s, int reset,
                                      rdpneg_tstamp ts);
void rdpneg_session_nla_timeout(rdpneg_session *s, rdpneg_tstamp ts);
void rdpneg_session_nla_json(const rdpneg_session *s, rdpneg_json *w);

void rdpneg_session_nla_free(rdpneg_session *s) {
  (void)s;
}

int rdpneg_session_nla_begin(rdpneg_session *s, rdpneg_tstamp ts) {
  s->ph[RDPNEG_PHASE_NLA].status = RDPNEG_PHASE_SKIPPED;
  s->ph[RDPNEG_PHASE_NLA].end = ts;
  snprintf(s->ph[RDPNEG_PHASE_NLA].detail, sizeof s->ph[0].detail,
           "NLA analysis not built in");
  s->state = S_DONE;
  s->phase_deadline = RDPNEG_TSTAMP_NEVER;
  return RDPNEG_ERR_UNSUPPORTED;
}

int rdpneg_session_nla_pump(rdpneg_session *s, rdpneg_tstamp ts) {
  (void)s;
  (void)ts;
  return 0;
}

void rdpneg_session_nla_end_transport(rdpneg_session *s, int reset,
                                      rdpneg_tstamp ts) {
  (void)reset;
  (void)ts;
  s->state = S_DONE;
}

void rdpneg_session_nla_timeout(rdpneg_session *s, rdpneg_tstamp ts) {
  (void)ts;
  s->state = S_DONE;
}

void rdpneg_session_nla_json(const rdpneg_session *s, rdpneg_json *w) {
  rdpneg_json_str(w, "status", "skipped");
  uint32_t sel = (uint32_t)rdpneg_session_selected_protocol(s);
  int nla = rdpneg_session_selected_protocol(s) >= 0 &&
            (sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX);
  rdpneg_json_str(w, "auth", nla ? "not_tested" : "not_testable");
  rdpneg_json_null(w, "error");
}
