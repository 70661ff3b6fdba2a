package dev.ddp4j.gpu;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The driver calls {@link CudaDevice} makes besides kernel launches: memory, copies, streams and events.
 * An interface so that the device's Java code (argument packing, grids, staging) runs in tests on hosts
 * without a GPU against a recorder; {@link #DRIVER} is the real thing. Calls need the device's context
 * current on the calling thread and, with JCuda's exceptions enabled, throw {@code CudaException}.
 */
interface CudaMemoryDriver {
  CUdeviceptr alloc(long bytes);

  void free(CUdeviceptr p);

  /** Queues {@code bytes} zero bytes at p on the stream. */
  void zero(CUdeviceptr p, long bytes, CUstream stream);

  /** Queues a copy from page-locked host memory. */
  void hostToDevice(CUdeviceptr dst, Pointer pinnedSrc, long bytes, CUstream stream);

  /** Queues a copy into page-locked host memory. */
  void deviceToHost(Pointer pinnedDst, CUdeviceptr src, long bytes, CUstream stream);

  void deviceToDevice(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream);

  /** Page-locked host memory of {@code bytes} bytes. */
  Pointer allocPinned(long bytes);

  void freePinned(Pointer p);

  CUstream newStream();

  CUevent newEvent();

  void record(CUevent event, CUstream stream);

  /** Waits on the host until the work before the event's last record has finished. */
  void await(CUevent event);

  /** Waits on the host until everything queued on the stream has finished. */
  void synchronize(CUstream stream);

  /** JCuda's driver API. */
  CudaMemoryDriver DRIVER = new CudaMemoryDriver() {
    @Override
    public CUdeviceptr alloc(long bytes) {
      CUdeviceptr p = new CUdeviceptr();
      JCudaDriver.cuMemAlloc(p, bytes);
      return p;
    }

    @Override
    public void free(CUdeviceptr p) {
      JCudaDriver.cuMemFree(p);
    }

    @Override
    public void zero(CUdeviceptr p, long bytes, CUstream stream) {
      JCudaDriver.cuMemsetD8Async(p, (byte) 0, bytes, stream);
    }

    @Override
    public void hostToDevice(CUdeviceptr dst, Pointer pinnedSrc, long bytes, CUstream stream) {
      JCudaDriver.cuMemcpyHtoDAsync(dst, pinnedSrc, bytes, stream);
    }

    @Override
    public void deviceToHost(Pointer pinnedDst, CUdeviceptr src, long bytes, CUstream stream) {
      JCudaDriver.cuMemcpyDtoHAsync(pinnedDst, src, bytes, stream);
    }

    @Override
    public void deviceToDevice(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream) {
      JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream);
    }

    @Override
    public Pointer allocPinned(long bytes) {
      Pointer p = new Pointer();
      JCudaDriver.cuMemHostAlloc(p, bytes, 0);
      return p;
    }

    @Override
    public void freePinned(Pointer p) {
      JCudaDriver.cuMemFreeHost(p);
    }

    @Override
    public CUstream newStream() {
      CUstream s = new CUstream();
      // A blocking stream (flags 0): work on the legacy default stream, such as another library's, orders with it.
      JCudaDriver.cuStreamCreate(s, 0);
      return s;
    }

    @Override
    public CUevent newEvent() {
      CUevent e = new CUevent();
      JCudaDriver.cuEventCreate(e, jcuda.driver.CUevent_flags.CU_EVENT_DISABLE_TIMING);
      return e;
    }

    @Override
    public void record(CUevent event, CUstream stream) {
      JCudaDriver.cuEventRecord(event, stream);
    }

    @Override
    public void await(CUevent event) {
      JCudaDriver.cuEventSynchronize(event);
    }

    @Override
    public void synchronize(CUstream stream) {
      JCudaDriver.cuStreamSynchronize(stream);
    }
  };
}
