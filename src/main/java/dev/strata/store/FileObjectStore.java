package dev.strata.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded object store: one file per object under a directory, with S3's semantics.
 * <ul>
 *   <li>Object {@code a/b} is the file {@code objects/a/b~} ('~' cannot occur in a key, so
 *       an object never collides with the directory of a longer key).</li>
 *   <li>Each file starts with a 32-byte header, the hex MD5 of the content: the etag, as S3
 *       gives for single-part objects, readable without reading the content.</li>
 *   <li>Writes go to a temp file that is fsynced, then published atomically: {@code rename}
 *       for put, a hard link for putIfAbsent (it fails if the name exists, so exactly one of
 *       any number of writers — threads or processes — wins), and rename under an exclusive
 *       file lock for putIfMatch. The directory is fsynced after each publish.</li>
 * </ul>
 */
public final class FileObjectStore implements ObjectStore {
    static final int HEADER = 32;
    static final String SUFFIX = "~";

    private final Path root;
    private final Path objects;
    private final Path tmp;
    private final Path lockFile;
    private final ReentrantLock localLock = new ReentrantLock();

    public FileObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.objects = this.root.resolve("objects");
        this.tmp = this.root.resolve("tmp");
        this.lockFile = this.root.resolve("lock");
        try {
            PrivateFiles.directories(objects);
            PrivateFiles.directories(tmp);
            if (!Files.exists(lockFile)) PrivateFiles.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot open the file store at " + this.root + ": " + e.getMessage(), e);
        }
    }

    Path path(ObjectKey key) {
        if (key.isPrefix()) throw new StoreException.InvalidKey("an object key must not end in '/': " + key);
        Path p = objects.resolve(key.value() + SUFFIX).normalize();
        if (!p.startsWith(objects)) throw new StoreException.InvalidKey("object key leaves the store: " + key);
        return p;
    }

    @Override
    public StoredObject get(ObjectKey key) {
        try {
            byte[] all = Files.readAllBytes(path(key));
            if (all.length < HEADER) throw corrupt(key);
            byte[] data = java.util.Arrays.copyOfRange(all, HEADER, all.length);
            return new StoredObject(data, new String(all, 0, HEADER, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            throw new StoreException.NotFound(key.value());
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public byte[] getRange(ObjectKey key, long offset, int length) {
        if (offset < 0 || length < 0) throw new IllegalArgumentException("negative range");
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            long size = ch.size() - HEADER;
            if (offset >= size) return new byte[0];
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, size - offset));
            while (buf.hasRemaining()) {
                if (ch.read(buf, HEADER + offset + buf.position()) < 0) break;
            }
            return buf.array();
        } catch (NoSuchFileException e) {
            throw new StoreException.NotFound(key.value());
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public String put(ObjectKey key, byte[] data) {
        Path target = path(key);
        Staged staged = stage(key, data);
        try {
            publish(() -> Files.move(staged.file, target, StandardCopyOption.ATOMIC_MOVE), target);
            return staged.etag;
        } finally {
            staged.discard();
        }
    }

    @Override
    public String putIfAbsent(ObjectKey key, byte[] data) {
        Path target = path(key);
        Staged staged = stage(key, data);
        try {
            publish(() -> Files.createLink(target, staged.file), target);
            return staged.etag;
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof FileAlreadyExistsException) throw new StoreException.PreconditionFailed(key.value());
            throw e;
        } finally {
            staged.discard();
        }
    }

    @Override
    public String putIfMatch(ObjectKey key, byte[] data, String etag) {
        Path target = path(key);
        Staged staged = stage(key, data);
        localLock.lock();
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.WRITE); FileLock held = lock.lock()) {
            String current = head(key).orElseThrow(() -> new StoreException.NotFound(key.value())).etag();
            if (!current.equals(etag)) throw new StoreException.PreconditionFailed(key.value());
            publish(() -> Files.move(staged.file, target, StandardCopyOption.ATOMIC_MOVE), target);
            return staged.etag;
        } catch (IOException e) {
            throw failure("lock", key, e);
        } finally {
            localLock.unlock();
            staged.discard();
        }
    }

    @Override
    public void delete(ObjectKey key) {
        Path target = path(key);
        try {
            if (Files.deleteIfExists(target)) {
                fsyncDir(target.getParent());
                pruneEmptyParents(target.getParent());
            }
        } catch (IOException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> head(ObjectKey key) {
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            return Optional.of(info(key.value(), ch));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    ObjectInfo info(String key, FileChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (header.hasRemaining() && ch.read(header, header.position()) >= 0) { }
        if (header.hasRemaining()) throw corrupt(new ObjectKey(key));
        return new ObjectInfo(key, ch.size() - HEADER, new String(header.array(), StandardCharsets.US_ASCII));
    }

    @Override
    public ObjectListing list(ObjectKey prefix, String startAfter, int maxKeys) {
        if (maxKeys < 1) throw new IllegalArgumentException("maxKeys must be at least 1");
        return new FileListing(this, objects, prefix.value(), startAfter, maxKeys).run();
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    @Override
    public void close() {}

    // ---- writing ----------------------------------------------------------------------

    private record Staged(Path file, String etag) {
        void discard() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless: it is never listed
            }
        }
    }

    private Staged stage(ObjectKey key, byte[] data) {
        String etag = md5(data);
        Path file = tmp.resolve(UUID.randomUUID() + ".tmp");
        try (FileChannel ch = PrivateFiles.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer all = ByteBuffer.allocate(HEADER + data.length);
            all.put(etag.getBytes(StandardCharsets.US_ASCII)).put(data).flip();
            while (all.hasRemaining()) ch.write(all);
            ch.force(true);
            return new Staged(file, etag);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // reported below
            }
            throw failure("write", key, e);
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** Runs a publish step, creating parent directories (racing with pruning) as needed. */
    private void publish(IoAction action, Path target) {
        for (int attempt = 0; ; attempt++) {
            try {
                PrivateFiles.directories(target.getParent());
                action.run();
                fsyncDir(target.getParent());
                return;
            } catch (NoSuchFileException e) {
                if (attempt >= 8) throw new UncheckedIOException(e);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                throw new UncheckedIOException(e);
            } catch (IOException e) {
                throw failure("write", new ObjectKey(objects.relativize(target).toString().replaceAll("~$", "")), e);
            }
        }
    }

    private void pruneEmptyParents(Path dir) {
        while (dir != null && !dir.equals(objects) && dir.startsWith(objects)) {
            try {
                Files.delete(dir);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            } catch (IOException e) {
                return;
            }
            dir = dir.getParent();
        }
    }

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static String md5(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private StoreException corrupt(ObjectKey key) {
        return new StoreException.Unavailable("object " + key + " in " + describe() + " is truncated", null);
    }

    private StoreException failure(String what, ObjectKey key, IOException e) {
        String why = e.getMessage() != null && e.getMessage().contains("No space left") ? "the disk is full" : String.valueOf(e);
        return new StoreException.Unavailable("cannot " + what + " " + key + " in " + describe() + ": " + why, e);
    }
}
