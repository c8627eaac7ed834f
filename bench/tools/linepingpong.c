/*
 * How long this machine takes to pass one cache line between two CPUs and back: two threads
 * bounce a counter through two 64-byte-aligned atomics, N round trips, and the mean round trip
 * (ns) is printed. The threads are not pinned, as the library's processes are not. Run it many
 * times in a row to see how the placement of the vCPUs on the host moves the figure:
 *
 *   gcc -O2 -pthread -o /tmp/linepingpong bench/tools/linepingpong.c
 *   for i in $(seq 80); do /tmp/linepingpong; sleep 0.2; done
 *
 * Measured on the 2-vCPU VM of docs/benchmarks.md (2026-11-25, 80 runs of 500,000 round trips):
 * 37-70 ns in 4 runs, 70-200 ns in 62, 200-300 ns in 3, 300-495 ns in 11.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Alignas(64) atomic_long ping;
static _Alignas(64) atomic_long pong;
static const long N = 500000;

static void *echo(void *unused) {
    (void) unused;
    for (long i = 0; i < N; i++) {
        while (atomic_load_explicit(&ping, memory_order_acquire) != i + 1) {
            __builtin_ia32_pause();
        }
        atomic_store_explicit(&pong, i + 1, memory_order_release);
    }
    return 0;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, 0, echo, 0);
    struct timespec s, e;
    clock_gettime(CLOCK_MONOTONIC, &s);
    for (long i = 0; i < N; i++) {
        atomic_store_explicit(&ping, i + 1, memory_order_release);
        while (atomic_load_explicit(&pong, memory_order_acquire) != i + 1) {
            __builtin_ia32_pause();
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &e);
    pthread_join(t, 0);
    printf("%.1f\n", ((e.tv_sec - s.tv_sec) * 1e9 + (e.tv_nsec - s.tv_nsec)) / N);
    return 0;
}
