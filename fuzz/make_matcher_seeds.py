#!/usr/bin/env python3
"""Writes the seeds of fuzz_matcher into corpus/matcher/ (format: fuzz_input.hpp).

Run from anywhere: python3 fuzz/make_matcher_seeds.py
"""
import pathlib
import random

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "matcher"

# Pattern kinds (fuzz_input.hpp, add_pattern).
DOC4, LOOP4, ZERO4, DOC6, LOOP6, STAR, _, NET4 = range(8)
# Query kinds (decode_query).
Q_DOC4, Q_NET4, Q_LOOP4, Q_LOW4, Q_MAPPED, Q_MAPPED_LOOP, Q_DOC6, Q_LOOP6, Q_LOW6, Q_LINK6 = range(10)
ANY, TCP, UDP = 0, 1, 2


def rule(patterns, protocol=ANY, ports=(), programs=0, interface=False, source4=None, source6=None, missing=False):
    """patterns: [(kind, a, b, length)], 1..3; ports: [(first_byte, span)]."""
    assert 1 <= len(patterns) <= 3
    flags = (len(patterns) - 1) | protocol << 2
    flags |= (0x10 if programs else 0) | (0x20 if interface else 0)
    flags |= (0x40 if source4 is not None else 0) | (0x80 if source6 is not None else 0)
    out = [flags]
    for p in patterns:
        out += list(p)
    out.append(len(ports) | (4 if missing else 0))
    for first, span in ports:
        # decode_rule: span byte read only when the selector byte % 4 != 0
        out += [first, 1, span] if span else [first, 0]
    if programs:
        out.append(programs)
    if source4 is not None:
        out.append(source4)
    if source6 is not None:
        out.append(source6)
    return out


def case(rules, names, queries):
    data = [len(rules)]
    for r in rules:
        data += r
    data.append(names)
    for q in queries:
        data += list(q)
    return bytes(data)


def write(name, data):
    (OUT / name).write_bytes(data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # SPEC's shapes: nested prefixes, `*` against loopback, a tie, ports and protocols.
    write("nested.bin", case(
        [rule([(DOC4, 0, 0, 24)], source4=12),
         rule([(DOC4, 0, 64, 26)], source4=13),
         rule([(DOC4, 0, 64, 26)], source4=14),                      # tie: loses to the one above
         rule([(STAR, 0, 0, 0)], source4=1, source6=1),
         rule([(LOOP4, 0, 0, 8)], interface=True)],
        0b001,
        [(Q_DOC4, 0, 70, 80, ANY), (Q_DOC4, 0, 10, 80, ANY), (Q_LOOP4, 0, 1, 80, ANY),
         (Q_NET4, 1, 1, 80, ANY), (Q_DOC6, 0, 1, 80, ANY), (Q_LOOP6, 0, 0, 80, ANY),
         (Q_MAPPED, 0, 70, 80, ANY), (Q_MAPPED_LOOP, 0, 1, 80, ANY)]))
    write("filters.bin", case(
        [rule([(DOC4, 0, 10, 32)], protocol=TCP, ports=[(80, 0), (201, 0)], source4=12),
         rule([(DOC4, 0, 0, 24)], protocol=UDP, ports=[(53, 0)], programs=2, source4=13),
         rule([(DOC4, 0, 0, 24), (DOC6, 0, 0, 64)], programs=1, source6=5),
         rule([(ZERO4, 0, 0, 0), (LOOP6, 0, 0, 1)], ports=[(20, 10)], interface=True)],
        0b011,
        [(Q_DOC4, 0, 10, 80, TCP), (Q_DOC4, 0, 10, 80, UDP), (Q_DOC4, 0, 10, 81, ANY),
         (Q_DOC4, 0, 10, 53, UDP), (Q_DOC4, 0, 10, 53, TCP), (Q_DOC6, 0, 0, 53, ANY),
         (Q_LOW4, 0, 1, 25, ANY), (Q_LOW6, 0, 0, 25, ANY), (Q_LOOP4, 0, 1, 25, ANY)]))
    write("families.bin", case(
        [rule([(STAR, 1, 0, 0)], source4=1),                            # IPv4-only `*`
         rule([(STAR, 2, 0, 0)], source6=1),                            # IPv6-only `*`
         rule([(DOC6, 1, 0, 32), (DOC6, 0, 7, 128)], source4=9),         # no IPv6 source: not for IPv6
         rule([(LOOP6, 0, 0, 0), (NET4, 51, 100, 22)], interface=True)],
        0b100,
        [(Q_DOC6, 1, 0, 206, ANY), (Q_DOC6, 0, 7, 206, ANY), (Q_LOW6, 0, 0, 206, ANY),
         (Q_LOOP6, 0, 0, 206, ANY), (Q_LINK6, 0, 1, 206, ANY), (Q_NET4, 51, 101, 206, ANY),
         (Q_MAPPED, 0, 1, 206, ANY)]))
    # Fail closed: a `@NAME` that named nothing still matches, for both families.
    write("source_missing.bin", case(
        [rule([(STAR, 0, 0, 0)], missing=True),
         rule([(DOC4, 0, 0, 24), (DOC6, 0, 0, 48)], source4=3),
         rule([(DOC4, 0, 64, 26)], ports=[(21, 0)], missing=True, source4=4)],
        0b001,
        [(Q_DOC4, 0, 70, 21, ANY), (Q_DOC4, 0, 70, 80, ANY), (Q_DOC6, 0, 1, 80, ANY),
         (Q_NET4, 1, 1, 80, ANY), (Q_LOOP4, 0, 1, 80, ANY), (Q_MAPPED, 0, 70, 21, TCP)]))
    rng = random.Random(7)
    for i in range(3):
        write(f"random{i}.bin", bytes(rng.randrange(256) for _ in range(400 + 200 * i)))


if __name__ == "__main__":
    main()
