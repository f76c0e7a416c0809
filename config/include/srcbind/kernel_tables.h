/* The kernel backend's rule tables, as the BPF programs read them from their
 * maps, and the per-candidate decision. C, because the same text is compiled
 * into the BPF object (kernel/bpf/srcbind.bpf.c) and into the host build (the
 * rule compiler and its test, which checks it against Matcher::find): both
 * backends decide with this one function. See docs/kernel-backend.md.
 *
 * Lookup: the destination's family's hash tables (below), or its LPM trie, give
 * the slice of the longest listed prefix containing it. A slice lists the candidates of its
 * prefix in file order and names the slice of the next shorter listed prefix
 * containing it (its parent). Scanning the slice, then its parent and so on,
 * the first candidate whose filters match is the winner: "longest matching
 * prefix wins, ties to the rule written first". The chain is at most one slice
 * per distinct prefix length long (SB_MAX_CHAIN). */
#ifndef SRCBIND_KERNEL_TABLES_H
#define SRCBIND_KERNEL_TABLES_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* A family with few listed prefix lengths is looked up in exact hash tables
 * instead of its trie: one per listed prefix length, longest first, each
 * holding that length's prefixes (the address masked to the length). The first table that holds the masked
 * destination gives the slice of the longest listed prefix containing it: the
 * trie's answer, found by a few reads of an array map, which the verifier
 * inlines, instead of a walk of the trie's nodes. A family with more listed
 * lengths than SB_HASH_TABLES, or whose tables the compiler could not fit to
 * SB_HASH_PROBES probes, is looked up in its trie (kernel_rule_compiler.cpp). */
#define SB_HASH_TABLES 6
#define SB_HASH_PROBES 8

/* One table: slots [first, first + slot_mask] of the family's slot map. */
struct sb_hash_table {
  __u32 address_mask[4]; /* the prefix length as a mask over the address's bytes */
  __u32 first;
  __u32 slot_mask;       /* table size - 1, a power of two */
};

/* A slot: the address words, then the slice (the programs read a slot as
 * words). Slice SB_NO_SLICE: empty, the end of a probe sequence. */
struct sb_hash_slot_v4 {
  __u32 address[1]; /* masked, the address's bytes as they are in memory */
  __u32 slice;
};

struct sb_hash_slot_v6 {
  __u32 address[4];
  __u32 slice;
};

/* The home slot of a masked address, before the table's slot_mask: the high
 * half of 64-bit products, in which every bit of the address counts (a list of
 * hosts differs in the address's last byte, the high bits of its first word). */
static inline __u32 sb_hash(const __u32 *masked, int words)
{
  __u64 h = (__u64)masked[0] * 0x9E3779B97F4A7C15ull;
  if (words == 4)
    h ^= (__u64)masked[1] * 0xC2B2AE3D27D4EB4Full ^ (__u64)masked[2] * 0x165667B19E3779F9ull ^
         (__u64)masked[3] * 0x85EBCA77C2B2AE63ull;
  return (__u32)(h >> 32);
}

/* A program name key: the executable's basename, NUL-padded. Longer names are
 * refused by the compiler and never match in the kernel. */
#define SB_PROGRAM_NAME_MAX 64
#define SB_INTERFACE_NAME_MAX 16 /* IFNAMSIZ */

enum sb_protocol { SB_PROTOCOL_ANY = 0, SB_PROTOCOL_TCP = 1, SB_PROTOCOL_UDP = 2 };

enum sb_candidate_flags {
  SB_CANDIDATE_WILDCARD = 1, /* from `*`: never matches loopback */
};

/* One (prefix, rule, port range, program) combination. A rule with several
 * port ranges or programs is several consecutive candidates. */
struct sb_candidate {
  __u32 rule;       /* index into the rules map (the rule's position in the file) */
  __u32 program;    /* 0: any program; else an id of the programs map */
  __u16 port_first; /* host byte order; 0-65535 when the rule has no port filter */
  __u16 port_last;
  __u8 protocol;    /* enum sb_protocol */
  __u8 flags;       /* enum sb_candidate_flags */
  __u16 reserved;
};

