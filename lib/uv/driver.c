/* SPDX-License-Identifier: Apache-2.0 */
/* libuv driver: DNS, TCP, timers; a consumer of the public API only. */
#include <rdpneg/rdpneg_uv.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef _WIN32
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#endif

/* A probe holds no read buffer of its own: alloc_cb takes one from the
 * heap and on_read gives it back once the session has copied what it
 * keeps. libuv calls the two back to back (on Unix), so a loop reuses the
 * same block read after read. (Not a thread-local buffer: TLS in a
 * shared library makes it depend on the dynamic loader's
 * __tls_get_addr.) */
#define READ_CHUNK 16384

#define MAX_ADDRS 8

/* One connection: a session's bytes over one TCP socket. */
struct rdpneg_uv_probe {
  uv_loop_t *loop;
  rdpneg_session *sess;
  rdpneg_uv_done_cb cb; /* standalone probe: hands the session over */
  void *user_data;
  rdpneg_uv_run *run; /* part of a plan: the session goes back to it */
  rdpneg_uv_probe *next_in_run;
  uv_getaddrinfo_t gai;
  uv_connect_t conn;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_timer_t wtimer; /* retries a write the socket could not take whole */
  uint8_t *wbuf;     /* bytes the session queued and the socket did not take */
  size_t wlen, wcap;
  int gai_active;
  int tcp_open;
  int connected; /* the connect succeeded: reads are what is awaited */
  int open_handles;
  int finishing;
  int status;
  rdpneg_tstamp grace_for; /* the deadline already given one more poll */
  int send_reset; /* a send() got ECONNRESET (and consumed the error) */
  char host[256];
  char addr[64];
  /* resolved addresses (only for a name), tried in order while connects
   * fail fast */
  struct sockaddr_storage *addrs;
  int addr_count, addr_idx;
  uint16_t port;
};

static void probe_free(rdpneg_uv_probe *p) {
  free(p->wbuf);
  free(p->addrs);
  free(p);
}

static rdpneg_tstamp now_ns(rdpneg_uv_probe *p) {
  (void)p;
  return uv_hrtime();
}

/* A probe plan's run: the connections it hands out, on one loop. */
struct rdpneg_uv_run {
  uv_loop_t *loop;
  rdpneg_plan *plan;
  rdpneg_uv_run_cb cb;
  void *user_data;
  rdpneg_uv_probe *probes; /* running connections */
  int status;
  int cancelling;
};

static int launch(rdpneg_uv_probe *p);
static void run_attempt_done(rdpneg_uv_probe *p);

static void on_close(uv_handle_t *h) {
  rdpneg_uv_probe *p = h->data;
  if (--p->open_handles > 0)
    return;
  if (p->run) {
    run_attempt_done(p);
    return;
  }
  rdpneg_session *s = p->sess;
  p->sess = NULL;
  rdpneg_uv_done_cb cb = p->cb;
  void *ud = p->user_data;
  int status = p->status;
  cb(p, s, status, ud);
  probe_free(p);
}

static void finish(rdpneg_uv_probe *p) {
  if (p->finishing)
    return;
  p->finishing = 1;
  if (p->gai_active)
    uv_cancel((uv_req_t *)&p->gai);
  uv_timer_stop(&p->timer);
  if (p->tcp_open && !uv_is_closing((uv_handle_t *)&p->tcp))
    uv_close((uv_handle_t *)&p->tcp, on_close);
  if (!uv_is_closing((uv_handle_t *)&p->timer))
    uv_close((uv_handle_t *)&p->timer, on_close);
  uv_timer_stop(&p->wtimer);
  if (!uv_is_closing((uv_handle_t *)&p->wtimer))
    uv_close((uv_handle_t *)&p->wtimer, on_close);
}

/* Writes without ever raising SIGPIPE (a server that resets while we
 * write must not kill the embedding process): send(MSG_NOSIGNAL) on the
 * socket itself. Returns the count written, 0 when the socket is full, -1
 * when the connection is gone (the read side reports how it ended). */
