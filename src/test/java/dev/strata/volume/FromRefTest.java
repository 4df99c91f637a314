package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.ObjectKey;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class FromRefTest {
    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void absentOrBlankIsBlank(String ref) {
        assertInstanceOf(FromRef.Blank.class, FromRef.parse(ref));
        assertEquals(null, FromRef.parse(ref).canonical());
    }

    @ParameterizedTest
    @CsvSource({
            "image:ubuntu-24.04, image:ubuntu-24.04",
            "volume:db, volume:db",
            "snapshot:db@7, snapshot:db@7",
            "snapshot:my.vol@123, snapshot:my.vol@123"})
    void parsesEachKindToItsCanonicalForm(String ref, String canonical) {
        assertEquals(canonical, FromRef.parse(ref).canonical());
        assertEquals(canonical, FromRef.parse(FromRef.parse(ref).canonical()).canonical());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ubuntu | must be kind:target",
            "image: | empty target",
            "disk:x | unknown kind 'disk'",
            "image:a/b | may contain only",
            "volume:.. | may contain only",
            "volume:a..b | must not contain '..'",
            "snapshot:db | not of the form volume@sequence",
            "snapshot:db@0 | invalid sequence",
            "snapshot:db@x1 | invalid sequence",
            "snapshot:@3 | not of the form",
            "Image:x | unknown kind"})
    void rejectsMalformedRefsNamingTheProblem(String ref, String message) {
        VolumeException e = assertThrows(VolumeException.InvalidArgument.class, () -> FromRef.parse(ref));
        assertTrue(e.getMessage().contains(message.trim()), e.getMessage());
    }

    @Test
    void splitsAtTheFirstColonOnly() {
        VolumeException e = assertThrows(VolumeException.InvalidArgument.class, () -> FromRef.parse("image:a:b"));
        assertTrue(e.getMessage().contains("image name"), e.getMessage());
    }

    @Property(tries = 2000)
    void anyStringEitherParsesOrIsInvalidArgument(@ForAll String ref) {
        try {
            FromRef parsed = FromRef.parse(ref);
            if (parsed.canonical() != null) assertEquals(parsed, FromRef.parse(parsed.canonical()));
        } catch (VolumeException.InvalidArgument expected) {
            assertTrue(!expected.getMessage().isBlank());
        }
    }

    @Property(tries = 2000)
    void acceptedNamesNeverEscapeTheirPrefix(@ForAll("nameLike") String name) {
        try {
            VolumeName v = new VolumeName(name);
            ObjectKey key = Layout.volumeRecord(v);
            assertEquals("volumes/" + name + "/volume.json", key.value());
            assertTrue(!name.contains("/") && !name.contains("..") && !name.startsWith("."));
            assertEquals(3, key.value().split("/").length);
        } catch (VolumeException.InvalidArgument expected) {
            assertTrue(expected.getMessage().contains("volume name"), expected.getMessage());
        }
    }

    @Provide
    Arbitrary<String> nameLike() {
        return Arbitraries.strings().withChars("ab./\\-_@:\u0000 %~").ofMinLength(0).ofMaxLength(12)
                .injectDuplicates(0.1);
    }
}
