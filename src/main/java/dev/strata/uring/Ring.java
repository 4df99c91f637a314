package dev.strata.uring;

import static dev.strata.uring.IoUringParams.*;
import static dev.strata.uring.IoUringSqe.*;
import static dev.strata.uring.KernelStructs.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One io_uring, owned by the thread that created it (SINGLE_ISSUER, DEFER_TASKRUN): that
 * thread alone prepares SQEs, submits and reaps. It owns its fd, its mappings and a confined
 * arena; {@link #close()} (on the owner thread) releases all three. Nothing is allocated per
 * I/O: SQEs are written in place, completions are handed to a callback as primitives.
 * The SQ tail is stored with release, the CQ tail loaded with acquire, the CQ head stored with
 * release (the orderings liburing uses).
 */
public final class Ring implements AutoCloseable {
    /** Receives one completion. */
    @FunctionalInterface
    public interface Completion {
        void complete(long userData, int res, int flags);
    }

    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long IORING_OFF_SQ_RING = 0, IORING_OFF_CQ_RING = 0x8000000L, IORING_OFF_SQES = 0x10000000L;

    private final Arena arena;
    private final Syscalls sys;
    private final int fd;
    private final int setupFlags;
    private final int features;
    private final MemorySegment sqRing, cqRing, sqes;
    private final long sqRingBytes, cqRingBytes, sqesBytes;
    private final long sqHead, sqTail, cqHead, cqTail, cqes;
    private final int sqMask, sqEntries, cqMask, cqEntries;
    private final long sqeSize, cqeSize;
    private final MemorySegment timespec, geteventsArg;
    private int localTail, submittedTail, localCqHead;

    private Ring(Arena arena, Syscalls sys, int fd, int setupFlags, MemorySegment params) {
        this.arena = arena;
        this.sys = sys;
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.features = params.get(JAVA_INT, FEATURES);
        this.sqEntries = params.get(JAVA_INT, SQ_ENTRIES);
        this.cqEntries = params.get(JAVA_INT, CQ_ENTRIES);
        this.sqeSize = (setupFlags & IORING_SETUP_SQE128) != 0 ? IoUringSqe.SIZE128 : IoUringSqe.SIZE;
        this.cqeSize = (setupFlags & IORING_SETUP_CQE32) != 0 ? IoUringCqe.SIZE32 : IoUringCqe.SIZE;
        boolean noArray = (setupFlags & IORING_SETUP_NO_SQARRAY) != 0;
        long sqArray = params.get(JAVA_INT, sq("array"));
        // as liburing sizes them: with NO_SQARRAY the array offset is 0 and the single mapping
        // (every kernel with NO_SQARRAY has SINGLE_MMAP) is sized by the larger CQ ring
        this.sqRingBytes = sqArray + 4L * sqEntries;
        this.cqRingBytes = params.get(JAVA_INT, cq("cqes")) + cqeSize * cqEntries;
        boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        long sqMap = single ? Math.max(sqRingBytes, cqRingBytes) : sqRingBytes;
        this.sqRing = map(sqMap, IORING_OFF_SQ_RING);
        this.cqRing = single ? sqRing : map(cqRingBytes, IORING_OFF_CQ_RING);
        this.sqesBytes = sqeSize * sqEntries;
        this.sqes = map(sqesBytes, IORING_OFF_SQES);
        this.sqHead = params.get(JAVA_INT, sq("head"));
        this.sqTail = params.get(JAVA_INT, sq("tail"));
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, sq("ring_mask")));
        this.cqHead = params.get(JAVA_INT, cq("head"));
        this.cqTail = params.get(JAVA_INT, cq("tail"));
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, cq("ring_mask")));
        this.cqes = params.get(JAVA_INT, cq("cqes"));
        if (!noArray) for (int i = 0; i < sqEntries; i++) sqRing.set(JAVA_INT, sqArray + 4L * i, i);
        this.localTail = this.submittedTail = (int) INT.getAcquire(sqRing, sqTail);
        this.localCqHead = (int) INT.getAcquire(cqRing, cqHead);
        this.timespec = arena.allocate(KERNEL_TIMESPEC);
        this.geteventsArg = arena.allocate(IO_URING_GETEVENTS_ARG);
    }

    private MemorySegment map(long bytes, long offset) {
        MemorySegment p = sys.mmap(bytes, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, fd, offset);
        return p.reinterpret(bytes);
    }

    /** Creates a ring owned by the calling thread. */
    public static Ring open(RingOptions o) {
        Arena arena = Arena.ofConfined();
        try {
            Syscalls sys = new Syscalls(arena);
            MemorySegment params = arena.allocate(IoUringParams.LAYOUT);
            int flags = wanted(o);
            int[] droppable = {IORING_SETUP_NO_SQARRAY, IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER,
                    IORING_SETUP_COOP_TASKRUN};
            for (int i = 0; ; ) {
                params.fill((byte) 0);
                params.set(JAVA_INT, IoUringParams.FLAGS, flags);
                long r = sys.syscallRaw(Syscalls.SYS_io_uring_setup, o.entries(), params.address(), 0, 0, 0, 0);
                if (r >= 0) return new Ring(arena, sys, (int) r, flags, params);
                if (r != -Errno.EINVAL) throw new ErrnoException("io_uring_setup", (int) -r);
                while (i < droppable.length && (flags & droppable[i]) == 0) i++;
                if (i == droppable.length) throw new ErrnoException("io_uring_setup", Errno.EINVAL);
                flags &= ~droppable[i];
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static int wanted(RingOptions o) {
        int f = 0;
        if (o.sqe128()) f |= IORING_SETUP_SQE128;
        if (o.cqe32()) f |= IORING_SETUP_CQE32;
        if (o.singleIssuer()) f |= IORING_SETUP_SINGLE_ISSUER;
        if (o.deferTaskrun()) f |= IORING_SETUP_DEFER_TASKRUN;
        if (o.coopTaskrun()) f |= IORING_SETUP_COOP_TASKRUN;
        if (o.noSqArray()) f |= IORING_SETUP_NO_SQARRAY;
        return f;
    }

    public int fd() {
        return fd;
    }

    /** The setup flags the kernel accepted. */
    public int setupFlags() {
        return setupFlags;
    }

    public int features() {
        return features;
    }

    public int sqEntries() {
        return sqEntries;
    }

    /** Human-readable setup path, e.g. "SQE128|SINGLE_ISSUER|DEFER_TASKRUN|COOP_TASKRUN|NO_SQARRAY". */
    public String describeSetup() {
        StringBuilder b = new StringBuilder();
        String[] names = {"COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32", "SINGLE_ISSUER", "DEFER_TASKRUN"};
        for (int i = 0; i < names.length; i++) if ((setupFlags & (1 << (8 + i))) != 0) b.append(b.isEmpty() ? "" : "|").append(names[i]);
        if ((setupFlags & IORING_SETUP_NO_SQARRAY) != 0) b.append(b.isEmpty() ? "" : "|").append("NO_SQARRAY");
        return b.isEmpty() ? "(none)" : b.toString();
    }

    /** The SQE memory (for filling a URING_CMD's command area at {@code sqe + IoUringSqe.CMD}). */
    public MemorySegment sqes() {
        return sqes;
    }

    /** Free SQE slots. */
    public int sqSpace() {
        return sqEntries - (localTail - (int) INT.getAcquire(sqRing, sqHead));
    }

    /** Claims the next SQE, zeroed; returns its offset in {@link #sqes()}. Submits first if the SQ is full. */
    public long next() {
        if (sqSpace() == 0) submit();
        if (sqSpace() == 0) throw new ErrnoException("io_uring submission queue full", Errno.EBUSY);
        long at = (localTail & sqMask) * sqeSize;
        sqes.asSlice(at, sqeSize).fill((byte) 0);
        localTail++;
        return at;
    }

    private long prep(byte opcode, int fd, long off, long addr, int len, long userData) {
        long s = next();
        sqes.set(JAVA_BYTE, s + OPCODE, opcode);
        sqes.set(JAVA_INT, s + FD, fd);
        sqes.set(JAVA_LONG, s + OFF, off);
        sqes.set(JAVA_LONG, s + ADDR, addr);
        sqes.set(JAVA_INT, s + LEN, len);
        sqes.set(JAVA_LONG, s + USER_DATA, userData);
        return s;
    }

    public long nop(long userData) {
        return prep(IORING_OP_NOP, -1, 0, 0, 0, userData);
    }

    public long read(int fd, MemorySegment buf, int len, long offset, long userData) {
        return prep(IORING_OP_READ, fd, offset, buf.address(), len, userData);
    }

    public long write(int fd, MemorySegment buf, int len, long offset, long userData) {
        return prep(IORING_OP_WRITE, fd, offset, buf.address(), len, userData);
    }

    public long readFixed(int fd, MemorySegment buf, int len, long offset, int bufIndex, long userData) {
        long s = prep(IORING_OP_READ_FIXED, fd, offset, buf.address(), len, userData);
        sqes.set(JAVA_SHORT, s + BUF_INDEX, (short) bufIndex);
        return s;
    }

    public long writeFixed(int fd, MemorySegment buf, int len, long offset, int bufIndex, long userData) {
        long s = prep(IORING_OP_WRITE_FIXED, fd, offset, buf.address(), len, userData);
        sqes.set(JAVA_SHORT, s + BUF_INDEX, (short) bufIndex);
        return s;
    }

    public long readv(int fd, MemorySegment iovecs, int count, long offset, long userData) {
        return prep(IORING_OP_READV, fd, offset, iovecs.address(), count, userData);
    }

    public long writev(int fd, MemorySegment iovecs, int count, long offset, long userData) {
        return prep(IORING_OP_WRITEV, fd, offset, iovecs.address(), count, userData);
    }

    public long fsync(int fd, boolean dataOnly, long userData) {
        long s = prep(IORING_OP_FSYNC, fd, 0, 0, 0, userData);
        sqes.set(JAVA_INT, s + OP_FLAGS, dataOnly ? IORING_FSYNC_DATASYNC : 0);
        return s;
    }

    /** fallocate(fd, mode, offset, length): the length travels in addr, the mode in len. */
    public long fallocate(int fd, int mode, long offset, long length, long userData) {
        return prep(IORING_OP_FALLOCATE, fd, offset, length, mode, userData);
    }

    /** POLL_ADD for {@code events}; multishot keeps firing (CQE_F_MORE) until cancelled. */
    public long pollAdd(int fd, int events, boolean multishot, long userData) {
        long s = prep(IORING_OP_POLL_ADD, fd, 0, 0, multishot ? IORING_POLL_ADD_MULTI : 0, userData);
        sqes.set(JAVA_INT, s + OP_FLAGS, events);
        return s;
    }

    /** A timeout that completes with -ETIME after {@code ts} (a __kernel_timespec the caller keeps alive). */
    public long timeout(MemorySegment ts, int count, long userData) {
        return prep(IORING_OP_TIMEOUT, -1, count, ts.address(), 1, userData);
    }

    /** URING_CMD on {@code fd} with {@code cmdOp}; fill the command at the returned offset + {@link IoUringSqe#CMD}. */
    public long uringCmd(int fd, int cmdOp, long userData) {
        long s = prep(IORING_OP_URING_CMD, fd, 0, 0, 0, userData);
        sqes.set(JAVA_INT, s + CMD_OP, cmdOp);
        return s;
    }

    /** Submits prepared SQEs without waiting; returns how many the kernel took. */
    public int submit() {
        return enter(0, 0);
    }

    /**
     * Submits prepared SQEs and waits until at least {@code minComplete} completions are
     * ready or {@code timeoutNanos} passes (0 = no timeout). Returns SQEs submitted.
     */
    public int submitAndWait(int minComplete, long timeoutNanos) {
        return enter(minComplete, timeoutNanos);
    }

    private int enter(int minComplete, long timeoutNanos) {
        INT.setRelease(sqRing, sqTail, localTail);
        int toSubmit = localTail - submittedTail;
        int flags = IORING_ENTER_GETEVENTS;
        long arg = 0, argSize = 0;
        if (timeoutNanos > 0) {
            if ((features & IORING_FEAT_EXT_ARG) == 0) throw new ErrnoException("io_uring_enter timeout (no EXT_ARG)", Errno.EOPNOTSUPP);
            timespec.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timespec.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            geteventsArg.set(JAVA_LONG, 0, 0);
            geteventsArg.set(JAVA_INT, 8, 0);
            geteventsArg.set(JAVA_INT, 12, 0);
            geteventsArg.set(JAVA_LONG, 16, timespec.address());
            flags |= IORING_ENTER_EXT_ARG;
            arg = geteventsArg.address();
            argSize = IO_URING_GETEVENTS_ARG.byteSize();
        }
        while (true) {
            long r = sys.syscallRaw(Syscalls.SYS_io_uring_enter, fd, toSubmit, minComplete, flags, arg, argSize);
            if (r >= 0) {
                submittedTail += (int) r;
                return (int) r;
            }
            if (r == -Errno.EINTR) continue;
            if (r == -Errno.ETIME || r == -Errno.EBUSY || r == -Errno.EAGAIN) return 0;
            throw new ErrnoException("io_uring_enter", (int) -r);
        }
    }

    /** Completions ready to reap. */
    public int cqReady() {
        return (int) INT.getAcquire(cqRing, cqTail) - localCqHead;
    }

    /** Hands every ready completion to {@code handler}, then frees their slots. Returns how many. */
    public int reap(Completion handler) {
        int tail = (int) INT.getAcquire(cqRing, cqTail);
        int n = 0;
        while (localCqHead != tail) {
            long at = cqes + (localCqHead & cqMask) * cqeSize;
            long userData = cqRing.get(JAVA_LONG, at + IoUringCqe.USER_DATA);
            int res = cqRing.get(JAVA_INT, at + IoUringCqe.RES);
            int flags = cqRing.get(JAVA_INT, at + IoUringCqe.FLAGS);
            localCqHead++;
            INT.setRelease(cqRing, cqHead, localCqHead);
            handler.complete(userData, res, flags);
            n++;
        }
        return n;
    }

    /** IORING_REGISTER_BUFFERS: {@code count} iovecs at {@code iovecs} become fixed buffers 0..count-1. */
    public void registerBuffers(MemorySegment iovecs, int count) {
        sys.syscall("io_uring_register(BUFFERS)", Syscalls.SYS_io_uring_register, fd, IORING_REGISTER_BUFFERS,
                iovecs.address(), count, 0, 0);
    }

    public void unregisterBuffers() {
        sys.syscall("io_uring_register(UNREGISTER_BUFFERS)", Syscalls.SYS_io_uring_register, fd,
                IORING_UNREGISTER_BUFFERS, 0, 0, 0, 0);
    }

    /** This ring's syscalls (owner thread only). */
    public Syscalls syscalls() {
        return sys;
    }

    /** The ring's confined arena (owner thread only): for buffers that live as long as the ring. */
    public Arena arena() {
        return arena;
    }

    @Override
    public void close() {
        try {
            sys.munmap(sqes, sqesBytes);
            if (cqRing != sqRing) sys.munmap(cqRing, cqRingBytes);
            sys.munmap(sqRing, sqRing.byteSize());
            sys.close(fd);
        } finally {
            arena.close();
        }
    }
}
