package dev.strata.volume;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A pack: some blocks of one chunk, each compressed, with the index in front so that one
 * small ranged GET finds any block. Big-endian:
 * <pre>
 *   "STRP" u16 version(1) u16 flags(0) u32 chunk u32 count u32 blockSize
 *   count × entry: u32 blockInChunk (increasing), u32 rawLength (0 = a zero block: a
 *                  tombstone with no data), u32 storedLength, u64 offset, u32 crc32c(raw)
 *   u32 CRC32C of everything above
 *   the stored blocks (deflated, or raw when deflate does not help: storedLength = rawLength)
 * </pre>
 * The pack id is 128 bits of SHA-256 over the whole pack: the same blocks make the same id,
 * so an upload retried after a failure writes the same object.
 */
public final class PackFormat {
    static final int MAGIC = 0x53545250; // "STRP"
    static final int HEADER = 4 + 2 + 2 + 4 + 4 + 4;
    static final int ENTRY = 4 + 4 + 4 + 8 + 4;

    private PackFormat() {}

    /** One block's entry in a pack's index. */
    public record Entry(int block, int rawLength, int storedLength, long offset, int crc) {
        boolean isZero() {
            return rawLength == 0;
        }

        boolean isDeflated() {
            return storedLength != rawLength;
        }
    }

