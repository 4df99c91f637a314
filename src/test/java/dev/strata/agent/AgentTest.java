package dev.strata.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.agent.proto.AgentProto.CutRequest;
import dev.strata.agent.proto.NodeAgentGrpc;
import dev.strata.node.LocalMap;
import dev.strata.node.LoopDevices;
import dev.strata.node.NodeVolumes;
import dev.strata.node.ProcessRunner;
import dev.strata.store.FileObjectStore;
import dev.strata.testing.Privileged;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.Layout;
import dev.strata.volume.NodeId;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeRecord;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node agent over real TCP: token checks, cuts of held volumes, the controller's client. */
class AgentTest {
    static final NodeId NODE = new NodeId("node-a");
    @TempDir Path state;
    @TempDir Path bucket;
    @TempDir Path kubelet;
    FileObjectStore store;
    Registry registry;
    LoopDevices devices;
    NodeVolumes volumes;
    AgentServer agent;
    final AgentToken token = AgentToken.of("s3cret-token-for-tests-0123");

    @BeforeEach
    void setUp() {
        Privileged.assumeRootWithLoopDevices();
        store = new FileObjectStore(bucket);
        registry = new Registry(store, Clock.systemUTC());
        devices = new LoopDevices(state.resolve("loops"));
        volumes = new NodeVolumes(NODE, registry, new PackCache(store, 1 << 20), state.resolve("node"), devices,
                new ProcessRunner(Duration.ofSeconds(60)), Clock.systemUTC());
        agent = AgentServer.start("127.0.0.1", 0, false, token, null, volumes);
    }

    @AfterEach
    void tearDown() {
        if (devices == null) return;  // skipped: not root
        agent.close();
        for (String v : volumes.heldVolumes()) volumes.unstage(new VolumeName(v), kubelet.resolve(v));
        volumes.close();
        devices.detachAll();
        store.close();
    }

    String address() {
        return "127.0.0.1:" + agent.port();
    }

    VolumeRecord held(String name, boolean stage) {
        VolumeName v = new VolumeName(name);
        registry.create(new CreateSpec(v, name, 16L << 20, 0, FromRef.BLANK, Map.of()));
        VolumeRecord r = registry.ownership().grant(v, NODE, false, address());
        if (stage) volumes.stage(new NodeVolumes.StageRequest(v, r.owner().epoch(), kubelet.resolve(name), LocalMap.Access.BLOCK,
                null, List.of(), false));
        return r;
    }

    String rawCut(String volume, String presented) {
        return rawCut(agent.port(), volume, presented);
    }

