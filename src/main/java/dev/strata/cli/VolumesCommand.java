package dev.strata.cli;

import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.NodeId;
import dev.strata.volume.Page;
import dev.strata.volume.Sizes;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import dev.strata.csi.StorageClassParameters;
import dev.strata.volume.VolumeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "volumes", mixinStandardHelpOptions = true, description = "List, create (blank or forked), grow and delete volumes.",
        subcommands = {VolumesCommand.Create.class, VolumesCommand.Delete.class, VolumesCommand.Expand.class,
                VolumesCommand.Unpublish.class})
final class VolumesCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;

    @Override
    public Integer call() {
        return Admin.withRegistry(store, registry -> {
            List<VolumeRecord> all = new ArrayList<>();
            VolumeName after = null;
            do {
                Page<VolumeRecord> page = registry.list(after, 500);
                all.addAll(page.items());
                after = page.next() == null ? null : new VolumeName(page.next());
            } while (after != null);
            StringBuilder text = new StringBuilder(String.format("%-40s %12s %-8s %-30s %s", "NAME", "SIZE", "NODE", "SOURCE", "CREATED"));
            for (VolumeRecord v : all)
                text.append(String.format("%n%-40s %12s %-8s %-30s %s", v.name(), Admin.size(v.sizeBytes()),
                        v.owner() == null ? "-" : v.owner().node(), v.source() == null ? "-" : v.source(), v.created()));
            output.print(all, text.toString());
            return 0;
        });
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = {"Create a volume: blank, or an O(1) fork of an image, volume or snapshot.",
            "Example: strata volumes create db-copy --from snapshot:db@3"})
    static final class Create implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "NAME", description = "The new volume's name.") String name;
        @Option(names = "--size", converter = ByteSizeConverter.class,
                description = "Size (bytes or KiB/MiB/GiB/TiB, at most 64TiB). Default: the source's size, or 1GiB for blank.") Long size;
        @Option(names = "--from", paramLabel = "REF", description = "image:NAME, volume:NAME or snapshot:VOLUME@SEQ.") String from;
        @Mixin HolderCuts holder;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            FromRef ref = FromRef.parse(from);
            if (size != null && size == 0) throw new VolumeException.InvalidArgument("--size must be more than 0 (leave it out for the default)");
            return Admin.withRegistry(store, registry -> {
                Map<String, String> params = StorageClassParameters.parse(Map.of()).stored();
                Optional<VolumeRecord> existing = registry.find(volume);
                // an existing volume is returned when it matches, else AlreadyExists says how it differs
                HolderCuts.Cut cut = existing.isPresent() ? HolderCuts.NOT_HELD : holder.of(registry, store, ref);
                VolumeRecord v = registry.create(new CreateSpec(volume, null, size == null ? 0 : size, 0, ref, params), cut.key());
                String what = (existing.isPresent() ? "exists already and matches" : "created") + " (" + Admin.size(v.sizeBytes()) + ")"
                        + (v.source() == null ? "" : " from " + v.source()) + (existing.isPresent() ? "; nothing new was made" : "")
                        + (cut.note() == null ? "" : ": " + cut.note());
                output.print(v, v.name() + " " + what);
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a volume (its data is freed by GC once nothing refers to it).")
    static final class Delete implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            return Admin.withRegistry(store, registry -> {
                registry.resolve(volume);   // a missing volume is an error here (CSI DeleteVolume stays idempotent)
                registry.delete(volume);
                output.print(Map.of("deleted", volume.value()), "deleted " + volume);
                return 0;
            });
        }
    }

    @Command(name = "expand", mixinStandardHelpOptions = true, description = "Grow a volume to a new size (never shrinks).")
    static final class Expand implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", paramLabel = "SIZE", converter = ByteSizeConverter.class) long size;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            if (size == 0) throw new VolumeException.InvalidArgument("the new size must be more than 0");
            return Admin.withRegistry(store, registry -> {
                VolumeRecord current = registry.resolve(volume);
                long wanted = Sizes.roundUp(size, current.blockSize());
                if (wanted < current.sizeBytes())
                    throw new VolumeException.OutOfRange("volume " + volume + " is " + Admin.size(current.sizeBytes())
                            + "; it cannot shrink to " + Admin.size(wanted) + " (expand only grows)");
                VolumeRecord v = registry.expand(volume, size);
                output.print(v, v.sizeBytes() == current.sizeBytes() ? v.name() + " is already " + Admin.size(v.sizeBytes())
                        : v.name() + " grew from " + Admin.size(current.sizeBytes()) + " to " + Admin.size(v.sizeBytes()));
                return 0;
            });
        }
    }

    @Command(name = "unpublish", mixinStandardHelpOptions = true, description = {
            "Force a volume off a node that is dead or gone for good (needs --force).",
            "Takes the next ownership epoch at once, so that node is fenced, then waits out its lease",
            "(about 37 s by default) before the volume is free. Writes it had not uploaded are lost."})
    static final class Unpublish implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "NAME", description = "The volume.") String name;
        @Option(names = "--force", description = "Required: the holder is not asked to hand the volume over.") boolean force;
        @Option(names = "--node", paramLabel = "NODE",
                description = "Only if this node holds it (as `strata volumes` shows): a guard against forcing the wrong one.") String node;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            if (!force) throw new VolumeException.InvalidArgument("volumes unpublish only forces: the holder is not asked to hand "
                    + volume + " over, and what it has not uploaded is lost. For a live node use 'strata detach' there (or let "
                    + "Kubernetes detach it); for a dead one add --force");
            return Admin.withRegistry(store, registry -> {
                VolumeRecord v = registry.resolve(volume);
                if (v.owner() == null) throw new VolumeException.FailedPrecondition("volume " + volume + " is not published on any node");
                if (node != null && !v.owner().node().equals(node))
                    throw new VolumeException.FailedPrecondition("volume " + volume + " is published on node " + v.owner().node()
                            + ", not " + node);
                System.err.println("unpublish " + volume + ": fencing node " + v.owner().node() + ", then waiting out its lease ("
                        + v.owner().lease().toSeconds() + " s and a margin)");
                registry.ownership().revoke(volume, new NodeId(v.owner().node()), true);
                VolumeRecord after = registry.resolve(volume);
                output.print(after, "unpublished " + volume + " from node " + v.owner().node() + " (fenced: ownership epoch "
                        + v.owner().epoch() + " -> " + after.epoch() + ")");
                return 0;
            });
        }
    }
}
