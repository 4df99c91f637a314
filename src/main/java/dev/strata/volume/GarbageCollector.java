package dev.strata.volume;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees what nothing refers to. Roots: every volume's newest manifest generation, every
 * indexed snapshot and image; each root's base chain is live, and so is every pack a live
 * manifest lists. Anything else under {@code pools/} is a candidate; a candidate is deleted
 * only when a later run, at least {@code grace} after it was first seen, still finds it
 * unreferenced. The grace closes every race with writers: a pack uploaded but not yet
 * committed, a fork whose manifest is written before its record, a commit in flight — each
 * becomes referenced within seconds, long before the grace (default one hour) ends.
 * Candidates and when they were first seen are kept in the bucket ({@code gc/candidates.json}),
 * so runs from different processes agree.
 */
public final class GarbageCollector {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
    static final ObjectKey CANDIDATES = new ObjectKey("gc/candidates.json");

    /** What one run did. */
    public record Report(int liveManifests, int livePacks, int candidates, int deleted, long deletedBytes) {
        /** One line for people. */
        public String describe() {
            return liveManifests + " live manifests, " + livePacks + " live packs, " + candidates
                    + " unreferenced objects waiting out the grace, " + deleted + " deleted (" + deletedBytes + " bytes)";
        }
    }

    record Candidates(int formatVersion, Map<String, String> firstSeen) {}

    private final Registry registry;
    private final Bucket bucket;
    private final Clock clock;
    private final Duration grace;

    public GarbageCollector(Registry registry, Clock clock, Duration grace) {
        this.registry = registry;
        this.bucket = registry.bucket();
        this.clock = clock;
        this.grace = grace;
    }

    public Report run(Consumer<String> progress) {
        Set<String> live = mark(progress);
        Map<String, Long> unreferenced = new TreeMap<>();
        for (ObjectInfo o : bucket.listAll(Layout.POOLS)) if (!live.contains(o.key())) unreferenced.put(o.key(), o.size());
        Map<String, String> previous = bucket.readJson(CANDIDATES, Candidates.class)
                .map(c -> c.value().firstSeen()).orElse(Map.of());
        Instant now = clock.instant();
        Map<String, String> next = new TreeMap<>();
        int deleted = 0;
        long bytes = 0;
        for (var e : unreferenced.entrySet()) {
            String seen = previous.get(e.getKey());
            if (seen != null && !Instant.parse(seen).plus(grace).isAfter(now)) {
                bucket.delete(new ObjectKey(e.getKey()));
                deleted++;
                bytes += e.getValue();
                if (deleted % 1000 == 0) progress.accept("deleted " + deleted + " objects");
            } else {
                next.put(e.getKey(), seen != null ? seen : now.toString());
            }
        }
        bucket.put(CANDIDATES, Json.write(new Candidates(1, next)));
        int livePacks = (int) live.stream().filter(k -> k.contains("/packs/")).count();
        Report report = new Report(live.size() - livePacks, livePacks, next.size(), deleted, bytes);
        progress.accept("done: " + report.describe());
        log.atInfo().setMessage("gc finished").addKeyValue("liveManifests", report.liveManifests())
                .addKeyValue("livePacks", livePacks).addKeyValue("candidates", next.size())
                .addKeyValue("deleted", deleted).addKeyValue("deletedBytes", bytes).log();
        return report;
    }

    /** Keys of every live manifest and pack. */
    private Set<String> mark(Consumer<String> progress) {
        Deque<ObjectKey> roots = new ArrayDeque<>();
        for (ObjectInfo o : bucket.listAll(Layout.VOLUMES)) {
            if (!o.key().endsWith("/" + Layout.VOLUME_RECORD)) continue;
            bucket.readJson(new ObjectKey(o.key()), VolumeRecord.class).ifPresent(v ->
                    roots.add(Layout.inPool(v.value().poolId(), registry.newestGenerationRef(v.value()).key())));
        }
        for (ObjectInfo o : bucket.listAll(Layout.SNAPSHOT_INDEX)) {
            if (!o.key().endsWith(".json")) continue;
            bucket.readJson(new ObjectKey(o.key()), SnapshotRecord.class)
                    .ifPresent(s -> roots.add(Layout.inPool(s.value().poolId(), s.value().manifest())));
        }
        for (ObjectInfo o : bucket.listAll(Layout.IMAGE_INDEX)) {
            if (!o.key().endsWith(".json")) continue;
            bucket.readJson(new ObjectKey(o.key()), ImageRecord.class)
                    .ifPresent(i -> roots.add(Layout.inPool(i.value().poolId(), i.value().manifest())));
        }
        progress.accept("marking from " + roots.size() + " roots");
        Set<String> live = new HashSet<>();
        while (!roots.isEmpty()) {
            ObjectKey key = roots.pop();
            if (!live.add(key.value())) continue;
            PoolId pool = new PoolId(key.value().split("/")[1]);
            Manifest m = bucket.readManifest(key);
            if (m.base() != null) roots.push(Layout.inPool(pool, m.base()));
            m.chunks().forEach((chunk, packs) -> {
                for (PackId p : packs) live.add(Layout.pack(pool, chunk, p).value());
            });
            if (live.size() % 10_000 == 0) progress.accept("marked " + live.size() + " objects");
        }
        return live;
    }
}
