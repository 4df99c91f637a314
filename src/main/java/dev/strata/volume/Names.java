package dev.strata.volume;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** The one rule for every name that becomes part of a bucket key or a path. */
public final class Names {
    /** Letters, digits, '.', '_' and '-'; starts with a letter or digit; no "..". */
    static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private Names() {}

    /** Checks {@code value} as a {@code what} of at most {@code maxBytes}; returns it. */
    static String check(String what, String value, int maxBytes) {
        if (value == null || value.isEmpty()) throw new VolumeException.InvalidArgument(what + " must not be empty");
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes)
            throw new VolumeException.InvalidArgument(what + " is " + bytes + " bytes long; at most " + maxBytes + " allowed");
        if (!SAFE.matcher(value).matches())
            throw new VolumeException.InvalidArgument(what + " '" + printable(value)
                    + "' may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit");
        if (value.contains(".."))
            throw new VolumeException.InvalidArgument(what + " '" + value + "' must not contain '..'");
        return value;
    }

    /** Lowercase hex SHA-256 of the UTF-8 bytes. */
    static String sha256Hex(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value with control characters escaped, shortened, safe to put in an error message. */
    public static String printable(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length() && b.length() < 140; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
