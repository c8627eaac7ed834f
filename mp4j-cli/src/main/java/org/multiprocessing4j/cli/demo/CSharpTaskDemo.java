package org.multiprocessing4j.cli.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.LongStream;
import org.multiprocessing4j.CancellationToken;
import org.multiprocessing4j.AsyncResult;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pool;
import org.multiprocessing4j.RetryPolicy;
import org.multiprocessing4j.SharedInt;

/**
 * The C# part of seed 001 (Task and PLINQ), on worker processes. The network calls of the seed
 * are stood in for by tasks that sleep (no network is used).
 *
 * <ul>
 *   <li>{@code csharp-when-all} (1.批量任务, {@code Task.WhenAll}): three "downloads" in a pool; one
 *       result holding all three strings, in order.
 *   <li>{@code csharp-when-any} (2.返回首先完成的Task, {@code Task.WhenAny}): three calls of the same
 *       API, the first answer wins, the others are cancelled.
 *   <li>{@code csharp-timeout-cancel} (3.超时取消, {@code CancelAfter(3s)}): a 5 s operation with a
 *       3 s {@link CancellationToken}; the task is cancelled (interrupted in its worker) and the
 *       demo prints {@code false}, as the seed returns.
 *   <li>{@code csharp-retry} ({@code DownloadStringAsync} with retries): an operation that fails
 *       twice, retried under a {@link RetryPolicy} with an exponential backoff (the seed's 1 s,
 *       2 s, 4 s, here 100, 200, 400 ms).
 *   <li>{@code csharp-parallel-squares} ({@code AsParallel().Select(x => x * x)} and
 *       {@code .AsOrdered()}): {@code imapUnordered} and {@code imap} of the seed's list.
 *   <li>{@code csharp-aggregate} ({@code AsParallel().Sum()} / {@code Aggregate}): the sum of
 *       0..999999, each worker summing a range of it, the parent adding the parts, then the same
 *       with {@link Pool#aggregate}: 499999500000 twice.
 * </ul>
 */
final class CSharpTaskDemo implements Demo {
    enum Variant { WHEN_ALL, WHEN_ANY, TIMEOUT_CANCEL, RETRY, PARALLEL_SQUARES, AGGREGATE }

    private final Variant variant;

    CSharpTaskDemo(Variant variant) {
        this.variant = variant;
    }

    @Override
    public String name() {
        return "csharp-" + variant.name().toLowerCase().replace('_', '-');
    }

    @Override
    public String description() {
        return switch (variant) {
            case WHEN_ALL -> "Task.WhenAll: three tasks in worker processes, one result with all three (seed 001, C#)";
            case WHEN_ANY -> "Task.WhenAny: the first of three answers wins, the others are cancelled (seed 001, C#)";
            case TIMEOUT_CANCEL -> "CancelAfter(3s): a 5 s task times out and is cancelled in its worker (seed 001, C#)";
            case RETRY -> "retry with exponential backoff under a RetryPolicy (seed 001, C#)";
            case PARALLEL_SQUARES -> "AsParallel().Select(x => x * x), unordered and AsOrdered (seed 001, PLINQ)";
            case AGGREGATE -> "AsParallel().Sum() of 0..999999 across workers (seed 001, PLINQ)";
        };
    }

    static String download(String url, Integer millis) throws InterruptedException {
        Thread.sleep(millis);
        return "<html>" + url + " from pid " + Multiprocessing.currentProcess().pid() + "</html>";
    }

