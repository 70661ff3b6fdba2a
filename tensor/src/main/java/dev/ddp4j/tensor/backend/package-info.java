/**
 * Device backends: the {@link dev.ddp4j.tensor.backend.Backend} service interface a device kind
 * (CPU, CUDA) implements, and the {@link dev.ddp4j.tensor.backend.Backends} registry that finds
 * providers with {@link java.util.ServiceLoader}, probes each kind once and turns an unusable
 * device into one clear error.
 *
 * <p>Lifetimes: the registry and the backends it loads live as long as the JVM (their class
 * loader); probe answers are computed once and never refreshed. Threads: everything here may be
 * called from any thread; a backend's probe runs at most once, on the first thread that needs it.
 */
package dev.ddp4j.tensor.backend;
