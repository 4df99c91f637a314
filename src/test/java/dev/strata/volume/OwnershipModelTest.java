package dev.strata.volume;

import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectStore;
import dev.strata.store.StoreException;
import dev.strata.testing.PartitionableStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

/**
 * Ownership over interleavings (issue 12): two controllers (two registries) and two nodes
 * (each its own registry, pack cache and cache directory, and a switch that cuts it off from
 * the bucket) on one real file-backed bucket, one or two volumes, random sequences of publish,
 * cooperative and forced unpublish, delete, write+flush, cut, snapshot through the holder,
 * lease ticks and partitions — some of them racing a writer on the old holder, or a delete
 * against a publish, in other threads. Invariants:
 * <ol>
 * <li>no acknowledged write is absent from the volume's final chain (read on a third node):
 *     each slot holds its last acknowledged record, unless that was acknowledged by a holder
 *     forced away after its last cut (the documented loss of a forced unpublish); a write
 *     begun after its holder's revocation returned never shows up;</li>
 * <li>at most one writer acknowledges at a time;</li>
 * <li>a delete and a publish never both succeed; a snapshot through the holder holds every
 *     record acknowledged before it was asked for.</li>
 * </ol>
 */
class OwnershipModelTest {
    static final Duration LEASE = Duration.ofMillis(300);
    /** Nothing is uploaded unless asked (a cut, a hand-over): what a forced unpublish may lose is known exactly. */
    static final EngineOptions OPTIONS = new EngineOptions(Duration.ofHours(1), Long.MAX_VALUE / 2, false, 2, 4);
    static final long SIZE = 1 << 20;
    /** Each forced unpublish waits out the lease (about 1.4 s here): a try forces at most this many. */
    static final int MAX_FORCED = 2;

    enum Kind { PUBLISH, UNPUBLISH, FORCE, DELETE, WRITE, CUT, SNAPSHOT, TICK, HEAL }

