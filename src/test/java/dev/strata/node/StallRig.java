package dev.strata.node;

import dev.strata.store.FileObjectStore;
import dev.strata.testing.RecordingStore;
import dev.strata.volume.AttachedVolume;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.EngineOptions;
import dev.strata.volume.FromRef;
import dev.strata.volume.Manifest;
import dev.strata.volume.NodeId;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Two engine volumes served as ublk devices by ONE process on ONE ring worker (as
 * {@code strata serve --ublk-workers 1} would), over one real store wrapped in a
 * {@link RecordingStore}: {@link #cold} is a fork of an uploaded source with nothing cached
 * (its reads GET the source's packs), {@link #warm} a blank volume with its own pool (what is
 * written to it is read back from its local cache). {@link #stuckReader} hangs the source's
 * pack GETs and starts a reader on the cold device that waits on one: the guest stall test
 * and the stall benchmark. Needs /dev/ublk-control (QEMU guest).
 */
final class StallRig implements AutoCloseable {
    static final int BLOCK = Manifest.DEFAULT_BLOCK_SIZE;
    /** Packs of 8 blocks (512 KiB) for the source, so a random read fetches one block of one of many packs. */
    static final EngineOptions SMALL_PACKS = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 8);
    static final NodeId NODE = new NodeId("stall");

    final Path dir;
    final RecordingStore store;
    final Registry registry;
    final byte[] source;
    /** A key part only the source's packs have: {@code pools/{source pool}/packs/}. */
    final String sourcePacks;
    final AttachedVolume cold;
    final AttachedVolume warm;
    final UblkDevices devices;
    final Devices.Device coldDevice;
    final Devices.Device warmDevice;

    /** A source of {@code sourceBlocks} random blocks, its cold fork, and a blank warm volume of {@code warmBytes}. */
    StallRig(Path dir, int sourceBlocks, long warmBytes) {
        this.dir = dir;
        store = new RecordingStore(new FileObjectStore(dir.resolve("bucket")), 0);
        registry = new Registry(store, Clock.systemUTC());
        registry.registerNode(NODE, null, 0);
        source = new byte[sourceBlocks * BLOCK];
        new Random(15).nextBytes(source);
        upload(new VolumeName("src"), source);
        sourcePacks = "pools/" + registry.resolve(new VolumeName("src")).pool() + "/packs/";
        registry.create(new CreateSpec(new VolumeName("cold"), "cold", 0, 0, FromRef.parse("volume:src"), Map.of()));
        registry.create(new CreateSpec(new VolumeName("warm"), "warm", warmBytes, 0, FromRef.BLANK, Map.of()));
        if (registry.resolve(new VolumeName("warm")).pool().equals(registry.resolve(new VolumeName("cold")).pool()))
            throw new IllegalStateException("the warm volume must not share the source's pool");
        PackCache packs = new PackCache(store, 64L << 20); // one node cache for both, as a node has
        cold = attach("cold", packs, SMALL_PACKS);
        warm = attach("warm", packs, EngineOptions.DEFAULTS);
        devices = UblkDevices.open(1, 1, 64); // ONE ring worker serves both devices' queues
        coldDevice = devices.add(cold);
        warmDevice = devices.add(warm);
    }

    private void upload(VolumeName name, byte[] data) {
        registry.create(new CreateSpec(name, name.value(), 4L * data.length, 0, FromRef.BLANK, Map.of()));
        long epoch = registry.ownership().grant(name, NODE, false, null).owner().epoch();
        try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 0), name, epoch,
                dir.resolve("cache-" + name.value()), SMALL_PACKS, Clock.systemUTC())) {
            v.write(0, ByteBuffer.wrap(data));
            v.flush();
            v.drain();
        }
        registry.ownership().revoke(name, NODE);
    }

    private AttachedVolume attach(String name, PackCache packs, EngineOptions options) {
        VolumeName v = new VolumeName(name);
        long epoch = registry.ownership().grant(v, NODE, false, null).owner().epoch();
        return AttachedVolume.attach(registry, packs, v, epoch, dir.resolve("cache-" + name), options, Clock.systemUTC());
    }

    /** A dd of one 4 KiB piece of the cold device, started while the source's pack GETs hang. */
    record StuckReader(Process dd, Path out, long offset) {}

    /**
     * Hangs the source's pack GETs, then reads 4 KiB at block {@code block} of the cold device
     * (a block never read before: nothing cached) with O_DIRECT, and waits until that read's
     * GET reached the store and hangs there.
     */
    StuckReader stuckReader(int block) throws IOException, InterruptedException {
        long offset = (long) block * BLOCK + BLOCK / 2;
        Path out = Files.createTempFile(dir, "stuck", ".bin");
        store.clear();
        store.hang(sourcePacks);
        Process dd = new ProcessBuilder("dd", "if=" + coldDevice.path(), "of=" + out, "bs=4k", "count=1",
                "skip=" + offset / 4096, "iflag=direct").redirectErrorStream(true)
                .redirectOutput(dir.resolve("stuck-dd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (store.gets().stream().noneMatch(g -> g.key().startsWith(sourcePacks))) {
            if (System.nanoTime() > deadline || !dd.isAlive())
                throw new AssertionError("the cold device's read never reached a hung GET (dd alive: " + dd.isAlive()
                        + ", GETs: " + store.gets() + ")");
            Thread.sleep(20);
        }
        return new StuckReader(dd, out, offset);
    }

    /** Releases the hung GETs; the stuck reader must then finish and have read the source's bytes. */
    void release(StuckReader r) throws IOException, InterruptedException {
        store.release();
        if (!r.dd().waitFor(120, TimeUnit.SECONDS)) {
            r.dd().destroyForcibly();
            throw new AssertionError("the cold device's read did not finish within 120 s of the release");
        }
        if (r.dd().exitValue() != 0)
            throw new AssertionError("dd on the cold device: " + Files.readString(dir.resolve("stuck-dd.log")));
        byte[] want = Arrays.copyOfRange(source, (int) r.offset(), (int) r.offset() + 4096);
        if (!Arrays.equals(want, Files.readAllBytes(r.out())))
            throw new AssertionError("the cold device's read returned other bytes than the source's at " + r.offset());
        Files.delete(r.out());
    }

    @Override
    public void close() {
        store.release();
        try {
            warmDevice.remove();
            coldDevice.remove();
            devices.close();
        } finally {
            warm.close();
            cold.close();
            store.close();
        }
    }
}
