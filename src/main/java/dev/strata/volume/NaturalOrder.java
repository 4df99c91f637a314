package dev.strata.volume;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectListing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The order listings are shown in: names compared with runs of digits as numbers
 * ({@code v2} before {@code v10}, {@code db} before {@code db-copy}), snapshots by volume
 * then sequence ({@code v@2} before {@code v@10}). Bucket keys sort differently ({@code
 * volumes/db-copy/} before {@code volumes/db/}, {@code v@10} before {@code v@2}), so a listing
 * reads the keys under its prefix, sorts the names, and pages over them; the page token is
 * the last name returned, which stays valid whatever is created or deleted meanwhile.
 */
final class NaturalOrder {
    private NaturalOrder() {}

    /** Digit runs compare as numbers; otherwise by character; exact ties broken by plain string order. */
    static final Comparator<String> NAMES = NaturalOrder::compare;
    static final Comparator<VolumeName> VOLUMES = Comparator.comparing(VolumeName::value, NAMES);
    static final Comparator<SnapshotId> SNAPSHOTS = Comparator.comparing(SnapshotId::volume, VOLUMES)
            .thenComparingLong(SnapshotId::seq);

    static int compare(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i), y = b.charAt(j);
            if (isDigit(x) && isDigit(y)) {
                int ei = digitsEnd(a, i), ej = digitsEnd(b, j);
                int si = skipZeros(a, i, ei), sj = skipZeros(b, j, ej);
                int c = Integer.compare(ei - si, ej - sj);
                if (c == 0) c = a.substring(si, ei).compareTo(b.substring(sj, ej));
                if (c != 0) return c;
                i = ei;
                j = ej;
            } else {
                if (x != y) return Character.compare(x, y);
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int digitsEnd(String s, int from) {
        while (from < s.length() && isDigit(s.charAt(from))) from++;
        return from;
    }

    private static int skipZeros(String s, int from, int end) {
        while (from < end - 1 && s.charAt(from) == '0') from++;
        return from;
    }

    /**
     * One page of {@code max} records after {@code startAfter} (null: from the first), in
     * {@code order}: the names come from every key under {@code prefix} ({@code nameOf}
     * gives empty for keys that are not records), the records from {@code read} (empty when
     * one vanished meanwhile). The next token is the last name returned.
     */
    static <N, R> Page<R> page(Bucket bucket, ObjectKey prefix, Function<String, Optional<N>> nameOf, Comparator<N> order,
                               N startAfter, int max, Function<N, Optional<R>> read, Function<N, String> token) {
        List<N> names = new ArrayList<>();
        String after = null;
        do {
            ObjectListing listing = bucket.list(prefix, after, 1000);
            for (ObjectInfo o : listing.objects()) nameOf.apply(o.key()).ifPresent(names::add);
            after = listing.nextStartAfter();
        } while (after != null);
        names.sort(order);
        List<R> items = new ArrayList<>();
        N last = null;
        int i = 0;
        for (; i < names.size() && items.size() < max; i++) {
            N name = names.get(i);
            if (startAfter != null && order.compare(name, startAfter) <= 0) continue;
            Optional<R> record = read.apply(name);
            if (record.isPresent()) {
                items.add(record.get());
                last = name;
            }
        }
        return new Page<>(items, last != null && i < names.size() ? token.apply(last) : null);
    }
}
