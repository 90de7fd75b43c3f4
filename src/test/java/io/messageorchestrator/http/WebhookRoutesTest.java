package io.messageorchestrator.http;

import io.messageorchestrator.support.Suites;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.config.WebhookSettings;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.webhook.EvolutionWebhook;
import io.messageorchestrator.webhook.Signatures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook routes on a real HTTP server in front of a real two-shard orchestrator whose agent records the
 * message ids it is called with. "Nothing processed" is shown by a later message of the same contact: contacts are
 * served in order, so anything wrongly submitted before would have reached the agent first.
 */
@ExtendWith(VertxExtension.class)
class WebhookRoutesTest {
  private static final String APP_SECRET = "test_app_secret";
  private static final String VERIFY_TOKEN = "meatyhamhock";
  private static final String API_KEY = "TEST-INSTANCE-APIKEY";
  private static final String AUTH_TOKEN = "test_auth_token";
  private static final String TWILIO_URL = "https://example.com/webhooks/twilio/whatsapp";
  private static final WebhookSettings SETTINGS = new WebhookSettings(VERIFY_TOKEN, APP_SECRET, API_KEY, false, null,
    AUTH_TOKEN, TWILIO_URL);
  private static final int MAX_BODY = 262_144;
  private static final String JSON = "application/json";
  private static final String TEXT_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
  private static final String BURST_1 = "wamid.TEST0000000000000000000000000000000001";
  private static final String BURST_2 = "wamid.TEST0000000000000000000000000000000002";

