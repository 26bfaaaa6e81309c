package dev.tokenbroker.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory laid out the way the kubelet lays out a mounted Secret: the data lives in a hidden
 * {@code ..<generation>} directory, {@code ..data} is a symlink to the current one, and the visible
 * {@code FILE} is a symlink to {@code ..data/FILE}. {@link #swap} publishes new content the way the
 * kubelet's atomic writer does: a new generation directory, a {@code ..data_tmp} symlink to it
 * renamed over {@code ..data} in one step, then the old generation removed. A reader that follows
 * {@code FILE} sees either the old or the new content, never a mix; the file's own path and its
 * symlink never change.
 */
final class SecretVolume {

  private final Path dir;
  private final String fileName;
  private int generation;

  private SecretVolume(Path dir, String fileName) {
    this.dir = dir;
    this.fileName = fileName;
  }

  /**
   * Creates {@code dir} with {@code fileName} holding {@code content} (mode 600); a {@code dir}
   * left by an earlier run is removed first.
   */
  static SecretVolume create(Path dir, String fileName, String content) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      deleteTree(dir);
    }
    Files.createDirectories(dir);
    SecretVolume volume = new SecretVolume(dir, fileName);
    volume.swap(content);
    Files.createSymbolicLink(dir.resolve(fileName), Path.of("..data", fileName));
    return volume;
  }

  /** The path to configure: {@code dir/FILE}, a symlink through {@code ..data}. */
  Path file() {
    return dir.resolve(fileName);
  }

  /** Publishes {@code content} atomically (see the class comment). */
  void swap(String content) throws IOException {
    Path previous = generation == 0 ? null : dir.resolve(generationName(generation));
    generation++;
    Path next = Files.createDirectory(dir.resolve(generationName(generation)));
    Path data = next.resolve(fileName);
    Files.writeString(data, content, StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rw-------"));
    Path tmp = dir.resolve("..data_tmp");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, next.getFileName());
    Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    if (previous != null) {
      deleteTree(previous);
    }
  }

  /** Deletes {@code root} and everything below it, without following symlinks. */
  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> tree = Files.walk(root)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String generationName(int generation) {
    return String.format("..2026_01_01_00_00_%02d.%09d", generation, generation);
  }
}
