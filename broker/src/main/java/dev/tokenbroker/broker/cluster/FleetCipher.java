package dev.tokenbroker.broker.cluster;

import dev.tokenbroker.broker.config.ClusterOptions;
import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Everything the fleet derives from {@code cluster.secretFile}: the AES-256-GCM key that seals
 * every token put into Hazelcast or onto the event bus, the key ids (an HMAC of the cache key, so
 * no audience or scope is readable on the cluster network either), and the Hazelcast cluster name
 * (a process with another secret forms a cluster of its own). The three keys are derived with
 * HKDF-SHA256 (RFC 5869) under distinct labels, so none reveals another.
 *
 * <p>A sealed value is {@code base64(nonce(12) || ciphertext || tag(16))} with a random 96-bit
 * nonce and the key id as additional authenticated data: a ciphertext moved to another key's entry
 * fails to open. {@link #toString()} prints nothing of the keys.
 */
public final class FleetCipher {

  private static final byte[] SALT = "token-broker fleet v1".getBytes(StandardCharsets.US_ASCII);
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec aes;
  private final SecretKeySpec ids;
  private final String clusterName;
  private final SecureRandom random = new SecureRandom();

  private FleetCipher(byte[] secret) {
    byte[] prk = hmac(SALT, secret);
    this.aes = new SecretKeySpec(expand(prk, "token encryption (AES-256-GCM)"), "AES");
    this.ids = new SecretKeySpec(expand(prk, "key ids (HMAC-SHA256)"), "HmacSHA256");
    this.clusterName =
        "token-broker-"
            + HexFormat.of().formatHex(Arrays.copyOf(expand(prk, "hazelcast cluster name"), 12));
    Arrays.fill(prk, (byte) 0);
  }

  /**
   * @throws IllegalArgumentException when shorter than {@value ClusterOptions#MIN_SECRET_BYTES}
   *     bytes (the message never holds the secret)
   */
  public static FleetCipher fromSecret(byte[] secret) {
    if (secret.length < ClusterOptions.MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "the cluster secret has "
              + secret.length
              + " bytes; at least "
              + ClusterOptions.MIN_SECRET_BYTES
              + " are required");
    }
    return new FleetCipher(secret);
  }

  /** The secret file's content, surrounding white space (a trailing newline) stripped. */
  public static FleetCipher fromFile(Path file) throws IOException {
    byte[] content = Files.readAllBytes(file);
    byte[] secret =
        new String(content, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
    Arrays.fill(content, (byte) 0);
    try {
      return fromSecret(secret);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /** The Hazelcast cluster name: the same for every holder of the secret, and only for them. */
  public String clusterName() {
    return clusterName;
  }

  /** The id of {@code key} in the cluster's maps and messages: 128 bits of an HMAC, base64url. */
  public String keyId(TokenKey key) {
    String canonical = key.client() + '\n' + key.audience() + '\n' + key.scope();
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(ids);
      byte[] h = mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(h, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Seals {@code plaintext} for the entry {@code keyId}. */
  public String seal(String keyId, byte[] plaintext) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plaintext);
      byte[] out = new byte[NONCE_BYTES + ct.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM unavailable", e);
    }
  }

  /**
   * Opens a value sealed for {@code keyId}.
   *
   * @throws Refused when it was sealed with another secret, for another key id, or altered
   */
  public byte[] open(String keyId, String box) {
    byte[] in;
    try {
      in = Base64.getDecoder().decode(box);
    } catch (IllegalArgumentException e) {
      throw new Refused("not base64");
    }
    if (in.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new Refused("too short");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      c.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new Refused("authentication failed (another secret, another key id, or altered)");
    }
  }

  /** A token response for {@code key}, sealed under {@link #keyId}. */
  public String sealToken(TokenKey key, TokenResponse r) {
    JsonObject json =
        new JsonObject()
            .put("client", key.client())
            .put("audience", key.audience())
            .put("scopes", new JsonArray(key.scopes()))
            .put("access_token", r.accessToken())
            .put("token_type", r.tokenType())
            .put("scope", r.scope())
            .put("obtained_at", r.requestedAtMillis())
            .put("expires_at", r.expiresAtMillis());
    return seal(keyId(key), json.toBuffer().getBytes());
  }

  /** A sealed token and the key it was sealed for. */
  public record Opened(TokenKey key, TokenResponse response) {
    @Override
    public String toString() {
      return "Opened{" + key + "}";
    }
  }

  /**
   * Opens a token sealed under {@code keyId} and checks that the key inside has that id.
   *
   * @throws Refused as {@link #open}, or when the content does not match the id
   */
  public Opened openToken(String keyId, String box) {
    byte[] plain = open(keyId, box);
    try {
      JsonObject json = new JsonObject(io.vertx.core.buffer.Buffer.buffer(plain));
      List<String> scopes = new ArrayList<>();
      json.getJsonArray("scopes").forEach(s -> scopes.add((String) s));
      TokenKey key = TokenKey.of(json.getString("client"), json.getString("audience"), scopes);
      if (!keyId(key).equals(keyId)) {
        throw new Refused("the content belongs to another key");
      }
      return new Opened(
          key,
          new TokenResponse(
              json.getString("access_token"),
              json.getString("token_type"),
              json.getString("scope"),
              json.getLong("obtained_at"),
              json.getLong("expires_at")));
    } catch (RuntimeException e) {
      if (e instanceof Refused r) {
        throw r;
      }
      throw new Refused("malformed content");
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** A sealed value that does not open; the message never holds key material or content. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String toString() {
    return "FleetCipher{**redacted**}";
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** HKDF-Expand for one 32-byte block: {@code HMAC(prk, info || 0x01)}. */
  private static byte[] expand(byte[] prk, String info) {
    byte[] i = info.getBytes(StandardCharsets.US_ASCII);
    byte[] in = Arrays.copyOf(i, i.length + 1);
    in[i.length] = 1;
    return hmac(prk, in);
  }
}
