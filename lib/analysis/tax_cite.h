/* SPDX-License-Identifier: Apache-2.0 */
/* Citations as the product prints them (analysis, internal). */
#ifndef RDPNEG_TAX_CITE_H
#define RDPNEG_TAX_CITE_H

#include <stddef.h>

/* Copies |in| to |out| (|cap| bytes, NUL-terminated, cut to fit) without
 * the pointers into the taxonomy's fact sheet ("facts 8.1 #6", "(facts 0
 * key fact 3, [INF])"): that file is not shipped, so a printed citation
 * names only the source keys (rdpneg-explain --sources) and the sections
 * of the sources themselves. Confidence tags inside such a pointer are
 * kept. */
void rdpneg_tax_cite_clean(const char *in, char *out, size_t cap);

#endif