#define SB_NO_SLICE 0xFFFFFFFFu
#define SB_MAX_CHAIN 129 /* prefix lengths 0..128 */

struct sb_slice {
  __u32 first;  /* index of the first candidate */
  __u32 count;
  __u32 parent; /* the next slice to scan, or SB_NO_SLICE */
};

/* One probe of a hash table: 1 (stop) at an empty slot, or at the masked
 * address, whose slice is then in *found; 0: on to the next slot. */
static inline int sb_hash_probe(const __u32 *slot_address, __u32 slot_slice, const __u32 *masked, int words,
                                __u32 *found)
{
  if (slot_slice == SB_NO_SLICE)
    return 1;
  for (int i = 0; i < words; i++)
    if (slot_address[i] != masked[i])
      return 0;
  *found = slot_slice;
  return 1;
}

struct sb_lpm_v4_key {
  __u32 prefixlen;
  __u8 address[4];
};

struct sb_lpm_v6_key {
  __u32 prefixlen;
  __u8 address[16];
};

struct sb_program_key {
  char name[SB_PROGRAM_NAME_MAX];
};

enum sb_rule_flags {
  SB_RULE_ON_ERROR_CONTINUE = 1,
};

/* The situations a rule's action is computed for: the call and the
 * destination's family (IPv4 also for ::ffff:a.b.c.d). The socket is a fresh
 * one: the programs leave a socket the program bound or pinned alone before they
 * look for a rule, as decide() does. */
enum sb_situation {
  SB_CONNECT_V4 = 0,
  SB_CONNECT_V6 = 1,
  SB_DATAGRAM_V4 = 2,
  SB_DATAGRAM_V6 = 3,
  SB_SITUATIONS = 4,
};

enum sb_action_kind {
  SB_ACTION_NOTHING = 0, /* the call goes on unchanged */
  SB_ACTION_STEER = 1,   /* apply what `flags` say */
  SB_ACTION_FAIL = 2,    /* `error` to on_error, nothing applied */
};

enum sb_action_flags {
  SB_ACTION_SET_DEVICE = 1,    /* connect: SO_BINDTODEVICE to the rule's interface */
  SB_ACTION_BIND_SOURCE = 2,   /* connect: bind the family's source, port 0 */
  SB_ACTION_PACKET_SOURCE = 4, /* datagram: the family's source on this datagram */
};

enum sb_fail_reason {
  SB_FAIL_SOURCE_MISSING = 1,   /* `@NAME` named nothing when srcbind started */
  SB_FAIL_SOURCE_NOT_LOCAL = 2, /* checked when compiled: the kernel would say EINVAL */
};

/* What the rule does in one situation: decide() (config/include/srcbind/decision.hpp)
 * run by the rule compiler (config/src/kernel_rule_compiler.cpp); the programs
 * only apply it. */
struct sb_action {
  __u8 kind;   /* enum sb_action_kind */
  __u8 flags;  /* enum sb_action_flags */
  __u8 reason; /* SB_ACTION_FAIL: enum sb_fail_reason, for the log line */
  __u8 error;  /* SB_ACTION_FAIL: the errno */
};

/* What a matched rule does. */
struct sb_rule {
  __u8 source_v4[4];
  __u8 source_v6[16];
  char interface[SB_INTERFACE_NAME_MAX];
  __u32 flags;    /* enum sb_rule_flags */
  __u32 scope_v6; /* a link-local source_v6's scope: the rule's interface index */
  struct sb_action actions[SB_SITUATIONS];
};

/* What a program sees of the socket at the call, as bits. The socket states
 * decide() distinguishes (left alone, steered, ...) are told apart by these;
 * config/src/kernel_rule_compiler.cpp (kernel_socket_state) says how. */
