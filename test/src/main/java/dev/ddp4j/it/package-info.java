/**
 * Multi-JVM integration tests and benchmarks against recorded peer figures. Not implemented yet.
 */
package dev.ddp4j.it;
