/**
 * The seed programs' models, built from {@code nn} layers with the same structure, and so the same
 * parameter names, as their PyTorch definitions (a state dict moves between the two unchanged).
 * Factories return fresh modules owned by the caller.
 */
package dev.ddp4j.tensor.models;