    /** The index of a pack. */
    public record Index(int chunk, int blockSize, List<Entry> entries) {
        Entry find(int block) {
            int lo = 0, hi = entries.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int b = entries.get(mid).block();
                if (b == block) return entries.get(mid);
                if (b < block) lo = mid + 1;
                else hi = mid - 1;
            }
            return null;
        }
    }

    /** An encoded pack, its id and its index (as {@link #decodeIndex} would read it back). */
    public record Encoded(PackId id, byte[] bytes, Index index) {}

    /** Bytes to fetch to be sure to hold the index of a pack of {@code blocksPerChunk} blocks. */
    static int maxIndexBytes(int blocksPerChunk) {
        return HEADER + blocksPerChunk * ENTRY + 4;
    }

    /**
     * Encodes blocks (block index in chunk → content, null for a zero block), sorted by index.
     */
    public static Encoded encode(int chunk, int blockSize, List<Integer> blocks, List<byte[]> contents) {
        int count = blocks.size();
        int base = HEADER + count * ENTRY + 4;
        long bound = base;
        for (byte[] raw : contents) if (raw != null) bound += raw.length;
        if (bound > Integer.MAX_VALUE - 16) throw new VolumeException.InvalidArgument("pack too large: " + bound + " bytes");
        // one array: the index at its head, the blocks written straight after it (stored
        // lengths never exceed raw ones); trimmed only when deflate saved something
        byte[] out = new byte[(int) bound];
        int at = base;
        List<Entry> entries = new ArrayList<>(count);
        Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        byte[] scratch = new byte[4096 + 4096 / 8 + 64];
        int[] counts = new int[256];
        try {
            for (int i = 0; i < count; i++) {
                byte[] raw = contents.get(i);
                if (raw == null || isZero(raw)) {
                    entries.add(new Entry(blocks.get(i), 0, 0, at, 0));
                    continue;
                }
                CRC32C crc = new CRC32C();
                crc.update(raw);
                int stored = raw.length;
                if (worthDeflating(deflater, raw, scratch, counts)) {
                    deflater.reset();
                    deflater.setInput(raw);
                    deflater.finish();
                    int n = deflater.deflate(out, at, raw.length - 1);
                    if (deflater.finished()) stored = n;
                }
                if (stored == raw.length) System.arraycopy(raw, 0, out, at, raw.length);
                entries.add(new Entry(blocks.get(i), raw.length, stored, at, (int) crc.getValue()));
                at += stored;
            }
        } finally {
            deflater.end();
        }
        ByteBuffer head = ByteBuffer.wrap(out, 0, base);
        head.putInt(MAGIC).putShort((short) 1).putShort((short) 0).putInt(chunk).putInt(count).putInt(blockSize);
        for (Entry e : entries)
            head.putInt(e.block()).putInt(e.rawLength()).putInt(e.storedLength()).putLong(e.offset()).putInt(e.crc());
        CRC32C crc = new CRC32C();
        crc.update(out, 0, head.position());
        head.putInt((int) crc.getValue());
        byte[] pack = at == out.length ? out : java.util.Arrays.copyOf(out, at);
        return new Encoded(idOf(pack), pack, new Index(chunk, blockSize, List.copyOf(entries)));
    }

    /**
     * Whether to deflate a block, from a 4 KiB sample: bytes spread almost evenly over all 256
     * values (already compressed or encrypted data) are stored raw without trying — a
     * histogram costs a fraction of a deflate, which dominated encoding such data — and
     * otherwise the sample is deflated and must shrink by an eighth.
     */
    private static boolean worthDeflating(Deflater deflater, byte[] raw, byte[] scratch, int[] counts) {
        int sample = Math.min(raw.length, 4096);
        if (bitsPerByte(raw, sample, counts) > INCOMPRESSIBLE_BITS_PER_BYTE) return false;
        deflater.reset();
        deflater.setInput(raw, 0, sample);
        deflater.finish();
        int n = deflater.deflate(scratch);
        return deflater.finished() && n < sample * 7 / 8;
    }

    /** Above this order-0 entropy (of 8) a sample is taken as incompressible; uniformly random bytes measure 7.95 in 4 KiB. */
    static final double INCOMPRESSIBLE_BITS_PER_BYTE = 7.5;

    /** The order-0 (byte histogram) entropy of {@code raw[0, n)}, in bits per byte. */
    static double bitsPerByte(byte[] raw, int n, int[] counts) {
        java.util.Arrays.fill(counts, 0);
        for (int i = 0; i < n; i++) counts[raw[i] & 0xff]++;
        double bits = 0;
        for (int c : counts) {
            if (c == 0) continue;
            double p = c / (double) n;
            bits -= p * Math.log(p);
        }
        return bits / Math.log(2);
    }

    static PackId idOf(byte[] pack) {
        try {
            ByteBuffer d = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(pack));
            return new PackId(d.getLong(), d.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final byte[] ZEROS = new byte[1 << 16];

    /** Whether every byte is 0 (compared a vector at a time against a zero array). */
    static boolean isZero(byte[] b) {
        for (int at = 0; at < b.length; at += ZEROS.length) {
            int n = Math.min(ZEROS.length, b.length - at);
            if (java.util.Arrays.mismatch(b, at, at + n, ZEROS, 0, n) >= 0) return false;
        }
        return true;
    }

    /** Decodes the index from the first bytes of a pack. Corrupt on any inconsistency. */
    public static Index decodeIndex(byte[] prefix, String what) {
        try {
            ByteBuffer b = ByteBuffer.wrap(prefix);
            if (b.getInt() != MAGIC) throw corrupt(what, "bad magic");
            if (b.getShort() != 1) throw corrupt(what, "unsupported version");
            b.getShort();
            int chunk = b.getInt();
            int count = b.getInt();
            int blockSize = b.getInt();
            if (count < 0 || (long) count * ENTRY + 4 > b.remaining()) throw corrupt(what, "index past the bytes read");
            if (blockSize < 4096 || Integer.bitCount(blockSize) != 1) throw corrupt(what, "bad block size");
            List<Entry> entries = new ArrayList<>(count);
            int previous = -1;
            for (int i = 0; i < count; i++) {
                Entry e = new Entry(b.getInt(), b.getInt(), b.getInt(), b.getLong(), b.getInt());
                if (e.block() <= previous || e.rawLength() < 0 || e.rawLength() > blockSize || e.storedLength() < 0
                        || e.storedLength() > blockSize + blockSize / 8 + 64 || e.offset() < 0)
                    throw corrupt(what, "bad entry " + i);
                previous = e.block();
                entries.add(e);
            }
            int end = b.position();
            CRC32C crc = new CRC32C();
            crc.update(prefix, 0, end);
            if (b.getInt() != (int) crc.getValue()) throw corrupt(what, "index checksum mismatch");
            return new Index(chunk, blockSize, List.copyOf(entries));
        } catch (BufferUnderflowException e) {
            throw corrupt(what, "truncated");
        }
    }

    /** Restores one block from its stored bytes, verifying its checksum. */
    public static byte[] decodeBlock(Entry e, byte[] stored, int storedOffset, String what) {
        int needed = e.isDeflated() ? e.storedLength() : e.rawLength();
        if (storedOffset < 0 || needed < 0 || (long) storedOffset + needed > stored.length)
            throw corrupt(what, "block " + e.block() + " lies past the " + stored.length + " bytes read (a truncated pack?)");
        byte[] raw = new byte[e.rawLength()];
        if (!e.isDeflated()) {
            System.arraycopy(stored, storedOffset, raw, 0, e.rawLength());
        } else {
            Inflater inflater = new Inflater(true);
            try {
                inflater.setInput(stored, storedOffset, e.storedLength());
                int n = inflater.inflate(raw);
                if (n != raw.length) throw corrupt(what, "block " + e.block() + " inflates to " + n + " bytes");
            } catch (DataFormatException x) {
                throw corrupt(what, "block " + e.block() + " does not inflate");
            } finally {
                inflater.end();
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(raw);
        if ((int) crc.getValue() != e.crc()) throw corrupt(what, "block " + e.block() + " checksum mismatch");
        return raw;
    }

    private static VolumeException.Corrupt corrupt(String what, String why) {
        return new VolumeException.Corrupt("pack " + what + " is corrupt: " + why, null);
    }
}
