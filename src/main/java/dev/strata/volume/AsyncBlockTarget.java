package dev.strata.volume;

import java.nio.ByteBuffer;

/**
 * {@link BlockTarget} in completion form: what a ublk queue hands its requests to. The
 * caller fills a {@link Request} and {@link #submit}s it; the target completes it exactly
 * once, from whatever thread finished the work, and never blocks the submitting thread on
 * that work. {@link ThreadedBlockTarget} makes one of a synchronous {@link BlockTarget}.
 */
public interface AsyncBlockTarget extends AutoCloseable {
    long sizeBytes();

    /**
     * Starts {@code request}; returns without waiting for it. {@link Request#complete} is
     * called exactly once, possibly before this returns, possibly on another thread. A failure
     * (a {@link VolumeException}, or a closed target) completes it with that exception.
     */
    void submit(Request request);

    /** Takes no new requests; requests already submitted still complete. Does not wait for them. */
    @Override
    void close();

    /** What a request asks. */
    enum Op { READ, WRITE, FLUSH, DISCARD, WRITE_ZEROES }

    /** Receives a request's end: {@code failure} is null on success. */
    @FunctionalInterface
    interface Completion {
        void completed(Request request, RuntimeException failure);
    }

    /**
     * One request, reused by its issuer for the next one once completed (one per ublk tag):
     * an op, a byte range, for READ/WRITE the data buffer (its position 0 to {@code length}),
     * FUA for a write that must be durable before it completes. The issuer sets it before
     * {@link #submit}; the target reads it until it calls {@link #complete}.
     */
    final class Request {
        private final int id;
        private final ByteBuffer buffer;
        private final Completion completion;
        private Op op;
        private long offset, length;
        private boolean fua;

        /** {@code buffer}: the issuer's data buffer for this request slot (its capacity is the largest request). */
        public Request(int id, ByteBuffer buffer, Completion completion) {
            this.id = id;
            this.buffer = buffer;
            this.completion = completion;
        }

        /** Sets the next request; for READ/WRITE the buffer's window becomes [0, length). */
        public Request prepare(Op op, long offset, long length, boolean fua) {
            if ((op == Op.READ || op == Op.WRITE) && length > buffer.capacity())
                throw new IllegalArgumentException(length + " bytes exceed the request buffer (" + buffer.capacity() + ")");
            this.op = op;
            this.offset = offset;
            this.length = length;
            this.fua = fua;
            if (op == Op.READ || op == Op.WRITE) buffer.clear().limit((int) length);
            return this;
        }

        /** Which slot this is (the ublk tag). */
        public int id() {
            return id;
        }

        public Op op() {
            return op;
        }

        public long offset() {
            return offset;
        }

        public long length() {
            return length;
        }

        public boolean fua() {
            return fua;
        }

        /** READ: fill its remaining bytes; WRITE: its remaining bytes are the data. */
        public ByteBuffer data() {
            return buffer;
        }

        /** Ends the request: {@code failure} null for success. Call exactly once per {@link #submit}. */
        public void complete(RuntimeException failure) {
            completion.completed(this, failure);
        }
    }
}
