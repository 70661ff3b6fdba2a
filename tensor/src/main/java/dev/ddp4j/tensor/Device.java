package dev.ddp4j.tensor;

/**
 * Where a tensor's storage lives: the CPU, or a CUDA device by index.
 *
 * @param type the device kind
 * @param index the device index; always 0 for the CPU
 */
public record Device(Type type, int index) {
  /** The kinds of device. */
  public enum Type { CPU, CUDA }

  /** The one CPU device. */
  public static final Device CPU = new Device(Type.CPU, 0);

  public Device {
    if (index < 0) {
      throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }
    if (type == Type.CPU && index != 0) {
      throw new IllegalArgumentException("the CPU device has index 0, got " + index);
    }
  }

  /** The CUDA device with the given index. */
  public static Device cuda(int index) {
    return new Device(Type.CUDA, index);
  }

  /** Parses {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public static Device parse(String s) {
    if (s.equals("cpu")) {
      return CPU;
    }
    if (s.equals("cuda")) {
      return cuda(0);
    }
    if (s.startsWith("cuda:")) {
      try {
        return cuda(Integer.parseInt(s.substring(5)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad device '" + s + "': expected cpu, cuda or cuda:N");
      }
    }
    throw new IllegalArgumentException("bad device '" + s + "': expected cpu, cuda or cuda:N");
  }

  @Override
  public String toString() {
    return type == Type.CPU ? "cpu" : "cuda:" + index;
  }
}
