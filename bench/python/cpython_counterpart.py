#!/usr/bin/env python3
"""CPython's side of multiprocessing4j's benchmark workloads.

Written from the specification in ../shared/bench/python/README.md (the anchor's README): same
workload names, parameters, sizes, warm-up-then-repeats structure (the value is the median),
checks and JSON schema.  `./mp4j bench --vs-python` runs it right after our own workloads, in the
same invocation, and prints the ratios.  Standard library only.

    python3 cpython_counterpart.py [--quick] [--only a,b] [--json FILE] [--list]

Workloads are added here as the Java side gains them; each function below names the README row
it implements.
"""
import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import threading
import time
import traceback

perf = time.perf_counter

SIZES = {
    'full': {'repeats': 7, 'limit': 300, 'start_samples': {'fork': 60, 'forkserver': 40, 'spawn': 25},
             'lock_n': 5000000, 'lock_k': 500000, 'value_k': 250000, 'array_n': 1000000, 'array_bulk_repeats': 25,
             'subprocess_n': 200, 'pipe_rt_n': 20000, 'pipe_bw': [(1 << 20, 500), (64 << 20, 8)], 'queue_n': 200000,
             'queue_lat_n': 10000, 'jq_n': 200000, 'mgr_n': 10000},
    'quick': {'repeats': 3, 'limit': 120, 'start_samples': {'fork': 15, 'forkserver': 10, 'spawn': 6},
              'lock_n': 1000000, 'lock_k': 200000, 'value_k': 100000, 'array_n': 1000000, 'array_bulk_repeats': 7,
              'subprocess_n': 50, 'pipe_rt_n': 5000, 'pipe_bw': [(1 << 20, 100), (64 << 20, 2)], 'queue_n': 50000,
              'queue_lat_n': 2000, 'jq_n': 50000, 'mgr_n': 2000},
}


class CheckFailed(RuntimeError):
    pass


def _empty():
    pass


def _median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def result(workload, params, unit, better, samples):
    if len(samples) < 3 or any(not (x > 0) for x in samples):
        raise CheckFailed('%s: bad samples %r' % (workload, samples))
    med = _median(samples)
    return {'workload': workload, 'parameters': params, 'unit': unit, 'better': better, 'value': med,
            'repeats': len(samples), 'min': min(samples), 'median': med, 'max': max(samples),
            'samples': list(samples)}


def process_start_join(cfg):
    """README row process_start_join: Process(target=empty), start(), join(); one process per
    sample; 3 untimed warm-up processes per start method (they also start the fork server)."""
    out = []
    for method in [m for m in ('fork', 'forkserver', 'spawn') if m in mp.get_all_start_methods()]:
        ctx = mp.get_context(method)

        def one():
            t0 = perf()
            p = ctx.Process(target=_empty)
            p.start()
            p.join()
            dt = perf() - t0
            if p.exitcode != 0:
                raise CheckFailed('process exit code %r' % p.exitcode)
            p.close()
            return dt * 1e3

        for _ in range(3):
            one()
        samples = [one() for _ in range(cfg['start_samples'][method])]
        out.append(result('process_start_join', {'start_method': method}, 'ms/process', 'lower', samples))
    return out


