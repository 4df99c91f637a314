package dev.strata.cli;

import dev.strata.volume.GarbageCollector;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gc", mixinStandardHelpOptions = true, description = {
        "Free bucket objects nothing refers to any more (deleted volumes' data, superseded manifests).",
        "An object is deleted only when a run at least --grace after the run that first found it",
        "unreferenced still finds it so. Prints progress; safe to run while volumes are in use."})
final class GcCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;

    @Option(names = "--grace", paramLabel = "MINUTES", defaultValue = "60",
            description = "Minutes an object must stay unreferenced before it is deleted (default ${DEFAULT-VALUE}).")
    long graceMinutes;

    @Override
    public Integer call() {
        if (graceMinutes < 1) throw new IllegalArgumentException("--grace must be at least 1 minute");
        return Admin.withRegistry(store, registry -> {
            GarbageCollector.Report r = new GarbageCollector(registry, Clock.systemUTC(), Duration.ofMinutes(graceMinutes))
                    .run(line -> System.err.println("gc: " + line));
            output.print(r, String.format("gc done: %d live manifests, %d live packs, %d unreferenced objects waiting out the grace, "
                    + "%d deleted (%s freed)", r.liveManifests(), r.livePacks(), r.candidates(), r.deleted(), Admin.size(r.deletedBytes())));
            return 0;
        });
    }
}
