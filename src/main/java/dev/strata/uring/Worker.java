package dev.strata.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread with its own ring (created on it) and an eventfd watched by one
 * multishot POLL_ADD. Posting = enqueue, then write the eventfd; the worker drains its inbox,
 * reaps every completion, then blocks in io_uring_enter with min_complete = 1. Nothing spins.
 * A task's {@link Wakeup} goes through a second, lock-free queue: the first wake of a batch
 * enqueues it and, unless the worker is already signalled, writes the eventfd.
 */
final class Worker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    static final long WATCH = 0; // token 0 is the worker's own eventfd watcher
    static final int MAX_TASKS = 0xfffe;

    sealed interface Message {}
    record Add(RingTask task, CompletableFuture<Long> started) implements Message {}
    record Remove(RingTask task, CompletableFuture<Void> removed) implements Message {}
    record Shutdown() implements Message {}

    private final int index;
    private final RingOptions options;
    private final long idleTimeoutNanos;
    private final boolean spin;
    private final ConcurrentLinkedQueue<Message> inbox = new ConcurrentLinkedQueue<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final RingTask[] tasks = new RingTask[MAX_TASKS + 1];
    private final boolean[] draining = new boolean[MAX_TASKS + 1];
    private final ConcurrentLinkedQueue<Wakeup> wakes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean signalled = new AtomicBoolean();
    private volatile int eventFd = -1;
    private volatile RuntimeException failed;
    private volatile long threadId;
    private volatile String setupPath;
    private final Arena postArena = Arena.ofShared();
    private final Syscalls postSys = new Syscalls(postArena);
    private final MemorySegment one = postArena.allocate(8);
    private volatile int hosted;
    Thread thread;

    Worker(int index, RingOptions options, long idleTimeoutNanos, boolean spin) {
        this.index = index;
        this.options = options;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.spin = spin;
        one.set(ValueLayout.JAVA_LONG, 0, 1);
    }

    void awaitReady() throws InterruptedException {
        ready.await();
        if (failed != null) throw failed;
    }

    long threadId() {
        return threadId;
    }

    String setupPath() {
        return setupPath;
    }

    int hosted() {
        return hosted;
    }

    /** Enqueue first, then wake: a wake-up is never lost (the eventfd counter accumulates). */
    synchronized void post(Message m) {
        if (eventFd < 0) throw new IllegalStateException("worker " + index + " has stopped");
        inbox.add(m);
        postSys.write(eventFd, one, 8);
    }

    /** A task's wake-up (any thread): queued, then one eventfd write unless one is pending. */
    void wake(Wakeup w) {
        wakes.add(w);
        if (signalled.get() || !signalled.compareAndSet(false, true)) return;
        synchronized (this) {
            if (eventFd >= 0) postSys.write(eventFd, one, 8);
        }
    }

    @Override
    public void run() {
        threadId = Thread.currentThread().threadId();
        Ring ring;
        try {
            ring = Ring.open(options);
            eventFd = ring.syscalls().eventfd(0, Syscalls.EFD_CLOEXEC | Syscalls.EFD_NONBLOCK);
            setupPath = ring.describeSetup();
        } catch (RuntimeException e) {
            failed = e;
            ready.countDown();
            return;
        }
        MemorySegment drain = ring.arena().allocate(8);
        ring.pollAdd(eventFd, IoUringSqe.POLLIN, true, WATCH);
        ready.countDown();
        try {
            loop(ring, drain);
        } catch (RuntimeException e) {
            log.atError().setMessage("worker failed").addKeyValue("worker", index).setCause(e).log();
        } finally {
            for (int i = 1; i <= MAX_TASKS; i++) if (tasks[i] != null && !draining[i]) stopQuietly(ring, tasks[i]);
            int fd = eventFd;
            synchronized (this) {
                eventFd = -1;
            }
            for (Message m; (m = inbox.poll()) != null; ) {
                if (m instanceof Add a) a.started().completeExceptionally(new IllegalStateException("worker " + index + " stopped"));
                if (m instanceof Remove r) r.removed().complete(null);
            }
            ring.syscalls().close(fd);
            ring.close();
            postArena.close();
        }
    }

    private void loop(Ring ring, MemorySegment drain) {
        boolean[] rearm = new boolean[1];
        Ring.Completion dispatch = (userData, res, flags) -> {
            long token = RingTask.tokenOf(userData);
            if (token == WATCH) {
                while (ring.syscalls().read(eventFd, drain, 8) == 8) { }
                if ((flags & IoUringCqe.IORING_CQE_F_MORE) == 0) rearm[0] = true;
                return;
            }
            int slot = (int) (token >>> 48);
            RingTask t = tasks[slot];
            if (t != null) {
                t.complete(ring, userData, res, flags);
                if (draining[slot]) freeIfDrained(slot);
            }
        };
        while (true) {
            if (!drainInbox(ring)) return;
            drainWakes(ring);
            if (rearm[0]) {
                rearm[0] = false;
                ring.pollAdd(eventFd, IoUringSqe.POLLIN, true, WATCH);
            }
            if (ring.cqReady() == 0) {
                if (spin) ring.submitAndWait(0, 0);
                else ring.submitAndWait(1, idleTimeoutNanos);
            } else {
                ring.submit();
            }
            ring.reap(dispatch);
        }
    }

    /** Applies every posted message; false once asked to shut down. */
    private boolean drainInbox(Ring ring) {
        for (Message m; (m = inbox.poll()) != null; ) {
            switch (m) {
                case Add a -> add(ring, a);
                case Remove r -> {
                    for (int i = 1; i <= MAX_TASKS; i++) {
                        if (tasks[i] == r.task() && !draining[i]) {
                            hosted--;
                            draining[i] = true;
                            stopQuietly(ring, r.task());
                            freeIfDrained(i);
                        }
                    }
                    r.removed().complete(null);
                }
                case Shutdown s -> {
                    return false;
                }
            }
        }
        return true;
    }

    /** Runs the woken tasks; the signal clears first, so a wake after this look signals again. */
    private void drainWakes(Ring ring) {
        signalled.set(false);
        for (Wakeup w; (w = wakes.poll()) != null; ) {
            if (tasks[w.slot] != w.task) continue; // removed and drained: dropped
            try {
                w.run(ring);
            } catch (RuntimeException e) {
                log.atWarn().setMessage("task failed on wake-up").addKeyValue("worker", index).setCause(e).log();
            }
            if (draining[w.slot]) freeIfDrained(w.slot);
        }
    }

    /** A stopped task's slot is reused only once nothing of it is in flight. */
    private void freeIfDrained(int slot) {
        boolean done;
        try {
            done = tasks[slot].drained();
        } catch (RuntimeException e) {
            done = true;
        }
        if (done) {
            tasks[slot] = null;
            draining[slot] = false;
        }
    }

    private void add(Ring ring, Add a) {
        for (int i = 1; i <= MAX_TASKS; i++) {
            if (tasks[i] == null) {
                tasks[i] = a.task();
                hosted++;
                long token = (long) i << 48;
                try {
                    a.task().attach(new Wakeup(this, a.task(), i));
                    a.task().start(ring, token);
                    a.started().complete(token);
                } catch (RuntimeException e) {
                    tasks[i] = null;
                    hosted--;
                    a.started().completeExceptionally(e);
                }
                return;
            }
        }
        a.started().completeExceptionally(new IllegalStateException("worker " + index + " hosts " + MAX_TASKS + " tasks already"));
    }

    private void stopQuietly(Ring ring, RingTask task) {
        try {
            task.stop(ring);
        } catch (RuntimeException e) {
            log.atWarn().setMessage("task failed to stop").addKeyValue("worker", index).setCause(e).log();
        }
    }
}
