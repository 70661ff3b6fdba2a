package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends of one set of providers, with each kind's probe run at most once and its answer
 * kept. {@link Backends} holds the one built from {@link ServiceLoader}; tests build their own from
 * a list.
 *
 * <p>Thread-safe: the provider map is fixed at construction and probes are cached in a concurrent
 * map, so concurrent first calls still probe each kind once.
 */
final class BackendRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(BackendRegistry.class);
  /** ServiceLoader retries after a broken provider; stop after this many so a broken jar cannot loop. */
  private static final int MAX_PROVIDER_ERRORS = 16;

  private final Map<Device.Type, Backend> providers = new EnumMap<>(Device.Type.class);
  /** The provider classes of each kind claimed by more than one provider; such a kind cannot be served. */
  private final Map<Device.Type, List<String>> conflicts = new EnumMap<>(Device.Type.class);
  /** Why loading providers failed, when it did (added to "no backend" errors); empty otherwise. */
  private final List<String> loadErrors;
  private final ConcurrentMap<Device.Type, Availability> probes = new ConcurrentHashMap<>();

  BackendRegistry(Iterable<? extends Backend> backends, List<String> loadErrors) {
    this.loadErrors = List.copyOf(loadErrors);
    for (Backend b : backends) {
      Device.Type type = Objects.requireNonNull(b.type(), () -> b.getClass().getName() + ".type() returned null");
      if (type == Device.Type.CPU) {
        LOG.warn("Ignoring backend {}: the CPU backend is built in and cannot be replaced", b.getClass().getName());
        continue;
      }
      Backend previous = providers.putIfAbsent(type, b);
      if (previous != null) {
        conflicts.computeIfAbsent(type, t -> new ArrayList<>(List.of(previous.getClass().getName())))
            .add(b.getClass().getName());
      }
    }
  }

  BackendRegistry(Iterable<? extends Backend> backends) {
    this(backends, List.of());
  }

  /** The providers listed in {@code META-INF/services} files of the thread's context class loader. */
  static BackendRegistry fromServiceLoader() {
    List<Backend> found = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Iterator<Backend> it = ServiceLoader.load(Backend.class).iterator();
    while (errors.size() < MAX_PROVIDER_ERRORS) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        LOG.warn("Could not load a device backend: {}", e.getMessage(), e);
        errors.add(e.getMessage());
      }
    }
    return new BackendRegistry(found, errors);
  }

  /** See {@link Backends#require}. */
  Backend require(Device device) {
    Objects.requireNonNull(device, "device");
    Device.Type type = device.type();
    if (type == Device.Type.CPU) {
      return CpuBackend.INSTANCE;
    }
    Backend backend = provider(device);
    Availability a = probes.computeIfAbsent(type, t -> probe(backend));
    if (!a.available()) {
      throw new IllegalStateException(device + " requested but " + type + " is unavailable: " + a.description());
    }
    if (device.index() >= a.deviceCount()) {
      throw new IllegalStateException(device + " requested but " + a.deviceCount() + " " + type
          + (a.deviceCount() == 1 ? " device is present" : " devices are present"));
    }
    return backend;
  }

  /** See {@link Backends#availability}. */
  Availability availability(Device.Type type) {
    Objects.requireNonNull(type, "type");
    if (type == Device.Type.CPU) {
      return probes.computeIfAbsent(type, t -> CpuBackend.INSTANCE.probe());
    }
    Backend backend = providers.get(type);
    if (backend == null || conflicts.containsKey(type)) {
      return Availability.unavailable(missingReason(type));
    }
    return probes.computeIfAbsent(type, t -> probe(backend));
  }

  private Backend provider(Device device) {
    Device.Type type = device.type();
    Backend backend = providers.get(type);
    if (backend == null || conflicts.containsKey(type)) {
      throw new IllegalStateException(device + " requested but " + missingReason(type));
    }
    return backend;
  }

  private String missingReason(Device.Type type) {
    List<String> rivals = conflicts.get(type);
    if (rivals != null) {
      return "more than one " + type + " backend is on the classpath: " + String.join(" and ", rivals) + "; keep one";
    }
    String reason = "no " + type + " backend is on the classpath: add the " + moduleOf(type)
        + " module to the classpath";
    return loadErrors.isEmpty() ? reason : reason + " (loading backends failed: " + String.join("; ", loadErrors) + ")";
  }

  private static String moduleOf(Device.Type type) {
    return switch (type) {
      case CPU -> "ddp4j-tensor";
      case CUDA -> "ddp4j-gpu";
    };
  }

  /** Runs one probe, turning a provider that breaks its no-throw contract into an unavailable kind. */
  private static Availability probe(Backend backend) {
    String name = backend.getClass().getName();
    try {
      Availability a = backend.probe();
      if (a == null) {
        return Availability.unavailable(name + ".probe() returned null");
      }
      LOG.debug("{} backend {}: {}", backend.type(), name, a);
      return a;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("The probe of {} threw instead of reporting", name, e);
      return Availability.unavailable("the probe of " + name + " failed: " + e);
    }
  }
}
