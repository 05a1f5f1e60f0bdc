/* SPDX-License-Identifier: Apache-2.0 */
/* Evidence: what a probe observed, as a value (internal layout).
 *
 * A session writes its connection's evidence into one rdpneg_attempt_ev;
 * rdpneg_evidence (public, opaque) holds the attempts of one probe plus
 * what was derived across them (TLS versions, an SPNEGO refusal seen on an
 * earlier connection). The same value comes back from a saved
 * rdpneg.probe/1 document (lib/output/document_read.c), so the diagnosis
 * (lib/analysis) runs on a live probe, a file or a replayed capture alike.
 * Nothing here points into a session: an evidence value outlives it. */
#ifndef RDPNEG_EVIDENCE_H
#define RDPNEG_EVIDENCE_H

#include "core/msglog.h"
#include "proto/cert.h"
#include "proto/mcs.h"
#include "proto/nla.h"
#include "proto/tls.h"
#include "proto/tls_view.h"

#include <rdpneg/rdpneg.h>

#define RDPNEG_EV_HOST_MAX 256
#define RDPNEG_EV_DETAIL_MAX 240

typedef struct rdpneg_phase_rec {
  rdpneg_phase_status status;
  int64_t us; /* elapsed microseconds; -1 when the phase never started */
  int err;    /* RDPNEG_ERR_* that ended it, 0 if none */
  char detail[RDPNEG_EV_DETAIL_MAX];
} rdpneg_phase_rec;

/* ---- a connection observed in a capture (core/observe.c) ---- */

#define RDPNEG_OBS_MAX_RECORDS 24

/* Phase in which a FIN or RST was seen: an rdpneg_phase, or this after
 * the pre-connection phases. */
#define RDPNEG_OBS_AFTER RDPNEG_PHASE_COUNT

typedef struct rdpneg_obs_end {
  int seen;
  int phase;    /* rdpneg_phase or RDPNEG_OBS_AFTER */
  int64_t t_us; /* from the connection's first packet */
} rdpneg_obs_end;

/* What only an observer sees: the client's side and the timing of both.
 * Directions: 0 client to server, 1 server to client. */
typedef struct rdpneg_obs_ev {
  char client[64];
  uint16_t client_port;
  int64_t start_unix_us; /* capture time of the first packet */
  int syn, syn_ack;      /* handshake packets seen */
  int cr_seen;           /* the client's Connection Request was decoded */
  int has_correlation;
  uint8_t correlation_id[16];
  char routing_token[64]; /* a token that is not an mstshash cookie */
  rdpneg_tlsv_hello hello;
  int tls13;
  int client_alert_code, client_alert_level; /* plaintext, -1 none */
  int enc_alert_dir; /* first encrypted alert record's direction, -1 */
  int app_records[2];
  uint64_t app_bytes[2];
  int nrecords; /* TLS records seen; the first ones kept below */
  struct {
    uint8_t dir, type, encrypted, hs_type;
    uint16_t len;
    int64_t t_us;
  } rec[RDPNEG_OBS_MAX_RECORDS];
  rdpneg_obs_end fin[2], rst[2];
  uint64_t bytes[2];
  unsigned dup_bytes[2], conflicts[2], reordered[2];
  int gap[2]; /* bytes missing from the capture (a hole) */
} rdpneg_obs_ev;

/* One connection. Its parts (TLS, NLA, observer, message log) are blocks
 * of their own: in an rdpneg_evidence value every part is there (the
 * defaults below when the phase did not run); in a plan's store of ended
 * attempts (core/plan.c) a part is there only when its phase ran or
 * changed it, so a connection that ended at X.224 keeps about 2.5 KiB
 * besides its message log (taken over from the session, not copied). Read
 * a plan's store through rdpneg_attempt_tls() and its siblings. */
