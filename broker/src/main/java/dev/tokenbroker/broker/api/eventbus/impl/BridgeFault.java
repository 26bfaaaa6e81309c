package dev.tokenbroker.broker.api.eventbus.impl;

/**
 * Why the bridge refused a frame or a connection: the code sent to the client, the {@code reason}
 * tag of {@code token_broker_rejected_requests_total}, and whether the connection is closed.
 * Created without a stack trace: it is an answer to input, not a bug.
 */
public final class BridgeFault extends RuntimeException {

  /** What went wrong, by what the client is told and what is counted. */
  public enum Kind {
    FRAME_TOO_LARGE("frame_too_large", "bridge_frame_too_large", true),
    INVALID_LENGTH("invalid_length", Kind.MALFORMED, true),
    INVALID_JSON("invalid_json", Kind.MALFORMED, true),
    MISSING_TYPE("missing_type", Kind.MALFORMED, true),
    UNKNOWN_TYPE("unknown_type", Kind.MALFORMED, true),
    MISSING_ADDRESS("missing_address", Kind.MALFORMED, true),
    INVALID_REPLY_ADDRESS("invalid_reply_address", Kind.MALFORMED, true),
    INVALID_HEADERS("invalid_headers", Kind.MALFORMED, true),
    INVALID_BODY("invalid_body", Kind.MALFORMED, true),
    TOO_MANY_CONNECTIONS("too_many_connections", "bridge_too_many_connections", true),
    IDLE_TIMEOUT("idle_timeout", "bridge_idle_timeout", true),
    INTERNAL_ERROR("internal_error", "bridge_internal_error", true),
    /** Vert.x's bridge answers exactly {@code "access_denied"}; kept for its clients. */
    ACCESS_DENIED("access_denied", "bridge_access_denied", false),
    /** Vert.x's bridge answers exactly {@code "unknown_address"}; kept for its clients. */
    UNKNOWN_ADDRESS("unknown_address", "bridge_unknown_address", false),
    TOO_MANY_OUTSTANDING("too_many_outstanding", "bridge_too_many_outstanding", false);

    private static final String MALFORMED = "bridge_malformed_frame";

    private final String code;
    private final String reason;
    private final boolean closes;

    Kind(String code, String reason, boolean closes) {
      this.code = code;
      this.reason = reason;
      this.closes = closes;
    }

    /** What the error frame's {@code message} starts with. */
    public String code() {
      return code;
    }

    /** The metric's {@code reason} tag. */
    public String reason() {
      return reason;
    }

    /** Whether the connection is closed after the error frame. */
    public boolean closes() {
      return closes;
    }
  }

  private final Kind kind;

  public BridgeFault(Kind kind, String explanation) {
    super(explanation, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * The error frame's {@code message}: {@code "code: explanation"}, or the bare code for the
   * refusals Vert.x's bridge already sends.
   */
  public String wireMessage() {
    return kind == Kind.ACCESS_DENIED || kind == Kind.UNKNOWN_ADDRESS
        ? kind.code
        : kind.code + ": " + getMessage();
  }
}
