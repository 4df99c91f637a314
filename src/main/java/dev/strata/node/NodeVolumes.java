package dev.strata.node;

import dev.strata.volume.AttachedVolume;
import dev.strata.volume.EngineOptions;
import dev.strata.volume.NodeId;
import dev.strata.volume.Owner;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeParameters;
import dev.strata.volume.VolumeRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volumes this node holds: each an {@link AttachedVolume} (the engine) served by a
 * {@link Devices.Device}, listed in the {@link LocalMap}, and — for filesystem volumes —
 * mounted at its staging path. Every operation is idempotent (CSI retries) and serialised
 * per volume. At start, {@link #recover()} brings back exactly the local map's volumes.
 */
public final class NodeVolumes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeVolumes.class);

    /** What NodeStage asks for. {@code fsType} null = the volume's StorageClass fsType. */
    public record StageRequest(VolumeName volume, long epoch, Path stagingPath, LocalMap.Access access, String fsType,
                               List<String> mountFlags, boolean readonly) {}

    /** A held volume, with its record as of attaching (parameters, for formatting). */
    record Held(LocalMap.Entry entry, VolumeRecord record, AttachedVolume volume, Devices.Device device) {}

    /** What boot recovery did with one local-map entry. */
    public record Recovered(String volume, Outcome outcome, String detail) {}

    public enum Outcome { RESUMED, READDED, DROPPED_FENCED, DROPPED_DELETED, FAILED }

    private final NodeId node;
    private final Registry registry;
    private final PackCache packs;
    private final Path cacheRoot;
    private final LocalMap map;
    private final Devices devices;
    private final Filesystems filesystems;
    private final Mounts mounts;
    private final Clock clock;
    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** The highest epoch of each volume this node handed over: it is never staged again. */
    private final ConcurrentHashMap<String, Long> released = new ConcurrentHashMap<>();

    public NodeVolumes(NodeId node, Registry registry, PackCache packs, Path stateDir, Devices devices,
                       ProcessRunner runner, Clock clock) {
        this.node = node;
        this.registry = registry;
        this.packs = packs;
        this.cacheRoot = stateDir.resolve("volumes");
        this.map = LocalMap.open(stateDir);
        this.devices = devices;
        this.filesystems = new Filesystems(runner);
        this.mounts = new Mounts(runner);
        this.clock = clock;
    }

    public NodeId node() {
        return node;
    }

    public Mounts mounts() {
        return mounts;
    }

    public LocalMap localMap() {
        return map;
    }

    public long maxVolumes() {
        return devices.maxDevices();
    }

    private ReentrantLock lock(VolumeName name) {
        ReentrantLock l = locks.computeIfAbsent(name.value(), k -> new ReentrantLock());
        l.lock();
        return l;
    }

    // ---- boot recovery ------------------------------------------------------------------

    /**
     * Re-attaches exactly the volumes of the local map, in parallel, before the node serves:
     * resumes their quiesced devices (or adds new ones when the device is gone) and mounts
     * their staging paths again. A volume fenced or deleted while the node was down is not
     * resurrected: its leftover device is taken down and its entry dropped. The bucket is
     * never listed: the requests made grow with the local map, not with the bucket.
     */
    public List<Recovered> recover() {
        List<LocalMap.Entry> entries = map.entries();
        if (entries.isEmpty()) {
            log.atInfo().setMessage("boot recovery: the local map is empty, nothing to recover").log();
            return List.of();
        }
        List<Recovered> out = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(entries.size(), 8))) {
            List<Future<Recovered>> futures = new ArrayList<>();
            for (LocalMap.Entry e : entries) futures.add(pool.submit(() -> recoverOne(e)));
            for (Future<Recovered> f : futures) {
                try {
                    out.add(f.get());
                } catch (Exception e) {
                    throw new IllegalStateException("boot recovery failed", e);
                }
            }
        }
        log.atInfo().setMessage("boot recovery done").addKeyValue("entries", entries.size())
                .addKeyValue("recovered", out.stream().filter(r -> r.outcome() == Outcome.RESUMED || r.outcome() == Outcome.READDED).count())
                .addKeyValue("dropped", out.stream().filter(r -> r.outcome().name().startsWith("DROPPED")).count())
                .addKeyValue("failed", out.stream().filter(r -> r.outcome() == Outcome.FAILED).count()).log();
        return out;
    }

    private Recovered recoverOne(LocalMap.Entry entry) {
        VolumeName name = entry.volumeName();
        ReentrantLock l = lock(name);
        try {
            Optional<VolumeRecord> record = registry.find(name);
            Optional<String> revoked = revokedReason(entry, record);
            if (revoked.isPresent()) {
                drop(entry, revoked.get());
                Outcome o = record.isEmpty() ? Outcome.DROPPED_DELETED : Outcome.DROPPED_FENCED;
                return new Recovered(name.value(), o, revoked.get());
            }
            Reattached r = reattach(entry, record.get());
            Held h = r.held();
            if (entry.access() == LocalMap.Access.MOUNT) mountStaging(h, null);
            boolean resumed = r.resumed();
            log.atInfo().setMessage(resumed ? "volume recovered: device resumed" : "volume recovered: device re-added")
                    .addKeyValue("volume", name.value()).addKeyValue("devId", h.device().devId()).addKeyValue("epoch", entry.epoch()).log();
            return new Recovered(name.value(), resumed ? Outcome.RESUMED : Outcome.READDED, h.device().path());
        } catch (RuntimeException e) {
            log.atError().setMessage("volume not recovered; it stays in the local map for NodeStage to retry")
                    .addKeyValue("volume", name.value()).setCause(e).log();
            return new Recovered(name.value(), Outcome.FAILED, e.getMessage());
        } finally {
            l.unlock();
        }
    }

    /** Why this entry must not be resurrected (deleted, or its epoch superseded), or empty. */
    private Optional<String> revokedReason(LocalMap.Entry entry, Optional<VolumeRecord> record) {
        if (record.isEmpty()) return Optional.of("the volume was deleted while this node was down");
        Owner owner = record.get().owner();
        if (owner == null || !owner.node().equals(node.value()) || owner.epoch() != entry.epoch())
            return Optional.of("its ownership epoch " + entry.epoch() + " was revoked while this node was down (now "
                    + (owner == null ? "unpublished" : "held by " + owner.node() + " at epoch " + owner.epoch()) + ")");
        return Optional.empty();
    }

    private void drop(LocalMap.Entry entry, String why) {
        log.atError().setMessage("volume not resurrected: " + why).addKeyValue("volume", entry.volume())
                .addKeyValue("epoch", entry.epoch()).addKeyValue("devId", entry.devId()).log();
        try {
            mounts.unmount(Path.of(entry.stagingPath()));
        } catch (RuntimeException e) {
            log.atWarn().setMessage("cannot unmount the staging path of a dropped volume").addKeyValue("volume", entry.volume())
                    .setCause(e).log();
        }
        if (entry.devId() >= 0) devices.discard(entry.devId());
        map.remove(entry.volumeName());
    }

    /** What {@link #reattach} did: the held volume, and whether its old device was resumed (else re-added). */
    private record Reattached(Held held, boolean resumed) {}

    /** Attaches the engine and resumes (or re-adds) the device of a local-map entry. */
    private Reattached reattach(LocalMap.Entry entry, VolumeRecord record) {
        EngineOptions options = EngineOptions.of(VolumeParameters.of(record.parameters()));
        AttachedVolume volume = AttachedVolume.attach(registry, packs, entry.volumeName(), entry.epoch(), cacheDir(entry.volumeName()),
                options, clock);
        try {
            Devices.Device device = entry.devId() < 0 ? null : devices.recover(entry.devId(), volume).orElse(null);
            boolean resumed = device != null;
            if (device == null) device = devices.add(volume);
            LocalMap.Entry now = entry.withDevId(device.devId());
            if (now.devId() != entry.devId()) map.put(now);
            Held h = new Held(now, record, volume, device);
            held.put(entry.volume(), h);
            NodeMetrics.attached(held.size());
            return new Reattached(h, resumed);
        } catch (RuntimeException e) {
            volume.close();
            throw e;
        }
    }

    private Path cacheDir(VolumeName name) {
        return cacheRoot.resolve(name.value());
    }

    // ---- NodeStage / NodeUnstage --------------------------------------------------------

    /** Attaches the volume under {@code epoch}, formats a blank filesystem volume and mounts it. Idempotent. */
    public String stage(StageRequest req) {
        checkedFlags(req.mountFlags());
        if (req.fsType() != null && !req.fsType().isEmpty() && !Filesystems.SUPPORTED.contains(req.fsType()))
            throw new VolumeException.InvalidArgument("fs type " + req.fsType() + " is not supported; use ext4 or xfs");
        ReentrantLock l = lock(req.volume());
        try {
            Held h = held.get(req.volume().value());
            if (h != null) {
                LocalMap.Entry e = h.entry();
                if (!e.stagingPath().equals(req.stagingPath().toString()))
                    throw new VolumeException.FailedPrecondition("volume " + req.volume() + " is already staged at " + e.stagingPath());
                if (e.epoch() != req.epoch())
                    throw new VolumeException.FailedPrecondition("volume " + req.volume() + " is staged under epoch " + e.epoch()
                            + ", the publish context says " + req.epoch() + "; unstage it first");
                if (e.access() != req.access() || e.readonly() != req.readonly())
                    throw new VolumeException.AlreadyExists("volume " + req.volume() + " is already staged as " + e.access()
                            + (e.readonly() ? " read-only" : "") + "; asked for " + req.access() + (req.readonly() ? " read-only" : ""));
            } else {
                Long handedOver = released.get(req.volume().value());
                if (handedOver != null && req.epoch() <= handedOver)
                    throw new VolumeException.FailedPrecondition("volume " + req.volume() + " was handed over under epoch "
                            + handedOver + " (the controller is unpublishing it from this node); publish it again first");
                VolumeRecord record = registry.resolve(req.volume());
                Owner owner = record.owner();
                if (owner == null || !owner.node().equals(node.value()) || owner.epoch() != req.epoch())
                    throw new VolumeException.FailedPrecondition("volume " + req.volume() + " is not published to node " + node
                            + " under epoch " + req.epoch() + " (" + (owner == null ? "not published" : "held by " + owner.node()
                            + " at epoch " + owner.epoch()) + "); ControllerPublishVolume first");
                String fsType = req.access() == LocalMap.Access.MOUNT
                        ? (req.fsType() == null || req.fsType().isEmpty() ? FsParameters.of(record.parameters()).fsType() : req.fsType())
                        : null;
                LocalMap.Entry previous = map.get(req.volume()).orElse(null);
                int devId = previous != null && previous.epoch() == req.epoch() ? previous.devId() : -1;
                if (previous != null && devId < 0 && previous.devId() >= 0) devices.discard(previous.devId());
                LocalMap.Entry entry = new LocalMap.Entry(req.volume().value(), devId, req.epoch(),
                        req.stagingPath().toString(), req.access(), fsType, req.readonly());
                map.put(entry);
                try {
                    h = reattach(entry, record).held();
                } catch (RuntimeException e) {
                    // a first attach that failed served nothing: no entry is left for a hand-over or a reboot to chase
                    if (previous == null) map.remove(req.volume());
                    throw e;
                }
                log.atInfo().setMessage("volume attached").addKeyValue("volume", req.volume().value())
                        .addKeyValue("device", h.device().path()).addKeyValue("epoch", req.epoch()).log();
            }
            if (req.access() == LocalMap.Access.MOUNT) mountStaging(h, req.mountFlags());
            return h.device().path();
        } finally {
            l.unlock();
        }
    }

    /** Formats when blank (never over another filesystem), then mounts the device at the staging path. */
    private void mountStaging(Held h, List<String> flags) {
        LocalMap.Entry e = h.entry();
        Path staging = Path.of(e.stagingPath());
        String dev = h.device().path();
        Optional<Mounts.MountPoint> existing = mounts.at(staging);
        if (existing.isPresent()) {
            if (sameDevice(existing.get(), dev)) return;
            throw new VolumeException.FailedPrecondition("staging path " + staging + " already has " + existing.get().source()
                    + " mounted; expected " + dev);
        }
        Filesystems.Probe probe = filesystems.probe(dev);
        if (probe.other() != null)
            throw new VolumeException.FailedPrecondition("volume " + e.volume() + " holds " + probe.other() + ", not a filesystem; "
                    + "Strata formats only blank volumes");
        if (probe.blank()) {
            if (e.readonly()) throw new VolumeException.FailedPrecondition("volume " + e.volume() + " is blank and staged read-only: "
                    + "there is no filesystem to mount");
            long start = System.nanoTime();
            filesystems.format(dev, e.fsType(), FsParameters.of(h.record().parameters()).mkfsOptions());
            log.atInfo().setMessage("formatted").addKeyValue("volume", e.volume()).addKeyValue("fsType", e.fsType())
                    .addKeyValue("millis", (System.nanoTime() - start) / 1_000_000).log();
        } else if (!probe.fsType().equals(e.fsType())) {
            throw new VolumeException.FailedPrecondition("volume " + e.volume() + " holds " + probe.fsType() + ", asked for "
                    + e.fsType() + "; Strata never reformats a volume");
        }
        try {
            Files.createDirectories(staging);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot create staging path " + staging, ex);
        }
        List<String> options = new ArrayList<>(Filesystems.defaultMountOptions(e.fsType()));
        if (flags != null) options.addAll(checkedFlags(flags));
        if (e.readonly()) options.add("ro");
        mounts.mount(dev, staging, e.fsType(), options);
    }

    /** Mount flags from the CSI request: option words only (no paths, no separators). */
    static List<String> checkedFlags(List<String> flags) {
        for (String f : flags)
            if (!f.matches("[A-Za-z0-9_=.:+-]{1,128}"))
                throw new VolumeException.InvalidArgument("mount flag '" + f + "' may hold only letters, digits and _=.:+-");
        return flags;
    }

    private boolean sameDevice(Mounts.MountPoint m, String device) {
        if (m.source().equals(device)) return true;
        try {
            return Files.isSameFile(Path.of(m.source()), Path.of(device));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Unmounts the staging path, uploads everything to the bucket, removes the device and
     * forgets the volume. Idempotent. If the bucket cannot take the data the call fails and
     * the volume stays attached (nothing acknowledged is dropped); a fenced volume is
     * detached anyway — its writes belong to no one now.
     */
    public void unstage(VolumeName name, Path stagingPath) {
        ReentrantLock l = lock(name);
        try {
            mounts.unmount(stagingPath);
            Held h = held.get(name.value());
            if (h == null) {
                LocalMap.Entry e = map.get(name).orElse(null);
                if (e == null) return;
                Optional<VolumeRecord> record = registry.find(name);
                Optional<String> revoked = revokedReason(e, record);
                if (revoked.isPresent()) {
                    drop(e, revoked.get()); // its writes belong to no one now
                    return;
                }
                // in the map but not attached (recovery failed at boot): attach it now so its
                // unuploaded writes are drained below, never dropped with the entry
                h = reattach(e, record.get()).held();
            }
            drainUnlessFenced(h);
            h.device().remove();
            h.volume().close();
            held.remove(name.value());
            NodeMetrics.attached(held.size());
            map.remove(name);
            deleteTree(cacheDir(name));
            log.atInfo().setMessage("volume detached").addKeyValue("volume", name.value()).log();
        } finally {
            l.unlock();
        }
    }

    /** Uploads what the volume acknowledged; a fenced volume (found so now or before) is detached anyway: its writes belong to no one now. */
    private static void drainUnlessFenced(Held h) {
        try {
            if (h.volume().health().fenced() == null) {
                h.volume().drain();
                return;
            }
        } catch (VolumeException.Fenced e) {
            // learned while draining: the same as fenced before
        }
        log.atWarn().setMessage("unstaging a fenced volume: its unuploaded writes are discarded")
                .addKeyValue("volume", h.entry().volume()).addKeyValue("reason", h.volume().health().fenced()).log();
    }

    /**
     * Hands the volume over before the controller revokes {@code epoch} (node agent Release):
     * from now on this node refuses to stage that epoch, and if it has the volume attached
     * under it, every write fails and everything acknowledged is uploaded and committed. A
     * volume in the local map that boot recovery could not attach is attached first, so its
     * acknowledged writes are uploaded too. Unavailable when the bucket does not take them
     * (the volume stays write-blocked; the call may be repeated). Idempotent.
     */
    public void release(VolumeName name, long epoch) {
        ReentrantLock l = lock(name);
        try {
            released.merge(name.value(), epoch, Math::max);
            Held h = held.get(name.value());
            if (h == null) {
                LocalMap.Entry e = map.get(name).orElse(null);
                if (e == null || e.epoch() > epoch) return;
                Optional<VolumeRecord> record = registry.find(name);
                if (record.isEmpty() || revokedReason(e, record).isPresent()) return;
                h = reattach(e, record.get()).held();
            }
            if (h.entry().epoch() > epoch) return;
            h.volume().release("the controller is revoking epoch " + epoch + " of node " + node);
            log.atInfo().setMessage("volume handed over").addKeyValue("volume", name.value()).addKeyValue("epoch", epoch).log();
        } finally {
            l.unlock();
        }
    }

    // ---- NodePublish / NodeUnpublish ----------------------------------------------------

    /** Bind-mounts the staging path (filesystem) or the device (raw block) at {@code target}. Idempotent. */
    public void publish(VolumeName name, Path stagingPath, Path target, boolean readonly, List<String> flags) {
        ReentrantLock l = lock(name);
        try {
            Held h = held.get(name.value());
            if (h == null) throw new VolumeException.FailedPrecondition("volume " + name + " is not staged on this node; NodeStageVolume first");
            if (!h.entry().stagingPath().equals(stagingPath.toString()))
                throw new VolumeException.FailedPrecondition("volume " + name + " is staged at " + h.entry().stagingPath() + ", not " + stagingPath);
            boolean block = h.entry().access() == LocalMap.Access.BLOCK;
            Optional<Mounts.MountPoint> existing = mounts.at(target);
            if (existing.isPresent()) {
                if (existing.get().readonly() != readonly)
                    throw new VolumeException.AlreadyExists("volume " + name + " is already published at " + target
                            + (existing.get().readonly() ? " read-only" : " read-write"));
                return;
            }
            List<String> checked = checkedFlags(flags);
            try {
                if (block) {
                    Files.createDirectories(target.getParent());
                    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) Files.createFile(target);
                    mounts.bind(Path.of(h.device().path()), target, readonly, List.of());
                } else {
                    Files.createDirectories(target);
                    mounts.bind(stagingPath, target, readonly, checked);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create target path " + target, e);
            }
        } finally {
            l.unlock();
        }
    }

    /** Unmounts {@code target} and removes it. Idempotent. */
    public void unpublish(VolumeName name, Path target) {
        ReentrantLock l = lock(name);
        try {
            mounts.unmount(target);
            try {
                Files.deleteIfExists(target);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove target path " + target + ": " + e.getMessage(), e);
            }
        } finally {
            l.unlock();
        }
    }

    // ---- stats, expand, cut ---------------------------------------------------------------

    /** Usage and condition of a held volume at a staging or target path. */
    public record Stats(boolean block, long sizeBytes, Filesystems.Usage usage, AttachedVolume.Health health, long rpoMillis) {
        /** The VolumeCondition message, or null when healthy. */
        public String abnormal() {
            if (health.fenced() != null) return "fenced: " + health.fenced();
            if (health.storeError() != null) return "object store unreachable: " + health.storeError();
            if (health.lagMillis() > rpoMillis)
                return "upload lag " + health.lagMillis() / 1000 + " s is over the RPO of " + rpoMillis / 1000 + " s";
            return null;
        }
    }

    public Stats stats(VolumeName name, Path path) {
        Held h = held.get(name.value());
        if (h == null) throw new VolumeException.NotFound("volume " + name + " is not staged on this node");
        if (!Files.exists(path)) throw new VolumeException.NotFound("volume path " + path + " does not exist");
        boolean block = h.entry().access() == LocalMap.Access.BLOCK;
        Filesystems.Usage usage = block ? null : Filesystems.usage(path);
        // no bucket request here: stats must still answer (and say why) when the bucket is unreachable
        return new Stats(block, h.volume().sizeBytes(), usage, h.volume().health(), h.volume().rpo().toMillis());
    }

    /** Grows device and filesystem to the volume's recorded size (ControllerExpand ran first). Returns the new size. */
    public long expand(VolumeName name, long requiredBytes) {
        ReentrantLock l = lock(name);
        try {
            Held h = held.get(name.value());
            if (h == null) throw new VolumeException.NotFound("volume " + name + " is not staged on this node");
            long size = registry.resolve(name).sizeBytes();
            if (requiredBytes > size)
                throw new VolumeException.OutOfRange("volume " + name + " is " + size + " bytes; ControllerExpandVolume to "
                        + requiredBytes + " first");
            h.volume().grow(size);
            if (deviceBytes(h.device().path()) < size) {
                try {
                    h.device().resize(size);
                } catch (RuntimeException e) {
                    throw new VolumeException.FailedPrecondition("cannot grow " + h.device().path() + " online: " + e.getMessage()
                            + "; unstage and stage the volume again to use its new size");
                }
            }
            if (h.entry().access() == LocalMap.Access.MOUNT)
                filesystems.grow(h.device().path(), Path.of(h.entry().stagingPath()), h.entry().fsType());
            log.atInfo().setMessage("volume expanded").addKeyValue("volume", name.value()).addKeyValue("bytes", size).log();
            return size;
        } finally {
            l.unlock();
        }
    }

    /** Size of a block device from sysfs (512-byte sectors). */
    static long deviceBytes(String device) {
        try {
            Path real = Path.of(device).toRealPath();
            return Long.parseLong(Files.readString(Path.of("/sys/class/block", real.getFileName().toString(), "size")).strip()) * 512;
        } catch (IOException | NumberFormatException e) {
            throw new VolumeException.FailedPrecondition("cannot read the size of " + device + ": " + e.getMessage());
        }
    }

    /** A consistent point in time of a held volume (node agent): the committed manifest's pool-relative key. */
    public String cut(VolumeName name) {
        Held h = held.get(name.value());
        if (h == null) throw new VolumeException.NotFound("volume " + name + " is not attached on node " + node);
        return h.volume().cut();
    }

    /**
     * Re-reads the volume's record and applies its mutable parameters to the held engine
     * (ControllerModifyVolume through the node agent). NotFound if not held here.
     */
    public AttachedVolume retune(VolumeName name) {
        Held h = held.get(name.value());
        if (h == null) throw new VolumeException.NotFound("volume " + name + " is not attached on node " + node);
        h.volume().retune(VolumeParameters.of(registry.resolve(name).parameters()));
        return h.volume();
    }

    /** The held volume's engine, for a group snapshot's latch, cut and release. NotFound if not held here. */
    public AttachedVolume attached(VolumeName name) {
        Held h = held.get(name.value());
        if (h == null) throw new VolumeException.NotFound("volume " + name + " is not attached on node " + node);
        return h.volume();
    }

    public boolean holds(VolumeName name) {
        return held.containsKey(name.value());
    }

    public List<String> heldVolumes() {
        return held.keySet().stream().sorted().toList();
    }

    /**
     * Leaves every device for the next process to resume (never STOP_DEV on exit); syncs the
     * caches. A fenced volume has no next process: its staging path is unmounted and its
     * device removed, so no reader waits on it forever.
     */
    @Override
    public void close() {
        for (Held h : held.values()) {
            try {
                if (h.volume().health().fenced() != null) removeFenced(h);
                else h.device().abandon();
            } finally {
                h.volume().close();
            }
        }
        held.clear();
        devices.close();
    }

    private void removeFenced(Held h) {
        log.atWarn().setMessage("stopping: removing the device of a fenced volume (it cannot be resumed)")
                .addKeyValue("volume", h.entry().volume()).addKeyValue("devId", h.device().devId()).log();
        try {
            if (h.entry().access() == LocalMap.Access.MOUNT) mounts.unmount(Path.of(h.entry().stagingPath()));
            h.device().remove();
            map.remove(h.entry().volumeName());
        } catch (RuntimeException e) {
            log.atWarn().setMessage("cannot remove the device of a fenced volume; leaving it").addKeyValue("volume", h.entry().volume())
                    .setCause(e).log();
            h.device().abandon();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            log.atWarn().setMessage("cannot delete a detached volume's cache").addKeyValue("dir", dir.toString()).setCause(e).log();
        }
    }
}
