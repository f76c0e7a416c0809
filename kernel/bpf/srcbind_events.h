/* The decision log of the kernel backend: one record per decision, sent by the
 * BPF programs through a ring buffer and printed by the watcher in the
 * library's log format (kernel/src/event_log.cpp). */
#ifndef SRCBIND_EVENTS_H
#define SRCBIND_EVENTS_H

#include "srcbind/kernel_tables.h"

enum sb_event_kind {
  SB_EVENT_APPLIED = 1,   /* info: the source and/or device were set */
  SB_EVENT_FAILED = 2,    /* error: on_error = fail, the call fails */
  SB_EVENT_CONTINUED = 3, /* warning: on_error = continue, sent as without srcbind */
  SB_EVENT_LEFT_ALONE = 4, /* info: the socket is the program's; `step` is the reason's
                              index in socket_verdicts().reasons (kernel_rule_compiler.hpp) */
};

enum sb_event_step {
  SB_STEP_NONE = 0,
  SB_STEP_SOURCE_MISSING = 1, /* `@NAME` named nothing when srcbind started */
  SB_STEP_SOURCE_NOT_LOCAL = 2,
  SB_STEP_BINDTODEVICE = 3,
  SB_STEP_BIND = 4,
};

struct sb_event {
  __u32 pid;
  __u32 rule;
  __s32 error;           /* positive errno */
  __u16 port;            /* destination port, host order */
  __u8 kind;             /* enum sb_event_kind */
  __u8 step;             /* enum sb_event_step; SB_EVENT_LEFT_ALONE: the reason */
  __u8 datagram;         /* udp per-datagram source, else connect */
  __u8 v4;               /* destination family (mapped destinations are IPv4) */
  __u8 source_applied;
  __u8 device_applied;
  __u8 destination[16];
  __u8 source[16];
  char program[SB_PROGRAM_NAME_MAX];
};

#endif
