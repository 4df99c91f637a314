package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.store.S3Config;
import dev.strata.testing.FaultyProxy;
import dev.strata.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults under load in the QEMU guest ({@code STRATA_VM_TAGS=vm-faults}). First: fio verify on
 * two volumes of a `strata serve` whose bucket (S3Proxy) sits behind a proxy that answers 503,
 * then resets connections, then answers nothing for 10 s, after which the node plugin is
 * killed with -9 and restarted. Second: a state directory smaller than the data, with the
 * plugin killed in a loop. fio must verify, the kernel must log no I/O error, and after the
 * faults the volumes drain to the bucket and a second node reads exactly what fio wrote.
 */
@Tag("vm-faults")
class FaultsVmTest {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    final List<Process> servers = new ArrayList<>();
    Path work;
    Path kubelet;

    @AfterEach
    void tearDown() throws Exception {
        NodeVmTest.cleanUpGuest(kubelet, servers);
    }

    /**
     * The bucket misbehaves for 35 s in a row here; writes ride that out only within the
     * ownership lease (past it they fail with EIO by design: FencingTest), so the lease is 60 s.
     */
    List<String> serveArgs(String node, Path state, S3Config bucket, String endpoint, Path secret) {
        return List.of("serve", "--store", "s3://" + bucket.bucket() + "/" + bucket.prefix(), "--s3-endpoint", endpoint,
                "--s3-path-style", "--s3-access-key", S3Server.ACCESS, "--s3-secret-key-file", secret.toString(),
                "--state-dir", state.toString(), "--node-id", node, "--kubelet-dir", kubelet.toString(), "--ownership-lease", "60");
    }

    List<String> fileServeArgs(String node, Path state, String store) {
        return List.of("serve", "--store", store, "--state-dir", state.toString(), "--node-id", node,
                "--kubelet-dir", kubelet.toString());
    }

    Path target(String id) {
        return kubelet.resolve("pods/" + id + "/volume");
    }

