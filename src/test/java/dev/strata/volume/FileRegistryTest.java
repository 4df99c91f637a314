package dev.strata.volume;

import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryTest extends RegistryContract {
    @TempDir Path dir;

    @Override
    ObjectStore newStore() {
        return new FileObjectStore(dir);
    }
}
