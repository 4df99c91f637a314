package dev.strata.cli;

import dev.strata.volume.FromRef;
import dev.strata.volume.ImageName;
import dev.strata.volume.ImageRecord;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bless", mixinStandardHelpOptions = true, description = {"Make a snapshot or a volume a named, immutable image (O(1)).",
        "Example: strata bless ubuntu-24.04 --from snapshot:golden@2"})
final class BlessCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;
    @Parameters(paramLabel = "IMAGE") String name;
    @Option(names = "--from", required = true, paramLabel = "REF", description = "snapshot:VOLUME@SEQ or volume:NAME.")
    String from;
    @Mixin HolderCuts holder;

    @Override
    public Integer call() {
        ImageName image = new ImageName(name);
        FromRef ref = FromRef.parse(from);
        return Admin.withRegistry(store, registry -> {
            HolderCuts.Cut cut = holder.of(registry, store, ref);
            ImageRecord record = registry.images().bless(image, ref, cut.key());
            output.print(record, "image " + record.name() + " from " + record.source() + " (" + Admin.size(record.sizeBytes()) + ")"
                    + (cut.note() == null ? "" : ": " + cut.note()));
            return 0;
        });
    }
}
