package dev.strata.volume;

import dev.strata.store.PrivateFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens (or starts afresh) the local cache of a volume being attached: {@code cache.json}
 * (which incarnation and epoch it belongs to), {@code data} (sparse, block at its offset)
 * and {@code meta.log}. Takes over the volume's manifest under the new epoch first.
 */
final class CacheFiles {
    private static final Logger log = LoggerFactory.getLogger(CacheFiles.class);

    record Stamp(int formatVersion, String name, String uid, long epoch) {}

    record Opened(VolumeName name, long epoch, PoolId pool, long sizeBytes, FileChannel data, Path dir, Holes holes, MetaLog log,
                  BlockStates states, long maxSeq, long committedSeq, List<Manifest> chain,
                  Registry.GenerationRef committed, java.time.Duration lease) {}

    private CacheFiles() {}

    static Opened open(Registry registry, VolumeName name, long epoch, Path dir) {
        VolumeRecord record = registry.resolve(name);
        if (registry.ownership().superseded(name, epoch))
            throw new VolumeException.Fenced("volume " + name + ": epoch " + epoch + " has been superseded");
        Registry.Generation newest = takeOver(registry, record, epoch);
        List<Manifest> chain = registry.chain(record.poolId(), newest.manifest());
        try {
            PrivateFiles.directories(dir);
            Stamp stamp = readStamp(dir);
            List<MetaLog.Entry> entries = new ArrayList<>();
            // Each epoch is granted to one node once: a cache stamped with this very epoch (and
            // incarnation) holds this node's own writes, and nobody else committed since
            // (takeOver would have failed). Its log may lag the bucket by one commit if the
            // process died between commit and checkpoint: re-uploading those blocks is harmless.
            boolean keep = stamp != null && stamp.uid().equals(record.uid()) && stamp.epoch() == epoch;
            if (keep) {
                try (MetaLog probe = MetaLog.open(dir.resolve("meta.log"), entries)) {
                    // replayed into entries
                }
            }
            if (!keep) {
                if (stamp != null)
                    log.atWarn().setMessage("discarding a local cache that belongs to another epoch or generation")
                            .addKeyValue("volume", name.value()).addKeyValue("cacheEpoch", stamp.epoch())
                            .addKeyValue("epoch", epoch).log();
                Files.deleteIfExists(dir.resolve("data"));
                Files.deleteIfExists(dir.resolve("meta.log"));
                writeStamp(dir, new Stamp(1, name.value(), record.uid(), epoch));
                entries.clear();
            }
            MetaLog metaLog = MetaLog.open(dir.resolve("meta.log"), keep ? new ArrayList<>() : entries);
            if (!keep) {
                metaLog.append(MetaLog.HEADER, epoch, newest.number());
                metaLog.sync();
            }
            return replay(record, epoch, dir, entries, metaLog, chain, newest, lease(registry, record, epoch));
        } catch (IOException e) {
            throw new VolumeException.Unavailable("cannot open the local cache of " + name + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Opened replay(VolumeRecord record, long epoch, Path dir, List<MetaLog.Entry> entries, MetaLog metaLog,
                                 List<Manifest> chain, Registry.Generation newest, java.time.Duration lease) throws IOException {
        Manifest top = chain.getFirst();
        BlockStates states = new BlockStates(top.chunkSize() / top.blockSize());
        long maxSeq = 1, committed = 0;
        for (MetaLog.Entry e : entries) {
            switch (e.type()) {
                case MetaLog.WRITE -> states.replay(e.a(), e.b());
                case MetaLog.ZERO -> states.replay(e.a(), -e.b());
                case MetaLog.COMMIT -> committed = Math.max(committed, e.a());
                default -> { }
            }
            if (e.type() == MetaLog.WRITE || e.type() == MetaLog.ZERO) maxSeq = Math.max(maxSeq, e.b());
        }
        maxSeq = Math.max(maxSeq, committed);
        states.dropClean(committed);
        long size = Math.max(record.sizeBytes(), top.sizeBytes());
        FileChannel data = LocalCache.openData(dir.resolve("data"));
        return new Opened(record.volumeName(), epoch, record.poolId(), size, data, dir, Holes.open(dir.resolve("data")),
                metaLog, states, maxSeq, committed, chain, new Registry.GenerationRef(newest.number(), newest.key()),
                lease);
    }

    /** The lease recorded with this epoch's grant (the one a forced revocation will wait out), else the registry's. */
    private static java.time.Duration lease(Registry registry, VolumeRecord record, long epoch) {
        Owner owner = record.owner();
        return owner != null && owner.epoch() == epoch ? owner.lease() : registry.ownership().lease();
    }

    /**
     * Makes {@code epoch} the owner of the newest generation: when a lower epoch wrote it,
     * commits the same manifest as the next generation under this epoch, so a former owner's
     * next commit collides and it learns it was fenced.
     */
    static Registry.Generation takeOver(Registry registry, VolumeRecord record, long epoch) {
        for (int attempt = 0; attempt < 8; attempt++) {
            Registry.Generation newest = registry.newestGeneration(record);
            if (newest.manifest().epoch() > epoch)
                throw new VolumeException.Fenced("volume " + record.name() + " was committed under epoch "
                        + newest.manifest().epoch() + ", newer than " + epoch);
            if (newest.manifest().epoch() == epoch) return newest;
            long gen = newest.number() + 1;
            Manifest next = newest.manifest().withGeneration(gen, epoch)
                    .withSize(Math.max(record.sizeBytes(), newest.manifest().sizeBytes()));
            String key = Layout.generation(record.volumeName(), record.uid(), gen);
            if (registry.bucket().create(Layout.inPool(record.poolId(), key), ManifestCodec.encode(next)))
                return new Registry.Generation(gen, key, next);
        }
        throw new VolumeException.Aborted("volume " + record.name() + " is being taken over concurrently; retry");
    }

    private static Stamp readStamp(Path dir) throws IOException {
        Path file = dir.resolve("cache.json");
        if (!Files.exists(file)) return null;
        try {
            return Json.read(Files.readAllBytes(file), Stamp.class, file.toString());
        } catch (VolumeException.Corrupt e) {
            return null;
        }
    }

    private static void writeStamp(Path dir, Stamp stamp) throws IOException {
        Path tmp = dir.resolve("cache.json.tmp");
        try (FileChannel ch = PrivateFiles.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(Json.write(stamp)));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("cache.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