    void attach(CsiClient c, String node, String id) {
        VolumeCapability cap = NodeVmTest.mount("ext4");
        Map<String, String> ctx = c.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(id)
                .setNodeId(node).setVolumeCapability(cap).build()).getPublishContextMap();
        Path staging = kubelet.resolve("staging/" + id);
        c.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(staging.toString())
                .setVolumeCapability(cap).putAllPublishContext(ctx).build());
        c.node().nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(staging.toString())
                .setTargetPath(target(id).toString()).setVolumeCapability(cap).build());
    }

    void detach(CsiClient c, String node, String id) {
        c.node().nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id).setTargetPath(target(id).toString()).build());
        c.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(kubelet.resolve("staging/" + id).toString()).build());
        c.controller().controllerUnpublishVolume(ControllerUnpublishVolumeRequest.newBuilder().setVolumeId(id).setNodeId(node).build());
    }

    static List<String> fio(Path dir, int seed, boolean verifyOnly) {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=load-" + seed, "--directory=" + dir, "--rw=randwrite", "--bs=4k",
                "--size=16m", "--ioengine=psync", "--fsync=16", "--verify=crc32c", "--randseed=" + seed, "--verify_state_save=0"));
        cmd.add(verifyOnly ? "--verify_only" : "--do_verify=1");
        return cmd;
    }

    @Test
    void fioVerifiesThroughBucketFaultsAndAKillAndNothingIsLost() throws Exception {
        work = Files.createTempDirectory("strata-faults");
        kubelet = work.resolve("kubelet");
        S3Config bucket = S3Server.freshBucket(PROXY);
        Path secret = Files.writeString(work.resolve("s3-secret"), S3Server.SECRET);
        try (FaultyProxy faulty = new FaultyProxy(PROXY.getUri())) {
            Path state = work.resolve("node-f");
            List<String> args = serveArgs("node-f", state, bucket, faulty.uri().toString(), secret);
            NodeVmTest.launch(args, "faults-node-f", state.resolve("csi.sock"), servers);
            List<String> vols = new ArrayList<>();
            try (CsiClient c = new CsiClient(state.resolve("csi.sock"))) {
                for (int i = 0; i < 2; i++) {
                    String id = NodeVmTest.create(c, "pvc-f" + i, 128L << 20, NodeVmTest.mount("ext4"), null);
                    attach(c, "node-f", id);
                    vols.add(id);
                }
            }
            NodeVmTest.run("dmesg", "-C");
            List<Process> load = new ArrayList<>();
            for (int i = 0; i < vols.size(); i++)
                load.add(new ProcessBuilder(fio(target(vols.get(i)), 20 + i, false)).redirectErrorStream(true).start());
            Thread.sleep(3000);
            faulty.mode(FaultyProxy.Mode.ERROR_503);
            Thread.sleep(20_000);
            faulty.mode(FaultyProxy.Mode.RESET);
            Thread.sleep(5_000);
            faulty.mode(FaultyProxy.Mode.HANG);                      // a black hole: requests get no answer
            Thread.sleep(10_000);
            faulty.mode(FaultyProxy.Mode.PASS);
            int faults = faulty.faults();
            servers.getLast().destroyForcibly().waitFor();          // kill -9 with fio still writing
            Thread.sleep(500);
            NodeVmTest.launch(args, "faults-node-f", state.resolve("csi.sock"), servers);
            for (Process p : load) {
                String out = new String(p.getInputStream().readAllBytes());
                assertEquals(0, p.waitFor(), "fio through faults and a kill:\n" + out);
            }
            String dmesg = NodeVmTest.run("dmesg");
            assertFalse(dmesg.contains("I/O error") || dmesg.contains("EXT4-fs error"), dmesg);
            System.out.println("faults injected by the proxy: " + faults);

            // the faults are over: everything drains, and another node reads exactly what fio wrote
            try (CsiClient c = new CsiClient(state.resolve("csi.sock"))) {
                for (String id : vols) detach(c, "node-f", id);
            }
            Path other = work.resolve("node-g");
            NodeVmTest.launch(serveArgs("node-g", other, bucket, PROXY.getUri().toString(), secret), "faults-node-g",
                    other.resolve("csi.sock"), servers);
            try (CsiClient g = new CsiClient(other.resolve("csi.sock"))) {
                for (int i = 0; i < vols.size(); i++) {
                    attach(g, "node-g", vols.get(i));
                    NodeVmTest.run(fio(target(vols.get(i)), 20 + i, true).toArray(String[]::new));
                    detach(g, "node-g", vols.get(i));
                }
            }
        }
    }

    static List<String> fioFill(Path dir, int seed, boolean verifyOnly) {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=fill-" + seed, "--directory=" + dir, "--rw=randwrite", "--bs=64k",
                "--size=48m", "--ioengine=psync", "--fsync=8", "--verify=crc32c", "--randseed=" + seed, "--verify_state_save=0",
                // what one emulated vCPU can pack and store while it also runs fio and ext4; faster
                // writers fill the disk with dirty data, and their writes then fail (EIO) by design
                "--rate=384k"));
        cmd.add(verifyOnly ? "--verify_only" : "--do_verify=1");
        return cmd;
    }

    /**
     * The node's state directory is a 64 MiB filesystem; two volumes take 96 MiB of fio data
     * (64 KiB random writes at 384 KiB/s each, verified) through it while the node plugin is killed with -9
     * and restarted three times. The caches must give back what the bucket holds, boot
     * recovery must resume the devices each time, fio must verify, and a second node must
     * read exactly what fio wrote.
     */
    @Test
    void fioHoldsWhileTheLocalDiskFillsAndThePluginIsKilledInALoop() throws Exception {
        work = Files.createTempDirectory("strata-fill");
        kubelet = work.resolve("kubelet");
        // the embedded file-backed store, outside the small state dir: under TCG one emulated vCPU
        // cannot run S3Proxy fast enough to upload what fio writes (the first test covers S3 faults)
        String store = "file://" + Files.createDirectories(work.resolve("bucket"));
        Path state = Files.createDirectories(work.resolve("node-h"));
        NodeVmTest.run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", state.toString());
        try {
            List<String> args = fileServeArgs("node-h", state, store);
            NodeVmTest.launch(args, "fill-node-h", state.resolve("csi.sock"), servers);
            List<String> vols = new ArrayList<>();
            try (CsiClient c = new CsiClient(state.resolve("csi.sock"))) {
                for (int i = 0; i < 2; i++) {
                    String id = NodeVmTest.create(c, "pvc-h" + i, 256L << 20, NodeVmTest.mount("ext4"), null);
                    attach(c, "node-h", id);
                    vols.add(id);
                }
            }
            NodeVmTest.run("dmesg", "-C");
            List<Process> load = new ArrayList<>();
            for (int i = 0; i < vols.size(); i++)
                load.add(new ProcessBuilder(fioFill(target(vols.get(i)), 40 + i, false)).redirectErrorStream(true).start());
            int kills = 0;
            for (int k = 0; k < 3; k++) {
                Thread.sleep(4_000);
                if (load.stream().noneMatch(Process::isAlive)) break;
                servers.getLast().destroyForcibly().waitFor();       // kill -9 with fio writing
                kills++;
                Thread.sleep(300);
                NodeVmTest.launch(args, "fill-node-h", state.resolve("csi.sock"), servers);
            }
            for (Process p : load) {
                String out = new String(p.getInputStream().readAllBytes());
                assertEquals(0, p.waitFor(), "fio through a full disk and " + kills + " kills:\n" + out);
            }
            String dmesg = NodeVmTest.run("dmesg");
            assertFalse(dmesg.contains("I/O error") || dmesg.contains("EXT4-fs error"), dmesg);
            String df = NodeVmTest.run("df", "-k", state.toString());
            System.out.println("plugin kills: " + kills + "; state dir after the load:\n" + df);
            try (CsiClient c = new CsiClient(state.resolve("csi.sock"))) {
                for (String id : vols) detach(c, "node-h", id);
            }
            Path other = work.resolve("node-i");
            NodeVmTest.launch(fileServeArgs("node-i", other, store), "fill-node-i",
                    other.resolve("csi.sock"), servers);
            try (CsiClient g = new CsiClient(other.resolve("csi.sock"))) {
                for (int i = 0; i < vols.size(); i++) {
                    attach(g, "node-i", vols.get(i));
                    NodeVmTest.run(fioFill(target(vols.get(i)), 40 + i, true).toArray(String[]::new));
                    detach(g, "node-i", vols.get(i));
                }
            }
            assertTrue(kills >= 2, "fio outlasted at least two kills (" + kills + ")");
        } finally {
            NodeVmTest.cleanUpGuest(kubelet, servers);
            new ProcessBuilder("umount", "-l", state.toString()).inheritIO().start().waitFor();
        }
    }
}
