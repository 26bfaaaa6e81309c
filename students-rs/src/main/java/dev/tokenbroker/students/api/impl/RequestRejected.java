package dev.tokenbroker.students.api.impl;

/** A request refused by a validation step, with a fixed, safe description; no stack trace. */
public final class RequestRejected extends RuntimeException {

  private final int status;

  public RequestRejected(int status, String description) {
    super(description, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
