// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* The kernel backend: the same rules as libsrcbind.so, applied at connect()
 * (cgroup/connect4, connect6) and at unconnected datagram sends
 * (cgroup/sendmsg4, sendmsg6) of every socket in the cgroup. The rule lookup is
 * kernel_tables.h's, shared with the host build. Design: docs/kernel-backend.md.
 * Helpers used exist in Linux 6.1 (bpf_loop 5.17, bpf_set_retval 5.18 and
 * available to sock_addr programs from 6.1). */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "srcbind/kernel_tables.h"
#include "srcbind_events.h"

#define AF_INET 2
#define AF_INET6 10
#define SOL_SOCKET 1
#define SO_BINDTODEVICE 25
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOCK_BINDADDR_LOCK 4
#define SOCK_BINDPORT_LOCK 8
#define MAX_SCAN (1 << 23) /* bpf_loop's limit */

/* Set by the loader before the programs are loaded. */
const volatile __u64 netns_cookie = 0;   /* only sockets of this network namespace */
const volatile __u32 log_applied = 0;    /* info: one event per applied rule */
const volatile __u32 log_problems = 1;   /* error and warning events */
const volatile __u32 uses_programs = 0;  /* some rule has `program =` */
/* The hash tables of kernel_tables.h, per family; hashed_vN 0: the trie. */
const volatile __u32 hashed_v4 = 0;
const volatile __u32 hashed_v6 = 0;
const volatile __u32 hash_tables_v4 = 0;
const volatile __u32 hash_tables_v6 = 0;
const volatile struct sb_hash_table hash_table_v4[SB_HASH_TABLES] = {};
const volatile struct sb_hash_table hash_table_v6[SB_HASH_TABLES] = {};
/* What a matched rule may do to a socket in each state: decide()'s answers
 * (kernel_tables.h, enum sb_socket_verdict; kernel_rule_compiler.cpp). */
