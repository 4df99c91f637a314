package dev.strata.cli;

import dev.strata.volume.ImageName;
import dev.strata.volume.ImageRecord;
import dev.strata.volume.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "images", mixinStandardHelpOptions = true, description = "List and delete images (create them with 'strata bless').",
        subcommands = {ImagesCommand.Delete.class})
final class ImagesCommand implements Callable<Integer> {
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;

    @Override
    public Integer call() {
        return Admin.withRegistry(store, registry -> {
            List<ImageRecord> all = new ArrayList<>();
            ImageName after = null;
            do {
                Page<ImageRecord> page = registry.images().list(after, 500);
                all.addAll(page.items());
                after = page.next() == null ? null : new ImageName(page.next());
            } while (after != null);
            StringBuilder text = new StringBuilder(String.format("%-40s %12s %-40s %s", "NAME", "SIZE", "SOURCE", "CREATED"));
            for (ImageRecord i : all)
                text.append(String.format("%n%-40s %12s %-40s %s", i.name(), Admin.size(i.sizeBytes()), i.source(), i.created()));
            output.print(all, text.toString());
            return 0;
        });
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an image's name (volumes forked from it keep their data).")
    static final class Delete implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            ImageName image = new ImageName(name);
            return Admin.withRegistry(store, registry -> {
                registry.images().resolve(image);   // a missing image is an error here
                registry.images().delete(image);
                output.print(Map.of("deleted", "image:" + image), "deleted image " + image);
                return 0;
            });
        }
    }
}
