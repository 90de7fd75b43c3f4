package io.messageorchestrator.support;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalAdminVerticle;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.JournalUnavailableException;
import io.messageorchestrator.journal.OutcomeRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Puts messages in a journal the way the shards do (append, then an outcome), for the journal admin's tests. */
public final class JournalFixtures {
  private JournalFixtures() {
  }

  /**
   * Deploys the journal admin verticle over {@code journal}, for tests without a suite (a suite deploys its own,
   * over {@code suite.journal()}: a second one would share its addresses).
   */
  public static void serve(Vertx vertx, Journal journal) {
    Await.result(vertx.deployVerticle(new JournalAdminVerticle(journal)));
  }

  /** A message whose retries were used up: outcome {@code failed}, fallback reply pending. */
  public static void deadLetter(Journal journal, String account, String contactId, String processId,
                                InboundMessage message) {
    append(journal, account, contactId, processId, message);
    Await.result(journal.recordOutcome(new OutcomeRecord(processId, "failed", "sorry", "agent exploded",
      System.currentTimeMillis(), false)));
  }

  /** A message processed normally, its reply still pending (so the journal still holds it). */
  public static void processed(Journal journal, String account, String contactId, String processId,
                               InboundMessage message) {
    append(journal, account, contactId, processId, message);
    Await.result(journal.recordOutcome(new OutcomeRecord(processId, "processed", "re:" + message.text(), null,
      System.currentTimeMillis(), false)));
  }

  public static void append(Journal journal, String account, String contactId, String processId,
                            InboundMessage message) {
    AppendResult appended = Await.result(journal.append(new JournalEntry(0, processId, account, contactId,
      message.messageId(), message.toJson(), System.currentTimeMillis(), 0, null), 0));
    assertThat(appended).isEqualTo(AppendResult.APPENDED);
  }

  /** A journal whose every operation fails as a full disk or a database that is down would. */
  public static Journal unavailable() {
    return failing(null, Set.of());
  }

  /**
   * {@code journal}, except that the operator's reads and erasures (dead letters, find, export, erase) fail as a
   * full disk would: a suite starts and processes over it, its admin routes meet a failing journal.
   */
  public static Journal failingReads(Journal journal) {
    return failing(journal, Set.of("deadLetters", "find", "deleteDeadLetter", "exportContact", "eraseContact"));
  }

  private static Journal failing(Journal delegate, Set<String> failingMethods) {
    return (Journal) Proxy.newProxyInstance(Journal.class.getClassLoader(), new Class<?>[] {Journal.class},
      (proxy, method, args) -> {
        if (method.getDeclaringClass() == Object.class) {
          return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "failing journal";
          };
        }
        if (delegate == null || failingMethods.contains(method.getName())) {
          return Future.failedFuture(new JournalUnavailableException("disk full"));
        }
        try {
          return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
  }
}
