package dev.strata.volume;

/** {@code owners/{name}/{epoch}}: a grant to {@code node}, or a revocation when node is null. */
record EpochRecord(int formatVersion, long epoch, String node, String revokedNode, String created) {}
