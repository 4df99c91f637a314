package dev.strata.volume;

/**
 * {@code owners/{name}/{epoch}}: one ownership transition of a volume, taken by conditional
 * create. {@code kind} is {@code grant} (to {@code node}), {@code revoke} (of
 * {@code revokedNode}) or {@code delete}; {@code uid} names the incarnation of the volume it
 * belongs to (null in records written before transitions carried it).
 */
record EpochRecord(int formatVersion, long epoch, String node, String revokedNode, String created, String uid, String kind) {
    static final int FORMAT = 2;

    static EpochRecord grant(String uid, String node, String created) {
        return new EpochRecord(FORMAT, 0, node, null, created, uid, "grant");
    }

    static EpochRecord revoke(String uid, String revokedNode, String created) {
        return new EpochRecord(FORMAT, 0, null, revokedNode, created, uid, "revoke");
    }

    static EpochRecord delete(String uid, String created) {
        return new EpochRecord(FORMAT, 0, null, null, created, uid, "delete");
    }

    EpochRecord at(long number) {
        return new EpochRecord(formatVersion, number, node, revokedNode, created, uid, kind);
    }
}
