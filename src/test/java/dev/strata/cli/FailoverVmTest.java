package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import csi.v1.Csi.*;
import dev.strata.testing.FaultyProxy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A volume moved between two `strata serve` processes (other node ids, other state dirs, one
 * bucket) while the first keeps writing, in the QEMU guest with real ublk devices. A writer
 * does O_DIRECT writes of numbered 4 KiB records with an fdatasync after each (a FLUSH) and
 * logs every record acknowledged; after the move it goes on on the second node. At the end
 * the volume is attached again and every acknowledged record must be on it (0 lost, by
 * index). Then the same with the first node cut off from the bucket (a proxy answering
 * nothing): the unpublish is refused while its acknowledged writes cannot be uploaded, its
 * writes fail, and the move completes when the bucket is back.
 */
@Tag("vm-node")
class FailoverVmTest extends TwoNodeGuest {
    @Override
    String name() {
        return "failover";
    }

    static byte[] record(long index) {
        byte[] b = new byte[RECORD];
        new Random(index).nextBytes(b);
        ByteBuffer.wrap(b).putLong(index);
        return b;
    }

    /**
     * Writes records {@code from, from+1, …} with O_DIRECT and an fdatasync after each, logging what was acknowledged
     * and, per record (index − from), when its write started, when the device acknowledged the write and when the
     * fdatasync after it returned (System.nanoTime; 0 until then).
     */
    static final class Writer extends Thread {
        final Path device;
        final long from, until;
        final ConcurrentLinkedQueue<Long> acknowledged = new ConcurrentLinkedQueue<>();
        final long[] started, written, synced;
        volatile IOException failure;
        volatile boolean stopping;
        volatile long failedAtNanos;
        /** A pause after each record (0: none), to leave the guest's one vCPU to the servers. */
        volatile long pauseMillis;

        Writer(Path device, long from, long until) {
            this.device = device;
            this.from = from;
            this.until = until;
            started = new long[(int) (until - from)];
            written = new long[started.length];
            synced = new long[started.length];
            setDaemon(true);
        }

