package dev.ddp4j.exchange.wire;

import akka.actor.typed.ActorRef;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.ddp4j.exchange.collective.PeerMessage;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import dev.ddp4j.exchange.collective.SegmentLink;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk-data side channel of one rank: a plain TCP connection to its ring successor that carries
 * the {@code DataSegment}s (each frame a 4-byte big-endian length, then the protobuf message written by
 * {@link SegmentCodec}), and one from its predecessor whose segments it hands to the rank's
 * communicator. Each connection also carries the {@code SegmentAck}s back the other way (same framing,
 * the protobuf written by {@link ControlCodec}): a collective completes only when its last segments
 * are acknowledged, and an acknowledgement over Artery takes ~0.5 ms here against ~30 µs over a
 * plain socket. Barriers and the other control messages stay on Artery; the flow control is the
 * communicator's window, which bounds what is queued here.
 *
 * <p>A connection opens with the connecting rank's number (4 bytes) so the acceptor can check it.
 * A broken connection or a malformed frame closes the link with a warning; the collective in flight
 * then fails through the communicators' timeout, which names the silent rank.
 *
 * <p>Received float32 segments are not decoded: each frame is read into a pooled direct buffer and
 * the segment handed on carries a little-endian view of its payload, which the communicator combines
 * or copies straight into the collective's buffer (the copy into an array first cost as much as the
 * combine itself) and then gives back through {@link #recycle}. At most a window of segments (plus
 * the one being read) is unconsumed, so the pool holds about that many frames.
 *
 * <p>Threads: {@link #send} and {@link #sendAck} encode and write on the communicator's thread itself;
 * one reader thread reads frames and tells the communicator the predecessor's segments, and one reads
 * the successor's acknowledgements. Writing on the caller's thread saves a thread hand-off per
 * segment: with two ranks on two busy cores, a hand-off to a writer thread took 0.2 ms (median; 0.5 ms
 * mean) of each ring step inside DDP training. A write may block until the successor's reader takes
 * the bytes; readers never wait on anything but their socket, so two ranks writing to each other
 * cannot deadlock, and a watchdog thread closes the link when one write has been blocked for longer
 * than the stall limit (a stopped peer whose socket buffer is full), so that the communicator's
 * thread is let go and the collective fails through its timeout. Set-up and {@link #close()} from the
 * owner's (RingNode's) thread.
 */
public final class TcpSegmentLink implements SegmentLink, AutoCloseable {
  /** Room in a frame beyond the segment payload, for the segment's header fields. */
  public static final int FRAME_HEADROOM_BYTES = 4 << 10;
  private static final Logger LOG = LoggerFactory.getLogger(TcpSegmentLink.class);
  private static final Duration POLL = Duration.ofMillis(5);
  /** Stall limit of {@link #listen(String, int)}: half the collectives' default timeout (30 s). */
  private static final Duration DEFAULT_STALL_LIMIT = Duration.ofSeconds(15);
  /** Most bytes of an acknowledgement frame: its length prefix and the protobuf SegmentAck (four varints). */
  private static final int ACK_FRAME_BYTES = 64;
  /** Most decoded arrays tracked as lent at once; far above a window's worth of segments. */
  private static final int MAX_LENT = 256;

  private final ServerSocketChannel server;
  private final int maxFrameBytes;
  private final Duration stallLimit;
  /** {@link System#nanoTime()} when the write in progress began, or 0 when none is: read by the watchdog. */
  private volatile long writingSince;
  /**
   * Arrays of {@link #poolElements} floats that decoded segments lent to the communicator and it gave
   * back ({@link #recycle}): decoding into a fresh array zeroes it first and churns the young generation
   * at the link's rate. Only arrays in {@link #lent} come back, so an array the link did not decode
   * (a segment that came another way) is never reused.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<float[]> pool =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.Set<float[]> lent = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Direct frame buffers of {@link #maxFrameBytes} that the reader read a float32 segment into and
   * whose payload view the communicator gave back ({@link #recycle}): the communicator combines
   * straight from the frame, so the frame stays lent until then. Keyed by the payload view's identity
   * ({@code ByteBuffer.equals} compares contents); a view not in the map is never reused.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> framePool =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.Map<ByteBuffer, ByteBuffer> lentFrames =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
  private final int poolElements;
  /** The frame {@link #send} encodes into; grows to the largest segment sent. */
  private ByteBuffer sendFrame = ByteBuffer.allocateDirect(Integer.BYTES);
  private volatile ActorRef<?> successor;
  private volatile ActorRef<?> predecessor;
  private final Object ackLock = new Object();
  private final ByteBuffer ackFrame = ByteBuffer.allocate(ACK_FRAME_BYTES);
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong acksWritten = new java.util.concurrent.atomic.AtomicLong();
  private SocketChannel out;
  private SocketChannel in;
  private Thread watchdog;
  private Thread reader;
  private Thread ackReader;

  private TcpSegmentLink(ServerSocketChannel server, int maxFrameBytes, int segmentBytes, Duration stallLimit) {
    this.server = server;
    this.stallLimit = stallLimit;
    this.maxFrameBytes = maxFrameBytes;
    this.poolElements = Math.max(1, segmentBytes / Float.BYTES);
  }

  /** {@link #listen(String, int, Duration)} with a stall limit of 15 s. */
  public static TcpSegmentLink listen(String host, int segmentBytes) throws IOException {
    return listen(host, segmentBytes, DEFAULT_STALL_LIMIT);
  }

  /**
   * Opens the listening socket on {@code host} (a free port) for segments of at most {@code segmentBytes}
   * of payload. A write to the successor blocked for longer than {@code stallLimit} closes the link
   * (give it less than the collectives' timeout, so that they fail in time).
   */
  public static TcpSegmentLink listen(String host, int segmentBytes, Duration stallLimit) throws IOException {
    if (stallLimit.isNegative() || stallLimit.isZero()) {
      throw new IllegalArgumentException("stall limit must be > 0, got " + stallLimit);
    }
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(host, 0));
    server.configureBlocking(false);
    return new TcpSegmentLink(server, segmentBytes + FRAME_HEADROOM_BYTES, segmentBytes, stallLimit);
  }

  /** The port the predecessor connects to. */
  public int port() {
    return server.socket().getLocalPort();
  }

  /**
   * Connects to the successor's link at {@code host:port} and starts sending to it; from then on
   * {@link #carries} is true for {@code successorCommunicator}.
   */
  public void connect(String host, int port, int myRank, ActorRef<?> successorCommunicator) throws IOException {
    SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ByteBuffer hello = ByteBuffer.allocate(Integer.BYTES).putInt(0, myRank);
    while (hello.hasRemaining()) {
      ch.write(hello);
    }
    out = ch;
    watchdog = new Thread(this::watchWrites, "ddp4j-segment-link-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    successor = successorCommunicator;
  }

  /**
   * Waits for the predecessor (rank {@code expectedRank}, communicator {@code predecessorCommunicator})
   * to connect, then hands every segment it sends, and every acknowledgement the successor sends,
   * to {@code deliver}, each stream in order, on reader threads. Call after {@link #connect}.
   *
   * @throws TimeoutException if no connection came in time
   * @throws IOException if the connection failed or came from another rank
   */
  public void accept(int expectedRank, ActorRef<?> predecessorCommunicator, Duration timeout,
      Consumer<PeerMessage> deliver) throws IOException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    SocketChannel ch = server.accept();
    while (ch == null) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("rank " + expectedRank + " did not open its data connection in time");
      }
      Thread.sleep(POLL.toMillis());
      ch = server.accept();
    }
    ch.configureBlocking(true);
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ByteBuffer hello = ByteBuffer.allocate(Integer.BYTES);
    readFully(ch, hello);
    int rank = hello.getInt(0);
    if (rank != expectedRank) {
      ch.close();
      throw new IOException("data connection from rank " + rank + ", expected the predecessor rank " + expectedRank);
    }
    in = ch;
    reader = new Thread(() -> readLoop(deliver), "ddp4j-segment-reader");
    reader.setDaemon(true);
    reader.start();
    if (out != null) {
      ackReader = new Thread(() -> readAcks(deliver), "ddp4j-ack-reader");
      ackReader.setDaemon(true);
      ackReader.start();
    }
    predecessor = predecessorCommunicator;
  }

  @Override
  public boolean carries(ActorRef<?> to) {
    ActorRef<?> s = successor;
    return s != null && s.path().equals(to.path());  // paths, not uids: the group may carry either form
  }

  @Override
  public void send(Segment segment) {
    if (closed) {
      return;  // the link broke: the collective fails through the communicators' timeout
    }
    try {
      int need = SegmentCodec.encodedSize(segment) + Integer.BYTES;
      if (sendFrame.capacity() < need) {
        sendFrame = ByteBuffer.allocateDirect(need);
      }
      writeFrame(segment, sendFrame);
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("segment link to the successor broke: {}", e.toString());
        close();
      }
    }
  }

  @Override
  public void recycle(Segment segment) {
    if (segment.payload() != null) {
      ByteBuffer frame = lentFrames.remove(segment.payload());
      if (frame != null) {
        framePool.offer(frame);
      }
      return;
    }
    float[] a = segment.data();
    if (lent.remove(a)) {
      pool.offer(a);
    }
  }

  /** A frame buffer of {@link #maxFrameBytes} for the reader: a pooled one, else a fresh one. */
  private ByteBuffer borrowFrame() {
    ByteBuffer f = framePool.poll();
    return f != null ? f : ByteBuffer.allocateDirect(maxFrameBytes);
  }

  /** Marks {@code frame} lent until the segment with payload view {@code payload} is recycled. */
  private void lendFrame(ByteBuffer payload, ByteBuffer frame) {
    if (lentFrames.size() >= MAX_LENT) {
      lentFrames.clear();  // as in borrow: frames of dropped segments are left to the collector
    }
    lentFrames.put(payload, frame);
  }

  /** An array for {@code count} decoded elements: a pooled one when it fits, else a fresh one. */
  float[] borrow(int count) {
    if (count > poolElements) {
      return new float[count];
    }
    float[] a = pool.poll();
    if (a == null) {
      a = new float[poolElements];
    }
    if (lent.size() >= MAX_LENT) {
      // Segments the communicator dropped (stale, rejected) never come back; forget them rather than
      // hold their arrays: an array missing from the set is simply not reused.
      lent.clear();
    }
    lent.add(a);
    return a;
  }

  @Override
  public boolean carriesAcks(ActorRef<?> to) {
    ActorRef<?> p = predecessor;
    return p != null && p.path().equals(to.path());
  }

  @Override
  public void sendAck(SegmentAck ack) {
    synchronized (ackLock) {
      try {
        ackFrame.clear();
        ackFrame.position(Integer.BYTES);
        MessageLite proto = ControlCodec.toProto(ack);
        CodedOutputStream cos = CodedOutputStream.newInstance(ackFrame);
        proto.writeTo(cos);
        cos.flush();
        ackFrame.putInt(0, ackFrame.position() - Integer.BYTES);
        ackFrame.flip();
        while (ackFrame.hasRemaining()) {
          in.write(ackFrame);
        }
        acksWritten.incrementAndGet();
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          LOG.warn("segment link to the predecessor broke while acknowledging: {}", e.toString());
          close();
        }
      }
    }
  }

  /** Arrays waiting in the pool (for tests). */
  int pooledArrays() {
    return pool.size();
  }

  /** Number of acknowledgements written to the predecessor so far. */
  public long acksWritten() {
    return acksWritten.get();
  }

  /** Number of segments written to the successor so far. */
  public long segmentsWritten() {
    return written.get();
  }

  /** Closes the sockets and stops the threads. */
  @Override
  public void close() {
    closed = true;
    successor = null;
    predecessor = null;
    for (AutoCloseable c : new AutoCloseable[] {server, out, in}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        LOG.debug("closing the segment link: {}", e.toString());
      }
    }
    if (watchdog != null) {
      watchdog.interrupt();
    }
  }

  /** Closes the link when a write has been blocked for longer than the stall limit; runs until closed. */
  private void watchWrites() {
    long period = Math.max(1, stallLimit.toMillis() / 4);
    try {
      while (!closed) {
        Thread.sleep(period);
        long since = writingSince;
        if (since != 0 && System.nanoTime() - since > stallLimit.toNanos() && !closed) {
          LOG.warn("a write to the successor has been blocked for more than {} ms: its rank takes no data; "
              + "closing the segment link", stallLimit.toMillis());
          close();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readAcks(Consumer<PeerMessage> deliver) {
    ByteBuffer header = ByteBuffer.allocate(Integer.BYTES);
    ByteBuffer frame = ByteBuffer.allocate(ACK_FRAME_BYTES);
    try {
      while (!closed) {
        header.clear();
        readFully(out, header);
        int size = header.getInt(0);
        if (size < 0 || size > ACK_FRAME_BYTES - Integer.BYTES) {
          throw new IOException("acknowledgement frame of " + size + " bytes exceeds the limit of "
              + (ACK_FRAME_BYTES - Integer.BYTES));
        }
        frame.clear().limit(size);
        readFully(out, frame);
        frame.flip();
        deliver.accept(ControlCodec.ack(frame));
      }
    } catch (EOFException e) {
      if (!closed) {
        LOG.debug("acknowledgements from the successor ended");
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("acknowledgements from the successor broke: {}", e.toString());
        close();
      }
    }
  }

  /** Encodes {@code s} into {@code frame} (large enough) and writes it. */
  private void writeFrame(Segment s, ByteBuffer frame) throws IOException {
    frame.clear();
    frame.putInt(SegmentCodec.encodedSize(s));
    SegmentCodec.write(s, frame);
    frame.flip();
    writingSince = Math.max(1, System.nanoTime());
    try {
      while (frame.hasRemaining()) {
        out.write(frame);
      }
    } finally {
      writingSince = 0;
    }
    written.incrementAndGet();
  }

  private void readLoop(Consumer<PeerMessage> deliver) {
    ByteBuffer header = ByteBuffer.allocate(Integer.BYTES);
    try {
      while (!closed) {
        header.clear();
        readFully(in, header);
        int size = header.getInt(0);
        if (size < 0 || size > maxFrameBytes) {
          throw new IOException("frame of " + size + " bytes exceeds the limit of " + maxFrameBytes);
        }
        ByteBuffer frame = borrowFrame();
        frame.clear().limit(size);
        readFully(in, frame);
        frame.flip();
        Segment s = SegmentCodec.readView(frame, this::borrow);
        if (s.payload() != null) {
          lendFrame(s.payload(), frame);
        } else {
          framePool.offer(frame);
        }
        deliver.accept(s);
      }
    } catch (EOFException e) {
      if (!closed) {
        LOG.debug("segment link from the predecessor closed");
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("segment link from the predecessor broke: {}", e.toString());
        close();
      }
    }
  }

  private static void readFully(SocketChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        throw new EOFException("end of stream");
      }
    }
  }
}
