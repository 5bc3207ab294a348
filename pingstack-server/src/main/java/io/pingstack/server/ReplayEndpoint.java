package io.pingstack.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pingstack.gateway.ApiException;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * API.md section 4's replay endpoints: {@code POST /admin/replay} starts one ({@code 202} and the
 * replay, {@code id} first), {@code GET /admin/replay} lists them, {@code GET /admin/replay/<id>}
 * reports one, {@code DELETE /admin/replay/<id>} cancels it. The one place where a refused replay
 * becomes an HTTP status.
 */
final class ReplayEndpoint {
  static final String PATH = "/admin/replay";
  static final String JOB_PATH = PATH + "/";
  private static final JsonFactory JSON = new JsonFactory();
  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");

  private ReplayEndpoint() {}

  /** The two routes: the collection, and every path under it (one replay each). */
  static Map<String, HttpEndpoint> routes(ReplayJobs jobs) {
    return Map.of(PATH, new Collection(jobs), JOB_PATH, new One(jobs));
  }

  /** {@code POST} (start) and {@code GET} (list) on {@code /admin/replay}. */
  private static final class Collection implements HttpEndpoint {
    private final ReplayJobs jobs;

    Collection(ReplayJobs jobs) {
      this.jobs = jobs;
    }

    @Override
    public long maxBodyBytes() {
      return 4096;
    }

    @Override
    public ApiException precheck(HttpRequest request) {
      return allowed(request.method(), Set.of(HttpMethod.POST, HttpMethod.GET), "POST (start) or GET (list)");
    }

    /** A start reads a few records to resolve times and check the range: off the event loop. */
    @Override
    public CompletableFuture<HttpReply> handle(HttpCall call) {
      if (HttpMethod.GET.equals(call.method())) {
        return CompletableFuture.completedFuture(json(HttpResponseStatus.OK, g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("replays");
          for (ReplayJob job : jobs.list()) {
            job.writeJson(g);
          }
          g.writeEndArray();
          g.writeArrayFieldStart("targets");
          for (String name : jobs.targetNames()) {
            g.writeString(name);
          }
          g.writeEndArray();
          g.writeEndObject();
        }));
      }
      byte[] body = call.body().clone(); // borrowed for the call only
      return CompletableFuture.supplyAsync(() -> {
        try {
          ReplayJob job = jobs.start(ReplayRequest.parse(body));
          return json(HttpResponseStatus.ACCEPTED, job::writeJson);
        } catch (ReplayRefusedException e) {
          throw refusal(e);
        }
      });
    }
  }

  /** {@code GET} (report) and {@code DELETE} (cancel) on {@code /admin/replay/<id>}. */
  private static final class One implements HttpEndpoint {
    private final ReplayJobs jobs;

    One(ReplayJobs jobs) {
      this.jobs = jobs;
    }

    @Override
    public long maxBodyBytes() {
      return 0;
    }

    @Override
    public ApiException precheck(HttpRequest request) {
      return allowed(request.method(), Set.of(HttpMethod.GET, HttpMethod.DELETE), "GET (report) or DELETE (cancel)");
    }

    @Override
    public CompletableFuture<HttpReply> handle(HttpCall call) {
      String id = call.path().substring(JOB_PATH.length());
      ReplayJob job = !ID.matcher(id).matches() ? null
          : HttpMethod.DELETE.equals(call.method()) ? jobs.cancel(id) : jobs.find(id);
      if (job == null) {
        throw new ApiException(HttpResponseStatus.NOT_FOUND, "not_found",
            "no replay has that id: the service keeps the running one and the last " + ReplayJobs.KEPT + " finished, until it restarts");
      }
      // A cancelled replay stops at its next batch: 202 while it has not yet.
      HttpResponseStatus status = HttpMethod.DELETE.equals(call.method()) && job.state() == ReplayJob.State.RUNNING
          ? HttpResponseStatus.ACCEPTED : HttpResponseStatus.OK;
      return CompletableFuture.completedFuture(json(status, job::writeJson));
    }
  }

  static ApiException refusal(ReplayRefusedException e) {
    HttpResponseStatus status = switch (e.reason()) {
      case INVALID, EMPTY_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case RANGE_NOT_IN_LOG -> HttpResponseStatus.GONE;
      case REPLAY_RUNNING -> HttpResponseStatus.CONFLICT;
      case SHUTTING_DOWN -> HttpResponseStatus.SERVICE_UNAVAILABLE;
    };
    return new ApiException(status, e.reason().code(), e.getMessage());
  }

  private static ApiException allowed(HttpMethod method, Set<HttpMethod> methods, String use) {
    return methods.contains(method) ? null
        : new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use " + use);
  }

  private static HttpReply json(HttpResponseStatus status, WalRecords.Fields document) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      document.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new HttpReply(status, "application/json", out.toByteArray());
  }
}
