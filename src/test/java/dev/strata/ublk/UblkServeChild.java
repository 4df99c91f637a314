package dev.strata.ublk;

import dev.strata.uring.RingOptions;
import dev.strata.uring.WorkerPool;
import java.nio.file.Path;

/**
 * A ublk server process for the recovery test: serves a file-backed device (new, or
 * recovering device {@code devId}), prints "serving N", and runs until killed.
 */
public final class UblkServeChild {
    public static void main(String[] args) throws Exception {
        Path backing = Path.of(args[0]);
        int recoverId = Integer.parseInt(args[1]);
        FileTarget target = new FileTarget(backing, 256L << 20);
        WorkerPool pool = new WorkerPool(2, RingOptions.worker(256), 5_000_000_000L);
        UblkControl ctl = UblkControl.open();
        UblkDevice dev = recoverId < 0 ? UblkDevice.create(ctl, pool, target, 2, 32)
                : UblkDevice.recover(ctl, pool, target, recoverId);
        System.out.println("serving " + dev.devId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
