package io.vodpack.core.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.smallrye.mutiny.Uni;

/**
 * Inputs and published streams as files under the storage root ({@code inputs/}, {@code packaged/}): a validated
 * input is fsynced and renamed into place, an attempt's output folder is fsynced and renamed atomically. Several
 * replicas need one shared volume. Published files are served by the static file route.
 */
public class FilesystemContentStore implements ContentStore {

    private final ContentStorage folders;

    public FilesystemContentStore(ContentStorage folders) {
        this.folders = folders;
    }

    @Override
    public boolean inputsAreLocal() {
        return true;
    }

    @Override
    public Optional<Path> publishedRoot() {
        return Optional.of(folders.packagedDir());
    }

    @Override
    public void keepInput(Path file, String name) throws IOException {
        // the bytes, the rename, the folder entry: a 201 must survive a crash
        Path stored = folders.inputFile(name);
        FileSync.file(file);
        Files.move(file, stored, StandardCopyOption.ATOMIC_MOVE);
        FileSync.folder(stored.getParent());
    }

    @Override
    public void inputRecorded(Path file, String name) {
        // the file was moved into place by keepInput
    }

    @Override
    public void inputNotRecorded(Path file, String name) throws IOException {
        Files.move(folders.inputFile(name), file, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public Optional<Long> inputSize(String name) throws IOException {
        Path input = folders.inputFile(name);
        return Files.isRegularFile(input) ? Optional.of(Files.size(input)) : Optional.empty();
    }

    @Override
    public Path localInput(String name, Path scratch) {
        return folders.inputFile(name);
    }

    @Override
    public void deleteInput(String name) throws IOException {
        Files.deleteIfExists(folders.inputFile(name));
    }

    @Override
    public List<String> inputsOlderThan(Instant cutoff) throws IOException {
        return namesOlderThan(folders.inputsDir(), cutoff);
    }

    @Override
    public void publish(Path out, String folder) throws IOException {
        Path published = folders.publishedFolder(folder);
        FileSync.tree(out);
        Files.move(out, published, StandardCopyOption.ATOMIC_MOVE);
        FileSync.folder(published.getParent());
        // The sweeper spares published folders younger than a lease: this one is about to become live.
        Files.setLastModifiedTime(published, FileTime.fromMillis(System.currentTimeMillis()));
    }

    @Override
    public void deletePublished(String folder) {
        ContentStorage.deleteRecursively(folders.publishedFolder(folder));
    }

    @Override
    public List<String> publishedOlderThan(Instant cutoff) throws IOException {
        return namesOlderThan(folders.packagedDir(), cutoff);
    }

    @Override
    public void keepRendition(long ladderId, String name, Path file) throws IOException {
        Path target = folders.renditionsFolder(ladderId).resolve(name + ".mp4");
        Files.createDirectories(target.getParent());
        Files.move(file, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        FileSync.folder(target.getParent());
    }

    @Override
    public Optional<Path> localRendition(long ladderId, String name, Path scratch) {
        Path file = folders.renditionsFolder(ladderId).resolve(name + ".mp4");
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    @Override
    public void deleteRenditions(long ladderId) {
        ContentStorage.deleteRecursively(folders.renditionsFolder(ladderId));
    }

    @Override
    public List<Long> renditionLaddersOlderThan(Instant cutoff) throws IOException {
        return namesOlderThan(folders.renditionsDir(), cutoff).stream().filter(n -> n.matches("[0-9]{1,18}"))
                .map(Long::valueOf).toList();
    }

    @Override
    public Uni<Optional<StoredObject>> stat(String folder, String relative) {
        throw new UnsupportedOperationException("published files are served by the static file route");
    }

    @Override
    public Uni<ObjectRead> read(String folder, String relative, ObjectRequest request) {
        throw new UnsupportedOperationException("published files are served by the static file route");
    }

    @Override
    public Uni<Optional<StoredObject>> copyPublished(String folder, String relative, Path target) {
        throw new UnsupportedOperationException("published files are served by the static file route");
    }

    @Override
    public String presign(String folder, String relative) {
        throw new UnsupportedOperationException("published files are served by the static file route");
    }

    @Override
    public Uni<Void> probe() {
        return Uni.createFrom().voidItem();
    }

    private static List<String> namesOlderThan(Path dir, Instant cutoff) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> modifiedBefore(p, cutoff)).map(p -> p.getFileName().toString()).toList();
        }
    }

    private static boolean modifiedBefore(Path path, Instant cutoff) {
        try {
            return Files.getLastModifiedTime(path).toInstant().isBefore(cutoff);
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
