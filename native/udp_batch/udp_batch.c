// udp_batch: a UDP socket on Node's event loop that moves datagrams in batches (Linux
// recvmmsg/sendmmsg), so Node's per-datagram costs (one uv callback, one Buffer, one rinfo
// object, one send request each way) are paid once per batch of up to BATCH datagrams.
//
// Shared memory with JS, allocated by JS and pinned here by references:
//   input   BATCH slots of SLOT bytes: datagram i at i * SLOT
//   output  BATCH slots of SLOT bytes: reply i at i * SLOT (JS copies it there)
//   meta    Int32Array: [0, BATCH) datagram lengths (-1: dropped, truncated),
//           [BATCH, 2*BATCH) reply lengths written by JS (0: no reply),
//           [2*BATCH, 2*BATCH + BATCH*ADDR_WORDS) source address words per datagram
//           (IPv4: the address in word 0; IPv6: 16 bytes in words 0-3 and the scope id in word 4),
//           a cheap key for JS's cache of formatted client addresses.
// Per readable event: recvmmsg, one JS call with the count, sendmmsg of the replies to the
// datagrams' sources; repeated up to MAX_ROUNDS times, then back to the loop so timers and TCP
// get their turn. A full send buffer (EAGAIN) parks the unsent replies and stops reading until
// the socket is writable again: backpressure instead of dropping or queueing without bound.
// No socket error throws or crashes: errors are counted and reported to JS's onError.
//
// On a wildcard address (0.0.0.0, ::) a reply must leave from the address its query was sent
// to, or resolvers drop it (a multi-homed host, an anycast address). The kernel says where each
// datagram went (IP_PKTINFO, IPV6_RECVPKTINFO: a control message per datagram), and the reply
// names that address as its source (the same control message on sendmmsg), as Knot, NSD and
// BIND do. The interface index is left to routing (0), except for link-local IPv6 addresses,
// which mean nothing without it.

#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
// The largest UDP payload (65535 - 8-octet UDP header - 20-octet IPv4 header is 65507; IPv6
// allows 65527): a slot holds any datagram Node's dgram would deliver, so nothing the node
// backend answers is dropped here. Untouched slot pages are never faulted in.
#define SLOT 65536
#define ADDR_WORDS 5
#define META_WORDS (BATCH * 2 + BATCH * ADDR_WORDS)
#define MAX_ROUNDS 8
// SO_RCVBUF asked for each socket (see bind; udp.ts asks the same): capped by net.core.rmem_max.
#define UDP_RECV_BUFFER (4 << 20)

// Room for one control message carrying either kind of packet information.
typedef union {
  struct cmsghdr align;
  char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
} cmsg_buf_t;

// Where a datagram was sent (0: not known; then the kernel picks the reply's source).
typedef struct {
  int family;
  struct in_addr v4;    // IP_PKTINFO's ipi_spec_dst: our local address for the reply
  struct in6_addr v6;
  unsigned ifindex;
} local_addr_t;

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int family;
  int pktinfo;      // bound to a wildcard address: replies name their source (see the top)
  int events;       // what poll watches now: UV_READABLE, or UV_WRITABLE while replies wait
  int closed;
  int teardown;     // the env is going away: no napi calls from the close callback
  int owners;       // the poll handle until closed, and JS's handle until collected
  uint8_t *in, *out;
  int32_t* meta;
  napi_ref in_ref, out_ref, meta_ref, on_batch, on_error, resource;
  napi_async_context async;
  // Receive side, set up once: iov i points at input slot i, name at peers[i].
  struct mmsghdr rmsg[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_storage peers[BATCH];
  cmsg_buf_t rctl[BATCH];
  local_addr_t locals[BATCH];
  // Replies of the current batch; [send_pos, send_count) not yet sent.
  struct mmsghdr smsg[BATCH];
  struct iovec siov[BATCH];
  cmsg_buf_t sctl[BATCH];
  int send_pos, send_count;
  // Counters for stats(): datagrams in, replies out, replies dropped on a send error, batches,
  // largest batch, times the send buffer was full.
  double received, sent, send_dropped, batches, max_batch, parked;
  // Errors since the last report to JS: how many, and the latest.
  int err_count;
  int err_errno;
  const char* err_syscall;
} sock_t;

