package io.messageorchestrator.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;

/**
 * Vert.x's HTTP/1.x request decoder, except that a request carrying both {@code Transfer-Encoding: chunked} and
 * {@code Content-Length} keeps its {@code Content-Length}. Netty silently drops it and decodes the body as chunked,
 * which would hide the conflict from {@link RequestFraming}; kept, it lets {@link RequestFraming} refuse the request
 * (RFC 9112 §6.1: such a request is a smuggling attempt, and a server must at least close the connection after it).
 *
 * <p>Vert.x offers no option for this, so {@link #install} swaps the decoder of each new connection; it relies on
 * Vert.x's pipeline handler name {@value #DECODER_NAME} and internal classes: when a Vert.x upgrade breaks that, a WARN
 * (rate-limited) says so and {@code RequestSmugglingTest.strictDecoderIsInstalled} fails.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  static final String DECODER_NAME = "httpDecoder";

  private StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  /**
   * Replaces the connection's decoder. Called from the server's connection handler, before the connection has read
   * anything (HTTP/1.x without h2c: the pipeline is built when the connection is accepted).
   *
   * @return false when the connection has no such decoder (then it is left as it is)
   */
  static boolean install(HttpConnection connection, HttpServerOptions options) {
    if (!(connection instanceof ConnectionBase base)) {
      return false;
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    ChannelHandler current = pipeline.get(DECODER_NAME);
    if (!(current instanceof VertxHttpRequestDecoder) || current instanceof StrictRequestDecoder) {
      return current instanceof StrictRequestDecoder;
    }
    pipeline.replace(DECODER_NAME, DECODER_NAME, new StrictRequestDecoder(options));
    return true;
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    List<String> lengths = message.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.headers().add(HttpHeaderNames.CONTENT_LENGTH, lengths);
  }
}
