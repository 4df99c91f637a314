package dev.strata.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Writes one benchmark's section of docs/BENCHMARKS.md, between its BEGIN/END markers. */
public final class BenchReport {
    private BenchReport() {}

    public static void write(String area, String markdown) throws IOException {
        Path file = Path.of("docs/BENCHMARKS.md");
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n";
        String begin = "<!-- BEGIN " + area + " -->", end = "<!-- END " + area + " -->";
        String section = begin + "\n" + markdown.strip() + "\n" + end;
        int b = text.indexOf(begin), e = text.indexOf(end);
        text = b >= 0 && e > b ? text.substring(0, b) + section + text.substring(e + end.length())
                : text.stripTrailing() + "\n\n" + section + "\n";
        Files.writeString(file, text);
        System.out.println(section);
    }

    /** Median and 90th percentile of nanosecond samples, in milliseconds. */
    public static String ms(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("%.2f / %.2f", s[s.length / 2] / 1e6, s[(int) (s.length * 0.9)] / 1e6);
    }

    public static double medianMs(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    public static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version() + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }
}
