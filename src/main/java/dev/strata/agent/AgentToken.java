package dev.strata.agent;

import dev.strata.volume.VolumeException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The shared secret of the node agent. Compared in constant time (over SHA-256 digests, so
 * not even the length leaks); never printed — {@link #toString()} hides it.
 */
public final class AgentToken {
    public static final int MIN_LENGTH = 16;
    private final byte[] digest;
    private final String value;

    private AgentToken(String value) {
        this.value = value;
        this.digest = sha256(value);
    }

    /** A configured token: at least 16 printable ASCII characters, no whitespace. */
    public static AgentToken of(String value) {
        String v = value == null ? "" : value.strip();
        if (v.length() < MIN_LENGTH)
            throw new VolumeException.InvalidArgument("the node-agent token must be at least " + MIN_LENGTH + " characters");
        if (!v.chars().allMatch(c -> c > 0x20 && c < 0x7f))
            throw new VolumeException.InvalidArgument("the node-agent token must be printable ASCII without spaces");
        return new AgentToken(v);
    }

    /** A fresh random token (32 bytes, hex). */
    public static AgentToken random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return new AgentToken(HexFormat.of().formatHex(b));
    }

    /** Constant-time check of a presented token. */
    public boolean matches(String presented) {
        return MessageDigest.isEqual(digest, sha256(presented == null ? "" : presented));
    }

    /** The secret itself, for the client side of a call and for writing it to a 0600 file. */
    public String reveal() {
        return value;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "AgentToken[redacted]";
    }
}
