package dev.strata.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** io_uring on the real host kernel, no fakes. Every ring is used on the thread that made it. */
class RingTest {
    record Done(long userData, int res, int flags) {}

    Ring ring;
    Path dir;

    @BeforeEach
    @BeforeProperty
    void open() throws IOException {
        ring = Ring.open(RingOptions.worker(64));
        dir = Files.createTempDirectory("strata-uring");
        System.out.println("ring setup path: " + ring.describeSetup());
    }

    @AfterEach
    @AfterProperty
    void close() {
        ring.close();
    }

    List<Done> waitFor(int n) {
        List<Done> done = new ArrayList<>();
        while (done.size() < n) {
            ring.submitAndWait(1, 5_000_000_000L);
            ring.reap((u, r, f) -> done.add(new Done(u, r, f)));
        }
        return done;
    }

    int fd(Path file) {
        return ring.syscalls().open(ring.arena().allocateFrom(file.toString()),
                Syscalls.O_RDWR | Syscalls.O_CREAT | Syscalls.O_CLOEXEC, 0644);
    }

    @Test
    void nopCompletesWithItsUserData() {
        ring.nop(42);
        ring.nop(43);
        List<Done> done = waitFor(2);
        assertEquals(List.of(42L, 43L), done.stream().map(Done::userData).toList());
        assertTrue(done.stream().allMatch(d -> d.res() == 0));
    }

