package dev.strata.cli;

import dev.strata.volume.ImageName;
import dev.strata.volume.ImageRecord;
import dev.strata.volume.Page;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "images", mixinStandardHelpOptions = true, description = "List and delete images (create them with 'strata bless').",
        subcommands = {ImagesCommand.Delete.class})
final class ImagesCommand implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Override
    public Integer call() {
        return Admin.withRegistry(store, registry -> {
            System.out.printf("%-40s %12s %-40s %s%n", "NAME", "SIZE", "SOURCE", "CREATED");
            ImageName after = null;
            do {
                Page<ImageRecord> page = registry.images().list(after, 500);
                for (ImageRecord i : page.items())
                    System.out.printf("%-40s %12s %-40s %s%n", i.name(), Admin.size(i.sizeBytes()), i.source(), i.created());
                after = page.next() == null ? null : new ImageName(page.next());
            } while (after != null);
            return 0;
        });
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an image's name (volumes forked from it keep their data).")
    static final class Delete implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            ImageName image = new ImageName(name);
            return Admin.withRegistry(store, registry -> {
                registry.images().delete(image);
                System.out.println("deleted image " + image);
                return 0;
            });
        }
    }
}
