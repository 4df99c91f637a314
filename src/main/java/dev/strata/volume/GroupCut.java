package dev.strata.volume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The phases of a crash-consistent group cut, over holders wherever they are (in this process,
 * or behind node agents): prepare every held member (background uploads out of the way, writes
 * still flowing), latch every one (in parallel; each holder stops acknowledging writes and
 * fixes its point), then cut every member (in parallel; each holder lets its writes go, then
 * uploads its point). Every point is fixed before any member's writes go again, so the points
 * are one point in time across the group. If any step fails, every latch taken is released
 * before the failure is thrown, and latches lapse on their own after {@link #LATCH_MAX}
 * should this process die.
 */
public final class GroupCut implements LiveGroupCut {
    /** How long a holder holds writes for a group cut before it gives up by itself. */
    public static final Duration LATCH_MAX = Duration.ofSeconds(10);

    /** One member's holder, as the orchestrating controller reaches it. */
    public interface Holder {
        /** Writes still flow; no background upload starts and one in progress is waited for. NotFound when not held. */
        void prepare(VolumeName volume, GroupSnapshotId group, Duration max);

        /** Holds the volume's writes off for {@code group} and fixes its point; NotFound when it does not hold the volume. */
        void latch(VolumeName volume, GroupSnapshotId group, Duration max);

        /** Lets the writes go, commits the point the latch fixed; the manifest key. Aborted if the latch lapsed. */
        String cut(VolumeName volume, GroupSnapshotId group);

        /** Lets writes go without a cut; idempotent. */
        void release(VolumeName volume, GroupSnapshotId group);
    }

    private final Registry registry;
    private final Function<VolumeRecord, Holder> holders;

    /** @param holders the holder of a member that has an owner */
    public GroupCut(Registry registry, Function<VolumeRecord, Holder> holders) {
        this.registry = registry;
        this.holders = holders;
    }

    @Override
    public Map<VolumeName, String> cut(List<VolumeRecord> members, GroupSnapshotId group) {
        Map<VolumeName, String> keys = new LinkedHashMap<>();
        List<VolumeRecord> held = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Outcome> prepared = all(pool, members, m -> prepareOrCommitted(m, group));
            for (int i = 0; i < members.size(); i++) {
                if (prepared.get(i).failure() != null && members.get(i).owner() != null) held.add(members.get(i));
                else if (prepared.get(i).key() == null) held.add(members.get(i));
                else keys.put(members.get(i).volumeName(), prepared.get(i).key());
            }
            try {
                firstFailure(prepared);
                firstFailure(all(pool, held, m -> {
                    holders.apply(m).latch(m.volumeName(), group, LATCH_MAX);
                    return null;
                }));
                List<Outcome> cuts = all(pool, held, m -> holders.apply(m).cut(m.volumeName(), group));
                firstFailure(cuts);
                for (int i = 0; i < held.size(); i++) keys.put(held.get(i).volumeName(), cuts.get(i).key());
                held.clear();
                return keys;
            } finally {
                for (VolumeRecord m : held) {
                    try {
                        holders.apply(m).release(m.volumeName(), group); // idempotent; lets writes and uploads go
                    } catch (RuntimeException e) {
                        // it lapses by itself after LATCH_MAX
                    }
                }
            }
        }
    }

    /** A step's result for one member: a manifest key (or null), or why it failed. */
    private record Outcome(String key, RuntimeException failure) {}

    private static List<Outcome> all(ExecutorService pool, List<VolumeRecord> members, Function<VolumeRecord, String> step) {
        List<Future<String>> futures = new ArrayList<>();
        for (VolumeRecord m : members) futures.add(pool.submit(() -> step.apply(m)));
        List<Outcome> out = new ArrayList<>();
        for (Future<String> f : futures) {
            try {
                out.add(new Outcome(get(f), null));
            } catch (RuntimeException e) {
                out.add(new Outcome(null, e));
            }
        }
        return out;
    }

    private static void firstFailure(List<Outcome> outcomes) {
        for (Outcome o : outcomes) if (o.failure() != null) throw o.failure();
    }

    /** Prepares a held member (null); for a member no node has attached, its committed manifest as of now. */
    private String prepareOrCommitted(VolumeRecord m, GroupSnapshotId group) {
        if (m.owner() != null) {
            try {
                holders.apply(m).prepare(m.volumeName(), group, LATCH_MAX);
                return null;
            } catch (VolumeException.NotFound e) {
                // published but not staged there: nothing unuploaded
            }
        }
        return registry.newestGenerationRef(m).key();
    }

    private static String get(Future<String> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new VolumeException.Unavailable("group cut failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Unavailable("interrupted during a group cut", e);
        }
    }
}
