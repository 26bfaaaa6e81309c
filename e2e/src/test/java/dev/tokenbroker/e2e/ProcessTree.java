package dev.tokenbroker.e2e;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Stops a child process and everything it started, politely first, then forcibly. */
final class ProcessTree {

  private ProcessTree() {}

  /**
   * Sends SIGTERM to the process and its descendants, waits up to {@code grace} for the process to
   * exit, then kills whatever of the tree is still alive. The descendants are listed before the
   * parent is signalled: once it is gone they are re-parented and no longer found.
   */
  static void stop(Process process, Duration grace) {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  /**
   * Kills the tree when the test JVM exits without having stopped it (a timeout, Ctrl-C), so no
   * Keycloak or child JVM outlives the build. Returns the hook so a clean stop can remove it.
   */
  static Thread killOnJvmExit(Process process) {
    Thread hook =
        new Thread(
            () -> {
              process.descendants().forEach(ProcessHandle::destroyForcibly);
              process.destroyForcibly();
            },
            "kill-" + process.pid());
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  static void forgetJvmExitHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or about to; nothing left to undo
    }
  }
}
