package dev.strata.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class NaturalOrderTest {
    @Test
    void digitRunsCompareAsNumbers() {
        List<String> names = new ArrayList<>(List.of("v10", "v2", "db-copy", "db", "v1", "v02", "a", "A", "v@10", "v@2"));
        names.sort(NaturalOrder.NAMES);
        assertEquals(List.of("A", "a", "db", "db-copy", "v1", "v02", "v2", "v10", "v@2", "v@10"), names);
    }

    @Property(tries = 2000)
    void isATotalOrderConsistentWithEquals(@ForAll @StringLength(max = 6) @CharRange(from = '-', to = 'b') String a,
                                           @ForAll @StringLength(max = 6) @CharRange(from = '-', to = 'b') String b,
                                           @ForAll @StringLength(max = 6) @CharRange(from = '-', to = 'b') String c) {
        assertEquals(Integer.signum(NaturalOrder.compare(a, b)), -Integer.signum(NaturalOrder.compare(b, a)));
        assertEquals(a.equals(b), NaturalOrder.compare(a, b) == 0);
        if (NaturalOrder.compare(a, b) <= 0 && NaturalOrder.compare(b, c) <= 0)
            assertEquals(true, NaturalOrder.compare(a, c) <= 0, a + " <= " + b + " <= " + c);
    }
}
