package dev.strata.volume;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The holder's side of ownership (docs/architecture.md, "Ownership and fencing"): an attached
 * volume acknowledges a write or a flush only while it has confirmed, within the last lease,
 * that no epoch newer than its own exists. A confirmation is one HEAD of
 * {@code owners/{name}/{epoch+1}}, made every sixth of the lease; the lease counts from the
 * moment the request was sent, on this process's monotonic clock. Finding the newer epoch
 * fences the volume for good; not reaching the bucket only lets the lease run out — writes
 * then fail (EIO) until a confirmation gets through.
 *
 * <p>Why this bounds a former holder: a revocation creates the newer epoch; every confirmation
 * sent after that sees it, so the holder acknowledges nothing later than one lease after the
 * revocation. A forced revocation waits that long before the volume can be granted again.
 */
final class HolderLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HolderLease.class);

    private final VolumeName name;
    private final long epoch;
    private final Ownership ownership;
    private final long leaseNanos;
    private final LongSupplier nanoTime;
    private final Consumer<String> fence;
    private volatile long validUntil;
    private volatile boolean lapsed;
    private ScheduledExecutorService renewer;

    HolderLease(VolumeName name, long epoch, Ownership ownership, Duration lease, LongSupplier nanoTime, Consumer<String> fence) {
        this.name = name;
        this.epoch = epoch;
        this.ownership = ownership;
        this.leaseNanos = lease.toNanos();
        this.nanoTime = nanoTime;
        this.fence = fence;
        this.validUntil = nanoTime.getAsLong() - 1;
    }

    /** Confirms once now (so a fresh attach can write at once), then every sixth of the lease in the background. */
    void start() {
        confirm();
        renewer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("strata-lease-" + name.value()).factory());
        long period = Math.max(leaseNanos / 6, 1_000_000);
        renewer.scheduleWithFixedDelay(this::confirm, period, period, TimeUnit.NANOSECONDS);
    }

    /** One confirmation: extends the lease, or fences the volume when a newer epoch exists. */
    void confirm() {
        long sent = nanoTime.getAsLong();
        boolean superseded;
        try {
            superseded = ownership.superseded(name, epoch);
        } catch (RuntimeException e) {
            if (!lapsed && expired()) {
                lapsed = true;
                log.atError().setMessage("ownership not confirmed within the lease: writes fail until the bucket answers")
                        .addKeyValue("volume", name.value()).addKeyValue("epoch", epoch).addKeyValue("error", e.getMessage()).log();
            }
            return;
        }
        if (superseded) {
            fence.accept("epoch " + epoch + " was superseded (the volume was unpublished or published elsewhere)");
            return;
        }
        validUntil = sent + leaseNanos;
        if (lapsed) {
            lapsed = false;
            log.atInfo().setMessage("ownership confirmed again: writes resume").addKeyValue("volume", name.value())
                    .addKeyValue("epoch", epoch).log();
        }
    }

    private boolean expired() {
        return nanoTime.getAsLong() - validUntil > 0;
    }

    /** Throws Unavailable (EIO) unless the epoch was confirmed within the lease. Call right before acknowledging. */
    void check() {
        if (expired())
            throw new VolumeException.Unavailable("volume " + name + ": ownership of epoch " + epoch + " not confirmed within the "
                    + Duration.ofNanos(leaseNanos).toMillis() + " ms lease (the bucket does not answer); writes fail until it does", null);
    }

    @Override
    public void close() {
        if (renewer != null) renewer.shutdownNow();
    }
}
