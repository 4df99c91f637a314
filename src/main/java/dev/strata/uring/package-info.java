/**
 * io_uring through {@code java.lang.foreign}: no JNI, no liburing.
 *
 * <p>{@link dev.strata.uring.Ring} is one ring, used only by the thread that created it.
 * {@link dev.strata.uring.WorkerPool} runs N platform threads, each owning a ring and an
 * eventfd. To run work on a ring, implement {@link dev.strata.uring.RingTask} and
 * {@link dev.strata.uring.WorkerPool#assign assign} it: {@code start} runs on the worker and
 * submits the first SQEs (tag each user_data with the token); completions come back to
 * {@code complete}; {@link dev.strata.uring.WorkerPool#remove remove} calls {@code stop}.
 * An idle worker blocks in {@code io_uring_enter(min_complete = 1)}; posting wakes it through
 * the eventfd, which one multishot POLL_ADD keeps watched. Work a task hands to another
 * thread comes back through its {@link dev.strata.uring.Wakeup} ({@code attach}): any thread
 * calls {@code wake()}, the worker runs the task's {@code woken} on its own thread. A stopped
 * task whose memory is still in use keeps its slot (and gets its completions) until
 * {@code drained}.
 */
package dev.strata.uring;
