package dev.ddp4j.exchange.collective;

import akka.actor.Address;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import akka.cluster.typed.JoinSeedNodes;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ddp4j.exchange.wire.TcpSegmentLink;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One rank of a ring that spans JVMs: an actor system with the cluster provider on Artery TCP, its
 * {@link Communicator}, and the rendezvous that forms the first {@link ProcessGroup}. A bootstrap for
 * benchmarks, tests and single-host jobs; the supervisor forms later generations.
 *
 * <p>Rendezvous, for ranks 0..N-1 started with the same world size and rank 0's port as the seed:
 * <ol type="a">
 *   <li>Each rank starts its actor system (system name {@link #SYSTEM_NAME}, cluster role
 *       {@code ddp4j-rank-<r>}), spawns its communicator at {@code /user/communicator}, and only then
 *       joins the cluster through rank 0's address, so a member that is up already has a communicator.
 *   <li>Rank 0 waits until N members are up, one per rank role, resolves each member's communicator
 *       from its address, and sends every communicator {@link Communicator.NewGeneration} with
 *       generation {@link #FIRST_GENERATION} (across JVMs the group travels as protobuf, its refs as
 *       {@link ActorRefResolver} strings).
 *   <li>Every rank returns from {@link #start} once its communicator has started that generation.
 * </ol>
 * No downing provider is configured: a rank that dies stays unreachable, and the collectives in flight
 * fail through the communicators' timeout and probes, which name the silent rank.
 *
 * <p>Threads: {@link #start} blocks its caller (not an actor thread) until the group is formed;
 * {@link #collective()} follows {@link Collective}'s rules; {@link #close()} from any thread.
 */
public final class RingNode implements AutoCloseable {
  /** Actor system name of every rank: a cluster only admits members of the same name. */
  public static final String SYSTEM_NAME = "ddp4j-ring";
  /** Generation of the group the rendezvous forms. */
  public static final long FIRST_GENERATION = 1;
  /** Segment payload across JVMs over Artery unless configured: 1 MiB messages moved ~1.5x the bytes of 256 KiB ones over Artery here. */
  public static final int DEFAULT_SEGMENT_BYTES_ACROSS_JVMS = 1 << 20;
  /**
   * Segment payload over the TCP side channel unless configured: every segment costs thread hand-offs
   * and wake-ups on both ranks; in this 2-core host's quieter runs 4 MiB segments moved 0.9-1.2 GB/s
   * bus bandwidth from 16 MiB up with 2 ranks against 0.5-0.9 for 1 MiB ones (the receiver reduces
   * straight from the frame, so a larger frame costs no extra copy); with 4 ranks they were no worse.
   */
  public static final int DEFAULT_SEGMENT_BYTES_OVER_SIDE_CHANNEL = 4 << 20;
  /** Artery frame headroom over the segment payload (envelope, segment header). */
  public static final int FRAME_HEADROOM_BYTES = 64 << 10;
  /** How long {@link #close()} waits for the actor system to terminate. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private static final String ROLE_PREFIX = "ddp4j-rank-";
  private static final String DATA_PORT_ROLE_PREFIX = "ddp4j-data-port-";
  /** Configuration key choosing the path of bulk segments across JVMs: {@code artery} or {@code tcp} (side channel). */
  public static final String BULK_TRANSPORT_KEY = "ddp4j.exchange.ring-node.bulk-transport";
  private static final String COMMUNICATOR_NAME = "communicator";
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  private final ActorSystem<Void> system;
  private final ActorRef<Communicator.Command> communicator;
  private final int rank;
  private final int worldSize;
  private final TcpSegmentLink link;

  private RingNode(ActorSystem<Void> system, ActorRef<Communicator.Command> communicator, int rank, int worldSize,
      TcpSegmentLink link) {
    this.link = link;
    this.system = system;
    this.communicator = communicator;
    this.rank = rank;
    this.worldSize = worldSize;
  }

  /**
   * Starts rank {@code rank} of {@code worldSize} and blocks until the group is formed.
   *
   * @param host the address every rank binds and is reached at (127.0.0.1 on one machine)
   * @param port this rank's Artery port; rank 0's must be {@code seedPort}; 0 picks a free one
   * @param seedPort rank 0's port
   * @param overrides configuration that takes precedence over the bootstrap's (e.g. {@code ddp4j.exchange.timeout})
   * @param joinTimeout how long to wait for all ranks to join and the group to arrive
   * @throws IllegalArgumentException if the arguments are inconsistent
   * @throws TimeoutException if the group was not formed in time; the actor system is then terminated
   */
  public static RingNode start(int rank, int worldSize, String host, int port, int seedPort, Config overrides,
      Duration joinTimeout) throws TimeoutException, InterruptedException {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank " + rank + " is not in a world of " + worldSize);
    }
    if (rank == 0 && port != seedPort) {
      throw new IllegalArgumentException("rank 0 is the seed: its port " + port + " must be the seed port " + seedPort);
    }
    Config config = config(rank, host, port, overrides);
    ExchangeSettings settings = ExchangeSettings.fromConfig(config);
    TcpSegmentLink link = null;
    String transport = config.getString(BULK_TRANSPORT_KEY);
    if (!transport.equals("tcp") && !transport.equals("artery")) {
      throw new IllegalArgumentException(BULK_TRANSPORT_KEY + " must be artery or tcp, got " + transport);
    }
    if (transport.equals("tcp")) {
      try {
        // Half the timeout: a write stuck on a stopped peer is let go while the collective can still fail in time.
        link = TcpSegmentLink.listen(host, settings.segmentBytes(), settings.timeout().dividedBy(2));
      } catch (IOException e) {
        throw new IllegalStateException("rank " + rank + " cannot open its data port on " + host, e);
      }
      List<String> roles = new ArrayList<>(config.getStringList("akka.cluster.roles"));
      roles.add(DATA_PORT_ROLE_PREFIX + link.port());
      config = ConfigFactory.parseMap(Map.of("akka.cluster.roles", roles)).withFallback(config);
    }
    SegmentLink segmentLink = link;
    CompletableFuture<ActorRef<Communicator.Command>> spawned = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(ctx -> {
      spawned.complete(ctx.spawn(Communicator.create(settings, segmentLink), COMMUNICATOR_NAME));
      return Behaviors.empty();
    }), SYSTEM_NAME, config);
    try {
      ActorRef<Communicator.Command> communicator = spawned.get(joinTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Address seed = new Address("akka", SYSTEM_NAME, host, seedPort);
      Cluster.get(system).manager().tell(new JoinSeedNodes(List.of(seed)));
      long deadline = System.nanoTime() + joinTimeout.toNanos();
      if (rank == 0) {
        announce(system, communicator, worldSize, deadline);
      }
      awaitGeneration(system, communicator, rank, deadline);
      if (link != null && worldSize > 1) {
        connectLink(system, link, communicator, rank, worldSize, deadline);
      }
      return new RingNode(system, communicator, rank, worldSize, link);
    } catch (ExecutionException e) {
      closeAll(link, system);
      throw new IllegalStateException("rank " + rank + " could not start its communicator", e.getCause());
    } catch (IOException e) {
      closeAll(link, system);
      throw new IllegalStateException("rank " + rank + " could not connect its data side channel: " + e, e);
    } catch (TimeoutException | InterruptedException | RuntimeException e) {
      closeAll(link, system);
      throw e;
    }
  }

  /**
   * The configuration of rank {@code rank}: Artery TCP on {@code host:port}, the cluster provider,
   * Java serialization off, frames that fit a segment, then {@code overrides} on top, then the
   * application's configuration.
   */
  public static Config config(int rank, String host, int port, Config overrides) {
    boolean sideChannel = overrides.withFallback(ConfigFactory.load()).getString(BULK_TRANSPORT_KEY).equals("tcp");
    long segment = overrides.hasPath("ddp4j.exchange.segment-bytes")
        ? overrides.getBytes("ddp4j.exchange.segment-bytes")
        : sideChannel ? DEFAULT_SEGMENT_BYTES_OVER_SIDE_CHANNEL : DEFAULT_SEGMENT_BYTES_ACROSS_JVMS;
    Map<String, Object> values = new TreeMap<>();
    values.put("akka.actor.provider", "cluster");
    values.put("akka.actor.allow-java-serialization", "off");
    values.put("akka.remote.artery.transport", "tcp");
    values.put("akka.remote.artery.canonical.hostname", host);
    values.put("akka.remote.artery.canonical.port", port);
    values.put("akka.remote.artery.advanced.maximum-frame-size", segment + FRAME_HEADROOM_BYTES);
    values.put("akka.cluster.roles", List.of(ROLE_PREFIX + rank));
    values.put("akka.cluster.jmx.enabled", "off");
    values.put("akka.cluster.log-info", "off");
    values.put("akka.coordinated-shutdown.exit-jvm", "off");
    // Rendezvous in well under a second on one host instead of Akka's multi-second defaults: a rank that
    // starts before the seed retries its join after 1 s, not 5–10 s, and the leader moves joiners up
    // every 200 ms. Gossip at 200 ms among a handful of ranks costs nothing measurable.
    values.put("akka.cluster.seed-node-timeout", "1s");
    values.put("akka.cluster.retry-unsuccessful-join-after", "1s");
    values.put("akka.cluster.gossip-interval", "200ms");
    values.put("akka.cluster.leader-actions-interval", "200ms");
    values.put("akka.cluster.periodic-tasks-initial-delay", "100ms");
    values.put("ddp4j.exchange.segment-bytes", segment);
    return overrides.withFallback(ConfigFactory.parseMap(values)).withFallback(ConfigFactory.load()).resolve();
  }

  /** This rank's collectives. */
  public Collective collective() {
    return Communicator.collective(communicator);
  }

  /** This rank's communicator. */
  public ActorRef<Communicator.Command> communicator() {
    return communicator;
  }

  /** This rank. */
  public int rank() {
    return rank;
  }

  /** The number of ranks. */
  public int worldSize() {
    return worldSize;
  }

  /** Segments this rank has sent through the TCP side channel (0 when the bulk transport is Artery). */
  public long sideChannelSegmentsSent() {
    return link == null ? 0 : link.segmentsWritten();
  }

  /** Acknowledgements this rank has written to its predecessor over the TCP side channel (0 without one). */
  public long sideChannelAcksSent() {
    return link == null ? 0 : link.acksWritten();
  }

  /** The actor system (for its configuration and logging). */
  public ActorSystem<Void> system() {
    return system;
  }

  /**
   * Leaves the cluster and terminates the actor system, waiting at most {@link #CLOSE_TIMEOUT}.
   * Unreachable members (a killed rank) are first marked down: this node is going anyway, and a leave
   * cannot converge while a member is unreachable, so without it the shutdown would wait out its
   * phase timeouts.
   */
  @Override
  public void close() {
    Cluster cluster = Cluster.get(system);
    for (Member m : cluster.state().getUnreachable()) {
      cluster.manager().tell(new Down(m.address()));
    }
    closeAll(link, system);
  }

  private static void closeAll(TcpSegmentLink link, ActorSystem<Void> system) {
    if (link != null) {
      link.close();
    }
    terminate(system);
  }

  /**
   * Side channel: connects to the successor's data port (found in its cluster roles), then accepts
   * the predecessor's connection. Connecting first never waits for the peer to accept, so no cycle.
   */
  private static void connectLink(ActorSystem<Void> system, TcpSegmentLink link,
      ActorRef<Communicator.Command> communicator, int rank, int worldSize, long deadline)
      throws IOException, TimeoutException, InterruptedException {
    int successor = (rank + 1) % worldSize;
    Member peer = null;
    int dataPort = -1;
    while (peer == null) {
      for (Member m : Cluster.get(system).state().getMembers()) {
        if (rankOf(m) == successor) {
          for (String role : m.getRoles()) {
            if (role.startsWith(DATA_PORT_ROLE_PREFIX)) {
              peer = m;
              dataPort = Integer.parseInt(role.substring(DATA_PORT_ROLE_PREFIX.length()));
            }
          }
        }
      }
      if (peer == null) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("rank " + rank + ": rank " + successor + " has no data port in its cluster roles"
              + " (is " + BULK_TRANSPORT_KEY + " = tcp on every rank?)");
        }
        Thread.sleep(POLL_INTERVAL.toMillis());
      }
    }
    ActorRef<Communicator.Command> successorRef =
        ActorRefResolver.get(system).resolveActorRef(peer.address() + "/user/" + COMMUNICATOR_NAME);
    link.connect(peer.address().getHost().orElse("127.0.0.1"), dataPort, rank, successorRef);
    int predecessor = (rank + worldSize - 1) % worldSize;
    Member before = null;
    while (before == null) {
      for (Member m : Cluster.get(system).state().getMembers()) {
        if (rankOf(m) == predecessor) {
          before = m;
        }
      }
      if (before == null) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("rank " + rank + ": the predecessor rank " + predecessor
              + " is not among the cluster's members");
        }
        Thread.sleep(POLL_INTERVAL.toMillis());
      }
    }
    ActorRef<Communicator.Command> predecessorRef =
        ActorRefResolver.get(system).resolveActorRef(before.address() + "/user/" + COMMUNICATOR_NAME);
    long left = Math.max(0, deadline - System.nanoTime());
    link.accept(predecessor, predecessorRef, Duration.ofNanos(left), communicator::tell);
  }

  private static void terminate(ActorSystem<Void> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      system.log().warn("actor system did not terminate within {} ms", CLOSE_TIMEOUT.toMillis());
    }
  }

  /** Rank 0: waits for one up member per rank, then sends every communicator the group. */
  private static void announce(ActorSystem<Void> system, ActorRef<Communicator.Command> own, int worldSize,
      long deadline) throws TimeoutException, InterruptedException {
    Cluster cluster = Cluster.get(system);
    Map<Integer, Member> byRank = new TreeMap<>();
    while (true) {
      byRank.clear();
      for (Member m : cluster.state().getMembers()) {
        int r = rankOf(m);
        if (m.status() != MemberStatus.up() || r < 0) {
          continue;
        }
        if (r >= worldSize) {
          throw new IllegalStateException("member " + m.address() + " claims rank " + r
              + " but the world has " + worldSize + " ranks");
        }
        Member other = byRank.put(r, m);
        if (other != null) {
          throw new IllegalStateException("rank " + r + " joined twice: " + other.address() + " and " + m.address());
        }
      }
      if (byRank.size() == worldSize) {
        break;
      }
      if (System.nanoTime() > deadline) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
          if (!byRank.containsKey(r)) {
            missing.add(r);
          }
        }
        throw new TimeoutException("rank 0: ranks " + missing + " of " + worldSize + " did not join in time");
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
    ActorRefResolver resolver = ActorRefResolver.get(system);
    List<ActorRef<Communicator.Command>> refs = new ArrayList<>();
    for (int r = 0; r < worldSize; r++) {
      refs.add(r == 0 ? own : resolver.resolveActorRef(byRank.get(r).address() + "/user/" + COMMUNICATOR_NAME));
    }
    ProcessGroup group = new ProcessGroup(FIRST_GENERATION, refs);
    for (ActorRef<Communicator.Command> ref : refs) {
      ref.tell(new Communicator.NewGeneration(group));
    }
  }

  /** Waits until this rank's communicator runs generation {@link #FIRST_GENERATION} (or a later one). */
  private static void awaitGeneration(ActorSystem<Void> system, ActorRef<Communicator.Command> communicator,
      int rank, long deadline) throws TimeoutException, InterruptedException {
    while (true) {
      Communicator.Stats stats;
      try {
        stats = AskPattern.<Communicator.Command, Communicator.Stats>ask(communicator, Communicator.GetStats::new,
            Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("rank " + rank + ": communicator did not answer", e.getCause());
      }
      if (stats.generation() >= FIRST_GENERATION) {
        if (stats.rank() != rank) {
          throw new IllegalStateException("started as rank " + rank + " but the group made it rank " + stats.rank());
        }
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("rank " + rank + ": no process group arrived from rank 0 in time ("
            + Cluster.get(system).state().members().size() + " cluster members seen)");
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }

  private static int rankOf(Member m) {
    for (String role : m.getRoles()) {
      if (role.startsWith(ROLE_PREFIX)) {
        try {
          return Integer.parseInt(role.substring(ROLE_PREFIX.length()));
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