enum sb_socket_bits {
  SB_SOCKET_DATAGRAM = 1,        /* UDP, else TCP */
  SB_SOCKET_ADDRESS = 2,         /* a local address is set (not the wildcard) */
  SB_SOCKET_PORT = 4,            /* a local port is set */
  SB_SOCKET_ADDRESS_LOCKED = 8,  /* bind() chose that address (sk_userlocks SOCK_BINDADDR_LOCK) */
  SB_SOCKET_PORT_LOCKED = 16,    /* bind() chose that port (SOCK_BINDPORT_LOCK) */
  SB_SOCKET_DEVICE = 32,         /* bound to a device (sk_bound_dev_if) */
  SB_SOCKET_STATES = 64,
};

/* What a matched rule may do to a socket in a given state: decide() run for
 * every state by the rule compiler (socket_verdicts()), filled into the
 * programs before they load. Index: sb_socket_verdict_index(). */
enum sb_socket_verdict {
  SB_SOCKET_APPLY = 0,            /* apply the rule's action (steer, or fail) */
  SB_SOCKET_APPLY_UNLESS_BIND = 1, /* as APPLY, but binding a source needs the port the
                                      kernel chose given back first, which BPF cannot do:
                                      an action that binds a source leaves it alone */
  SB_SOCKET_UNCHANGED = 2,        /* nothing, silently (decided at an earlier call) */
  SB_SOCKET_LEFT_ALONE = 16,      /* and above: left alone, reason N - 16 (for the log) */
};

#define SB_SOCKET_CALLS 2 /* 0: connect (or a TCP fast-open send), 1: an unconnected datagram */
#define SB_SOCKET_VERDICTS (SB_SOCKET_CALLS * SB_SOCKET_STATES)

static inline __u32 sb_socket_verdict_index(__u32 datagram_send, __u32 bits)
{
  return (datagram_send ? SB_SOCKET_STATES : 0) + (bits & (SB_SOCKET_STATES - 1));
}

/* What is known about the call. */
struct sb_query {
  __u16 port;     /* destination port, host byte order */
  __u8 protocol;  /* SB_PROTOCOL_TCP or SB_PROTOCOL_UDP */
  __u8 loopback;  /* destination in 127.0.0.0/8 or ::1 */
  __u32 program;  /* the process's program id, 0 when no rule names it */
};

/* The decision for one candidate: do its filters all match the call? */
static inline int sb_candidate_matches(const struct sb_candidate *c, const struct sb_query *q)
{
  if ((c->flags & SB_CANDIDATE_WILDCARD) && q->loopback)
    return 0;
  if (c->protocol != SB_PROTOCOL_ANY && c->protocol != q->protocol)
    return 0;
  if (q->port < c->port_first || q->port > c->port_last)
    return 0;
  if (c->program != 0 && c->program != q->program)
    return 0;
  return 1;
}

#define SB_NO_RULE (-1)

/* One step of the scan of a slice: the shape of a bpf_loop() callback's body.
 * Returns 1 (stop) when `c` matches, with its rule in `*found`. */
static inline long sb_scan_step(const struct sb_candidate *c, const struct sb_query *q, __s64 *found)
{
  if (c && sb_candidate_matches(c, q)) {
    *found = c->rule;
    return 1;
  }
  return 0;
}

#ifndef __bpf__
/* The whole scan, for the host: the rule of the first matching candidate of
 * slice `start` and its parents, or SB_NO_RULE. The BPF programs run the same
 * steps (kernel/bpf/srcbind.bpf.c: the chain in a bounded loop, each slice under
 * bpf_loop()). */
static inline __s64 sb_scan_chain(const struct sb_candidate *candidates, const struct sb_slice *slices,
                                  __u32 start, const struct sb_query *q)
{
  __s64 found = SB_NO_RULE;
  __u32 index = start;
  for (int depth = 0; depth < SB_MAX_CHAIN && index != SB_NO_SLICE; ++depth) {
    const struct sb_slice *slice = &slices[index];
    for (__u32 i = 0; i < slice->count; ++i) {
      if (sb_scan_step(&candidates[slice->first + i], q, &found))
        return found;
    }
    index = slice->parent;
  }
  return found;
}
#endif

#endif /* SRCBIND_KERNEL_TABLES_H */
