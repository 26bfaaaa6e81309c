package dev.tokenbroker.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TcpBridgeOptionsTest {

  private static TcpBridgeOptions bridge(JsonObject tcpBridge) {
    return new BrokerOptions(
            new JsonObject()
                .put(
                    "idp",
                    new JsonObject()
                        .put("tokenEndpoint", "http://127.0.0.1:1/token")
                        .put("clientId", "id")
                        .put("clientSecret", "test-only"))
                .put("eventBus", new JsonObject().put("tcpBridge", tcpBridge))
                .put(
                    "tokens", new JsonArray().add(new JsonObject().put("audience", "https://api"))))
        .tcpBridge();
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    TcpBridgeOptions o = bridge(new JsonObject());
    assertEquals(65_536, o.maxFrameBytes());
    assertEquals(64, o.maxConnections());
    assertEquals(128, o.maxOutstandingRequests());
    assertEquals(300, o.idleTimeoutSeconds());
    assertEquals(
        new JsonObject()
            .put("enabled", true)
            .put("host", "127.0.0.1")
            .put("port", 4005)
            .put("maxFrameBytes", 65_536)
            .put("maxConnections", 64)
            .put("maxOutstandingRequests", 128)
            .put("idleTimeoutSeconds", 300L),
        o.toJson());
  }

  @Test
  void limitsAreRead() {
    TcpBridgeOptions o =
        bridge(
            new JsonObject()
                .put("maxFrameBytes", 4096)
                .put("maxConnections", 8)
                .put("maxOutstandingRequests", "16")
                .put("idleTimeoutSeconds", 0));
    assertEquals(4096, o.maxFrameBytes());
    assertEquals(8, o.maxConnections());
    assertEquals(16, o.maxOutstandingRequests());
    assertEquals(0, o.idleTimeoutSeconds());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "maxFrameBytes|1023|must be between 1024 and 16777216, was 1023",
        "maxFrameBytes|16777217|must be between 1024 and 16777216, was 16777217",
        "maxConnections|0|must be between 1 and 10000, was 0",
        "maxOutstandingRequests|0|must be between 1 and 10000, was 0",
        "idleTimeoutSeconds|-1|must be between 0 and 86400, was -1",
        "maxFrameBytes|lots|must be an integer",
        "maxFramebytes|1|unknown key"
      })
  void badLimitsFailNamingTheField(String key, String value, String problem) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> bridge(new JsonObject().put(key, value)));
    assertEquals("eventBus.tcpBridge." + key, e.field());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }
}
