package dev.strata.cli;

import dev.strata.volume.Json;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Option;

/** {@code --output text|json} of every admin verb: text for people, JSON for scripts (a picocli mixin). */
final class OutputOptions {
    enum Format { text, json }

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (for people, the default) or json (for scripts).")
    Format format = Format.text;

    boolean json() {
        return format == Format.json;
    }

    /** Prints {@code value} as JSON, or {@code text} for people. */
    void print(Object value, String text) {
        System.out.println(json() ? new String(Json.write(value), StandardCharsets.UTF_8) : text);
    }
}
