package io.messageorchestrator.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed test certificates made at test time with the JDK's {@code keytool} (nothing private is committed):
 * a PKCS#12 key pair, written out as the PEM files {@code cluster.tls.*} takes.
 */
final class TestCertificates {
  private static final String PASSWORD = "test-only";

  /** A key pair's PEM files: the PKCS#8 private key and its self-signed certificate (also its own trust anchor). */
  record Identity(Path key, Path cert) {
  }

  private TestCertificates() {
  }

  /** An EC P-256 key pair for {@code CN=<name>}, valid for 2 days, in {@code dir}. */
  static Identity create(Path dir, String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Process keytool = new ProcessBuilder(List.of(
      Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
      "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
      "-dname", "CN=" + name, "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
      "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
      .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, PASSWORD.toCharArray());
    }
    PrivateKey key = (PrivateKey) keyStore.getKey(name, PASSWORD.toCharArray());
    Certificate cert = keyStore.getCertificate(name);
    return new Identity(write(dir.resolve(name + ".key.pem"), "PRIVATE KEY", key.getEncoded()),
      write(dir.resolve(name + ".cert.pem"), "CERTIFICATE", cert.getEncoded()));
  }

  private static Path write(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }
}
