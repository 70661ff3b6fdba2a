package dev.ddp4j.exchange.wire;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.ByteBufferSerializer;
import akka.serialization.SerializerWithStringManifest;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.PeerMessage;
import dev.ddp4j.exchange.collective.PeerMessage.Abort;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierArrive;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierRelease;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessProbe;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessReply;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Akka serializer of the collectives' {@link PeerMessage}s as the protobuf messages of
 * {@code collective.proto}, bound in this module's {@code reference.conf}. As a
 * {@link ByteBufferSerializer} it writes into Artery's envelope buffer and reads from it directly:
 * a segment's floats are copied once each way between the float array and the buffer
 * ({@link SegmentCodec}). The manifest is a short tag per message type. It also carries
 * {@link Communicator.NewGeneration}, the process group a rendezvous sends to every rank, with the
 * communicators' refs as {@link ActorRefResolver} strings ({@link GroupCodec}).
 *
 * <p>Akka creates one instance per actor system and calls it from many threads at once; its only
 * state is the actor system, whose ref resolver it looks up on first use.
 */
public final class CollectiveSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
  /** Serializer id on the wire; unique among the actor system's serializers (Akka keeps 0-40). */
  public static final int IDENTIFIER = 4_400_001;

  static final String SEGMENT = "S";
  static final String ACK = "A";
  static final String ARRIVE = "BA";
  static final String RELEASE = "BR";
  static final String ABORT = "X";
  static final String PROBE = "P";
  static final String REPLY = "PR";
  static final String GROUP = "G";

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  /** The constructor Akka calls. */
  public CollectiveSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  /** The resolver, looked up late: the serializer may be created while the extension is not yet available. */
  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Segment) {
      return SEGMENT;
    } else if (o instanceof SegmentAck) {
      return ACK;
    } else if (o instanceof BarrierArrive) {
      return ARRIVE;
    } else if (o instanceof BarrierRelease) {
      return RELEASE;
    } else if (o instanceof Abort) {
      return ABORT;
    } else if (o instanceof LivenessProbe) {
      return PROBE;
    } else if (o instanceof LivenessReply) {
      return REPLY;
    } else if (o instanceof Communicator.NewGeneration) {
      return GROUP;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof Segment s) {
      byte[] bytes = new byte[SegmentCodec.encodedSize(s)];
      toBinary(s, ByteBuffer.wrap(bytes));
      return bytes;
    } else if (o instanceof PeerMessage m) {
      return ControlCodec.toProto(m).toByteArray();
    } else if (o instanceof Communicator.NewGeneration g) {
      return GroupCodec.toProto(g, resolver()).toByteArray();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public void toBinary(Object o, ByteBuffer buf) {
    try {
      if (o instanceof Segment s) {
        SegmentCodec.write(s, buf);
      } else if (o instanceof PeerMessage || o instanceof Communicator.NewGeneration) {
        MessageLite proto = o instanceof PeerMessage m
            ? ControlCodec.toProto(m) : GroupCodec.toProto((Communicator.NewGeneration) o, resolver());
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        proto.writeTo(out);
        out.flush();
      } else {
        throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buf, String manifest) throws NotSerializableException {
    try {
      return switch (manifest) {
        case SEGMENT -> SegmentCodec.read(buf);
        case ACK -> ControlCodec.ack(buf);
        case ARRIVE -> ControlCodec.arrive(buf);
        case RELEASE -> ControlCodec.release(buf);
        case ABORT -> ControlCodec.abort(buf);
        case PROBE -> ControlCodec.probe(buf);
        case REPLY -> ControlCodec.reply(buf);
        case GROUP -> GroupCodec.fromProto(buf, resolver());
        default -> throw new NotSerializableException(
            "unknown manifest '" + manifest + "' for serializer " + IDENTIFIER);
      };
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
