package dev.ddp4j.exchange.collective;

import akka.actor.typed.ActorRef;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link Collective} by messages to one communicator actor; stateless apart from the reference, so any thread may call it. */
final class ActorCollective implements Collective {
  private static final float[] NO_DATA = new float[0];
  private final ActorRef<Communicator.Command> communicator;

  ActorCollective(ActorRef<Communicator.Command> communicator) {
    this.communicator = Objects.requireNonNull(communicator, "communicator");
  }

  @Override
  public CompletionStage<float[]> allReduce(float[] buffer, ReduceOp op, WireFormat format) {
    return issue(CollectiveKind.ALL_REDUCE, Objects.requireNonNull(buffer, "buffer"),
        Objects.requireNonNull(op, "op"), 0, Objects.requireNonNull(format, "format"));
  }

  @Override
  public CompletionStage<float[]> broadcast(float[] buffer, int root) {
    return issue(CollectiveKind.BROADCAST, Objects.requireNonNull(buffer, "buffer"), ReduceOp.SUM, root,
        WireFormat.FLOAT32);
  }

  @Override
  public CompletionStage<float[]> allGather(float[] mine) {
    return issue(CollectiveKind.ALL_GATHER, Objects.requireNonNull(mine, "mine"), ReduceOp.SUM, 0,
        WireFormat.FLOAT32);
  }

  @Override
  public CompletionStage<float[]> reduceScatter(float[] buffer, ReduceOp op) {
    return issue(CollectiveKind.REDUCE_SCATTER, Objects.requireNonNull(buffer, "buffer"),
        Objects.requireNonNull(op, "op"), 0, WireFormat.FLOAT32);
  }

  @Override
  public CompletionStage<Void> barrier() {
    return issue(CollectiveKind.BARRIER, NO_DATA, ReduceOp.SUM, 0, WireFormat.FLOAT32)
        .thenApply(ignored -> null);
  }

  private CompletableFuture<float[]> issue(CollectiveKind kind, float[] buffer, ReduceOp op, int root,
      WireFormat format) {
    CompletableFuture<float[]> result = new CompletableFuture<>();
    communicator.tell(new Communicator.Issue(new Request(kind, buffer, op, root, format, result)));
    return result;
  }
}
