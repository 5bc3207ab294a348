package io.pingstack.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;

/**
 * Upgrades to h2c only on requests without a body. Netty hands an upgraded request to HTTP/2 as
 * headers alone, so a body would be lost; such a request is simply served over HTTP/1.1 (RFC 9110
 * lets a server ignore {@code Upgrade}), and the client may upgrade on its next request.
 */
final class BodylessUpgradeHandler extends HttpServerUpgradeHandler {
  BodylessUpgradeHandler(HttpServerCodec codec, UpgradeCodecFactory factory) {
    super(codec, factory, 0);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
    if (msg instanceof HttpRequest request
        && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0)) {
      request.headers().remove(HttpHeaderNames.UPGRADE);
    }
    super.decode(ctx, msg, out);
  }
}