    @Property(tries = 60)
    void readsAndWritesAgreeWithFileChannel(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200_000) int length,
                                            @ForAll @IntRange(max = 3_000_000) int offset) throws IOException {
        Path file = dir.resolve("f" + seed);
        int fd = fd(file);
        try {
            byte[] data = new byte[length];
            new Random(seed).nextBytes(data);
            MemorySegment buf = ring.arena().allocate(length, 4096);
            buf.copyFrom(MemorySegment.ofArray(data));
            ring.write(fd, buf, length, offset, 1);
            assertEquals(length, waitFor(1).getFirst().res());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer back = ByteBuffer.allocate(length);
                ch.read(back, offset);
                assertArrayEquals(data, back.array(), "FileChannel sees what the ring wrote");
                byte[] other = new byte[length];
                new Random(~seed).nextBytes(other);
                try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    w.write(ByteBuffer.wrap(other), offset);
                }
                MemorySegment in = ring.arena().allocate(length, 4096);
                ring.read(fd, in, length, offset, 2);
                assertEquals(length, waitFor(1).getFirst().res());
                assertArrayEquals(other, in.toArray(ValueLayout.JAVA_BYTE), "the ring reads what FileChannel wrote");
            }
        } finally {
            ring.syscalls().close(fd);
        }
    }

    @Test
    void fixedBuffersVectorsFsyncAndFallocate() throws IOException {
        Path file = dir.resolve("fixed");
        int fd = fd(file);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192, 4096);
            MemorySegment iov = a.allocate(KernelStructs.IOVEC);
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
            iov.set(ValueLayout.JAVA_LONG, 8, 8192);
            ring.registerBuffers(iov, 1);
            buf.fill((byte) 7);
            ring.writeFixed(fd, buf, 8192, 4096, 0, 1);
            assertEquals(8192, waitFor(1).getFirst().res());
            buf.fill((byte) 0);
            ring.readFixed(fd, buf, 4096, 8192, 0, 2);
            assertEquals(4096, waitFor(1).getFirst().res());
            assertEquals(7, buf.get(ValueLayout.JAVA_BYTE, 100));
            ring.unregisterBuffers();
            MemorySegment two = a.allocate(KernelStructs.IOVEC.byteSize() * 2);
            MemorySegment p1 = a.allocate(100), p2 = a.allocate(50);
            p1.fill((byte) 1);
            p2.fill((byte) 2);
            two.set(ValueLayout.JAVA_LONG, 0, p1.address());
            two.set(ValueLayout.JAVA_LONG, 8, 100);
            two.set(ValueLayout.JAVA_LONG, 16, p2.address());
            two.set(ValueLayout.JAVA_LONG, 24, 50);
            ring.writev(fd, two, 2, 0, 3);
            assertEquals(150, waitFor(1).getFirst().res());
            ring.fsync(fd, false, 4);
            assertEquals(0, waitFor(1).getFirst().res());
            ring.fallocate(fd, 0, 0, 1 << 20, 5);
            assertEquals(0, waitFor(1).getFirst().res());
            assertEquals(1 << 20, Files.size(file));
            p1.fill((byte) 0);
            p2.fill((byte) 0);
            ring.readv(fd, two, 2, 0, 6);
            assertEquals(150, waitFor(1).getFirst().res());
            assertEquals(1, p1.get(ValueLayout.JAVA_BYTE, 99));
            assertEquals(2, p2.get(ValueLayout.JAVA_BYTE, 0));
        } finally {
            ring.syscalls().close(fd);
        }
    }

    @Test
    void errorsComeBackAsErrnoWithTheCallNamed() {
        ring.read(-1, ring.arena().allocate(8), 8, 0, 9);
        assertEquals(-Errno.EBADF, waitFor(1).getFirst().res(), "a bad fd fails that SQE with -EBADF");
    }

    @Test
    void registeringAnUnmappedBufferIsEfault() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(KernelStructs.IOVEC);
            iov.set(ValueLayout.JAVA_LONG, 0, 4096);
            iov.set(ValueLayout.JAVA_LONG, 8, 4096);
            ErrnoException e = assertThrows(ErrnoException.class, () -> ring.registerBuffers(iov, 1));
            assertEquals(Errno.EFAULT, e.errno());
            assertTrue(e.getMessage().contains("io_uring_register") && e.getMessage().contains("EFAULT"), e.getMessage());
        }
    }

    @Test
    void setupWithZeroEntriesIsEinvalNamingTheCall() {
        try (Arena a = Arena.ofConfined()) {
            Syscalls sys = new Syscalls(a);
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.syscall("io_uring_setup",
                    Syscalls.SYS_io_uring_setup, 0, a.allocate(IoUringParams.LAYOUT).address(), 0, 0, 0, 0));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().startsWith("io_uring_setup failed: EINVAL"), e.getMessage());
            ErrnoException closed = assertThrows(ErrnoException.class, () -> sys.syscall("io_uring_enter",
                    Syscalls.SYS_io_uring_enter, 1_000_000, 0, 0, 0, 0, 0));
            assertEquals(Errno.EBADF, closed.errno());
        }
    }

    @Test
    void timeoutsFireAndWaitsWithATimeoutReturn() {
        MemorySegment ts = ring.arena().allocate(KernelStructs.KERNEL_TIMESPEC);
        ts.set(ValueLayout.JAVA_LONG, 8, 20_000_000L);
        ring.timeout(ts, 0, 77);
        Done d = waitFor(1).getFirst();
        assertEquals(77, d.userData());
        assertEquals(-Errno.ETIME, d.res());
        long t = System.nanoTime();
        ring.submitAndWait(1, 50_000_000L);
        assertEquals(0, ring.cqReady(), "nothing completed: the wait timed out");
        assertTrue(System.nanoTime() - t >= 40_000_000L, "it did wait");
    }

    @Test
    void multishotPollKeepsFiring() {
        int efd = ring.syscalls().eventfd(0, Syscalls.EFD_CLOEXEC | Syscalls.EFD_NONBLOCK);
        try {
            MemorySegment one = ring.arena().allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            ring.pollAdd(efd, IoUringSqe.POLLIN, true, 5);
            ring.submit();
            for (int i = 0; i < 3; i++) {
                ring.syscalls().write(efd, one, 8);
                Done d = waitFor(1).getFirst();
                assertEquals(5, d.userData());
                assertTrue((d.flags() & IoUringCqe.IORING_CQE_F_MORE) != 0, "still armed after firing " + (i + 1));
                assertEquals(8, ring.syscalls().read(efd, one, 8), "drained");
            }
        } finally {
            ring.syscalls().close(efd);
        }
    }

    @Test
    void aRing128CarriesAnEightyByteCommand() {
        try (Ring big = Ring.open(RingOptions.sqe128(8))) {
            assertTrue((big.setupFlags() & IoUringParams.IORING_SETUP_SQE128) != 0);
            long sqe = big.uringCmd(-1, 0x1234, 99);
            big.sqes().asSlice(sqe + IoUringSqe.CMD, IoUringSqe.CMD_BYTES_SQE128).fill((byte) 0x5a);
            assertEquals(0x1234, big.sqes().get(ValueLayout.JAVA_INT, sqe + IoUringSqe.CMD_OP));
            big.submitAndWait(1, 2_000_000_000L);
            List<Integer> res = new ArrayList<>();
            big.reap((u, r, f) -> res.add(r));
            assertEquals(1, res.size());
            assertTrue(res.getFirst() < 0, "URING_CMD on a bad fd fails cleanly: " + res);
        }
    }
}
