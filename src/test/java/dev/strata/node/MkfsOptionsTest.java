package dev.strata.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.volume.VolumeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mkfsOptions allow-list, against the forms getopt accepts: attached values, grouped
 * flags, values in the next word. The property reads accepted options with an independent
 * getopt (mke2fs's and mkfs.xfs's real option strings) and checks nothing off the list
 * gets through.
 */
class MkfsOptionsTest {
    /** The option strings of mke2fs (e2fsprogs 1.47) and mkfs.xfs (xfsprogs 6.x): a letter followed by ':' takes a value. */
    static final Map<String, String> GETOPT = Map.of(
            "ext4", "b:cd:e:g:G:i:jl:m:no:qr:s:t:vC:DE:FI:J:KL:M:N:O:R:ST:U:Vz:",
            "xfs", "b:c:d:e:i:l:L:m:n:KNp:qr:s:CfV");
    /** What the allow-list may let through, per filesystem (docs/parameters.md). */
    static final Map<String, Set<Character>> SAFE = Map.of(
            "ext4", Set.of('b', 'C', 'g', 'G', 'i', 'I', 'm', 'N', 'r', 'e', 'L', 'U', 'T', 'O', 'E', 'j', 'q', 'v', 'F', 'K'),
            "xfs", Set.of('b', 'd', 'i', 'l', 'm', 'n', 's', 'L', 'K', 'f', 'q'));
    /** Sub-option keys that name a file or device of the node. */
    static final Set<String> HOST_PATH_KEYS = Set.of("file", "name", "logdev", "rtdev", "device", "options");

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiterString = "|", value = {
            "ext4|-dh5", "ext4|-Fd src", "ext4|-d src", "ext4|-F -d src", "ext4|-lbadblocks", "ext4|-l badblocks",
            "ext4|-Jdevice=/dev/sda", "ext4|-J size=64", "ext4|-pfile", "ext4|-qc", "ext4|-cc", "ext4|-zundo",
            "ext4|-Ddirect", "ext4|-Fn", "ext4|-S", "ext4|-V", "ext4|-t ext2", "ext4|-e panic", "ext4|src",
            "ext4|-L", "ext4|--help", "ext4|-", "ext4|-L data extra", "ext4|-E offset=4096", "ext4|-E root_owner=0:0,test_fs",
            "xfs|-p proto", "xfs|-pproto", "xfs|-fp proto", "xfs|-r rtdev=/dev/sda", "xfs|-l logdev=/dev/sda",
            "xfs|-lfile,name=/etc/x", "xfs|-d file,name=/tmp/img", "xfs|-c options=/etc/mkfs.conf", "xfs|-N", "xfs|-fN",
            "xfs|-O ^has_journal", "xfs|-L a-label-too-long", "ext4|-L a;reboot", "ext4|-L $(id)"})
    void rejectsWhatIsNotOnTheAllowList(String fsType, String options) {
        VolumeException e = assertThrows(VolumeException.InvalidArgument.class, () -> MkfsOptions.parse(fsType, options));
        assertTrue(e.getMessage().startsWith("parameter mkfsOptions"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiterString = "|", value = {
            "ext4|-L data -O ^has_journal", "ext4|-Ldata", "ext4|-FqL data", "ext4|-m 0 -i 16384 -I 256",
            "ext4|-E lazy_itable_init=0,stride=16 -T largefile", "ext4|-e remount-ro -U random -j",
            "xfs|-L vol1", "xfs|-m reflink=1,crc=1 -i size=512", "xfs|-d agcount=4,su=64k,sw=2 -l size=64m", "xfs|-fK -n ftype=1"})
    void acceptsTheDocumentedOptions(String fsType, String options) {
        assertEquals(List.of(options.split(" ")), MkfsOptions.parse(fsType, options));
    }

    @ParameterizedTest
    @CsvSource({"-Fd src", "-dh5", "-l x"})
    void aStorageClassWithABypassIsRefusedWhenParsed(String options) {
        assertThrows(VolumeException.InvalidArgument.class,
                () -> dev.strata.csi.StorageClassParameters.parse(Map.of("mkfsOptions", options)));
        assertThrows(VolumeException.InvalidArgument.class,
                () -> dev.strata.csi.StorageClassParameters.parse(Map.of("fsType", "xfs", "mkfsOptions", "-O ^has_journal")));
    }

    @Property(tries = 3000)
    void nothingOffTheListParses(@ForAll("fsTypes") String fsType, @ForAll("optionStrings") String options) {
        List<String> args;
        try {
            args = MkfsOptions.parse(fsType, options);
        } catch (VolumeException.InvalidArgument rejected) {
            return;
        }
        for (Parsed p : getopt(GETOPT.get(fsType), args)) {
            assertFalse(p.letter == 0, "a bare word got through: " + options);
            assertTrue(SAFE.get(fsType).contains(p.letter), "-" + p.letter + " got through in '" + options + "'");
            if (p.value != null)
                for (String sub : p.value.split(","))
                    assertFalse(HOST_PATH_KEYS.contains(sub.split("=", 2)[0]) || sub.contains("/"),
                            "a host path got through in '" + options + "'");
        }
    }

    @Provide
    Arbitrary<String> fsTypes() {
        return Arbitraries.of("ext4", "xfs");
    }

    @Provide
    Arbitrary<String> optionStrings() {
        Arbitrary<String> letters = Arbitraries.strings().withChars("bcdeilmnpqrszCDEFJKLNOSTUVfjvgGIM").ofMinLength(1).ofMaxLength(3);
        Arbitrary<String> values = Arbitraries.of("", "h5", "src", "/etc", "size=1g", "file,name=/x", "logdev=/dev/sda",
                "rtdev=/dev/sdb", "0", "4", "data", "^has_journal", "reflink=1", "agcount=4", "stride=8", "options=/c");
        Arbitrary<String> word = Arbitraries.oneOf(
                Arbitraries.of("-").flatMap(dash -> letters.flatMap(l -> values.map(v -> dash + l + v))),
                values);
        return word.list().ofMinSize(1).ofMaxSize(5).map(w -> String.join(" ", w));
    }

    record Parsed(char letter, String value) {}

    /** A plain POSIX getopt: what mkfs itself would see. A bare word is letter 0. */
    static List<Parsed> getopt(String optstring, List<String> words) {
        List<Parsed> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.length() < 2 || w.charAt(0) != '-') {
                out.add(new Parsed((char) 0, w));
                continue;
            }
            for (int j = 1; j < w.length(); j++) {
                char c = w.charAt(j);
                int at = optstring.indexOf(c);
                boolean takesValue = at >= 0 && at + 1 < optstring.length() && optstring.charAt(at + 1) == ':';
                if (!takesValue) {
                    out.add(new Parsed(c, null));
                    continue;
                }
                String value = j + 1 < w.length() ? w.substring(j + 1) : i + 1 < words.size() ? words.get(++i) : null;
                out.add(new Parsed(c, value));
                break;
            }
        }
        return out;
    }
}