    static String rawCut(int port, String volume, String presented) {
        ManagedChannel ch = NettyChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
        try {
            var stub = NodeAgentGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
            if (presented != null) {
                Metadata h = new Metadata();
                h.put(AgentServer.AUTHORIZATION, presented);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
            }
            return stub.cut(CutRequest.newBuilder().setVolume(volume).build()).getManifestKey();
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void callsWithoutTheRightTokenAreRejectedBeforeTouchingAVolume() {
        VolumeRecord r = held("v1", true);
        long generation = registry.newestGenerationRef(r).number();
        for (String bad : new String[] {null, "", "Bearer ", "Bearer wrong-token-wrong-token", "Basic " + token.reveal(),
                "Bearer " + token.reveal() + "x", token.reveal()}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rawCut("v1", bad), String.valueOf(bad));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        }
        assertEquals(generation, registry.newestGenerationRef(r).number(), "no rejected call cut anything");
    }

    @Test
    void aCutCommitsTheHeldVolumeAndNamesAnExistingManifest() {
        VolumeRecord r = held("v2", true);
        String key = rawCut("v2", "Bearer " + token.reveal());
        assertFalse(key.isEmpty());
        assertTrue(store.head(Layout.inPool(r.poolId(), key)).isPresent(), "the cut names a manifest in the bucket: " + key);
        AgentLiveCut client = new AgentLiveCut(token, null, AgentLiveCut.Local.NONE);
        try {
            String again = client.cut(registry.resolve(new VolumeName("v2")));
            assertTrue(store.head(Layout.inPool(r.poolId(), again)).isPresent(), again);
        } finally {
            client.close();
        }
    }

    @Test
    void theControllerClientHandlesEachHolderState() {
        held("staged", true);
        VolumeRecord publishedOnly = held("published-only", false);
        try (AgentLiveCut client = new AgentLiveCut(token, null, AgentLiveCut.Local.NONE)) {
            assertFalse(client.cut(registry.resolve(new VolumeName("staged"))).isEmpty());
            assertNull(client.cut(publishedOnly), "published but not attached: nothing unuploaded, the committed manifest stands");
            VolumeRecord noAgent = registry.ownership().grant(new VolumeName(held("x", false).name()), NODE, false, null);
            VolumeRecord detached = registry.resolve(new VolumeName("x"));
            assertNull(new AgentLiveCut(token, null, AgentLiveCut.Local.NONE).cut(
                    new VolumeRecord(detached.formatVersion(), detached.name(), null, detached.uid(), detached.sizeBytes(), detached.requestedBytes(),
                            detached.blockSize(), detached.pool(), null, null, Map.of(), null, detached.epoch(), 0, 0, detached.created())),
                    "an unheld volume needs no cut");
            VolumeRecord withoutAddress = noAgent.withOwner(new dev.strata.volume.Owner(NODE.value(), noAgent.epoch(), null, false, 0), noAgent.epoch());
            assertThrows(VolumeException.Unavailable.class, () -> client.cut(withoutAddress));
        }
        try (AgentLiveCut wrongToken = new AgentLiveCut(AgentToken.of("another-token-another-token"), null, AgentLiveCut.Local.NONE);
             AgentLiveCut noToken = new AgentLiveCut((AgentToken) null, null, AgentLiveCut.Local.NONE)) {
            VolumeRecord staged = registry.resolve(new VolumeName("staged"));
            VolumeException.Unavailable e = assertThrows(VolumeException.Unavailable.class, () -> wrongToken.cut(staged));
            assertTrue(e.getMessage().contains("UNAUTHENTICATED"), e.getMessage());
            assertFalse(e.getMessage().contains("another-token"), "the token is never echoed");
            assertThrows(VolumeException.Unavailable.class, () -> noToken.cut(staged));
        }
    }

    @Test
    void aHandOverThroughTheAgentUploadsWhatTheHolderAcknowledgedAndStopsItsWrites() {
        VolumeRecord r = held("moving", true);
        dev.strata.volume.BlockTarget target = devices.targets.getLast();
        byte[] data = new byte[256 << 10];
        new java.util.Random(7).nextBytes(data);
        target.write(0, java.nio.ByteBuffer.wrap(data));
        target.flush();
        try (AgentLiveCut client = new AgentLiveCut(token, null, AgentLiveCut.Local.NONE)) {
            client.release(registry.resolve(new VolumeName("moving")));
        }
        assertThrows(VolumeException.Fenced.class, () -> target.write(0, java.nio.ByteBuffer.allocate(4096)),
                "the holder acknowledges nothing after the hand-over");
        assertThrows(VolumeException.Fenced.class, target::flush);
        registry.ownership().revoke(new VolumeName("moving"), NODE);
        volumes.unstage(new VolumeName("moving"), kubelet.resolve("moving"));
        assertThrows(VolumeException.FailedPrecondition.class, () -> volumes.stage(new NodeVolumes.StageRequest(new VolumeName("moving"),
                r.owner().epoch(), kubelet.resolve("moving"), LocalMap.Access.BLOCK, null, List.of(), false)),
                "a handed-over epoch is never staged again");
        long epoch = registry.ownership().grant(new VolumeName("moving"), new NodeId("node-b"), false, null).owner().epoch();
        try (var b = dev.strata.volume.AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("moving"), epoch,
                state.resolve("node-b"), dev.strata.volume.EngineOptions.DEFAULTS, Clock.systemUTC())) {
            java.nio.ByteBuffer back = java.nio.ByteBuffer.allocate(data.length);
            b.read(0, back);
            org.junit.jupiter.api.Assertions.assertArrayEquals(data, back.array(), "node-b reads every acknowledged byte");
        }
    }

    @Test
    void theAgentRefusesTheWildcardAddressUnlessAllowed() {
        VolumeException e = assertThrows(VolumeException.InvalidArgument.class,
                () -> AgentServer.start("0.0.0.0", 0, false, token, null, volumes));
        assertTrue(e.getMessage().contains("wildcard"), e.getMessage());
        AgentServer.start("0.0.0.0", 0, true, token, null, volumes).close();
    }

    @Test
    void tokensAreCheckedAndNeverPrinted() {
        assertThrows(VolumeException.InvalidArgument.class, () -> AgentToken.of("short"));
        assertThrows(VolumeException.InvalidArgument.class, () -> AgentToken.of("has a space in it 12345"));
        assertTrue(token.matches("s3cret-token-for-tests-0123"));
        assertFalse(token.matches("s3cret-token-for-tests-012"));
        assertFalse(token.matches(null));
        assertFalse(token.toString().contains("s3cret"));
        assertEquals(64, AgentToken.random().reveal().length());
    }

