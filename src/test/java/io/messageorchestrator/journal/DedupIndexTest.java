package io.messageorchestrator.journal;

import io.messageorchestrator.journal.DedupIndex.Key;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The SQLite writer's in-memory duplicate check: transactions, the window and the bound. */
@DisplayName("DedupIndex")
class DedupIndexTest {
  private static final Key K1 = new Key("default", "c1", "k1");
  private static final Key K2 = new Key("default", "c2", "k2");
  private static final Key K3 = new Key("default", "c3", "k3");

  @Test
  @DisplayName("a key held since the window's start is a duplicate; an older one is taken over")
  void windowDecides() {
    DedupIndex index = new DedupIndex(10);
    assertThat(index.take(K1, 1_000, "p1", 0)).isTrue();
    index.committed();

    assertThat(index.take(K1, 2_000, "p2", 1_000)).isFalse();
    assertThat(index.take(K1, 2_000, "p2", 1_001)).isTrue();
    index.committed();
    // p2 holds it now: p1 forgetting it changes nothing.
    index.forget(K1, "p1");
    assertThat(index.take(K1, 3_000, "p3", 0)).isFalse();
  }

  @Test
  @DisplayName("a rolled-back transaction leaves the keys as they were: takes, take-overs and forgets undone")
  void rollbackUndoes() {
    DedupIndex index = new DedupIndex(10);
    index.take(K1, 1_000, "p1", 0);
    index.take(K2, 1_000, "p2", 0);
    index.committed();

    index.take(K3, 2_000, "p3", 0);          // new
    index.take(K1, 2_000, "p4", 1_500);      // taken over
    index.forget(K2, "p2");                  // forgotten
    index.forgetConversation("default", "c3");
    index.purge(5_000);
    index.rollback();
    index.committed(); // the purge went with the rollback

    assertThat(index.size()).isEqualTo(2);
    assertThat(index.take(K3, 3_000, "p5", 0)).isTrue();   // was never taken
    assertThat(index.take(K1, 3_000, "p6", 1_000)).isFalse(); // p1's since 1,000, not p4's
    assertThat(index.take(K2, 3_000, "p7", 0)).isFalse();  // still held
  }

  @Test
  @DisplayName("after a commit, keys beyond maxKeys go oldest first, and keys before the latest window's start go")
  void boundedAndExpired() {
    DedupIndex index = new DedupIndex(2);
    index.take(K1, 1_000, "p1", 0);
    index.take(K2, 2_000, "p2", 0);
    index.take(K3, 3_000, "p3", 0);
    assertThat(index.size()).isEqualTo(3); // evicted at the commit, not mid-transaction
    index.committed();
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.take(K1, 4_000, "p4", 0)).isTrue(); // K1 was the oldest

    index.committed(); // K2 goes: K3, K1 stay
    assertThat(index.take(new Key("default", "c9", "k9"), 9_000, "p9", 3_500)).isTrue();
    index.committed(); // K3 (taken at 3,000) is before the window that started at 3,500
    assertThat(index.take(K3, 9_000, "p10", 0)).isTrue();
  }

  @Test
  @DisplayName("a committed purge drops every key taken before it, wherever it is in the order")
  void purgeDropsOldKeys() {
    DedupIndex index = new DedupIndex(10);
    index.take(K1, 5_000, "p1", 0);
    index.take(K2, 1_000, "p2", 0); // a wall clock that stepped back: older, yet later in the order
    index.take(K3, 6_000, "p3", 0);
    index.committed();

    index.purge(2_000);
    index.committed();

    assertThat(index.size()).isEqualTo(2);
    assertThat(index.take(K2, 7_000, "p4", 0)).isTrue();
    assertThat(index.take(K1, 7_000, "p5", 0)).isFalse();
  }

  @Test
  @DisplayName("loaded newest first, the newest holder of a key wins and expiry still walks oldest first")
  void loadKeepsTheNewest() {
    DedupIndex index = new DedupIndex(10);
    index.load(K1, new DedupIndex.Taken(5_000, "p-new"));
    index.load(K2, new DedupIndex.Taken(4_000, "p2"));
    index.load(K1, new DedupIndex.Taken(1_000, "p-old"));
    index.loaded();

    index.forget(K1, "p-old"); // not the holder
    assertThat(index.take(K1, 6_000, "p3", 4_500)).isFalse();
    assertThat(index.take(K3, 6_000, "p4", 4_500)).isTrue();
    index.committed(); // K2 (4,000) expires before K1 (5,000): the order is oldest first again
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.take(K2, 7_000, "p5", 0)).isTrue();
  }
}
