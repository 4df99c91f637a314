package dev.strata.volume;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Encodes packs and PUTs them, so that a PUT never waits for an encode: {@code puts}
 * threads only PUT, up to one encoder per core (at most {@code puts}) reads and encodes the
 * next packs meanwhile. A PUT mostly waits for the network and the server, an encode only
 * for the CPU, hence more PUTs than encoders. At most {@code puts} + encoders encoded packs
 * exist at once (those being PUT and those ready for it): an encoder waits for room before it
 * reads a pack's blocks.
 */
final class PackPipeline {
    private final ExecutorService encoders, putters;
    private final Semaphore room;

    PackPipeline(int puts, String volume) {
        int encoding = Math.min(puts, Math.max(2, Runtime.getRuntime().availableProcessors()));
        this.encoders = Executors.newFixedThreadPool(encoding, r -> daemon(r, "strata-encode-" + volume));
        this.putters = Executors.newFixedThreadPool(puts, r -> daemon(r, "strata-upload-" + volume));
        this.room = new Semaphore(puts + encoding);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Encodes a pack on an encoder, then PUTs it on a putter; completes once {@code put} has returned (exceptionally if either failed). */
    <P> CompletableFuture<Void> submit(Supplier<P> encode, Consumer<P> put) {
        return CompletableFuture.supplyAsync(() -> {
            room.acquireUninterruptibly();
            try {
                return encode.get();
            } catch (RuntimeException | Error e) {
                room.release();
                throw e;
            }
        }, encoders).thenAcceptAsync(pack -> {
            try {
                put.accept(pack);
            } finally {
                room.release();
            }
        }, putters);
    }

    void stop() {
        encoders.shutdownNow();
        putters.shutdownNow();
    }
}
