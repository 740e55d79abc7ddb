"""Python's tracemalloc on the seed's list workload, for comparison with bench/run.mjs.

Usage: python3 bench/python_tracemalloc.py '{"nframe": null|1|25, "workload": "keep"|"churn",
"warmup": 2, "reps": 7,
"snapshotReps": 3}'. Run once per variant in a fresh process; prints one line of JSON.
"""
import gc
import json
import sys
import time
import tracemalloc

N = 15000


def keep():
    objs = [{'n': n} for n in range(N)]
    strs = ['s' + str(n) for n in range(N)]
    arrs = [[n, n * n] for n in range(N)]
    return objs, strs, arrs


def churn():
    sink = None
    for n in range(N):
        sink = {'n': n}
        sink = 's' + str(n)
        sink = [n, n * n]
    return sink


def main():
    args = json.loads(sys.argv[1])
    fn = {'keep': keep, 'churn': churn}[args['workload']]
    nframe = args['nframe']
    for _ in range(args['warmup']):
        fn()
    gc.collect()
    if nframe is not None:
        tracemalloc.start(nframe)
    run_ms, snapshot_ms = [], []
    for _ in range(args['reps']):
        if nframe is not None:
            tracemalloc.clear_traces()  # untimed, as clearTraces() is on the Node side
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        run_ms.append((time.perf_counter() - t0) * 1000)
        del result  # frees are left out of the timing, as GC is on the Node side
    # snapshots are timed apart, after the runs, as on the Node side
    for _ in range(args.get('snapshotReps', 0) if nframe is not None else 0):
        tracemalloc.clear_traces()
        gc.collect()
        result = fn()
        t0 = time.perf_counter()
        tracemalloc.take_snapshot()
        snapshot_ms.append((time.perf_counter() - t0) * 1000)
        del result
    tracemalloc.stop()
    print(json.dumps({'runMs': run_ms, 'snapshotMs': snapshot_ms, 'python': sys.version.split()[0]}))


if __name__ == '__main__':
    main()
