/**
 * Runnable example programs a user copies from.
 */
package dev.ddp4j.examples;