    static String doSomething(Integer seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L); // await Task.Delay(TimeSpan.FromSeconds(5), token)
        return "ok";
    }

    static String flaky(SharedInt calls) {
        int n = calls.incrementAndGet();
        System.out.println("attempt " + n + " at " + System.currentTimeMillis() % 100_000 + " ms");
        if (n < 3) {
            throw new IllegalStateException("the server said 503 on attempt " + n);
        }
        return "content on attempt " + n;
    }

    static int square(Integer x) throws InterruptedException {
        Thread.sleep(10L * (10 - x)); // larger items finish first, so the unordered order shows
        return x * x;
    }

    static long sumRange(Long from, Long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += i;
        }
        return s;
    }

    @Override
    public void run() throws Exception {
        switch (variant) {
            case WHEN_ALL -> {
                try (Pool pool = new Pool(3)) {
                    List<AsyncResult<String>> tasks = new ArrayList<>();
                    int i = 0;
                    for (String url : List.of("https://a.example", "https://b.example", "https://c.example")) {
                        tasks.add(pool.applyAsync(CSharpTaskDemo::download, url, 300 - 100 * i++));
                    }
                    List<String> pages = AsyncResult.whenAll(tasks).get(); // return await Task.WhenAll(tasks);
                    pages.forEach(System.out::println);
                }
            }
            case WHEN_ANY -> {
                try (Pool pool = new Pool(3)) {
                    List<AsyncResult<String>> tasks = List.of(pool.applyAsync(CSharpTaskDemo::download, "ip-api-1", 900),
                            pool.applyAsync(CSharpTaskDemo::download, "ip-api-2", 100), pool.applyAsync(CSharpTaskDemo::download, "ip-api-3", 600));
                    String first = AsyncResult.whenAny(tasks).get(); // var task = await Task.WhenAny(tasks);
                    System.out.println("first: " + first);
                    tasks.forEach(t -> t.cancel(true));
                }
            }
            case TIMEOUT_CANCEL -> {
                try (Pool pool = new Pool(1)) {
                    CancellationToken cts = new CancellationToken();  // var cts = new CancellationTokenSource();
                    cts.cancelAfter(Duration.ofSeconds(3));          // cts.CancelAfter(TimeSpan.FromSeconds(3));
                    AsyncResult<String> task = cts.register(pool.applyAsync(CSharpTaskDemo::doSomething, 5));
                    String result;
                    try {
                        result = task.get();                         // return await DoSomethingAsync(cts.Token);
                    } catch (CancellationException ex) {             // catch (TaskCanceledException ex)
                        result = "false";
                    }
                    System.out.println(result + " (cancelled: " + task.isCancelled() + ")");
                }
            }
            case RETRY -> {
                RetryPolicy policy = RetryPolicy.attempts(4).backoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(400))
                        .retryIf(e -> e instanceof IllegalStateException); // catch { } then await Task.Delay(nextDelay)
                try (Pool pool = Pool.builder().processes(1).retry(policy).build()) {
                    SharedInt calls = Multiprocessing.sharedInt(0);
                    System.out.println(pool.apply(CSharpTaskDemo::flaky, calls));
                }
            }
            case PARALLEL_SQUARES -> {
                List<Integer> list = List.of(1, 2, 3, 4, 5, 7, 8, 9);
                try (Pool pool = new Pool(4)) {
                    System.out.println("AsParallel():");
                    pool.imapUnordered(CSharpTaskDemo::square, list).forEachRemaining(System.out::println);
                    System.out.println("AsParallel().AsOrdered():");
                    pool.imap(CSharpTaskDemo::square, list).forEachRemaining(System.out::println);
                }
            }
            case AGGREGATE -> {
                List<Long> list = LongStream.range(0, 1_000_000).boxed().toList();
                try (Pool pool = new Pool()) {
                    long viaRanges = 0; // AsParallel().Sum(): each worker sums a range, the parent adds the parts
                    int parts = pool.processes() * 4;
                    List<Map.Entry<Long, Long>> ranges = new ArrayList<>();
                    for (int p = 0; p < parts; p++) {
                        ranges.add(Map.entry(1_000_000L * p / parts, 1_000_000L * (p + 1) / parts));
                    }
                    for (long part : pool.starmap(CSharpTaskDemo::sumRange, ranges)) {
                        viaRanges += part;
                    }
                    System.out.println(viaRanges);
                    // .Aggregate(seed: 0, func: (sum, item) => sum + item)
                    System.out.println(pool.aggregate(list, 0L, (Long sum, Long item) -> sum + item, Long::sum, 0));
                }
            }
        }
    }
}
