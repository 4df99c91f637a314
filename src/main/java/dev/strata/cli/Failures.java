package dev.strata.cli;

import dev.strata.store.StoreException;
import dev.strata.volume.VolumeException;
import picocli.CommandLine;

/** Turns a failed command into one clear line on stderr and an exit code; no stack traces for user errors. */
final class Failures implements CommandLine.IExecutionExceptionHandler {
    static final int USER_ERROR = 2, UNAVAILABLE = 3, INTERNAL = 1;

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
