package dev.ddp4j.gpu;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.Backend;
import dev.ddp4j.tensor.backend.DeviceOps;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CUDA GPUs as a {@link Backend}, through JCuda's driver API. Registered in
 * {@code META-INF/services/dev.ddp4j.tensor.backend.Backend}.
 *
 * <p>The probe finds the devices (name, compute capability, memory) or says exactly why there are
 * none. {@link #ops} opens a device on first use ({@link CudaDevice}: its primary context, the kernels
 * loaded from PTX, a caching allocator and one stream) and keeps it for the life of the JVM.
 *
 * <p>The probe runs once per JVM whatever the number of instances, because JCuda can load its
 * native library only once: after a failed load every later touch of {@link JCudaDriver} throws
 * {@code NoClassDefFoundError: Could not initialize class}, which would hide the real reason.
 */
public final class CudaBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);
  /** Buffer size for {@code cuDeviceGetName}; CUDA's own tools use 256. */
  private static final int DEVICE_NAME_MAX_BYTES = 256;
  private static final double BYTES_PER_GIB = 1L << 30;

  /** The probe, run when this class is first initialised (thread-safe and once per JVM). */
  private static final class Result {
    static final Availability AVAILABILITY = logged(runProbe());
  }

  /** The opened devices by ordinal, shared by every instance (the service loader may make several). */
  private static final ConcurrentMap<Integer, CudaDevice> DEVICES = new ConcurrentHashMap<>();

  /** Does no work: the service loader instantiates providers whose devices may be absent. */
  public CudaBackend() {}

  @Override
  public Device.Type type() {
    return Device.Type.CUDA;
  }

  /** The CUDA devices the driver reports, or why there are none; never throws. */
  @Override
  public Availability probe() {
    return Result.AVAILABILITY;
  }

  /** The kernels of {@code device}, opening it on first use. */
  @Override
  public DeviceOps ops(Device device) {
    if (device.type() != Device.Type.CUDA) {
      throw new IllegalArgumentException("not a CUDA device: " + device);
    }
    return DEVICES.computeIfAbsent(device.index(), CudaDevice::open);
  }

  private static Availability logged(Availability a) {
    if (a.available()) {
      LOG.info("CUDA: {} device{} found: {}", a.deviceCount(), a.deviceCount() == 1 ? "" : "s", a.description());
    } else {
      LOG.info("CUDA unavailable, tensors stay on the CPU: {}", a.description());
    }
    return a;
  }

  static Availability runProbe() {
    String call = "JCudaDriver.setExceptionsEnabled(true)";
    try {
      // The first touch of JCudaDriver loads its native library, which needs libcuda.so.1 (the driver).
      JCudaDriver.setExceptionsEnabled(true);
      call = "cuInit(0)";
      JCudaDriver.cuInit(0);
      call = "cuDriverGetVersion";
      int[] version = new int[1];
      JCudaDriver.cuDriverGetVersion(version);
      call = "cuDeviceGetCount";
      int[] count = new int[1];
      JCudaDriver.cuDeviceGetCount(count);
      if (count[0] == 0) {
        return Availability.unavailable("the driver reports 0 CUDA devices");
      }
      List<String> devices = new ArrayList<>();
      for (int i = 0; i < count[0]; i++) {
        call = "querying device " + i;
        devices.add(describe(i));
      }
      return Availability.available(count[0], "CUDA driver " + version[0] / 1000 + "." + version[0] % 1000 / 10 + "; "
          + String.join("; ", devices));
    } catch (LinkageError e) {
      return Availability.unavailable(linkageReason(e));
    } catch (CudaException e) {
      return Availability.unavailable(cudaReason(call, e));
    }
  }

  private static String describe(int ordinal) {
    CUdevice device = new CUdevice();
    JCudaDriver.cuDeviceGet(device, ordinal);
    byte[] name = new byte[DEVICE_NAME_MAX_BYTES];
    JCudaDriver.cuDeviceGetName(name, name.length, device);
    int[] major = new int[1];
    int[] minor = new int[1];
    JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    long[] bytes = new long[1];
    JCudaDriver.cuDeviceTotalMem(bytes, device);
    return String.format(Locale.ROOT, "cuda:%d %s (compute capability %d.%d, %.1f GiB)",
        ordinal, cString(name), major[0], minor[0], bytes[0] / BYTES_PER_GIB);
  }

  private static String cString(byte[] bytes) {
    int end = 0;
    while (end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
  }

  /**
   * The reason for a failed native load. JCuda packs the nested errors into one multi-line message
   * (and later touches wrap it as a cause), so the whole chain is searched for the libcuda line.
   */
  static String linkageReason(Throwable e) {
    String libcudaLine = null;
    for (Throwable t = e; t != null && libcudaLine == null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      for (String line : message.split("\\R")) {
        if (line.contains("libcuda.so")) {
          libcudaLine = line.strip();
          break;
        }
      }
    }
    if (libcudaLine != null && libcudaLine.contains("cannot open shared object file")) {
      return "libcuda.so.1 could not be loaded (no NVIDIA driver): " + libcudaLine;
    }
    String detail = libcudaLine != null ? libcudaLine : firstLine(e);
    return "the JCuda driver library could not be loaded (" + e.getClass().getSimpleName() + "): " + detail;
  }

  private static String cudaReason(String call, CudaException e) {
    String error = firstLine(e);
    if (error.contains("CUDA_ERROR_NO_DEVICE")) {
      return "the driver reports 0 CUDA devices (" + call + ": " + error + ")";
    }
    return "the CUDA driver failed in " + call + ": " + error;
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.toString();
    }
    return message.strip().lines().findFirst().orElse(message);
  }
}
