package dev.strata.volume;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Binary form of a {@link Manifest}, big-endian:
 * <pre>
 *   "STRM"  u16 version(1)  u16 flags(0)  u32 blockSize  u32 chunkSize
 *   u64 sizeBytes  u64 generation  u64 epoch
 *   u16 baseLength  base (ASCII, pool-relative key; length 0 = none)
 *   u32 entryCount, then per entry (chunk index strictly increasing):
 *     u32 chunkIndex  u16 packCount(≥1)  packCount × 16-byte pack id
 *   u32 CRC32C of every byte before it
 * </pre>
 * Decoding checks every length against the bytes present before allocating, so a corrupt or
 * hostile object ends in {@link VolumeException.Corrupt}, never a crash or a huge allocation.
 */
public final class ManifestCodec {
    static final int MAGIC = 0x5354524d; // "STRM"
    static final short VERSION = 1;
    static final int HEADER_BYTES = 4 + 2 + 2 + 4 + 4 + 8 + 8 + 8;
    static final int ENTRY_FIXED_BYTES = 4 + 2;

    private ManifestCodec() {}

    public static byte[] encode(Manifest m) {
        byte[] base = m.base() == null ? new byte[0] : m.base().getBytes(StandardCharsets.US_ASCII);
        int size = HEADER_BYTES + 2 + base.length + 4 + 4;
        for (List<PackId> packs : m.chunks().values()) size += ENTRY_FIXED_BYTES + packs.size() * PackId.BYTES;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(m.blockSize()).putInt(m.chunkSize());
        b.putLong(m.sizeBytes()).putLong(m.generation()).putLong(m.epoch());
        b.putShort((short) base.length).put(base);
        b.putInt(m.chunks().size());
        m.chunks().forEach((chunk, packs) -> {
            if (packs.size() > 0xffff) throw new IllegalArgumentException("too many packs in chunk " + chunk);
            b.putInt(chunk).putShort((short) packs.size());
            for (PackId p : packs) b.putLong(p.hi()).putLong(p.lo());
        });
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    public static Manifest decode(byte[] data, String what) {
        try {
            return decodeChecked(data, what);
        } catch (BufferUnderflowException | VolumeException.InvalidArgument e) {
            throw new VolumeException.Corrupt("manifest " + what + " is malformed: " + e.getMessage(), e);
        }
    }

    private static Manifest decodeChecked(byte[] data, String what) {
        if (data.length < HEADER_BYTES + 2 + 4 + 4) throw corrupt(what, "too short (" + data.length + " bytes)");
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.getInt(data.length - 4) != (int) crc.getValue()) throw corrupt(what, "checksum mismatch");
        b.limit(data.length - 4);
        ManifestHeader h = readHeader(b, what);
        long entries = Integer.toUnsignedLong(b.getInt());
        if (entries * ENTRY_FIXED_BYTES > b.remaining()) throw corrupt(what, "entry count past the end");
        TreeMap<Integer, List<PackId>> chunks = new TreeMap<>();
        long previous = -1;
        for (long i = 0; i < entries; i++) {
            long chunk = Integer.toUnsignedLong(b.getInt());
            if (chunk <= previous || chunk > Integer.MAX_VALUE) throw corrupt(what, "chunk indexes not increasing");
            previous = chunk;
            int count = Short.toUnsignedInt(b.getShort());
            if (count == 0 || (long) count * PackId.BYTES > b.remaining()) throw corrupt(what, "bad pack count in chunk " + chunk);
            List<PackId> packs = new ArrayList<>(count);
            for (int p = 0; p < count; p++) packs.add(new PackId(b.getLong(), b.getLong()));
            chunks.put((int) chunk, packs);
        }
        if (b.hasRemaining()) throw corrupt(what, b.remaining() + " trailing bytes");
        return new Manifest(h.blockSize(), h.chunkSize(), h.sizeBytes(), h.generation(), h.epoch(), h.base(), chunks);
    }

    /** Reads the fixed fields and the base key at the buffer's position. */
    private static ManifestHeader readHeader(ByteBuffer b, String what) {
        if (b.getInt() != MAGIC) throw corrupt(what, "bad magic");
        short version = b.getShort();
        if (version != VERSION) throw corrupt(what, "unsupported version " + version);
        b.getShort();
        int blockSize = b.getInt();
        int chunkSize = b.getInt();
        long sizeBytes = b.getLong();
        long generation = b.getLong();
        long epoch = b.getLong();
        int baseLength = Short.toUnsignedInt(b.getShort());
        if (baseLength > b.remaining()) throw corrupt(what, "base length past the end");
        byte[] baseBytes = new byte[baseLength];
        b.get(baseBytes);
        String base = baseLength == 0 ? null : ManifestKeys.checkPoolRelative(new String(baseBytes, StandardCharsets.US_ASCII));
        Manifest check = new Manifest(blockSize, chunkSize, sizeBytes, generation, epoch, base, new TreeMap<>());
        return check.header();
    }

    /**
     * Decodes only the header from the first bytes of a manifest (no checksum: that needs
     * the whole object; a node attaching the volume reads and checks it in full).
     */
    public static ManifestHeader decodeHeader(byte[] prefix, String what) {
        try {
            return readHeader(ByteBuffer.wrap(prefix), what);
        } catch (BufferUnderflowException | VolumeException.InvalidArgument e) {
            throw new VolumeException.Corrupt("manifest " + what + " has a malformed header: " + e.getMessage(), e);
        }
    }

    private static VolumeException.Corrupt corrupt(String what, String why) {
        return new VolumeException.Corrupt("manifest " + what + " is corrupt: " + why, null);
    }
}
