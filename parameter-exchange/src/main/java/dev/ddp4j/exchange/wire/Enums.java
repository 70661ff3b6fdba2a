package dev.ddp4j.exchange.wire;

import dev.ddp4j.exchange.collective.CollectiveKind;
import dev.ddp4j.exchange.collective.RingPhase;
import dev.ddp4j.exchange.collective.WireFormat;
import dev.ddp4j.proto.msg.SegmentPhase;
import dev.ddp4j.proto.msg.WireDType;

/**
 * Mapping between the domain enums and the generated protobuf enums. Decoding gives null for a
 * value this version does not know (UNSPECIFIED, or a number from a newer schema), so the caller
 * rejects it. Stateless; any thread.
 */
final class Enums {
  private Enums() {}

  static dev.ddp4j.proto.msg.CollectiveKind kind(CollectiveKind k) {
    return switch (k) {
      case ALL_REDUCE -> dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_ALL_REDUCE;
      case BROADCAST -> dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_BROADCAST;
      case ALL_GATHER -> dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_ALL_GATHER;
      case REDUCE_SCATTER -> dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_REDUCE_SCATTER;
      case BARRIER -> dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_BARRIER;
    };
  }

  static CollectiveKind kind(dev.ddp4j.proto.msg.CollectiveKind k) {
    if (k == null) {
      return null;
    }
    return switch (k) {
      case COLLECTIVE_KIND_ALL_REDUCE -> CollectiveKind.ALL_REDUCE;
      case COLLECTIVE_KIND_BROADCAST -> CollectiveKind.BROADCAST;
      case COLLECTIVE_KIND_ALL_GATHER -> CollectiveKind.ALL_GATHER;
      case COLLECTIVE_KIND_REDUCE_SCATTER -> CollectiveKind.REDUCE_SCATTER;
      case COLLECTIVE_KIND_BARRIER -> CollectiveKind.BARRIER;
      case COLLECTIVE_KIND_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  static SegmentPhase phase(RingPhase p) {
    return switch (p) {
      case REDUCE_SCATTER -> SegmentPhase.SEGMENT_PHASE_REDUCE_SCATTER;
      case ALL_GATHER -> SegmentPhase.SEGMENT_PHASE_ALL_GATHER;
      case BROADCAST -> SegmentPhase.SEGMENT_PHASE_BROADCAST;
    };
  }

  static RingPhase phase(SegmentPhase p) {
    if (p == null) {
      return null;
    }
    return switch (p) {
      case SEGMENT_PHASE_REDUCE_SCATTER -> RingPhase.REDUCE_SCATTER;
      case SEGMENT_PHASE_ALL_GATHER -> RingPhase.ALL_GATHER;
      case SEGMENT_PHASE_BROADCAST -> RingPhase.BROADCAST;
      case SEGMENT_PHASE_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  static WireDType dtype(WireFormat f) {
    return switch (f) {
      case FLOAT32 -> WireDType.FLOAT32;
      case BF16 -> WireDType.BFLOAT16;
    };
  }

  /** The collectives carry float32 only, as such or compressed to bf16: other dtypes give null. */
  static WireFormat format(WireDType d) {
    if (d == null) {
      return null;
    }
    return switch (d) {
      case FLOAT32 -> WireFormat.FLOAT32;
      case BFLOAT16 -> WireFormat.BF16;
      default -> null;
    };
  }
}
