package dev.strata.volume;

import dev.strata.store.FileObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;

/**
 * A writer process for {@link CrashTest}: writes block after block of known data, flushes
 * every few writes and prints "flushed N" once block N is acknowledged durable, with
 * uploads going on in the background — until it is killed.
 */
public final class CrashChild {
    static final int BLOCK = 65536;

    static byte[] content(int i) {
        byte[] b = new byte[BLOCK];
        new Random(i * 7919L).nextBytes(b);
        return b;
    }

    public static void main(String[] args) throws Exception {
        Path bucket = Path.of(args[0]), cache = Path.of(args[1]);
        long epoch = Long.parseLong(args[2]);
        int blocks = Integer.parseInt(args[3]);
        int base = Integer.parseInt(args[4]);
        FileObjectStore store = new FileObjectStore(bucket);
        Registry registry = new Registry(store, Clock.systemUTC());
        EngineOptions often = new EngineOptions(Duration.ofMillis(100), 8L * BLOCK, false, 2, 4);
        AttachedVolume v = AttachedVolume.attach(registry, new PackCache(store, 1 << 20), new VolumeName("crash"), epoch,
                cache, often, Clock.systemUTC());
        System.out.println("attached");
        for (int round = 0; ; round++) {
            for (int i = 0; i < blocks; i++) {
                int n = base + round * blocks + i;
                v.write((long) i * BLOCK, ByteBuffer.wrap(content(n)));
                if (i % 4 == 3) {
                    v.flush();
                    System.out.println("flushed " + n);
                    System.out.flush();
                }
            }
        }
    }
}
