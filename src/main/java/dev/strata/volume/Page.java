package dev.strata.volume;

import java.util.List;

/** One page of a listing; {@code next} is where the next page starts, or null at the end. */
public record Page<T>(List<T> items, String next) {
    public Page {
        items = List.copyOf(items);
    }
}