    @Test
    void aRotatedTokenFileTakesEffectWithoutARestart() throws Exception {
        java.nio.file.Path file = state.resolve("agent-token");
        java.nio.file.Files.writeString(file, "first-token-first-token");
        TokenFile source = new TokenFile(file);
        try (AgentServer rotating = AgentServer.start("127.0.0.1", 0, false, source, null, volumes)) {
            // an authenticated call for a volume this node does not hold answers NOT_FOUND
            StatusRuntimeException ok = assertThrows(StatusRuntimeException.class,
                    () -> rawCut(rotating.port(), "not-held", "Bearer first-token-first-token"));
            assertEquals(Status.Code.NOT_FOUND, ok.getStatus().getCode());
            java.nio.file.Files.writeString(file, "second-token-second-token");
            java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                    () -> rawCut(rotating.port(), "not-held", "Bearer first-token-first-token")).getStatus().getCode());
            assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                    () -> rawCut(rotating.port(), "not-held", "Bearer second-token-second-token")).getStatus().getCode());
            java.nio.file.Files.writeString(file, "short");
            java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10000));
            assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                    () -> rawCut(rotating.port(), "not-held", "Bearer second-token-second-token")).getStatus().getCode(),
                    "an invalid new token keeps the last good one");
        }
    }

    @Test
    void overTlsTheControllerCutsWithTheCaAndPlaintextIsRefused() throws Exception {
        // a self-signed certificate for 127.0.0.1, made by the openssl command line
        java.nio.file.Path cert = state.resolve("agent.crt"), key = state.resolve("agent.key");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "1", "-subj", "/CN=strata-agent", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        java.nio.file.Path pkcs8 = state.resolve("agent.pk8");
        Process q = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", key.toString(), "-out", pkcs8.toString())
                .redirectErrorStream(true).start();
        String out2 = new String(q.getInputStream().readAllBytes());
        assertEquals(0, q.waitFor(), out2);

        VolumeRecord r = held("tls-vol", true);
        try (AgentServer tls = AgentServer.start("127.0.0.1", 0, false, token, new AgentServer.Tls(cert.toFile(), pkcs8.toFile()), volumes)) {
            VolumeRecord atTls = r.withOwner(new dev.strata.volume.Owner(NODE.value(), r.owner().epoch(), "127.0.0.1:" + tls.port(), false, 0),
                    r.owner().epoch());
            try (AgentLiveCut client = new AgentLiveCut(token, cert.toFile(), AgentLiveCut.Local.NONE)) {
                String key1 = client.cut(atTls);
                assertTrue(store.head(Layout.inPool(r.poolId(), key1)).isPresent(), "cut over TLS: " + key1);
            }
            try (AgentLiveCut plaintext = new AgentLiveCut(token, null, AgentLiveCut.Local.NONE)) {
                assertThrows(VolumeException.Unavailable.class, () -> plaintext.cut(atTls), "a plaintext client cannot talk to a TLS agent");
            }
        }
    }

    @Test
    void aRetuneReachesTheHoldingEngineOverTheAgentWithoutADetach() {
        held("tuned", true);
        var engine = (dev.strata.volume.AttachedVolume) devices.targets.getLast();
        assertEquals(Duration.ofSeconds(10), engine.rpo());
        VolumeRecord modified = registry.modify(new VolumeName("tuned"), Map.of("rpo", "2", "durability", "sync"));
        VolumeRecord publishedOnly = registry.modify(new VolumeName(held("not-staged", false).name()), Map.of("rpo", "3"));
        try (AgentChannels channels = new AgentChannels(() -> token, null);
             AgentChannels wrong = new AgentChannels(() -> AgentToken.of("another-token-another-token"), null)) {
            new AgentRetune(channels, x -> false).retune(modified);
            assertEquals(Duration.ofSeconds(2), engine.rpo(), "the holder re-read the record");
            assertTrue(engine.syncDurability());
            assertEquals(1, devices.added.get(), "the device stayed");
            new AgentRetune(channels, x -> false).retune(publishedOnly); // not attached yet: it reads the record at attach
            assertThrows(VolumeException.Unavailable.class, () -> new AgentRetune(wrong, x -> false).retune(modified));
        }
    }

    @Test
    void aGroupCutLatchesCutsAndReleasesTheHolderOverTheAgent() throws Exception {
        VolumeRecord r = held("grouped", true);
        var engine = (dev.strata.volume.AttachedVolume) devices.targets.getLast();
        var group = dev.strata.volume.GroupSnapshotId.forCsiName("agent-group");
        VolumeName name = new VolumeName("grouped");
        try (AgentChannels channels = new AgentChannels(() -> token, null)) {
            AgentGroupCut holder = new AgentGroupCut(channels, r);
            holder.prepare(name, group, Duration.ofSeconds(10));
            holder.latch(name, group, Duration.ofSeconds(10));
            var write = java.util.concurrent.CompletableFuture.runAsync(() -> engine.write(0, java.nio.ByteBuffer.allocate(4096)));
            Thread.sleep(200);
            assertFalse(write.isDone(), "latched: the write waits");
            String key = holder.cut(name, group);
            write.get(30, TimeUnit.SECONDS);
            assertTrue(store.head(Layout.inPool(r.poolId(), key)).isPresent(), key);
            holder.release(name, group); // idempotent after the cut

            holder.prepare(name, group, Duration.ofSeconds(10));
            holder.latch(name, group, Duration.ofMillis(200));
            engine.write(0, java.nio.ByteBuffer.allocate(4096)); // goes through once the latch lapses
            assertThrows(VolumeException.Aborted.class, () -> holder.cut(name, group), "a lapsed latch cannot be cut");
            VolumeRecord notStaged = held("group-unstaged", false);
            assertThrows(VolumeException.NotFound.class, () -> new AgentGroupCut(channels, notStaged)
                    .prepare(new VolumeName("group-unstaged"), group, Duration.ofSeconds(1)));
        }
    }
}
