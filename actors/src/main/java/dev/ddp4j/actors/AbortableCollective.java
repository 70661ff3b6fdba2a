package dev.ddp4j.actors;

import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.CollectiveException;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.collective.WireFormat;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A rank's collective that its actor can abort: once {@link #abort} is called every pending and
 * later stage fails, so a compute thread blocked in a collective is released when the rank stops
 * (its communicator, stopped with it, would otherwise never complete the stage).
 *
 * <p>Issued from the rank's compute thread; {@link #abort} from the actor's thread.
 */
final class AbortableCollective implements Collective {
  private final Collective inner;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile String abortedBecause;

  AbortableCollective(Collective inner) {
    this.inner = inner;
  }

  void abort(String why) {
    abortedBecause = why;
    for (CompletableFuture<?> f : pending) {
      f.completeExceptionally(new CollectiveException(why, -1));
    }
  }

  private <T> CompletionStage<T> track(CompletionStage<T> stage) {
    CompletableFuture<T> f = new CompletableFuture<>();
    pending.add(f);
    stage.whenComplete((v, e) -> {
      if (e != null) {
        f.completeExceptionally(e);
      } else {
        f.complete(v);
      }
      pending.remove(f);
    });
    String why = abortedBecause;
    if (why != null) {
      f.completeExceptionally(new CollectiveException(why, -1));
    }
    return f;
  }

  @Override
  public CompletionStage<float[]> allReduce(float[] buffer, ReduceOp op, WireFormat format) {
    return track(inner.allReduce(buffer, op, format));
  }

  @Override
  public CompletionStage<float[]> broadcast(float[] buffer, int root) {
    return track(inner.broadcast(buffer, root));
  }

  @Override
  public CompletionStage<float[]> allGather(float[] mine) {
    return track(inner.allGather(mine));
  }

  @Override
  public CompletionStage<float[]> reduceScatter(float[] buffer, ReduceOp op) {
    return track(inner.reduceScatter(buffer, op));
  }

  @Override
  public CompletionStage<Void> barrier() {
    return track(inner.barrier());
  }
}
