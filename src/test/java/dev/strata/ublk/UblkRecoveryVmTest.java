package dev.strata.ublk;

import static dev.strata.ublk.UblkVmTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ublk user recovery: kill -9 of the serving process with a filesystem mounted and fio
 * writing; a new process takes the device over (QEMU guest, src/test/vm/run-vm-tests.sh).
 */
@Tag("vm")
class UblkRecoveryVmTest {
    static Process serve(Path backing, int recoverId) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path deps = Path.of("target/test-classpath.txt");
        String cp = Files.exists(deps) ? "target/test-classes:target/classes:" + Files.readString(deps).trim()
                : System.getProperty("java.class.path");
        return new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                UblkServeChild.class.getName(), backing.toString(), Integer.toString(recoverId)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static int awaitServing(Process p) throws IOException {
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        if (line == null || !line.startsWith("serving ")) throw new AssertionError("server did not start: " + line);
        return Integer.parseInt(line.substring(8));
    }

    @Test
    void aKilledServerIsRecoveredWhileTheFilesystemStaysMountedAndFioVerifies() throws Exception {
        Path backing = Files.createTempFile("ublk-recover", ".img");
        Process first = serve(backing, -1);
        int devId = awaitServing(first);
        String blk = "/dev/ublkb" + devId;
        Path mnt = Files.createTempDirectory("mnt");
        Process second = null;
        try {
            run("mkfs.ext4", "-q", "-F", blk);
            run("mount", blk, mnt.toString());
            run("dmesg", "-C");
            Process fio = new ProcessBuilder("fio", "--name=during-kill", "--directory=" + mnt, "--rw=randwrite",
                    "--bs=4k", "--size=24m", "--ioengine=psync", "--fsync=16", "--verify=crc32c", "--do_verify=1",
                    "--randseed=11", "--verify_state_save=0").redirectErrorStream(true).start();
            Thread.sleep(1500);
            first.destroyForcibly().waitFor();
            Thread.sleep(500);
            second = serve(backing, devId);
            assertEquals(devId, awaitServing(second), "the new server took over the same device");
            String fioOut = new String(fio.getInputStream().readAllBytes());
            assertEquals(0, fio.waitFor(), "fio across the kill:\n" + fioOut);
            String dmesg = run("dmesg");
            assertTrue(!dmesg.contains("I/O error") && !dmesg.contains("EXT4-fs error"), "kernel log after recovery:\n" + dmesg);
            run("umount", mnt.toString());
        } finally {
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            if (second != null) second.destroyForcibly().waitFor();
            first.destroyForcibly();
            try (UblkControl ctl = UblkControl.open()) {
                Thread.sleep(500);
                ctl.delDev(devId);
            } catch (RuntimeException e) {
                System.out.println("cleanup: " + e);
            }
            Files.deleteIfExists(backing);
        }
    }
}