typedef struct rdpneg_attempt_ev {
  char purpose[32];     /* why the plan made it: "primary", "spnego_fallback",
                           "tls_version" */
  int tls_min, tls_max; /* TLS versions offered (1..3) */
  char host[RDPNEG_EV_HOST_MAX];
  uint16_t port;
  char address[64];
  char name[RDPNEG_EV_HOST_MAX]; /* name checked against the certificate
                                    (the SNI, else the host) */
  int sni_set;                   /* name came from RDPNEG_STROPT_SNI */
  int finished;                  /* the session reached its end */
  int cancelled;
  int64_t start_us; /* when it started, from the probe's start */
  int64_t total_us;
  rdpneg_phase_rec ph[RDPNEG_PHASE_COUNT];

  /* tcp */
  rdpneg_tcp_status tcp_status;
  int tcp_sys_error;

  /* x224 */
  rdpneg_x224_status x224_status;
  int sent_neg_req;
  uint32_t requested;
  uint8_t req_flags;
  char cookie[256];
  int has_cookie;
  int have_cc;        /* a Connection Confirm was decoded */
  int has_neg;        /* it carried RDP_NEG_RSP / RDP_NEG_FAILURE */
  int neg_type;       /* RDPNEG_NEG_TYPE_RSP / _FAILURE */
  uint32_t neg_value; /* selectedProtocol or failureCode */
  uint8_t neg_flags;
  uint16_t src_ref;
  uint8_t cc_raw[64];
  size_t cc_raw_len;
  uint8_t rx_first[64]; /* first bytes the server sent */
  size_t rx_first_len;
  size_t rx_total;
  int unexpected_protocol;

  /* tls */
  int tls_ran; /* the TLS phase started (tls.* below is meaningful) */
  rdpneg_tls_status tls_status;
  rdpneg_tls_ev *tls;

  /* nla */
  rdpneg_nla_ev *nla;

  /* MCS Connect Initial / Response (RDPNEG_OPT_DO_MCS, Standard RDP
   * Security) */
  int mcs_ran;
  rdpneg_mcs_ev mcs;

  /* seen in a capture (source "capture"), not probed */
  int observed;
  rdpneg_obs_ev *obs;
  /* every message either side sent, with its size and time */
  rdpneg_msglog *msgs;
} rdpneg_attempt_ev;

#define RDPNEG_MAX_TLS_VERSIONS 4

/* One connection limited to one TLS version (--tls-versions). */
typedef struct rdpneg_tls_version_ev {
  int version;    /* 1..3 */
  int status;     /* rdpneg_tls_status */
  int alert_code; /* -1 none */
  int inferred;   /* decided by another connection's answer, not tried:
                     accepted = status OK */
  int attempt;    /* index of the attempt that tried it, -1 inferred */
} rdpneg_tls_version_ev;

#define RDPNEG_EV_MAX_NOTES 8

/* ---- enumeration (RDPNEG_OPT_ENUMERATE; core/plan_enum.c) ---- */

#define RDPNEG_PROFILE_MAX_SETS 12

/* What one requestedProtocols set got: asked on a connection of its own,
 * or inferred from another set's answer. */
typedef struct rdpneg_profile_answer {
  /* |set|: the requested protocol names joined by '|', or legacy for a
   * request without RDP_NEG_REQ. |answer|: the protocol name selected (a
   * legacy confirm counts as PROTOCOL_RDP), the failure name, an X.224
   * outcome (timeout, closed, ...), empty when not determined. */
  char set[40];
  char answer[40];
  int inferred; /* decided from another answer, no connection */
  int attempt;  /* the attempt that asked it (plan order), -1 */
} rdpneg_profile_answer;

/* The server's pre-connection profile, derived by the plan across its
 * attempts. Tri-state members: 1 yes, 0 no, -1 not determined. The TLS
 * versions, the certificate, the CredSSP version and the number of
 * connections are read from the attempts themselves (output/profile.c). */
typedef struct rdpneg_profile {
  int nla_required, nla_supported, tls_required;
  int rdp_security_accepted, legacy_accepted;
  int nanswers;
  rdpneg_profile_answer answers[RDPNEG_PROFILE_MAX_SETS];
  int has_flags; /* RDP_NEG_RSP flags seen */
  uint8_t flags;
  /* Standard RDP Security, from an MCS Connect Response */
  int has_rdp_security;
  int rdp_security_attempt; /* whose Server Security Data it is */
  uint32_t enc_method;      /* selected when all methods were offered */
  uint32_t enc_level;
  int nmethods; /* methods a client gets when it offers them */
  uint32_t methods[5];
  int methods_inferred; /* from the level (MS-RDPBCGR 5.3.2), not
                           from one connection per method */
  int server_key_bits;
  int cert_type; /* RDPNEG_MCS_CERT_* */
  uint32_t server_version;
} rdpneg_profile;

