package dev.strata.cli;

import dev.strata.store.StoreException;
import dev.strata.volume.VolumeException;
import picocli.CommandLine;

/** Turns a failed command into one clear line on stderr and an exit code; no stack traces for user errors. */
final class Failures implements CommandLine.IExecutionExceptionHandler {
    static final int USER_ERROR = 2, UNAVAILABLE = 3, INTERNAL = 1;

    /** A failed call to the running server: one line, and an exit code by kind. */
    static int rpc(String what, io.grpc.StatusRuntimeException e) {
        System.err.println("strata " + what + ": " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED -> UNAVAILABLE;
            case INTERNAL, UNKNOWN -> INTERNAL;
            default -> USER_ERROR;
        };
    }

    /** Bad arguments: the error and where to find the usage, not the whole usage (a picocli IParameterExceptionHandler). */
    static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr().println("strata " + cli.getCommandName() + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, cli.getErr());
        cli.getErr().println("(see 'strata " + qualifiedName(cli) + " --help')");
        return USER_ERROR;
    }

    private static String qualifiedName(CommandLine cli) {
        String name = cli.getCommandSpec().qualifiedName(" ");
        return name.startsWith("strata ") ? name.substring(7) : name.equals("strata") ? "" : name;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        int code = switch (e) {
            case VolumeException.Unavailable u -> UNAVAILABLE;
            case StoreException.Unavailable u -> UNAVAILABLE;
            case StoreException.Unsupported u -> UNAVAILABLE;
            case VolumeException v -> USER_ERROR;
            case StoreException s -> USER_ERROR;
            case IllegalArgumentException i -> USER_ERROR;
            default -> INTERNAL;
        };
        cli.getErr().println("strata " + cli.getCommandName() + ": " + e.getMessage());
        if (code == INTERNAL) e.printStackTrace(cli.getErr());
        return code;
    }
}
