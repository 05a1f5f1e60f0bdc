/* SPDX-License-Identifier: Apache-2.0 */
/* Civil UTC dates <-> seconds since 1970 (internal). The one date formatter
 * of the library: certificate validity (cert.c) and the NTLM server time
 * (nla.c) are both printed with rdpneg_unix_to_iso(). */
#ifndef RDPNEG_TIMEFMT_H
#define RDPNEG_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of "YYYY-MM-DDTHH:MM:SSZ" with its NUL. */
#define RDPNEG_ISO_TIME_LEN 21

/* Seconds since 1970-01-01T00:00:00Z of a proleptic Gregorian UTC date
 * (month 1-12, day 1-31; years before 1970 give negatives). */
int64_t rdpneg_civil_to_unix(int y, int mon, int d, int h, int mi, int s);

/* Writes |t| as "YYYY-MM-DDTHH:MM:SSZ" into |out| (|cap| bytes, at least
 * RDPNEG_ISO_TIME_LEN for the whole text), or "out-of-range" when the year
 * is outside 0000-9999. */
void rdpneg_unix_to_iso(int64_t t, char *out, size_t cap);

#endif
