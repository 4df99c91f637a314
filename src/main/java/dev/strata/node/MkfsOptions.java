package dev.strata.node;

import dev.strata.volume.Names;
import dev.strata.volume.VolumeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The StorageClass {@code mkfsOptions} allow-list (docs/parameters.md). The options are split
 * at whitespace and read as mkfs's getopt would read them — grouped flags ({@code -Fq}),
 * arguments attached ({@code -Lname}) or in the next word ({@code -L name}) — and every
 * option, and the value of every option that takes one, must be on the list for the
 * filesystem. Nothing that reads or writes a file or device of the node ({@code -d}, {@code
 * -l}, {@code -J}, {@code -p}, {@code -z}, {@code -c}, xfs {@code -r rtdev=}, {@code -l
 * logdev=} ...) is on it, and neither is a bare word (mkfs would take it for the device).
 */
public final class MkfsOptions {
    /** How the value of an option taking one is checked. */
    private interface Rule {
        /** Null when {@code value} is allowed, else why not. */
        String check(String value);
    }

    private static final int MAX_TOKENS = 32;
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,6})?[kmgtKMGT]?");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.:+-]{1,16}");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_]{1,32}");
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F-]{36}|clear|random|time");
    private static final Rule NUM = v -> NUMBER.matcher(v).matches() ? null : "a number";
    private static final Rule NONE = v -> null;

    /** Per filesystem: option letter → rule for its value ({@code NONE} for a flag, listed in FLAGS). */
    private static final Map<String, Map<Character, Rule>> ALLOWED = Map.of(
            "ext4", Map.ofEntries(
                    Map.entry('b', NUM), Map.entry('C', NUM), Map.entry('g', NUM), Map.entry('G', NUM),
                    Map.entry('i', NUM), Map.entry('I', NUM), Map.entry('m', NUM), Map.entry('N', NUM),
                    Map.entry('r', oneOf(Set.of("0", "1"))), Map.entry('e', oneOf(Set.of("continue", "remount-ro"))),
                    Map.entry('L', MkfsOptions::label), Map.entry('U', v -> UUID.matcher(v).matches() ? null : "a UUID, clear, random or time"),
                    Map.entry('T', v -> WORD.matcher(v).matches() ? null : "a usage type word"),
                    Map.entry('O', MkfsOptions::features),
                    Map.entry('E', subOptions(Map.ofEntries(
                            Map.entry("stride", NUM), Map.entry("stripe_width", NUM), Map.entry("stripe-width", NUM),
                            Map.entry("resize", NUM), Map.entry("lazy_itable_init", oneOf(Set.of("0", "1"))),
                            Map.entry("lazy_journal_init", oneOf(Set.of("0", "1"))),
                            Map.entry("root_owner", v -> v.matches("[0-9]{1,10}:[0-9]{1,10}") ? null : "uid:gid"),
                            Map.entry("nodiscard", NONE), Map.entry("num_backup_sb", oneOf(Set.of("0", "1", "2"))),
                            Map.entry("packed_meta_blocks", oneOf(Set.of("0", "1"))),
                            Map.entry("orphan_file_size", NUM), Map.entry("encoding", v -> WORD.matcher(v.replace("-", "_").replace(".", "_")).matches() ? null : "an encoding name"),
                            Map.entry("quotatype", v -> v.matches("(usrquota|grpquota|prjquota)(:(usrquota|grpquota|prjquota)){0,2}") ? null : "usrquota/grpquota/prjquota")))),
                    Map.entry('j', NONE), Map.entry('q', NONE), Map.entry('v', NONE), Map.entry('F', NONE), Map.entry('K', NONE)),
            "xfs", Map.ofEntries(
                    Map.entry('b', subOptions(Map.of("size", NUM))),
                    Map.entry('d', subOptions(Map.of("agcount", NUM, "agsize", NUM, "su", NUM, "sw", NUM,
                            "sunit", NUM, "swidth", NUM, "noalign", NONE))),
                    Map.entry('i', subOptions(Map.of("size", NUM, "maxpct", NUM, "align", NUM, "attr", NUM,
                            "projid32bit", NUM, "sparse", NUM, "nrext64", NUM))),
                    Map.entry('l', subOptions(Map.of("size", NUM, "version", NUM, "sunit", NUM, "su", NUM, "lazy-count", NUM))),
                    Map.entry('m', subOptions(Map.of("crc", NUM, "finobt", NUM, "rmapbt", NUM, "reflink", NUM,
                            "inobtcount", NUM, "bigtime", NUM, "uuid", v -> UUID.matcher(v).matches() ? null : "a UUID"))),
                    Map.entry('n', subOptions(Map.of("size", NUM, "version", v -> v.matches("2|ci") ? null : "2 or ci", "ftype", NUM))),
                    Map.entry('s', subOptions(Map.of("size", NUM))),
                    Map.entry('L', v -> v.length() <= 12 ? label(v) : "at most 12 characters"),
                    Map.entry('K', NONE), Map.entry('f', NONE), Map.entry('q', NONE)));
    /** The options in ALLOWED that take no value. */
    private static final Set<Character> FLAGS = Set.of('j', 'q', 'v', 'F', 'K', 'f');

    private MkfsOptions() {}

    /** The filesystems options are known for. */
    public static Set<String> filesystems() {
        return ALLOWED.keySet();
    }

    /**
     * Checks {@code options} for {@code fsType} and returns the mkfs arguments; null or blank
     * gives none. Anything not on the allow-list is InvalidArgument naming the option.
     */
    public static List<String> parse(String fsType, String options) {
        Map<Character, Rule> allowed = ALLOWED.get(fsType);
        if (allowed == null) throw new VolumeException.InvalidArgument("no mkfs options are known for fs type " + Names.printable(fsType));
        if (options == null || options.isBlank()) return List.of();
        List<String> tokens = List.of(options.strip().split("\\s+"));
        if (tokens.size() > MAX_TOKENS) throw invalid("has more than " + MAX_TOKENS + " words");
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.length() < 2 || t.charAt(0) != '-' || t.startsWith("--"))
                throw invalid("word '" + Names.printable(t) + "' is not an option (mkfs would read it as the device or a size)");
            for (int j = 1; j < t.length(); j++) {
                char c = t.charAt(j);
                Rule rule = allowed.get(c);
                if (rule == null) throw invalid("-" + Names.printable(String.valueOf(c)) + " is not an allowed " + fsType
                        + " option (see docs/parameters.md for the list)");
                if (FLAGS.contains(c)) continue;
                String value;
                if (j + 1 < t.length()) value = t.substring(j + 1);
                else if (i + 1 < tokens.size()) value = tokens.get(++i);
                else throw invalid("-" + c + " needs a value");
                String why = rule.check(value);
                if (why != null) throw invalid("-" + c + " " + Names.printable(value) + ": must be " + why);
                break;
            }
        }
        return tokens;
    }

    private static VolumeException.InvalidArgument invalid(String what) {
        return new VolumeException.InvalidArgument("parameter mkfsOptions: " + what);
    }

    private static Rule oneOf(Set<String> values) {
        return v -> values.contains(v) ? null : "one of " + new java.util.TreeSet<>(values);
    }

    private static String label(String v) {
        return LABEL.matcher(v).matches() ? null : "a label of letters, digits and _.:+- (at most 16)";
    }

    private static String features(String v) {
        for (String f : v.split(",", -1))
            if (!f.matches("\\^?[a-z0-9_]{1,32}")) return "a comma-separated list of feature names (^ to clear one)";
        return null;
    }

    /** Comma-separated {@code key[=value]} sub-options, each key on the list with its own rule. */
    private static Rule subOptions(Map<String, Rule> keys) {
        return v -> {
            List<String> bad = new ArrayList<>();
            for (String part : v.split(",", -1)) {
                int eq = part.indexOf('=');
                String key = eq < 0 ? part : part.substring(0, eq);
                Rule rule = keys.get(key);
                String why = rule == null ? "unknown" : rule == NONE ? (eq < 0 ? null : "takes no value")
                        : eq < 0 ? "needs a value" : rule.check(part.substring(eq + 1));
                if (why != null) bad.add(Names.printable(key) + " (" + why + ")");
            }
            return bad.isEmpty() ? null : "sub-options from " + new java.util.TreeSet<>(keys.keySet()) + "; not " + String.join(", ", bad);
        };
    }

}
