package dev.ddp4j.exchange.collective;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code ddp4j.exchange} settings of the collectives, read once from the configuration (see the
 * module's {@code reference.conf} for what each key means).
 *
 * <p>Immutable.
 *
 * @param segmentBytes largest payload of one data segment in bytes of float32 elements; a multiple of 4
 * @param window most data segments a rank has in flight, unacknowledged, to its ring successor
 * @param timeout how long a collective may make no progress before it fails on every rank
 */
public record ExchangeSettings(int segmentBytes, int window, Duration timeout) {

  /** Default segment payload: fits Artery frames once the frame size is raised (see {@link #WIRE_HEADER_ALLOWANCE_BYTES}). */
  public static final int DEFAULT_SEGMENT_BYTES = 256 << 10;
  /** Room left in a frame for everything but the payload: Artery's envelope (with uncompressed actor paths) and the segment header. */
  public static final int WIRE_HEADER_ALLOWANCE_BYTES = 4 << 10;

  private static final String PREFIX = "ddp4j.exchange.";
  private static final String FRAME_SIZE_KEY = "akka.remote.artery.advanced.maximum-frame-size";
  private static final Set<String> REMOTE_PROVIDERS = Set.of(
      "remote", "cluster", "akka.remote.RemoteActorRefProvider", "akka.cluster.ClusterActorRefProvider");

  /** Checks the values. */
  public ExchangeSettings {
    if (segmentBytes < Float.BYTES || segmentBytes % Float.BYTES != 0) {
      throw new IllegalArgumentException(
          PREFIX + "segment-bytes must be a positive multiple of 4, got " + segmentBytes);
    }
    if (window < 1) {
      throw new IllegalArgumentException(PREFIX + "window must be >= 1, got " + window);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(PREFIX + "timeout must be > 0, got " + timeout);
    }
  }

  /**
   * Reads {@code ddp4j.exchange} from an application's whole configuration. When the actor provider
   * is remote or cluster, also checks that a full segment fits in one Artery frame: Artery drops an
   * oversized message on the sender's side with only a log line, so a wrong frame size would stall
   * every collective instead of failing here.
   *
   * @throws IllegalArgumentException if a value is out of range or a segment would not fit a frame
   */
  public static ExchangeSettings fromConfig(Config config) {
    Config c = config.getConfig("ddp4j.exchange");
    ExchangeSettings settings = new ExchangeSettings(
        (int) Math.min(Integer.MAX_VALUE, c.getBytes("segment-bytes")), c.getInt("window"), c.getDuration("timeout"));
    settings.checkFitsArteryFrame(config);
    return settings;
  }

  private void checkFitsArteryFrame(Config config) {
    boolean remote = config.hasPath("akka.actor.provider")
        && REMOTE_PROVIDERS.contains(config.getString("akka.actor.provider"));
    if (!remote || !config.hasPath(FRAME_SIZE_KEY)) {
      return;
    }
    long frame = config.getBytes(FRAME_SIZE_KEY);
    long needed = (long) segmentBytes + WIRE_HEADER_ALLOWANCE_BYTES;
    if (needed > frame) {
      throw new IllegalArgumentException(PREFIX + "segment-bytes = " + segmentBytes + " plus "
          + WIRE_HEADER_ALLOWANCE_BYTES + " bytes of headers exceeds " + FRAME_SIZE_KEY + " = " + frame
          + ": Artery would drop every full segment; set the frame size to at least " + needed
          + " bytes or lower the segment size");
    }
  }

  /** Largest number of float elements in one segment. */
  public int segmentElements() {
    return segmentBytes / Float.BYTES;
  }

  /** A copy with another segment size. */
  public ExchangeSettings withSegmentBytes(int bytes) {
    return new ExchangeSettings(bytes, window, timeout);
  }

  /** A copy with another window. */
  public ExchangeSettings withWindow(int segments) {
    return new ExchangeSettings(segmentBytes, segments, timeout);
  }

  /** A copy with another timeout. */
  public ExchangeSettings withTimeout(Duration value) {
    return new ExchangeSettings(segmentBytes, window, value);
  }
}
