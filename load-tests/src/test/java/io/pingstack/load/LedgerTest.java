package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.Unpooled;
import io.pingstack.model.proto.IngestResponse;
import io.pingstack.model.proto.PingError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  @TempDir
  Path dir;

  @Test
  void everyPingOfAnAnswerThatAcknowledgesThemAllIsWrittenAsInstanceTabPingId() throws Exception {
    Path file = dir.resolve("ledger.tsv");
    try (Ledger ledger = Ledger.open(file)) {
      ledger.acknowledged(sent(7, "inst-a", "inst-b", "inst-a"), counts(2, 1));
      ledger.end();

      assertThat(ledger.figures()).isEqualTo(new Ledger.Figures(file, 3, 0, null));
    }
    assertThat(Files.readString(file)).isEqualTo("inst-a\trun-0-7\ninst-b\trun-0-8\ninst-a\trun-0-9\n");
  }

  @Test
  void pingsTheAnswerListsAsRefusedAreLeftOut() throws Exception {
    Path file = dir.resolve("ledger.tsv");
    try (Ledger ledger = Ledger.open(file)) {
      ledger.acknowledged(sent(0, "a", "b", "c", "d"), counts(1, 1, 0, 2));
      ledger.end();

      assertThat(ledger.figures().written()).isEqualTo(2);
      assertThat(ledger.figures().unresolved()).isZero();
    }
    assertThat(Files.readAllLines(file)).containsExactly("b\trun-0-1", "d\trun-0-3");
  }

  @Test
  void anAnswerWhoseErrorsDoNotNameTheRefusedPingsNamesNone() throws Exception {
    Path file = dir.resolve("ledger.tsv");
    try (Ledger ledger = Ledger.open(file)) {
      ledger.acknowledged(sent(0, "a", "b", "c"), counts(2, 0)); // one refused, but which?
      ledger.acknowledged(sent(3, "a", "b", "c"), counts(1, 0, 1, 1)); // the same ping refused twice
      ledger.acknowledged(sent(6, "a", "b", "c"), counts(2, 0, 3)); // no such ping
      ledger.acknowledged(sent(9, "a", "b"), counts(2, 0));
      ledger.end();

      assertThat(ledger.figures().written()).isEqualTo(2);
      assertThat(ledger.figures().unresolved()).isEqualTo(2 + 1 + 2);
    }
    assertThat(Files.readAllLines(file)).containsExactly("a\trun-0-9", "b\trun-0-10");
  }

  @Test
  void withoutAFileNothingIsWrittenOrCounted() {
    try (Ledger ledger = Ledger.open(null)) {
      ledger.acknowledged(sent(0, "a"), counts(1, 0));
      ledger.end();

      assertThat(ledger.enabled()).isFalse();
      assertThat(ledger.figures().written()).isZero();
    }
  }

  @Test
  void aFailedWriteIsReportedInTheFiguresNotThrown() {
    Path full = Path.of("/dev/full");
    assumeTrue(Files.isWritable(full), "needs /dev/full, whose every write fails");
    try (Ledger ledger = Ledger.open(full)) {
      ledger.acknowledged(sent(0, "a", "b"), counts(2, 0));
      ledger.end();

      assertThat(ledger.figures().failure()).contains("cannot write the ledger /dev/full");
      assertThat(ledger.figures().written()).as("buffered, so counted before the flush failed").isEqualTo(2);
    }
  }

  @Test
  void aLedgerThatCannotBeCreatedIsRefusedAsAnOption() {
    assertThatThrownBy(() -> Ledger.open(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--ledger cannot create");
  }

  @Test
  void jsonAnswersGiveTheIndexesOfTheRefusedPings() throws Exception {
    String answer = "{\"accepted\": 1, \"duplicates\": 0, \"rejected\": 2, \"errors\": [{\"index\": 0, \"ping_id\": \"x\","
        + " \"reason\": \"invalid_event\"}, {\"index\": 2, \"ping_id\": \"\", \"reason\": \"malformed_ping\"}, 7]}";

    IngestResponse counts = Answers.parse("application/json", Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8));

    assertThat(counts.getErrorsList()).extracting(PingError::getIndex).containsExactly(0, 2, -1);
    assertThat(counts.getErrors(0).getReason()).isEqualTo("invalid_event");
  }

  /** The ledger's view of a request of pings from {@code instances}, numbered from {@code first}. */
  private static SentPings sent(long first, String... instances) {
    SentPings sent = new SentPings(Ascii.bytes("run-0-"));
    for (int i = 0; i < instances.length; i++) {
      sent.add(first + i, Ascii.bytes(instances[i]));
    }
    return sent;
  }

  /** Counts with the pings at {@code refused} listed in errors. */
  private static IngestResponse counts(int accepted, int duplicates, int... refused) {
    IngestResponse.Builder counts = IngestResponse.newBuilder().setAccepted(accepted).setDuplicates(duplicates)
        .setRejected(refused.length);
    for (int index : refused) {
      counts.addErrors(PingError.newBuilder().setIndex(index).setReason("invalid_event"));
    }
    return counts.build();
  }
}
