package dev.strata.uring;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How any thread has a {@link RingTask}'s {@link RingTask#woken} run on the task's worker
 * thread — e.g. a block target that finished a request on a thread of its own. A task gets
 * its one Wakeup in {@link RingTask#attach}. {@link #wake} takes no lock and allocates nothing
 * while a wake-up is already pending: a burst of wakes costs one hand-off and at most one
 * eventfd write.
 */
public final class Wakeup {
    private final Worker worker;
    final RingTask task;
    final int slot;
    private final AtomicBoolean pending = new AtomicBoolean();

    Wakeup(Worker worker, RingTask task, int slot) {
        this.worker = worker;
        this.task = task;
        this.slot = slot;
    }

    /**
     * Any thread: {@link RingTask#woken} runs on the worker soon after, and after everything
     * this thread wrote before calling. Dropped once the task is gone or the worker stopped.
     */
    public void wake() {
        if (pending.get()) return; // a wake-up is on its way and will look after this point
        if (pending.compareAndSet(false, true)) worker.wake(this);
    }

    /** On the worker: pending clears before the task looks, so a wake() after that look is never lost. */
    void run(Ring ring) {
        pending.set(false);
        task.woken(ring);
    }
}
