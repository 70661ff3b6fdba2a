package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.proto.msg.ProcessGroupAnnounce;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The process group on the wire: a {@code NewGeneration} round-trips with its refs, and a bad group is rejected. */
class GroupCodecTest {
  private static final ActorTestKit KIT = ActorTestKit.create("GroupCodecTest");
  private static final Serialization SERIALIZATION = SerializationExtension.get(KIT.system().classicSystem());

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void newGenerationRoundTripsWithEveryRanksCommunicator() throws Exception {
    List<ActorRef<Communicator.Command>> refs = List.of(
        KIT.spawn(Communicator.create(), "c0"), KIT.spawn(Communicator.create(), "c1"),
        KIT.spawn(Communicator.create(), "c2"));
    Communicator.NewGeneration m = new Communicator.NewGeneration(new ProcessGroup(42, refs));
    CollectiveSerializer serializer = (CollectiveSerializer) SERIALIZATION.findSerializerFor(m);
    byte[] bytes = serializer.toBinary(m);

    ProcessGroupAnnounce proto = ProcessGroupAnnounce.parseFrom(bytes);
    assertEquals(42, proto.getGeneration());
    assertEquals(ActorRefResolver.get(KIT.system()).toSerializationFormat(refs.get(1)), proto.getCommunicators(1));
    Communicator.NewGeneration back =
        (Communicator.NewGeneration) serializer.fromBinary(bytes, serializer.manifest(m));
    assertEquals(m.group(), back.group());
    assertSame(serializer, SERIALIZATION.serializerFor(Communicator.NewGeneration.class));
  }

  @Test
  void groupWithACommunicatorTwiceIsRejected() throws Exception {
    ActorRef<Communicator.Command> c = KIT.spawn(Communicator.create(), "twice");
    String ref = ActorRefResolver.get(KIT.system()).toSerializationFormat(c);
    byte[] bytes = ProcessGroupAnnounce.newBuilder().setGeneration(1).addCommunicators(ref).addCommunicators(ref)
        .build().toByteArray();
    CollectiveSerializer serializer = (CollectiveSerializer) SERIALIZATION.serializerFor(Communicator.NewGeneration.class);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> serializer.fromBinary(bytes, CollectiveSerializer.GROUP));
    assertTrue(e.getMessage().startsWith("malformed ProcessGroupAnnounce: a communicator appears twice in "),
        e.getMessage());
  }
}
