package dev.ddp4j.tensor.backend;

import java.util.Objects;

/**
 * What a {@link Backend}'s probe found: whether its device kind can be used in this JVM, how many
 * devices there are, and in words either what the devices are or precisely why there are none
 * usable ("libcuda.so.1 could not be loaded (no NVIDIA driver): ...", "the driver reports 0 CUDA
 * devices").
 *
 * <p>An available kind has at least one device; an unavailable one reports 0.
 *
 * @param available whether devices of this kind can be used
 * @param deviceCount how many devices of this kind there are; {@code >= 1} when available, else 0
 * @param description the devices found (when available) or the reason there are none (when not);
 *     never blank
 */
public record Availability(boolean available, int deviceCount, String description) {
  public Availability {
    Objects.requireNonNull(description, "description");
    if (description.isBlank()) {
      throw new IllegalArgumentException("an availability needs a description of the devices or the reason");
    }
    if (available && deviceCount < 1) {
      throw new IllegalArgumentException("an available backend has at least 1 device, got " + deviceCount);
    }
    if (!available && deviceCount != 0) {
      throw new IllegalArgumentException("an unavailable backend has 0 devices, got " + deviceCount);
    }
  }

  /** {@code deviceCount} usable devices, described (names, memory, ...) in {@code description}. */
  public static Availability available(int deviceCount, String description) {
    return new Availability(true, deviceCount, description);
  }

  /** No usable device, for the precise {@code reason} given. */
  public static Availability unavailable(String reason) {
    return new Availability(false, 0, reason);
  }

  @Override
  public String toString() {
    return available
        ? "available, " + deviceCount + (deviceCount == 1 ? " device: " : " devices: ") + description
        : "unavailable: " + description;
  }
}
