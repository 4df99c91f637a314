package dev.strata.agent;

import dev.strata.volume.VolumeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;

/**
 * The node-agent token kept in a file (a mounted Secret): read again whenever the file
 * changes, so a rotated Secret takes effect in running controllers and nodes without a
 * restart. A file that becomes unreadable keeps the last good token (and says so).
 */
public final class TokenFile implements Supplier<AgentToken> {
    private final Path file;
    private volatile FileTime seen;
    private volatile AgentToken token;

    public TokenFile(Path file) {
        this.file = file;
        this.token = read();
    }

    private AgentToken read() {
        try {
            seen = Files.getLastModifiedTime(file);
            return AgentToken.of(Files.readString(file));
        } catch (IOException e) {
            throw new VolumeException.InvalidArgument("cannot read the node-agent token file " + file + ": " + e.getMessage());
        }
    }

    @Override
    public AgentToken get() {
        try {
            FileTime now = Files.getLastModifiedTime(file);
            if (!now.equals(seen)) {
                synchronized (this) {
                    if (!now.equals(seen)) token = read();
                }
            }
        } catch (IOException | VolumeException e) {
            org.slf4j.LoggerFactory.getLogger(TokenFile.class).atWarn().setMessage("node-agent token file unreadable; keeping the last token")
                    .addKeyValue("file", file.toString()).addKeyValue("error", e.getMessage()).log();
        }
        return token;
    }
}
