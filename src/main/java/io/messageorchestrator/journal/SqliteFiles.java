package io.messageorchestrator.journal;

import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQLite journal's files: the database {@code <path>} (with SQLite's {@code -wal} and {@code -shm} beside it), the
 * lock {@code <path>.lock} that keeps a second process off the same journal, and {@code <folder>/native} where the
 * driver extracts its native library. Every failure here is a {@link JournalUnavailableException} naming the path.
 * Blocking: called off the event loop.
 */
final class SqliteFiles implements AutoCloseable {
  /** Read by sqlite-jdbc once, when it first loads its native library. */
  static final String NATIVE_FOLDER_PROPERTY = "org.sqlite.tmpdir";
  private static final int BUSY_TIMEOUT_MS = 5_000;

  private final Path database;
  private final Path lockFile;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private SqliteFiles(Path database, Path lockFile, FileChannel lockChannel, FileLock lock) {
    this.database = database;
    this.lockFile = lockFile;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Creates the folder, takes the lock and points the driver at the native folder; does not open the database. */
  static SqliteFiles lock(String configuredPath) {
    if (configuredPath == null || configuredPath.isBlank()) {
      throw new JournalUnavailableException("journal.path is empty: the SQLite journal needs a file");
    }
    Path database = Path.of(configuredPath).toAbsolutePath().normalize();
    Path folder = database.getParent();
    try {
      Files.createDirectories(folder);
    } catch (IOException | RuntimeException e) {
      throw new JournalUnavailableException("cannot create the folder of the SQLite journal " + database + ": "
        + describe(e), e);
    }
    if (Files.isDirectory(database)) {
      throw new JournalUnavailableException("the SQLite journal " + database + " is a folder, not a file");
    }
    Path lockFile = database.resolveSibling(database.getFileName() + ".lock");
    FileChannel channel;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException | RuntimeException e) {
      throw new JournalUnavailableException("cannot create the lock file " + lockFile + " of the SQLite journal "
        + database + ": " + describe(e), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new JournalUnavailableException("the SQLite journal " + database + " is already open in this process ("
        + lockFile + " is locked)", e);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      throw new JournalUnavailableException("cannot lock " + lockFile + " for the SQLite journal " + database + ": "
        + describe(e), e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new JournalUnavailableException("the SQLite journal " + database + " is in use by another process ("
        + lockFile + " is locked): one orchestrator per journal file");
    }
    SqliteFiles files = new SqliteFiles(database, lockFile, channel, lock);
    try {
      useNativeFolder(folder.resolve("native"));
    } catch (RuntimeException e) {
      files.close();
      throw e;
    }
    return files;
  }

  /**
   * The driver extracts its native library to {@code java.io.tmpdir} unless told otherwise, at every start; a
   * {@code noexec} /tmp breaks it. The first journal opened in a JVM decides (the library is loaded once); a folder
   * given with {@code -Dorg.sqlite.tmpdir} wins.
   */
  private static synchronized void useNativeFolder(Path nativeFolder) {
    try {
      Files.createDirectories(nativeFolder);
    } catch (IOException | RuntimeException e) {
      throw new JournalUnavailableException("cannot create " + nativeFolder + " for the SQLite native library: "
        + describe(e), e);
    }
    if (System.getProperty(NATIVE_FOLDER_PROPERTY) == null) {
      System.setProperty(NATIVE_FOLDER_PROPERTY, nativeFolder.toString());
    }
  }

  Path database() {
    return database;
  }

  Path lockFile() {
    return lockFile;
  }

  /**
   * The writer's connection: incremental auto-vacuum (before the first table exists: a new file only), WAL,
   * {@code synchronous=FULL} (a commit is synced before it returns).
   */
  Connection openWriteConnection() {
    Connection connection = connect();
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA auto_vacuum = INCREMENTAL");
      String mode = pragma(statement, "PRAGMA journal_mode = WAL");
      if (!"wal".equalsIgnoreCase(mode)) {
        throw new SQLException("journal_mode stays " + mode + " instead of wal");
      }
      statement.execute("PRAGMA synchronous = FULL");
      return connection;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw cannotOpen(e);
    }
  }

  /** A connection for reads only: it sees every committed write (WAL) and never blocks the writer. */
  Connection openReadConnection() {
    Connection connection = connect();
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA query_only = true");
      return connection;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw cannotOpen(e);
    }
  }

  private Connection connect() {
    SQLiteConfig config = new SQLiteConfig();
    // A sqlite3 CLI or an online backup may hold the lock for a moment: wait rather than fail.
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    // The journal never reads generated keys; left on, the driver queries last_insert_rowid() after every insert and
    // update (~14 % of the writer thread's samples in the durable-http benchmark).
    config.setGetGeneratedKeys(false);
    try {
      return config.createConnection("jdbc:sqlite:" + database);
    } catch (SQLException | RuntimeException | UnsatisfiedLinkError e) {
      throw cannotOpen(e);
    }
  }

  static String pragma(Statement statement, String sql) throws SQLException {
    try (ResultSet row = statement.executeQuery(sql)) {
      return row.next() ? row.getString(1) : null;
    }
  }

  /** The database and its write-ahead log, in bytes (0 for a file that is missing). */
  long sizeOnDisk() {
    return sizeOf(database) + sizeOf(database.resolveSibling(database.getFileName() + "-wal"));
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  JournalUnavailableException cannotOpen(Throwable e) {
    return new JournalUnavailableException("cannot open the SQLite journal " + database + ": " + describe(e), e);
  }

  static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Closing on the way out of a failure: the first failure is the one reported.
    }
  }

  /** Releases the lock; the lock file stays (deleting it would let two processes lock two different files). */
  @Override
  public void close() {
    closeQuietly(lock);
    closeQuietly(lockChannel);
  }
}
