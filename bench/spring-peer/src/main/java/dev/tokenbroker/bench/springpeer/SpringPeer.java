package dev.tokenbroker.bench.springpeer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The idiomatic Spring Boot resource server: {@code spring-boot-starter-web} (Tomcat) and {@code
 * spring-boot-starter-oauth2-resource-server} ({@code NimbusJwtDecoder} from {@code
 * spring.security.oauth2.resourceserver.jwt.jwk-set-uri}, issuer and audience checked), {@code GET
 * /students} requiring {@code SCOPE_read:students}, the same JSON body as students-rs. Prints
 * {@code listening on http://127.0.0.1:PORT} once Tomcat is up, like the other bench servers.
 */
@SpringBootApplication
@RestController
public class SpringPeer implements ApplicationListener<WebServerInitializedEvent> {

  private static final String STUDENTS =
      "[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]";

  public static void main(String[] args) {
    SpringApplication.run(SpringPeer.class, args);
  }

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(
            a ->
                a.requestMatchers("/students")
                    .hasAuthority("SCOPE_read:students")
                    .anyRequest()
                    .denyAll())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults()))
        .build();
  }

  @GetMapping("/students")
  ResponseEntity<String> students() {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .body(STUDENTS);
  }

  @Override
  public void onApplicationEvent(WebServerInitializedEvent event) {
    System.out.println("listening on http://127.0.0.1:" + event.getWebServer().getPort());
  }
}
