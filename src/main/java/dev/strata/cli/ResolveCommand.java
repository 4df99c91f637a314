package dev.strata.cli;

import dev.strata.volume.ImageName;
import dev.strata.volume.Json;
import dev.strata.volume.SnapshotId;
import dev.strata.volume.VolumeName;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "resolve", mixinStandardHelpOptions = true, description = {"Print the record of a volume, snapshot or image, read from the bucket.",
        "NAME is a volume (NAME), a snapshot (VOLUME@SEQ) or an image (image:NAME); works on any node.",
        "The record is JSON in both --output formats."})
final class ResolveCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() {
        return Admin.withRegistry(store, registry -> {
            Object record;
            if (name.startsWith("image:")) record = registry.images().resolve(new ImageName(name.substring(6)));
            else if (name.contains("@")) record = registry.snapshots().resolve(SnapshotId.parse(name));
            else record = registry.resolve(new VolumeName(name));
            String json = new String(Json.write(record), StandardCharsets.UTF_8);
            output.print(record, json);
            return 0;
        });
    }
}
