package dev.tokenbroker.broker.api.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The file of a Unix domain socket listener: a stale one is replaced before binding, anything else
 * at that path is refused, the mode is set after binding and the file removed at stop. All
 * blocking: call from a worker thread.
 */
public final class UnixSocketFile {

  private static final Logger LOG = Logger.getLogger(UnixSocketFile.class.getName());
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private UnixSocketFile() {}

  /**
   * Makes {@code path} free to bind: nothing there, or a socket nobody listens on (left by a killed
   * broker), which is deleted.
   *
   * @throws IOException when the folder is missing, the path is not a socket, or a process still
   *     listens on it
   */
  public static void prepare(Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException("the folder of " + path + " does not exist");
    }
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!isSocket(path)) {
      throw new IOException(path + " exists and is not a socket; refusing to replace it");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new IOException(path + " is in use: another process listens on it");
    } catch (ConnectException stale) {
      Files.delete(path);
      LOG.info("replaced the stale socket file " + path);
    }
  }

  /** Sets the file mode (the socket is created under the process umask). */
  public static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
    Files.setPosixFilePermissions(path, mode);
  }

  /** Removes the socket file, if it still is one. */
  public static void remove(Path path) throws IOException {
    try {
      if (isSocket(path)) {
        Files.delete(path);
      }
    } catch (NoSuchFileException gone) {
      // closed by the transport already
    }
  }

  static boolean isSocket(Path path) throws IOException {
    Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
  }
}
