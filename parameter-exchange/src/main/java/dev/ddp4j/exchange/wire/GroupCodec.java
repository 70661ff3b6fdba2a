package dev.ddp4j.exchange.wire;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.proto.msg.ProcessGroupAnnounce;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversion between {@link Communicator.NewGeneration} and {@code ddp4j.ProcessGroupAnnounce}: the
 * communicators' refs travel as {@link ActorRefResolver} strings (full remote address and uid) and are
 * resolved again in the receiving actor system. Stateless apart from the resolver; any thread.
 */
final class GroupCodec {
  private GroupCodec() {}

  static ProcessGroupAnnounce toProto(Communicator.NewGeneration m, ActorRefResolver resolver) {
    ProcessGroupAnnounce.Builder b = ProcessGroupAnnounce.newBuilder().setGeneration(m.group().generation());
    for (ActorRef<Communicator.Command> ref : m.group().ranks()) {
      b.addCommunicators(resolver.toSerializationFormat(ref));
    }
    return b.build();
  }

  /**
   * Decodes a group announcement.
   *
   * @throws InvalidProtocolBufferException if the bytes are not a well-formed announcement or the
   *     group itself is invalid (no rank, a communicator twice, a generation beyond a long)
   */
  static Communicator.NewGeneration fromProto(ByteBuffer buf, ActorRefResolver resolver)
      throws InvalidProtocolBufferException {
    ProcessGroupAnnounce p = ProcessGroupAnnounce.parseFrom(buf);
    List<ActorRef<Communicator.Command>> refs = new ArrayList<>(p.getCommunicatorsCount());
    for (String s : p.getCommunicatorsList()) {
      refs.add(resolver.resolveActorRef(s));
    }
    try {
      return new Communicator.NewGeneration(new ProcessGroup(p.getGeneration(), refs));
    } catch (IllegalArgumentException e) {
      throw new InvalidProtocolBufferException("malformed ProcessGroupAnnounce: " + e.getMessage());
    }
  }
}
