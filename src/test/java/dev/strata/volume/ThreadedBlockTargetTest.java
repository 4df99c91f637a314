package dev.strata.volume;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.volume.AsyncBlockTarget.Op;
import dev.strata.volume.AsyncBlockTarget.Request;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadedBlockTargetTest {
    /** 1 MiB in memory; a read at {@link #HANG} waits for {@link #release}; records the calls. */
    static final class MemoryTarget implements BlockTarget {
        static final long HANG = 1 << 19;
        final byte[] data = new byte[1 << 20];
        final CountDownLatch hung = new CountDownLatch(1), release = new CountDownLatch(1);
        final List<String> calls = new ArrayList<>();
        volatile boolean failWrites;

        @Override public long sizeBytes() { return data.length; }

        @Override
        public void read(long offset, ByteBuffer dst) {
            if (offset == HANG) {
                hung.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new VolumeException.Aborted("interrupted");
                }
            }
            dst.put(data, (int) offset, dst.remaining());
        }

        @Override
        public synchronized void write(long offset, ByteBuffer src) {
            if (failWrites) throw new VolumeException.Unavailable("disk full", null);
            calls.add("write " + offset);
            src.get(data, (int) offset, src.remaining());
        }

        @Override public synchronized void flush() { calls.add("flush"); }
        @Override public void discard(long offset, long length) { }
        @Override public void writeZeroes(long offset, long length) { }
    }

    record Done(Request request, RuntimeException failure, String thread) {}

    final BlockingQueue<Done> done = new ArrayBlockingQueue<>(16);

    Request request(int id) {
        return new Request(id, ByteBuffer.allocateDirect(64 << 10),
                (r, failure) -> done.add(new Done(r, failure, Thread.currentThread().getName())));
    }

    Done next() throws InterruptedException {
        Done d = done.poll(30, SECONDS);
        if (d == null) throw new AssertionError("no request completed within 30 s");
        return d;
    }

    @Test
    void aRequestBlockedInTheTargetHoldsUpOnlyItself() throws Exception {
        MemoryTarget mem = new MemoryTarget();
        mem.data[4096] = 42;
        try (ThreadedBlockTarget target = new ThreadedBlockTarget(mem, 4, "t")) {
            Request hung = request(0), read = request(1), write = request(2);
            target.submit(hung.prepare(Op.READ, MemoryTarget.HANG, 4096, false));
            assertTrue(mem.hung.await(30, SECONDS), "the first read reached the target");
            target.submit(read.prepare(Op.READ, 4096, 4096, false));
            write.data().put(new byte[] {7, 7});
            write.data().position(0);
            target.submit(write.prepare(Op.WRITE, 8192, 4096, true));
            List<Request> finished = List.of(next().request(), next().request());
            assertTrue(finished.contains(read) && finished.contains(write), "both completed while the first waits");
            assertEquals(42, read.data().get(0));
            assertEquals(List.of("write 8192", "flush"), mem.calls, "FUA: the write, then a flush, before it completes");
            assertEquals(0, done.size());
            mem.release.countDown();
            Done last = next();
            assertEquals(hung, last.request());
            assertNull(last.failure());
            assertTrue(last.thread().startsWith("t-"), "completed on the target's thread: " + last.thread());
        }
        assertNull(done.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS), "each request completes exactly once");
    }

    @Test
    void aFailureCompletesTheRequestWithItsException() throws Exception {
        MemoryTarget mem = new MemoryTarget();
        mem.failWrites = true;
        try (ThreadedBlockTarget target = new ThreadedBlockTarget(mem, 2, "t")) {
            target.submit(request(0).prepare(Op.WRITE, 0, 4096, true));
            Done d = next();
            assertInstanceOf(VolumeException.Unavailable.class, d.failure());
            assertEquals(List.of(), mem.calls, "no flush after a failed write");
        }
    }

    @Test
    void aClosedTargetFailsNewRequestsInsteadOfDroppingThem() throws Exception {
        ThreadedBlockTarget target = new ThreadedBlockTarget(new MemoryTarget(), 2, "t");
        target.close();
        target.submit(request(0).prepare(Op.FLUSH, 0, 0, false));
        assertInstanceOf(VolumeException.Unavailable.class, next().failure());
    }

    @Test
    void aWriteLargerThanTheRequestBufferIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> request(0).prepare(Op.WRITE, 0, 128 << 10, false));
    }

    @Test
    void readsFillExactlyTheRequestedWindow() throws Exception {
        MemoryTarget mem = new MemoryTarget();
        for (int i = 0; i < 512; i++) mem.data[i] = (byte) i;
        try (ThreadedBlockTarget target = new ThreadedBlockTarget(mem, 1, "t")) {
            Request r = request(0);
            target.submit(r.prepare(Op.READ, 0, 512, false));
            next();
            byte[] got = new byte[512];
            r.data().flip().get(got);
            assertArrayEquals(java.util.Arrays.copyOf(mem.data, 512), got);
        }
    }
}
