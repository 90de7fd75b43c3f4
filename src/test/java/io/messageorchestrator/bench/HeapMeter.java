package io.messageorchestrator.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Live heap, measured the simple reproducible way: {@code System.gc()} (a full, stop-the-world collection with G1
 * unless -XX:+ExplicitGCInvokesConcurrent or -XX:+DisableExplicitGC is set — the bench sets neither) repeated until
 * two consecutive readings of {@link MemoryMXBean#getHeapMemoryUsage()} {@code used} agree within 64 KB (at most 10
 * times), keeping the smallest reading. Call it only when the system under test is idle.
 */
final class HeapMeter {
  private static final long SETTLED_BYTES = 64 * 1024;

  private HeapMeter() {
  }

  /**
   * With {@code -Dbench.memory.histogram=N}: prints the N largest classes of the live heap ({@code jcmd
   * GC.class_histogram}) to stderr under {@code label}, to see what a measured difference is made of.
   */
  static void histogram(String label) {
    int lines = Integer.getInteger("bench.memory.histogram", 0);
    if (lines <= 0) {
      return;
    }
    try {
      Object text = ManagementFactory.getPlatformMBeanServer().invoke(
        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
      System.err.println("--- heap histogram: " + label);
      text.toString().lines().limit(lines + 3L).forEach(System.err::println);
    } catch (javax.management.JMException e) {
      System.err.println("--- heap histogram unavailable: " + e);
    }
  }

  static long settledUsedHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long smallest = Long.MAX_VALUE;
    long previous = -1;
    for (int i = 0; i < 10; i++) {
      System.gc();
      long used = memory.getHeapMemoryUsage().getUsed();
      smallest = Math.min(smallest, used);
      if (previous >= 0 && Math.abs(used - previous) < SETTLED_BYTES) {
        break;
      }
      previous = used;
    }
    return smallest;
  }
}
