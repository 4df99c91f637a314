package dev.strata.cli;

import dev.strata.volume.ManifestDiff;
import dev.strata.volume.PackCache;
import dev.strata.volume.SnapshotId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata snapshots diff A B}: the byte ranges that differ between two snapshots, from their manifests. */
@Command(name = "diff", mixinStandardHelpOptions = true, description = {
        "Byte ranges that may differ between snapshot BASE and snapshot TARGET (what GetMetadataDelta streams),",
        "read from manifests: cost follows the chunks that changed, not the volume's size.",
        "With only BASE: the ranges that hold data (GetMetadataAllocated)."})
final class SnapshotsDiffCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Parameters(index = "0", paramLabel = "BASE") String base;
    @Parameters(index = "1", paramLabel = "TARGET", arity = "0..1") String target;
    @Option(names = "--starting-offset", paramLabel = "BYTES", description = "Start at the block holding this byte offset (default 0).")
    long startingOffset;

    @Override
    public Integer call() {
        SnapshotId a = SnapshotId.parse(base), b = target == null ? null : SnapshotId.parse(target);
        return Admin.withRegistry(store, registry -> {
            ManifestDiff diff = new ManifestDiff(registry, new PackCache(registry.store(), 0));
            ManifestDiff.Blocks blocks = b == null ? diff.allocated(a, startingOffset) : diff.delta(a, b, startingOffset);
            System.out.printf("%-20s %s%n", "OFFSET", "LENGTH");
            long[] ids = blocks.blocks();
            for (int i = 0; i < ids.length; ) {
                int j = i;
                while (j + 1 < ids.length && ids[j + 1] == ids[j] + 1) j++;
                System.out.printf("%-20d %d%n", ids[i] * blocks.blockSize(), (long) (j - i + 1) * blocks.blockSize());
                i = j + 1;
            }
            System.out.printf("%d blocks of %d bytes (%s) %s, of %s%n", ids.length, blocks.blockSize(),
                    Admin.size((long) ids.length * blocks.blockSize()), b == null ? "hold data" : "differ",
                    Admin.size(blocks.capacityBytes()));
            return 0;
        });
    }
}
