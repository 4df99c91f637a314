package dev.strata.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code strata}: the one binary; the subcommand picks what runs. */
@Command(name = "strata", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {
                "Strata: block volumes that live in an S3 bucket, served as ublk devices, with O(1) forks.",
                "",
                "Run it:      strata serve            (everything in one process, embedded file store)",
                "Use it:      strata volumes create db --size 10GiB; strata snapshots create db; strata resolve db",
                ""},
        subcommands = {
                ServeCommand.class, ControllerCommand.class, NodeCommand.class,
                AttachCommand.Attach.class, AttachCommand.Detach.class,
                VolumesCommand.class, SnapshotsCommand.class, ImagesCommand.class,
                ResolveCommand.class, BlessCommand.class, GcCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (Throwable t) {
            // an Error escapes picocli's handler: still exit, never linger with server threads up
            System.err.println("strata: fatal: " + t);
            t.printStackTrace();
            code = Failures.INTERNAL;
        }
        System.exit(code);
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new Failures());
        cli.setParameterExceptionHandler(Failures::badArguments);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // "volumes create -dash" reaches the name check ("must start with a letter or digit")
        // instead of failing as an unknown option
        cli.setUnmatchedOptionsArePositionalParams(true);
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
