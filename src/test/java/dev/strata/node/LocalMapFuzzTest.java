package dev.strata.node;

import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.volume.VolumeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

/** local-map.json, mutated and random: the node either reads a valid map or refuses with Corrupt. */
class LocalMapFuzzTest {
    static final String VALID = """
            {"formatVersion":1,"volumes":[
             {"volume":"a","devId":0,"epoch":3,"stagingPath":"/var/lib/kubelet/x/a","access":"MOUNT","fsType":"ext4","readonly":false},
             {"volume":"b","devId":7,"epoch":1,"stagingPath":"/var/lib/kubelet/x/b","access":"BLOCK","readonly":true}]}""";

    static void check(byte[] content) throws Exception {
        Path dir = Files.createTempDirectory("localmap-fuzz");
        try {
            Files.write(dir.resolve(LocalMap.FILE), content);
            try {
                LocalMap.open(dir);
            } catch (VolumeException.Corrupt expected) {
                // refused with the documented error
            } catch (RuntimeException | OutOfMemoryError e) {
                fail("local map " + new String(content, StandardCharsets.UTF_8) + " threw " + e, e);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }

    @Property(tries = 1000)
    void mutatedMapsAreValidOrCorrupt(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        byte[] b = VALID.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i <= r.nextInt(3) && b.length > 0; i++) {
            switch (r.nextInt(3)) {
                case 0 -> b[r.nextInt(b.length)] = (byte) "{}[]\":,0-9aZ/.\\ \0".charAt(r.nextInt(17));
                case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                default -> b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            }
        }
        check(b);
    }

    @Property(tries = 300)
    void arbitraryTextIsValidOrCorrupt(@ForAll @StringLength(max = 300) String text) throws Exception {
        check(text.getBytes(StandardCharsets.UTF_8));
    }
}
