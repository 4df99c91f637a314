package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin verbs of the README's walk-through, run through the real command line. */
class CliTest {
    @TempDir Path state;

    record Run(int code, String out, String err) {}

    Run strata(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            String[] full = new String[args.length + 2];
            System.arraycopy(args, 0, full, 0, args.length);
            full[args.length] = "--state-dir";
            full[args.length + 1] = state.toString();
            int code = args.length > 0 && (args[0].equals("version") || args[0].equals("--help"))
                    ? Main.run(args) : Main.run(full);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void walkThroughOfTheReadme() {
        assertEquals(0, strata("volumes", "create", "db", "--size", "10GiB").code());
        Run snap = strata("snapshots", "create", "db");
        assertEquals(0, snap.code(), snap.err());
        assertEquals("db@1", snap.out().trim());
        assertEquals(0, strata("volumes", "create", "db-copy", "--from", "snapshot:db@1").code());
        assertEquals(0, strata("bless", "golden", "--from", "snapshot:db@1").code());
        assertEquals(0, strata("volumes", "create", "vm-1", "--from", "image:golden").code());
        Run resolved = strata("resolve", "db-copy");
        assertTrue(resolved.out().contains("\"source\" : \"snapshot:db@1\""), resolved.out());
        assertTrue(resolved.out().contains("\"sizeBytes\" : 10737418240"), resolved.out());
        Run list = strata("volumes");
        for (String v : new String[] {"db", "db-copy", "vm-1"}) assertTrue(list.out().contains(v), list.out());
        assertTrue(strata("images").out().contains("golden"));
        assertTrue(strata("snapshots", "--volume", "db").out().contains("db@1"));
        assertTrue(strata("resolve", "db@1").out().contains("\"id\" : \"db@1\""));
        assertTrue(strata("resolve", "image:golden").out().contains("\"name\" : \"golden\""));
    }

    @Test
    void snapshotsDiffPrintsTheRangesThatDifferFromManifests() throws Exception {
        assertEquals(0, strata("volumes", "create", "cbt", "--size", "1GiB").code());
        assertEquals(0, strata("snapshots", "create", "cbt").code());
        StoreOptions options = new StoreOptions();
        options.stateDir = state;
        try (var store = options.open()) {
            var registry = new dev.strata.volume.Registry(store, java.time.Clock.systemUTC());
            var name = new dev.strata.volume.VolumeName("cbt");
            registry.registerNode(new dev.strata.volume.NodeId("n"), null, 0);
            long epoch = registry.ownership().grant(name, new dev.strata.volume.NodeId("n"), false, null).owner().epoch();
            try (var v = dev.strata.volume.AttachedVolume.attach(registry, new dev.strata.volume.PackCache(store, 1 << 20), name, epoch,
                    state.resolve("cache"), dev.strata.volume.EngineOptions.DEFAULTS, java.time.Clock.systemUTC())) {
                for (long block : new long[] {3, 4, 5, 9000}) v.write(block * 65536, java.nio.ByteBuffer.wrap(new byte[65536]).put(0, (byte) 1));
                v.drain();
            }
            registry.ownership().revoke(name, new dev.strata.volume.NodeId("n"));
        }
        assertEquals(0, strata("snapshots", "create", "cbt").code());
        Run diff = strata("snapshots", "diff", "cbt@1", "cbt@2");
        assertEquals(0, diff.code(), diff.err());
        assertTrue(diff.out().contains(196608 + " ") && diff.out().contains(" 196608"), diff.out()); // blocks 3-5: one range
        assertTrue(diff.out().contains(9000L * 65536 + " "), diff.out());
        assertTrue(diff.out().contains("4 blocks of 65536 bytes"), diff.out());
        Run from = strata("snapshots", "diff", "cbt@1", "cbt@2", "--starting-offset", Long.toString(6L * 65536));
        assertTrue(from.out().contains("1 blocks of 65536 bytes"), from.out());
        Run beyond = strata("snapshots", "diff", "cbt@1", "cbt@2", "--starting-offset", Long.toString(2L << 30));
        assertTrue(beyond.code() != 0 && beyond.err().contains("starting_offset"), beyond.err());
    }

    @Test
    void badInputIsOneClearLineAndAUserErrorCode() {
        Run bad = strata("volumes", "create", "../etc", "--size", "1GiB");
        assertEquals(Failures.USER_ERROR, bad.code());
        assertTrue(bad.err().contains("volume name"), bad.err());
        assertTrue(!bad.err().contains("\tat "), "no stack trace for user errors");
        Run from = strata("volumes", "create", "x", "--from", "disk:y");
        assertEquals(Failures.USER_ERROR, from.code());
        assertTrue(from.err().contains("unknown kind"), from.err());
        Run missing = strata("resolve", "nope");
        assertEquals(Failures.USER_ERROR, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Run size = strata("volumes", "create", "y", "--size", "10GB");
        assertEquals(2, size.code());
        assertTrue(size.err().contains("KiB, MiB, GiB"), size.err());
    }

    @Test
    void helpAndVersionSpeakToANewcomer() {
        Run help = strata("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("serve"), help.out());
        assertTrue(help.out().contains("snapshots"), help.out());
        assertTrue(strata("version").out().contains("strata"));
        Run serveHelp = strata("serve", "--help");
        assertTrue(serveHelp.out().contains("--csi-endpoint") && serveHelp.out().contains("--store"), serveHelp.out());
    }
}
