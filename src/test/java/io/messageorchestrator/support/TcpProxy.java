package io.messageorchestrator.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of a server, to play an outage in a test: {@link #stop()} closes the port and every
 * connection (the server is down), {@link #start()} opens the same port again (it is back), {@link #freeze()} keeps
 * connections open but passes nothing on (a server or network that stops answering), {@link #thaw()} lets the
 * held bytes through.
 */
public final class TcpProxy {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean frozen;
  private NetServer server;
  private int port;

  public TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  /** Listens on an ephemeral port the first time, on the same port afterwards. */
  public int start() {
    server = vertx.createNetServer().connectHandler(this::accept);
    port = Await.result(server.listen(port, "127.0.0.1")).actualPort();
    return port;
  }

  public int port() {
    return port;
  }

  public void stop() {
    Await.result(server.close());
    sockets.forEach(NetSocket::close);
    sockets.clear();
  }

  public void freeze() {
    frozen = true;
    sockets.forEach(NetSocket::pause);
  }

  public void thaw() {
    frozen = false;
    sockets.forEach(NetSocket::resume);
  }

  private void accept(NetSocket inbound) {
    inbound.pause();
    client.connect(targetPort, targetHost).onComplete(connected -> {
      if (connected.failed()) {
        inbound.close();
        return;
      }
      NetSocket outbound = connected.result();
      sockets.add(inbound);
      sockets.add(outbound);
      inbound.handler(outbound::write);
      outbound.handler(inbound::write);
      inbound.closeHandler(v -> outbound.close());
      outbound.closeHandler(v -> inbound.close());
      if (frozen) {
        outbound.pause();
      } else {
        inbound.resume();
      }
    });
  }

  public Future<Void> close() {
    return server == null ? client.close() : server.close().eventually(client::close);
  }
}
