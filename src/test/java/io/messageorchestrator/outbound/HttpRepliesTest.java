package io.messageorchestrator.outbound;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HttpRepliesTest {

  @Test
  @DisplayName("Retry-After is read in delta-seconds; dates and garbage are ignored")
  void retryAfterHeader() {
    assertThat(HttpReplies.retryAfterMs("3")).isEqualTo(3_000);
    assertThat(HttpReplies.retryAfterMs(null)).isEqualTo(-1);
    assertThat(HttpReplies.retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(-1);
  }
}
