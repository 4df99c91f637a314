package dev.strata.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    static final long IDLE = 5_000_000_000L;

    /** Keeps one NOP in flight and counts completions, until stopped. */
    static final class NopLoop implements RingTask {
        final AtomicInteger completions = new AtomicInteger();
        volatile boolean started, stopped;
        volatile long startThread;
        long token;

        @Override
        public void start(Ring ring, long token) {
            this.token = token;
            started = true;
            startThread = Thread.currentThread().threadId();
            ring.nop(token | 1);
        }

        @Override
        public void complete(Ring ring, long userData, int res, int flags) {
            assertEquals(token, RingTask.tokenOf(userData));
            if (completions.incrementAndGet() < 50) ring.nop(token | 1);
        }

        @Override
        public void stop(Ring ring) {
            stopped = true;
        }
    }

    static long voluntarySwitches(long tid) throws IOException {
        // /proc/self/task/<tid> is the kernel thread id; find the worker by name instead
        for (Path task : list(Path.of("/proc/self/task"))) {
            String comm = Files.readString(task.resolve("comm")).trim();
            if (comm.equals("strata-ring-" + tid)) {
                for (String line : Files.readAllLines(task.resolve("status")))
                    if (line.startsWith("voluntary_ctxt_switches:")) return Long.parseLong(line.split("\\s+")[1]);
            }
        }
        throw new IllegalStateException("no thread strata-ring-" + tid);
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    static long count(String path, String needle) throws IOException {
        if (needle == null) return list(Path.of(path)).size();
        return Files.readAllLines(Path.of(path)).stream().filter(l -> l.contains(needle)).count();
    }

    @Test
    void anIdleWorkerBlocksAndIsWokenByItsEventfd() throws Exception {
        try (WorkerPool pool = new WorkerPool(1, RingOptions.worker(64), IDLE)) {
            System.out.println("worker ring setup: " + pool.setupPaths());
            Thread.sleep(200);
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long tid = pool.threadIds().getFirst();
            long before = voluntarySwitches(0), cpuBefore = threads.getThreadCpuTime(tid);
            Thread.sleep(1500);
            long idleSwitches = voluntarySwitches(0) - before;
            long idleCpuNanos = threads.getThreadCpuTime(tid) - cpuBefore;
            assertTrue(idleSwitches <= 2, "an idle worker sleeps in io_uring_enter: " + idleSwitches + " wake-ups in 1.5 s");
            assertTrue(idleCpuNanos < 50_000_000L, "an idle worker uses no CPU: " + idleCpuNanos / 1_000_000 + " ms in 1.5 s");
            NopLoop task = new NopLoop();
            WorkerPool.Assignment a = pool.assign(task);
            assertTrue(task.started, "the blocked worker woke up to start the task");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (task.completions.get() < 50 && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(50, task.completions.get());
            pool.remove(a);
            assertTrue(task.stopped);
        }
    }

    @Test
    void manyTasksAssignedAndRemovedConcurrentlyAcrossWorkers() throws Exception {
        try (WorkerPool pool = new WorkerPool(4, RingOptions.worker(256), IDLE)) {
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Future<NopLoop>> runs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                runs.add(clients.submit(() -> {
                    NopLoop t = new NopLoop();
                    WorkerPool.Assignment a = pool.assign(t);
                    pool.remove(a);
                    return t;
                }));
            }
            java.util.Set<Long> threads = new java.util.HashSet<>();
            for (Future<NopLoop> f : runs) {
                NopLoop t = f.get();
                assertTrue(t.started && t.stopped);
                threads.add(t.startThread);
            }
            clients.shutdown();
            assertEquals(new java.util.HashSet<>(pool.threadIds()), threads, "every worker hosted tasks");
        }
    }

    @Test
    void shutdownWhileBlockedIsPromptAndLeaksNothing() throws Exception {
        long fds = count("/proc/self/fd", null);
        long maps = count("/proc/self/maps", "io_uring");
        WorkerPool pool = new WorkerPool(3, RingOptions.worker(64), IDLE);
        NopLoop hosted = new NopLoop();
        pool.assign(hosted, 1);
        assertTrue(count("/proc/self/maps", "io_uring") > maps, "the rings are mapped");
        Thread.sleep(100);
        pool.close();
        assertTrue(hosted.stopped, "tasks are stopped at shutdown");
        assertEquals(fds, count("/proc/self/fd", null), "every ring fd and eventfd closed");
        assertEquals(maps, count("/proc/self/maps", "io_uring"), "every ring unmapped");
        assertThrows(IllegalStateException.class, () -> pool.assign(new NopLoop()));
    }

    /** Takes numbers other threads hand it through its Wakeup; keeps one NOP in flight after stop until told it may go. */
    static final class HandBack implements RingTask {
        final java.util.concurrent.ConcurrentLinkedQueue<Integer> inbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final java.util.Set<Long> wokenOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicInteger taken = new AtomicInteger(), completionsAfterStop = new AtomicInteger();
        volatile Wakeup wakeup;
        volatile boolean stopped, mayGo, sawMayGo;
        long token;

        @Override
        public void attach(Wakeup w) {
            wakeup = w;
        }

        @Override
        public void start(Ring ring, long token) {
            this.token = token;
        }

        @Override
        public void complete(Ring ring, long userData, int res, int flags) {
            if (stopped) completionsAfterStop.incrementAndGet();
        }

        @Override
        public void woken(Ring ring) {
            wokenOn.add(Thread.currentThread().threadId());
            for (Integer i; (i = inbox.poll()) != null; ) taken.incrementAndGet();
            if (mayGo) sawMayGo = true;
            else if (stopped) ring.nop(token | 2);
        }

        @Override
        public void stop(Ring ring) {
            stopped = true;
            ring.nop(token | 1);
        }

        @Override
        public boolean drained() {
            return mayGo;
        }
    }

    static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void workHandedBackFromOtherThreadsRunsOnTheWorkerAndNoneIsLost() throws Exception {
        try (WorkerPool pool = new WorkerPool(1, RingOptions.worker(64), IDLE)) {
            HandBack task = new HandBack();
            pool.assign(task);
            ExecutorService senders = Executors.newFixedThreadPool(4);
            for (int s = 0; s < 4; s++) {
                senders.submit(() -> {
                    for (int i = 0; i < 5000; i++) {
                        task.inbox.add(i);
                        task.wakeup.wake();
                    }
                });
            }
            senders.shutdown();
            await(() -> task.taken.get() == 20_000, "every hand-back taken (" + task.taken.get() + ")");
            assertEquals(java.util.Set.copyOf(pool.threadIds()), task.wokenOn, "woken only on the worker's thread");
        }
    }

    @Test
    void aStoppedTaskKeepsItsCompletionsWakeUpsAndTokenUntilDrained() throws Exception {
        try (WorkerPool pool = new WorkerPool(1, RingOptions.worker(64), IDLE)) {
            HandBack task = new HandBack();
            WorkerPool.Assignment a = pool.assign(task);
            pool.remove(a);
            await(() -> task.completionsAfterStop.get() == 1, "the NOP submitted in stop() reaches the stopped task");
            NopLoop other = new NopLoop();
            WorkerPool.Assignment b = pool.assign(other);
            assertTrue(b.token() != a.token(), "a draining task's token is not reused");
            task.inbox.add(1);
            task.wakeup.wake();
            await(() -> task.completionsAfterStop.get() == 2, "a draining task is still woken");
            task.mayGo = true;
            task.wakeup.wake();
            await(() -> task.sawMayGo, "woken once more");
            NopLoop third = new NopLoop();
            assertEquals(a.token(), pool.assign(third).token(), "the slot is free once drained");
        }
    }

    @Test
    void aWorkerWithNoTasksStillShutsDown() {
        WorkerPool pool = new WorkerPool(2, RingOptions.worker(8), IDLE);
        pool.close();
        assertFalse(pool.threadIds().isEmpty());
    }
}
