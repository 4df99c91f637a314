package dev.strata.cli;

import dev.strata.agent.AgentLiveCut;
import dev.strata.agent.AgentToken;
import dev.strata.agent.TokenFile;
import dev.strata.volume.FromRef;
import dev.strata.volume.Owner;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The admin verbs' cut of an attached volume (snapshots create, volumes create --from
 * volume:, bless --from volume:): through its holder's node agent, exactly as the controller
 * does — never a stale manifest. A holder that cannot be reached is an error naming it;
 * {@code --committed} takes the newest committed generation instead, and says so.
 */
final class HolderCuts {
    @Mixin NodeOptions.Token token;

    @Option(names = "--committed", description = {"For a volume a node holds: take its newest committed generation instead of",
            "asking the node to cut it (writes it acknowledged since are not included)."})
    boolean committed;

    /** What a cut gave: the pool-relative manifest key (null: the newest committed generation) and, for people, what it holds. */
    record Cut(String key, String note) {}

    static final Cut NOT_HELD = new Cut(null, null);

    /** The cut for a fork, snapshot or image of {@code source} (nothing to do unless it is a held volume). */
    Cut of(Registry registry, StoreOptions store, FromRef source) {
        if (!(source instanceof FromRef.Volume v)) return NOT_HELD;
        Optional<VolumeRecord> record = registry.find(v.volume());
        if (record.isEmpty() || record.get().owner() == null) return NOT_HELD;
        Owner owner = record.get().owner();
        if (committed) {
            Registry.GenerationRef newest = registry.newestGenerationRef(record.get());
            return new Cut(null, "the newest committed generation (" + newest.number() + ") of " + v.volume() + ", held by node "
                    + owner.node() + ": writes it acknowledged since are not in it");
        }
        if (cannotHoldDevices(registry, owner)) return NOT_HELD;
        try (AgentLiveCut agent = new AgentLiveCut(tokenFor(store), token.agentTlsCa == null ? null : token.agentTlsCa.toFile(),
                AgentLiveCut.Local.NONE)) {
            String key = agent.cut(record.get());
            return key == null ? NOT_HELD : new Cut(key, "cut on node " + owner.node() + ", which holds " + v.volume());
        } catch (VolumeException.Unavailable e) {
            throw new VolumeException.Unavailable(e.getMessage() + "; refusing a stale copy of " + v.volume()
                    + " (pass --committed to take its newest committed generation anyway)", e);
        }
    }

    /**
     * A node registered without a node service (serve on a host without ublk: no agent, no
     * devices) attaches nothing: its committed manifest is current.
     */
    private static boolean cannotHoldDevices(Registry registry, Owner owner) {
        if (owner.agent() != null) return false;
        return registry.findNode(new dev.strata.volume.NodeId(owner.node()))
                .map(n -> n.agent() == null && n.maxVolumes() == 0).orElse(false);
    }

    /** --agent-token-file, else the token a `strata serve` on the same state dir made. */
    private Supplier<AgentToken> tokenFor(StoreOptions store) {
        Supplier<AgentToken> configured = token.token(null);
        if (configured != null) return configured;
        Path made = store.stateDir().resolve("agent-token");
        return Files.exists(made) ? new TokenFile(made) : null;
    }
}
