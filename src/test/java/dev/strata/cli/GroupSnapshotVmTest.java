package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import csi.v1.GroupControllerGrpc;
import dev.strata.cli.FailoverVmTest.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A volume group snapshot of two volumes attached on two `strata serve` processes (two nodes,
 * one bucket), taken over CSI while a writer on each appends numbered 4 KiB records (O_DIRECT,
 * fdatasync after each), in the QEMU guest with real ublk devices. Each member is restored
 * into a new volume and read back: every restored volume holds a prefix of its writer's
 * records; it holds every record synced before the group call began and none whose write
 * began after the call returned; and the members are one point in time across the volumes —
 * no member holds a record written after a record another member lacks was acknowledged
 * by its device. As a control, two ordinary snapshots taken one after the other (a group
 * without its latch) are put through the same check, which must find them inconsistent.
 */
@Tag("vm-node")
class GroupSnapshotVmTest extends TwoNodeGuest {
    @Override
    String name() {
        return "group";
    }

    void serve(String node) throws Exception {
        serve(node, PROXY.getUri().toString());
    }

    void detach(CsiClient controller, CsiClient nodeClient, String node, String id) {
        unstage(nodeClient, node, id);
        unpublish(controller, node, id);
    }

    /** CreateSnapshot of a live volume (its holder cuts it; minutes under TCG), retried on UNAVAILABLE as the sidecar would. */
    static String snapshot(CsiClient c, String name, String volume) {
        return retried(() -> c.controller.withDeadlineAfter(5, TimeUnit.MINUTES).createSnapshot(CreateSnapshotRequest.newBuilder()
                .setName(name).setSourceVolumeId(volume).build()).getSnapshot().getSnapshotId());
    }

