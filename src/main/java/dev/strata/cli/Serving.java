package dev.strata.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** Runs a server until SIGINT/SIGTERM, then closes it. */
final class Serving {
    private Serving() {}

    /**
     * Starts the server and serves until signalled. The shutdown hook is in place before the
     * server starts: a signal that arrives while it is starting (its socket may already be
     * bound) waits for the start to finish, then closes what started — nothing is left behind.
     */
    static int runUntilSignalled(Supplier<? extends AutoCloseable> start) throws InterruptedException {
        AtomicReference<AutoCloseable> running = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1), stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.await();
                AutoCloseable r = running.get();
                if (r != null) r.close();
            } catch (Exception e) {
                System.err.println("strata: error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "strata-shutdown"));
        try {
            running.set(start.get());
        } finally {
            started.countDown();
        }
        System.err.println("strata: serving; stop with Ctrl-C");
        stopped.await();
        return 0;
    }
}
