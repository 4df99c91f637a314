package dev.strata.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileObjectStoreTest extends ObjectStoreContract {
    @TempDir Path dir;

    @Override
    ObjectStore newStore() {
        return new FileObjectStore(dir);
    }

    /** S3 allows it; S3Proxy's file-backed blob stores do not, so only the file store is checked. */
    @Test
    void anObjectAndLongerKeysBeneathItCoexist() {
        store.put(key("x/y"), bytes("1"));
        store.put(key("x/y/z"), bytes("2"));
        assertArrayEquals(bytes("1"), store.get(key("x/y")).data());
        assertArrayEquals(bytes("2"), store.get(key("x/y/z")).data());
        store.delete(key("x/y/z"));
        assertArrayEquals(bytes("1"), store.get(key("x/y")).data());
    }

    @Test
    void aNewInstanceSeesTheSameObjectsAndEtags() {
        String etag = store.put(key("keep/me"), bytes("data"));
        try (FileObjectStore reopened = new FileObjectStore(dir)) {
            assertEquals(etag, reopened.get(key("keep/me")).etag());
            assertArrayEquals(bytes("data"), reopened.get(key("keep/me")).data());
        }
    }

    @Test
    void leavesNoTemporaryFilesAndPrunesEmptyDirectories() throws IOException {
        store.put(key("deep/er/still/k"), bytes("x"));
        assertThrows(StoreException.PreconditionFailed.class, () -> store.putIfAbsent(key("deep/er/still/k"), bytes("y")));
        store.delete(key("deep/er/still/k"));
        try (Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, tmp.count());
        }
        assertFalse(Files.exists(dir.resolve("objects/deep")));
    }

    @Test
    void exactlyOneWinnerPerKeyAcrossTwoProcesses() throws Exception {
        int keys = 200;
        Process child = ConditionalCreateRacer.start(dir, keys);
        int mine = 0;
        for (int i = 0; i < keys; i++) {
            try {
                store.putIfAbsent(key("xproc/" + i), bytes("parent"));
                mine++;
            } catch (StoreException.PreconditionFailed lost) {
                // the child won this one
            }
        }
        assertEquals(0, child.waitFor(), new String(child.getErrorStream().readAllBytes()));
        int theirs = Integer.parseInt(new String(child.getInputStream().readAllBytes()).trim());
        assertEquals(keys, mine + theirs, "every key has exactly one winner");
        int parentObjects = 0;
        for (int i = 0; i < keys; i++) {
            String owner = new String(store.get(key("xproc/" + i)).data());
            assertTrue(owner.equals("parent") || owner.equals("child"));
            if (owner.equals("parent")) parentObjects++;
        }
        assertEquals(mine, parentObjects, "each winner's bytes are what is stored");
    }

    @Property(tries = 1000)
    void noKeyEverMapsOutsideTheRoot(@ForAll String raw) {
        Path root = Path.of("/tmp/strata-root-check").toAbsolutePath();
        try {
            ObjectKey k = new ObjectKey(raw);
            assertTrue(!raw.contains("..") || !raw.matches(".*(^|/)\\.\\.(/|$).*"));
            if (!k.isPrefix()) {
                Path p = root.resolve("objects").resolve(k.value() + "~").normalize();
                assertTrue(p.startsWith(root.resolve("objects")), raw);
            }
        } catch (StoreException.InvalidKey expected) {
            assertFalse(expected.getMessage().isBlank());
        }
    }

    @Test
    void rejectsKeysThatCouldEscape() {
        List<String> bad = new ArrayList<>(List.of("", "/abs", "a/../b", "..", "a/./b", "a//b", "a\\b", "nul\0", "sp ace",
                "tilde~", "a/b/..", "ü"));
        for (String k : bad) assertThrows(StoreException.InvalidKey.class, () -> new ObjectKey(k), k);
    }
}