def _warm_then_repeat(fn, size, repeats):
    fn(max(size // 10, 1000))
    return [fn(size) for _ in range(repeats)]


def lock_uncontended(cfg):
    """README row lock_uncontended: acquire(); release() in one process, ns per pair."""
    lock = mp.Lock()

    def run(k):
        t0 = perf()
        for _ in range(k):
            lock.acquire()
            lock.release()
        dt = perf() - t0
        if not lock.acquire(False) or lock.acquire(False):
            raise CheckFailed('lock_uncontended: lock state wrong after the loop')
        lock.release()
        return dt / k * 1e9

    return [result('lock_uncontended', {'pairs': cfg['lock_n']}, 'ns/pair', 'lower',
                   _warm_then_repeat(run, cfg['lock_n'], cfg['repeats']))]


def _group(children):
    """Starts children that each take (ready, go, done) first; times go -> all done."""
    ready, go, done = mp.Semaphore(0), mp.Semaphore(0), mp.Semaphore(0)
    procs = [mp.Process(target=fn, args=(ready, go, done) + args) for fn, args in children]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    t0 = perf()
    for _ in procs:
        go.release()
    for _ in procs:
        done.acquire()
    dt = perf() - t0
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise CheckFailed('child exit code %r' % p.exitcode)
    return dt


def _lock_inc(ready, go, done, lock, counter, k):
    ready.release()
    go.acquire()
    for _ in range(k):
        lock.acquire()
        counter.value += 1
        lock.release()
    done.release()


def _value_inc(ready, go, done, v, k):
    ready.release()
    go.acquire()
    for _ in range(k):
        with v.get_lock():
            v.value += 1
    done.release()


def lock_contended(cfg):
    """README row lock_contended: 2 processes x K lock-protected increments of a raw Value, ops/s."""
    def run(k):
        lock, counter = mp.Lock(), mp.Value('i', 0, lock=False)
        dt = _group([(_lock_inc, (lock, counter, k))] * 2)
        if counter.value != 2 * k:
            raise CheckFailed('lock_contended: %d, expected %d' % (counter.value, 2 * k))
        return 2 * k / dt

    return [result('lock_contended', {'processes': 2, 'ops_per_process': cfg['lock_k']}, 'ops/s', 'higher',
                   _warm_then_repeat(run, cfg['lock_k'], cfg['repeats']))]


def value_increment(cfg):
    """README row value_increment: 2 processes x K `with v.get_lock(): v.value += 1`, ops/s."""
    def run(k):
        v = mp.Value('i', 0)
        dt = _group([(_value_inc, (v, k))] * 2)
        if v.value != 2 * k:
            raise CheckFailed('value_increment: %d, expected %d' % (v.value, 2 * k))
        return 2 * k / dt

    return [result('value_increment', {'processes': 2, 'increments_per_process': cfg['value_k'], 'typecode': 'i'},
                   'ops/s', 'higher', _warm_then_repeat(run, cfg['value_k'], cfg['repeats']))]


def _fill(ready, go, done, cmd, kind, target, n, bulk):
    import array
    if kind == 'array':
        raw = memoryview(target).cast('B')
        elem = target
    else:
        from multiprocessing import shared_memory
        shm = shared_memory.SharedMemory(name=target)
        raw = shm.buf[:n * 8]
        elem = raw.cast('d')
    sources = [memoryview(array.array('d', [i + off for i in range(n)])).cast('B') for off in (0.0, 0.5)] if bulk else None
    ready.release()
    while True:
        go.acquire()
        r = cmd.value
        if r < 0:
            break
        if bulk:
            raw[:] = sources[r & 1]
        else:
            off = 0.5 if r & 1 else 0.0
            for i in range(n):
                elem[i] = i + off
        done.release()
    if kind != 'array':
        elem.release()
        raw.release()
        shm.close()


def _shared_buffer(cfg, kind):
    n = cfg['array_n']
    nb = n * 8
    base = n * (n - 1) / 2.0
    out = []
    for access in ('bulk', 'element'):
        bulk = access == 'bulk'
        ready, go, done, cmd = mp.Semaphore(0), mp.Semaphore(0), mp.Semaphore(0), mp.Value('i', 0, lock=False)
        shm = None
        if kind == 'array':
            target = mp.Array('d', n, lock=False)
            view = memoryview(target).cast('B')
            elem = target
            arg = target
        else:
            from multiprocessing import shared_memory
            shm = shared_memory.SharedMemory(create=True, size=nb)
            view = shm.buf[:nb]
            elem = view.cast('d')
            arg = shm.name
        p = mp.Process(target=_fill, args=(ready, go, done, cmd, kind, arg, n, bulk))
        p.start()
        ready.acquire()
        buf = bytearray(nb)
        bv = memoryview(buf)
        bd = bv.cast('d')
        counter = [0]

        def one():
            r = counter[0]
            counter[0] += 1
            off = 0.5 if r & 1 else 0.0
            t0 = perf()
            cmd.value = r
            go.release()
            done.acquire()
            if bulk:
                bv[:] = view
                dt = perf() - t0
                total = sum(bd)
            else:
                total = 0.0
                for i in range(n):
                    total += elem[i]
                dt = perf() - t0
            if total != base + off * n:
                raise CheckFailed('%s %s: sum %r, expected %r' % (kind, access, total, base + off * n))
            return nb / dt / 1e6

        one()
        one()
        samples = [one() for _ in range(cfg['array_bulk_repeats'] if bulk else cfg['repeats'])]
        cmd.value = -1
        go.release()
        p.join()
        bd.release()
        bv.release()
        if kind != 'array':
            elem.release()
            view.release()
            shm.close()
            shm.unlink()
        else:
            view.release()
        params = {'doubles': n, 'bytes': nb, 'access': access}
        if kind == 'array':
            params['lock'] = False
        out.append(result('array_write' if kind == 'array' else 'shared_memory', params, 'MB/s', 'higher', samples))
    return out


def array_write(cfg):
    """README row array_write: Array('d', n, lock=False) filled by a child, read by the parent."""
    return _shared_buffer(cfg, 'array')


def shared_memory(cfg):
    """README row shared_memory: the same protocol on shared_memory.SharedMemory."""
    return _shared_buffer(cfg, 'shm')


def subprocess_run(cfg):
    """README row subprocess_run: N x subprocess.run(['true'], capture_output=True), ms per run."""
    import subprocess

    def run(k):
        t0 = perf()
        for _ in range(k):
            if subprocess.run(['true'], capture_output=True).returncode != 0:
                raise CheckFailed('subprocess_run: true failed')
        return (perf() - t0) / k * 1e3

    n = cfg['subprocess_n']
    run(max(n // 10, 5))
    return [result('subprocess_run', {'runs': n, 'command': 'true', 'capture_output': True}, 'ms/run', 'lower',
                   [run(n) for _ in range(cfg['repeats'])])]


def _pipe_echo(ready, conn, report):
    ready.release()
    n = 0
    while True:
        x = conn.recv()
        if x is None:
            break
        conn.send(x + 1)
        n += 1
    report.value = n


def pipe_roundtrip(cfg):
    """README row pipe_roundtrip: send int i over a duplex Pipe, the child replies i + 1; us per round trip."""
    n = cfg['pipe_rt_n']
    ready, report = mp.Semaphore(0), mp.Value('q', 0)
    c, child_end = mp.Pipe()
    p = mp.Process(target=_pipe_echo, args=(ready, child_end, report))
    p.start()
    ready.acquire()
    done = [0]

    def run(k):
        t0 = perf()
        for i in range(k):
            c.send(i)
            if c.recv() != i + 1:
                raise CheckFailed('pipe_roundtrip: bad reply')
        dt = perf() - t0
        done[0] += k
        return dt / k * 1e6

    run(max(n // 10, 100))
    samples = [run(n) for _ in range(cfg['repeats'])]
    c.send(None)
    p.join()
    if report.value != done[0]:
        raise CheckFailed('pipe_roundtrip: child echoed %d, expected %d' % (report.value, done[0]))
    return [result('pipe_roundtrip', {'round_trips': n, 'message': 'int'}, 'us/roundtrip', 'lower', samples)]


def _pipe_sink(ready, conn, report):
    import zlib
    ready.release()
    n = 0
    while True:
        b = conn.recv_bytes()
        if b[0] == 0x44:
            conn.send((len(b), b[1:9], b[-8:]))
            n += 1
        elif b[0] == 0x56:
            conn.send((len(b), zlib.crc32(b)))
        elif b[0] == 0x51:
            break
        else:
            raise CheckFailed('bad command byte %r' % b[0])
    report.value = n


def _payload(size, cmd, marker, fill):
    buf = bytearray(fill[:size])
    buf[0] = cmd
    m = marker.to_bytes(8, 'little')
    buf[1:9] = m
    buf[-8:] = m
    return bytes(buf)


def pipe_bytes_bandwidth(cfg):
    """README row pipe_bytes_bandwidth: send_bytes, the child acks each message (length, markers); MB/s."""
    import zlib
    ready, report = mp.Semaphore(0), mp.Value('q', 0)
    c, child_end = mp.Pipe()
    p = mp.Process(target=_pipe_sink, args=(ready, child_end, report))
    p.start()
    ready.acquire()
    max_size = max(size for size, _ in cfg['pipe_bw'])
    fill = os.urandom(65536) * (max_size // 65536 + 1)
    out, sent = [], [0]
    for size, k in cfg['pipe_bw']:
        payloads = [_payload(size, 0x44, m, fill) for m in (1, 2)]
        expect = [(size, m.to_bytes(8, 'little'), m.to_bytes(8, 'little')) for m in (1, 2)]
        vp = _payload(size, 0x56, 7, fill)
        c.send_bytes(vp)
        if c.recv() != (size, zlib.crc32(vp)):
            raise CheckFailed('pipe_bytes_bandwidth: crc mismatch for %d bytes' % size)
        del vp

        def run(kk):
            t0 = perf()
            for i in range(kk):
                c.send_bytes(payloads[i & 1])
                if c.recv() != expect[i & 1]:
                    raise CheckFailed('pipe_bytes_bandwidth: bad ack')
            dt = perf() - t0
            sent[0] += kk
            return kk * size / dt / 1e6

        run(max(1, k // 4))
        out.append(result('pipe_bytes_bandwidth', {'message_bytes': size, 'messages_per_repeat': k,
                                                   'ack': 'per message'}, 'MB/s', 'higher',
                          [run(k) for _ in range(cfg['repeats'])]))
    c.send_bytes(b'Q')
    p.join()
    if report.value != sent[0]:
        raise CheckFailed('pipe_bytes_bandwidth: child saw %d, expected %d' % (report.value, sent[0]))
    return out


def _producer(ready, go, done, q, start, stop, step, sentinels, report, slot):
    ready.release()
    go.acquire()
    n = 0
    for i in range(start, stop, step):
        q.put(i)
        n += 1
    for _ in range(sentinels):
        q.put(None)
    report[2 * slot] = n
    done.release()


def _consumer(ready, go, done, q, sentinels, report, slot):
    ready.release()
    go.acquire()
    count = total = seen = 0
    while True:
        x = q.get()
        if x is None:
            seen += 1
            if seen == sentinels:
                break
            continue
        count += 1
        total += x
    report[2 * slot] = count
    report[2 * slot + 1] = total
    done.release()


def queue_throughput(cfg):
    """README row queue_throughput: P producers put range(p, N, P) and C sentinels, C consumers; msgs/s."""
    out = []
    for qtype in ('Queue', 'SimpleQueue'):
        for pc in (1, 2):
            def run(n):
                q = mp.Queue() if qtype == 'Queue' else mp.SimpleQueue()
                report = mp.Array('q', 4 * pc, lock=False)
                children = [(_producer, (q, p, n, pc, pc, report, p)) for p in range(pc)]
                children += [(_consumer, (q, pc, report, pc + c)) for c in range(pc)]
                dt = _group(children)
                put = sum(report[2 * p] for p in range(pc))
                count = sum(report[2 * c] for c in range(pc, 2 * pc))
                total = sum(report[2 * c + 1] for c in range(pc, 2 * pc))
                if put != n or count != n or total != n * (n - 1) // 2:
                    raise CheckFailed('%s: put %d, consumed %d, checksum %d' % (qtype, put, count, total))
                q.close()
                return n / dt

            out.append(result('queue_throughput', {'queue_type': qtype, 'producers': pc, 'consumers': pc,
                                                   'messages': cfg['queue_n'], 'message': 'int'}, 'msgs/s', 'higher',
                              _warm_then_repeat(run, cfg['queue_n'], cfg['repeats'])))
    return out


def _queue_echo(ready, q_in, q_out, report):
    ready.release()
    n = 0
    while True:
        x = q_in.get()
        if x is None:
            break
        q_out.put(x + 1)
        n += 1
    report.value = n


def queue_latency(cfg):
    """README row queue_latency: ping-pong over two Queues; us per round trip."""
    n = cfg['queue_lat_n']
    ready, report = mp.Semaphore(0), mp.Value('q', 0)
    q_in, q_out = mp.Queue(), mp.Queue()
    p = mp.Process(target=_queue_echo, args=(ready, q_in, q_out, report))
    p.start()
    ready.acquire()
    done = [0]

    def run(k):
        t0 = perf()
        for i in range(k):
            q_in.put(i)
            if q_out.get() != i + 1:
                raise CheckFailed('queue_latency: bad reply')
        dt = perf() - t0
        done[0] += k
        return dt / k * 1e6

    run(max(n // 10, 100))
    samples = [run(n) for _ in range(cfg['repeats'])]
    q_in.put(None)
    p.join()
    if report.value != done[0]:
        raise CheckFailed('queue_latency: child echoed %d, expected %d' % (report.value, done[0]))
    return [result('queue_latency', {'round_trips': n, 'message': 'int', 'queue_type': 'Queue'}, 'us/roundtrip',
                   'lower', samples)]


def _jq_consumer(ready, q, report, slot):
    ready.release()
    count = total = 0
    while True:
        x = q.get()
        if x is None:
            q.task_done()
            break
        count += 1
        total += x
        q.task_done()
    report[2 * slot] = count
    report[2 * slot + 1] = total


def joinable_queue(cfg):
    """README row joinable_queue: the parent puts N ints, 2 consumers get and task_done; items/s to join()."""
    def run(n):
        q = mp.JoinableQueue()
        ready, report = mp.Semaphore(0), mp.Array('q', 4, lock=False)
        procs = [mp.Process(target=_jq_consumer, args=(ready, q, report, c)) for c in range(2)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        t0 = perf()
        for i in range(n):
            q.put(i)
        q.join()
        dt = perf() - t0
        for _ in procs:
            q.put(None)
        for p in procs:
            p.join()
        count = report[0] + report[2]
        total = report[1] + report[3]
        if count != n or total != n * (n - 1) // 2:
            raise CheckFailed('joinable_queue: consumed %d, checksum %d' % (count, total))
        q.close()
        return n / dt

    return [result('joinable_queue', {'items': cfg['jq_n'], 'consumers': 2, 'producer': 'parent', 'message': 'int'},
                   'items/s', 'higher', _warm_then_repeat(run, cfg['jq_n'], cfg['repeats']))]


def _mgr_dict(ready, go, done, d, k, nkeys, report):
    d['warm'] = 0                       # connect to the manager (untimed)
    if d['warm'] != 0:
        raise CheckFailed('manager dict warm-up')
    ready.release()
    go.acquire()
    for i in range(k):
        key = i % nkeys
        d[key] = i
        if d[key] != i:
            raise CheckFailed('manager dict returned a wrong value')
    report.value = k
    done.release()


def _mgr_queue(ready, go, done, q, k, report):
    q.put(-1)                           # connect to the manager (untimed)
    if q.get() != -1:
        raise CheckFailed('manager queue warm-up')
    ready.release()
    go.acquire()
    for i in range(k):
        q.put(i)
        if q.get() != i:
            raise CheckFailed('manager queue returned a wrong value')
    report.value = k
    done.release()


def _manager_rows(cfg, name, params, make, child):
    n = cfg['mgr_n']
    with mp.Manager() as m:
        obj = make(m)
        report = mp.Value('q', 0, lock=False)

        def run(k):
            report.value = -1
            dt = _group([(child, (obj, k) + (() if child is _mgr_queue else (100,)) + (report,))])
            if report.value != k:
                raise CheckFailed('%s: child count %d, expected %d' % (name, report.value, k))
            return dt / (2 * k) * 1e6

        run(max(n // 10, 100))
        samples = [run(n) for _ in range(cfg['repeats'])]
        if child is _mgr_dict:
            snap = obj.copy()
            if len(snap) != 101 or any(snap[key] != key + 100 * ((n - 1 - key) // 100) for key in range(100)):
                raise CheckFailed('manager_dict_ops: final contents wrong')
        elif obj.qsize() != 0:
            raise CheckFailed('manager_queue: queue not empty at end')
    return [result(name, params, 'us/op', 'lower', samples)]


def manager_dict_ops(cfg):
    """README row manager_dict_ops: a child does N x d[i % 100] = i, then reads it back; us per op."""
    return _manager_rows(cfg, 'manager_dict_ops', {'set_get_pairs': cfg['mgr_n'], 'keys': 100, 'value': 'int',
                                                   'op': 'one set or one get'}, lambda m: m.dict(), _mgr_dict)


def manager_queue(cfg):
    """README row manager_queue: a child does N x q.put(i), then q.get(); us per op."""
    return _manager_rows(cfg, 'manager_queue', {'put_get_pairs': cfg['mgr_n'], 'value': 'int',
                                                'op': 'one put or one get'}, lambda m: m.Queue(), _mgr_queue)


WORKLOADS = {
    'process_start_join': process_start_join,
    'pipe_roundtrip': pipe_roundtrip,
    'pipe_bytes_bandwidth': pipe_bytes_bandwidth,
    'queue_throughput': queue_throughput,
    'queue_latency': queue_latency,
    'joinable_queue': joinable_queue,
    'lock_uncontended': lock_uncontended,
    'lock_contended': lock_contended,
    'value_increment': value_increment,
    'array_write': array_write,
    'shared_memory': shared_memory,
    'subprocess_run': subprocess_run,
    'manager_dict_ops': manager_dict_ops,
    'manager_queue': manager_queue,
}


def environment():
    env = {'python_version': platform.python_version(), 'python_implementation': platform.python_implementation(),
           'platform': platform.platform(), 'cpu_count': os.cpu_count(),
           'workload_start_method': mp.get_start_method(), 'available_start_methods': mp.get_all_start_methods()}
    try:
        env['usable_cpus'] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        env['usable_cpus'] = None
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    env['cpu_model'] = line.split(':', 1)[1].strip()
                    break
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal:'):
                    env['mem_total_kib'] = int(line.split()[1])
                    break
    except OSError:
        pass
    return env


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--only', default='')
    ap.add_argument('--json')
    ap.add_argument('--list', action='store_true')
    a = ap.parse_args()
    if a.list:
        print('\n'.join(WORKLOADS))
        return 0
    names = [n.strip() for n in a.only.split(',') if n.strip()] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        ap.error('unknown workload(s): %s' % ', '.join(unknown))
    mode = 'quick' if a.quick else 'full'
    cfg = SIZES[mode]
    env = environment()
    env['loadavg_start'] = loadavg()
    results, failures = [], []
    t_start = perf()
    for name in names:
        sys.stderr.write('[%7.1fs] cpython %s ...\n' % (perf() - t_start, name))
        timer = threading.Timer(cfg['limit'], lambda: (sys.stderr.write('FATAL: %s timed out\n' % name),
                                                       [p.kill() for p in mp.active_children()], os._exit(3)))
        timer.daemon = True
        timer.start()
        t0 = perf()
        try:
            for r in WORKLOADS[name](cfg):
                r['workload_seconds'] = round(perf() - t0, 2)
                results.append(r)
                sys.stderr.write('           %-22s %-40s median %.4g %s\n' % (
                    r['workload'], ' '.join('%s=%s' % kv for kv in r['parameters'].items()), r['median'], r['unit']))
        except Exception:
            failures.append({'workload': name, 'error': traceback.format_exc()})
            sys.stderr.write('FAILED: %s\n%s\n' % (name, failures[-1]['error']))
        finally:
            timer.cancel()
    env['loadavg_end'] = loadavg()
    doc = {'schema_version': 1, 'benchmark': 'mp4j_cpython_counterpart', 'mode': mode,
           'timestamp_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
           'total_seconds': round(perf() - t_start, 2), 'environment': env, 'results': results, 'failures': failures}
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(doc, f, indent=2)
            f.write('\n')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
