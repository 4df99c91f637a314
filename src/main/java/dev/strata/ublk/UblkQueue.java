package dev.strata.ublk;

import static dev.strata.ublk.UblkCmd.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.strata.uring.Errno;
import dev.strata.uring.IoUringSqe;
import dev.strata.uring.Ring;
import dev.strata.uring.RingTask;
import dev.strata.uring.Syscalls;
import dev.strata.uring.Wakeup;
import dev.strata.volume.AsyncBlockTarget;
import dev.strata.volume.AsyncBlockTarget.Op;
import dev.strata.volume.AsyncBlockTarget.Request;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk queue hosted on a worker's ring, a state machine per tag that never blocks the
 * ring thread. FETCH_REQ completes → a WRITE's data is read from /dev/ublkcN at the tag's
 * USER_COPY position by an io_uring READ into the tag's buffer → the request goes to the
 * {@link AsyncBlockTarget} → its completion (on the target's thread) is queued and the worker
 * woken ({@link Wakeup}) → a READ's data goes back by an io_uring WRITE → COMMIT_AND_FETCH_REQ
 * with the result (a negative errno on failure, never a silent success).
 * <p>
 * The tag buffers live in a shared arena that outlasts every request in flight: after
 * {@link #stop} (device removed or abandoned) the queue takes no new requests but keeps the
 * arena until each request at the target has completed and each copy SQE has been reaped.
 */
final class UblkQueue implements RingTask {
    private static final Logger log = LoggerFactory.getLogger(UblkQueue.class);
    static final int PAGE = 4096;
    /** user_data own bits: generation (bits 32–47) | COPY (bit 16) | tag (bits 0–15). */
    private static final long COPY = 1L << 16, GENERATION = 0xffffL << 32, TAG = 0xffff;
    private static final AtomicInteger GENERATIONS = new AtomicInteger();

    private final int cdevFd;
    private final int queue;
    private final int depth;
    private final int maxIoBytes;
    private final AsyncBlockTarget target;
    /** Tells this queue's completions from those of an earlier task that held the same token. */
    private final long generation = (GENERATIONS.incrementAndGet() & 0xffffL) << 32;
    private final ConcurrentLinkedQueue<Request> done = new ConcurrentLinkedQueue<>();
    private Wakeup wakeup;
    private Arena arena;
    private Syscalls sys;
    private MemorySegment descriptors;
    private long descriptorBytes;
    private MemorySegment[] buffers;
    private Request[] requests;
    private RuntimeException[] failures;
    private long token;
    private int commands;
    private int busy;
    private boolean stopping;
    private volatile boolean released;

    UblkQueue(int cdevFd, int queue, int depth, int maxIoBytes, AsyncBlockTarget target) {
        this.cdevFd = cdevFd;
        this.queue = queue;
        this.depth = depth;
        this.maxIoBytes = maxIoBytes;
        this.target = target;
    }

    @Override
    public void attach(Wakeup wakeup) {
        this.wakeup = wakeup;
    }

    @Override
    public void start(Ring ring, long token) {
        this.token = token | generation;
        this.arena = Arena.ofShared(); // target threads fill and read the tag buffers
        this.sys = new Syscalls(arena);
        this.descriptorBytes = ((long) depth * UblkStructs.IO_DESC_SIZE + PAGE - 1) / PAGE * PAGE;
        this.descriptors = sys.mmap(descriptorBytes, Syscalls.PROT_READ, Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, cdevFd,
                UblkCmd.descriptorOffset(queue, PAGE)).reinterpret(descriptorBytes);
        this.buffers = new MemorySegment[depth];
        this.requests = new Request[depth];
        this.failures = new RuntimeException[depth];
        for (int tag = 0; tag < depth; tag++) {
            buffers[tag] = arena.allocate(maxIoBytes, PAGE);
            requests[tag] = new Request(tag, buffers[tag].asByteBuffer(), this::completed);
            command(ring, UBLK_U_IO_FETCH_REQ, tag, 0);
        }
    }

    private void command(Ring ring, int op, int tag, int result) {
        long sqe = ring.uringCmd(cdevFd, op, token | tag);
        UblkStructs.ioCmd(ring.sqes().asSlice(sqe + IoUringSqe.CMD, 16), queue, tag, result, 0);
        commands++;
    }

    @Override
    public void complete(Ring ring, long userData, int res, int flags) {
        if ((userData & GENERATION) != generation) return; // an earlier task's, under the same token
        int tag = (int) (userData & TAG);
        if ((userData & COPY) != 0) {
            copied(ring, tag, res);
            return;
        }
        commands--;
        if (stopping || res == UBLK_IO_RES_ABORT) return; // the device is going away: this tag is done
        if (res != UBLK_IO_RES_OK) {
            log.atWarn().setMessage("ublk fetch failed").addKeyValue("qid", queue).addKeyValue("tag", tag)
                    .addKeyValue("errno", -res).log();
            return;
        }
        begin(ring, tag);
    }

    /** A request arrived in the tag's descriptor. */
    private void begin(Ring ring, int tag) {
        long d = (long) tag * UblkStructs.IO_DESC_SIZE;
        int opFlags = descriptors.get(JAVA_INT, d);
        long bytes = (long) descriptors.get(JAVA_INT, d + 4) << 9;
        long offset = descriptors.get(JAVA_LONG, d + 8) << 9;
        boolean fua = (opFlags & UBLK_IO_F_FUA) != 0;
        Request r = requests[tag];
        switch (opFlags & 0xff) {
            case UBLK_IO_OP_READ -> {
                if (bytes > maxIoBytes) commit(ring, tag, -Errno.EINVAL);
                else toTarget(r.prepare(Op.READ, offset, bytes, false));
            }
            case UBLK_IO_OP_WRITE -> {
                if (bytes > maxIoBytes) commit(ring, tag, -Errno.EINVAL);
                else {
                    r.prepare(Op.WRITE, offset, bytes, fua);
                    copy(ring, tag, false, bytes);
                }
            }
            case UBLK_IO_OP_FLUSH -> toTarget(r.prepare(Op.FLUSH, 0, 0, false));
            case UBLK_IO_OP_DISCARD -> toTarget(r.prepare(Op.DISCARD, offset, bytes, false));
            case UBLK_IO_OP_WRITE_ZEROES -> toTarget(r.prepare(Op.WRITE_ZEROES, offset, bytes, false));
            default -> commit(ring, tag, -Errno.EOPNOTSUPP);
        }
    }

    /** USER_COPY as an io_uring READ (request → buffer) or WRITE (buffer → request) on the char device. */
    private void copy(Ring ring, int tag, boolean toDevice, long bytes) {
        long position = UblkCmd.userCopyOffset(queue, tag), userData = token | COPY | tag;
        if (toDevice) ring.write(cdevFd, buffers[tag], (int) bytes, position, userData);
        else ring.read(cdevFd, buffers[tag], (int) bytes, position, userData);
        busy++;
    }

    private void copied(Ring ring, int tag, int res) {
        busy--;
        if (stopping) {
            release();
            return;
        }
        Request r = requests[tag];
        if (r.op() == Op.WRITE) {
            if (res < 0) commit(ring, tag, res);
            else toTarget(r.prepare(Op.WRITE, r.offset(), res, r.fua()));
        } else {
            commit(ring, tag, res < 0 ? res : (int) r.length());
        }
    }

    private void toTarget(Request r) {
        busy++;
        try {
            target.submit(r);
        } catch (RuntimeException e) {
            completed(r, e);
        }
    }

    /** Any thread: the target is done with {@code r}; the ring thread takes it from here. */
    private void completed(Request r, RuntimeException failure) {
        failures[r.id()] = failure;
        done.add(r); // publishes failures[tag] to the ring thread
        wakeup.wake();
    }

    @Override
    public void woken(Ring ring) {
        for (Request r; (r = done.poll()) != null; ) {
            busy--;
            int tag = r.id();
            RuntimeException failure = failures[tag];
            failures[tag] = null;
            if (stopping) continue;
            if (failure != null) {
                log.atWarn().setMessage("ublk request failed").addKeyValue("qid", queue).addKeyValue("tag", tag)
                        .addKeyValue("op", r.op()).addKeyValue("error", failure.toString()).log();
                commit(ring, tag, -Errno.EIO);
                continue;
            }
            switch (r.op()) {
                case READ -> copy(ring, tag, true, r.length());
                case WRITE -> commit(ring, tag, (int) r.length());
                case FLUSH, DISCARD, WRITE_ZEROES -> commit(ring, tag, 0);
            }
        }
        if (stopping) release();
    }

    private void commit(Ring ring, int tag, int result) {
        command(ring, UBLK_U_IO_COMMIT_AND_FETCH_REQ, tag, result);
    }

    /** FETCH/COMMIT commands in the kernel (ring thread). */
    int inFlight() {
        return commands;
    }

    @Override
    public void stop(Ring ring) {
        stopping = true;
        if (descriptors != null) sys.munmap(descriptors, descriptorBytes);
        descriptors = null;
        release();
    }

    /** After stop: the buffers go once no request is at the target and no copy is in the kernel. */
    private void release() {
        if (busy > 0 || arena == null) return;
        arena.close();
        arena = null;
        released = true;
    }

    @Override
    public boolean drained() {
        return arena == null;
    }

    /** Any thread: true once stopped and its buffers are freed. */
    boolean released() {
        return released;
    }
}
