package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.node.LocalMap;
import dev.strata.store.FileObjectStore;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole CSI flow against real `strata serve` processes on a real ublk kernel (the QEMU
 * guest of src/test/vm/run-vm-tests.sh): two node processes share one bucket; volumes are
 * formatted, mounted, written, snapshotted (in-process and through the node agent), cloned,
 * moved between nodes, expanded; a node plugin killed with -9 recovers only its local map.
 * About 15 minutes under TCG, so its own tag: {@code STRATA_VM_TAGS=vm-node}, or
 * {@code STRATA_VM_TESTS=all bin/test}.
 */
@Tag("vm-node")
class NodeVmTest {
    static final long MIB = 1L << 20;

    Path work;
    Path bucket;
    Path kubelet;
    Path tokenFile;
    final List<Process> servers = new ArrayList<>();
    final List<CsiClient> clients = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        work = Files.createTempDirectory("strata-node-vm");
        bucket = work.resolve("bucket");
        kubelet = work.resolve("kubelet");
        tokenFile = work.resolve("agent-token");
        Files.writeString(tokenFile, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(work.toString().getBytes())));
    }


    @AfterEach
    void tearDown() throws Exception {
        for (CsiClient c : clients) c.close();
        cleanUpGuest(kubelet, servers);
    }

    /** Lazily unmounts everything mounted under {@code kubelet} (deepest first). */
    static void unmountUnder(Path kubelet) throws Exception {
        new ProcessBuilder("sh", "-c", "grep ' " + kubelet + "' /proc/self/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l")
                .inheritIO().start().waitFor();
    }

    /**
     * Lazily unmounts everything under {@code kubelet}, kills the servers, deletes the ublk devices they left. Every
     * server still running must be in {@code servers}: deleting a device its server still holds waits forever.
     */
    static void cleanUpGuest(Path kubelet, List<Process> servers) throws Exception {
        unmountUnder(kubelet);
        for (Process s : servers) s.destroyForcibly().waitFor();
        // devices the servers left behind (they always leave them for recovery)
        try (dev.strata.ublk.UblkControl ctl = dev.strata.ublk.UblkControl.open()) {
            for (int id = 0; id < 64; id++) {
                try {
                    ctl.devInfo(id);
                } catch (RuntimeException e) {
                    continue;
                }
                try {
                    ctl.stopDev(id);
                } catch (RuntimeException ignored) {
                }
                try {
                    ctl.delDev(id);
                } catch (RuntimeException e) {
                    System.out.println("cleanup of ublk " + id + ": " + e);
                }
            }
        }
    }

    Process serve(String node, Path state, int metricsPort) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--store", bucket.toUri().toString(), "--state-dir", state.toString(),
                "--node-id", node, "--kubelet-dir", kubelet.toString(), "--agent-listen", "127.0.0.1:0",
                "--agent-token-file", tokenFile.toString()));
        if (metricsPort > 0) args.addAll(List.of("--metrics-port", Integer.toString(metricsPort)));
        return launch(args, node, state.resolve("csi.sock"), servers);
    }

    /** Starts {@code strata ARGS} as its own JVM and waits until its CSI socket answers Probe as ready. */
    static Process launch(List<String> strataArgs, String name, Path socket, List<Process> track) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        // the runtime classpath only (written by the harness): fewer jars to search over 9p
        Path runtime = Path.of("target/runtime-classpath.txt"), deps = Path.of("target/test-classpath.txt");
        String cp = Files.exists(runtime) ? "target/classes:" + Files.readString(runtime).trim()
                : Files.exists(deps) ? "target/classes:" + Files.readString(deps).trim() : System.getProperty("java.class.path");
        Files.createDirectories(socket.getParent());
        // server logs go to the checkout (shared with the host), so a failed guest run can be read afterwards
        Path logs = Files.createDirectories(Path.of("target/vm-logs"));
        Path log = logs.resolve(name + "-" + System.currentTimeMillis() + ".log");
        // C1 only and the serial collector: under TCG a JVM spends minutes of CPU in C2 and class loading
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx384m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp, Main.class.getName()));
        cmd.addAll(strataArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // no start-up warm-up (--warm-up-ios): under TCG it adds a minute or more to every server start here;
        // bench/ublk.sh measures it, SelfWarmTest covers it on the host
        pb.environment().putIfAbsent("STRATA_WARM_UP_IOS", "0");
        Process p = pb.start();
        track.add(p);
        long deadline = System.currentTimeMillis() + 900_000; // a JVM starts in minutes under TCG, not seconds
        while (true) {
            if (!p.isAlive()) throw new AssertionError(name + " exited:\n" + Files.readString(log));
            if (Files.exists(socket)) {
                try (CsiClient probe = new CsiClient(socket)) {
                    if (probe.identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue()) return p;
                } catch (StatusRuntimeException e) {
                    // not yet
                }
            }
            if (System.currentTimeMillis() > deadline) {
                new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor(); // a thread dump into the log
                Thread.sleep(2000);
                String text = Files.readString(log);
                throw new AssertionError(name + " did not become ready; its log (" + log + ") ends:\n"
                        + text.substring(Math.max(0, text.length() - 20000)));
            }
            Thread.sleep(500);
        }
    }

    CsiClient client(Path state) {
        CsiClient c = new CsiClient(state.resolve("csi.sock"));
        clients.add(c);
        return c;
    }

    static VolumeCapability mount(String fs) {
        return VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.newBuilder().setFsType(fs))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)).build();
    }

    static VolumeCapability block() {
        return VolumeCapability.newBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)).build();
    }

    static String create(CsiClient c, String name, long bytes, VolumeCapability cap, VolumeContentSource source) {
        CreateVolumeRequest.Builder b = CreateVolumeRequest.newBuilder().setName(name).addVolumeCapabilities(cap)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes));
        if (source != null) b.setVolumeContentSource(source);
        return c.controller().createVolume(b.build()).getVolume().getVolumeId();
    }

    static VolumeContentSource fromSnapshot(String id) {
        return VolumeContentSource.newBuilder().setSnapshot(VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(id)).build();
    }

    static VolumeContentSource fromVolume(String id) {
        return VolumeContentSource.newBuilder().setVolume(VolumeContentSource.VolumeSource.newBuilder().setVolumeId(id)).build();
    }

    static String snapshot(CsiClient c, String name, String volume) {
        return c.controller().createSnapshot(CreateSnapshotRequest.newBuilder().setName(name).setSourceVolumeId(volume).build())
                .getSnapshot().getSnapshotId();
    }

    Path staging(String id) {
        return kubelet.resolve("plugins/strata.dev/staging/" + id);
    }

    Path target(String id) {
        return kubelet.resolve("pods/" + id + "/volume");
    }

    /** ControllerPublish + NodeStage + NodePublish of {@code id} on the node {@code c} serves. */
    void attach(CsiClient c, String node, String id, VolumeCapability cap) {
        Map<String, String> ctx = c.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(id)
                .setNodeId(node).setVolumeCapability(cap).build()).getPublishContextMap();
        c.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(staging(id).toString())
                .setVolumeCapability(cap).putAllPublishContext(ctx).build());
        c.node().nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(staging(id).toString())
                .setTargetPath(target(id).toString()).setVolumeCapability(cap).build());
    }

    void detach(CsiClient c, String node, String id) {
        c.node().nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id).setTargetPath(target(id).toString()).build());
        c.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(staging(id).toString()).build());
        c.controller().controllerUnpublishVolume(ControllerUnpublishVolumeRequest.newBuilder().setVolumeId(id).setNodeId(node).build());
    }

    static String sha(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new AssertionError(String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    long fsTotal(CsiClient c, String id) {
        return c.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id)
                .setVolumePath(target(id).toString()).build()).getUsage(0).getTotal();
    }

    @Test
    void volumesFormatMountSnapshotCloneMoveAndExpandAcrossTwoNodes() throws Exception {
        Path stateA = work.resolve("node-a"), stateB = work.resolve("node-b");
        serve("node-a", stateA, 0);
        serve("node-b", stateB, 0);
        CsiClient a = client(stateA), b = client(stateB);

        // ext4 on node A: format a blank volume, write
        String vol = create(a, "pvc-ext4", 256 * MIB, mount("ext4"), null);
        attach(a, "node-a", vol, mount("ext4"));
        assertTrue(run("findmnt", "-n", "-o", "SOURCE,FSTYPE", staging(vol).toString()).matches("(?s)/dev/ublkb\\d+\\s+ext4\\s*"));
        byte[] data = new byte[6 << 20];
        new Random(42).nextBytes(data);
        Files.write(target(vol).resolve("data.bin"), data);
        Files.writeString(target(vol).resolve("hello.txt"), "hello from node-a");
        run("sync");
        String dataSha = sha(target(vol).resolve("data.bin"));

        // snapshot cut in-process by A's controller; restore on node B
        String snap1 = snapshot(a, "snap-1", vol);
        String restored = create(a, "pvc-restored", 256 * MIB, mount("ext4"), fromSnapshot(snap1));
        attach(b, "node-b", restored, mount("ext4"));
        assertEquals(dataSha, sha(target(restored).resolve("data.bin")));
        assertEquals("hello from node-a", Files.readString(target(restored).resolve("hello.txt")));

        // writes after the first snapshot; B's controller snapshots and clones A's volume through A's node agent
        Files.writeString(target(vol).resolve("after.txt"), "written after snap-1");
        run("sync");
        String snap2 = snapshot(b, "snap-2", vol);
        String clone = create(b, "pvc-clone", 256 * MIB, mount("ext4"), fromVolume(vol));
        String restored2 = create(b, "pvc-restored-2", 256 * MIB, mount("ext4"), fromSnapshot(snap2));
        attach(b, "node-b", restored2, mount("ext4"));
        attach(b, "node-b", clone, mount("ext4"));
        for (String id : List.of(restored2, clone)) {
            assertEquals("written after snap-1", Files.readString(target(id).resolve("after.txt")), id);
            assertEquals(dataSha, sha(target(id).resolve("data.bin")), id);
        }
        assertFalse(Files.exists(target(restored).resolve("after.txt")), "snap-1 is a point in time");

        // move the volume: detach on A (drains to the bucket), attach on B, nothing lost
        detach(a, "node-a", vol);
        attach(b, "node-b", vol, mount("ext4"));
        assertEquals(dataSha, sha(target(vol).resolve("data.bin")));
        assertEquals("written after snap-1", Files.readString(target(vol).resolve("after.txt")));

        // raw block: bytes written on A come back on B
        String raw = create(a, "pvc-block", 64 * MIB, block(), null);
        attach(a, "node-a", raw, block());
        byte[] chunk = new byte[1 << 20];
        new Random(7).nextBytes(chunk);
        try (FileChannel ch = FileChannel.open(target(raw), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(chunk), 5 * MIB);
            ch.force(true);
        }
        detach(a, "node-a", raw);
        attach(b, "node-b", raw, block());
        byte[] back = new byte[chunk.length];
        try (RandomAccessFile f = new RandomAccessFile(target(raw).toFile(), "r")) {
            f.seek(5 * MIB);
            f.readFully(back);
        }
        assertArrayEquals(chunk, back);

        // xfs, expanded: online where the driver has UPDATE_SIZE (6.16+), else through a re-stage
        String xfs = create(a, "pvc-xfs", 320 * MIB, mount("xfs"), null);
        attach(a, "node-a", xfs, mount("xfs"));
        Files.writeString(target(xfs).resolve("x.txt"), "xfs data");
        long before = fsTotal(a, xfs);
        a.controller().controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId(xfs)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(640 * MIB)).build());
        NodeExpandVolumeRequest expand = NodeExpandVolumeRequest.newBuilder().setVolumeId(xfs).setVolumePath(target(xfs).toString())
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(640 * MIB)).build();
        try {
            a.node().nodeExpandVolume(expand);
            System.out.println("expanded online");
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains("UPDATE_SIZE"), e.getStatus().getDescription());
            System.out.println("no online growth on this kernel: " + e.getStatus().getDescription());
            detach(a, "node-a", xfs);
            attach(a, "node-a", xfs, mount("xfs"));
            a.node().nodeExpandVolume(expand);
        }
        assertTrue(fsTotal(a, xfs) > before + 250 * MIB, before + " -> " + fsTotal(a, xfs));
        assertEquals("xfs data", Files.readString(target(xfs).resolve("x.txt")));

        for (String id : List.of(restored, restored2, clone, vol, raw)) detach(b, "node-b", id);
        detach(a, "node-a", xfs);
        assertEquals(List.of(), LocalMap.open(stateA.resolve("node")).entries());
        assertEquals(List.of(), LocalMap.open(stateB.resolve("node")).entries());
    }

    static double metric(int port, String name) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.eE+-]+)$").matcher(body);
        if (!m.find()) throw new AssertionError(name + " not in metrics:\n" + body);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aNodeKilledWithMinus9RecoversExactlyItsLocalMapWithoutIoErrors() throws Exception {
        Path state = work.resolve("node-k");
        int port = 9391;
        Process first = serve("node-k", state, port);
        CsiClient c = client(state);
        List<String> vols = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = create(c, "pvc-k" + i, 128 * MIB, mount("ext4"), null);
            attach(c, "node-k", id, mount("ext4"));
            Files.writeString(target(id).resolve("id.txt"), id);
            vols.add(id);
        }
        run("sync");
        // 1,000 more volumes in the bucket that this node never held
        try (FileObjectStore store = new FileObjectStore(Path.of(bucket.toUri()))) {
            Registry registry = new Registry(store, Clock.systemUTC());
            for (int i = 0; i < 1000; i++)
                registry.create(new CreateSpec(new VolumeName("bulk-" + i), null, 1L << 30, 0, FromRef.BLANK, Map.of()));
        }
        run("dmesg", "-C");
        Process fio = new ProcessBuilder("fio", "--name=across-kill", "--directory=" + target(vols.getFirst()), "--rw=randwrite",
                "--bs=4k", "--size=16m", "--ioengine=psync", "--fsync=16", "--verify=crc32c", "--do_verify=1", "--randseed=5", "--verify_state_save=0")
                .redirectErrorStream(true).start();
        Thread.sleep(3000);
        first.destroyForcibly().waitFor();
        clients.remove(c);
        c.close();
        Thread.sleep(500);
        serve("node-k", state, port);
        String fioOut = new String(fio.getInputStream().readAllBytes());
        assertEquals(0, fio.waitFor(), "fio across the kill:\n" + fioOut);
        String dmesg = run("dmesg");
        assertFalse(dmesg.contains("I/O error") || dmesg.contains("EXT4-fs error"), dmesg);
        for (String id : vols) assertEquals(id, Files.readString(target(id).resolve("id.txt")));

        assertEquals(3, metric(port, "strata_node_recovered_volumes{outcome=\"resumed\"}"));
        assertEquals(3, metric(port, "strata_node_attached_volumes"));
        double requests = metric(port, "strata_node_recovery_store_requests");
        System.out.println("boot recovery: 3 local volumes, 1003 in the bucket, " + requests + " store requests, "
                + metric(port, "strata_node_recovery_seconds") + " s");
        assertTrue(requests > 0 && requests < 3 * 40, "requests at boot grow with the local map (3), not the bucket (1003): " + requests);

        CsiClient again = client(state);
        for (String id : vols) detach(again, "node-k", id);
        assertEquals(List.of(), LocalMap.open(state.resolve("node")).entries());
    }
}
