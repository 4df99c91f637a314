package dev.strata.uring;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fixed set of platform threads, each owning its own ring, hosting {@link RingTask}s (ublk
 * queues). An idle worker blocks in io_uring_enter(min_complete = 1) and costs no CPU; it is
 * woken by its eventfd when work is posted. See the package documentation.
 */
public final class WorkerPool implements AutoCloseable {
    /** Where a task runs; pass it back to {@link #remove}. */
    public record Assignment(int worker, RingTask task, long token) {}

    private final List<Worker> workers = new ArrayList<>();

    /** {@code workers} threads with rings of {@code options}; idle waits end every {@code idleTimeoutNanos}. */
    public WorkerPool(int workers, RingOptions options, long idleTimeoutNanos) {
        this(workers, options, idleTimeoutNanos, false);
    }

    /** With {@code spin}, idle workers poll (min_complete = 0): only to show what the idle check catches. */
    WorkerPool(int count, RingOptions options, long idleTimeoutNanos, boolean spin) {
        if (count < 1) throw new IllegalArgumentException("a pool needs at least one worker");
        try {
            for (int i = 0; i < count; i++) {
                Worker w = new Worker(i, options, idleTimeoutNanos, spin);
                w.thread = Thread.ofPlatform().name("strata-ring-" + i).daemon(true).start(w);
                workers.add(w);
                w.awaitReady();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the worker pool", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Hosts {@code task} on the least loaded worker; returns once it has started. */
    public Assignment assign(RingTask task) {
        Worker w = workers.getFirst();
        for (Worker c : workers) if (c.hosted() < w.hosted()) w = c;
        return assign(task, workers.indexOf(w));
    }

    /** Hosts {@code task} on worker {@code index}; returns once it has started. */
    public Assignment assign(RingTask task, int index) {
        CompletableFuture<Long> started = new CompletableFuture<>();
        workers.get(index).post(new Worker.Add(task, started));
        return new Assignment(index, task, started.join());
    }

    /** Removes the task; returns once it has been stopped on its worker. */
    public void remove(Assignment a) {
        CompletableFuture<Void> removed = new CompletableFuture<>();
        workers.get(a.worker()).post(new Worker.Remove(a.task(), removed));
        removed.join();
    }

    public int size() {
        return workers.size();
    }

    /** The worker threads' ids (for CPU accounting). */
    public List<Long> threadIds() {
        return workers.stream().map(Worker::threadId).toList();
    }

    /** Which setup flags each worker's ring got. */
    public List<String> setupPaths() {
        return workers.stream().map(Worker::setupPath).toList();
    }

    /** Stops every worker (their tasks are stopped) and waits for the threads to end. */
    @Override
    public void close() {
        for (Worker w : workers) {
            try {
                w.post(new Worker.Shutdown());
            } catch (IllegalStateException alreadyStopped) {
                // nothing to stop
            }
        }
        for (Worker w : workers) {
            try {
                w.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