    /** {@code race}: run against another thread (see each step); {@code partition}: a forced unpublish cuts the holder off first. */
    record Op(Kind kind, int controller, int node, int volume, int slot, boolean race, boolean partition) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Kind> kind = Arbitraries.frequency(Tuple.of(4, Kind.PUBLISH), Tuple.of(2, Kind.UNPUBLISH),
                Tuple.of(2, Kind.FORCE), Tuple.of(1, Kind.DELETE), Tuple.of(8, Kind.WRITE), Tuple.of(2, Kind.CUT),
                Tuple.of(2, Kind.SNAPSHOT), Tuple.of(1, Kind.TICK), Tuple.of(1, Kind.HEAL));
        Arbitrary<Integer> two = Arbitraries.integers().between(0, 1);
        Arbitrary<Op> op = Combinators.combine(kind, two, two, two, Arbitraries.integers().between(0, AckLog.SLOTS - 1),
                Arbitraries.of(true, false), Arbitraries.of(true, false)).as(Op::new);
        return op.list().ofMinSize(4).ofMaxSize(24);
    }

    @Property(tries = 16)
    void noAcknowledgedWriteIsLostAndOneWriterAtATime(@ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 2) int volumes)
            throws Exception {
        Path dir = Files.createTempDirectory("strata-ownership-model");
        try (Run run = new Run(dir, volumes)) {
            for (Op op : ops) run.step(op);
            run.finish();
            Statistics.label("forced unpublishes").collect(run.forced);
            Statistics.label("snapshots read back").collect(run.forks);
            Statistics.label("records acknowledged").collect(run.log.acknowledged() / 10 * 10 + "+");
            Statistics.label("some acknowledged record could be lost by force").collect(run.log.lossy() > 0);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A node: its own registry and caches over a connection to the bucket that can be cut. */
    static final class Node {
        final String id;
        final PartitionableStore store;
        final Registry registry;
        final PackCache packs;
        final Path dir;
        /** What runs on this node, live or stale, by volume. */
        final Map<VolumeName, AckLog.Holding> attached = new HashMap<>();

        Node(String id, ObjectStore bucket, Path dir) {
            this.id = id;
            this.store = new PartitionableStore(bucket);
            this.registry = new Registry(store, Clock.systemUTC(), LEASE);
            this.packs = new PackCache(store, 4 << 20);
            this.dir = dir;
        }
    }

    /** One try: the bucket, two controllers, two nodes, a checking node, the volumes and what the model expects. */
    static final class Run implements AutoCloseable {
        final AckLog log = new AckLog();
        final FileObjectStore store;
        final Registry[] controllers = new Registry[2];
        final Node[] nodes = new Node[2];
        final Node checker;
        final List<VolumeName> volumes = new ArrayList<>();
        final Set<VolumeName> deleted = new HashSet<>();
        /** The owner as the model knows it, and its holding. */
        final Map<VolumeName, AckLog.Holding> live = new HashMap<>();
        final List<AckLog.Holding> holdings = new ArrayList<>();
        final Random random = new Random(1);
        int forced;
        int forks;

        Run(Path dir, int count) {
            store = new FileObjectStore(dir.resolve("bucket"));
            for (int i = 0; i < 2; i++) controllers[i] = new Registry(store, Clock.systemUTC(), LEASE);
            nodes[0] = new Node("node-a", store, dir.resolve("node-a"));
            nodes[1] = new Node("node-b", store, dir.resolve("node-b"));
            checker = new Node("node-c", store, dir.resolve("node-c"));
            for (int i = 0; i < count; i++) {
                VolumeName v = new VolumeName("vol" + i);
                controllers[0].create(new CreateSpec(v, v.value(), SIZE, 0, FromRef.BLANK, Map.of()));
                volumes.add(v);
                publish(controllers[0], nodes[i % 2], v); // most interleavings start from a published volume
            }
        }

        void step(Op op) throws Exception {
            VolumeName vol = volumes.get(op.volume() % volumes.size());
            Registry ctl = controllers[op.controller()];
            Node node = nodes[op.node()];
            // most I/O goes to the volume's holder; with race set, to the chosen node (perhaps a stale holder, perhaps none)
            Node io = !op.race() && live.containsKey(vol) ? node(live.get(vol).node) : node;
            switch (op.kind()) {
                case PUBLISH -> {
                    if (op.race()) publishRace(vol, node);
                    else publish(ctl, node, vol);
                }
                case UNPUBLISH -> unpublish(ctl, vol, op.race());
                case FORCE -> force(ctl, vol, op.partition());
                case DELETE -> {
                    if (op.race()) deleteRace(ctl, vol, node);
                    else delete(ctl, vol);
                }
                case WRITE -> write(io, vol, op.slot());
                case CUT -> cut(io, vol);
                case SNAPSHOT -> snapshot(io, vol);
                case TICK -> Thread.sleep(LEASE.toMillis() / 3);
                case HEAL -> node.store.heal();
            }
            for (VolumeName v : volumes) log.checkOneWriterAtATime(v);
        }

        Node node(String id) {
            return nodes[0].id.equals(id) ? nodes[0] : nodes[1];
        }

        Node other(Node n) {
            return n == nodes[0] ? nodes[1] : nodes[0];
        }

        /** Whether a publish of {@code vol} to {@code node} must succeed, from what the model knows. */
        boolean mayPublish(VolumeName vol, Node node) {
            AckLog.Holding holder = live.get(vol);
            return !deleted.contains(vol) && (holder == null || holder.node.equals(node.id));
        }

        void publish(Registry ctl, Node node, VolumeName vol) {
            boolean expected = mayPublish(vol, node);
            VolumeRecord granted;
            try {
                granted = ctl.ownership().grant(vol, new NodeId(node.id), false, null);
            } catch (VolumeException.FailedPrecondition | VolumeException.NotFound e) {
                if (expected) throw new AssertionError("publish of " + vol + " to " + node.id + " refused: " + e.getMessage(), e);
                return;
            }
            if (!expected)
                throw new AssertionError("publish of " + vol + " to " + node.id + " succeeded although "
                        + (deleted.contains(vol) ? "the volume was deleted" : "it is held by " + live.get(vol)));
            attach(node, vol, granted.owner().epoch());
        }

        /** The node attaches (ControllerPublish → NodeStage): a node that comes back up first; a stale attachment goes. */
        void attach(Node node, VolumeName vol, long epoch) {
            node.store.heal();
            AckLog.Holding running = node.attached.get(vol);
            if (running != null && running.epoch == epoch) return; // the same publish again
            if (running != null) close(running);
            AckLog.Holding h = new AckLog.Holding(node.id, vol, epoch);
            h.v = AttachedVolume.attach(node.registry, node.packs, vol, epoch, node.dir.resolve(vol.value()), OPTIONS, Clock.systemUTC());
            holdings.add(h);
            node.attached.put(vol, h);
            live.put(vol, h);
        }

        /** Two controllers publish one volume to both nodes at once: at most one may win. */
        void publishRace(VolumeName vol, Node node) throws Exception {
            Race<VolumeRecord> race = Race.of(() -> controllers[0].ownership().grant(vol, new NodeId(node.id), false, null),
                    () -> controllers[1].ownership().grant(vol, new NodeId(other(node).id), false, null));
            List<VolumeRecord> won = race.results();
            Set<String> owners = new HashSet<>();
            for (VolumeRecord r : won) owners.add(r.owner().node());
            if (owners.size() > 1) throw new AssertionError("two concurrent publishes of " + vol + " both succeeded: " + won);
            if (deleted.contains(vol) && !won.isEmpty()) throw new AssertionError("a deleted volume was published: " + won);
            for (VolumeRecord r : won) {
                Node winner = node(r.owner().node());
                AckLog.Holding holder = live.get(vol);
                if (holder != null && !holder.node.equals(winner.id))
                    throw new AssertionError("publish to " + winner.id + " succeeded while " + holder + " holds " + vol);
                attach(winner, vol, r.owner().epoch());
            }
        }

        /**
         * ControllerUnpublish with the node up: the holder hands over (release), then the epoch
         * is revoked. {@code race}: a writer on the holder runs throughout, and on after the
         * volume is published to the other node and written there.
         */
        void unpublish(Registry ctl, VolumeName vol, boolean race) throws Exception {
            AckLog.Holding h = live.get(vol);
            if (h == null) {
                ctl.ownership().revoke(vol, new NodeId(nodes[0].id)); // idempotent: nothing held
                return;
            }
            try (Writer writer = race ? new Writer(h) : null) {
                try {
                    h.v.release("unpublish");
                } catch (VolumeException.Unavailable e) {
                    return; // the node cannot reach the bucket: the unpublish fails, the volume stays write-blocked
                }
                ctl.ownership().revoke(vol, new NodeId(h.node));
                revoked(h);
                if (race) handOver(vol, other(node(h.node)));
            }
        }

        /**
         * ControllerUnpublish that does not ask the holder (it is down or cut off): revoke
         * forced, which waits out the lease. The holder keeps running, a writer on it too, and
         * must stop by itself; then the other node gets the volume and writes at once.
         */
        void force(Registry ctl, VolumeName vol, boolean partition) throws Exception {
            AckLog.Holding h = live.get(vol);
            if (h == null || forced >= MAX_FORCED) return;
            forced++;
            if (partition) node(h.node).store.cut();
            try (Writer writer = new Writer(h)) {
                ctl.ownership().revoke(vol, new NodeId(h.node), true);
                h.forced = true;
                revoked(h);
                handOver(vol, other(node(h.node)));
            }
        }

        void revoked(AckLog.Holding h) {
            h.revokedAt = log.tick();
            live.remove(h.volume);
        }

        /** The volume moves to {@code to} (the other controller publishes it) and is written there at once. */
        void handOver(VolumeName vol, Node to) {
            publish(controllers[1], to, vol);
            AckLog.Holding next = live.get(vol);
            for (int i = 0; i < 3 && next != null; i++) log.write(next, random.nextInt(AckLog.SLOTS));
        }

        void delete(Registry ctl, VolumeName vol) {
            boolean expected = live.get(vol) == null;
            try {
                ctl.delete(vol);
            } catch (VolumeException.FailedPrecondition e) {
                if (expected) throw new AssertionError("delete of unpublished " + vol + " refused: " + e.getMessage(), e);
                return;
            }
            if (!expected) throw new AssertionError("delete of " + vol + " succeeded although " + live.get(vol) + " holds it");
            deleted.add(vol);
            if (ctl.find(vol).isPresent()) throw new AssertionError("deleted " + vol + " is still there");
        }

        /** One controller deletes while the other publishes: never both. */
        void deleteRace(Registry ctl, VolumeName vol, Node node) throws Exception {
            Registry publisher = ctl == controllers[0] ? controllers[1] : controllers[0];
            boolean wasDeleted = deleted.contains(vol);
            Race<Object> race = Race.of(() -> {
                ctl.delete(vol);
                return "deleted";
            }, () -> publisher.ownership().grant(vol, new NodeId(node.id), false, null));
            Object deletedOk = race.first(), published = race.second();
            if (deletedOk != null && published != null && !wasDeleted)
                throw new AssertionError("a delete and a publish of " + vol + " both succeeded: " + published);
            if (published != null) {
                if (!mayPublish(vol, node)) throw new AssertionError("publish of " + vol + " to " + node.id + " won against " + live.get(vol));
                attach(node, vol, ((VolumeRecord) published).owner().epoch());
            } else if (deletedOk != null) {
                if (live.get(vol) != null) throw new AssertionError("delete of " + vol + " succeeded although " + live.get(vol) + " holds it");
                deleted.add(vol);
                if (ctl.find(vol).isPresent()) throw new AssertionError("deleted " + vol + " is still there");
            }
        }

        void write(Node node, VolumeName vol, int slot) {
            AckLog.Holding h = node.attached.get(vol);
            if (h == null) return;
            AckLog.Attempt a = log.write(h, slot);
            if (a.acked && h.revokedAt != Long.MAX_VALUE)
                throw new AssertionError(h + " acknowledged " + a + " after its revocation returned");
        }

        void cut(Node node, VolumeName vol) {
            AckLog.Holding h = node.attached.get(vol);
            if (h == null) return;
            long at = log.tick();
            try {
                h.v.cut();
                h.lastCutAt = at;
            } catch (VolumeException | StoreException e) {
                // fenced, or cut off from the bucket
            }
        }

        /** CreateSnapshot through the holder: a cut, then the snapshot of it; read back as a fork on the checking node. */
        void snapshot(Node node, VolumeName vol) {
            AckLog.Holding h = live.get(vol);
            if (h == null || !h.node.equals(node.id)) return;
            List<Set<Long>> expected = log.allowed(vol);
            long at = log.tick();
            SnapshotRecord snap;
            try {
                String key = h.v.cut();
                h.lastCutAt = at;
                snap = node.registry.snapshots().create(vol, null, key);
            } catch (VolumeException | StoreException e) {
                return; // cut off from the bucket: no snapshot
            }
            VolumeName fork = new VolumeName("fork" + forks++);
            controllers[0].create(new CreateSpec(fork, fork.value(), 0, 0, FromRef.parse("snapshot:" + snap.id()), Map.of()));
            long epoch = controllers[0].ownership().grant(fork, new NodeId(checker.id), false, null).owner().epoch();
            try (AttachedVolume f = AttachedVolume.attach(checker.registry, checker.packs, fork, epoch,
                    checker.dir.resolve(fork.value()), OPTIONS, Clock.systemUTC())) {
                log.checkContent(vol, f, expected, "snapshot " + snap.id() + " taken through " + h);
            }
        }

        /** Everything comes back up; the holders hand over; then every volume is read on the checking node. */
        void finish() {
            for (Node n : nodes) n.store.heal();
            for (VolumeName vol : volumes) {
                AckLog.Holding h = live.get(vol);
                if (h == null) continue;
                h.v.release("the end");
                controllers[0].ownership().revoke(vol, new NodeId(h.node));
                revoked(h);
            }
            for (AckLog.Holding h : holdings) close(h);
            for (VolumeName vol : volumes) {
                log.checkOneWriterAtATime(vol);
                if (deleted.contains(vol)) {
                    if (controllers[1].find(vol).isPresent()) throw new AssertionError("deleted " + vol + " came back");
                    continue;
                }
                long epoch = controllers[0].ownership().grant(vol, new NodeId(checker.id), false, null).owner().epoch();
                try (AttachedVolume c = AttachedVolume.attach(checker.registry, checker.packs, vol, epoch,
                        checker.dir.resolve(vol.value()), OPTIONS, Clock.systemUTC())) {
                    log.checkContent(vol, c, log.allowed(vol), "final chain");
                }
            }
        }

        void close(AckLog.Holding h) {
            AttachedVolume v = h.v;
            h.v = null;
            Node n = node(h.node);
            if (n.attached.get(h.volume) == h) n.attached.remove(h.volume);
            if (v == null) return;
            try {
                v.close();
            } catch (RuntimeException e) {
                // a stale attachment's cache may be gone under it; the check is on the bucket
            }
        }

        /** Writes records on a holder in another thread until closed. */
        final class Writer implements AutoCloseable {
            final Thread thread;
            volatile boolean stop;

            Writer(AckLog.Holding h) {
                Random r = new Random(h.epoch);
                AttachedVolume v = h.v;
                thread = Thread.ofPlatform().name("model-writer-" + h).start(() -> {
                    while (!stop && h.v == v) {
                        log.write(h, r.nextInt(AckLog.SLOTS));
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
            }

            @Override
            public void close() throws InterruptedException {
                stop = true;
                thread.join();
            }
        }

        @Override
        public void close() {
            for (AckLog.Holding h : holdings) close(h);
            store.close();
        }
    }
}
