package dev.strata.cli;

import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.Page;
import dev.strata.volume.VolumeName;
import dev.strata.volume.VolumeParameters;
import dev.strata.volume.VolumeRecord;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "volumes", mixinStandardHelpOptions = true, description = "List, create (blank or forked) and delete volumes.",
        subcommands = {VolumesCommand.Create.class, VolumesCommand.Delete.class, VolumesCommand.Expand.class})
final class VolumesCommand implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Override
    public Integer call() {
        return Admin.withRegistry(store, registry -> {
            System.out.printf("%-40s %12s %-8s %-30s %s%n", "NAME", "SIZE", "NODE", "SOURCE", "CREATED");
            VolumeName after = null;
            do {
                Page<VolumeRecord> page = registry.list(after, 500);
                for (VolumeRecord v : page.items())
                    System.out.printf("%-40s %12s %-8s %-30s %s%n", v.name(), Admin.size(v.sizeBytes()),
                            v.owner() == null ? "-" : v.owner().node(), v.source() == null ? "-" : v.source(), v.created());
                after = page.next() == null ? null : new VolumeName(page.next());
            } while (after != null);
            return 0;
        });
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = {"Create a volume: blank, or an O(1) fork of an image, volume or snapshot.",
            "Example: strata volumes create db-copy --from snapshot:db@3"})
    static final class Create implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Parameters(paramLabel = "NAME", description = "The new volume's name.") String name;
        @Option(names = "--size", converter = ByteSizeConverter.class, defaultValue = "0",
                description = "Size (bytes or KiB/MiB/GiB/TiB). Default: the source's size, or 1GiB for blank.") long size;
        @Option(names = "--from", paramLabel = "REF", description = "image:NAME, volume:NAME or snapshot:VOLUME@SEQ.") String from;
        @Mixin HolderCuts holder;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            FromRef ref = FromRef.parse(from);
            return Admin.withRegistry(store, registry -> {
                Map<String, String> params = VolumeParameters.parse(Map.of()).stored();
                HolderCuts.Cut cut = holder.of(registry, store, ref);
                VolumeRecord v = registry.create(new CreateSpec(volume, null, size, 0, ref, params), cut.key());
                System.out.println("created " + v.name() + " (" + Admin.size(v.sizeBytes()) + ")"
                        + (v.source() == null ? "" : " from " + v.source()) + (cut.note() == null ? "" : ": " + cut.note()));
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a volume (its data is freed by GC once nothing refers to it).")
    static final class Delete implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            return Admin.withRegistry(store, registry -> {
                registry.delete(volume);
                System.out.println("deleted " + volume);
                return 0;
            });
        }
    }

    @Command(name = "expand", mixinStandardHelpOptions = true, description = "Grow a volume to a new size.")
    static final class Expand implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", paramLabel = "SIZE", converter = ByteSizeConverter.class) long size;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            return Admin.withRegistry(store, registry -> {
                VolumeRecord v = registry.expand(volume, size);
                System.out.println(v.name() + " is " + Admin.size(v.sizeBytes()));
                return 0;
            });
        }
    }
}
