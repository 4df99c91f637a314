package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * Every parser of bytes that come from the bucket or from a caller, fed random and mutated
 * input (jqwik: Jazzer's coverage guidance cannot run here, so this is random and
 * mutation-based fuzzing with shrinking). The rule: a parser either returns a valid value or
 * throws its documented exception (Corrupt for stored bytes, InvalidArgument for caller input)
 * — never another exception, never an OutOfMemoryError from a length field it believed.
 * Regressions found this way are kept as examples below.
 */
class UntrustedInputFuzzTest {
    /** Runs {@code parse}; anything but success or {@code allowed} fails with the input shown. */
    static void onlyDocumented(Class<? extends RuntimeException> allowed, Object input, Runnable parse) {
        try {
            parse.run();
        } catch (RuntimeException e) {
            if (!allowed.isInstance(e)) fail("input " + show(input) + " threw " + e, e);
        } catch (OutOfMemoryError e) {
            fail("input " + show(input) + " made the parser allocate without bound", e);
        }
    }

    static String show(Object input) {
        if (input instanceof byte[] b) return b.length + " bytes " + java.util.HexFormat.of().formatHex(b, 0, Math.min(b.length, 64));
        return String.valueOf(input);
    }

    static byte[] mutate(byte[] valid, long seed) {
        Random r = new Random(seed);
        byte[] b = valid.clone();
        switch (r.nextInt(4)) {
            case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            case 2 -> { // a plausible but wrong integer somewhere (length fields)
                int at = r.nextInt(Math.max(1, b.length - 4));
                java.nio.ByteBuffer.wrap(b).putInt(Math.min(at, b.length - 4), r.nextBoolean() ? Integer.MAX_VALUE : r.nextInt());
            }
            default -> {
                byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + r.nextInt(64));
                for (int i = b.length; i < longer.length; i++) longer[i] = (byte) r.nextInt();
                b = longer;
            }
        }
        return b;
    }

    // ---- packs (bucket bytes) ------------------------------------------------------------

    static PackFormat.Encoded validPack(long seed) {
        Random r = new Random(seed);
        List<Integer> blocks = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < 1 + r.nextInt(5); i++) {
            blocks.add(i * 3);
            byte[] c = new byte[4096];
            if (r.nextBoolean()) r.nextBytes(c);
            else java.util.Arrays.fill(c, 0, r.nextInt(4096), (byte) 7);
            contents.add(c);
        }
        return PackFormat.encode(9, 4096, blocks, contents);
    }

    @Property(tries = 2000)
    void packIndexesAreCorruptOrValid(@ForAll long seed, @ForAll long mutation) {
        byte[] bad = mutate(validPack(seed).bytes(), mutation);
        onlyDocumented(VolumeException.Corrupt.class, bad, () -> {
            PackFormat.Index index = PackFormat.decodeIndex(bad, "fuzz");
            for (PackFormat.Entry e : index.entries())
                if (!e.isZero()) PackFormat.decodeBlock(e, bad, (int) Math.min(e.offset(), Integer.MAX_VALUE), "fuzz");
        });
    }

    @Property(tries = 1000)
    void randomBytesAreNeverAPack(@ForAll @Size(max = 4096) byte[] junk) {
        onlyDocumented(VolumeException.Corrupt.class, junk, () -> PackFormat.decodeIndex(junk, "fuzz"));
    }

    @Property(tries = 500)
    void blocksClaimingBytesBeyondTheReadAreCorrupt(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4000) int cut) {
        byte[] pack = validPack(seed).bytes();
        PackFormat.Index index = PackFormat.decodeIndex(pack, "fuzz");
        byte[] truncated = java.util.Arrays.copyOf(pack, Math.max(0, pack.length - cut));
        for (PackFormat.Entry e : index.entries()) {
            if (e.isZero()) continue;
            onlyDocumented(VolumeException.Corrupt.class, truncated, () -> PackFormat.decodeBlock(e, truncated, (int) e.offset(), "fuzz"));
        }
    }

    // ---- manifests: header-only decoding (the full decoder has its own properties) ---------

    @Property(tries = 1000)
    void manifestHeadersAreCorruptOrValid(@ForAll long seed, @ForAll long mutation) {
        byte[] bad = mutate(ManifestCodec.encode(ManifestCodecTest.randomManifest(seed, 3)), mutation);
        onlyDocumented(VolumeException.Corrupt.class, bad, () -> ManifestCodec.decodeHeader(bad, "fuzz"));
        onlyDocumented(VolumeException.Corrupt.class, bad, () -> ManifestCodec.decode(bad, "fuzz"));
    }

    // ---- JSON records (bucket bytes) -----------------------------------------------------

    static final String VOLUME_JSON = """
            {"formatVersion":1,"name":"db","csiName":"pvc-1","uid":"0123456789abcdef","sizeBytes":1073741824,
             "requestedBytes":1073741824,"blockSize":65536,"pool":"0123456789abcdef","source":"image:base",
             "parameters":{"fsType":"ext4"},"owner":{"node":"n1","epoch":3,"agent":"10.0.0.1:7450","readonly":false},
             "epoch":3,"nextSnapshotSeq":2,"generation":5,"created":"2026-11-30T00:00:00Z"}""";

    @Property(tries = 2000)
    void volumeRecordsAreCorruptOrValid(@ForAll long mutation) {
        byte[] bad = mutate(VOLUME_JSON.getBytes(StandardCharsets.UTF_8), mutation);
        onlyDocumented(VolumeException.Corrupt.class, bad, () -> Json.read(bad, VolumeRecord.class, "fuzz"));
    }

    @Property(tries = 300)
    void deeplyNestedOrHugeJsonIsRefused(@ForAll @IntRange(min = 1, max = 5000) int depth) {
        String nested = "{\"parameters\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        byte[] b = nested.getBytes(StandardCharsets.UTF_8);
        onlyDocumented(VolumeException.Corrupt.class, nested, () -> Json.read(b, VolumeRecord.class, "fuzz"));
    }

    @Property(tries = 1000)
    void arbitraryJsonTextIsCorruptOrValid(@ForAll("jsonish") String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        onlyDocumented(VolumeException.Corrupt.class, text, () -> Json.read(b, VolumeRecord.class, "fuzz"));
        onlyDocumented(VolumeException.Corrupt.class, text, () -> Json.read(b, SnapshotRecord.class, "fuzz"));
        onlyDocumented(VolumeException.Corrupt.class, text, () -> Json.read(b, NodeRecord.class, "fuzz"));
    }

    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.strings().withChars("{}[]\":,0123456789.-eEtrufalsn abcdefghijklmnopqrstuvwxyz\\").ofMaxLength(200);
    }

    // ---- names, refs, parameters (caller input) ------------------------------------------

    @Property(tries = 3000)
    void namesAndRefsAreInvalidOrValid(@ForAll @StringLength(max = 300) String s) {
        onlyDocumented(VolumeException.InvalidArgument.class, s, () -> new VolumeName(s));
        onlyDocumented(VolumeException.InvalidArgument.class, s, () -> new ImageName(s));
        onlyDocumented(VolumeException.InvalidArgument.class, s, () -> new NodeId(s));
        onlyDocumented(VolumeException.InvalidArgument.class, s, () -> SnapshotId.parse(s));
        onlyDocumented(VolumeException.InvalidArgument.class, s, () -> FromRef.parse(s));
        onlyDocumented(VolumeException.InvalidArgument.class, s, () -> VolumeName.forCsiName(s));
    }

    @Property(tries = 2000)
    void acceptedNamesNeverEscapeTheirKeys(@ForAll @StringLength(max = 120) String s) {
        try {
            VolumeName v = new VolumeName(s);
            String key = Layout.volumeRecord(v).value();
            assertEquals("volumes/" + s + "/volume.json", key);
            if (s.contains("/") || s.contains("..") || s.contains("\0")) fail("accepted a name that could steer a key: " + s);
        } catch (VolumeException.InvalidArgument expected) {
            // refused: fine
        }
    }

    @Property(tries = 2000)
    void storageClassParametersAreInvalidOrValid(@ForAll @Size(max = 6) Map<@StringLength(max = 20) String, @StringLength(max = 40) String> raw,
                                                 @ForAll("parameterKeys") String key, @ForAll @StringLength(max = 600) String value) {
        onlyDocumented(VolumeException.InvalidArgument.class, raw, () -> dev.strata.csi.StorageClassParameters.parse(raw));
        Map<String, String> one = Map.of(key, value);
        onlyDocumented(VolumeException.InvalidArgument.class, one, () -> dev.strata.csi.StorageClassParameters.parse(one));
    }

    @Provide
    Arbitrary<String> parameterKeys() {
        return Arbitraries.of("from", "fsType", "mkfsOptions", "durability", "rpo", "csi.storage.k8s.io/pvc/name");
    }

    /** The uploader keeps the index {@code encode} returns instead of decoding the pack it just built. */
    @net.jqwik.api.Property(tries = 200)
    void theIndexEncodeReturnsIsTheOneThePackHolds(@net.jqwik.api.ForAll long seed) {
        PackFormat.Encoded pack = validPack(seed);
        assertEquals(PackFormat.decodeIndex(pack.bytes(), "p"), pack.index());
    }

    // ---- regressions found by the properties above -----------------------------------------

    @net.jqwik.api.Example
    void aTruncatedPackIsCorruptNotAnIndexError() {
        byte[] pack = validPack(1).bytes();
        PackFormat.Index index = PackFormat.decodeIndex(pack, "r");
        PackFormat.Entry e = index.entries().stream().filter(x -> !x.isZero()).findFirst().orElseThrow();
        byte[] shorter = java.util.Arrays.copyOf(pack, (int) e.offset() + 1);
        assertThrows(VolumeException.Corrupt.class, () -> PackFormat.decodeBlock(e, shorter, (int) e.offset(), "r"));
    }
}
