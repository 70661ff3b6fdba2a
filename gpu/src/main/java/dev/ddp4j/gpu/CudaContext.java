package dev.ddp4j.gpu;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * The primary context of one CUDA device, retained and made current on the calling thread, with the
 * device's compute capability. Only for hosts where {@link CudaBackend#probe()} reported the device
 * (the probe also loads JCuda and enables its exceptions). {@link #close} releases the retain; it
 * must run once, on a thread where the context may be used.
 */
public final class CudaContext implements AutoCloseable {
  private final CUdevice device;
  private final CUcontext context;
  private final int major;
  private final int minor;
  private boolean closed;

  private CudaContext(CUdevice device, CUcontext context, int major, int minor) {
    this.device = device;
    this.context = context;
    this.major = major;
    this.minor = minor;
  }

  /** Retains device {@code ordinal}'s primary context and makes it current on this thread. */
  public static CudaContext primary(int ordinal) {
    if (!new CudaBackend().probe().available()) {
      throw new IllegalStateException("CUDA is unavailable: " + new CudaBackend().probe().description());
    }
    CUdevice device = new CUdevice();
    JCudaDriver.cuDeviceGet(device, ordinal);
    int[] major = new int[1];
    int[] minor = new int[1];
    JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    CUcontext context = new CUcontext();
    JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
    JCudaDriver.cuCtxSetCurrent(context);
    return new CudaContext(device, context, major[0], minor[0]);
  }

  /** Makes this context current on the calling thread. */
  public void makeCurrent() {
    JCudaDriver.cuCtxSetCurrent(context);
  }

  public int computeMajor() {
    return major;
  }

  public int computeMinor() {
    return minor;
  }

  /** Loads the ddp4j kernels for this device into this context (which must be current). */
  public CudaKernels loadKernels() {
    return CudaKernels.load(major, minor);
  }

  /** Waits for all work in this context (which must be current). */
  public void synchronize() {
    JCudaDriver.cuCtxSynchronize();
  }

  /** Releases the primary context's retain; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }
  }
}
