package dev.strata.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsTest {
    @Test
    void parsesMountinfoWithOptionalFieldsAndEscapes() {
        Mounts.MountPoint m = Mounts.parse("36 35 7:3 / /var/lib/kube\\040let/x rw,relatime shared:1 master:2 - ext4 /dev/loop3 rw,errors=remount-ro").orElseThrow();
        assertEquals(Path.of("/var/lib/kube let/x"), m.target());
        assertEquals("ext4", m.fsType());
        assertEquals("/dev/loop3", m.source());
        assertEquals("7:3", m.majorMinor());
        assertEquals(List.of("rw", "relatime"), m.options());
        Mounts.MountPoint ro = Mounts.parse("40 35 7:3 /sub /t ro,nosuid - xfs /dev/ublkb0 ro").orElseThrow();
        assertTrue(ro.readonly());
        assertEquals("/sub", ro.root());
    }

    @Test
    void skipsMalformedLines() {
        assertTrue(Mounts.parse("").isEmpty());
        assertTrue(Mounts.parse("1 2 3 4 5 6 7 8 9 10").isEmpty());
        assertTrue(Mounts.parse("36 35 7:3 / /x rw - ext4").isEmpty());
    }

    @Test
    void unescapesOnlyOctalTriples() {
        assertEquals("a b\\c\\9x", Mounts.unescape("a\\040b\\134c\\9x"));
    }
}
