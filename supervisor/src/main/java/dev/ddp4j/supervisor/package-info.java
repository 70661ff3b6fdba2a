/**
 * The command-line launcher and, later, cluster bootstrap, rendezvous and world generations.
 */
package dev.ddp4j.supervisor;
