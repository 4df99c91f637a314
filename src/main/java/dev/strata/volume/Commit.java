package dev.strata.volume;

import java.util.List;

/**
 * What the committer publishes: the newest generation it committed (or found at attach) and
 * the manifest chain reads go through, newest first. Immutable; replaced whole on each commit.
 */
record Commit(Registry.GenerationRef generation, List<Manifest> chain) {
    Commit {
        chain = List.copyOf(chain);
    }
}
