package dev.strata.volume;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** JSON of Strata's records: unknown fields ignored (rolling upgrades), bounded parsing. */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(32).maxStringLength(1 << 20).maxNumberLength(40).build());
    }

    private Json() {}

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** Parses a stored record; anything malformed or invalid is {@link VolumeException.Corrupt}. */
    public static <T> T read(byte[] data, Class<T> type, String what) {
        try {
            T value = MAPPER.readValue(data, type);
            if (value == null) throw new VolumeException.Corrupt(what + " is empty", null);
            return value;
        } catch (IOException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof VolumeException ve ? ve.getMessage() : e.getMessage();
            throw new VolumeException.Corrupt(what + " cannot be read: " + why, e);
        } catch (RuntimeException e) {
            if (e instanceof VolumeException.Corrupt c) throw c;
            throw new VolumeException.Corrupt(what + " cannot be read: " + e.getMessage(), e);
        }
    }
}
