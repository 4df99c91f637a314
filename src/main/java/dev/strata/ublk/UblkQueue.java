package dev.strata.ublk;

import static dev.strata.ublk.UblkCmd.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.strata.uring.Errno;
import dev.strata.uring.IoUringSqe;
import dev.strata.uring.Ring;
import dev.strata.uring.RingTask;
import dev.strata.uring.Syscalls;
import dev.strata.volume.BlockTarget;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk queue hosted on a worker's ring: a FETCH_REQ per tag, then for each request the
 * data moved with USER_COPY (pread/pwrite on /dev/ublkcN at the tag's position) through the
 * tag's preallocated buffer, the {@link BlockTarget} called, and COMMIT_AND_FETCH_REQ with
 * the result (a negative errno on failure, never a silent success).
 */
final class UblkQueue implements RingTask {
    private static final Logger log = LoggerFactory.getLogger(UblkQueue.class);
    static final int PAGE = 4096;

    private final int cdevFd;
    private final int queue;
    private final int depth;
    private final int maxIoBytes;
    private final BlockTarget target;
    private Arena arena;
    private Syscalls sys;
    private MemorySegment descriptors;
    private long descriptorBytes;
    private MemorySegment[] buffers;
    private long token;
    private int inFlight;

    UblkQueue(int cdevFd, int queue, int depth, int maxIoBytes, BlockTarget target) {
        this.cdevFd = cdevFd;
        this.queue = queue;
        this.depth = depth;
        this.maxIoBytes = maxIoBytes;
        this.target = target;
    }

    @Override
    public void start(Ring ring, long token) {
        this.token = token;
        this.arena = Arena.ofConfined();
        this.sys = new Syscalls(arena);
        this.descriptorBytes = ((long) depth * UblkStructs.IO_DESC_SIZE + PAGE - 1) / PAGE * PAGE;
        this.descriptors = sys.mmap(descriptorBytes, Syscalls.PROT_READ, Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, cdevFd,
                UblkCmd.descriptorOffset(queue, PAGE)).reinterpret(descriptorBytes);
        this.buffers = new MemorySegment[depth];
        for (int tag = 0; tag < depth; tag++) {
            buffers[tag] = arena.allocate(maxIoBytes, PAGE);
            submit(ring, UBLK_U_IO_FETCH_REQ, tag, 0);
        }
    }

    private void submit(Ring ring, int op, int tag, int result) {
        long sqe = ring.uringCmd(cdevFd, op, token | tag);
        UblkStructs.ioCmd(ring.sqes().asSlice(sqe + IoUringSqe.CMD, 16), queue, tag, result, 0);
        inFlight++;
    }

    @Override
    public void complete(Ring ring, long userData, int res, int flags) {
        inFlight--;
        int tag = (int) (RingTask.ownBits(userData) & 0xffff);
        if (res == UBLK_IO_RES_ABORT) return; // the device is stopping: this tag is done
        if (res != UBLK_IO_RES_OK) {
            log.atWarn().setMessage("ublk fetch failed").addKeyValue("qid", queue).addKeyValue("tag", tag)
                    .addKeyValue("errno", -res).log();
            return;
        }
        submit(ring, UBLK_U_IO_COMMIT_AND_FETCH_REQ, tag, serve(tag));
    }

    /** Performs the request in the tag's descriptor; returns bytes done, 0, or -errno. */
    private int serve(int tag) {
        long d = (long) tag * UblkStructs.IO_DESC_SIZE;
        int opFlags = descriptors.get(JAVA_INT, d);
        long bytes = (long) descriptors.get(JAVA_INT, d + 4) << 9;
        long offset = descriptors.get(JAVA_LONG, d + 8) << 9;
        MemorySegment buf = buffers[tag];
        long position = UblkCmd.userCopyOffset(queue, tag);
        try {
            switch (opFlags & 0xff) {
                case UBLK_IO_OP_READ -> {
                    if (bytes > maxIoBytes) return -Errno.EINVAL;
                    target.read(offset, buf.asSlice(0, bytes).asByteBuffer());
                    long n = sys.pwrite(cdevFd, buf, bytes, position);
                    return n < 0 ? (int) n : (int) bytes;
                }
                case UBLK_IO_OP_WRITE -> {
                    if (bytes > maxIoBytes) return -Errno.EINVAL;
                    long n = sys.pread(cdevFd, buf, bytes, position);
                    if (n < 0) return (int) n;
                    target.write(offset, buf.asSlice(0, n).asByteBuffer());
                    if ((opFlags & UBLK_IO_F_FUA) != 0) target.flush();
                    return (int) n;
                }
                case UBLK_IO_OP_FLUSH -> {
                    target.flush();
                    return 0;
                }
                case UBLK_IO_OP_DISCARD -> {
                    target.discard(offset, bytes);
                    return 0;
                }
                case UBLK_IO_OP_WRITE_ZEROES -> {
                    target.writeZeroes(offset, bytes);
                    return 0;
                }
                default -> {
                    return -Errno.EOPNOTSUPP;
                }
            }
        } catch (RuntimeException e) {
            log.atWarn().setMessage("ublk request failed").addKeyValue("qid", queue).addKeyValue("tag", tag)
                    .addKeyValue("op", opFlags & 0xff).addKeyValue("error", e.toString()).log();
            return -Errno.EIO;
        }
    }

    int inFlight() {
        return inFlight;
    }

    @Override
    public void stop(Ring ring) {
        if (descriptors != null) sys.munmap(descriptors, descriptorBytes);
        descriptors = null;
        if (arena != null) arena.close();
        arena = null;
    }
}
