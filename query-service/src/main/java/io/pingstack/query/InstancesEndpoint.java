package io.pingstack.query;

import static io.pingstack.query.Params.badRequest;

import com.fasterxml.jackson.core.JsonGenerator;
import io.pingstack.gateway.HttpCall;
import io.pingstack.gateway.HttpEndpoint;
import io.pingstack.gateway.HttpReply;
import io.pingstack.rollups.Field;
import io.pingstack.rollups.InstancesSummary;
import io.pingstack.rollups.RollupReader;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/instances?active_since=<time>[&group_by=version|deploy_type]}: how many distinct
 * instances pinged since then and, with {@code group_by}, how many had each value on their latest
 * ping. Each group object's key is the field's name; {@code groups} is left out without group_by.
 */
final class InstancesEndpoint implements HttpEndpoint {
  static final String PATH = "/v1/instances";
  private static final Set<String> SINGLE = Set.of("active_since", "group_by");

  private final RollupReader reader;

  InstancesEndpoint(RollupReader reader) {
    this.reader = reader;
  }

  @Override
  public CompletableFuture<HttpReply> handle(HttpCall call) {
    Params params = Params.check(call.query(), SINGLE, Set.of(), PATH + " takes active_since and group_by");
    long activeSince = params.time("active_since",
        params.required("active_since", "an RFC 3339 time or epoch milliseconds"));
    Field groupBy = groupBy(params.optional("group_by"));
    InstancesSummary summary = reader.instances(activeSince, groupBy);
    return CompletableFuture.completedFuture(
        JsonReply.ok(96 + 64 * summary.groups().size(), g -> write(g, activeSince, groupBy, summary)));
  }

  private static Field groupBy(String text) {
    if (text == null) {
      return null;
    }
    return switch (text) {
      case "version" -> Field.VERSION;
      case "deploy_type" -> Field.DEPLOY_TYPE;
      default -> throw badRequest("invalid_parameter", "group_by must be version or deploy_type");
    };
  }

  private static void write(JsonGenerator g, long activeSince, Field groupBy, InstancesSummary summary)
      throws IOException {
    g.writeStartObject();
    g.writeFieldName("active_since");
    JsonReply.time(g, activeSince, new char[32]);
    g.writeNumberField("instances", summary.instances());
    if (groupBy != null) {
      String key = groupBy.label();
      g.writeArrayFieldStart("groups");
      for (InstancesSummary.Group group : summary.groups()) {
        g.writeStartObject();
        g.writeStringField(key, group.value());
        g.writeNumberField("instances", group.instances());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }
}