#define CHECK_NAPI(env, call)                                     \
  do {                                                            \
    if ((call) != napi_ok) {                                      \
      napi_throw_error((env), "EUDPBATCH", "udp_batch: " #call " failed"); \
      return NULL;                                                \
    }                                                             \
  } while (0)

static napi_value throw_errno(napi_env env, const char* syscall, int err, const char* host, int port) {
  char msg[256];
  const char* code = uv_err_name(-err);
  if (host != NULL) snprintf(msg, sizeof msg, "%s %s %s:%d", syscall, code, host, port);
  else snprintf(msg, sizeof msg, "%s %s", syscall, code);
  napi_value error, code_v, msg_v, errno_v, sys_v;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_v);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &msg_v);
  napi_create_error(env, code_v, msg_v, &error);
  napi_create_int32(env, -err, &errno_v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys_v);
  napi_set_named_property(env, error, "errno", errno_v);
  napi_set_named_property(env, error, "syscall", sys_v);
  napi_throw(env, error);
  return NULL;
}

static void note_error(sock_t* s, const char* syscall, int err) {
  s->err_count++;
  s->err_errno = err;
  s->err_syscall = syscall;
}

static void on_poll(uv_poll_t* handle, int status, int events);

static void watch(sock_t* s, int events) {
  if (s->closed || s->events == events) return;
  int r = uv_poll_start(&s->poll, events, on_poll);
  if (r == 0) s->events = events;
  else note_error(s, "uv_poll_start", -r);
}

// Calls fn from the event loop as Node's own callbacks are called: in the socket's async
// context, with process.nextTick and promise jobs run afterwards. A throw is an uncaught
// exception (as from an 'error' listener), never a crash inside the addon.
static void call_js(sock_t* s, napi_ref fn_ref, size_t argc, napi_value* argv) {
  napi_env env = s->env;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok) return;
  if (napi_get_reference_value(env, s->resource, &recv) != napi_ok) return;
  napi_status st = napi_make_callback(env, s->async, recv, fn, argc, argv, &result);
  if (st == napi_pending_exception) {
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }
}

static void report_errors(sock_t* s) {
  if (s->err_count == 0 || s->closed) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  napi_value argv[3];
  napi_create_string_utf8(s->env, s->err_syscall, NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_string_utf8(s->env, uv_err_name(-s->err_errno), NAPI_AUTO_LENGTH, &argv[1]);
  napi_create_int32(s->env, s->err_count, &argv[2]);
  s->err_count = 0;
  call_js(s, s->on_error, 3, argv);
  napi_close_handle_scope(s->env, scope);
}

// Sends the parked replies. Returns 0 when all went out (or were dropped on a hard error),
// 1 when the send buffer is full and the rest waits for UV_WRITABLE.
static int flush(sock_t* s) {
  while (s->send_pos < s->send_count) {
    int r = sendmmsg(s->fd, s->smsg + s->send_pos, (unsigned)(s->send_count - s->send_pos), MSG_DONTWAIT);
    if (r > 0) {
      s->send_pos += r;
      s->sent += r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      s->parked++;
      return 1;
    }
    // The first remaining reply failed (ENOBUFS, EMSGSIZE, EPERM, an unreachable peer...):
    // drop just that one, UDP-style, and go on with the rest.
    note_error(s, "sendmmsg", r < 0 ? errno : EIO);
    s->send_pos++;
    s->send_dropped++;
  }
  s->send_pos = s->send_count = 0;
  return 0;
}

// The local address a datagram was sent to, from its packet-information control message.
static void read_local(struct msghdr* h, local_addr_t* local) {
  local->family = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      // ipi_spec_dst is the local address to answer from: the destination for unicast, the
      // receiving interface's address for a broadcast (Linux's fib_compute_spec_dst).
      local->family = AF_INET;
      local->v4 = info.ipi_spec_dst;
      local->ifindex = 0;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      // A multicast destination cannot be a source: let the kernel pick one.
      if (IN6_IS_ADDR_MULTICAST(&info.ipi6_addr)) continue;
      local->family = AF_INET6;
      local->v6 = info.ipi6_addr;
      local->ifindex = IN6_IS_ADDR_LINKLOCAL(&info.ipi6_addr) ? info.ipi6_ifindex : 0;
    }
  }
}