    /** A call retried (up to 5 times) while it answers UNAVAILABLE: a holder's cut can outlast the agent's deadline under TCG. */
    static <T> T retried(java.util.function.Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || attempt == 5) throw e;
                progress("attempt " + attempt + ": " + e.getStatus().getDescription() + "; retrying");
            }
        }
    }

    /** Thread dumps of the servers into their logs (target/vm-logs), then the failure. */
    void dumpServers(Throwable failure) throws Exception {
        progress("failed: " + failure);
        for (Process p : servers) new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor();
        Thread.sleep(3000);
        for (Writer w : writers) progress("writer on " + w.device + ": " + w.acknowledged.size() + " acknowledged, stack "
                + Arrays.toString(w.getStackTrace()));
    }

    static void progress(String what) {
        System.out.println("group-vm: " + java.time.Instant.now() + " " + what);
    }

    /** Waits until {@code w} has acknowledged {@code count} records in all. */
    static void awaitAcks(Writer w, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (w.acknowledged.size() < count) {
            assertTrue(w.isAlive() && System.nanoTime() < deadline,
                    "writer on " + w.device + " acknowledged " + w.acknowledged.size() + " of " + count + ": " + w.failure);
            Thread.sleep(20);
        }
    }

    /** Waits until {@code w} has synced a record whose write started after {@code nanos}; that record's index. */
    static long awaitRecordStartedAfter(Writer w, long nanos) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            int n = w.acknowledged.size();
            for (int k = 0; k < n; k++) if (w.started[k] > nanos) return w.from + k;
            assertTrue(w.isAlive() && System.nanoTime() < deadline, "writer on " + w.device + ": " + w.failure);
            Thread.sleep(20);
        }
    }

    @Test
    void aGroupSnapshotMidWriteOnTwoNodesRestoresOnePointInTimeOfBothWriters() throws Exception {
        serve("node-a");
        serve("node-b");
        try {
            run();
        } catch (Throwable t) {
            dumpServers(t);
            throw t;
        }
    }

    void run() throws Exception {
        try (CsiClient a = new CsiClient(state("node-a").resolve("csi.sock"));
             CsiClient b = new CsiClient(state("node-b").resolve("csi.sock"))) {
            String va = NodeVmTest.create(b, "writer-a", SIZE, NodeVmTest.block(), null);
            String vb = NodeVmTest.create(b, "writer-b", SIZE, NodeVmTest.block(), null);
            Writer wa = new Writer(attach(b, a, "node-a", va), 0, SIZE / RECORD);
            Writer wb = new Writer(attach(b, b, "node-b", vb), 0, SIZE / RECORD);
            writers.addAll(List.of(wa, wb));
            for (Writer w : writers) w.pauseMillis = 20;
            wa.start();
            wb.start();
            awaitAcks(wa, 100);
            awaitAcks(wb, 100);
            progress("writers running on node-a (" + va + ") and node-b (" + vb + ")");

            // the control: a snapshot of A, then one of B once A has synced a record written after A's point
            String controlA = snapshot(b, "control-a", va);
            long afterA = awaitRecordStartedAfter(wa, System.nanoTime());
            awaitRecordStartedAfter(wb, wa.synced[(int) afterA]);
            String controlB = snapshot(b, "control-b", vb);
            progress("control snapshots " + controlA + ", " + controlB);

            awaitAcks(wa, wa.acknowledged.size() + 50);
            awaitAcks(wb, wb.acknowledged.size() + 50);
            long callStarted = System.nanoTime();
            VolumeGroupSnapshot g = retried(() -> GroupControllerGrpc.newBlockingStub(b.channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                    .createVolumeGroupSnapshot(CreateVolumeGroupSnapshotRequest.newBuilder().setName("mid-write")
                            .addSourceVolumeIds(va).addSourceVolumeIds(vb).build()).getGroupSnapshot());
            long callReturned = System.nanoTime();
            progress(String.format("group snapshot %s in %.0f ms", g.getGroupSnapshotId(), (callReturned - callStarted) / 1e6));
            awaitAcks(wa, wa.acknowledged.size() + 30);
            awaitAcks(wb, wb.acknowledged.size() + 30);
            for (Writer w : writers) w.stopping = true;
            for (Writer w : writers) w.join(TimeUnit.MINUTES.toMillis(2));
            assertNull(wa.failure, "writer on node-a");
            assertNull(wb.failure, "writer on node-b");

            assertEquals(List.of(va, vb), g.getSnapshotsList().stream().map(Snapshot::getSourceVolumeId).toList());
            List<Member> group = new ArrayList<>();
            for (Snapshot s : g.getSnapshotsList()) {
                Writer w = s.getSourceVolumeId().equals(va) ? wa : wb;
                group.add(restore(b, s.getSnapshotId(), w));
            }
            List<Member> control = List.of(restore(b, controlA, wa), restore(b, controlB, wb));

            for (Member m : group) {
                m.assertPrefix();
                m.assertHoldsEverySyncedBefore(callStarted);
                m.assertHoldsNothingStartedAfter(callReturned);
                progress(m.summary(callStarted, callReturned));
            }
            List<String> groupViolations = inconsistencies(group);
            assertTrue(groupViolations.isEmpty(), "the group's members are not one point in time: " + groupViolations);
            for (Member m : control) m.assertPrefix();
            List<String> controlViolations = inconsistencies(control);
            progress("control (two snapshots one after the other): " + controlViolations);
            assertFalse(controlViolations.isEmpty(), "the check must see two snapshots taken apart as two points in time");
        }
    }

    /** A member snapshot restored into a new volume on node-b and read back: which of its writer's records it holds. */
    record Member(String snapshot, Writer writer, boolean[] present) {
        /** Index of the first record missing (the prefix's length, as {@code from} is 0). */
        int prefix() {
            int k = 0;
            while (k < present.length && present[k]) k++;
            return k;
        }

        void assertPrefix() {
            int k = prefix();
            for (int i = k; i < present.length; i++)
                assertFalse(present[i], snapshot + " holds record " + i + " but not record " + k + ": not a prefix");
        }

        void assertHoldsEverySyncedBefore(long nanos) {
            for (int i = 0; i < present.length; i++)
                if (writer.synced[i] != 0 && writer.synced[i] < nanos)
                    assertTrue(present[i], snapshot + " lacks record " + i + ", synced before the group call began");
        }

        void assertHoldsNothingStartedAfter(long nanos) {
            for (int i = 0; i < present.length; i++)
                if (present[i]) assertTrue(writer.started[i] < nanos, snapshot + " holds record " + i
                        + ", whose write began after the group call returned");
        }

        /** When the last record held began to be written (0 if none). */
        long lastStarted() {
            int k = prefix();
            return k == 0 ? 0 : writer.started[k - 1];
        }

        String summary(long callStarted, long callReturned) {
            int syncedBefore = 0, startedBefore = 0;
            for (int i = 0; i < present.length; i++) {
                if (writer.synced[i] != 0 && writer.synced[i] < callStarted) syncedBefore++;
                if (writer.started[i] != 0 && writer.started[i] < callReturned) startedBefore++;
            }
            return String.format("%s: holds records 0..%d (%d); %d synced before the call began, %d begun before it returned,"
                    + " %d written in all", snapshot, prefix() - 1, prefix(), syncedBefore, startedBefore, writer.acknowledged.size());
        }
    }

    /**
     * Pairs of members that cannot be one point in time: member M holds a record whose write began after the
     * device acknowledged a record of member N that N lacks. (A group latch holds acknowledgements off on every
     * member at one instant, so a record acknowledged before another member's held record began is in its member.)
     */
    static List<String> inconsistencies(List<Member> members) {
        List<String> out = new ArrayList<>();
        for (Member m : members) {
            long began = m.lastStarted();
            for (Member n : members) {
                if (n == m) continue;
                int missing = n.prefix();
                if (missing < n.present().length && n.writer().written[missing] != 0 && n.writer().written[missing] < began)
                    out.add(m.snapshot() + " holds record " + (m.prefix() - 1) + ", begun after record " + missing
                            + " of " + n.snapshot() + " was acknowledged, which that member lacks");
            }
        }
        return out;
    }

    /** Restores {@code snapshot} into a new volume on node-b, reads which of {@code w}'s records it holds, detaches it. */
    Member restore(CsiClient b, String snapshot, Writer w) throws Exception {
        String id = NodeVmTest.create(b, "restored-" + snapshot.replace('@', '-'), SIZE, NodeVmTest.block(),
                NodeVmTest.fromSnapshot(snapshot));
        Path device = attach(b, b, "node-b", id);
        int n = w.acknowledged.size() + 1; // one more than acknowledged: a record written but never synced
        boolean[] present = new boolean[Math.min(n, w.started.length)];
        byte[] zero = new byte[RECORD];
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(device, StandardOpenOption.READ,
                com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            MemorySegment buf = arena.allocate(RECORD, RECORD);
            for (int i = 0; i < present.length; i++) {
                ByteBuffer bb = buf.asByteBuffer();
                while (bb.hasRemaining()) ch.read(bb, (long) i * RECORD + bb.position());
                byte[] got = buf.toArray(ValueLayout.JAVA_BYTE);
                present[i] = Arrays.equals(FailoverVmTest.record(i), got);
                assertTrue(present[i] || Arrays.equals(zero, got), snapshot + ": record " + i + " is neither whole nor absent");
            }
        }
        detach(b, b, "node-b", id);
        return new Member(snapshot, w, present);
    }
}
