/**
 * Checkpoints on disk: tensors saved and loaded in the safetensors format ({@link
 * dev.ddp4j.tensor.io.SafeTensors}), byte-compatible with PyTorch's safetensors files.
 *
 * <p>Lifetimes: loading builds fresh tensors over fresh storages that the caller owns; nothing is
 * cached and every file is closed before a method returns. Saving reads the given tensors and
 * keeps no reference to them.
 * Threads: the methods are stateless and may be called from any thread, but a tensor being saved
 * must not be mutated meanwhile (it belongs to its rank's compute thread, which is the usual
 * caller). Concurrent saves to one path are safe in the sense that each atomically replaces the
 * file; the last rename wins.
 */
package dev.ddp4j.tensor.io;