const volatile __u8 socket_verdicts[SB_SOCKET_VERDICTS] = {};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, 1);
  __type(key, struct sb_lpm_v4_key);
  __type(value, __u32); /* index into slices */
} prefixes_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, 1);
  __type(key, struct sb_lpm_v6_key);
  __type(value, __u32);
} prefixes_v6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sb_hash_slot_v4);
} hash_slots_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sb_hash_slot_v6);
} hash_slots_v6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sb_slice);
} slices SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sb_candidate);
} candidates SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sb_rule);
} rules SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, struct sb_program_key);
  __type(value, __u32);
} programs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Per-CPU room for what does not fit the 512-byte stack comfortably. */
struct scratch {
  struct sb_program_key program;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch_space SEC(".maps");

/* What one call is about, once decoded. */
struct call {
  __u8 destination[16]; /* IPv4 in the first 4 bytes */
  __u16 port;
  __u8 v4;              /* IPv4 rules (also for ::ffff:a.b.c.d) */
  __u8 socket_v6;       /* AF_INET6 socket: bind/set the source in its form */
  __u8 datagram;
  __u8 program_read;    /* scratch_space holds the executable's name */
  __u8 datagram_send;   /* an unconnected datagram (sendmsg4/6), else a connect */
  __u8 reserved[4];
  __s64 rule;
};

/* The scan of a slice and its parents (kernel_tables.h: sb_scan_chain) as one
 * bpf_loop(): each step either moves to the next slice of the chain or checks
 * one candidate with the shared sb_scan_step(). One loop, not a loop of loops:
 * the verifier then checks the callback once. */
struct scan_state {
  struct sb_query query;
  __u32 next_slice;     /* SB_NO_SLICE: the chain is done */
  __u32 next_candidate;
  __u32 remaining;      /* candidates left in the current slice */
  __s64 found;
};

/* One step, as a global function: the verifier checks it once, on its own,
 * and at the bpf_loop() callback sees only a call whose result and writes to
 * the state are unknown. Inlined into the callback, it was explored again for
 * every value the state's counters took until they converged: two thirds of
 * each program's verification (docs/kernel-backend.md, "Start-up"). */
__noinline int scan_one(struct scan_state *s)
{
  if (!s)
    return 1;
  if (s->remaining == 0) {
    if (s->next_slice == SB_NO_SLICE)
      return 1;
    __u32 index = s->next_slice;
    const struct sb_slice *slice = bpf_map_lookup_elem(&slices, &index);
    if (!slice)
      return 1;
    s->next_candidate = slice->first;
    s->remaining = slice->count;
    s->next_slice = slice->parent;
    return 0;
  }
  __u32 index = s->next_candidate++;
  s->remaining--;
  const struct sb_candidate *c = bpf_map_lookup_elem(&candidates, &index);
  return sb_scan_step(c, &s->query, &s->found) ? 1 : 0;
}

static long scan_step(__u32 i, void *data)
{
  return scan_one(data) ? 1 : 0;
}

/* The executable's file name (mm->exe_file), not the thread's comm: io_uring
 * workers are called iou-wrk-N and comm is cut at 15 bytes. Empty when the
 * name does not fit a key (no rule can name it). */
__noinline int read_program(struct sb_program_key *key)
{
  if (!key)
    return 0;
  __builtin_memset(key, 0, sizeof *key);
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct mm_struct *mm = BPF_CORE_READ(task, mm);
  if (!mm)
    return 0;
  const unsigned char *name = BPF_CORE_READ(mm, exe_file, f_path.dentry, d_name.name);
  if (!name)
    return 0;
  long n = bpf_probe_read_kernel_str(key->name, sizeof key->name, name);
  if (n == sizeof key->name) {
    char next = 0;
    bpf_probe_read_kernel(&next, 1, name + sizeof key->name - 1);
    if (next != 0)
      __builtin_memset(key, 0, sizeof *key);
  }
  return 0;
}

static __u32 program_id(struct sb_program_key *key)
{
  if (key->name[0] == 0)
    return 0;
  __u32 *id = bpf_map_lookup_elem(&programs, key);
  return id ? *id : 0;
}

static int is_loopback(const struct call *c)
{
  if (c->v4)
    return c->destination[0] == 127;
  for (int i = 0; i < 15; i++)
    if (c->destination[i])
      return 0;
  return c->destination[15] == 1;
}

/* The slice of the longest listed prefix containing the destination, from
 * the family's hash tables (kernel_tables.h), or SB_NO_SLICE. `words`: 1 for
 * IPv4, 4 for IPv6; a slot is that many address words, then its slice. The
 * loops are not unrolled: the code a connect runs stays a few cache lines. */
static __always_inline __u32 hashed_slice(const __u8 *destination, int words)
{
  const int v4 = words == 1;
  void *slots = v4 ? (void *)&hash_slots_v4 : (void *)&hash_slots_v6;
  const __u32 count = v4 ? hash_tables_v4 : hash_tables_v6;
  __u32 address[4];
  __builtin_memcpy(address, destination, sizeof address);
#pragma clang loop unroll(disable)
  for (__u32 t = 0; t < SB_HASH_TABLES && t < count; t++) {
    const volatile struct sb_hash_table *table = v4 ? &hash_table_v4[t] : &hash_table_v6[t];
    __u32 key[4] = {};
    for (int i = 0; i < words; i++)
      key[i] = address[i] & table->address_mask[i];
    const __u32 home = sb_hash(key, words);
    const __u32 first = table->first, slot_mask = table->slot_mask;
    __u32 found = SB_NO_SLICE;
#pragma clang loop unroll(disable)
    for (__u32 probe = 0; probe < SB_HASH_PROBES; probe++) {
      __u32 index = first + ((home + probe) & slot_mask);
      const __u32 *slot = bpf_map_lookup_elem(slots, &index);
      if (!slot || sb_hash_probe(slot, slot[words], key, words, &found))
        break;
    }
    if (found != SB_NO_SLICE)
      return found;
  }
  return SB_NO_SLICE;
}

/* The same answer from the family's LPM trie, for a family with more prefix
 * lengths than the hash tables take. */
static __always_inline __u32 trie_slice(const __u8 *destination, int words)
{
  __u32 *start;
  if (words == 1) {
    struct sb_lpm_v4_key key = {.prefixlen = 32};
    __builtin_memcpy(key.address, destination, 4);
    start = bpf_map_lookup_elem(&prefixes_v4, &key);
  } else {
    struct sb_lpm_v6_key key = {.prefixlen = 128};
    __builtin_memcpy(key.address, destination, 16);
    start = bpf_map_lookup_elem(&prefixes_v6, &key);
  }
  return start ? *start : SB_NO_SLICE;
}

/* The lookup: the longest listed prefix (hash tables or LPM trie), then the
 * shared scan of its slice and of its parents' (kernel_tables.h: sb_scan_chain).
 * A global function: the verifier checks it once, not once per program and
 * call site. */
__noinline int find_rule(struct call *c)
{
  if (!c)
    return 0;
  c->rule = SB_NO_RULE;
  const __u32 first_slice = c->v4 ? (hashed_v4 ? hashed_slice(c->destination, 1) : trie_slice(c->destination, 1))
                                  : (hashed_v6 ? hashed_slice(c->destination, 4) : trie_slice(c->destination, 4));
  if (first_slice == SB_NO_SLICE)
    return 0;

  struct scan_state state = {
      .query = {.port = c->port,
                .protocol = c->datagram ? SB_PROTOCOL_UDP : SB_PROTOCOL_TCP,
                .loopback = is_loopback(c)},
      .found = SB_NO_RULE,
  };
  /* The name only where a rule filters on it; for a log line, send_event()
   * reads it (most matched calls log nothing). */
  if (uses_programs) {
    __u32 zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
    if (s) {
      read_program(&s->program);
      c->program_read = 1;
      state.query.program = program_id(&s->program);
    }
  }
  /* The usual match is the first candidate of the longest prefix's slice:
   * checked here, without the loop's calls. */
  const struct sb_slice *slice = bpf_map_lookup_elem(&slices, &first_slice);
  if (!slice)
    return 0;
  if (slice->count) {
    __u32 index = slice->first;
    const struct sb_candidate *candidate = bpf_map_lookup_elem(&candidates, &index);
    if (sb_scan_step(candidate, &state.query, &state.found)) {
      c->rule = state.found;
      return 0;
    }
    state.next_candidate = slice->first + 1;
    state.remaining = slice->count - 1;
  }
  state.next_slice = slice->parent;
  bpf_loop(MAX_SCAN, scan_step, &state, 0);
  c->rule = state.found;
  return 0;
}

/* What an event reports besides the call and the rule, packed into one
 * argument of send_event(). */
#define EVENT_WHAT(kind, step, source_applied, device_applied) \
  ((__u32)(kind) | (__u32)(step) << 8 | (__u32)(source_applied) << 16 | (__u32)(device_applied) << 17)

/* A global function, like find_rule: the verifier checks it once per program,
 * not once at each of the call sites it would be inlined into (each of them on
 * several paths). Its pointers are plain memory to the verifier: checked here. */
__noinline int send_event(const struct call *c, const struct sb_rule *r, __u32 what, int error)
{
  __u8 kind = what & 0xff;
  int info = kind == SB_EVENT_APPLIED || kind == SB_EVENT_LEFT_ALONE;
  if (!c || !r || (info ? !log_applied : !log_problems))
    return 0;
  struct sb_event *e = bpf_ringbuf_reserve(&events, sizeof *e, 0);
  if (!e)
    return 0;
  __builtin_memset(e, 0, sizeof *e);
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->rule = (__u32)c->rule;
  e->error = error;
  e->port = c->port;
  e->kind = kind;
  e->step = (what >> 8) & 0xff;
  e->datagram = c->datagram;
  e->v4 = c->v4;
  e->source_applied = (what >> 16) & 1;
  e->device_applied = (what >> 17) & 1;
  __builtin_memcpy(e->destination, c->destination, 16);
  if (c->v4)
    __builtin_memcpy(e->source, r->source_v4, 4);
  else
    __builtin_memcpy(e->source, r->source_v6, 16);
  __u32 zero = 0;
  struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
  if (s) {
    if (!c->program_read)
      read_program(&s->program);
    __builtin_memcpy(e->program, s->program.name, sizeof e->program);
  }
  bpf_ringbuf_submit(e, 0);
  return 0;
}

/* on_error: fail gives the program the real errno (not EPERM); continue lets
 * the call go on as if no rule had matched. Returns the program's verdict. */
static int failed(const struct call *c, const struct sb_rule *r, __u8 step, int error)
{
  if (r->flags & SB_RULE_ON_ERROR_CONTINUE) {
    send_event(c, r, EVENT_WHAT(SB_EVENT_CONTINUED, step, 0, 0), error);
    return 1;
  }
  send_event(c, r, EVENT_WHAT(SB_EVENT_FAILED, step, 0, 0), error);
  bpf_set_retval(-error);
  return 0;
}

/* What the rule does here, computed when compiling by the library's decide()
 * (config/src/kernel_rule_compiler.cpp: action_for). By the hook, not the
 * protocol: a UDP socket that connects (glibc's resolver) is a connect. */
static const struct sb_action *action_of(const struct call *c, const struct sb_rule *r, int at_connect)
{
  if (at_connect)
    return &r->actions[c->v4 ? SB_CONNECT_V4 : SB_CONNECT_V6];
  return &r->actions[c->v4 ? SB_DATAGRAM_V4 : SB_DATAGRAM_V6];
}

/* An action that fails: its reason as the log's step. */
static int action_failed(const struct call *c, const struct sb_rule *r, const struct sb_action *a)
{
  __u8 step = a->reason == SB_FAIL_SOURCE_NOT_LOCAL ? SB_STEP_SOURCE_NOT_LOCAL : SB_STEP_SOURCE_MISSING;
  return failed(c, r, step, a->error);
}

static int netns_ok(struct bpf_sock_addr *ctx)
{
  return bpf_get_netns_cookie(ctx) == netns_cookie;
}

/* The full socket behind the context's, for fields it does not show. The
 * verifier forbids arithmetic on the context's socket pointer: its value is
 * taken as a plain number first. */
static struct sock *full_socket(struct bpf_sock *sk)
{
  __u64 address = 0;
  bpf_probe_read_kernel(&address, sizeof address, &sk);
  return (struct sock *)address;
}

static __u32 user_locks(struct bpf_sock *sk)
{
  struct sock *full = full_socket(sk);
  return (__u32)BPF_CORE_READ_BITFIELD_PROBED(full, sk_userlocks);
}

/* What the socket's state is, as kernel_tables.h's bits: whether the program
 * (or the kernel) set its address, port or device. The locks are read only
 * when an address or a port is set: bind() sets neither lock without them. */
static __u32 socket_bits(struct bpf_sock *sk, int datagram)
{
  __u32 bits = datagram ? SB_SOCKET_DATAGRAM : 0;
  if (sk->src_ip4 || (sk->family == AF_INET6 && (sk->src_ip6[0] | sk->src_ip6[1] | sk->src_ip6[2] | sk->src_ip6[3])))
    bits |= SB_SOCKET_ADDRESS;
  if (sk->src_port)
    bits |= SB_SOCKET_PORT;
  if (sk->bound_dev_if)
    bits |= SB_SOCKET_DEVICE;
  if (bits & (SB_SOCKET_ADDRESS | SB_SOCKET_PORT)) {
    __u32 locks = user_locks(sk);
    if (locks & SOCK_BINDADDR_LOCK)
      bits |= SB_SOCKET_ADDRESS_LOCKED;
    if (locks & SOCK_BINDPORT_LOCK)
      bits |= SB_SOCKET_PORT_LOCKED;
  }
  return bits;
}

/* A matched rule that decide() leaves the socket alone for: an info event
 * with its reason (event_log.cpp prints socket_verdicts()' text). */
static int left_alone(const struct call *c, const struct sb_rule *r, __u32 reason)
{
  send_event(c, r, EVENT_WHAT(SB_EVENT_LEFT_ALONE, reason, 0, 0), 0);
  return 1;
}

/* What decide() says of this socket for the matched rule's action `a`: 1 to
 * apply the action, 0 when the call goes on unchanged (left alone, logged).
 * A global function, like find_rule: inlined, its branches were explored again
 * on every path of each caller, and the four programs took twice as long to
 * verify (docs/kernel-backend.md, "The programs"). */
__noinline int socket_lets_apply(const struct call *c, const struct sb_rule *r, const struct sb_action *a, __u32 bits)
{
  if (!c || !r || !a)
    return 0;
  __u8 verdict = socket_verdicts[sb_socket_verdict_index(c->datagram_send, bits)];
  if (verdict == SB_SOCKET_APPLY)
    return 1;
  if (verdict == SB_SOCKET_APPLY_UNLESS_BIND) {
    if (!(a->kind == SB_ACTION_STEER && (a->flags & SB_ACTION_BIND_SOURCE)))
      return 1;
    left_alone(c, r, 0); /* reason 0: kKernelCannotGiveBackPort */
    return 0;
  }
  if (verdict >= SB_SOCKET_LEFT_ALONE)
    left_alone(c, r, verdict - SB_SOCKET_LEFT_ALONE);
  return 0;
}

/* The rule that matched this call, or NULL when none did: the call goes on
 * untouched. */
static __always_inline const struct sb_rule *matched_rule(struct call *c)
{
  find_rule(c);
  if (c->rule < 0)
    return NULL;
  __u32 index = (__u32)c->rule;
  return bpf_map_lookup_elem(&rules, &index);
}

static __always_inline int apply_at_connect(struct bpf_sock_addr *ctx, struct call *c, __u32 bits)
{
  const struct sb_rule *r = matched_rule(c);
  if (!r)
    return 1;
  const struct sb_action *a = action_of(c, r, 1);
  if (!socket_lets_apply(c, r, a, bits))
    return 1;
  if (a->kind == SB_ACTION_FAIL)
    return action_failed(c, r, a);
  if (a->kind != SB_ACTION_STEER)
    return 1;
  int device = 0;
  if (a->flags & SB_ACTION_SET_DEVICE) {
    char name[SB_INTERFACE_NAME_MAX];
    __builtin_memcpy(name, r->interface, sizeof name);
    long err = bpf_setsockopt(ctx, SOL_SOCKET, SO_BINDTODEVICE, name, sizeof name);
    if (err)
      return failed(c, r, SB_STEP_BINDTODEVICE, (int)-err);
    device = 1;
  }
  int source = (a->flags & SB_ACTION_BIND_SOURCE) != 0;
  if (source) {
    long err;
    if (c->socket_v6) {
      struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
      if (c->v4) {
        sa.sin6_addr.in6_u.u6_addr8[10] = 0xff;
        sa.sin6_addr.in6_u.u6_addr8[11] = 0xff;
        __builtin_memcpy(&sa.sin6_addr.in6_u.u6_addr8[12], r->source_v4, 4);
      } else {
        __builtin_memcpy(sa.sin6_addr.in6_u.u6_addr8, r->source_v6, 16);
        sa.sin6_scope_id = r->scope_v6;
      }
      err = bpf_bind(ctx, (struct sockaddr *)&sa, sizeof sa);
    } else {
      struct sockaddr_in sa = {.sin_family = AF_INET};
      __builtin_memcpy(&sa.sin_addr.s_addr, r->source_v4, 4);
      err = bpf_bind(ctx, (struct sockaddr *)&sa, sizeof sa);
    }
    if (err)
      return failed(c, r, SB_STEP_BIND, (int)-err);
  }
  if (log_applied)
    send_event(c, r, EVENT_WHAT(SB_EVENT_APPLIED, SB_STEP_NONE, source != 0, device), 0);
  return 1;
}

static int decode_v6(struct call *c, const __u32 user_ip6[4])
{
  __builtin_memcpy(c->destination, user_ip6, 16);
  /* ::ffff:a.b.c.d: the IPv4 rules (SPEC: mapped destinations match them). */
  if (user_ip6[0] == 0 && user_ip6[1] == 0 && user_ip6[2] == bpf_htonl(0xffff)) {
    __builtin_memcpy(c->destination, &user_ip6[3], 4);
    __builtin_memset(c->destination + 4, 0, 12);
    c->v4 = 1;
  }
  return 0;
}

static int connect_protocol_ok(struct bpf_sock_addr *ctx, struct call *c)
{
  if (ctx->protocol == IPPROTO_TCP)
    c->datagram = 0;
  else if (ctx->protocol == IPPROTO_UDP)
    c->datagram = 1;
  else
    return 0;
  return 1;
}

/* The socket of a connect srcbind may steer: TCP or UDP, in srcbind's network
 * namespace; NULL leaves the call alone. */
static __always_inline struct bpf_sock *connecting_socket(struct bpf_sock_addr *ctx, struct call *c)
{
  if (!connect_protocol_ok(ctx, c) || !netns_ok(ctx))
    return NULL;
  return ctx->sk;
}

/* IPV6_V6ONLY: a mapped destination cannot be reached; the kernel's own connect
 * says so, with its own errno. */
static int v6_only(struct bpf_sock *sk)
{
  struct sock *full = full_socket(sk);
  return (int)BPF_CORE_READ_BITFIELD_PROBED(full, __sk_common.skc_ipv6only);
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
  struct call c = {.v4 = 1};
  struct bpf_sock *sk = connecting_socket(ctx, &c);
  if (!sk)
    return 1;
  __u32 ip = ctx->user_ip4;
  __builtin_memcpy(c.destination, &ip, 4);
  c.port = bpf_ntohs((__u16)ctx->user_port);
  return apply_at_connect(ctx, &c, socket_bits(sk, c.datagram));
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
  struct call c = {.socket_v6 = 1};
  struct bpf_sock *sk = connecting_socket(ctx, &c);
  if (!sk)
    return 1;
  __u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
  decode_v6(&c, ip6);
  if (c.v4 && v6_only(sk))
    return 1;
  c.port = bpf_ntohs((__u16)ctx->user_port);
  return apply_at_connect(ctx, &c, socket_bits(sk, c.datagram));
}

/* Unconnected datagrams. A datagram whose source is set already (the program's
 * IP_PKTINFO, or a nested srcbind's program that ran first) is the program's;
 * what the socket's state allows is decide()'s (socket_lets_apply). The kernel
 * starts the datagram's source as the socket's own address, so only a source
 * other than that one was set for this datagram. */
static int source_set_by_sender(struct bpf_sock_addr *ctx, int v6)
{
  struct bpf_sock *sk = ctx->sk;
  if (!sk)
    return 0;
  if (v6)
    return (ctx->msg_src_ip6[0] | ctx->msg_src_ip6[1] | ctx->msg_src_ip6[2] | ctx->msg_src_ip6[3]) != 0 &&
           (ctx->msg_src_ip6[0] != sk->src_ip6[0] || ctx->msg_src_ip6[1] != sk->src_ip6[1] ||
            ctx->msg_src_ip6[2] != sk->src_ip6[2] || ctx->msg_src_ip6[3] != sk->src_ip6[3]);
  return ctx->msg_src_ip4 != 0 && ctx->msg_src_ip4 != sk->src_ip4;
}

static __always_inline int apply_to_datagram(struct bpf_sock_addr *ctx, struct call *c, int v6_hook)
{
  const struct sb_rule *r = matched_rule(c);
  if (!r)
    return 1;
  const struct sb_action *a = action_of(c, r, 0);
  struct bpf_sock *sk = ctx->sk;
  if (!sk || !socket_lets_apply(c, r, a, socket_bits(sk, 1)))
    return 1;
  if (a->kind == SB_ACTION_FAIL)
    return action_failed(c, r, a);
  /* Nothing, as for interface-only rules (no per-datagram device from BPF: README). */
  if (a->kind != SB_ACTION_STEER || !(a->flags & SB_ACTION_PACKET_SOURCE))
    return 1;
  if (!v6_hook) {
    __u32 source;
    __builtin_memcpy(&source, r->source_v4, 4);
    ctx->msg_src_ip4 = source;
  } else if (c->v4) {
    ctx->msg_src_ip6[0] = 0;
    ctx->msg_src_ip6[1] = 0;
    ctx->msg_src_ip6[2] = bpf_htonl(0xffff);
    __u32 source;
    __builtin_memcpy(&source, r->source_v4, 4);
    ctx->msg_src_ip6[3] = source;
  } else {
    __u32 source[4];
    __builtin_memcpy(source, r->source_v6, 16);
    ctx->msg_src_ip6[0] = source[0];
    ctx->msg_src_ip6[1] = source[1];
    ctx->msg_src_ip6[2] = source[2];
    ctx->msg_src_ip6[3] = source[3];
  }
  if (log_applied)
    send_event(c, r, EVENT_WHAT(SB_EVENT_APPLIED, SB_STEP_NONE, 1, 0), 0);
  return 1;
}

SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx)
{
  struct call c = {.v4 = 1, .datagram = 1, .datagram_send = 1};
  if (ctx->protocol != IPPROTO_UDP || !netns_ok(ctx) || source_set_by_sender(ctx, 0))
    return 1;
  __u32 ip = ctx->user_ip4;
  __builtin_memcpy(c.destination, &ip, 4);
  c.port = bpf_ntohs((__u16)ctx->user_port);
  return apply_to_datagram(ctx, &c, 0);
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
  struct call c = {.datagram = 1, .datagram_send = 1, .socket_v6 = 1};
  if (ctx->protocol != IPPROTO_UDP || !netns_ok(ctx) || source_set_by_sender(ctx, 1))
    return 1;
  __u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
  decode_v6(&c, ip6);
  c.port = bpf_ntohs((__u16)ctx->user_port);
  return apply_to_datagram(ctx, &c, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
