package dev.ddp4j.exchange.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.ddp4j.exchange.collective.PeerMessage;
import dev.ddp4j.exchange.collective.PeerMessage.Abort;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierArrive;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierRelease;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessProbe;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessReply;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import dev.ddp4j.proto.msg.AbortCollective;
import java.nio.ByteBuffer;

/**
 * Conversion between the small peer messages (everything but segments) and their generated protobuf
 * classes, which never leave this package. A uint32 rank beyond 2<sup>31</sup> - 1 becomes a negative
 * int, which the communicator rejects. Stateless; any thread.
 */
final class ControlCodec {
  private ControlCodec() {}

  /** The generated message for a control record. */
  static MessageLite toProto(PeerMessage m) {
    if (m instanceof SegmentAck a) {
      return dev.ddp4j.proto.msg.SegmentAck.newBuilder().setGeneration(a.generation())
          .setSequence(a.sequence()).setSenderRank(a.senderRank()).setConsumed(a.consumed()).build();
    } else if (m instanceof BarrierArrive a) {
      return dev.ddp4j.proto.msg.BarrierArrive.newBuilder().setGeneration(a.generation())
          .setSequence(a.sequence()).setSenderRank(a.senderRank()).build();
    } else if (m instanceof BarrierRelease r) {
      return dev.ddp4j.proto.msg.BarrierRelease.newBuilder().setGeneration(r.generation())
          .setSequence(r.sequence()).setSenderRank(r.senderRank()).build();
    } else if (m instanceof Abort a) {
      AbortCollective.Builder b = AbortCollective.newBuilder().setGeneration(a.generation())
          .setSequence(a.sequence()).setSenderRank(a.senderRank()).setReason(a.reason());
      if (a.culpritRank() >= 0) {
        b.setCulpritRank(a.culpritRank());
      }
      return b.build();
    } else if (m instanceof LivenessProbe p) {
      return dev.ddp4j.proto.msg.LivenessProbe.newBuilder().setGeneration(p.generation())
          .setSequence(p.sequence()).setSenderRank(p.senderRank()).build();
    } else if (m instanceof LivenessReply r) {
      return dev.ddp4j.proto.msg.LivenessReply.newBuilder().setGeneration(r.generation())
          .setSequence(r.sequence()).setSenderRank(r.senderRank()).setIssued(r.issued())
          .setCompleted(r.completed()).build();
    }
    throw new IllegalArgumentException("not a control message: " + m.getClass().getName());
  }

  static SegmentAck ack(ByteBuffer buf) throws InvalidProtocolBufferException {
    var p = dev.ddp4j.proto.msg.SegmentAck.parseFrom(buf);
    return new SegmentAck(p.getGeneration(), p.getSequence(), p.getSenderRank(), p.getConsumed());
  }

  static BarrierArrive arrive(ByteBuffer buf) throws InvalidProtocolBufferException {
    var p = dev.ddp4j.proto.msg.BarrierArrive.parseFrom(buf);
    return new BarrierArrive(p.getGeneration(), p.getSequence(), p.getSenderRank());
  }

  static BarrierRelease release(ByteBuffer buf) throws InvalidProtocolBufferException {
    var p = dev.ddp4j.proto.msg.BarrierRelease.parseFrom(buf);
    return new BarrierRelease(p.getGeneration(), p.getSequence(), p.getSenderRank());
  }

  static Abort abort(ByteBuffer buf) throws InvalidProtocolBufferException {
    AbortCollective p = AbortCollective.parseFrom(buf);
    int culprit = p.hasCulpritRank() ? p.getCulpritRank() : -1;
    return new Abort(p.getGeneration(), p.getSequence(), p.getSenderRank(), culprit, p.getReason());
  }

  static LivenessProbe probe(ByteBuffer buf) throws InvalidProtocolBufferException {
    var p = dev.ddp4j.proto.msg.LivenessProbe.parseFrom(buf);
    return new LivenessProbe(p.getGeneration(), p.getSequence(), p.getSenderRank());
  }

  static LivenessReply reply(ByteBuffer buf) throws InvalidProtocolBufferException {
    var p = dev.ddp4j.proto.msg.LivenessReply.parseFrom(buf);
    return new LivenessReply(p.getGeneration(), p.getSequence(), p.getSenderRank(), p.getIssued(),
        p.getCompleted());
  }
}
