/**
 * Gradient exchange: the DDP reducer (what is reduced, when, {@link dev.ddp4j.exchange.ddp}) and the collectives (how
 * bytes move, {@link dev.ddp4j.exchange.collective}) with their wire format
 * ({@link dev.ddp4j.exchange.wire}).
 */
package dev.ddp4j.exchange;
