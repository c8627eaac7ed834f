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
    'full': {'repeats': 7, 'limit': 300, 'start_samples': {'fork': 60, 'forkserver': 40, 'spawn': 25}},
    'quick': {'repeats': 3, 'limit': 120, 'start_samples': {'fork': 15, 'forkserver': 10, 'spawn': 6}},
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


WORKLOADS = {
    'process_start_join': process_start_join,
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
