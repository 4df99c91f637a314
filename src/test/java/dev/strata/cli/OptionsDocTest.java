package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** docs/options.md documents every command and every flag the real command line has. */
class OptionsDocTest {
    @Test
    void everyCommandAndFlagIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("docs/options.md"));
        List<String> missing = new ArrayList<>();
        walk(new CommandLine(new Main()), doc, missing);
        assertEquals(List.of(), missing);
    }

    private static void walk(CommandLine cli, String doc, List<String> missing) {
        String name = cli.getCommandName();
        if (!name.equals("help") && !doc.contains(name)) missing.add("command " + name);
        for (var option : cli.getCommandSpec().options()) {
            String flag = option.longestName();
            if (flag.equals("--help") || flag.equals("--version")) continue;
            String documented = option.negatable() ? "--[no-]" + flag.substring(2) : flag;
            if (!doc.contains("`" + documented)) missing.add(name + " " + documented);
        }
        for (CommandLine sub : cli.getSubcommands().values()) walk(sub, doc, missing);
    }
}
