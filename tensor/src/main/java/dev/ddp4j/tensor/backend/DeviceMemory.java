package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;

/**
 * One allocation in a device's memory, held by the {@link dev.ddp4j.tensor.Storage} of tensors on
 * that device. Opaque to the tensor library: only the backend that made it (through
 * {@link DeviceOps#allocate}) reads it. A backend returns the memory to its allocator when the
 * storage becomes unreachable (PyTorch frees on the last reference; the JVM's equivalent is a
 * {@link java.lang.ref.Cleaner}), so an allocation never outlives its storage's users.
 */
public interface DeviceMemory {
  /** The device the memory is on. */
  Device device();

  /** The size of the allocation in bytes (at least elements × element size). */
  long bytes();
}
