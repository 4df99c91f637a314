package dev.strata.volume;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Images: named, immutable manifests blessed from a snapshot or a volume. */
public final class Images {
    private static final Logger log = LoggerFactory.getLogger(Images.class);

    private final Bucket bucket;
    private final Sources sources;
    private final Clock clock;

    Images(Bucket bucket, Sources sources, Clock clock) {
        this.bucket = bucket;
        this.sources = sources;
        this.clock = clock;
    }

    /**
     * Blesses {@code source} (a snapshot or a volume) as image {@code name}, in O(1).
     * Idempotent: the same name from the same source returns the image; from another
     * source → AlreadyExists. A missing source → NotFound.
     */
    public ImageRecord bless(ImageName name, FromRef source) {
        return bless(name, source, null);
    }

    /**
     * As {@link #bless(ImageName, FromRef)}; for a {@code volume:} source, {@code cutKey} (when
     * not null) is the pool-relative manifest its holder cut for this image.
     */
    public ImageRecord bless(ImageName name, FromRef source, String cutKey) {
        if (source instanceof FromRef.Blank)
            throw new VolumeException.InvalidArgument("bless needs a source: snapshot:ID, volume:NAME or image:NAME");
        Optional<ImageRecord> existing = find(name);
        if (existing.isPresent()) return checkSameSource(existing.get(), source);
        ResolvedSource resolved = cutKey == null ? sources.resolveSource(source) : sources.resolveCut(source, cutKey);
        String manifestKey = Layout.imageManifest(name, PoolId.randomHex());
        Manifest image = Manifest.over(resolved.manifest(), resolved.manifestKey(), resolved.sizeBytes(), 0);
        bucket.create(Layout.inPool(resolved.pool(), manifestKey), ManifestCodec.encode(image));
        ImageRecord record = new ImageRecord(ImageRecord.FORMAT, name.value(), resolved.pool().value(), manifestKey,
                image.sizeBytes(), source.canonical(), clock.instant().toString());
        if (!bucket.createJson(Layout.imageIndex(name), record)) return checkSameSource(resolve(name), source);
        log.atInfo().setMessage("image blessed").addKeyValue("image", name.value())
                .addKeyValue("source", source.canonical()).log();
        return record;
    }

    private static ImageRecord checkSameSource(ImageRecord existing, FromRef source) {
        if (!Objects.equals(existing.source(), source.canonical()))
            throw new VolumeException.AlreadyExists("image " + existing.name() + " already exists, blessed from "
                    + existing.source());
        return existing;
    }

    public ImageRecord resolve(ImageName name) {
        return resolve(bucket, name);
    }

    public Optional<ImageRecord> find(ImageName name) {
        return find(bucket, name);
    }

    static ImageRecord resolve(Bucket bucket, ImageName name) {
        return find(bucket, name).orElseThrow(() -> new VolumeException.NotFound("image " + name + " does not exist"));
    }

    static Optional<ImageRecord> find(Bucket bucket, ImageName name) {
        return bucket.readJson(Layout.imageIndex(name), ImageRecord.class).map(Bucket.Versioned::value);
    }

    /** Deletes the image's index entry; idempotent. Its manifest is left to GC. */
    public void delete(ImageName name) {
        bucket.delete(Layout.imageIndex(name));
    }

    /** One page of images in natural name order, after {@code startAfter} (null: from the first). */
    public Page<ImageRecord> list(ImageName startAfter, int max) {
        return NaturalOrder.page(bucket, Layout.IMAGE_INDEX, Layout::imageOfIndex,
                java.util.Comparator.comparing(ImageName::value, NaturalOrder.NAMES), startAfter, max, this::find, ImageName::value);
    }
}
