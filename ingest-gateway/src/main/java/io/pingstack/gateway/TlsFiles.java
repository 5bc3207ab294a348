package io.pingstack.gateway;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * A PEM certificate chain and its PEM private key (PKCS#8, unencrypted), as served by the HTTP and
 * gRPC listeners when TLS is on.
 */
public record TlsFiles(Path certificateChain, Path privateKey) {
  public TlsFiles {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
    for (Path file : new Path[] {certificateChain, privateKey}) {
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("TLS file " + file + " is not readable");
      }
    }
  }

  /** A server context for the HTTP listener that offers HTTP/2 and HTTP/1.1 by ALPN. */
  SslContext httpContext() {
    return build(SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)));
  }

  /** A server context for the gRPC listener (HTTP/2 only, as gRPC requires). */
  SslContext grpcContext() {
    return build(io.grpc.netty.GrpcSslContexts.configure(SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())));
  }

  private SslContext build(SslContextBuilder builder) {
    try {
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot use TLS certificate " + certificateChain + " with key " + privateKey
          + " (PEM, key in PKCS#8): " + e.getMessage(), e);
    }
  }
}
