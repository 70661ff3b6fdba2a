package dev.ddp4j.exchange.collective;

import akka.actor.typed.ActorRef;
import java.util.HashSet;
import java.util.List;

/**
 * One generation of the world: its number and the communicator of each rank, in rank order (the
 * communicator at index r is rank r). Every membership change makes a new generation with a larger
 * number; messages of an older generation are dropped.
 *
 * <p>Immutable; may be shared between threads.
 *
 * @param generation the generation number, at least 0, strictly increasing from one group to the next
 * @param ranks the communicator of each rank, rank 0 first; no communicator twice
 */
public record ProcessGroup(long generation, List<ActorRef<Communicator.Command>> ranks) {

  /** Checks the arguments and copies {@code ranks}. */
  public ProcessGroup {
    if (generation < 0) {
      throw new IllegalArgumentException("generation must be >= 0, got " + generation);
    }
    ranks = List.copyOf(ranks);
    if (ranks.isEmpty()) {
      throw new IllegalArgumentException("a process group needs at least one rank");
    }
    if (new HashSet<>(ranks).size() != ranks.size()) {
      throw new IllegalArgumentException("a communicator appears twice in " + ranks);
    }
  }

  /** The number of ranks (the world size). */
  public int size() {
    return ranks.size();
  }

  /** The communicator of {@code rank}. */
  public ActorRef<Communicator.Command> ref(int rank) {
    return ranks.get(rank);
  }

  /** The rank of {@code communicator}, or -1 if it is not a member. */
  public int rankOf(ActorRef<?> communicator) {
    return ranks.indexOf(communicator);
  }

  /** The rank that {@code rank} sends ring data to. */
  public int successor(int rank) {
    return (rank + 1) % size();
  }

  /** The rank that {@code rank} receives ring data from. */
  public int predecessor(int rank) {
    return (rank + size() - 1) % size();
  }
}
