package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"a/b", "..", ".hidden", "-dash", "a b", "nul\u0000", "ü", "a\\b", "x@1", "a:b", ""})
    void rejectsUnsafeVolumeNames(String name) {
        assertThrows(VolumeException.InvalidArgument.class, () -> new VolumeName(name));
    }

    @Test
    void rejectsNamesPastTheLimitWithTheLimitInTheMessage() {
        VolumeException e = assertThrows(VolumeException.InvalidArgument.class, () -> new VolumeName("a".repeat(101)));
        assertTrue(e.getMessage().contains("at most 100"), e.getMessage());
    }

    @Test
    void csiNamesOf128CharactersGetAStableShortForm() {
        String csi = "sanity-" + "x".repeat(121);
        VolumeName v = VolumeName.forCsiName(csi);
        assertEquals(v, VolumeName.forCsiName(csi));
        assertTrue(v.value().length() <= VolumeName.MAX_BYTES);
        assertNotEquals(v, VolumeName.forCsiName("sanity-" + "x".repeat(120) + "y"));
        SnapshotId id = new SnapshotId(v, Long.MAX_VALUE / 1000);
        assertTrue(id.toString().getBytes(StandardCharsets.UTF_8).length <= 128);
    }

    @Test
    void shortCsiNamesAreTheVolumeName() {
        assertEquals("pvc-1234", VolumeName.forCsiName("pvc-1234").value());
    }

    @Test
    void rejectsCsiNamesOver128Bytes() {
        VolumeException e = assertThrows(VolumeException.InvalidArgument.class,
                () -> VolumeName.forCsiName("a".repeat(129)));
        assertTrue(e.getMessage().contains("129 bytes"), e.getMessage());
    }

    @Property(tries = 500)
    void longCsiNamesMapToDistinctValidNames(@ForAll @AlphaChars @StringLength(min = 101, max = 128) String a,
                                             @ForAll @AlphaChars @StringLength(min = 101, max = 128) String b) {
        VolumeName va = VolumeName.forCsiName(a);
        assertEquals(a.equals(b), va.equals(VolumeName.forCsiName(b)));
    }

    @Test
    void snapshotIdsRoundTrip() {
        SnapshotId id = SnapshotId.parse("db@42");
        assertEquals("db", id.volume().value());
        assertEquals(42, id.seq());
        assertEquals("db@42", id.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"db", "db@", "@1", "db@-1", "db@01", "db@1@2", "d/b@1", "db@99999999999999999999"})
    void rejectsMalformedSnapshotIds(String id) {
        assertThrows(VolumeException.InvalidArgument.class, () -> SnapshotId.parse(id));
    }
}
