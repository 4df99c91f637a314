package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
    static Manifest randomManifest(long seed, int chunks) {
        Random r = new Random(seed);
        TreeMap<Integer, List<PackId>> map = new TreeMap<>();
        for (int i = 0; i < chunks; i++) {
            List<PackId> packs = new ArrayList<>();
            for (int p = 0; p <= r.nextInt(3); p++) packs.add(new PackId(r.nextLong(), r.nextLong()));
            map.put(r.nextInt(1 << 20), packs);
        }
        String base = r.nextBoolean() ? null : "snapshots/vol-" + r.nextInt(100) + "/" + Layout.pad(r.nextInt(1000) + 1);
        return new Manifest(65536, 64 << 20, r.nextLong(1L << 44), r.nextInt(1000), r.nextInt(50), base, map);
    }

    @Property(tries = 200)
    void roundTrips(@ForAll long seed, @ForAll @IntRange(max = 300) int chunks) {
        Manifest m = randomManifest(seed, chunks);
        byte[] encoded = ManifestCodec.encode(m);
        Manifest back = ManifestCodec.decode(encoded, "test");
        assertEquals(m, back);
        assertArrayEquals(encoded, ManifestCodec.encode(back));
    }

    @Property(tries = 1000)
    void anyCorruptionIsReportedAsCorrupt(@ForAll long seed, @ForAll @IntRange(max = 20) int chunks,
                                          @ForAll int position, @ForAll byte flip) {
        byte[] encoded = ManifestCodec.encode(randomManifest(seed, chunks));
        int at = Math.floorMod(position, encoded.length);
        if (flip == 0) flip = 1;
        encoded[at] ^= flip;
        assertThrows(VolumeException.Corrupt.class, () -> ManifestCodec.decode(encoded, "test"));
    }

    @Property(tries = 500)
    void truncationIsReportedAsCorrupt(@ForAll long seed, @ForAll @IntRange(max = 20) int chunks, @ForAll int cut) {
        byte[] encoded = ManifestCodec.encode(randomManifest(seed, chunks));
        byte[] shorter = java.util.Arrays.copyOf(encoded, Math.floorMod(cut, encoded.length));
        assertThrows(VolumeException.Corrupt.class, () -> ManifestCodec.decode(shorter, "test"));
    }

    @Property(tries = 500)
    void arbitraryBytesNeverCrashTheDecoder(@ForAll byte[] junk) {
        assertThrows(VolumeException.Corrupt.class, () -> ManifestCodec.decode(junk, "junk"));
    }

    @Test
    void rejectsABaseThatCouldLeaveThePool() {
        assertThrows(VolumeException.InvalidArgument.class,
                () -> new Manifest(65536, 64 << 20, 0, 1, 0, "../other/manifests/x", new TreeMap<>()));
    }

    @Test
    void blankManifestHasNoChunksAndGenerationOne() {
        Manifest m = Manifest.blank(1 << 30);
        assertEquals(1, m.generation());
        assertEquals(0, m.chunks().size());
        assertEquals(m, ManifestCodec.decode(ManifestCodec.encode(m), "blank"));
    }
}