        @Override
        public void run() {
            try (Arena arena = Arena.ofConfined();
                 FileChannel ch = FileChannel.open(device, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                MemorySegment buf = arena.allocate(RECORD, RECORD);
                for (long i = from; i < until && !stopping; i++) {
                    ByteBuffer bb = buf.asByteBuffer();
                    bb.put(record(i)).flip();
                    int k = (int) (i - from);
                    started[k] = System.nanoTime();
                    while (bb.hasRemaining()) ch.write(bb, i * RECORD + bb.position());
                    written[k] = System.nanoTime();
                    ch.force(false);
                    synced[k] = System.nanoTime();
                    acknowledged.add(i);
                    if (pauseMillis > 0) Thread.sleep(pauseMillis);
                }
            } catch (IOException e) {
                failedAtNanos = System.nanoTime();
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long last() {
            return acknowledged.stream().mapToLong(Long::longValue).max().orElse(from - 1);
        }
    }

    void awaitAcks(Writer w, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (w.acknowledged.size() < count && w.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
        if (w.acknowledged.size() >= count) return;
        StringBuilder why = new StringBuilder("the writer acknowledged " + w.acknowledged.size() + " records; " + w.failure
                + "\nwriter stack: " + java.util.Arrays.toString(w.getStackTrace()));
        for (Process p : servers) new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor();
        Thread.sleep(3000);
        try (var logs = Files.list(Path.of("target/vm-logs"))) {
            for (Path log : logs.filter(l -> l.getFileName().toString().startsWith("failover-")).toList()) {
                String text = Files.readString(log);
                why.append("\n== ").append(log).append("\n").append(text.substring(Math.max(0, text.length() - 30000)));
            }
        }
        throw new AssertionError(why.toString());
    }

    static void progress(String what) {
        System.out.println("failover: " + what);
    }

    /** Every acknowledged record, read back with O_DIRECT from {@code device}. */
    static void assertAllPresent(Path device, List<Long> acknowledged) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(device, StandardOpenOption.READ,
                com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            MemorySegment buf = arena.allocate(RECORD, RECORD);
            int lost = 0;
            for (long i : acknowledged) {
                ByteBuffer bb = buf.asByteBuffer();
                while (bb.hasRemaining()) ch.read(bb, i * RECORD + bb.position());
                if (!java.util.Arrays.equals(record(i), buf.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))) lost++;
            }
            assertEquals(0, lost, "acknowledged records missing of " + acknowledged.size());
        }
    }

    /** The move: node-a writes, is unpublished while writing, node-b takes over and writes, everything acknowledged is there. */
    @Test
    void aVolumeMovedWhileItsHolderWritesLosesNoAcknowledgedRecord() throws Exception {
        move(false);
    }

    /** The same with node-a cut off from the bucket when the move starts. */
    @Test
    void aHolderCutOffFromTheBucketKeepsTheVolumeUntilItsWritesAreUploaded() throws Exception {
        move(true);
    }

    void move(boolean partition) throws Exception {
        try (FaultyProxy toA = new FaultyProxy(PROXY.getUri())) {
            serve("node-a", toA.uri().toString());
            serve("node-b", PROXY.getUri().toString());
            try (CsiClient a = new CsiClient(state("node-a").resolve("csi.sock"));
                 CsiClient b = new CsiClient(state("node-b").resolve("csi.sock"))) {
                String id = b.controller().createVolume(CreateVolumeRequest.newBuilder().setName(partition ? "cut-off" : "moved")
                        .addVolumeCapabilities(NodeVmTest.block()).putParameters("rpo", "3600")
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(SIZE)).build()).getVolume().getVolumeId();
                progress("volume " + id + " created");
                attach(b, a, "node-a", id);
                progress("attached on node-a at " + target("node-a", id));
                Writer onA = new Writer(target("node-a", id), 0, SIZE / RECORD / 2);
                writers.add(onA);
                onA.start();
                awaitAcks(onA, 200);
                progress("node-a acknowledged " + onA.acknowledged.size() + " records; moving");

                long moveStarted = System.nanoTime();
                if (partition) {
                    toA.mode(FaultyProxy.Mode.HANG);
                    StatusRuntimeException refused = null;
                    try {
                        unpublish(b, "node-a", id);
                    } catch (StatusRuntimeException e) {
                        refused = e;
                    }
                    assertNotNull(refused, "the unpublish of a holder that cannot upload must not succeed");
                    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
                    // (the hand-over's own deadline, 30 s, keeps the answer within this client's 60 s)
                    progress("unpublish while node-a is cut off: " + refused.getStatus().getDescription());
                    StatusRuntimeException held = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                            () -> attach(b, b, "node-b", id), "no publish elsewhere while node-a holds unuploaded writes");
                    assertEquals(Status.Code.FAILED_PRECONDITION, held.getStatus().getCode());
                    onA.join(TimeUnit.MINUTES.toMillis(5));
                    assertNotNull(onA.failure, "node-a's writes fail once it starts handing the volume over");
                    toA.mode(FaultyProxy.Mode.PASS);
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                    while (true) {
                        try {
                            unpublish(b, "node-a", id);
                            break;
                        } catch (StatusRuntimeException e) {
                            if (System.nanoTime() > deadline) throw e;
                            Thread.sleep(2000);
                        }
                    }
                } else {
                    unpublish(b, "node-a", id); // the kubelet has not unstaged it on node-a, which still writes
                    onA.join(TimeUnit.MINUTES.toMillis(5));
                    assertNotNull(onA.failure, "node-a's writes fail once it hands the volume over");
                }
                double fencedAfter = (onA.failedAtNanos - moveStarted) / 1e9;
                progress("unpublished from node-a after its writes failed: " + onA.failure);
                attach(b, b, "node-b", id);
                progress("attached on node-b");
                Writer onB = new Writer(target("node-b", id), onA.last() + 1, onA.last() + 1 + 200);
                writers.add(onB);
                onB.start();
                onB.join(TimeUnit.MINUTES.toMillis(10));
                assertEquals(null, onB.failure, "node-b writes");
                unstage(a, "node-a", id); // fenced there: detached in one call

                List<Long> all = new ArrayList<>(onA.acknowledged);
                all.addAll(onB.acknowledged);
                unstage(b, "node-b", id);
                unpublish(b, "node-b", id);
                attach(b, b, "node-b", id);
                assertAllPresent(target("node-b", id), all);
                System.out.printf("failover%s: node-a acknowledged %d records, node-b %d, lost 0; node-a's writes failed %.2f s"
                                + " after the move began (%s)%n", partition ? " (node-a cut off from the bucket)" : "",
                        onA.acknowledged.size(), onB.acknowledged.size(), fencedAfter, onA.failure.getMessage());
                unstage(b, "node-b", id);
                unpublish(b, "node-b", id);
            }
        }
    }
}