// The control message that makes a reply leave from `local`; its length, 0 for none.
static size_t write_local(const local_addr_t* local, cmsg_buf_t* ctl) {
  struct cmsghdr* c = &ctl->align;
  memset(ctl, 0, sizeof *ctl);
  if (local->family == AF_INET) {
    struct in_pktinfo info;
    memset(&info, 0, sizeof info);
    info.ipi_spec_dst = local->v4;
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  if (local->family == AF_INET6) {
    struct in6_pktinfo info;
    memset(&info, 0, sizeof info);
    info.ipi6_addr = local->v6;
    info.ipi6_ifindex = local->ifindex;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  return 0;
}

// One recvmmsg: fills input, lengths and address words. Returns the datagram count, 0 when
// nothing is waiting, -1 on an error (noted).
static int receive(sock_t* s) {
  for (int i = 0; i < BATCH; i++) {
    s->rmsg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    s->rmsg[i].msg_hdr.msg_flags = 0;
    s->rmsg[i].msg_hdr.msg_control = s->pktinfo ? s->rctl[i].buf : NULL;
    s->rmsg[i].msg_hdr.msg_controllen = s->pktinfo ? sizeof s->rctl[i].buf : 0;
  }
  int n;
  do n = recvmmsg(s->fd, s->rmsg, BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    note_error(s, "recvmmsg", errno);
    return -1;
  }
  s->received += n;
  s->batches++;
  if (n > s->max_batch) s->max_batch = n;
  int32_t* lens = s->meta;
  int32_t* replies = s->meta + BATCH;
  int32_t* words = s->meta + 2 * BATCH;
  for (int i = 0; i < n; i++) {
    struct msghdr* h = &s->rmsg[i].msg_hdr;
    // Larger than a slot cannot happen for UDP; if it ever does, the datagram is cut: drop it.
    lens[i] = (h->msg_flags & MSG_TRUNC) ? -1 : (int32_t)s->rmsg[i].msg_len;
    replies[i] = 0;
    int32_t* w = words + i * ADDR_WORDS;
    if (s->peers[i].ss_family == AF_INET6) {
      const struct sockaddr_in6* a6 = (const struct sockaddr_in6*)&s->peers[i];
      memcpy(w, &a6->sin6_addr, 16);
      w[4] = (int32_t)a6->sin6_scope_id;
    } else if (s->peers[i].ss_family == AF_INET) {
      const struct sockaddr_in* a4 = (const struct sockaddr_in*)&s->peers[i];
      memcpy(w, &a4->sin_addr, 4);
      w[1] = w[2] = w[3] = w[4] = 0;
    } else {
      lens[i] = -1;  // no usable source address: nobody to answer
    }
    if (s->pktinfo) read_local(h, &s->locals[i]);
  }
  return n;
}

// The replies JS wrote for the n datagrams just handled, addressed to their sources.
static void queue_replies(sock_t* s, int n) {
  const int32_t* lens = s->meta;
  const int32_t* replies = s->meta + BATCH;
  int k = 0;
  for (int i = 0; i < n; i++) {
    int32_t len = replies[i];
    if (len <= 0 || lens[i] < 0) continue;
    if (len > SLOT) {
      note_error(s, "sendmmsg", EMSGSIZE);
      continue;
    }
    s->siov[k].iov_base = s->out + (size_t)i * SLOT;
    s->siov[k].iov_len = (size_t)len;
    struct msghdr* h = &s->smsg[k].msg_hdr;
    h->msg_name = &s->peers[i];
    h->msg_namelen = s->rmsg[i].msg_hdr.msg_namelen;
    h->msg_iov = &s->siov[k];
    h->msg_iovlen = 1;
    size_t ctl = s->pktinfo ? write_local(&s->locals[i], &s->sctl[k]) : 0;
    h->msg_control = ctl > 0 ? s->sctl[k].buf : NULL;
    h->msg_controllen = ctl;
    h->msg_flags = 0;
    k++;
  }
  s->send_pos = 0;
  s->send_count = k;
}

static void deliver(sock_t* s, int n) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  napi_value count;
  napi_create_int32(s->env, n, &count);
  call_js(s, s->on_batch, 1, &count);
  napi_close_handle_scope(s->env, scope);
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  sock_t* s = (sock_t*)handle->data;
  if (s->closed) return;
  if (status < 0) {
    // libuv stops a poll handle on POLLERR. A pending socket error (reading SO_ERROR clears
    // it) must not leave the socket deaf: note it and watch again.
    note_error(s, "poll", -status);
    int so_err = 0;
    socklen_t so_len = sizeof so_err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &so_err, &so_len) == 0 && so_err != 0) note_error(s, "socket", so_err);
    int want = s->send_count > 0 ? UV_WRITABLE : UV_READABLE;
    s->events = 0;
    watch(s, want);
    report_errors(s);
    return;
  }
  if (s->send_count > 0) {
    if (flush(s)) {
      report_errors(s);
      return;  // still full: keep waiting for UV_WRITABLE
    }
    watch(s, UV_READABLE);
  }
  for (int round = 0; round < MAX_ROUNDS && !s->closed; round++) {
    int n = receive(s);
    if (n <= 0) break;
    deliver(s, n);
    // JS may have closed the socket (in the callback or a nextTick after it).
    if (s->closed) return;
    queue_replies(s, n);
    if (flush(s)) {
      watch(s, UV_WRITABLE);
      break;
    }
    if (n < BATCH) break;  // drained: let the loop run before the next recvmmsg
  }
  report_errors(s);
}

