package io.messageorchestrator.cluster;

import io.messageorchestrator.support.Await;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K9: the clustered event bus over mutual TLS keeps out a process that joined the Hazelcast cluster (whose member
 * protocol has no authentication) but lacks the cluster's certificate. Four clustered Vert.x instances in this JVM,
 * one cluster of their own: a node and a member with the cluster's certificate, a rogue with a certificate of its
 * own (speaking TLS, trusting the cluster's certificate) and a rogue without TLS.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisplayName("clustered event bus over mutual TLS")
class EventBusTlsTest {
  private static final String NODE_INBOX = "tls-test.node-inbox";
  private static final String ROGUE_INBOX = "tls-test.rogue-inbox";
  private static final String MEMBER_INBOX = "tls-test.member-inbox";
  /** A refused peer's request ends by this timeout at the latest (a refused connection may fail it sooner). */
  private static final DeliveryOptions REQUEST = new DeliveryOptions().setSendTimeout(3_000);

  @TempDir
  static Path dir;
  private static ClusterNode node;
  private static ClusterNode member;
  private static ClusterNode rogueWithOwnCertificate;
  private static ClusterNode rogueWithoutTls;
  /** What the consumers saw: the bodies of the messages delivered to them. */
  private static final Queue<String> nodeReceived = new ConcurrentLinkedQueue<>();
  private static final Queue<String> rogueReceived = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void startCluster() throws Exception {
    TestCertificates.Identity cluster = TestCertificates.create(dir, "cluster-node");
    TestCertificates.Identity stranger = TestCertificates.create(dir, "stranger");
    ClusterSettings.Tls clusterTls = new ClusterSettings.Tls(cluster.key().toString(), cluster.cert().toString(),
      cluster.cert().toString());
    // It can verify the nodes (it trusts their certificate) but presents one they do not trust.
    ClusterSettings.Tls strangerTls = new ClusterSettings.Tls(stranger.key().toString(), stranger.cert().toString(),
      cluster.cert().toString());
    String name = TestClusters.uniqueName();
    List<Integer> ports = List.of(TestClusters.freePort(), TestClusters.freePort(), TestClusters.freePort(),
      TestClusters.freePort());
    List<ClusterNode> nodes = Await.result(Future.all(
      join(name, ports, 0, clusterTls), join(name, ports, 1, clusterTls), join(name, ports, 2, strangerTls),
      join(name, ports, 3, null)).map(all -> all.<ClusterNode>list()), 120);
    node = nodes.get(0);
    member = nodes.get(1);
    rogueWithOwnCertificate = nodes.get(2);
    rogueWithoutTls = nodes.get(3);
    assertThat(node.membership().getInteger("memberCount")).as("the rogues joined Hazelcast (no authentication"
      + " there)").isEqualTo(4);

    await(node.vertx().eventBus().<String>consumer(NODE_INBOX, message -> {
      nodeReceived.add(message.body());
      message.reply("ok");
    }));
    await(rogueWithOwnCertificate.vertx().eventBus().<String>consumer(ROGUE_INBOX, message -> {
      rogueReceived.add(message.body());
      message.reply("ok");
    }));
    await(member.vertx().eventBus().<String>consumer(MEMBER_INBOX, message -> message.reply("ok")));
  }

  @AfterAll
  static void stopCluster() {
    Await.result(Future.join(List.of(node, member, rogueWithOwnCertificate, rogueWithoutTls).stream()
      .filter(java.util.Objects::nonNull).map(each -> each.vertx().close()).toList()), 60);
  }

  @Test
  @DisplayName("a member with the cluster's certificate delivers to a consumer on the node, and the node to one on"
    + " the member")
  void memberWithCertificateDelivers() {
    assertThat(Await.result(member.vertx().eventBus().<String>request(NODE_INBOX, "from member", REQUEST)).body())
      .isEqualTo("ok");
    assertThat(Await.result(node.vertx().eventBus().<String>request(MEMBER_INBOX, "from node", REQUEST)).body())
      .isEqualTo("ok");
    assertThat(nodeReceived).contains("from member");
  }

  @Test
  @DisplayName("a peer with a certificate of its own cannot deliver to the node: the request fails, the consumer"
    + " never sees it")
  void peerWithOwnCertificateCannotSend() {
    assertRefused(rogueWithOwnCertificate, NODE_INBOX, "from rogue with its own certificate");

    assertThat(nodeReceived).doesNotContain("from rogue with its own certificate");
    memberWithCertificateDelivers(); // the node still serves its members
  }

  @Test
  @DisplayName("a peer without TLS cannot deliver to the node")
  void peerWithoutTlsCannotSend() {
    assertRefused(rogueWithoutTls, NODE_INBOX, "from rogue without TLS");

    assertThat(nodeReceived).doesNotContain("from rogue without TLS");
  }

  @Test
  @DisplayName("the node does not deliver to a consumer on a peer without the cluster's certificate")
  void peerWithOwnCertificateCannotReceive() {
    assertRefused(node, ROGUE_INBOX, "secret for the rogue");

    assertThat(rogueReceived).isEmpty();
  }

  /**
   * The request fails, and not for want of a consumer (the registration is visible cluster-wide): the connection
   * between the two was refused, so the message was never delivered.
   */
  private static void assertRefused(ClusterNode from, String address, String body) {
    Throwable failure = Await.failure(from.vertx().eventBus().request(address, body, REQUEST));
    assertThat(failure).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) failure).failureType()).as("failure %s", failure)
      .isNotEqualTo(ReplyFailure.NO_HANDLERS);
  }

  private static Future<ClusterNode> join(String name, List<Integer> ports, int index, ClusterSettings.Tls tls) {
    ClusterSettings settings = new ClusterSettings(true, name, "127.0.0.1", ports.get(index),
      ports.stream().map(port -> "127.0.0.1:" + port).toList(), 64, 0, tls);
    return ClusterNode.join(settings, new VertxOptions(), null);
  }

  private static void await(MessageConsumer<?> consumer) {
    Await.result(consumer.completion());
  }
}