static ssize_t send_nosignal(rdpneg_uv_probe *p, const uint8_t *b, size_t n) {
  uv_os_fd_t fd;
  if (uv_fileno((uv_handle_t *)&p->tcp, &fd) != 0)
    return -1;
#ifdef _WIN32
  int w = send((SOCKET)fd, (const char *)b, (int)n, 0);
  if (w == SOCKET_ERROR)
    return WSAGetLastError() == WSAEWOULDBLOCK ? 0 : -1;
  return w;
#else
  ssize_t w;
  do
    w = send(fd, b, n, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w < 0 && errno == ECONNRESET)
    p->send_reset = 1; /* the read side will see only an EOF now */
  if (w < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  return w;
#endif
}

static void on_wtimer(uv_timer_t *t);

/* Keeps |n| bytes the socket did not take. Returns 0 or -1 (no memory). */
static int wbuf_keep(rdpneg_uv_probe *p, const uint8_t *b, size_t n) {
  if (p->wlen + n > p->wcap) {
    size_t cap = p->wcap ? p->wcap * 2 : 4096;
    while (cap < p->wlen + n)
      cap *= 2;
    uint8_t *nb = realloc(p->wbuf, cap);
    if (!nb)
      return -1;
    p->wbuf = nb;
    p->wcap = cap;
  }
  memcpy(p->wbuf + p->wlen, b, n);
  p->wlen += n;
  return 0;
}

/* Sends what the session has: straight from the stack while nothing
 * waits before it; a probe holds a write buffer only while the socket is
 * full. */
static void flush(rdpneg_uv_probe *p) {
  uint8_t tmp[4096];
  rdpneg_ssize n;
  while ((n = rdpneg_session_write(p->sess, tmp, sizeof tmp, now_ns(p))) > 0) {
    if (!p->tcp_open || uv_is_closing((uv_handle_t *)&p->tcp))
      continue; /* nothing to send it on: drop */
    size_t off = 0;
    if (!p->wlen) {
      ssize_t w = send_nosignal(p, tmp, (size_t)n);
      if (w < 0)
        continue; /* the peer is gone: the read side says how */
      off = (size_t)w;
    }
    if (off < (size_t)n && wbuf_keep(p, tmp + off, (size_t)n - off) != 0)
      return;
  }
  if (!p->wlen || !p->tcp_open || uv_is_closing((uv_handle_t *)&p->tcp))
    return;
  ssize_t w = send_nosignal(p, p->wbuf, p->wlen);
  if (w < 0) {
    p->wlen = 0; /* the peer is gone: the read side says how */
  } else {
    memmove(p->wbuf, p->wbuf + w, p->wlen - (size_t)w);
    p->wlen -= (size_t)w;
  }
  if (!p->wlen) {
    free(p->wbuf);
    p->wbuf = NULL;
    p->wcap = 0;
  } else { /* socket full (rare: a few KB per phase): retry shortly */
    uv_timer_start(&p->wtimer, on_wtimer, 2, 0);
  }
}

static void on_wtimer(uv_timer_t *t) {
  rdpneg_uv_probe *p = t->data;
  if (!p->finishing)
    flush(p);
}

static void on_timer(uv_timer_t *t);

/* After every event: send what is pending, stop when done, re-arm. */
static void settle(rdpneg_uv_probe *p) {
  flush(p);
  if (rdpneg_session_done(p->sess)) {
    finish(p);
    return;
  }
  rdpneg_tstamp exp = rdpneg_session_expiry(p->sess);
  if (exp == RDPNEG_TSTAMP_NEVER) {
    uv_timer_stop(&p->timer);
    return;
  }
  rdpneg_tstamp now = now_ns(p);
  uint64_t ms = exp > now ? (exp - now + 999999) / 1000000 : 0;
  uv_timer_start(&p->timer, on_timer, ms, 0);
}

/* Has something arrived that the loop has not handed over yet: bytes, an
 * EOF or a reset once connected, the connect's own result before? */
static int arrived(rdpneg_uv_probe *p) {
  uv_os_fd_t fd;
  if (!p->tcp_open || uv_is_closing((uv_handle_t *)&p->tcp) ||
      uv_fileno((uv_handle_t *)&p->tcp, &fd) != 0)
    return 0;
#ifdef _WIN32
  WSAPOLLFD pfd = {(SOCKET)fd, p->connected ? POLLRDNORM : POLLWRNORM, 0};
  return WSAPoll(&pfd, 1, 0) > 0;
#else
  struct pollfd pfd = {fd, p->connected ? POLLIN : POLLOUT, 0};
  int n;
  do
    n = poll(&pfd, 1, 0);
  while (n < 0 && errno == EINTR);
  return n > 0;
#endif
}

/* libuv runs the timers before it polls: when one loop iteration spent
 * long on other connections (hundreds of TLS handshakes landing at once),
 * a deadline can come due while this connection's answer already waits
 * in the socket. Such a deadline is judged once more after the poll phase
 * that reads it (the 1 ms timer cannot fire before that poll), on the
 * session's own clock; a server still silent by then timed out. */
static void on_timer(uv_timer_t *t) {
  rdpneg_uv_probe *p = t->data;
  rdpneg_tstamp now = now_ns(p);
  rdpneg_tstamp exp = rdpneg_session_expiry(p->sess);
  if (now >= exp && p->grace_for != exp && arrived(p)) {
    p->grace_for = exp;
    uv_timer_start(&p->timer, on_timer, 1, 0);
    return;
  }
  rdpneg_session_handle_expiry(p->sess, now);
  settle(p);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  char *b = malloc(READ_CHUNK);
  *buf = uv_buf_init(b, b ? READ_CHUNK : 0); /* 0: on_read gets UV_ENOBUFS */
}

static void read_bytes(rdpneg_uv_probe *p, uv_stream_t *st, ssize_t nread,
                       const uv_buf_t *buf);
static void run_pump(rdpneg_uv_run *r);

/* libuv reports UV_EOF, not UV_ECONNRESET, when data and the RST arrive
 * together (POLLHUP after a short read): the socket's pending error, which
 * that read left in place, tells a reset from a FIN, unless a send() after
 * the data consumed it (send_reset). */
static int reset_pending(rdpneg_uv_probe *p) {
#ifdef _WIN32
  (void)p;
  return 0;
#else
  uv_os_fd_t fd;
  int e = 0;
  socklen_t len = sizeof e;
  if (p->send_reset)
    return 1;
  return uv_fileno((uv_handle_t *)&p->tcp, &fd) == 0 &&
         getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == ECONNRESET;
#endif
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  rdpneg_uv_probe *p = st->data;
  if (!p->finishing)
    read_bytes(p, st, nread, buf);
  free(buf->base);
}

static void read_bytes(rdpneg_uv_probe *p, uv_stream_t *st, ssize_t nread,
                       const uv_buf_t *buf) {
  if (nread == UV_ENOBUFS) { /* our memory, not the server */
    p->status = RDPNEG_ERR_NOMEM;
    uv_read_stop(st);
    rdpneg_session_cancel(p->sess, now_ns(p));
  } else if (nread > 0) {
    rdpneg_ssize rv = rdpneg_session_read(p->sess, (const uint8_t *)buf->base,
                                          (size_t)nread, now_ns(p));
    if (rv < 0 && rv != RDPNEG_ERR_INVALID_STATE)
      rdpneg_session_transport_closed(p->sess, RDPNEG_CLOSE_ERROR, (int)rv,
                                      now_ns(p));
  } else if (nread < 0) {
    if (nread == UV_EOF && reset_pending(p))
      nread = UV_ECONNRESET;
    rdpneg_close_reason r = nread == UV_EOF          ? RDPNEG_CLOSE_EOF
                            : nread == UV_ECONNRESET ? RDPNEG_CLOSE_RESET
                                                     : RDPNEG_CLOSE_ERROR;
    rdpneg_session_transport_closed(p->sess, r, (int)nread, now_ns(p));
    uv_read_stop(st);
    if (!rdpneg_session_done(p->sess)) {
      /* the session could not conclude from a close: end it now */
      rdpneg_session_cancel(p->sess, now_ns(p));
    }
  }
  rdpneg_uv_run *run = p->run;
  int done = rdpneg_session_done(p->sess);
  settle(p); /* may free p */
  /* an answer may let the plan start more (an enumeration's second round
   * at the primary's Connection Confirm); a finished one pumps already */
  if (run && !done)
    run_pump(run);
}

static rdpneg_tcp_status classify(int status) {
  switch (status) {
  case UV_ECONNREFUSED:
    return RDPNEG_TCP_REFUSED;
  case UV_ETIMEDOUT:
    return RDPNEG_TCP_TIMEOUT;
  case UV_EHOSTUNREACH:
  case UV_ENETUNREACH:
  case UV_EACCES: /* ICMP administratively prohibited on Linux */
  case UV_EPERM:
    return RDPNEG_TCP_UNREACHABLE;
  default:
    return RDPNEG_TCP_ERROR;
  }
}

static void addr_text(const struct sockaddr *sa, char *out, size_t cap) {
  out[0] = 0;
  if (sa->sa_family == AF_INET)
    uv_ip4_name((const struct sockaddr_in *)sa, out, cap);
  else if (sa->sa_family == AF_INET6)
    uv_ip6_name((const struct sockaddr_in6 *)sa, out, cap);
}

static int do_connect(rdpneg_uv_probe *p, const struct sockaddr *sa);

static void on_close_next_address(uv_handle_t *h) {
  rdpneg_uv_probe *p = h->data;
  p->tcp_open = 0;
  p->open_handles--;
  if (p->finishing)
    return;
  if (do_connect(p, (struct sockaddr *)&p->addrs[p->addr_idx]) != 0) {
    p->status = RDPNEG_ERR_NOMEM;
    rdpneg_session_cancel(p->sess, now_ns(p));
  }
  settle(p);
}

static void on_connect(uv_connect_t *req, int status) {
  rdpneg_uv_probe *p = req->data;
  if (p->finishing || status == UV_ECANCELED)
    return;
  struct sockaddr_storage ss;
  int len = sizeof ss;
  char addr[64] = "";
  if (uv_tcp_getpeername(&p->tcp, (struct sockaddr *)&ss, &len) == 0)
    addr_text((struct sockaddr *)&ss, addr, sizeof addr);
  const char *a = addr[0] ? addr : p->addr;
  if (status != 0 && status != UV_ETIMEDOUT &&
      p->addr_idx + 1 < p->addr_count) {
    /* refused/unreachable: the next address of the name may answer
     * (e.g. "localhost" resolving to ::1 while the server binds 127.0.0.1) */
    p->addr_idx++;
    uv_close((uv_handle_t *)&p->tcp, on_close_next_address);
    return;
  }
  if (status == 0) {
    p->connected = 1;
    rdpneg_session_tcp_result(p->sess, RDPNEG_TCP_OK, a, 0, now_ns(p));
    uv_read_start((uv_stream_t *)&p->tcp, alloc_cb, on_read);
  } else if (status == UV_ECONNRESET) {
    /* the handshake completed and the peer reset before the callback ran
     * (a SYN answered by RST is ECONNREFUSED): connected, then reset with
     * nothing exchanged, as a read would have said */
    rdpneg_session_tcp_result(p->sess, RDPNEG_TCP_OK, a, 0, now_ns(p));
    rdpneg_session_transport_closed(p->sess, RDPNEG_CLOSE_RESET, status,
                                    now_ns(p));
    if (!rdpneg_session_done(p->sess))
      rdpneg_session_cancel(p->sess, now_ns(p));
  } else {
    rdpneg_session_tcp_result(p->sess, classify(status), p->addr, status,
                              now_ns(p));
  }
  settle(p);
}

static int do_connect(rdpneg_uv_probe *p, const struct sockaddr *sa) {
  addr_text(sa, p->addr, sizeof p->addr);
  int rv = uv_tcp_init_ex(p->loop, &p->tcp, sa->sa_family);
  if (rv)
    return rv;
  p->tcp.data = p;
  p->tcp_open = 1;
  p->open_handles++;
#ifdef TCP_MAXSEG
  int mss = rdpneg_session_tcp_mss(p->sess);
  uv_os_fd_t fd;
  if (mss > 0 && uv_fileno((uv_handle_t *)&p->tcp, &fd) == 0)
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
#endif
  uv_tcp_nodelay(&p->tcp, 1); /* no Nagle stall on multi-record flights */
  p->conn.data = p;
  rv = uv_tcp_connect(&p->conn, &p->tcp, sa, on_connect);
  if (rv) {
    rdpneg_session_tcp_result(p->sess, classify(rv), p->addr, rv, now_ns(p));
    settle(p);
  }
  return 0;
}

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  rdpneg_uv_probe *p = req->data;
  p->gai_active = 0;
  if (p->finishing || status == UV_ECANCELED) {
    uv_freeaddrinfo(res);
    return;
  }
  if (status < 0 || !res) {
    rdpneg_session_dns_failed(p->sess, uv_strerror(status), now_ns(p));
    uv_freeaddrinfo(res);
    settle(p);
    return;
  }
  p->addr_count = 0;
  if (!p->addrs)
    p->addrs = malloc(MAX_ADDRS * sizeof *p->addrs);
  if (!p->addrs) {
    uv_freeaddrinfo(res);
    p->status = RDPNEG_ERR_NOMEM;
    rdpneg_session_cancel(p->sess, now_ns(p));
    settle(p);
    return;
  }
  for (struct addrinfo *ai = res; ai && p->addr_count < MAX_ADDRS;
       ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
        ai->ai_addrlen > sizeof p->addrs[0])
      continue;
    struct sockaddr_storage *ss = &p->addrs[p->addr_count++];
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    ((struct sockaddr_in *)ss)->sin_port = htons(p->port);
  }
  uv_freeaddrinfo(res);
  p->addr_idx = 0;
  if (p->addr_count == 0) {
    rdpneg_session_dns_failed(p->sess, "no IPv4 or IPv6 address", now_ns(p));
  } else if (do_connect(p, (struct sockaddr *)&p->addrs[0]) != 0) {
    p->status = RDPNEG_ERR_NOMEM;
    rdpneg_session_cancel(p->sess, now_ns(p));
  }
  settle(p);
}