  private final List<String> agentCalls = new CopyOnWriteArrayList<>();
  private OrchestratorSuite suite;
  private WebClient web;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext test) {
    OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(Suites.baseConfig().put("shards", 2)
        // The fromMe fixture is a business reply, which would pause its contact (tested in HandoffWebhookTest).
        .put("handoff", new JsonObject().put("pauseOnBusinessReply", false))),
        OrchestratorSuite.Options.defaults().withoutHttp().withProcessor((message, context) -> {
          agentCalls.add(message.messageId());
          return AgentReply.of("echo: " + message.text());
        }))
      .compose(deployed -> {
        suite = deployed;
        return listen(vertx, SETTINGS);
      })
      .onComplete(test.succeeding(port -> {
        web = client(vertx, port);
        test.completeNow();
      }));
  }

  @Test
  void burstIsProcessedInPayloadOrder(VertxTestContext test) {
    List<JsonObject> processed = new CopyOnWriteArrayList<>();
    Checkpoint answered = test.checkpoint();
    Checkpoint bothProcessed = test.checkpoint(2);
    suite.client().on(Events.MESSAGE_PROCESSED, event -> {
      processed.add(event);
      if (processed.size() == 2) {
        test.verify(() -> {
          assertThat(processed).extracting(e -> e.getString("messageId")).containsExactly(BURST_1, BURST_2);
          assertThat(processed).extracting(e -> e.getString("contactId")).containsOnly("16505551234");
          assertThat(processed).extracting(e -> e.getString("response"))
            .containsExactly("echo: hi", "echo: I need help with my order");
          assertThat(processed.get(0).getJsonObject("message").getJsonObject("metadata").getString("channel"))
            .isEqualTo("whatsapp-cloud");
          assertThat(agentCalls).containsExactly(BURST_1, BURST_2);
        });
      }
      bothProcessed.flag();
    }).completion()
      .compose(v -> postMeta(fixture("meta-cloud-inbound-burst-two-messages.json")))
      .onComplete(test.succeeding(response -> test.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject().put("received", 2).put("statuses", 0));
        answered.flag();
      })));
  }

  @Test
  void duplicateWamidIsProcessedOnce(VertxTestContext test) {
    Promise<JsonObject> processed = Promise.promise();
    Promise<JsonObject> duplicate = Promise.promise();
    byte[] body = fixture("meta-cloud-inbound-text.json");
    Future.all(
        suite.client().on(Events.MESSAGE_PROCESSED, event -> {
          if (!processed.tryComplete(event)) {
            test.failNow("processed twice: " + event);
          }
        }).completion(),
        suite.client().on(Events.DUPLICATE_IGNORED, event -> {
          if (!duplicate.tryComplete(event)) {
            test.failNow("two duplicates: " + event);
          }
        }).completion())
      .compose(v -> postMeta(body))
      .compose(first -> {
        test.verify(() -> assertThat(first.statusCode()).isEqualTo(200));
        return postMeta(body);
      })
      .compose(second -> {
        test.verify(() -> assertThat(second.bodyAsJsonObject().getInteger("received")).isEqualTo(1));
        return Future.all(processed.future(), duplicate.future());
      })
      .onComplete(test.succeeding(events -> test.verify(() -> {
        assertThat(processed.future().result().getString("messageId")).isEqualTo(TEXT_ID);
        assertThat(duplicate.future().result().getString("messageId")).isEqualTo(TEXT_ID);
        assertThat(agentCalls).containsExactly(TEXT_ID);
        test.completeNow();
      })));
  }

  @Test
  void badSignatureIsRejectedAndNothingIsProcessed(VertxTestContext test) {
    byte[] text = fixture("meta-cloud-inbound-text.json");
    byte[] tampered = text.clone();
    tampered[tampered.length / 2] ^= 1;
    String signature = Signatures.metaSignature(APP_SECRET, text);
    expectError(postMeta(text, "sha256=" + "0".repeat(64)), 401, "unauthorized", test)
      .compose(v -> expectError(postMeta(text, null), 401, "unauthorized", test))
      .compose(v -> expectError(postMeta(text, "sha1=" + signature.substring(7)), 401, "unauthorized", test))
      .compose(v -> expectError(postMeta(tampered, signature), 401, "unauthorized", test))
      .compose(v -> processedAfter(postMeta(fixture("meta-cloud-inbound-burst-two-messages.json")), 2))
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(agentCalls).containsExactly(BURST_1, BURST_2);
        test.completeNow();
      })));
  }

  @Test
  void handshake(Vertx vertx, VertxTestContext test) {
    JsonObject query = new JsonObject(Buffer.buffer(fixture("meta-cloud-verify-get.descriptor.json")))
      .getJsonObject("query");
    handshake(web, query.getString("hub.mode"), query.getString("hub.verify_token"), query.getString("hub.challenge"))
      .compose(ok -> {
        test.verify(() -> {
          assertThat(ok.statusCode()).isEqualTo(200);
          assertThat(ok.getHeader("Content-Type")).startsWith("text/plain");
          assertThat(ok.bodyAsString()).isEqualTo("1158201444");
        });
        return expectError(handshake(web, "subscribe", "wrong", "1"), 403, "forbidden", test);
      })
      .compose(v -> expectError(handshake(web, "unsubscribe", VERIFY_TOKEN, "1"), 403, "forbidden", test))
      .compose(v -> expectError(handshake(web, null, VERIFY_TOKEN, "1"), 403, "forbidden", test))
      .compose(v -> expectError(handshake(web, "subscribe", VERIFY_TOKEN, null), 400, "invalid_field", test))
      .compose(v -> listen(vertx, WebhookSettings.unconfigured()))
      .compose(port -> expectError(handshake(client(vertx, port), "subscribe", VERIFY_TOKEN, "1"), 403, "forbidden",
        test))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void statusesArePublishedNotProcessed(VertxTestContext test) {
    Promise<JsonObject> status = Promise.promise();
    suite.client().on(WebhookRoutes.STATUS_EVENT, status::tryComplete).completion()
      .compose(v -> postMeta(fixture("meta-cloud-status-sent.json")))
      .compose(response -> {
        test.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject().put("received", 0).put("statuses", 1));
        });
        return status.future();
      })
      .compose(event -> {
        test.verify(() -> {
          assertThat(event.getString("status")).isEqualTo("sent");
          assertThat(event.getString("recipient_id")).isEqualTo("5516992318222");
          assertThat(Addresses.event(WebhookRoutes.STATUS_EVENT)).isEqualTo("orchestrator.events.statusReceived");
        });
        return processedAfter(postMeta(fixture("meta-cloud-inbound-text.json")), 1);
      })
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(agentCalls).containsExactly(TEXT_ID);
        test.completeNow();
      })));
  }

  @Test
  void evolution(VertxTestContext test) {
    byte[] conversation = fixture("evolution-messages-upsert-conversation.json");
    JsonObject withoutKey = new JsonObject(Buffer.buffer(conversation));
    withoutKey.remove("apikey");
    Promise<JsonObject> processed = Promise.promise();
    suite.client().on(Events.MESSAGE_PROCESSED, processed::tryComplete).completion()
      .compose(v -> expectError(postEvolution(withoutKey.toBuffer().getBytes(), null), 401, "unauthorized", test))
      .compose(v -> expectError(postEvolution(withoutKey.toBuffer().getBytes(), "wrong"), 401, "unauthorized", test))
      .compose(v -> postEvolution(fixture("evolution-messages-upsert-fromme-echo.json"), null))
      .compose(echo -> {
        test.verify(() -> assertThat(echo.bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("received", 0).put("ignored", 0).put("businessReplies", 1)));
        return postEvolution(conversation, null);
      })
      .compose(accepted -> {
        test.verify(() -> assertThat(accepted.bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("received", 1).put("ignored", 0)));
        return processed.future();
      })
      .compose(event -> {
        test.verify(() -> {
          assertThat(event.getString("contactId")).isEqualTo("5511999990000");
          assertThat(event.getString("response")).isEqualTo("echo: Oi, tudo bem?");
          assertThat(event.getJsonObject("message").getJsonObject("metadata").getString("instance"))
            .isEqualTo("my-instance");
          assertThat(agentCalls).containsExactly("3A554E20ECABF3D45BB2");
        });
        return postEvolution(withoutKey.toBuffer().getBytes(), API_KEY);
      })
      .onComplete(test.succeeding(headerKey -> test.verify(() -> {
        assertThat(headerKey.statusCode()).isEqualTo(200);
        test.completeNow();
      })));
  }

  @Test
  void twilio(VertxTestContext test) {
    byte[] form = fixture("twilio-whatsapp-inbound.form");
    Promise<JsonObject> processed = Promise.promise();
    suite.client().on(Events.MESSAGE_PROCESSED, processed::tryComplete).completion()
      .compose(v -> expectError(postTwilio(form, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), 401, "unauthorized", test))
      .compose(v -> expectError(postTwilio(form, null), 401, "unauthorized", test))
      .compose(v -> postTwilio(form, "y6ZsgXHmikDXmcLnznvwcEoc9rs="))
      .compose(response -> {
        test.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.getHeader("Content-Type")).startsWith("text/xml");
          assertThat(response.bodyAsString()).isEqualTo("<Response/>");
        });
        return processed.future();
      })
      .onComplete(test.succeeding(event -> test.verify(() -> {
        assertThat(event.getString("contactId")).isEqualTo("14155550100");
        assertThat(event.getString("response")).isEqualTo("echo: Hello there");
        assertThat(agentCalls).containsExactly("SM0123456789abcdef0123456789abcdef");
        test.completeNow();
      })));
  }

  @Test
  void clientMistakesGetA4xxAndNothingIsProcessed(VertxTestContext test) {
    JsonObject burst = new JsonObject(Buffer.buffer(fixture("meta-cloud-inbound-burst-two-messages.json")));
    messages(burst).getJsonObject(1).remove("text");
    JsonObject longContact = new JsonObject(Buffer.buffer(fixture("meta-cloud-inbound-text.json")));
    messages(longContact).getJsonObject(0).put("from", "1".repeat(129));
    byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    byte[] tooLarge = new byte[MAX_BODY + 1];
    Arrays.fill(tooLarge, (byte) ' ');
    byte[] text = fixture("meta-cloud-inbound-text.json");
    String textSignature = Signatures.metaSignature(APP_SECRET, text);
    String badEvolution = "{\"event\":\"messages.upsert\",\"data\":{\"key\":{\"remoteJid\":5,\"id\":\"x\"}}}";
    Future.all(List.of(
        expectError(post(WebhookRoutes.WHATSAPP_PATH, "text/plain", text, textSignature), 415,
          "unsupported_media_type", test),
        expectError(post(WebhookRoutes.WHATSAPP_PATH, null, text, textSignature), 415, "unsupported_media_type", test),
        expectError(post(WebhookRoutes.WHATSAPP_PATH, "application/json; charset=iso-8859-1", text, textSignature),
          415, "unsupported_media_type", test),
        expectError(postMeta("{".getBytes(StandardCharsets.UTF_8)), 400, "invalid_json", test),
        expectError(postMeta("[1]".getBytes(StandardCharsets.UTF_8)), 400, "invalid_json", test),
        expectError(postMeta(new byte[0]), 400, "invalid_json", test),
        expectError(postMeta(invalidUtf8), 400, "invalid_encoding", test),
        expectField(postMeta(burst.toBuffer().getBytes()), "entry[0].changes[0].value.messages[1].text", test),
        expectField(postMeta(longContact.toBuffer().getBytes()), "entry[0].changes[0].value.messages[0].from", test),
        expectField(postMeta("{\"entry\":{}}".getBytes(StandardCharsets.UTF_8)), "entry", test),
        expectError(postMeta(tooLarge), 413, "payload_too_large", test),
        expectField(postEvolution(badEvolution.getBytes(StandardCharsets.UTF_8), API_KEY), "data.key.remoteJid", test),
        expectError(post(WebhookRoutes.EVOLUTION_PATH, "application/x-www-form-urlencoded", text, null), 415,
          "unsupported_media_type", test),
        expectError(post(WebhookRoutes.TWILIO_PATH, JSON, text, null), 415, "unsupported_media_type", test),
        expectStatus(postTwilio("Body=%zz".getBytes(StandardCharsets.UTF_8), null), 400, test),
        expectStatus(web.get(WebhookRoutes.WHATSAPP_PATH + "?hub.mode=%zz").send(), 400, test)))
      .compose(v -> processedAfter(postMeta(text), 1))
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(agentCalls).containsExactly(TEXT_ID);
        test.completeNow();
      })));
  }

  /** Sends a request whose messages are then awaited: completes once {@code count} messages were processed. */
  private Future<Void> processedAfter(Future<HttpResponse<Buffer>> request, int count) {
    Promise<Void> done = Promise.promise();
    List<JsonObject> processed = new CopyOnWriteArrayList<>();
    return suite.client().on(Events.MESSAGE_PROCESSED, event -> {
      processed.add(event);
      if (processed.size() == count) {
        done.tryComplete();
      }
    }).completion()
      .compose(v -> request)
      .compose(response -> response.statusCode() == 200 ? done.future()
        : Future.failedFuture("expected 200, got " + response.statusCode() + " " + response.bodyAsString()));
  }

  private Future<Void> expectError(Future<HttpResponse<Buffer>> call, int status, String code, VertxTestContext test) {
    return call.map(response -> {
      test.verify(() -> {
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
        assertThat(response.getHeader("Content-Type")).isEqualTo(JSON);
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(code);
        assertThat(response.bodyAsJsonObject().getString("message")).isNotBlank();
      });
      return null;
    });
  }

  private Future<Void> expectField(Future<HttpResponse<Buffer>> call, String field, VertxTestContext test) {
    return call.map(response -> {
      test.verify(() -> {
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_field");
        assertThat(response.bodyAsJsonObject().getString("field")).isEqualTo(field);
      });
      return null;
    });
  }

  private Future<Void> expectStatus(Future<HttpResponse<Buffer>> call, int status, VertxTestContext test) {
    return call.map(response -> {
      test.verify(() -> {
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
        assertThat(response.bodyAsJsonObject().getString("error")).isNotBlank();
      });
      return null;
    });
  }

  private Future<HttpResponse<Buffer>> postMeta(byte[] body) {
    return postMeta(body, Signatures.metaSignature(APP_SECRET, body));
  }

  private Future<HttpResponse<Buffer>> postMeta(byte[] body, String signature) {
    return post(WebhookRoutes.WHATSAPP_PATH, JSON, body, signature);
  }

  private Future<HttpResponse<Buffer>> post(String path, String contentType, byte[] body, String signature) {
    HttpRequest<Buffer> request = web.post(path);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    if (signature != null) {
      request.putHeader(Signatures.META_HEADER, signature);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }

  private Future<HttpResponse<Buffer>> postEvolution(byte[] body, String apiKey) {
    HttpRequest<Buffer> request = web.post(WebhookRoutes.EVOLUTION_PATH).putHeader("Content-Type", JSON);
    if (apiKey != null) {
      request.putHeader(EvolutionWebhook.APIKEY_HEADER, apiKey);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }

  private Future<HttpResponse<Buffer>> postTwilio(byte[] body, String signature) {
    HttpRequest<Buffer> request = web.post(WebhookRoutes.TWILIO_PATH)
      .putHeader("Content-Type", "application/x-www-form-urlencoded");
    if (signature != null) {
      request.putHeader(Signatures.TWILIO_HEADER, signature);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }

  private static Future<HttpResponse<Buffer>> handshake(WebClient client, String mode, String token, String challenge) {
    HttpRequest<Buffer> request = client.get(WebhookRoutes.WHATSAPP_PATH);
    if (mode != null) {
      request.addQueryParam("hub.mode", mode);
    }
    if (token != null) {
      request.addQueryParam("hub.verify_token", token);
    }
    if (challenge != null) {
      request.addQueryParam("hub.challenge", challenge);
    }
    return request.send();
  }

  private Future<Integer> listen(Vertx vertx, WebhookSettings settings) {
    Router router = Router.router(vertx);
    new WebhookRoutes(vertx, settings, suite.client(), MAX_BODY).mount(router);
    return vertx.createHttpServer().requestHandler(router).listen(0).map(HttpServer::actualPort);
  }

  private static WebClient client(Vertx vertx, int port) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost").setDefaultPort(port));
  }

  private static JsonArray messages(JsonObject body) {
    return body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
      .getJsonObject("value").getJsonArray("messages");
  }
}
