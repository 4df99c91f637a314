package dev.strata.cli;

import picocli.CommandLine.Command;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Print Strata's version.")
final class VersionCommand implements Runnable {
    @picocli.CommandLine.Mixin OutputOptions output;

    @Override
    public void run() {
        String[] lines = new Version().getVersion();
        output.print(java.util.Map.of("version", Version.current(), "lines", java.util.List.of(lines)), String.join("\n", lines));
    }
}
