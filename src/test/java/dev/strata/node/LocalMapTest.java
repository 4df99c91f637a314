package dev.strata.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMapTest {
    @TempDir Path dir;

    static LocalMap.Entry entry(String name, int dev) {
        return new LocalMap.Entry(name, dev, 3, "/var/lib/kubelet/plugins/x/" + name, LocalMap.Access.MOUNT, "ext4", false);
    }

    @Test
    void entriesSurviveReopeningAndRemovalIsDurable() {
        LocalMap map = LocalMap.open(dir);
        assertTrue(map.entries().isEmpty(), "a fresh node holds nothing");
        assertFalse(Files.exists(dir.resolve(LocalMap.FILE)), "nothing written before the first attach");
        map.put(entry("b", 1));
        map.put(entry("a", 0));
        map.put(entry("a", 5));
        LocalMap again = LocalMap.open(dir);
        assertEquals(List.of(entry("a", 5), entry("b", 1)), again.entries());
        again.remove(new VolumeName("a"));
        again.remove(new VolumeName("missing"));
        assertEquals(List.of(entry("b", 1)), LocalMap.open(dir).entries());
        assertFalse(Files.exists(dir.resolve(LocalMap.FILE + ".tmp")), "no temp file left behind");
    }

    @Test
    void unknownFieldsAreIgnoredForRollingUpgrades() throws Exception {
        Files.writeString(dir.resolve(LocalMap.FILE), """
                {"formatVersion":1,"writtenBy":"strata 9","volumes":[
                 {"volume":"v1","devId":2,"epoch":7,"stagingPath":"/s/v1","access":"BLOCK","readonly":true,"future":42}]}""");
        LocalMap.Entry e = LocalMap.open(dir).entries().getFirst();
        assertEquals(new LocalMap.Entry("v1", 2, 7, "/s/v1", LocalMap.Access.BLOCK, null, true), e);
    }

    @Test
    void aMalformedOrNewerMapIsRefusedWithTheFileNamedAndLeftInPlace() throws Exception {
        Path file = dir.resolve(LocalMap.FILE);
        for (String bad : List.of("{not json", "", "null", "{\"formatVersion\":2,\"volumes\":[]}",
                "{\"formatVersion\":1,\"volumes\":[{\"volume\":\"../etc\",\"devId\":1,\"epoch\":1,\"stagingPath\":\"/s\",\"access\":\"MOUNT\"}]}",
                "{\"formatVersion\":1,\"volumes\":[{\"volume\":\"v\",\"devId\":1,\"epoch\":1,\"stagingPath\":\"relative\",\"access\":\"MOUNT\"}]}",
                "{\"formatVersion\":1,\"volumes\":[{\"volume\":\"v\",\"devId\":1,\"epoch\":0,\"stagingPath\":\"/s\",\"access\":\"MOUNT\"}]}",
                "{\"formatVersion\":1,\"volumes\":[{\"volume\":\"v\",\"devId\":1,\"epoch\":1,\"stagingPath\":\"/s\",\"access\":\"TAPE\"}]}",
                "{\"formatVersion\":1,\"volumes\":[" + "{\"volume\":\"v\",\"devId\":1,\"epoch\":1,\"stagingPath\":\"/s\",\"access\":\"MOUNT\"},".repeat(2)
                        + "null]}")) {
            Files.writeString(file, bad);
            VolumeException.Corrupt e = assertThrows(VolumeException.Corrupt.class, () -> LocalMap.open(dir), bad);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertEquals(bad, Files.readString(file), "the bad file is kept for the operator");
        }
    }

    @Test
    void entriesValidateTheirFields() {
        assertThrows(VolumeException.InvalidArgument.class, () -> entry("a/b", 1));
        assertThrows(VolumeException.InvalidArgument.class, () -> entry("ok", -2));
        assertThrows(VolumeException.InvalidArgument.class,
                () -> new LocalMap.Entry("ok", 1, 1, "/s\0x", LocalMap.Access.MOUNT, "ext4", false));
    }

    @Test
    void aFailedWriteLeavesTheMapAsItWas() throws Exception {
        LocalMap map = LocalMap.open(dir);
        map.put(entry("a", 0));
        Files.createDirectory(dir.resolve(LocalMap.FILE + ".tmp")); // the temp file cannot be created
        assertThrows(RuntimeException.class, () -> map.put(entry("b", 1)));
        assertEquals(List.of(entry("a", 0)), map.entries());
        assertEquals(List.of(entry("a", 0)), LocalMap.open(dir).entries());
    }
}
