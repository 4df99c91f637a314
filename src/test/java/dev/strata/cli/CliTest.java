package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

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

    static void assertUserError(Run r, String says) {
        assertEquals(Failures.USER_ERROR, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(says), r.err());
        assertTrue(r.err().lines().count() <= 3, "one clear error, no usage dump:\n" + r.err());
    }

    @Test
    void deletingWhatDoesNotExistIsNotFound() {
        assertUserError(strata("volumes", "delete", "nope"), "volume nope does not exist");
        assertUserError(strata("snapshots", "delete", "nope@1"), "snapshot nope@1 does not exist");
        assertUserError(strata("images", "delete", "nope"), "image nope does not exist");
        assertUserError(strata("snapshots", "--volume", "nope"), "volume nope does not exist");
        assertEquals(0, strata("volumes", "create", "gone").code());
        assertEquals(0, strata("snapshots", "create", "gone").code());
        assertEquals(0, strata("volumes", "delete", "gone").code());
        Run left = strata("snapshots", "--volume", "gone");
        assertEquals(0, left.code(), left.err());
        assertTrue(left.out().contains("gone@1"), "a deleted volume's snapshots still list: " + left.out());
    }

    @Test
    void recreatingAVolumeSaysItExistsAndWhetherItMatches() {
        assertEquals(0, strata("volumes", "create", "db", "--size", "10GiB").code());
        Run same = strata("volumes", "create", "db", "--size", "10GiB");
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("exists already") && !same.out().contains("created"), same.out());
        Run other = strata("volumes", "create", "db", "--from", "volume:db");
        assertEquals(Failures.USER_ERROR, other.code());
        assertTrue(other.err().contains("already exists and is incompatible"), other.err());
    }

    @Test
    void expandNeverShrinksAndSizesAreChecked() {
        assertEquals(0, strata("volumes", "create", "db", "--size", "10GiB").code());
        assertUserError(strata("volumes", "expand", "db", "5GiB"), "cannot shrink");
        Run same = strata("volumes", "expand", "db", "10GiB");
        assertEquals(0, same.code());
        assertTrue(same.out().contains("already 10GiB"), same.out());
        Run grown = strata("volumes", "expand", "db", "12GiB");
        assertTrue(grown.out().contains("grew from 10GiB to 12GiB"), grown.out());
        assertUserError(strata("volumes", "expand", "db", "0"), "more than 0");
        assertUserError(strata("volumes", "create", "zero", "--size", "0"), "--size must be more than 0");
        assertUserError(strata("volumes", "create", "huge", "--size", "1125899906842624"), "largest volume, 64TiB");
        assertUserError(strata("volumes", "create", "huge", "--size", "65TiB"), "largest volume, 64TiB");
        assertEquals(0, strata("volumes", "create", "max", "--size", "64TiB").code());
        assertUserError(strata("volumes", "create", "y", "--size", "lots"), "not a size");
    }

    @Test
    void aNameStartingWithADashIsANameError() {
        assertUserError(strata("volumes", "create", "-dash"), "must start with a letter or digit");
    }

    @Test
    void listsAreInNaturalOrder() {
        for (String v : new String[] {"db-copy", "db", "v10", "v2"}) assertEquals(0, strata("volumes", "create", v).code());
        for (int i = 0; i < 11; i++) assertEquals(0, strata("snapshots", "create", "v2").code());
        List<String> names = strata("volumes").out().lines().skip(1).map(l -> l.split(" +")[0]).toList();
        assertEquals(List.of("db", "db-copy", "v2", "v10"), names);
        List<String> ids = strata("snapshots", "--volume", "v2").out().lines().skip(1).map(l -> l.split(" +")[0]).toList();
        assertEquals("v2@2", ids.get(1));
        assertEquals("v2@11", ids.getLast());
    }

    @Test
    void everyAdminVerbSpeaksJsonForScripts() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Run created = strata("volumes", "create", "db", "--size", "2GiB", "--output", "json");
        assertEquals(2L << 30, json.readTree(created.out()).get("sizeBytes").asLong(), created.out());
        assertEquals("db@1", json.readTree(strata("snapshots", "create", "db", "--output", "json").out()).get("id").asText());
        assertEquals("db", json.readTree(strata("volumes", "--output", "json").out()).get(0).get("name").asText());
        assertEquals("db@1", json.readTree(strata("snapshots", "--output", "json").out()).get(0).get("id").asText());
        assertEquals("golden", json.readTree(strata("bless", "golden", "--from", "snapshot:db@1", "--output", "json").out())
                .get("name").asText());
        assertEquals("golden", json.readTree(strata("images", "--output", "json").out()).get(0).get("name").asText());
        assertEquals(4L << 30, json.readTree(strata("volumes", "expand", "db", "4GiB", "--output", "json").out())
                .get("sizeBytes").asLong());
        assertEquals("db", json.readTree(strata("resolve", "db", "--output", "json").out()).get("name").asText());
        assertTrue(json.readTree(strata("gc", "--output", "json").out()).has("livePacks"));
        assertEquals("db@1", json.readTree(strata("snapshots", "delete", "db@1", "--output", "json").out()).get("deleted").asText());
        assertEquals("image:golden", json.readTree(strata("images", "delete", "golden", "--output", "json").out())
                .get("deleted").asText());
        assertEquals("db", json.readTree(strata("volumes", "delete", "db", "--output", "json").out()).get("deleted").asText());
        assertTrue(json.readTree(strata("version", "--output", "json").out()).has("version"));
    }

    @Test
    void gcPrintsALineForPeople() {
        Run gc = strata("gc");
        assertEquals(0, gc.code(), gc.err());
        assertFalse((gc.out() + gc.err()).contains("Report["), gc.out() + gc.err());
        assertTrue(gc.out().startsWith("gc done: "), gc.out());
    }

    @Test
    void topLevelHelpListsWholeSentences() {
        Run help = strata("--help");
        List<String> entries = new java.util.ArrayList<>();   // a command's line plus its wrapped continuation lines
        for (String l : help.out().lines().dropWhile(l -> !l.startsWith("Commands:")).skip(1).toList()) {
            if (l.matches("  \\S.*")) entries.add(l.strip());
            else if (l.startsWith("   ") && !entries.isEmpty()) entries.add(entries.removeLast() + " " + l.strip());
        }
        assertTrue(entries.size() >= 12, help.out());
        for (String entry : entries)
            if (!entry.startsWith("help"))
                assertTrue(entry.endsWith(".") || entry.endsWith(")"), "a description cut mid-sentence: '" + entry + "'");
    }

    @Test
    void aBadSizePrintsTheErrorNotTheUsage() {
        Run bad = strata("volumes", "create", "y", "--size", "ten");
        assertUserError(bad, "not a size");
        assertFalse(bad.err().contains("Usage:"), bad.err());
    }

    @Test
    void unpublishForcesAVolumeOffADeadNodeAndFencesIt() {
        assertEquals(0, strata("volumes", "create", "held").code());
        long epoch;
        try (var store = new dev.strata.store.FileObjectStore(state.resolve("bucket"))) {
            // a short lease, so the forced unpublish's wait for it is short
            var registry = new dev.strata.volume.Registry(store, java.time.Clock.systemUTC(), java.time.Duration.ofMillis(200));
            epoch = registry.ownership().grant(new dev.strata.volume.VolumeName("held"), new dev.strata.volume.NodeId("dead-node"),
                    false, null).owner().epoch();
        }
        assertUserError(strata("volumes", "delete", "held"), "published on node dead-node");
        assertUserError(strata("volumes", "unpublish", "held"), "add --force");
        assertUserError(strata("volumes", "unpublish", "held", "--force", "--node", "other"), "published on node dead-node, not other");
        Run forced = strata("volumes", "unpublish", "held", "--force", "--node", "dead-node");
        assertEquals(0, forced.code(), forced.err());
        assertTrue(forced.out().contains("fenced"), forced.out());
        try (var store = new dev.strata.store.FileObjectStore(state.resolve("bucket"))) {
            var registry = new dev.strata.volume.Registry(store, java.time.Clock.systemUTC());
            assertTrue(registry.ownership().superseded(new dev.strata.volume.VolumeName("held"), epoch),
                    "a newer epoch exists: the dead node's next commit is refused");
            assertEquals(null, registry.resolve(new dev.strata.volume.VolumeName("held")).owner());
        }
        assertUserError(strata("volumes", "unpublish", "held", "--force"), "not published");
        assertEquals(0, strata("volumes", "delete", "held").code());
    }
}
