package dev.strata.store;

import java.nio.charset.StandardCharsets;

/**
 * A validated object key: relative, '/'-separated segments of letters, digits and
 * {@code . _ - @ = + ,}, without empty, "." or ".." segments, at most 1024 bytes. A key that
 * ends in '/' is a prefix (listings only). Nothing else can reach a bucket or a directory.
 */
public record ObjectKey(String value) {
    public static final int MAX_BYTES = 1024;

    public ObjectKey {
        if (value == null || value.isEmpty()) throw new StoreException.InvalidKey("an object key must not be empty");
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES)
            throw new StoreException.InvalidKey("object key longer than " + MAX_BYTES + " bytes");
        if (value.startsWith("/")) throw new StoreException.InvalidKey("object key must be relative: " + value);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!allowed(c))
                throw new StoreException.InvalidKey("object key has a character that is not allowed at " + i);
        }
        String body = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        for (String segment : body.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals(".."))
                throw new StoreException.InvalidKey("object key has an empty, '.' or '..' segment: " + value);
        }
    }

    static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-' || c == '@' || c == '=' || c == '+' || c == ',' || c == '/';
    }

    public static ObjectKey of(String first, String... more) {
        StringBuilder b = new StringBuilder(first);
        for (String m : more) b.append('/').append(m);
        return new ObjectKey(b.toString());
    }

    /** This key with one more segment (or, for a prefix, the segment appended). */
    public ObjectKey resolve(String segment) {
        return new ObjectKey(value.endsWith("/") ? value + segment : value + "/" + segment);
    }

    /** This key as a listing prefix (ends in '/'). */
    public ObjectKey asPrefix() {
        return value.endsWith("/") ? this : new ObjectKey(value + "/");
    }

    public boolean isPrefix() {
        return value.endsWith("/");
    }

    @Override
    public String toString() {
        return value;
    }
}
