package io.messageorchestrator.e2e;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input: every webhook receives each fixture cut at every byte, byte-flipped fixtures and random bodies.
 * Each request must get a 200 or a 4xx — never a 5xx — and the server must keep serving.
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class WebhookFuzzTest {
  private static final Map<String, List<String>> FIXTURES = Map.of(
    "/webhook/whatsapp", List.of("meta-cloud-inbound-text.json", "meta-cloud-inbound-burst-two-messages.json",
      "meta-cloud-status-sent.json", "meta-cloud-status-failed.json"),
    "/webhook/evolution", List.of("evolution-messages-upsert-conversation.json",
      "evolution-messages-upsert-extended-text.json", "evolution-messages-upsert-fromme-echo.json"),
    "/webhook/twilio", List.of("twilio-whatsapp-inbound.form"),
    "/webhook", List.of("meta-cloud-inbound-text.json"));

  private record Probe(String path, Buffer body) {
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = WebhookFuzzTest.class.getResourceAsStream("/fixtures/whatsapp/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  @DisplayName("thousands of truncated, mutated and random bodies never get a 5xx, and the server keeps serving")
  @SuiteConfig(value = {"lockTimeout=0", "maxQueueSize=1000", "maxConcurrentContacts=1000", "http.maxBodySize=4096"},
    http = true, configuredProcessor = true)
  void neverFiveHundred(Vertx vertx, OrchestratorSuite suite) throws IOException {
    long seed = System.nanoTime();
    System.out.println("WebhookFuzzTest seed " + seed);
    Random random = new Random(seed);

    List<Probe> probes = new ArrayList<>();
    for (Map.Entry<String, List<String>> webhook : FIXTURES.entrySet()) {
      for (String name : webhook.getValue()) {
        byte[] bytes = fixture(name);
        for (int cut = 0; cut <= bytes.length; cut++) {
          probes.add(new Probe(webhook.getKey(), Buffer.buffer(java.util.Arrays.copyOf(bytes, cut))));
        }
        for (int i = 0; i < 200; i++) {
          byte[] mutated = bytes.clone();
          for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
            mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
          }
          probes.add(new Probe(webhook.getKey(), Buffer.buffer(mutated)));
        }
      }
      for (int i = 0; i < 300; i++) {
        probes.add(new Probe(webhook.getKey(), Buffer.buffer(randomBody(random))));
      }
    }

    WebClient web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(32));
    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> serverErrors = new ArrayList<>();
    for (int from = 0; from < probes.size(); from += 64) {
      List<Probe> batch = probes.subList(from, Math.min(probes.size(), from + 64));
      List<Future<HttpResponse<Buffer>>> answers = batch.stream().map(probe -> web
        .post(suite.httpPort(), "127.0.0.1", probe.path())
        .putHeader("Content-Type", probe.path().endsWith("twilio") ? "application/x-www-form-urlencoded"
          : "application/json")
        .sendBuffer(probe.body())).toList();
      Await.result(Future.join(answers));
      for (int i = 0; i < batch.size(); i++) {
        int status = answers.get(i).result().statusCode();
        statuses.merge(status, 1, Integer::sum);
        if (status >= 500 || (status >= 300 && status < 400)) {
          serverErrors.add(status + " " + batch.get(i).path() + " "
            + batch.get(i).body().toString(StandardCharsets.ISO_8859_1));
        }
      }
    }
    System.out.println("WebhookFuzzTest: " + probes.size() + " requests, statuses " + statuses);

    assertThat(probes.size()).isGreaterThan(5_000);
    assertThat(serverErrors).isEmpty();
    assertThat(statuses.keySet()).allMatch(status -> status == 200 || (status >= 400 && status < 500));
    HttpResponse<Buffer> alive = Await.result(web.get(suite.httpPort(), "127.0.0.1", "/health/live").send());
    assertThat(alive.statusCode()).isEqualTo(200);
    HttpResponse<Buffer> works = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook")
      .sendJsonObject(new JsonObject().put("from", "5511999990000").put("body", "still here?")));
    assertThat(works.statusCode()).isEqualTo(200);
  }

  private static byte[] randomBody(Random random) {
    int kind = random.nextInt(4);
    int length = random.nextInt(kind == 3 ? 6_000 : 300);
    if (kind == 0) {
      byte[] bytes = new byte[length];
      random.nextBytes(bytes);
      return bytes;
    }
    String alphabet = kind == 1 ? "{}[]\":,0123456789.-eEtruefalsnl \\u" : "{\"from\":\"body\":\"contactId\"message\"text\" ";
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }
}
