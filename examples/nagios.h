/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-probe --nagios: the output of a Nagios / Icinga / Naemon plugin
 * (Nagios Plugin Development Guidelines; monitoring-plugins):
 *
 *   RDP CRITICAL - PORT_CLOSED: TCP connect to ... | tcp=0.5ms;;;0 ...
 *   FAILING PORT_CLOSED (tcp, high): TCP connect to ...
 *
 * The first line is the service state and the most important finding
 * (the state is the verdict: OK healthy, WARNING degraded, CRITICAL
 * failing, UNKNOWN could not probe; raised by the certificate thresholds),
 * then '|' and the performance data: every phase's time in ms, the whole
 * probe's, and the certificate's days left with the -w / -c thresholds in
 * range form ("30:" = alert below 30). Further lines list every finding.
 * The exit status is the state (0, 1, 2, 3). */
#ifndef RDPNEG_NAGIOS_H
#define RDPNEG_NAGIOS_H

#include <rdpneg/rdpneg_diagnosis.h>

#include <stdio.h>

/* Days-left thresholds: WARNING under |warn_days|, CRITICAL under
 * |crit_days| (defaults 30 and 7). */
typedef struct nagios_opts {
  int on;
  int warn_days;
  int crit_days;
} nagios_opts;

#define NAGIOS_OPTS_INIT                                                       \
  { 0, 30, 7 }

/* Diagnoses |ev| (with |tax| and |reported| as rdpneg_diagnose) and writes
 * the plugin output to |out|. Returns the plugin exit status. */
int nagios_emit(const rdpneg_evidence *ev, const rdpneg_taxonomy *tax,
                const char *reported, const nagios_opts *o, FILE *out);

/* Writes "RDP UNKNOWN - |msg|" (a usage error or a probe that could not
 * run) and returns 3. */
int nagios_unknown(FILE *out, const char *msg, const char *arg);

/* 1 when argv asks for --nagios (so that a usage error before it is also
 * reported the plugin way). */
int nagios_wanted(int argc, char **argv);

#endif
