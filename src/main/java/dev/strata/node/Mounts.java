package dev.strata.node;

import dev.strata.volume.VolumeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Mounting through {@code mount}/{@code umount} (argument lists, no shell) and reading the
 * mount table from {@code /proc/self/mountinfo}, so every mount step can check first and be
 * repeated safely (CSI calls are retried).
 */
public final class Mounts {
    /** One line of mountinfo: what is mounted where. {@code root} is the path within the source filesystem. */
    public record MountPoint(String majorMinor, String root, Path target, List<String> options, String fsType, String source) {
        public boolean readonly() {
            return options.contains("ro");
        }
    }

    private final ProcessRunner runner;
    private final Path mountinfo;

    public Mounts(ProcessRunner runner) {
        this(runner, Path.of("/proc/self/mountinfo"));
    }

    Mounts(ProcessRunner runner, Path mountinfo) {
        this.runner = runner;
        this.mountinfo = mountinfo;
    }

    /** The topmost mount at {@code target}, if any. */
    public Optional<MountPoint> at(Path target) {
        Path t = target.toAbsolutePath().normalize();
        MountPoint found = null;
        for (MountPoint m : table()) if (m.target().equals(t)) found = m;
        return Optional.ofNullable(found);
    }

    public List<MountPoint> table() {
        List<String> lines;
        try {
            lines = Files.readAllLines(mountinfo);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mountinfo, e);
        }
        List<MountPoint> out = new ArrayList<>();
        for (String line : lines) parse(line).ifPresent(out::add);
        return out;
    }

    /** Parses one mountinfo line (proc(5)); a malformed line is skipped. */
    static Optional<MountPoint> parse(String line) {
        String[] f = line.split(" ");
        int dash = -1;
        for (int i = 6; i < f.length; i++) if (f[i].equals("-")) { dash = i; break; }
        if (f.length < 10 || dash < 0 || dash + 2 >= f.length) return Optional.empty();
        return Optional.of(new MountPoint(f[2], unescape(f[3]), Path.of(unescape(f[4])), List.of(f[5].split(",")),
                f[dash + 1], unescape(f[dash + 2])));
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else b.append(c);
        }
        return b.toString();
    }

    /** Mounts {@code device} (a filesystem of {@code fsType}) at {@code target} with {@code options}. */
    public void mount(String device, Path target, String fsType, List<String> options) {
        List<String> cmd = new ArrayList<>(List.of("mount", "-t", fsType));
        if (!options.isEmpty()) cmd.addAll(List.of("-o", String.join(",", options)));
        cmd.addAll(List.of("--", device, target.toString()));
        runner.check(cmd);
    }

    /** Bind-mounts {@code source} (a directory or a device node) onto {@code target}, read-only if asked. */
    public void bind(Path source, Path target, boolean readonly, List<String> options) {
        runner.check(List.of("mount", "--bind", "--", source.toString(), target.toString()));
        if (readonly || !options.isEmpty()) {
            List<String> opts = new ArrayList<>(List.of("remount", "bind"));
            if (readonly) opts.add("ro");
            opts.addAll(options);
            try {
                runner.check(List.of("mount", "-o", String.join(",", opts), "--", target.toString()));
            } catch (VolumeException e) {
                unmount(target);
                throw e;
            }
        }
    }

    /** Unmounts {@code target} if something is mounted there; repeated until nothing is. */
    public void unmount(Path target) {
        for (int i = 0; i < 8 && at(target).isPresent(); i++) runner.check(List.of("umount", "--", target.toString()));
        if (at(target).isPresent()) throw new VolumeException.FailedPrecondition(target + " is still mounted after umount");
    }
}
