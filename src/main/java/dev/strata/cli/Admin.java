package dev.strata.cli;

import dev.strata.store.ObjectStore;
import dev.strata.volume.Registry;
import java.time.Clock;
import java.util.function.Function;

/** Opens the bucket for one admin command and closes it after. */
final class Admin {
    private Admin() {}

    static <T> T withRegistry(StoreOptions options, Function<Registry, T> action) {
        try (ObjectStore store = options.open()) {
            return action.apply(new Registry(store, Clock.systemUTC()));
        }
    }

    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return (long) v + units[u];
    }
}