static void free_sock(sock_t* s) {
  if (!s->teardown) {
    napi_env env = s->env;
    napi_ref refs[] = {s->in_ref, s->out_ref, s->meta_ref, s->on_batch, s->on_error, s->resource};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
      if (refs[i] != NULL) napi_delete_reference(env, refs[i]);
    }
    if (s->async != NULL) napi_async_destroy(env, s->async);
  }
  free(s);
}

static void release(sock_t* s) {
  if (--s->owners == 0) free_sock(s);
}

static void on_closed(uv_handle_t* handle) {
  release((sock_t*)handle->data);
}

// JS's handle was collected: the memory stays while the socket is open (an unclosed socket
// keeps serving, as an unclosed dgram socket does).
static void on_handle_collected(napi_env env, void* data, void* hint) {
  release((sock_t*)data);
}

static void on_env_cleanup(void* arg);

// Stops watching and closes the descriptor now (the port is free when close() returns); the
// poll handle's memory goes in its close callback.
static void close_sock(sock_t* s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->fd = -1;
  uv_close((uv_handle_t*)&s->poll, on_closed);
}

static void on_env_cleanup(void* arg) {
  sock_t* s = (sock_t*)arg;
  s->teardown = 1;
  close_sock(s);
}

static int get_bytes(napi_env env, napi_value v, size_t want, uint8_t** data) {
  bool is_buffer = false;
  size_t len = 0;
  void* p = NULL;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return 0;
  if (napi_get_buffer_info(env, v, &p, &len) != napi_ok || len < want) return 0;
  *data = (uint8_t*)p;
  return 1;
}

