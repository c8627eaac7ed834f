package org.multiprocessing4j.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.spi.exception.RetryableException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.multiprocessing4j.RemoteTaskException;
import org.multiprocessing4j.Task;
import org.multiprocessing4j.Task1;
import org.multiprocessing4j.Task2;
import org.multiprocessing4j.WorkerLostException;

/**
 * A pool whose workers are the cluster's members (CPython's {@code Pool}, spread over machines):
 * each task goes to the next member in turn and runs on one of its task threads
 * ({@link ClusterConfig#taskThreads()}).
 *
 * <pre>{@code
 * try (ClusterContext ctx = ClusterContext.connect(config)) {
 *     List<Long> pids = ctx.pool().map(Demo::whoRuns, List.of(1, 2, 3, 4, 5, 6));
 * }
 * }</pre>
 *
 * <h2>Failover</h2>
 * A task whose member leaves the cluster before it answered (killed, cut off, shut down) runs
 * again on another member, up to {@link #maxAttempts} times in all; then it fails with a
 * {@link WorkerLostException} naming the member's pid. A task whose result was returned is never
 * run again. A task may therefore run more than once when its member died after finishing it
 * but before its answer arrived: tasks with effects outside their result should be idempotent.
 *
 * <h2>Errors</h2>
 * The function and arguments are encoded in the caller, so one that may not cross fails at the
 * call ({@link org.multiprocessing4j.SerializationException}). An exception thrown by the task,
 * or a result that cannot be encoded, comes back as a {@link RemoteTaskException} with the
 * remote class, message and stack trace. The task's class must be on the members' class path
 * (start members with the application's jars; docs/cluster.md).
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class ClusterPool implements AutoCloseable {
    private final Grid grid;
    private final IExecutorService executor;
    private final int maxAttempts;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    ClusterPool(Grid grid, int maxAttempts) {
        this.grid = grid;
        this.executor = grid.hz.getExecutorService(Grid.POOL_EXECUTOR);
        this.maxAttempts = maxAttempts;
    }

    /** How many times a task is started on some member before it fails with {@link WorkerLostException}. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** A pool with another {@link #maxAttempts()} (at least 1). */
    public ClusterPool withMaxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1: " + attempts);
        }
        return new ClusterPool(grid, attempts);
    }

    /** Runs {@code task} on a member. */
    public <R> CompletableFuture<R> submit(Task<R> task) {
        return start(task, List.<Object[]>of(new Object[0]), false);
    }

    /** Runs {@code fn(a)} on a member (CPython: {@code apply_async}). */
    public <A, R> CompletableFuture<R> applyAsync(Task1<A, R> fn, A a) {
        return start(fn, List.<Object[]>of(new Object[] {a}), false);
    }

    /** Runs {@code fn(a, b)} on a member. */
    public <A, B, R> CompletableFuture<R> applyAsync(Task2<A, B, R> fn, A a, B b) {
        return start(fn, List.<Object[]>of(new Object[] {a, b}), false);
    }

    /**
     * Runs {@code fn(a)} on a member and waits for the result (CPython: {@code apply}).
     *
     * @throws RemoteTaskException when the task failed
     * @throws WorkerLostException when every attempt's member left
     */
    public <A, R> R apply(Task1<A, R> fn, A a) throws InterruptedException {
        return join(applyAsync(fn, a));
    }

    /** {@code fn} over {@code items} in order, one task per item (CPython: {@code map}). */
    public <A, R> List<R> map(Task1<A, R> fn, Iterable<? extends A> items) throws InterruptedException {
        return map(fn, items, 1);
    }

    /**
     * {@code fn} over {@code items}, {@code chunksize} items per task, results in order.
     *
     * @throws IllegalArgumentException when chunksize is not positive
     */
    public <A, R> List<R> map(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) throws InterruptedException {
        List<R> out = new ArrayList<>();
        for (CompletableFuture<List<R>> chunk : chunks(fn, items, chunksize)) {
            out.addAll(join(chunk));
        }
        return out;
    }

    /**
     * {@code fn} over {@code items}, results in order as they are needed (CPython: {@code imap});
     * every task is submitted at once. The iterator's {@code next} throws what the task threw
     * ({@link RemoteTaskException}, {@link WorkerLostException}) and
     * {@link java.util.concurrent.CancellationException} when interrupted.
     */
    public <A, R> Iterator<R> imap(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        List<CompletableFuture<List<R>>> chunks = chunks(fn, items, chunksize);
        return new Iterator<>() {
            private int chunk;
            private Iterator<R> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && chunk < chunks.size()) {
                    current = joinUninterruptedly(chunks.get(chunk++)).iterator();
                }
                return current.hasNext();
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** {@code fn} over {@code items}, results in the order they finish (CPython: {@code imap_unordered}). */
    public <A, R> Iterator<R> imapUnordered(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        List<CompletableFuture<List<R>>> chunks = chunks(fn, items, chunksize);
        BlockingQueue<CompletableFuture<List<R>>> done = new LinkedBlockingQueue<>();
        chunks.forEach(c -> c.whenComplete((r, t) -> done.add(c)));
        return new Iterator<>() {
            private int taken;
            private Iterator<R> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && taken < chunks.size()) {
                    try {
                        current = joinUninterruptedly(done.take()).iterator();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.util.concurrent.CancellationException("interrupted while waiting for a result");
                    }
                    taken++;
                }
                return current.hasNext();
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** Refuses new tasks; tasks already submitted run on. */
    @Override
    public void close() {
        closed = true;
    }

    // ---- machinery ----

    private <A, R> List<CompletableFuture<List<R>>> chunks(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        Objects.requireNonNull(fn, "function");
        Objects.requireNonNull(items, "items");
        if (chunksize < 1) {
            throw new IllegalArgumentException("chunksize must be positive: " + chunksize);
        }
        List<List<Object[]>> lists = new ArrayList<>();
        List<Object[]> current = new ArrayList<>();
        for (A a : items) {
            current.add(new Object[] {a});
            if (current.size() == chunksize) {
                lists.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            lists.add(current);
        }
        List<Ops.Call> calls = new ArrayList<>(lists.size());
        for (List<Object[]> l : lists) {
            calls.add(new Ops.Call(grid, fn, l, true)); // encode everything before anything is sent
        }
        List<CompletableFuture<List<R>>> out = new ArrayList<>(calls.size());
        for (Ops.Call c : calls) {
            out.add(send(c));
        }
        return out;
    }

    private <R> CompletableFuture<R> start(Serializable fn, List<Object[]> args, boolean chunk) {
        Objects.requireNonNull(fn, "function");
        return send(new Ops.Call(grid, fn, args, chunk));
    }

    private <R> CompletableFuture<R> send(Ops.Call call) {
        if (closed) {
            throw new IllegalStateException("cluster pool is closed");
        }
        CompletableFuture<R> result = new CompletableFuture<>();
        attempt(call, result, 1, null);
        return result;
    }

    private <R> void attempt(Ops.Call call, CompletableFuture<R> result, int attempt, Member avoid) {
        Member member;
        try {
            member = pick(avoid);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        executor.submitToMember(call, member, new ExecutionCallback<byte[]>() {
            @Override
            @SuppressWarnings("unchecked")
            public void onResponse(byte[] response) {
                try {
                    result.complete((R) Ops.unwrap(grid, response));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void onFailure(Throwable t) {
                Throwable cause = unwrap(t);
                if (memberLost(cause)) {
                    if (attempt < maxAttempts) {
                        attempt(call, result, attempt + 1, member);
                        return;
                    }
                    result.completeExceptionally(new WorkerLostException(pidOf(member), null, "cluster member " + member.getAddress()
                            + " left while running the task (attempt " + attempt + " of " + maxAttempts + "): " + cause));
                    return;
                }
                result.completeExceptionally(cause);
            }
        });
    }

    /**
     * True for the ways a member's loss reaches a caller: its connection closed
     * ({@code TargetDisconnectedException}, seen on SIGKILL), it left ({@code MemberLeftException}),
     * it is no member any more, or it is shutting down.
     */
    static boolean memberLost(Throwable t) {
        return t instanceof RetryableException || t instanceof com.hazelcast.spi.exception.TargetDisconnectedException
                || t instanceof com.hazelcast.core.MemberLeftException
                || t instanceof com.hazelcast.core.HazelcastInstanceNotActiveException;
    }

    /** The next data member in turn, another than {@code avoid} when there is one. */
    private Member pick(Member avoid) {
        List<Member> members = new ArrayList<>();
        for (Member m : grid.hz.getCluster().getMembers()) {
            if (!m.isLiteMember()) {
                members.add(m);
            }
        }
        if (members.isEmpty()) {
            throw new IllegalStateException("the cluster has no member to run tasks");
        }
        if (avoid != null && members.size() > 1) {
            members.removeIf(m -> m.getUuid().equals(avoid.getUuid()));
        }
        return members.get(Math.floorMod(next.getAndIncrement(), members.size()));
    }

    static long pidOf(Member m) {
        String pid = m.getAttribute(ClusterMember.PID_ATTRIBUTE);
        try {
            return pid == null ? -1 : Long.parseLong(pid);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <R> R join(CompletableFuture<R> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static <R> R joinUninterruptedly(CompletableFuture<R> f) {
        try {
            return join(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted while waiting for a result");
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new CompletionException(cause);
    }

    @Override
    public String toString() {
        return "ClusterPool[members=" + grid.hz.getCluster().getMembers().size() + ", maxAttempts=" + maxAttempts + "]";
    }
}
