package io.pingstack.gateway;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * One complete request as an endpoint sees it. {@code body} holds the bytes as received (still
 * encoded per {@code Content-Encoding}); it is borrowed for the duration of the call. {@code remoteHost}
 * is the peer's IP address (no DNS lookup).
 */
public record HttpCall(
    HttpMethod method, String path, Map<String, List<String>> query, HttpHeaders headers, byte[] body, String remoteHost) {}
