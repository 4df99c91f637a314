package dev.strata.volume;

import dev.strata.store.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The local cache's metadata log: fixed 21-byte records {@code u8 type, u64 a, u64 b,
 * u32 crc32c}. Appends are buffered and written + fsynced by {@link #sync()} (FLUSH).
 * Replay stops at the first torn or corrupt record and truncates there. Every WRITE/ZERO
 * carries a sequence; for each block the record with the highest sequence wins, whatever
 * their order in the file.
 */
final class MetaLog implements AutoCloseable {
    static final byte HEADER = 1, WRITE = 2, ZERO = 3, COMMIT = 4;
    static final int RECORD = 1 + 8 + 8 + 4;

    record Entry(byte type, long a, long b) {}

    private final Path path;
    private FileChannel channel;
    private ByteBuffer pending = ByteBuffer.allocate(64 * RECORD);

    private MetaLog(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Opens the log, returning it and its valid records (a torn tail is cut off). */
    static MetaLog open(Path path, List<Entry> replayed) throws IOException {
        FileChannel ch = PrivateFiles.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = ch.size();
        ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
        while (all.hasRemaining() && ch.read(all, all.position()) > 0) { }
        all.flip();
        long valid = 0;
        while (all.remaining() >= RECORD) {
            int start = all.position();
            byte type = all.get();
            long a = all.getLong(), b = all.getLong();
            int crc = all.getInt();
            if (crc != crc(all.array(), start) || type < HEADER || type > COMMIT) break;
            replayed.add(new Entry(type, a, b));
            valid = all.position();
        }
        if (valid != size) {
            ch.truncate(valid);
            ch.force(true);
        }
        ch.position(valid);
        return new MetaLog(path, ch);
    }

    private static int crc(byte[] bytes, int start) {
        CRC32C c = new CRC32C();
        c.update(bytes, start, 17);
        return (int) c.getValue();
    }

    synchronized void append(byte type, long a, long b) {
        if (pending.remaining() < RECORD) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.capacity() * 2);
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        int start = pending.position();
        pending.put(type).putLong(a).putLong(b);
        pending.putInt(crc(pending.array(), start));
    }

    /** Writes the buffered records and fsyncs the log. */
    synchronized void sync() throws IOException {
        pending.flip();
        try {
            while (pending.hasRemaining()) channel.write(pending);
        } finally {
            pending.compact(); // what a failed write (a full disk) left is written by the next sync
        }
        channel.force(false);
    }

    /** Replaces the whole log with {@code entries} (atomically: temp, fsync, rename, dir fsync). */
    synchronized void rewrite(List<Entry> entries) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        ByteBuffer out = ByteBuffer.allocate(entries.size() * RECORD);
        for (Entry e : entries) {
            int start = out.position();
            out.put(e.type()).putLong(e.a()).putLong(e.b());
            out.putInt(crc(out.array(), start));
        }
        out.flip();
        try (FileChannel t = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (out.hasRemaining()) t.write(out);
            t.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp); // a full disk: give back what the attempt took; the old log stays
            throw e;
        }
        channel.close();
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.position(channel.size());
        // Records appended meanwhile stay pending: replay keeps the highest sequence per
        // block, so a record written after the checkpoint it is already part of is harmless.
    }

    /** Closes without writing what is pending (a crash, in tests). */
    synchronized void abandon() throws IOException {
        pending.clear();
        channel.close();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
