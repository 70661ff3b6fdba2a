/**
 * Wire format of the collectives: the Akka serializer that turns the communicators'
 * {@link dev.ddp4j.exchange.collective.PeerMessage}s into the protobuf messages of
 * {@code collective.proto} and back, writing segment payloads straight into Artery's buffers. Generated
 * protobuf classes are used here and nowhere else in this module. {@link dev.ddp4j.exchange.wire.TcpSegmentLink}
 * is the optional side channel that carries the same segments as length-prefixed protobuf frames over
 * plain TCP to the ring successor.
 *
 * <p>Lifetimes: Akka creates the serializer once per actor system. Threads: Artery's encoder and
 * decoder stages (and {@code SerializationExtension} callers) invoke it concurrently; it is stateless.
 * A segment the serializer decodes owns a fresh array; one the {@code TcpSegmentLink} reads is a view of
 * a pooled frame until the communicator recycles it; an encoded one is read from its sender's array
 * during the call only.
 * A {@code TcpSegmentLink} is owned by the {@code RingNode} that opened it and runs one writer and one
 * reader thread of its own; the communicator only calls its non-blocking {@code send}.
 */
package dev.ddp4j.exchange.wire;
