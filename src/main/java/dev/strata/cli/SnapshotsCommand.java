package dev.strata.cli;

import dev.strata.volume.FromRef;
import dev.strata.volume.Page;
import dev.strata.volume.SnapshotId;
import dev.strata.volume.SnapshotRecord;
import dev.strata.volume.VolumeName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshots", mixinStandardHelpOptions = true, description = "List, create and delete snapshots (ids are VOLUME@SEQ, valid on any node).",
        subcommands = {SnapshotsCommand.Create.class, SnapshotsCommand.Delete.class, SnapshotsDiffCommand.class})
final class SnapshotsCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;
    @Option(names = "--volume", paramLabel = "NAME", description = "Only this volume's snapshots.") String volume;

    @Override
    public Integer call() {
        VolumeName only = volume == null ? null : new VolumeName(volume);
        return Admin.withRegistry(store, registry -> {
            List<SnapshotRecord> all = new ArrayList<>();
            SnapshotId after = null;
            do {
                Page<SnapshotRecord> page = registry.snapshots().list(only, after, 500);
                all.addAll(page.items());
                after = page.next() == null ? null : SnapshotId.parse(page.next());
            } while (after != null);
            // a deleted volume's snapshots still list; a name that never had any is not found
            if (only != null && all.isEmpty()) registry.resolve(only);
            StringBuilder text = new StringBuilder(String.format("%-50s %12s %s", "ID", "SIZE", "CREATED"));
            for (SnapshotRecord s : all)
                text.append(String.format("%n%-50s %12s %s", s.id(), Admin.size(s.sizeBytes()), s.created()));
            output.print(all, text.toString());
            return 0;
        });
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Snapshot a volume; prints the new snapshot id.")
    static final class Create implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "VOLUME") String volume;
        @Option(names = "--name", description = "An idempotency name: the same name returns the same snapshot.") String name;
        @Mixin HolderCuts holder;

        @Override
        public Integer call() {
            VolumeName v = new VolumeName(volume);
            return Admin.withRegistry(store, registry -> {
                HolderCuts.Cut cut = holder.of(registry, store, new FromRef.Volume(v));
                SnapshotRecord snap = registry.snapshots().create(v, name, cut.key());
                output.print(snap, snap.id());
                if (cut.note() != null) System.err.println("snapshot " + snap.id() + ": " + cut.note());
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a snapshot by id.")
    static final class Delete implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            SnapshotId snapshot = SnapshotId.parse(id);
            return Admin.withRegistry(store, registry -> {
                registry.snapshots().resolve(snapshot);   // missing: an error here (CSI DeleteSnapshot stays idempotent)
                registry.snapshots().delete(snapshot);
                output.print(Map.of("deleted", snapshot.toString()), "deleted " + snapshot);
                return 0;
            });
        }
    }
}
