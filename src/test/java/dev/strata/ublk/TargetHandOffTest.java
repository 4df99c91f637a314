package dev.strata.ublk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.uring.Ring;
import dev.strata.uring.RingOptions;
import dev.strata.uring.RingTask;
import dev.strata.uring.WorkerPool;
import dev.strata.uring.Wakeup;
import dev.strata.volume.AsyncBlockTarget.Op;
import dev.strata.volume.AsyncBlockTarget.Request;
import dev.strata.volume.BlockTarget;
import dev.strata.volume.ThreadedBlockTarget;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * On the host (no ublk driver): the hand-off a {@link UblkQueue} does — a ring completion
 * sends a request to a threaded target, the target's completion comes back to the ring thread
 * through the task's Wakeup, the next ring op follows. Two such tasks on ONE worker: one whose
 * target hangs does not hold up the other.
 */
class TargetHandOffTest {
    /** Reads wait for {@link #release} while {@link #hang} is set. */
    static final class LatchTarget implements BlockTarget {
        final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        final boolean hang;

        LatchTarget(boolean hang) {
            this.hang = hang;
        }

        @Override public long sizeBytes() { return 1 << 20; }

        @Override
        public void read(long offset, ByteBuffer dst) {
            if (hang) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            while (dst.hasRemaining()) dst.put((byte) 1);
        }

        @Override public void write(long offset, ByteBuffer src) { src.position(src.limit()); }
        @Override public void flush() { }
        @Override public void discard(long offset, long length) { }
        @Override public void writeZeroes(long offset, long length) { }
    }

    /** NOP (as a FETCH would) → target READ → woken → NOP …, {@code rounds} times on each of {@code tags} tags. */
    static final class Loop implements RingTask {
        final ThreadedBlockTarget target;
        final int rounds;
        final Request[] requests;
        final ConcurrentLinkedQueue<Request> done = new ConcurrentLinkedQueue<>();
        final AtomicInteger completed = new AtomicInteger();
        final Set<Long> completedOn = ConcurrentHashMap.newKeySet();
        Wakeup wakeup;
        long token;

        Loop(ThreadedBlockTarget target, int tags, int rounds) {
            this.target = target;
            this.rounds = rounds;
            this.requests = new Request[tags];
            for (int t = 0; t < tags; t++)
                requests[t] = new Request(t, ByteBuffer.allocateDirect(4096), (r, failure) -> {
                    done.add(r);
                    wakeup.wake();
                });
        }

        @Override public void attach(Wakeup w) { wakeup = w; }

        @Override
        public void start(Ring ring, long token) {
            this.token = token;
            for (int t = 0; t < requests.length; t++) ring.nop(token | t);
        }

        @Override
        public void complete(Ring ring, long userData, int res, int flags) {
            Request r = requests[(int) RingTask.ownBits(userData)];
            target.submit(r.prepare(Op.READ, 0, 4096, false));
        }

        @Override
        public void woken(Ring ring) {
            for (Request r; (r = done.poll()) != null; ) {
                completedOn.add(Thread.currentThread().threadId());
                if (completed.incrementAndGet() < rounds * requests.length) ring.nop(token | r.id());
            }
        }

        @Override public void stop(Ring ring) { }
    }

    static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void aTargetHungOnALatchDoesNotHoldUpAnotherTaskOnTheSameWorker() throws Exception {
        LatchTarget hung = new LatchTarget(true), fine = new LatchTarget(false);
        try (WorkerPool pool = new WorkerPool(1, RingOptions.worker(64), 5_000_000_000L);
             ThreadedBlockTarget slow = new ThreadedBlockTarget(hung, 4, "hung");
             ThreadedBlockTarget fast = new ThreadedBlockTarget(fine, 4, "fine")) {
            Loop stuck = new Loop(slow, 1, 1), serving = new Loop(fast, 4, 250);
            WorkerPool.Assignment a = pool.assign(stuck), b = pool.assign(serving);
            assertTrue(hung.entered.await(30, java.util.concurrent.TimeUnit.SECONDS), "the first task's request is in its target");
            await(() -> serving.completed.get() >= 1000, "1,000 requests of the other task completed (" + serving.completed.get() + ")");
            assertEquals(Set.copyOf(pool.threadIds()), serving.completedOn, "every completion handled on the ring thread");
            assertEquals(0, stuck.completed.get(), "the hung request is still waiting");
            hung.release.countDown();
            await(() -> stuck.completed.get() == 1, "the released request completes");
            pool.remove(a);
            pool.remove(b);
        }
    }
}
