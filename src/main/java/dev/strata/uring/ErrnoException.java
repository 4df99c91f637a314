package dev.strata.uring;

/** A failed system call or io_uring operation: the errno, its name, and what was called. */
public final class ErrnoException extends RuntimeException {
    private final int errno;
    private final String call;

    public ErrnoException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + errno + ")");
        this.errno = errno;
        this.call = call;
    }

    public int errno() {
        return errno;
    }

    public String call() {
        return call;
    }

    /** Returns {@code res} when it is not negative, else throws for {@code -res}. */
    public static int check(String call, int res) {
        if (res < 0) throw new ErrnoException(call, -res);
        return res;
    }
}
