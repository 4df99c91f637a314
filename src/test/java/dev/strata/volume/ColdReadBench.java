package dev.strata.volume;

import dev.strata.store.ObjectStore;
import dev.strata.testing.RecordingStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Cold reads of a fork with the bucket {@value #LATENCY_MS} ms away (every ranged GET
 * waits that long first): one sequential 128 KiB reader through the engine vs raw SDK
 * ranged GETs at the same latency and the engine's readahead concurrency; 4 KiB random
 * read IOPS of 32 concurrent readers vs 1. Part of {@link DataPathBench}.
 */
final class ColdReadBench {
    static final int LATENCY_MS = 20;
    static final int MIB = 1 << 20;

    private ColdReadBench() {}

    /**
     * @param source  a volume holding {@code mib} MiB of data from offset 0, not attached
     * @param rawKeys the same bytes as 4 MiB objects ({@code raw/<offset>}) in {@code bucket}
     */
    static void run(ObjectStore store, S3Client raw, String bucket, String source, int mib, Path tmp, StringBuilder md)
            throws Exception {
        RecordingStore far = new RecordingStore(store, LATENCY_MS);
        Registry registry = new Registry(far, Clock.systemUTC());
        int seqMib = Math.min(mib, 128);
        double engineSeq;
        try (AttachedVolume v = fork(registry, far, source, "seq", tmp)) {
            ByteBuffer buf = ByteBuffer.allocate(128 << 10);
            long t = System.nanoTime();
            for (long off = 0; off < (long) seqMib * MIB; off += buf.capacity()) v.read(off, buf.clear());
            engineSeq = seqMib / ((System.nanoTime() - t) / 1e9);
        }
        int streams = ReadAhead.MAX_WINDOW_BYTES / ReadAhead.RUN_BYTES;
        double rawSeq = rawRanged(raw, bucket, seqMib, streams);
        md.append(String.format("| cold 128 KiB sequential read of a fork, one reader, %d ms per GET, MiB/s (baseline: raw SDK "
                        + "1 MiB ranged GETs after the same %d ms, %d in flight: the engine's readahead) | %.1f | %.1f | %.2f× |%n",
                LATENCY_MS, LATENCY_MS, streams, engineSeq, rawSeq, engineSeq / rawSeq));
        double one = randomIops(registry, far, source, "rand1", tmp, 1, 150, mib);
        double many = randomIops(registry, far, source, "rand32", tmp, 32, 32 * 60, mib);
        md.append(String.format("| cold 4 KiB random read IOPS of a fork, %d ms per GET: 32 concurrent readers (baseline: 1 reader) "
                + "| %.0f | %.0f | %.1f× |%n", LATENCY_MS, many, one, many / one));
    }

    static AttachedVolume fork(Registry registry, ObjectStore store, String source, String name, Path tmp) {
        registry.create(new CreateSpec(new VolumeName(name), name, 0, 0, FromRef.parse("volume:" + source), Map.of()));
        long epoch = registry.ownership().grant(new VolumeName(name), new NodeId("bench"), false, null).owner().epoch();
        return AttachedVolume.attach(registry, new PackCache(store, 256L * MIB), new VolumeName(name), epoch,
                tmp.resolve(name), DataPathBench.MANUAL, Clock.systemUTC());
    }

    /** Reads {@code count} distinct random blocks, 4 KiB of each, with {@code readers} threads; pack indexes loaded first. */
    static double randomIops(Registry registry, ObjectStore store, String source, String name, Path tmp, int readers,
                             int count, int mib) throws Exception {
        try (AttachedVolume v = fork(registry, store, source, name, tmp)) {
            int blocks = (int) ((long) mib * MIB / v.blockSize);
            List<Long> order = new ArrayList<>();
            for (long b = 0; b < blocks; b++) order.add(b);
            Collections.shuffle(order, new java.util.Random(3));
            for (int b = 0; b < blocks; b += DataPathBench.MANUAL.blocksPerPack()) // warm indexes, cold blocks
                v.packs.locate(v.pool, v.uploader.commit().chain(), (int) (b / v.blocksPerChunk), (int) (b % v.blocksPerChunk), v.blocksPerChunk);
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(readers);
            try {
                long t = System.nanoTime();
                List<Future<?>> done = new ArrayList<>();
                for (int r = 0; r < readers; r++)
                    done.add(pool.submit(() -> {
                        ByteBuffer buf = ByteBuffer.allocate(4096);
                        for (int i; (i = next.getAndIncrement()) < count; ) v.read(order.get(i) * v.blockSize, buf.clear());
                        return null;
                    }));
                for (Future<?> f : done) f.get();
                return count / ((System.nanoTime() - t) / 1e9);
            } finally {
                pool.shutdown();
            }
        }
    }

    /** {@code mib} MiB of the raw objects in 1 MiB ranged GETs, {@code streams} at a time, each after the injected latency. */
    static double rawRanged(S3Client raw, String bucket, int mib, int streams) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            AtomicInteger next = new AtomicInteger();
            long t = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < streams; s++)
                done.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < mib; ) {
                        int off = (i / 4) * 4 * MIB, within = (i % 4) * MIB;
                        LockSupport.parkNanos(LATENCY_MS * 1_000_000L);
                        raw.getObjectAsBytes(b -> b.bucket(bucket).key("raw/" + off).range("bytes=" + within + "-" + (within + MIB - 1)));
                    }
                    return null;
                }));
            for (Future<?> f : done) f.get();
            return mib / ((System.nanoTime() - t) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
