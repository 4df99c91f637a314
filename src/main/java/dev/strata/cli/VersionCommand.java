package dev.strata.cli;

import picocli.CommandLine.Command;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Print Strata's version.")
final class VersionCommand implements Runnable {
    @Override
    public void run() {
        for (String line : new Version().getVersion()) System.out.println(line);
    }
}
