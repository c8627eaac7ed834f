#!/usr/bin/env python3
"""Where the two cores went during each timed window of a group workload.

The group workloads (queue_throughput, lock_contended, value_increment, ...) time a window from
the parent's `go` to the last child's `done`. This script cuts a scheduler trace to those windows
and says, per window, how long each kind of thread ran: the children's main threads, their JIT
compiler threads, the parent, other processes, and how long a core was idle. With --timeline it
also prints, per core, what ran when (slices of 0.25 ms and more).

Record (as root; both in one sitting):

    perf record -e sched:sched_switch -a -k CLOCK_MONOTONIC -o sched.data &
    JDK_JAVA_OPTIONS=-Dmp4j.bench.windows=true ./mp4j bench --only queue_throughput 2> bench.err
    kill -INT %1
    perf script -i sched.data -F comm,pid,tid,cpu,time,event,trace > sched.txt
    python3 bench/tools/sched_windows.py sched.txt bench.err [--timeline 1,4]

`-k CLOCK_MONOTONIC` puts perf's timestamps on the clock of System.nanoTime(), which the bench
prints with every window (`WINDOW <t0 ns> <length ns> <parent pid> <child pids...>`, see
SyncWorkloads.runGroup). Children are named by their order in the group: for queue_throughput
P0..P(n-1) are the producers, the rest the consumers.
"""

import argparse
import collections
import re
import sys

LINE = re.compile(r'^\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:\s+(.*)$')
SWITCH = re.compile(r'prev_comm=(.*?) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)')


def read_trace(path):
    """(time s, cpu, next tid, next comm, prev state) per switch, and tid -> pid."""
    events, pid_of = [], {}
    with open(path, errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            _, pid, tid, cpu, t, rest = m.groups()
            pid_of[int(tid)] = int(pid)
            s = SWITCH.search(rest)
            if s:
                events.append((float(t), int(cpu), int(s.group(5)), s.group(4), s.group(3)))
    return events, pid_of


def read_windows(path):
    out = []
    with open(path, errors='replace') as f:
        for line in f:
            if line.startswith('WINDOW '):
                w = line.split()
                out.append((int(w[1]) / 1e9, int(w[2]) / 1e9, int(w[3]), [int(x) for x in w[4:]]))
    return out


def kind(comm):
    if comm in ('java', 'main'):
        return 'main'
    if comm.startswith('C2 CompilerThre'):
        return 'C2'
    if comm.startswith('C1 CompilerThre'):
        return 'C1'
    return comm[:15]


def who(tid, pid_of, parent, kids):
    if tid == 0:
        return 'idle'
    pid = pid_of.get(tid)
    if pid == parent:
        return 'parent'
    if pid in kids:
        return 'P%d' % kids.index(pid)
    return 'other'


def slices(events, w0, w1):
    """Per cpu: (start, length, tid, comm, state the previous task left in) within [w0, w1)."""
    current, since, out = {}, {}, collections.defaultdict(list)
    for t, cpu, tid, comm, prev_state in events:
        if cpu in current:
            a, b = max(since[cpu], w0), min(t, w1)
            if b > a:
                out[cpu].append((a, b - a, current[cpu][0], current[cpu][1], prev_state))
        current[cpu], since[cpu] = (tid, comm), t
        if t > w1:
            break
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('trace', help='perf script output (-F comm,pid,tid,cpu,time,event,trace)')
    ap.add_argument('windows', help="the bench's stderr, with its WINDOW lines")
    ap.add_argument('--timeline', help='comma-separated window numbers to print per core')
    args = ap.parse_args()
    events, pid_of = read_trace(args.trace)
    windows = read_windows(args.windows)
    if not windows:
        sys.exit('no WINDOW lines in %s (run the bench with -Dmp4j.bench.windows=true)' % args.windows)
    show = {int(x) for x in args.timeline.split(',')} if args.timeline else set()
    for i, (w0, dt, parent, kids) in enumerate(windows):
        ran = collections.Counter()
        per_cpu = slices(events, w0, w0 + dt)
        for cpu_slices in per_cpu.values():
            for _, length, tid, comm, _ in cpu_slices:
                role = who(tid, pid_of, parent, kids)
                ran[role if role in ('idle', 'other') else role + '.' + kind(comm)] += length
        print('window %2d: %d children, %6.1f ms | %s' % (i, len(kids), dt * 1e3, ' '.join(
            '%s=%.1f' % (k, v * 1e3) for k, v in sorted(ran.items()) if v >= 0.3e-3)))
        if i in show:
            for cpu in sorted(per_cpu):
                parts = []
                for a, length, tid, comm, state in per_cpu[cpu]:
                    if length < 0.25e-3:
                        continue
                    role = who(tid, pid_of, parent, kids)
                    name = role if role in ('idle', 'other') else role + '.' + kind(comm)
                    left = '' if state.startswith('R') else '(%s)' % state  # how it left: R preempted, S slept
                    parts.append('%.1f+%.1f %s%s' % ((a - w0) * 1e3, length * 1e3, name, left))
                print('    cpu%d: %s' % (cpu, '  '.join(parts)))


if __name__ == '__main__':
    main()