struct rdpneg_evidence {
  char source[16]; /* "probe", "document", "capture" */
  int nattempts;
  rdpneg_attempt_ev *att;
  int top;          /* the attempt the top-level document describes */
  int64_t total_us; /* the whole probe, first start to last end; 0: the
                       top attempt's */
  int cancelled;    /* the probe was cancelled before its plan ended */
  int nnotes;       /* what the plan decided not to do, and why */
  char notes[RDPNEG_EV_MAX_NOTES][160];
  /* one connection per TLS version (--tls-versions) */
  int tls_versions_count;
  rdpneg_tls_version_ev tls_versions[RDPNEG_MAX_TLS_VERSIONS];
  int tls13_only;
  /* an earlier connection's SPNEGO NEGOTIATE was refused */
  int spnego_rejected;
  uint32_t spnego_rejected_status;
  /* the enumeration's profile (RDPNEG_OPT_ENUMERATE) */
  int has_profile;
  rdpneg_profile profile;
};

/* What a part holds when its phase did not run. */
extern const rdpneg_tls_ev rdpneg_tls_ev_none; /* alert, last message -1 */
extern const rdpneg_nla_ev rdpneg_nla_ev_none; /* status SKIPPED */
extern const rdpneg_obs_ev rdpneg_obs_ev_none;
extern const rdpneg_msglog rdpneg_msglog_none;

/* A part of |a|, or its default when |a| does not hold it. */
const rdpneg_tls_ev *rdpneg_attempt_tls(const rdpneg_attempt_ev *a);
const rdpneg_nla_ev *rdpneg_attempt_nla(const rdpneg_attempt_ev *a);
const rdpneg_msglog *rdpneg_attempt_msgs(const rdpneg_attempt_ev *a);

/* Gives every part |a| lacks, zeroed. Returns 0 or NOMEM (what was
 * allocated stays, for rdpneg_attempt_clear). */
int rdpneg_attempt_parts_alloc(rdpneg_attempt_ev *a);

/* Frees the parts of |a| (not |a|). */
void rdpneg_attempt_clear(rdpneg_attempt_ev *a);

/* Copies |src| into |dst| (whose parts are freed first) with every part,
 * defaults for those |src| lacks. Returns 0 or NOMEM. */
int rdpneg_attempt_copy(rdpneg_attempt_ev *dst, const rdpneg_attempt_ev *src);

/* Writes a session's evidence into |a| (zeroed, no parts; purpose and TLS
 * range included). |full|: every part, as an rdpneg_evidence value has
 * them; else only the parts the session's phases filled (a plan's store).
 * The message log is taken from |take| when given (the session loses it,
 * and must be freed next), else copied. Returns 0 or NOMEM (the parts
 * given stay in |a|, for rdpneg_attempt_clear). */
int rdpneg_attempt_snapshot(const rdpneg_session *s, rdpneg_attempt_ev *a,
                            int full, rdpneg_session *take);

/* The attempt the document's top level describes. */
const rdpneg_attempt_ev *rdpneg_evidence_top(const rdpneg_evidence *ev);

/* Selected protocol of the attempt's RDP_NEG_RSP, -1 when none. */
int64_t rdpneg_attempt_selected(const rdpneg_attempt_ev *a);

/* Allocates an evidence value with |n| zeroed attempts, every part of
 * each given and zeroed (|parts| 0: none, for rdpneg_attempt_copy or
 * rdpneg_attempt_snapshot to fill). Returns 0 or NOMEM. */
int rdpneg_evidence_alloc(rdpneg_evidence **pev, int n, const char *source);
int rdpneg_evidence_alloc_parts(rdpneg_evidence **pev, int n,
                                const char *source, int parts);

#endif
