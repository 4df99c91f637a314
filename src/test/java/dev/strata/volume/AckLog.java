package dev.strata.volume;

import dev.strata.store.StoreException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What {@link OwnershipModelTest} knows: every write attempt (a 4 KiB record written to a
 * slot and flushed), through which holder and how it ended, and the invariants over them.
 * Order is one counter shared by all threads ({@link #tick}); nanosecond stamps serve only
 * to tell whether two holders' acknowledgements certainly overlapped.
 */
final class AckLog {
    static final int RECORD = 4096;
    static final int SLOTS = 6;
    /** Slots 20 KiB apart: some share a 64 KiB block (a partial-block write reads the rest first). */
    static final long STRIDE = 20 * 1024;

    /** A node's attachment of a volume under one epoch: live while it owns the volume, stale after. */
    static final class Holding {
        final String node;
        final VolumeName volume;
        final long epoch;
        volatile AttachedVolume v;
        /** {@link #tick} when the revocation of this epoch returned (MAX_VALUE: not revoked). */
        volatile long revokedAt = Long.MAX_VALUE;
        /** The revocation was forced: what it acknowledged after its last cut may be lost. */
        volatile boolean forced;
        /** {@link #tick} when its last successful cut began: everything acknowledged before is committed. */
        volatile long lastCutAt = Long.MIN_VALUE;

        Holding(String node, VolumeName volume, long epoch) {
            this.node = node;
            this.volume = volume;
            this.epoch = epoch;
        }

        @Override
        public String toString() {
            return node + "@" + epoch + (forced ? "(forced)" : "");
        }
    }

    /** One write + flush of record {@code id} to {@code slot}. */
    static final class Attempt {
        final long id;
        final int slot;
        final Holding by;
        final long startedAt;
        final long startNanos;
        volatile long flushNanos;
        volatile long ackNanos;
        volatile long ackedAt;
        volatile boolean acked;
        volatile String failure;

        Attempt(long id, int slot, Holding by, long startedAt) {
            this.id = id;
            this.slot = slot;
            this.by = by;
            this.startedAt = startedAt;
            this.startNanos = System.nanoTime();
        }

        @Override
        public String toString() {
            return "#" + id + " by " + by + " at " + startedAt + (acked ? " ACKED at " + ackedAt : " failed: " + failure);
        }
    }

    private final AtomicLong order = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final Map<VolumeName, List<Attempt>> attempts = new ConcurrentHashMap<>();

    long tick() {
        return order.incrementAndGet();
    }

    static long offset(int slot) {
        return slot * STRIDE;
    }

    static byte[] record(long id, int slot) {
        byte[] b = new byte[RECORD];
        new Random(id * 31 + slot).nextBytes(b);
        ByteBuffer.wrap(b).putLong(id).putInt(slot);
        return b;
    }

    /** The record a slot holds (0: zeros); anything else is garbage and fails. */
    static long decode(byte[] b, int slot, String where) {
        boolean zero = true;
        for (byte x : b) zero &= x == 0;
        if (zero) return 0;
        long id = ByteBuffer.wrap(b).getLong();
        if (id <= 0 || !Arrays.equals(record(id, slot), b))
            throw new AssertionError(where + ": slot " + slot + " holds neither zeros nor a record written to it");
        return id;
    }

    private List<Attempt> of(VolumeName volume) {
        return attempts.computeIfAbsent(volume, k -> Collections.synchronizedList(new ArrayList<>()));
    }

    /** Writes a new record to {@code slot} through {@code h} and flushes; acknowledged only if both returned normally. */
    Attempt write(Holding h, int slot) {
        Attempt a = new Attempt(ids.incrementAndGet(), slot, h, tick());
        of(h.volume).add(a);
        AttachedVolume v = h.v;
        if (v == null) {
            a.failure = "detached";
            return a;
        }
        try {
            v.write(offset(slot), ByteBuffer.wrap(record(a.id, slot)));
            a.flushNanos = System.nanoTime();
            v.flush();
            a.ackNanos = System.nanoTime();
            a.ackedAt = tick();
            a.acked = true;
        } catch (VolumeException | StoreException e) {
            a.failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return a;
    }

    long acknowledged() {
        return attempts.values().stream().mapToLong(l -> l.stream().filter(a -> a.acked).count()).sum();
    }

    /** Acknowledged, but after the last cut of a holder that was then forced away. */
    long lossy() {
        return attempts.values().stream().mapToLong(l -> l.stream().filter(a -> a.acked && !required(a)).count()).sum();
    }

    /** Acknowledged by a holder that was not forced away, or before its last cut: it must survive. */
    private static boolean required(Attempt a) {
        return a.acked && !(a.by.forced && a.ackedAt > a.by.lastCutAt);
    }

    /** Begun before its holder's revocation returned: it may have reached the bucket. Later ones never may. */
    private static boolean eligible(Attempt a) {
        return a.startedAt < a.by.revokedAt;
    }

    /**
     * The records {@code slot} may hold now: the last one that must survive (0 when none), or
     * any eligible one begun after it (not acknowledged: it failed late, or was lost only by force).
     */
    Set<Long> allowed(VolumeName volume, int slot) {
        List<Attempt> eligible;
        synchronized (of(volume)) {
            eligible = of(volume).stream().filter(a -> a.slot == slot && eligible(a)).collect(Collectors.toList());
        }
        int last = -1;
        for (int i = 0; i < eligible.size(); i++)
            if (required(eligible.get(i))) last = i;
        Set<Long> allowed = new LinkedHashSet<>();
        allowed.add(last < 0 ? 0L : eligible.get(last).id);
        for (int i = last + 1; i < eligible.size(); i++) allowed.add(eligible.get(i).id);
        return allowed;
    }

    List<Set<Long>> allowed(VolumeName volume) {
        List<Set<Long>> all = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) all.add(allowed(volume, s));
        return all;
    }

    /** Invariant 1 (and 3 for a snapshot): every slot of {@code reader} holds one of {@code allowed}. */
    void checkContent(VolumeName volume, BlockTarget reader, List<Set<Long>> allowed, String when) {
        for (int s = 0; s < SLOTS; s++) {
            ByteBuffer got = ByteBuffer.allocate(RECORD);
            reader.read(offset(s), got);
            long id = decode(got.array(), s, when);
            if (!allowed.get(s).contains(id))
                throw new AssertionError(when + ": " + volume + " slot " + s + " holds record #" + id + ", allowed " + allowed.get(s)
                        + "; its history: " + history(volume, s));
        }
    }

    String history(VolumeName volume, int slot) {
        synchronized (of(volume)) {
            List<String> all = of(volume).stream().filter(a -> a.slot == slot && (a.acked || a.startedAt < a.by.revokedAt))
                    .map(a -> a + (a.by.revokedAt != Long.MAX_VALUE
                            ? " (holder revoked at " + a.by.revokedAt + ", last cut at " + a.by.lastCutAt + ")" : "")).toList();
            return (all.size() > 8 ? "... " : "") + all.subList(Math.max(0, all.size() - 8), all.size());
        }
    }

    /**
     * Invariant 2: at most one writer acknowledges at a time. No holder acknowledged a write it
     * began after its revocation returned; and no holder's flush began after a newer epoch's
     * holder had already been acknowledged (then both acknowledged at once, certainly).
     */
    void checkOneWriterAtATime(VolumeName volume) {
        List<Attempt> acked;
        synchronized (of(volume)) {
            acked = of(volume).stream().filter(a -> a.acked).toList();
        }
        for (Attempt a : acked) {
            if (a.startedAt > a.by.revokedAt)
                throw new AssertionError(volume + ": " + a + " was acknowledged although begun after " + a.by + " was revoked");
            for (Attempt b : acked)
                if (b.by.epoch > a.by.epoch && a.flushNanos > b.ackNanos)
                    throw new AssertionError(volume + ": " + a.by + " acknowledged " + a + " with a flush begun "
                            + (a.flushNanos - b.ackNanos) / 1_000_000 + " ms after the newer holder " + b.by + " acknowledged " + b);
        }
    }
}