/* Runs p->sess (started) over a new socket: to |p->host| (an address
 * literal skips the resolver). */
static int launch(rdpneg_uv_probe *p) {
  uv_timer_init(p->loop, &p->timer);
  p->timer.data = p;
  uv_timer_init(p->loop, &p->wtimer);
  p->wtimer.data = p;
  p->open_handles = 2;

  /* address literals skip the resolver */
  struct sockaddr_in6 a6;
  struct sockaddr_in a4;
  const char *h = p->host;
  char tmp[256];
  size_t hl = strlen(p->host);
  if (p->host[0] == '[' && hl > 2 && p->host[hl - 1] == ']') {
    memcpy(tmp, p->host + 1, hl - 2);
    tmp[hl - 2] = 0;
    h = tmp;
  }
  if (uv_ip4_addr(h, p->port, &a4) == 0) {
    do_connect(p, (struct sockaddr *)&a4);
  } else if (uv_ip6_addr(h, p->port, &a6) == 0) {
    do_connect(p, (struct sockaddr *)&a6);
  } else {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    p->gai.data = p;
    int rv = uv_getaddrinfo(p->loop, &p->gai, on_resolved, h, NULL, &hints);
    if (rv)
      rdpneg_session_dns_failed(p->sess, uv_strerror(rv), now_ns(p));
    else
      p->gai_active = 1;
  }
  settle(p);
  return 0;
}

