package dev.strata.store;

import java.nio.file.Path;
import java.util.List;

/** A second process racing putIfAbsent against the test JVM; prints how many it won. */
public final class ConditionalCreateRacer {
    static Process start(Path dir, int keys) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                ConditionalCreateRacer.class.getName(), dir.toString(), Integer.toString(keys))).start();
    }

    public static void main(String[] args) {
        int won = 0;
        try (FileObjectStore store = new FileObjectStore(Path.of(args[0]))) {
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                try {
                    store.putIfAbsent(new ObjectKey("xproc/" + i), "child".getBytes());
                    won++;
                } catch (StoreException.PreconditionFailed lost) {
                    // the parent won this one
                }
            }
        }
        System.out.println(won);
    }
}
