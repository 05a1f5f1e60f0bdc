/* SPDX-License-Identifier: Apache-2.0 */
/* Enumeration plan (core, internal; RDPNEG_OPT_ENUMERATE): the server's
 * whole pre-connection profile in as few connections as its answers
 * allow. plan.c calls these hooks; the policy lives in plan_enum.c. */
#ifndef RDPNEG_PLAN_ENUM_H
#define RDPNEG_PLAN_ENUM_H

#include "core/evidence.h"

#include <rdpneg/rdpneg_plan.h>

/* At most this many attempts of an enumerating plan wait for the server's
 * Connection Confirm at once (an xrdp listener has a backlog of 2: more
 * simultaneous connects wait for a SYN retransmission, a second later; a
 * confirm shows the connection was accepted). */
#define RDPNEG_ENUM_MAX_CONNECTING 3

typedef struct rdpneg_enum rdpneg_enum;

/* Creates the enumeration of plan |p| whose first attempt (index
 * |primary|) asks what |cfg| asks, and queues the connections that need
 * no answer first. Returns 0 or RDPNEG_ERR_NOMEM. */
int rdpneg_enum_new(rdpneg_enum **pen, rdpneg_plan *p, const rdpneg_config *cfg,
                    int primary);
void rdpneg_enum_free(rdpneg_enum *en);

/* Attempt |index| of |p| finished with evidence |e|: records its answer,
 * infers what it makes predictable and queues what is left to ask. */
void rdpneg_enum_decide(rdpneg_enum *en, rdpneg_plan *p, int index,
                        const rdpneg_attempt_ev *e);

/* Called by rdpneg_plan_next before it hands out an attempt: decides
 * from the primary's confirm as soon as it came (not when its TLS and NLA
 * are over) and returns 1 when another connection may start now. */
int rdpneg_enum_may_start(rdpneg_enum *en, rdpneg_plan *p);

/* Fills ev->profile (and has_profile); |pos| maps attempt indexes to
 * positions in ev->att (-1: not finished). */
void rdpneg_enum_profile(const rdpneg_enum *en, rdpneg_evidence *ev,
                         const int *pos);

#endif