RDPNEG_EXTERN int rdpneg_uv_probe_start(rdpneg_uv_probe **pprobe,
                                        uv_loop_t *loop,
                                        const rdpneg_config *cfg,
                                        const char *host, uint16_t port,
                                        rdpneg_uv_done_cb cb, void *user_data) {
  if (!loop || !cfg || !host || !cb || strlen(host) >= 256 || !*host ||
      port == 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_uv_probe *p = calloc(1, sizeof *p);
  if (!p)
    return RDPNEG_ERR_NOMEM;
  int rv = rdpneg_session_new(&p->sess, cfg, host, port);
  if (rv) {
    free(p);
    return rv;
  }
  int64_t now_unix = 0;
  rdpneg_config_get_int(cfg, RDPNEG_OPT_NOW_UNIX, &now_unix);
  if (now_unix == 0)
    rdpneg_session_set_wallclock(p->sess, (int64_t)time(NULL));
  p->loop = loop;
  p->cb = cb;
  p->user_data = user_data;
  p->port = port;
  memcpy(p->host, host, strlen(host) + 1);
  if (pprobe)
    *pprobe = p;
  rdpneg_session_start(p->sess, now_ns(p));
  return launch(p);
}

RDPNEG_EXTERN int rdpneg_uv_probe_cancel(rdpneg_uv_probe *p) {
  if (!p)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (p->finishing)
    return RDPNEG_ERR_INVALID_STATE;
  p->status = RDPNEG_ERR_CANCELLED;
  rdpneg_session_cancel(p->sess, now_ns(p));
  finish(p);
  return 0;
}

/* ---- probe plans ---- */

/* Starts one connection of the plan. */
static void run_launch(rdpneg_uv_run *r, rdpneg_session *s) {
  rdpneg_uv_probe *p = calloc(1, sizeof *p);
  if (!p) {
    r->status = RDPNEG_ERR_NOMEM;
    rdpneg_session_cancel(s, uv_hrtime());
    rdpneg_plan_attempt_done(r->plan, s, uv_hrtime());
    return;
  }
  const char *addr = rdpneg_session_connect_address(s);
  const char *host = addr ? addr : rdpneg_session_host(s);
  p->loop = r->loop;
  p->sess = s;
  p->run = r;
  p->port = rdpneg_session_port(s);
  snprintf(p->host, sizeof p->host, "%s", host);
  p->next_in_run = r->probes;
  r->probes = p;
  launch(p);
}

static void run_attempt_done(rdpneg_uv_probe *p) {
  rdpneg_uv_run *r = p->run;
  for (rdpneg_uv_probe **pp = &r->probes; *pp; pp = &(*pp)->next_in_run)
    if (*pp == p) {
      *pp = p->next_in_run;
      break;
    }
  if (p->status && !r->status)
    r->status = p->status;
  rdpneg_plan_attempt_done(r->plan, p->sess, uv_hrtime());
  probe_free(p);
  run_pump(r);
}

/* Hands out what the plan has ready; delivers the evidence at the end. */
static void run_pump(rdpneg_uv_run *r) {
  rdpneg_session *s;
  while (!r->cancelling && rdpneg_plan_next(r->plan, uv_hrtime(), &s) == 1)
    run_launch(r, s);
  if (r->probes || !rdpneg_plan_done(r->plan))
    return;
  rdpneg_evidence *ev = NULL;
  int rv = rdpneg_plan_evidence(r->plan, &ev);
  int status = r->cancelling                          ? RDPNEG_ERR_CANCELLED
               : rv && rv != RDPNEG_ERR_INVALID_STATE ? rv
                                                      : r->status;
  rdpneg_plan_free(r->plan);
  r->plan = NULL;
  r->cb(r, ev, status, r->user_data);
  free(r);
}

RDPNEG_EXTERN int rdpneg_uv_run_start(rdpneg_uv_run **prun, uv_loop_t *loop,
                                      const rdpneg_config *cfg,
                                      const char *host, uint16_t port,
                                      rdpneg_uv_run_cb cb, void *user_data) {
  if (!loop || !cfg || !host || !cb || strlen(host) >= 256 || !*host ||
      port == 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_uv_run *r = calloc(1, sizeof *r);
  if (!r)
    return RDPNEG_ERR_NOMEM;
  int rv = rdpneg_plan_new(&r->plan, cfg, host, port);
  if (rv) {
    free(r);
    return rv;
  }
  int64_t now_unix = 0;
  rdpneg_config_get_int(cfg, RDPNEG_OPT_NOW_UNIX, &now_unix);
  if (now_unix == 0)
    rdpneg_plan_set_wallclock(r->plan, (int64_t)time(NULL));
  r->loop = loop;
  r->cb = cb;
  r->user_data = user_data;
  rdpneg_plan_start(r->plan, uv_hrtime());
  rdpneg_session *s;
  rv = rdpneg_plan_next(r->plan, uv_hrtime(), &s);
  if (rv != 1) {
    rdpneg_plan_free(r->plan);
    free(r);
    return rv < 0 ? rv : RDPNEG_ERR_INTERNAL;
  }
  if (prun)
    *prun = r;
  run_launch(r, s);
  run_pump(r);
  return 0;
}

RDPNEG_EXTERN int rdpneg_uv_run_cancel(rdpneg_uv_run *r) {
  if (!r)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (r->cancelling)
    return RDPNEG_ERR_INVALID_STATE;
  r->cancelling = 1;
  rdpneg_plan_cancel(r->plan, uv_hrtime());
  for (rdpneg_uv_probe *p = r->probes; p; p = p->next_in_run)
    finish(p);
  return 0;
}

typedef struct {
  rdpneg_evidence *ev;
  int status;
} run_result;

static void run_done(rdpneg_uv_run *run, rdpneg_evidence *ev, int status,
                     void *ud) {
  (void)run;
  run_result *r = ud;
  r->ev = ev;
  r->status = status;
}

RDPNEG_EXTERN int rdpneg_probe_run(const rdpneg_config *cfg, const char *host,
                                   uint16_t port, rdpneg_evidence **pev) {
  if (!pev)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pev = NULL;
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0)
    return RDPNEG_ERR_NOMEM;
  run_result r = {NULL, 0};
  int rv = rdpneg_uv_run_start(NULL, &loop, cfg, host, port, run_done, &r);
  if (rv == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (rv)
    return rv;
  *pev = r.ev;
  return r.ev ? r.status : (r.status ? r.status : RDPNEG_ERR_INTERNAL);
}
