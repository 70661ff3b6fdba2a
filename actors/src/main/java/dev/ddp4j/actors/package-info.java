/**
 * Rank actors, one per device, and the library API for an existing ActorSystem. Not implemented yet.
 */
package dev.ddp4j.actors;
