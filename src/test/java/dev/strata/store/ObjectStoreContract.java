package dev.strata.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** S3 semantics every {@link ObjectStore} must have, run against each real store. */
abstract class ObjectStoreContract {
    abstract ObjectStore newStore();

    ObjectStore store;

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static ObjectKey key(String k) {
        return new ObjectKey(k);
    }

    @Test
    void putGetHeadDelete() {
        String etag = store.put(key("a/b/c"), bytes("hello"));
        StoredObject o = store.get(key("a/b/c"));
        assertArrayEquals(bytes("hello"), o.data());
        assertEquals(etag, o.etag());
        assertEquals(new ObjectInfo("a/b/c", 5, etag), store.head(key("a/b/c")).orElseThrow());
        String second = store.put(key("a/b/c"), bytes("world!"));
        assertNotEquals(etag, second, "a new content has a new etag");
        assertEquals(6, store.head(key("a/b/c")).orElseThrow().size());
        store.delete(key("a/b/c"));
        store.delete(key("a/b/c"));
        assertTrue(store.head(key("a/b/c")).isEmpty());
        assertThrows(StoreException.NotFound.class, () -> store.get(key("a/b/c")));
        assertThrows(StoreException.NotFound.class, () -> store.getRange(key("a/b/c"), 0, 1));
    }

    @Test
    void rangedGets() {
        store.put(key("r"), bytes("0123456789"));
        assertArrayEquals(bytes("234"), store.getRange(key("r"), 2, 3));
        assertArrayEquals(bytes("789"), store.getRange(key("r"), 7, 100), "short at the end");
        assertArrayEquals(bytes("9"), store.getRange(key("r"), 9, 1), "exact end");
        assertArrayEquals(new byte[0], store.getRange(key("r"), 10, 5), "at the end");
        assertArrayEquals(new byte[0], store.getRange(key("r"), 50, 5), "past the end");
    }

    @Test
    void emptyObjects() {
        store.put(key("empty"), new byte[0]);
        assertArrayEquals(new byte[0], store.get(key("empty")).data());
        assertEquals(0, store.head(key("empty")).orElseThrow().size());
    }

    @Test
    void conditionalCreateAndReplace() {
        String etag = store.putIfAbsent(key("c/k"), bytes("first"));
        assertThrows(StoreException.PreconditionFailed.class, () -> store.putIfAbsent(key("c/k"), bytes("second")));
        assertArrayEquals(bytes("first"), store.get(key("c/k")).data(), "the loser changed nothing");
        assertThrows(StoreException.PreconditionFailed.class, () -> store.putIfMatch(key("c/k"), bytes("x"), "\"stale\""));
        String next = store.putIfMatch(key("c/k"), bytes("third"), etag);
        assertArrayEquals(bytes("third"), store.get(key("c/k")).data());
        assertThrows(StoreException.PreconditionFailed.class, () -> store.putIfMatch(key("c/k"), bytes("4"), etag));
        assertEquals(next, store.head(key("c/k")).orElseThrow().etag());
        assertThrows(StoreException.NotFound.class, () -> store.putIfMatch(key("c/missing"), bytes("x"), etag));
    }

    @Test
    void listsInKeyOrderPageByPageWithPrefixesThatArePrefixesOfEachOther() {
        List<String> keys = List.of("p/a-b", "p/a.c", "p/a/b", "p/a/b2/c", "p/a0", "p/b", "q/a", "p2/a");
        for (String k : keys) store.put(key(k), bytes(k));
        assertEquals(List.of("p/a-b", "p/a.c", "p/a/b", "p/a/b2/c", "p/a0", "p/b"), listAll("p/", 2));
        assertEquals(List.of("p/a/b", "p/a/b2/c"), listAll("p/a/b", 1));
        assertEquals(List.of("p/a/b2/c"), listAll("p/a/b2/", 5));
        assertEquals(List.of("p/a-b", "p/a.c", "p/a/b", "p/a/b2/c", "p/a0"), listAll("p/a", 4));
        assertEquals(List.of(), listAll("nothing/", 3));
        ObjectListing after = store.list(key("p/"), "p/a/b", 3);
        assertEquals(List.of("p/a/b2/c", "p/a0", "p/b"), after.objects().stream().map(ObjectInfo::key).toList());
        assertFalse(after.truncated());
    }

    List<String> listAll(String prefix, int pageSize) {
        List<String> all = new ArrayList<>();
        String after = null;
        do {
            ObjectListing page = store.list(key(prefix), after, pageSize);
            assertTrue(page.objects().size() <= pageSize);
            page.objects().forEach(o -> all.add(o.key()));
            after = page.nextStartAfter();
        } while (after != null);
        return all;
    }

    @Test
    void exactlyOneOfManyConcurrentCreatorsWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int round = 0; round < 5; round++) {
                ObjectKey contested = key("race/" + round);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    byte[] mine = bytes("writer-" + t);
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            store.putIfAbsent(contested, mine);
                            return true;
                        } catch (StoreException.PreconditionFailed lost) {
                            return false;
                        }
                    }));
                }
                go.countDown();
                int winners = 0;
                for (Future<Boolean> f : results) if (f.get()) winners++;
                assertEquals(1, winners, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