// open(family 4|6, address, port, input, output, meta, onBatch, onError)
//   -> [handle, boundAddress, boundPort]; throws an Error with code (EADDRINUSE, ...) as dgram's bind.
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, NULL, "udp_batch.open: expected 8 arguments");
    return NULL;
  }
  int32_t family = 0, port = 0;
  char host[INET6_ADDRSTRLEN + 1];
  size_t host_len = 0;
  CHECK_NAPI(env, napi_get_value_int32(env, argv[0], &family));
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof host, &host_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "udp_batch.open: address must be a string");
    return NULL;
  }
  CHECK_NAPI(env, napi_get_value_int32(env, argv[2], &port));
  uint8_t *in = NULL, *out = NULL, *meta = NULL;
  if (!get_bytes(env, argv[3], (size_t)BATCH * SLOT, &in) || !get_bytes(env, argv[4], (size_t)BATCH * SLOT, &out)) {
    napi_throw_type_error(env, NULL, "udp_batch.open: input and output must be Buffers of BATCH * SLOT bytes");
    return NULL;
  }
  napi_typedarray_type ta_type;
  size_t ta_len = 0;
  bool is_ta = false;
  void* meta_p = NULL;
  if (napi_is_typedarray(env, argv[5], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[5], &ta_type, &ta_len, &meta_p, NULL, NULL) != napi_ok ||
      ta_type != napi_int32_array || ta_len < META_WORDS) {
    napi_throw_type_error(env, NULL, "udp_batch.open: meta must be an Int32Array of META_WORDS");
    return NULL;
  }
  meta = (uint8_t*)meta_p;
  napi_valuetype t6, t7;
  napi_typeof(env, argv[6], &t6);
  napi_typeof(env, argv[7], &t7);
  if (t6 != napi_function || t7 != napi_function) {
    napi_throw_type_error(env, NULL, "udp_batch.open: onBatch and onError must be functions");
    return NULL;
  }

  struct sockaddr_storage addr;
  socklen_t addr_len;
  memset(&addr, 0, sizeof addr);
  if (family == 6) {
    struct sockaddr_in6* a6 = (struct sockaddr_in6*)&addr;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) return throw_errno(env, "bind", EINVAL, host, port);
    addr_len = sizeof *a6;
  } else {
    struct sockaddr_in* a4 = (struct sockaddr_in*)&addr;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return throw_errno(env, "bind", EINVAL, host, port);
    addr_len = sizeof *a4;
  }
  int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, NULL, 0);
  // As udp.ts's dgram socket: IPv6-only for udp6, and no SO_REUSEADDR (dgram sets it only with
  // reuseAddr: true; with it, a second server would bind the same port and split the traffic).
  if (family == 6) {
    int one = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  // As udp.ts (UDP_RECEIVE_BUFFER there says why); the kernel caps it at net.core.rmem_max.
  int rcvbuf = UDP_RECV_BUFFER;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  // A wildcard address: ask for each datagram's local address (see the top of the file).
  int wildcard = family == 6 ? IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6*)&addr)->sin6_addr)
                             : ((struct sockaddr_in*)&addr)->sin_addr.s_addr == htonl(INADDR_ANY);
  if (wildcard) {
    int one = 1;
    int r = family == 6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one)
                        : setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    if (r != 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, family == 6 ? "setsockopt IPV6_RECVPKTINFO" : "setsockopt IP_PKTINFO", err, host, port);
    }
  }
  if (bind(fd, (struct sockaddr*)&addr, addr_len) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err, host, port);
  }
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  char local_host[INET6_ADDRSTRLEN] = "";
  int local_port = 0;
  if (getsockname(fd, (struct sockaddr*)&local, &local_len) == 0) {
    if (local.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6*)&local)->sin6_addr, local_host, sizeof local_host);
      local_port = ntohs(((struct sockaddr_in6*)&local)->sin6_port);
    } else {
      inet_ntop(AF_INET, &((struct sockaddr_in*)&local)->sin_addr, local_host, sizeof local_host);
      local_port = ntohs(((struct sockaddr_in*)&local)->sin_port);
    }
  }

  sock_t* s = (sock_t*)calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM, NULL, 0);
  }
  s->env = env;
  s->owners = 1;
  s->fd = fd;
  s->family = family;
  s->pktinfo = wildcard;
  s->in = in;
  s->out = out;
  s->meta = (int32_t*)meta;
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_base = in + (size_t)i * SLOT;
    s->riov[i].iov_len = SLOT;
    s->rmsg[i].msg_hdr.msg_name = &s->peers[i];
    s->rmsg[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsg[i].msg_hdr.msg_iovlen = 1;
  }
  napi_value resource, name;
  uv_loop_t* loop = NULL;
  int ok = napi_create_reference(env, argv[3], 1, &s->in_ref) == napi_ok &&
           napi_create_reference(env, argv[4], 1, &s->out_ref) == napi_ok &&
           napi_create_reference(env, argv[5], 1, &s->meta_ref) == napi_ok &&
           napi_create_reference(env, argv[6], 1, &s->on_batch) == napi_ok &&
           napi_create_reference(env, argv[7], 1, &s->on_error) == napi_ok &&
           napi_create_object(env, &resource) == napi_ok &&
           napi_create_reference(env, resource, 1, &s->resource) == napi_ok &&
           napi_create_string_utf8(env, "zonedns:udp-batch", NAPI_AUTO_LENGTH, &name) == napi_ok &&
           napi_async_init(env, resource, name, &s->async) == napi_ok &&
           napi_get_uv_event_loop(env, &loop) == napi_ok;
  int r = ok ? uv_poll_init(loop, &s->poll, fd) : 0;
  if (!ok || r != 0) {
    close(fd);
    s->teardown = 0;
    free_sock(s);
    if (r != 0) return throw_errno(env, "uv_poll_init", -r, NULL, 0);
    napi_throw_error(env, "EUDPBATCH", "udp_batch.open: Node-API setup failed");
    return NULL;
  }
  s->poll.data = s;
  r = uv_poll_start(&s->poll, UV_READABLE, on_poll);
  if (r != 0) {
    close_sock(s);
    return throw_errno(env, "uv_poll_start", -r, NULL, 0);
  }
  s->events = UV_READABLE;
  napi_add_env_cleanup_hook(env, on_env_cleanup, s);

  napi_value handle, result, addr_v, port_v;
  CHECK_NAPI(env, napi_create_external(env, s, on_handle_collected, NULL, &handle));
  s->owners++;
  CHECK_NAPI(env, napi_create_string_utf8(env, local_host, NAPI_AUTO_LENGTH, &addr_v));
  CHECK_NAPI(env, napi_create_int32(env, local_port, &port_v));
  CHECK_NAPI(env, napi_create_array_with_length(env, 3, &result));
  napi_set_element(env, result, 0, handle);
  napi_set_element(env, result, 1, addr_v);
  napi_set_element(env, result, 2, port_v);
  return result;
}

