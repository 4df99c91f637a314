package dev.strata.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RingFileTest {
    @TempDir Path dir;

    @Test
    void readsWritesAndBatchesAgreeWithTheFile() throws Exception {
        Path p = dir.resolve("data");
        byte[] content = new byte[1 << 20];
        new Random(3).nextBytes(content);
        Files.write(p, content);
        try (RingFile f = new RingFile(p, false, 32); Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096 * 32, 4096);
            long[] offsets = new long[32];
            for (int i = 0; i < 32; i++) offsets[i] = (long) ((i * 7) % 256) * 4096;
            f.readBatch(offsets, buf, 4096, 32);
            for (int i = 0; i < 32; i++) {
                byte[] expected = java.util.Arrays.copyOfRange(content, (int) offsets[i], (int) offsets[i] + 4096);
                assertArrayEquals(expected, buf.asSlice((long) i * 4096, 4096).toArray(ValueLayout.JAVA_BYTE));
            }
            buf.asSlice(0, 4096).fill((byte) 9);
            assertEquals(4096, f.write(8192, buf, 4096));
            f.fsync();
            assertEquals(9, Files.readAllBytes(p)[8192 + 17]);
            assertEquals(0, f.read(content.length + 10, buf, 4096), "reading past the end returns nothing");
        }
    }

    @Test
    void aMissingFileIsENOENTNamingOpen() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> new RingFile(dir.resolve("nope"), false, 4));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("open", e.call());
    }
}
