/**
 * Gradient exchange: the DDP reducer (what is reduced, when) and the collectives (how bytes move). Not implemented yet.
 */
package dev.ddp4j.exchange;
