/**
 * Wire format of the collectives: the Akka serializer that turns the communicators'
 * {@link dev.ddp4j.exchange.collective.PeerMessage}s into the protobuf messages of
 * {@code collective.proto} and back, writing segment payloads straight into Artery's buffers. Generated
 * protobuf classes are used here and nowhere else in this module.
 *
 * <p>Lifetimes: Akka creates the serializer once per actor system. Threads: Artery's encoder and
 * decoder stages (and {@code SerializationExtension} callers) invoke it concurrently; it is stateless.
 * A decoded segment owns a fresh array; an encoded one is read from its sender's array during the call only.
 */
package dev.ddp4j.exchange.wire;
