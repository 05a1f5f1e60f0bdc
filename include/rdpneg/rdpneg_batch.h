/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg-uv batches: many probe plans on the library's own libuv loops,
 * for bindings and programs that probe fleets.
 *
 *   rdpneg_batch_new(&b, cfg);
 *   rdpneg_batch_set(b, RDPNEG_BATCH_CONCURRENCY, 100);   (optional)
 *   rdpneg_batch_add(b, "10.0.0.5");  rdpneg_batch_add(b, "[::1]:3390"); ...
 *   rdpneg_batch_end_input(b);
 *   while (rdpneg_batch_next(b, -1, &r) == RDPNEG_BATCH_RESULT) {
 *     rdpneg_batch_result_json(r, &json, NULL);  ...  rdpneg_free(json);
 *     rdpneg_batch_result_free(r);
 *   }
 *   rdpneg_batch_free(b);
 *
 * Each target runs the probe plan rdpneg_uv_run_start() runs (the same
 * evidence and document as rdpneg_probe_run), with its own deadlines
 * (RDPNEG_OPT_OVERALL_TIMEOUT_MS and the per-phase ones count from the
 * probe's start, not from the time it was added). At most
 * RDPNEG_BATCH_CONCURRENCY probes (and name resolutions) run at once; at
 * most RDPNEG_BATCH_PER_LISTENER of them against one listener (address and
 * port; a name is resolved first to learn its addresses), so the batch
 * does not overload the servers it diagnoses; RDPNEG_BATCH_RATE limits
 * starts per second. Results come out in completion order, one per target
 * added (except targets a cancellation dropped before they started).
 *
 * Threads: the batch runs RDPNEG_BATCH_THREADS loop threads of its own,
 * started by the first rdpneg_batch_add or rdpneg_batch_end_input. Every
 * function here may be called from any thread, concurrently (the batch
 * locks); a result belongs to whoever took it. No callback runs on the
 * caller's thread: results are pulled with rdpneg_batch_next, which a
 * binding calls from one thread of its own (blocking with a timeout).
 * Results not yet taken hold back new starts once they and the probes in
 * flight are 2 x RDPNEG_BATCH_CONCURRENCY (or once they are
 * RDPNEG_BATCH_RESULTS_AHEAD), so a slow consumer bounds memory.
 *
 * Memory: a few hundred bytes per target added and not yet started, plus
 * one record per listener that a queued or running target names (freed
 * with the last such target). A long target list need not be added at
 * once: adding more as results are taken (rdpneg-scan keeps
 * 4 x concurrency + 1024 outstanding) keeps the batch's memory bounded.
 */
#ifndef RDPNEG_BATCH_H
#define RDPNEG_BATCH_H

#include <rdpneg/rdpneg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdpneg_batch rdpneg_batch;
typedef struct rdpneg_batch_result rdpneg_batch_result;

/* Options (rdpneg_batch_set), before the first rdpneg_batch_add. */
typedef enum rdpneg_batch_opt {
  RDPNEG_BATCH_CONCURRENCY = 1,  /* probes in flight, 1..1000000; 256 */
  RDPNEG_BATCH_PER_LISTENER = 2, /* probes in flight per address and port,
                                    1..1000000; 2 */
  RDPNEG_BATCH_RATE = 3,         /* probe starts per second, 0 = no limit;
                                    0 */
  RDPNEG_BATCH_THREADS = 4,      /* loop threads, 1..64; 1 */
  RDPNEG_BATCH_DEFAULT_PORT = 5, /* port of a target without one; 3389 */
  RDPNEG_BATCH_RESULTS_AHEAD = 6 /* results not yet taken at which no new
                                    probe starts, 0..1000000; 0 = only the
                                    2 x concurrency bound below. Each such
                                    result holds its evidence: a consumer
                                    slower than the probes (cheap probes,
                                    costly documents) bounds memory with
                                    it */
} rdpneg_batch_opt;

/* Counters (rdpneg_batch_count). */
typedef enum rdpneg_batch_counter {
  RDPNEG_BATCH_ADDED = 1,     /* targets accepted by rdpneg_batch_add */
  RDPNEG_BATCH_STARTED = 2,   /* probe plans started */
  RDPNEG_BATCH_INFLIGHT = 3,  /* probes and name resolutions running now */
  RDPNEG_BATCH_QUEUED = 4,    /* results waiting for rdpneg_batch_next */
  RDPNEG_BATCH_DELIVERED = 5, /* results taken by rdpneg_batch_next */
  RDPNEG_BATCH_DROPPED = 6    /* targets a cancellation dropped unstarted */
} rdpneg_batch_counter;

/* rdpneg_batch_next's answers besides an error code. */
#define RDPNEG_BATCH_END 0     /* every result was taken: nothing follows */
#define RDPNEG_BATCH_RESULT 1  /* *presult is set */
#define RDPNEG_BATCH_TIMEOUT 2 /* none within timeout_ms; call again */

/* Creates a batch probing with a copy of |cfg| (NULL: the defaults; the
 * caller may free |cfg| at once). Starts no thread yet. Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT (|pb| NULL) or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_batch_new(rdpneg_batch **pb, const rdpneg_config *cfg);

/* Sets option |opt| to |value|. Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (an
 * unknown option or a value out of its range) or RDPNEG_ERR_INVALID_STATE
 * (the batch has started). */
RDPNEG_EXTERN int rdpneg_batch_set(rdpneg_batch *b, int opt, int64_t value);

/* Adds one target (copied): "host", "host:port", "[IPv6]", "[IPv6]:port"
 * or a bare IPv6 address; host is a name or an address literal, and the
 * port defaults to RDPNEG_BATCH_DEFAULT_PORT. Targets are not
 * de-duplicated: each one added gives its own result. The first call
 * starts the loop threads. Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (a
 * malformed target: nothing is added), RDPNEG_ERR_INVALID_STATE (after
 * rdpneg_batch_end_input), RDPNEG_ERR_CANCELLED (after
 * rdpneg_batch_cancel) or RDPNEG_ERR_NOMEM (also when the threads could
 * not start). */
RDPNEG_EXTERN int rdpneg_batch_add(rdpneg_batch *b, const char *target);

/* No more targets: once the last result is taken, rdpneg_batch_next
 * returns RDPNEG_BATCH_END. Idempotent. Returns 0 or RDPNEG_ERR_NOMEM
 * (the threads could not start; the batch is then cancelled). */
RDPNEG_EXTERN int rdpneg_batch_end_input(rdpneg_batch *b);

/* Takes the next result in completion order. |timeout_ms| < 0 waits as
 * long as it takes, 0 only looks. Returns RDPNEG_BATCH_RESULT with
 * *|presult| set (the caller owns it: rdpneg_batch_result_free),
 * RDPNEG_BATCH_TIMEOUT, RDPNEG_BATCH_END (input ended or the batch was
 * cancelled, and every result was taken), or RDPNEG_ERR_INVALID_ARGUMENT.
 * Waiting on a batch whose input never ends and that runs nothing times
 * out (or waits forever with a negative timeout). */
RDPNEG_EXTERN int rdpneg_batch_next(rdpneg_batch *b, int timeout_ms,
                                    rdpneg_batch_result **presult);

/* Cancels the batch (any thread, any time; idempotent): targets not yet
 * started are dropped (no result; counted as RDPNEG_BATCH_DROPPED),
 * probes in flight end at once with status RDPNEG_ERR_CANCELLED and the
 * evidence they gathered, and their results follow; rdpneg_batch_add is
 * refused from now on. Returns 0 or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_batch_cancel(rdpneg_batch *b);

/* A counter (rdpneg_batch_counter), or -1 for an unknown one or a NULL
 * batch. A snapshot: the loops keep running. */
RDPNEG_EXTERN int64_t rdpneg_batch_count(rdpneg_batch *b, int counter);

/* Cancels what still runs, waits for the loop threads to end (at most the
 * time the probes in flight take to close their sockets), and frees the
 * batch with every result not taken. Results already taken stay valid.
 * NULL is a no-op. Not while another thread is inside a function of |b|. */
RDPNEG_EXTERN void rdpneg_batch_free(rdpneg_batch *b);

/* ---- results ---- */

/* The target as given to rdpneg_batch_add; valid until the result is
 * freed. */
RDPNEG_EXTERN const char *
rdpneg_batch_result_target(const rdpneg_batch_result *r);

/* The host probed (brackets removed) and the port. */
RDPNEG_EXTERN const char *
rdpneg_batch_result_host(const rdpneg_batch_result *r);
RDPNEG_EXTERN uint16_t rdpneg_batch_result_port(const rdpneg_batch_result *r);

/* 0 for the first target added, 1 for the second, ... */
RDPNEG_EXTERN int64_t rdpneg_batch_result_index(const rdpneg_batch_result *r);

/* 0 when the plan ran to its end (whatever the server answered: read the
 * evidence), RDPNEG_ERR_CANCELLED (rdpneg_batch_cancel; the evidence holds
 * what was gathered, marked cancelled) or RDPNEG_ERR_NOMEM (no evidence
 * may be there). */
RDPNEG_EXTERN int rdpneg_batch_result_status(const rdpneg_batch_result *r);

/* When the probe started and ended, in nanoseconds of libuv's monotonic
 * clock (uv_hrtime, CLOCK_MONOTONIC on Linux): the time it waited in the
 * queue is not in it. Both 0 when it never started. */
RDPNEG_EXTERN uint64_t
rdpneg_batch_result_started_ns(const rdpneg_batch_result *r);
RDPNEG_EXTERN uint64_t
rdpneg_batch_result_ended_ns(const rdpneg_batch_result *r);

/* The evidence, lent (NULL when none; valid until the result is freed or
 * the evidence taken). */
RDPNEG_EXTERN const rdpneg_evidence *
rdpneg_batch_result_evidence(const rdpneg_batch_result *r);

/* Takes the evidence out of the result: *|pev| is set (free with
 * rdpneg_evidence_free). Returns 0, or RDPNEG_ERR_INVALID_STATE when the
 * result has none (taken already, or the driver failed). */
RDPNEG_EXTERN int rdpneg_batch_result_take_evidence(rdpneg_batch_result *r,
                                                    rdpneg_evidence **pev);

/* The rdpneg.probe/1 document of the evidence, diagnosed with the built-in
 * rules and texts (rdpneg_evidence_json with no diagnosis; for a taxonomy
 * or a reported code, diagnose the evidence yourself), into a new string
 * (free with rdpneg_free); *|plen| may be NULL. Returns 0,
 * RDPNEG_ERR_INVALID_STATE (no evidence) or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_batch_result_json(const rdpneg_batch_result *r,
                                           char **pjson, size_t *plen);

/* Frees a result and its evidence (unless taken). NULL is a no-op. */
RDPNEG_EXTERN void rdpneg_batch_result_free(rdpneg_batch_result *r);

#ifdef __cplusplus
}
#endif

#endif /* RDPNEG_BATCH_H */
