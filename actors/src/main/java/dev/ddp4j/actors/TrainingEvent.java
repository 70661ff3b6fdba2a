package dev.ddp4j.actors;

/** What a training run reports to its progress listener, in order. */
public sealed interface TrainingEvent {

  /**
   * Global step {@code step} (1-based) finished on every rank.
   *
   * @param epoch the epoch (0-based) the step belongs to
   * @param step global step count so far
   * @param loss mean of the ranks' losses in this step (a member started with
   *     {@link DistributedTraining#startMember} sees only its own rank's loss)
   * @param samples examples of this step over all ranks
   * @param samplesPerSec global examples per second, over the wall time since the previous step finished
   * @param timeline where the step's time went (the slowest rank's figure for each phase)
   */
  record StepCompleted(int epoch, long step, double loss, long samples, double samplesPerSec,
      StepTimeline timeline) implements TrainingEvent {}

  /**
   * One step's phases in milliseconds, each the maximum over the ranks: taking the batch, forward
   * (with the buffer broadcast and the loss), backward (during which full buckets are already being
   * reduced), exposed communication (the wait in {@code finishGradientSync} for what backward did not
   * hide), and the optimizer step; and the time the buckets were being reduced, of which
   * {@code communicationMillis - exposedCommMillis} was hidden under backward.
   */
  record StepTimeline(double dataMillis, double forwardMillis, double backwardMillis, double exposedCommMillis,
      double optimizerMillis, double communicationMillis) {}

  /**
   * Epoch {@code epoch} (0-based) finished on every rank.
   *
   * @param epoch the epoch
   * @param steps steps of the epoch
   * @param trainLoss mean loss over the epoch's steps and all ranks
   * @param samples examples of the epoch over all ranks
   * @param seconds rank 0's wall time from the epoch's first step to the end of its last, evaluation excluded
   * @param samplesPerSec {@code samples / seconds}
   * @param evaluation the figures of the spec's {@link TrainingSpec.EpochEvaluator} on rank 0, empty without one
   */
  record EpochCompleted(int epoch, long steps, double trainLoss, long samples, double seconds, double samplesPerSec,
      java.util.Map<String, Double> evaluation) implements TrainingEvent {}

  /** Every rank is paused before step {@code nextStep} (0-based). */
  record Paused(long nextStep) implements TrainingEvent {}

  /** Training goes on after a pause. */
  record Resumed() implements TrainingEvent {}

  /** Every step ran; the result holds rank 0's weights. */
  record Finished(long steps) implements TrainingEvent {}

  /** Training ended without weights: {@code reason} names the rank, the step and the cause. */
  record Failed(String reason) implements TrainingEvent {}
}