static sock_t* get_sock(napi_env env, napi_value v) {
  void* p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "udp_batch: not a socket handle");
    return NULL;
  }
  return (sock_t*)p;
}

// close(handle): idempotent; the port is free when it returns.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t* s = argc < 1 ? NULL : get_sock(env, argv[0]);
  if (s == NULL || s->closed) return NULL;
  napi_remove_env_cleanup_hook(env, on_env_cleanup, s);
  close_sock(s);
  return NULL;
}

// addressOf(handle, i): datagram i's source as Node formats rinfo.address (inet_ntop, and
// "%ifname" for a link-local IPv6 address with a scope). Called on a cache miss only.
static napi_value js_address_of(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t* s = argc < 2 ? NULL : get_sock(env, argv[0]);
  if (s == NULL) return NULL;
  int32_t i = -1;
  napi_get_value_int32(env, argv[1], &i);
  char text[INET6_ADDRSTRLEN + UV_IF_NAMESIZE + 2] = "";
  if (i >= 0 && i < BATCH) {
    const struct sockaddr_storage* a = &s->peers[i];
    if (a->ss_family == AF_INET6) {
      const struct sockaddr_in6* a6 = (const struct sockaddr_in6*)a;
      inet_ntop(AF_INET6, &a6->sin6_addr, text, INET6_ADDRSTRLEN);
      if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr) && a6->sin6_scope_id > 0) {
        size_t used = strlen(text);
        size_t room = sizeof text - used - 1;
        text[used] = '%';
        if (uv_if_indextoiid(a6->sin6_scope_id, text + used + 1, &room) != 0) text[used] = '\0';
      }
    } else if (a->ss_family == AF_INET) {
      inet_ntop(AF_INET, &((const struct sockaddr_in*)a)->sin_addr, text, INET6_ADDRSTRLEN);
    }
  }
  napi_value out;
  CHECK_NAPI(env, napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out));
  return out;
}

// stats(handle) -> { received, sent, sendDropped, batches, maxBatch, parked, waiting }
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t* s = argc < 1 ? NULL : get_sock(env, argv[0]);
  if (s == NULL) return NULL;
  napi_value out, v;
  CHECK_NAPI(env, napi_create_object(env, &out));
  const struct { const char* name; double value; } fields[] = {
    {"received", s->received}, {"sent", s->sent}, {"sendDropped", s->send_dropped}, {"batches", s->batches},
    {"maxBatch", s->max_batch}, {"parked", s->parked}, {"waiting", (double)(s->send_count - s->send_pos)},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    CHECK_NAPI(env, napi_create_double(env, fields[i].value, &v));
    CHECK_NAPI(env, napi_set_named_property(env, out, fields[i].name, v));
  }
  return out;
}

static napi_value set_int(napi_env env, napi_value exports, const char* name, int32_t v) {
  napi_value n;
  if (napi_create_int32(env, v, &n) == napi_ok) napi_set_named_property(env, exports, name, n);
  return exports;
}

// memory.cc: a full GC that also shrinks V8's young generation (see there for why).
extern int zonedns_reduce_memory(void);

static napi_value js_reduce_memory(napi_env env, napi_callback_info info) {
  napi_value r;
  napi_get_boolean(env, zonedns_reduce_memory() != 0, &r);
  return r;
}

// memory.cc: malloc's free memory back to the system; with a true argument, on a thread of its own.
extern int zonedns_trim_malloc(int later);

static napi_value js_trim_malloc(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  bool later = false;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) == napi_ok && argc >= 1) napi_get_value_bool(env, arg, &later);
  napi_value r;
  napi_get_boolean(env, zonedns_trim_malloc(later) != 0, &r);
  return r;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor fns[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"addressOf", NULL, js_address_of, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
    {"reduceMemory", NULL, js_reduce_memory, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trimMalloc", NULL, js_trim_malloc, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok) return NULL;
  set_int(env, exports, "BATCH", BATCH);
  set_int(env, exports, "SLOT", SLOT);
  set_int(env, exports, "ADDR_WORDS", ADDR_WORDS);
  set_int(env, exports, "META_WORDS", META_WORDS);
  return exports;
}
