package io.pingstack.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pacer on a hand-moved clock and timer: every instant below is exact. */
class PacerTest {
  private static final long MS = 1_000_000;

  /** What was sent, on which slot, intended when: {@code "a@3"} is slot a's request intended at 3 ms. */
  private final List<String> sent = new ArrayList<>();
  private final Set<String> busy = new HashSet<>();
  private final Set<String> unavailable = new HashSet<>();
  private final ArrayDeque<Runnable> timers = new ArrayDeque<>();
  private final ArrayDeque<Long> timerDelays = new ArrayDeque<>();
  private long now;
  private boolean nothingToSend;

  private final Pacer<String> pacer = new Pacer<>(1000, (task, delayNanos) -> {
    timers.add(task);
    timerDelays.add(delayNanos);
  }, () -> now, (slot, intendedNanos) -> {
    if (unavailable.contains(slot)) {
      return Pacer.Outcome.UNAVAILABLE;
    }
    if (nothingToSend) {
      return Pacer.Outcome.NOTHING_TO_SEND;
    }
    assertThat(busy.add(slot)).as("one request per slot").isTrue();
    sent.add(slot + "@" + intendedNanos / MS);
    return Pacer.Outcome.SENT;
  });

  @Test
  void freeSlotsSendEachRequestAtItsIntendedTime() {
    pacer.start(0);
    free("a");
    free("b");
    assertThat(sent).containsExactly("a@0");
    assertThat(timerDelays).containsExactly(MS);

    at(1);
    fireTimer();
    at(1);
    free("a");
    assertThat(timerDelays.peekLast()).isEqualTo(MS);
    at(2);
    fireTimer();

    assertThat(sent).containsExactly("a@0", "b@1", "a@2");
    assertThat(pacer.behind()).isZero();
    assertThat(pacer.stop(2 * MS)).isZero();
  }

  @Test
  void requestsThatFindNoFreeSlotWaitInOrderAndCountAsBehindSchedule() {
    pacer.start(0);
    free("a"); // sends request 0 and stays busy: a stalled server
    at(5);
    free("a");
    free("a");
    free("a");

    // Requests 1-3 were due at 1, 2 and 3 ms while the only slot was busy: each waited.
    assertThat(sent).containsExactly("a@0", "a@1", "a@2", "a@3");
    assertThat(pacer.behind()).isEqualTo(3);
    assertThat(pacer.stop(5 * MS)).as("requests 4 and 5 were due and never sent").isEqualTo(2);
  }

  @Test
  void aLateTimerWithASlotFreeIsNotBehindScheduleButTheRequestsAfterItAre() {
    pacer.start(0);
    free("a");
    free("b");
    at(3); // the timer meant for 1 ms fires at 3 ms: b takes request 1, which found b free at 1 ms
    fireTimer();
    assertThat(sent).containsExactly("a@0", "b@1");
    assertThat(pacer.behind()).isZero();

    at(4);
    free("a"); // request 2, due at 2 ms when b was (ideally) already busy with request 1
    assertThat(sent).containsExactly("a@0", "b@1", "a@2");
    assertThat(pacer.behind()).isEqualTo(1);
  }

  @Test
  void slotsAreBehindScheduleUntilTheyFirstConnect() {
    pacer.start(0);
    at(2);
    free("a");

    assertThat(sent).containsExactly("a@0");
    assertThat(pacer.behind()).isEqualTo(1);
  }

  @Test
  void requestsTheRunHasNothingForAreSkippedAndTheSlotStaysFree() {
    pacer.start(0);
    nothingToSend = true;
    at(2);
    free("a");
    assertThat(sent).isEmpty();
    assertThat(timerDelays).as("waits for request 3").containsExactly(MS);

    nothingToSend = false;
    at(3);
    fireTimer();
    assertThat(sent).containsExactly("a@3");
    assertThat(pacer.stop(3 * MS)).isZero();
  }

  @Test
  void aSlotThatCannotSendLeavesTheFreeSlotsAndItsRequestWaits() {
    pacer.start(0);
    free("a");
    free("b");
    unavailable.add("b");
    at(1);
    fireTimer();
    assertThat(sent).containsExactly("a@0");
    assertThat(timers).as("no free slot left to wake").isEmpty();

    at(2);
    free("a");
    assertThat(sent).containsExactly("a@0", "a@1");
    assertThat(pacer.behind()).isEqualTo(1);
  }

  @Test
  void stoppedPacerSendsNothingMore() {
    pacer.start(0);
    free("a");
    pacer.stop(0);
    at(5);
    free("a");

    assertThat(sent).containsExactly("a@0");
  }

  private void at(long millis) {
    now = millis * MS;
  }

  /** Frees {@code slot}: its last request was answered. */
  private void free(String slot) {
    busy.remove(slot);
    pacer.free(slot);
  }

  private void fireTimer() {
    timerDelays.poll();
    timers.poll().run();
  }
}
