package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer JVM killed with SIGKILL at random points — mid-write, mid-upload, mid-commit —
 * then the volume re-attached from the same local cache: no byte acknowledged by a FLUSH
 * is lost, and then the same after moving to another node.
 */
class CrashTest {
    static final int BLOCKS = 24;

    @TempDir Path dir;

    @Test
    void nothingAcknowledgedAfterAFlushIsLostAcrossKills() throws Exception {
        Path bucket = dir.resolve("bucket");
        Random random = new Random();
        int[] lastFlushed = new int[BLOCKS];
        java.util.Arrays.fill(lastFlushed, -1);
        try (FileObjectStore store = new FileObjectStore(bucket)) {
            Registry registry = new Registry(store, Clock.systemUTC());
            registry.create(new CreateSpec(new VolumeName("crash"), "crash", 4L << 20, 0, FromRef.BLANK, Map.of()));
            long epoch = registry.ownership().grant(new VolumeName("crash"), new NodeId("n1"), false, null).owner().epoch();
            for (int kill = 0; kill < 4; kill++) {
                int base = kill * 10_000_000;
                int flushed = runAndKill(bucket, epoch, 300 + random.nextInt(1500), base);
                for (int n = Math.max(base, flushed - 2 * BLOCKS); n <= flushed; n++)
                    lastFlushed[(n - base) % BLOCKS] = Math.max(lastFlushed[(n - base) % BLOCKS], n);
                try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("crash"),
                        epoch, dir.resolve("cache"), EngineOptions.DEFAULTS, Clock.systemUTC())) {
                    assertAtLeastFlushed(v, lastFlushed, "after kill " + kill);
                    v.drain();
                }
            }
            registry.ownership().revoke(new VolumeName("crash"), new NodeId("n1"));
            long other = registry.ownership().grant(new VolumeName("crash"), new NodeId("n2"), false, null).owner().epoch();
            try (AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("crash"),
                    other, dir.resolve("elsewhere"), EngineOptions.DEFAULTS, Clock.systemUTC())) {
                assertAtLeastFlushed(v, lastFlushed, "on another node");
            }
        }
    }

    /** Each block holds the content of its last flushed write or of a later write. */
    static void assertAtLeastFlushed(AttachedVolume v, int[] lastFlushed, String when) {
        for (int b = 0; b < BLOCKS; b++) {
            if (lastFlushed[b] < 0) continue;
            ByteBuffer got = ByteBuffer.allocate(CrashChild.BLOCK);
            v.read((long) b * CrashChild.BLOCK, got);
            boolean ok = false;
            for (int n = lastFlushed[b]; n <= lastFlushed[b] + 4 * BLOCKS && !ok; n += BLOCKS)
                ok = java.util.Arrays.equals(CrashChild.content(n), got.array());
            assertTrue(ok, when + ": block " + b + " lost its flushed write " + lastFlushed[b]);
        }
    }

    int runAndKill(Path bucket, long epoch, int millis, int base) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), bucket.toString(), dir.resolve("cache").toString(), Long.toString(epoch),
                Integer.toString(BLOCKS), Integer.toString(base))).redirectError(dir.resolve("child.err").toFile()).start();
        AtomicInteger flushed = new AtomicInteger(-1);
        Thread reader = Thread.ofPlatform().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("flushed ")) {
                        if (flushed.getAndSet(Integer.parseInt(line.substring(8))) < 0) {
                            Thread.ofPlatform().start(() -> {
                                try {
                                    Thread.sleep(millis);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                child.destroyForcibly();
                            });
                        }
                    }
                }
            } catch (Exception ignored) {
                // the stream ends when the child dies
            }
        });
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child ran too long");
        reader.join(10_000);
        assertTrue(flushed.get() >= 0, "the child flushed nothing before it was killed: " + java.nio.file.Files.readString(dir.resolve("child.err")));
        return flushed.get();
    }
}
