package dev.ddp4j.exchange.ddp;

import dev.ddp4j.exchange.collective.Bf16;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.collective.WireFormat;
import java.util.concurrent.CompletionStage;

/** The built-in {@link CommHook}s (PyTorch's {@code default_hooks}). Stateless; safe to share. */
public final class CommHooks {
  private CommHooks() {}

  /** Allreduce with {@link ReduceOp#AVG}, float32 on the wire: PyTorch's default behaviour. */
  public static CommHook allReduceAverage() {
    return AllReduceAverage.INSTANCE;
  }

  /**
   * bfloat16 compression (PyTorch's {@code bf16_compress_hook}): the bucket is rounded to bfloat16
   * in place, then averaged with a {@link WireFormat#BF16} allreduce, which keeps every value that
   * leaves a rank in bfloat16. Halves the bytes on the wire; the result is bf16-rounded and
   * identical on every rank.
   */
  public static CommHook bf16Compress() {
    return Bf16Compress.INSTANCE;
  }

  private enum AllReduceAverage implements CommHook {
    INSTANCE;

    @Override
    public CompletionStage<float[]> reduce(GradBucket bucket,
        Collective collective) {
      return collective.allReduce(bucket.buffer(), ReduceOp.AVG);
    }

    @Override
    public String toString() {
      return "allreduce-avg";
    }
  }

  private enum Bf16Compress implements CommHook {
    INSTANCE;

    @Override
    public CompletionStage<float[]> reduce(GradBucket bucket,
        Collective collective) {
      float[] b = bucket.buffer();
      Bf16.roundInPlace(b, 0, b.length);
      return collective.allReduce(b, ReduceOp.AVG, WireFormat.BF16);
    }

    @Override
    public String toString() {
      return "bf16-compress";
    }
  }
}
