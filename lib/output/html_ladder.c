/* SPDX-License-Identifier: Apache-2.0 */
/* The phase ladder as inline SVG (html.c's report): a client and a server
 * column, each message an arrow with its name, size and time, and the
 * point where the connection stopped with the reason. No script, no
 * external reference; ids are not used, so several ladders share a page. */
#include "output/html.h"

#include <stdio.h>
#include <string.h>

#define W 760
#define XC 170 /* client column */
#define XS 640 /* server column */
#define ROW 36
#define TOP 48

/* Cuts |s| to |max| characters (bytes; UTF-8 sequences kept whole) with an
 * ellipsis, for SVG text that does not wrap. */
static void cut(char *out, size_t cap, const char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max) {
    snprintf(out, cap, "%s", s);
    return;
  }
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
    max--;
  snprintf(out, cap, "%.*s\xE2\x80\xA6", (int)max, s);
}

static void arrow(rdpneg_sb *b, const rdpneg_msg *m, int y) {
  int c2s = m->dir == RDPNEG_MSG_C2S;
  int x1 = c2s ? XC : XS, x2 = c2s ? XS - 8 : XC + 8;
  int tip = c2s ? XS : XC, back = c2s ? -10 : 10;
  double ms = (double)m->t_us / 1e3;
  char name[RDPNEG_MSG_NAME_MAX + 8];
  cut(name, sizeof name, m->name, 68);
  rdpneg_sb_printf(b, "<g class=\"arrow %s%s\"><title>", c2s ? "c2s" : "s2c",
                   m->event ? " event" : "");
  rdpneg_sb_html(b, m->name);
  rdpneg_sb_printf(b, " (%s, ", c2s ? "client to server" : "server to client");
  if (!m->event)
    rdpneg_sb_printf(b, "%u bytes, ", (unsigned)m->bytes);
  rdpneg_sb_printf(b, "at %.1f ms)</title>", ms);
  rdpneg_sb_printf(b,
                   "<text class=\"t\" x=\"%d\" y=\"%d\" "
                   "text-anchor=\"end\">%.1f ms</text>",
                   XC - 16, y + 4, ms);
  rdpneg_sb_printf(b,
                   "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"%s/>"
                   "<polygon points=\"%d,%d %d,%d %d,%d\"/>",
                   x1, y, x2, y, m->event ? " stroke-dasharray=\"6 4\"" : "",
                   tip, y, tip + back, y - 5, tip + back, y + 5);
  rdpneg_sb_printf(b,
                   "<text class=\"n\" x=\"%d\" y=\"%d\" "
                   "text-anchor=\"middle\">",
                   (XC + XS) / 2, y - 7);
  rdpneg_sb_html(b, name);
  if (!m->event)
    rdpneg_sb_printf(b, " \xC2\xB7 %u B", (unsigned)m->bytes);
  rdpneg_sb_put(b, "</text></g>\n");
}

void rdpneg_html_ladder(rdpneg_sb *b, const rdpneg_attempt_ev *a) {
  const rdpneg_msglog *l = a->msgs;
  int n = l->n < RDPNEG_MSGLOG_MAX ? l->n : RDPNEG_MSGLOG_MAX;
  int rows = n + (l->dropped ? 1 : 0) + 1;
  int h = TOP + rows * ROW + 8;
  char why[300], shortwhy[120];
  int64_t t;
  int failed = rdpneg_ladder_stop(a, why, sizeof why, &t);
  rdpneg_sb_printf(b,
                   "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" "
                   "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                   "role=\"img\" aria-label=\"phase ladder, %d messages\">\n",
                   W, h, W, h, n);
  rdpneg_sb_printf(
      b,
      "<text class=\"col\" x=\"%d\" y=\"18\" text-anchor=\"middle\">client "
      "(rdpneg)</text><text class=\"col\" x=\"%d\" y=\"18\" "
      "text-anchor=\"middle\">server</text>\n"
      "<line class=\"life\" x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\"/>"
      "<line class=\"life\" x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\"/>\n",
      XC, XS, XC, XC, h - 4, XS, XS, h - 4);
  int y = TOP;
  for (int k = 0; k < n; k++, y += ROW)
    arrow(b, &l->m[k], y);
  if (l->dropped) {
    rdpneg_sb_printf(b,
                     "<text class=\"n\" x=\"%d\" y=\"%d\" "
                     "text-anchor=\"middle\">\xE2\x80\xA6 %d more messages "
                     "not kept</text>\n",
                     (XC + XS) / 2, y, l->dropped);
    y += ROW;
  }
  cut(shortwhy, sizeof shortwhy, why, 62);
  rdpneg_sb_printf(b, "<g class=\"stop %s\"><title>", failed ? "failed" : "ok");
  rdpneg_sb_html(b, why);
  rdpneg_sb_printf(b,
                   "</title><text class=\"t\" x=\"%d\" y=\"%d\" "
                   "text-anchor=\"end\">%.1f ms</text>",
                   XC - 16, y + 4, (double)t / 1e3);
  if (failed)
    rdpneg_sb_printf(b,
                     "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                     "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                     XC - 7, y - 7, XC + 7, y + 7, XC - 7, y + 7, XC + 7,
                     y - 7);
  else
    rdpneg_sb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", XC,
                     y, XS, y);
  rdpneg_sb_printf(b, "<text class=\"n\" x=\"%d\" y=\"%d\">", XC + 16,
                   y + (failed ? 4 : -7));
  rdpneg_sb_html(b, shortwhy);
  rdpneg_sb_put(b, "</text></g>\n</svg>\n");
  rdpneg_sb_printf(b, "<p class=\"stop %s\">", failed ? "failed" : "ok");
  rdpneg_sb_html(b, why);
  rdpneg_sb_put(b, "</p>\n");
}
