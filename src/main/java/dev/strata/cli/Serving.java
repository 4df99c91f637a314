package dev.strata.cli;

import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** Runs a server until SIGINT/SIGTERM, then closes it. */
final class Serving {
    private Serving() {}

    static int runUntilSignalled(Supplier<? extends AutoCloseable> start) throws InterruptedException {
        AutoCloseable running = start.get();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("strata: error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "strata-shutdown"));
        System.err.println("strata: serving; stop with Ctrl-C");
        stopped.await();
        return 0;
    }
}
