package io.vodpack.core.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;

/**
 * Folder layout under the storage root. Names are always chosen by the server:
 * {@code incoming/} partial uploads, {@code inputs/} validated uploads,
 * {@code resumable/} resumable uploads in progress, {@code staging/} packaging in progress,
 * {@code packaged/} published streams, {@code segment-cache/} segments kept near when streams are objects.
 */
@ApplicationScoped
public class ContentStorage {

    private final Path root;
    private final Path incoming;
    private final Path inputs;
    private final Path staging;
    private final Path packaged;
    private final Path resumable;
    private final Path renditions;
    private final Path segmentCache;

    public ContentStorage(VodpackConfig config) {
        this.root = config.storage().root().toAbsolutePath().normalize();
        this.incoming = root.resolve("incoming");
        this.inputs = root.resolve("inputs");
        this.staging = root.resolve("staging");
        this.packaged = root.resolve("packaged");
        this.resumable = root.resolve("resumable");
        this.renditions = root.resolve("renditions");
        this.segmentCache = root.resolve("segment-cache");
        try {
            for (Path dir : new Path[] { incoming, inputs, staging, packaged, resumable, renditions }) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create storage folders under " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** Published segments a replica keeps near (storage kind s3); its own, emptied at start. */
    public Path segmentCacheDir() {
        return segmentCache;
    }

    public Path incomingDir() {
        return incoming;
    }

    public Path inputsDir() {
        return inputs;
    }

    public Path stagingDir() {
        return staging;
    }

    public Path packagedDir() {
        return packaged;
    }

    public Path resumableDir() {
        return resumable;
    }

    public Path renditionsDir() {
        return renditions;
    }

    /**
     * The transcoded renditions of one ladder ({@code <name>.mp4}), kept until its packaging job ends; named by the
     * packaging job's id.
     */
    public Path renditionsFolder(long packagingJobId) {
        return renditions.resolve(Long.toString(packagingJobId));
    }

    /** The partial file of a resumable upload; kept until the upload completes or expires. */
    public Path resumableFile(String uploadId) {
        return resumable.resolve(uploadId + ".part");
    }

    /** A fresh server-chosen name for a partial upload. */
    public Path newIncomingFile() {
        return incoming.resolve(UUID.randomUUID() + ".part");
    }

    /** Where a validated input with the given server-chosen name lives. */
    public Path inputFile(String storageName) {
        return inputs.resolve(storageName);
    }

    /** A packaging attempt's staging folder; {@code name} is chosen by the server ({@code <job>-<attempt>-<token>}). */
    public Path stagingFolder(String name) {
        return staging.resolve(name);
    }

    /** A published stream's folder; {@code name} is the one recorded in its job's row. */
    public Path publishedFolder(String name) {
        return packaged.resolve(name);
    }

    /** Bytes free for new uploads on the volume that holds the storage root. */
    public long usableSpace() {
        try {
            return Files.getFileStore(root).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a file or a folder tree; missing paths are fine. Blocking. */
    public static void deleteRecursively(Path path) {
        try {
            if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + path, e);
        }
    }
}
