package dev.strata.volume;

import java.util.ArrayList;
import java.util.List;

/** Two calls started together in two threads; a call that threw a VolumeException counts as not succeeded (null). */
record Race<T>(T first, T second) {
    interface Call<T> {
        T call();
    }

    static <T> Race<T> of(Call<? extends T> a, Call<? extends T> b) throws Exception {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> unexpected = new java.util.concurrent.atomic.AtomicReference<>();
        Object[] results = new Object[2];
        Thread[] threads = new Thread[2];
        List<Call<? extends T>> calls = List.of(a, b);
        for (int i = 0; i < 2; i++) {
            int at = i;
            threads[i] = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    results[at] = calls.get(at).call();
                } catch (VolumeException e) {
                    results[at] = null;
                } catch (Throwable t) {
                    unexpected.set(t);
                }
            });
        }
        go.countDown();
        for (Thread t : threads) t.join();
        if (unexpected.get() != null) throw new AssertionError("a racing call failed unexpectedly", unexpected.get());
        @SuppressWarnings("unchecked")
        Race<T> race = new Race<>((T) results[0], (T) results[1]);
        return race;
    }

    List<T> results() {
        List<T> r = new ArrayList<>();
        if (first != null) r.add(first);
        if (second != null) r.add(second);
        return r;
    }
}
